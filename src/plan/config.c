#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ini.h>

#include "hash.h"
#include "origin.h"
#include "xalloc.h"

enum section_kind {
	SECTION_PLAZO,
	SECTION_PLAN,
	SECTION_OFFICE,
	SECTION_GROUP,
	SECTION_REMINDERS,
	SECTION_MAIL,
	SECTION_SMTP,
	SECTION_HTTP,
	SECTION_FEEDS,
	SECTION_ESCALATION,
	SECTION_COLUMNS,
	SECTION_UNKNOWN,
};

/* inih keeps section names in a 50-byte buffer and cuts longer ones silently. */
enum { SECTION_MAX = 50 };

#define N_RULES_MAX 96

struct parse_ctx {
	struct config *cfg;
	struct diag_list *diags;
	FILE *file;
	unsigned line;          /* line most recently read */
	unsigned section_line;  /* line of the latest [section] header */
	unsigned entered_line;  /* section_line when the handler last entered a section */
	char *section;          /* the section the handler saw last */
	enum section_kind kind;
	bool section_ok;        /* a valid office/group entry is open */
	bool line_indented;     /* the line just read starts with white space */
	bool continuation;      /* the handler's call continues the previous key's value */
	char last_key[64];
	unsigned syntax_errors; /* syntax errors the reader reported itself */
	bool seen[N_RULES_MAX]; /* rules set by the file (per entry for [office]/[group]) */
	bool leads_given;       /* a lead line was read: the next ones add to it */
	bool section_cut;       /* the latest [section] header was too long for inih */
	struct hash_index office_ids; /* hash of an [office] id -> its index, for duplicates */
};

/* What a key holds, and so which parser reads it. */
enum rule_type {
	RULE_TEXT,     /* char *; an indented continuation line extends it */
	RULE_PATH,     /* char *, resolved against the config's folder */
	RULE_ADDRESS,  /* char *, an e-mail address */
	RULE_URL,      /* char *, starting with one of `names` */
	RULE_ZONE,     /* char *, an IANA time zone */
	RULE_BOOL,     /* bool: yes/no, true/false, on/off, 1/0 */
	RULE_UINT,     /* unsigned in [min, max] */
	RULE_DURATION, /* unsigned seconds in [min, max]: 2d, 36h, 90m, 45s */
	RULE_SIZE,     /* unsigned long long bytes: 512K, 64M, 1G */
	RULE_CHOICE,   /* int: the index of the value in `names` */
	RULE_CUSTOM,   /* its own parser */
};

typedef void (*key_parser)(struct parse_ctx *ctx, const char *key, const char *value);

/* One key: where it goes, how it is read, its default (written as in the file, read by the
 * same parser at config_init: the defaults live here and nowhere else) and, for a key
 * kept only so old files still load, what to write instead. */
struct key_rule {
	enum section_kind kind;
	const char *key;
	enum rule_type type;
	size_t offset;           /* in struct config, or in the office/group of the section */
	unsigned long long min, max;
	const char *def;         /* NULL: none, or derived from other keys by derive() */
	const char *const *names; /* RULE_URL prefixes, RULE_CHOICE values */
	key_parser parse;        /* RULE_CUSTOM */
	bool multi;              /* may repeat (each line adds) */
	const char *deprecated;  /* NULL, or why, and what to write instead */
};

static void list_push(struct config_list *l, const char *s)
{
	l->items = xgrow(l->items, &l->cap, l->len + 1, sizeof(*l->items));
	l->items[l->len++] = xstrdup(s);
}

static void list_finish(struct config_list *l)
{
	for (size_t i = 0; i < l->len; i++)
		free(l->items[i]);
	free(l->items);
	memset(l, 0, sizeof(*l));
}

__attribute__((format(printf, 3, 4))) static void error_at(struct parse_ctx *ctx,
							   const char *code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_vadd(ctx->diags, DIAG_ERROR, code, ctx->cfg->path, ctx->line, 0, fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 3, 4))) static void section_error(struct parse_ctx *ctx,
								const char *code,
								const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_vadd(ctx->diags, DIAG_ERROR, code, ctx->cfg->path, ctx->section_line, 0, fmt, ap);
	va_end(ap);
}

/* Splits value at commas and white space into list items. */
static void push_words(struct config_list *l, const char *value)
{
	const char *p = value;
	while (*p) {
		p += strspn(p, ", \t");
		size_t n = strcspn(p, ", \t");
		if (n > 0) {
			char *w = xstrndup(p, n);
			list_push(l, w);
			free(w);
		}
		p += n;
	}
}

static bool valid_address(const char *a);

static struct config_office *cur_office(struct parse_ctx *ctx)
{
	return &ctx->cfg->offices[ctx->cfg->n_offices - 1];
}

static struct config_group *cur_group(struct parse_ctx *ctx)
{
	return &ctx->cfg->groups[ctx->cfg->n_groups - 1];
}

/* Each `alias` line adds a name; an indented continuation line extends the last one. */
static void push_alias(struct parse_ctx *ctx, struct config_list *l, const char *value)
{
	if (ctx->continuation && l->len > 0) {
		char *joined = xasprintf("%s %s", l->items[l->len - 1], value);
		free(l->items[l->len - 1]);
		l->items[l->len - 1] = joined;
		return;
	}
	list_push(l, value);
}

static void parse_office_alias(struct parse_ctx *ctx, const char *key, const char *value)
{
	push_alias(ctx, &cur_office(ctx)->aliases, value);
}

static void parse_office_email(struct parse_ctx *ctx, const char *key, const char *value)
{
	struct config_list *l = &cur_office(ctx)->emails;
	size_t before = l->len;
	push_words(l, value);
	for (size_t i = before; i < l->len; i++)
		if (!valid_address(l->items[i]))
			error_at(ctx, "config-bad-value", "%s: '%s' is not an e-mail address", key,
				 l->items[i]);
}

static void parse_group_alias(struct parse_ctx *ctx, const char *key, const char *value)
{
	push_alias(ctx, &cur_group(ctx)->aliases, value);
}

static void parse_group_members(struct parse_ctx *ctx, const char *key, const char *value)
{
	push_words(&cur_group(ctx)->members, value);
}

/* A zone is checked where it is written, so the error names its line. */
static bool check_zone(struct parse_ctx *ctx, const char *key, const char *value)
{
	struct pz_error err;
	if (calendar_tz_check(value, &err) == 0)
		return true;
	error_at(ctx, "config-bad-value", "%s: %s", key, err.msg);
	return false;
}

static bool parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = {"yes", "true", "on", "1"};
	static const char *const no[] = {"no", "false", "off", "0"};
	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(v, yes[i]) == 0)
			return *out = true, true;
		if (strcasecmp(v, no[i]) == 0)
			return *out = false, true;
	}
	return false;
}

static bool parse_uint(const char *v, unsigned max, unsigned *out)
{
	char *end;
	if (!isdigit((unsigned char)*v))
		return false;
	unsigned long n = strtoul(v, &end, 10);
	if (*end != '\0' || n > max)
		return false;
	*out = (unsigned)n;
	return true;
}

/* "mon" .. "sun" (English or Spanish abbreviations) -> 0..6, else -1. */
static int weekday_index(const char *w, size_t n)
{
	static const char *const names[][3] = {
		{"mon", "lun", "lun"}, {"tue", "mar", "mar"}, {"wed", "mie", "mié"},
		{"thu", "jue", "jue"}, {"fri", "vie", "vie"}, {"sat", "sab", "sáb"},
		{"sun", "dom", "dom"},
	};
	for (int d = 0; d < 7; d++)
		for (int k = 0; k < 3; k++)
			if (n >= 3 && strncasecmp(w, names[d][k], strlen(names[d][k])) == 0)
				return d;
	return -1;
}

/* "mon tue wed thu fri", "mon-fri", "lun-vie sab". */
static bool parse_weekdays(const char *v, bool out[7])
{
	bool set[7] = {false};
	const char *p = v;
	while (*(p += strspn(p, ", \t"))) {
		size_t n = strcspn(p, ", \t-");
		int a = weekday_index(p, n), b = a;
		p += n;
		if (*p == '-') {
			p++;
			n = strcspn(p, ", \t");
			b = weekday_index(p, n);
			p += n;
		}
		if (a < 0 || b < 0)
			return false;
		for (int d = a;; d = (d + 1) % 7) {
			set[d] = true;
			if (d == b)
				break;
		}
	}
	memcpy(out, set, sizeof(set));
	return true;
}

/* Calls add for each ISO date of v; false at the first word that is not one. */
static bool parse_dates(const char *v, struct workdays *w,
			void (*add)(struct workdays *w, struct date d))
{
	const char *p = v;
	while (*(p += strspn(p, ", \t"))) {
		size_t n = strcspn(p, ", \t");
		char word[16];
		struct date d;
		if (n >= sizeof(word))
			return false;
		memcpy(word, p, n);
		word[n] = '\0';
		if (!date_parse_iso(word, &d))
			return false;
		add(w, d);
		p += n;
	}
	return true;
}

/* "15d" or "3wd"; a bare number means days. */
static bool parse_lead(const char *w, size_t n, struct config_lead *out)
{
	char buf[16];
	if (n == 0 || n >= sizeof(buf))
		return false;
	memcpy(buf, w, n);
	buf[n] = '\0';
	char *end;
	if (!isdigit((unsigned char)buf[0]))
		return false;
	unsigned long days = strtoul(buf, &end, 10);
	out->working = strcmp(end, "wd") == 0;
	if (!(out->working || strcmp(end, "d") == 0 || *end == '\0') || days > 366)
		return false;
	out->n = (unsigned)days;
	return true;
}

static struct workdays *section_workdays(struct parse_ctx *ctx)
{
	return ctx->kind == SECTION_OFFICE ? &cur_office(ctx)->workdays : &ctx->cfg->workdays;
}

static void parse_workdays(struct parse_ctx *ctx, const char *key, const char *value)
{
	struct workdays *w = section_workdays(ctx);
	if (!parse_weekdays(value, w->weekday))
		error_at(ctx, "config-bad-value",
			 "%s: '%s' is not a list of weekdays such as 'mon-fri' or 'mon tue wed'",
			 key, value);
	else if (ctx->kind == SECTION_OFFICE)
		cur_office(ctx)->weekdays_set = true;
}

static void parse_closed(struct parse_ctx *ctx, const char *key, const char *value)
{
	if (!parse_dates(value, section_workdays(ctx), workdays_add_closed))
		error_at(ctx, "config-bad-value", "%s: '%s' is not a list of YYYY-MM-DD dates", key,
			 value);
}

static void parse_open(struct parse_ctx *ctx, const char *key, const char *value)
{
	if (!parse_dates(value, section_workdays(ctx), workdays_add_open))
		error_at(ctx, "config-bad-value", "%s: '%s' is not a list of YYYY-MM-DD dates", key,
			 value);
}

/* [plan] file: each line adds a table of the plan (resolved against the config's folder);
 * the first is plan_file, as when the key could be given once. */
static void parse_plan_file(struct parse_ctx *ctx, const char *key, const char *value)
{
	struct config *cfg = ctx->cfg;
	if (ctx->continuation) {
		error_at(ctx, "config-bad-value",
			 "%s: an indented line continues only a text value; repeat 'file =' to "
			 "add a table",
			 key);
		return;
	}
	char *abs = config_resolve_path(cfg, value);
	list_push(&cfg->plan_files, abs);
	free(abs);
	if (cfg->plan_file == NULL)
		cfg->plan_file = xstrdup(cfg->plan_files.items[0]);
}

static void parse_leads(struct parse_ctx *ctx, const char *key, const char *value)
{
	struct config_policy *pol = &ctx->cfg->policy;
	if (!ctx->leads_given)
		pol->n_leads = 0; /* the file's first lead line replaces the default */
	ctx->leads_given = true;
	const char *p = value;
	while (*(p += strspn(p, ", \t"))) {
		size_t n = strcspn(p, ", \t");
		struct config_lead lead;
		if (!parse_lead(p, n, &lead))
			error_at(ctx, "config-bad-value", "%s: '%.*s' is not a lead such as 15d or 3wd",
				 key, (int)n, p);
		else if (pol->n_leads == CONFIG_MAX_LEADS)
			error_at(ctx, "config-bad-value", "%s: at most %d lead times", key,
				 CONFIG_MAX_LEADS);
		else
			pol->leads[pol->n_leads++] = lead;
		p += n;
	}
}

static void parse_overdue_every(struct parse_ctx *ctx, const char *key, const char *value)
{
	struct config_lead lead;
	if (!parse_lead(value, strlen(value), &lead) || lead.working)
		error_at(ctx, "config-bad-value", "%s: '%s' is not a number of days such as 7d", key,
			 value);
	else
		ctx->cfg->policy.overdue_every = lead.n;
}

static void parse_send_time(struct parse_ctx *ctx, const char *key, const char *value)
{
	unsigned h, m;
	int used = 0;
	if (sscanf(value, "%2u:%2u%n", &h, &m, &used) != 2 || value[used] != '\0' || h > 23 ||
	    m > 59)
		error_at(ctx, "config-bad-value", "%s: '%s' is not a time such as 08:00", key,
			 value);
	else
		ctx->cfg->policy.send_minute = (int)(h * 60 + m);
}

/* "2d", "36h", "90m", "45s" or plain seconds. */
static bool parse_seconds(const char *v, unsigned *out)
{
	char *end;
	if (!isdigit((unsigned char)*v))
		return false;
	unsigned long n = strtoul(v, &end, 10);
	unsigned long unit = strcmp(end, "d") == 0   ? 86400
			     : strcmp(end, "h") == 0 ? 3600
			     : strcmp(end, "m") == 0 ? 60
			     : (*end == '\0' || strcmp(end, "s") == 0) ? 1
								      : 0;
	if (unit == 0 || n > 400UL * 86400 / unit)
		return false;
	*out = (unsigned)(n * unit);
	return true;
}

/* A size in bytes: "1048576", "512K", "64M", "1G" (binary units, K = 1024). */
static bool parse_size(const char *v, unsigned long long *out)
{
	char *end;
	errno = 0;
	if (!isdigit((unsigned char)v[0]))
		return false;
	unsigned long long n = strtoull(v, &end, 10);
	int shift = *end == '\0' ? 0 : strchr("kK", *end) ? 10 : strchr("mM", *end) ? 20
		  : strchr("gG", *end) ? 30 : -1;
	if (errno != 0 || shift < 0 || (shift > 0 && end[1] != '\0') || n == 0 ||
	    n > (1ULL << 50) >> shift)
		return false;
	*out = n << shift;
	return true;
}

/* "127.0.0.1:8080", "[::1]:8080", "0.0.0.0:80", "[::]:8080" into *address and *port. */
static bool split_listen(struct parse_ctx *ctx, const char *key, const char *value,
			 char **address, unsigned *port)
{
	const char *colon = strrchr(value, ':');
	bool v6 = value[0] == '[';
	size_t n = colon ? (size_t)(colon - value) : 0;
	if (colon == NULL || !parse_uint(colon + 1, 65535, port) ||
	    (v6 && (n < 3 || value[n - 1] != ']')) || (!v6 && n == 0)) {
		error_at(ctx, "config-bad-value",
			 "%s: '%s' is not ADDRESS:PORT such as 127.0.0.1:8080 or [::1]:8080", key,
			 value);
		return false;
	}
	free(*address);
	*address = v6 ? xstrndup(value + 1, n - 2) : xstrndup(value, n);
	return true;
}

static void parse_listen(struct parse_ctx *ctx, const char *key, const char *value)
{
	split_listen(ctx, key, value, &ctx->cfg->http.address, &ctx->cfg->http.port);
}

/* ADDRESS:PORT, or "off": no metrics listener. */
static void parse_metrics_listen(struct parse_ctx *ctx, const char *key, const char *value)
{
	struct config_http *h = &ctx->cfg->http;
	h->metrics_set = true;
	if (strcmp(value, "off") == 0) {
		free(h->metrics_address);
		h->metrics_address = NULL;
		return;
	}
	split_listen(ctx, key, value, &h->metrics_address, &h->metrics_port);
}

/* Addresses and ADDRESS/BITS networks, separated by spaces or commas. */
static void parse_proxies(struct parse_ctx *ctx, const char *key, const char *value)
{
	for (const char *p = value;;) {
		p += strspn(p, " \t,");
		if (*p == '\0')
			break;
		size_t n = strcspn(p, " \t,"), alen = strcspn(p, "/ \t,");
		char addr[INET6_ADDRSTRLEN], bits[8] = "";
		unsigned b, max = 128;
		unsigned char buf[16];
		snprintf(addr, sizeof(addr), "%.*s", (int)alen, p);
		if (alen < n)
			snprintf(bits, sizeof(bits), "%.*s", (int)(n - alen - 1), p + alen + 1);
		bool ok = alen < sizeof(addr) && (inet_pton(AF_INET6, addr, buf) == 1 ||
						  (max = 32, inet_pton(AF_INET, addr, buf) == 1));
		if (!ok || (alen < n && !parse_uint(bits, max, &b))) {
			error_at(ctx, "config-bad-value",
				 "%s: '%.*s' is not an address or ADDRESS/BITS such as 10.0.0.0/8",
				 key, (int)n, p);
			return;
		}
		p += n;
	}
	free(ctx->cfg->http.trusted_proxies);
	ctx->cfg->http.trusted_proxies = xstrdup(value);
}

/* [http] origins: every entry an origin (origin.h), such as http://plazo:8080. */
static void parse_origins(struct parse_ctx *ctx, const char *key, const char *value)
{
	char normal[ORIGIN_MAX + 1];
	for (const char *p = value;;) {
		p += strspn(p, " \t,");
		if (*p == '\0')
			break;
		size_t n = strcspn(p, " \t,");
		if (!origin_normalize(p, n, normal, sizeof(normal))) {
			error_at(ctx, "config-bad-value",
				 "%s: '%.*s' is not an origin such as http://plazo:8080 (scheme, "
				 "host and port, no path)",
				 key, (int)n, p);
			return;
		}
		p += n;
	}
	free(ctx->cfg->http.origins);
	ctx->cfg->http.origins = xstrdup(value);
}

static void parse_escalation_after(struct parse_ctx *ctx, const char *key, const char *value)
{
	if (!parse_lead(value, strlen(value), &ctx->cfg->escalation.after))
		error_at(ctx, "config-bad-value", "%s: '%s' is not a delay such as 5wd or 7d", key,
			 value);
}

static void parse_escalation_day(struct parse_ctx *ctx, const char *key, const char *value)
{
	bool days[7];
	int n = 0, which = 0;
	if (parse_weekdays(value, days))
		for (int i = 0; i < 7; i++)
			if (days[i])
				n++, which = i;
	if (n != 1)
		error_at(ctx, "config-bad-value", "%s: '%s' is not one weekday such as mon", key,
			 value);
	else
		ctx->cfg->escalation.weekday = which;
}

/* A [columns] key is a role ("due", "start", "responsible", ...), its value a header cell. */
static void parse_column(struct parse_ctx *ctx, const char *key, const char *value)
{
	struct config_columns *c = &ctx->cfg->columns[ctx->cfg->n_columns - 1];
	enum table_field field;
	if (!table_role_parse(key, &field))
		return; /* the table lists only roles */
	if (*value == '\0') {
		error_at(ctx, "config-bad-value", "%s: empty: name the column's header cell", key);
		return;
	}
	c->items = xgrow(c->items, &c->cap, c->n + 1, sizeof(*c->items));
	c->items[c->n++] = (struct config_column){field, xstrdup(value), ctx->line};
}

/* ---- typed rules: one parser per type ---- */

/* Where the rule's field lives: the open [office]/[group] entry, or the config. */
static char *rule_base(struct parse_ctx *ctx, const struct key_rule *r)
{
	if (r->kind == SECTION_OFFICE)
		return (char *)cur_office(ctx);
	if (r->kind == SECTION_GROUP)
		return (char *)cur_group(ctx);
	return (char *)ctx->cfg;
}

/* Sets a text field; an indented continuation line of the same key extends it. */
static void set_text(struct parse_ctx *ctx, char **field, const char *value)
{
	if (*field != NULL && ctx->continuation) {
		char *joined = xasprintf("%s %s", *field, value);
		free(*field);
		*field = joined;
		return;
	}
	free(*field);
	*field = xstrdup(value);
}

/* A text value's own check; false with the error reported. */
static bool text_ok(struct parse_ctx *ctx, const struct key_rule *r, const char *key,
		    const char *value)
{
	if (r->type == RULE_ADDRESS && !valid_address(value)) {
		error_at(ctx, "config-bad-value", "%s: '%s' is not an e-mail address", key, value);
		return false;
	}
	if (r->type == RULE_ZONE)
		return check_zone(ctx, key, value);
	if (r->type != RULE_URL)
		return true;
	for (const char *const *n = r->names; *n; n++)
		if (strncmp(value, *n, strlen(*n)) == 0)
			return true;
	error_at(ctx, "config-bad-value", "%s: '%s' must start with %s%s%s", key, value,
		 r->names[0], r->names[1] ? " or " : "", r->names[1] ? r->names[1] : "");
	return false;
}

static void read_text(struct parse_ctx *ctx, const struct key_rule *r, const char *key,
		      const char *value)
{
	char **field = (char **)(rule_base(ctx, r) + r->offset);
	if (!ctx->continuation && !text_ok(ctx, r, key, value))
		return;
	set_text(ctx, field, value);
	if (r->type == RULE_PATH) {
		char *abs = config_resolve_path(ctx->cfg, *field);
		free(*field);
		*field = abs;
	}
}

/* Reads a number-like value into the rule's field; false when it is not one. */
static bool read_number(const struct key_rule *r, const char *value, void *field)
{
	unsigned u;
	unsigned long long size;
	switch (r->type) {
	case RULE_BOOL:
		return parse_bool(value, field);
	case RULE_UINT:
	case RULE_DURATION:
		if (!(r->type == RULE_UINT ? parse_uint(value, (unsigned)r->max, &u)
					   : parse_seconds(value, &u)) ||
		    u < r->min || u > r->max)
			return false;
		*(unsigned *)field = u;
		return true;
	case RULE_SIZE:
		if (!parse_size(value, &size) || size < r->min || size > r->max)
			return false;
		*(unsigned long long *)field = size;
		return true;
	case RULE_CHOICE:
		for (int i = 0; r->names[i]; i++)
			if (strcmp(value, r->names[i]) == 0)
				return *(int *)field = i, true;
		return false;
	default:
		return false;
	}
}

/* What read_number expected, for its error. */
static void number_error(struct parse_ctx *ctx, const struct key_rule *r, const char *key,
			 const char *value)
{
	if (r->type == RULE_BOOL)
		error_at(ctx, "config-bad-value", "%s: '%s' is not yes or no", key, value);
	else if (r->type == RULE_UINT)
		error_at(ctx, "config-bad-value", "%s: '%s' is not a whole number from %llu to %llu",
			 key, value, r->min, r->max);
	else if (r->type == RULE_DURATION)
		error_at(ctx, "config-bad-value",
			 "%s: '%s' is not a duration such as 2d, 36h, 90s (at least %llus)", key,
			 value, r->min);
	else if (r->type == RULE_SIZE)
		error_at(ctx, "config-bad-value", "%s: '%s' is not a size such as 64M or 1G", key,
			 value);
	else
		error_at(ctx, "config-bad-value", "%s: '%s' is not %s%s%s", key, value,
			 r->names[0], r->names[1] ? ", " : "", r->names[1] ? r->names[1] : "");
}

/* Reads value by the rule's type. */
static void read_rule(struct parse_ctx *ctx, const struct key_rule *r, const char *key,
		      const char *value)
{
	switch (r->type) {
	case RULE_TEXT:
	case RULE_PATH:
	case RULE_ADDRESS:
	case RULE_URL:
	case RULE_ZONE:
		read_text(ctx, r, key, value);
		break;
	case RULE_CUSTOM:
		r->parse(ctx, key, value);
		break;
	default:
		if (!read_number(r, value, rule_base(ctx, r) + r->offset))
			number_error(ctx, r, key, value);
	}
}

/* ---- the rule table ---- */

#define CFG(f) offsetof(struct config, f)
#define OFFICE(f) offsetof(struct config_office, f)
#define GROUP(f) offsetof(struct config_group, f)
#define DAYS(n) (n##ULL * 86400)
#define R(section, name, type_, off)                                                        \
	.kind = SECTION_##section, .key = name, .type = RULE_##type_, .offset = off

static const char *const web_schemes[] = {"http://", "https://", NULL};
static const char *const smtp_schemes[] = {"smtp://", "smtps://", NULL};
static const char *const tls_modes[] = {"required", "opportunistic", "off", NULL};

static const struct key_rule rules[] = {
	{R(PLAZO, "state_dir", PATH, CFG(state_dir)), .def = "/var/lib/plazo"},
	{R(PLAZO, "base_url", URL, CFG(base_url)), .def = "http://127.0.0.1:8080",
	 .names = web_schemes},
	{R(PLAN, "file", CUSTOM, 0), .parse = parse_plan_file, .multi = true},
	{R(PLAN, "timezone", ZONE, CFG(timezone)), .def = "America/Bogota"},
	{R(PLAN, "max_size", SIZE, CFG(plan_max_size)), .min = 1, .max = 1ULL << 50, .def = "1G"},
	{R(PLAN, "workdays", CUSTOM, 0), .parse = parse_workdays, .def = "mon-fri"},
	{R(PLAN, "holidays", BOOL, CFG(workdays.holidays)), .def = "yes"},
	{R(PLAN, "closed", CUSTOM, 0), .parse = parse_closed, .multi = true},
	{R(PLAN, "open", CUSTOM, 0), .parse = parse_open, .multi = true},
	{R(REMINDERS, "lead", CUSTOM, 0), .parse = parse_leads, .def = "15d 3wd", .multi = true},
	{R(REMINDERS, "due_day", BOOL, CFG(policy.due_day)), .def = "yes"},
	{R(REMINDERS, "overdue_every", CUSTOM, 0), .parse = parse_overdue_every, .def = "7d"},
	{R(REMINDERS, "overdue_max", UINT, CFG(policy.overdue_max)), .min = 0,
	 .max = CONFIG_MAX_OVERDUE, .def = "4"},
	{R(REMINDERS, "send_time", CUSTOM, 0), .parse = parse_send_time, .def = "08:00"},
	{R(REMINDERS, "working_days_only", BOOL, CFG(policy.working_days_only)), .def = "yes"},
	{R(REMINDERS, "announce_start", BOOL, CFG(policy.announce_start)), .def = "yes"},
	{R(REMINDERS, "welcome", BOOL, CFG(policy.welcome)), .def = "yes"},
	{R(MAIL, "from", ADDRESS, CFG(mail.from)), .def = "plazo@localhost"},
	{R(MAIL, "from_name", TEXT, CFG(mail.from_name)), .def = "Plazos"},
	{R(MAIL, "maildir", PATH, CFG(mail.maildir))}, /* derived: state_dir/maildir */
	{R(MAIL, "retry_for", DURATION, CFG(mail.retry_for)), .min = 0, .max = DAYS(400),
	 .def = "2d"},
	{R(SMTP, "url", URL, CFG(mail.smtp_url)), .names = smtp_schemes},
	{R(SMTP, "tls", CHOICE, CFG(mail.smtp_tls)), .def = "required", .names = tls_modes},
	{R(SMTP, "user", TEXT, CFG(mail.smtp_user))},
	{R(SMTP, "password_file", PATH, CFG(mail.smtp_password_file))},
	{R(SMTP, "ca_file", PATH, CFG(mail.smtp_ca_file))},
	{R(SMTP, "timeout", DURATION, CFG(mail.smtp_timeout)), .min = 0, .max = DAYS(400),
	 .def = "60s"},
	{R(HTTP, "listen", CUSTOM, 0), .parse = parse_listen, .def = "127.0.0.1:8080"},
	{R(HTTP, "connection_limit", UINT, CFG(http.connection_limit)), .min = 0, .max = 100000,
	 .def = "256"},
	{R(HTTP, "timeout", DURATION, CFG(http.timeout)), .min = 1, .max = DAYS(400), .def = "15s"},
	{R(HTTP, "metrics_loopback_only", BOOL, CFG(http.metrics_loopback_only)),
	 .deprecated = "it has no effect: /metrics is served only on its own address; write "
		       "metrics_listen = 127.0.0.1:PORT instead (default: the listen port + 1 "
		       "on 127.0.0.1)"},
	{R(HTTP, "metrics_listen", CUSTOM, 0), .parse = parse_metrics_listen},
	{R(HTTP, "per_client_limit", UINT, CFG(http.per_client_limit)), .min = 0, .max = 100000,
	 .def = "32"},
	{R(HTTP, "connection_reserve", UINT, CFG(http.connection_reserve)), .min = 0, .max = 100000,
	 .def = "32"},
	{R(HTTP, "header_timeout", DURATION, CFG(http.header_timeout)), .min = 1, .max = DAYS(400),
	 .def = "10s"},
	{R(HTTP, "trusted_proxies", CUSTOM, 0), .parse = parse_proxies},
	{R(HTTP, "cache", SIZE, CFG(http.cache)), .min = 0, .max = 1ULL << 40, .def = "64M"},
	{R(HTTP, "origins", CUSTOM, 0), .parse = parse_origins},
	{R(FEEDS, "past_days", UINT, CFG(http.past_days)), .min = 0, .max = 100000, .def = "365"},
	{R(FEEDS, "refresh_minutes", UINT, CFG(http.refresh_minutes)), .min = 0, .max = 100000,
	 .def = "360"},
	{R(FEEDS, "undo_for", DURATION, CFG(http.undo_for)), .min = 0, .max = DAYS(400),
	 .def = "7d"},
	{R(ESCALATION, "office", TEXT, CFG(escalation.office))},
	{R(ESCALATION, "after", CUSTOM, 0), .parse = parse_escalation_after, .def = "5wd"},
	{R(ESCALATION, "day", CUSTOM, 0), .parse = parse_escalation_day, .def = "mon"},
	{R(COLUMNS, "subcomponent", CUSTOM, 0), .parse = parse_column},
	{R(COLUMNS, "ref", CUSTOM, 0), .parse = parse_column},
	{R(COLUMNS, "activity", CUSTOM, 0), .parse = parse_column},
	{R(COLUMNS, "goal", CUSTOM, 0), .parse = parse_column},
	{R(COLUMNS, "responsible", CUSTOM, 0), .parse = parse_column},
	{R(COLUMNS, "start", CUSTOM, 0), .parse = parse_column},
	{R(COLUMNS, "due", CUSTOM, 0), .parse = parse_column},
	{R(OFFICE, "name", TEXT, OFFICE(name))},
	{R(OFFICE, "alias", CUSTOM, 0), .parse = parse_office_alias, .multi = true},
	{R(OFFICE, "email", CUSTOM, 0), .parse = parse_office_email, .multi = true},
	{R(OFFICE, "manager", ADDRESS, OFFICE(manager))},
	{R(OFFICE, "timezone", ZONE, OFFICE(timezone))}, /* derived: [plan]'s */
	{R(OFFICE, "workdays", CUSTOM, 0), .parse = parse_workdays},
	{R(OFFICE, "closed", CUSTOM, 0), .parse = parse_closed, .multi = true},
	{R(OFFICE, "open", CUSTOM, 0), .parse = parse_open, .multi = true},
	{R(GROUP, "name", TEXT, GROUP(name))},
	{R(GROUP, "alias", CUSTOM, 0), .parse = parse_group_alias, .multi = true},
	{R(GROUP, "members", CUSTOM, 0), .parse = parse_group_members, .multi = true},
};

#define N_RULES (sizeof(rules) / sizeof(rules[0]))
_Static_assert(N_RULES <= N_RULES_MAX, "raise N_RULES_MAX");

static const char *const kind_names[] = {"plazo", "plan",	"office", "group",
					 "reminders", "mail", "smtp", "http", "feeds", "escalation", "columns",
					 "?"};

static long find_rule(const char *key, enum section_kind kind)
{
	for (size_t i = 0; i < N_RULES; i++)
		if (rules[i].kind == kind && strcmp(rules[i].key, key) == 0)
			return (long)i;
	return -1;
}

bool config_key_info(size_t i, struct config_key_info *out)
{
	if (i >= N_RULES)
		return false;
	*out = (struct config_key_info){kind_names[rules[i].kind], rules[i].key, rules[i].def,
					 rules[i].deprecated != NULL};
	return true;
}

/* One key = value line of the file: its rule, read once unless it may repeat. */
static void read_key(struct parse_ctx *ctx, const char *key, const char *value)
{
	long i = find_rule(key, ctx->kind);
	if (i < 0) {
		error_at(ctx, "config-unknown-key", "unknown key '%s' in [%s]", key, ctx->section);
		return;
	}
	const struct key_rule *r = &rules[i];
	if (ctx->seen[i] && !r->multi && !ctx->continuation) {
		error_at(ctx, "config-duplicate", "key '%s' is set twice in [%s]", key,
			 ctx->section);
		return;
	}
	if (ctx->seen[i] && ctx->continuation && r->type != RULE_TEXT && !r->multi) {
		error_at(ctx, "config-bad-value",
			 "%s: an indented line continues only a text value", key);
		return;
	}
	ctx->seen[i] = true;
	if (r->deprecated && !ctx->continuation)
		diag_add(ctx->diags, DIAG_WARNING, "config-deprecated", ctx->cfg->path, ctx->line,
			 0, "%s is deprecated: %s", key, r->deprecated);
	read_rule(ctx, r, key, value);
}

/* A new [office]/[group] entry starts with none of its keys seen. */
static void forget_entry_keys(struct parse_ctx *ctx, enum section_kind kind)
{
	for (size_t i = 0; i < N_RULES; i++)
		if (rules[i].kind == kind)
			ctx->seen[i] = false;
}

/* The table's defaults, read by the same parsers as the file. */
static void apply_defaults(struct config *cfg)
{
	struct diag_list none;
	diag_list_init(&none);
	struct parse_ctx ctx = {.cfg = cfg, .diags = &none};
	for (size_t i = 0; i < N_RULES; i++) {
		if (rules[i].def == NULL)
			continue;
		ctx.kind = rules[i].kind;
		read_rule(&ctx, &rules[i], rules[i].key, rules[i].def);
	}
	if (none.len > 0)
		{ fprintf(stderr, "config: default refused: %s\n", none.items[0].message); abort(); }
	diag_list_finish(&none);
}

static bool valid_id(const char *id)
{
	if (*id == '\0' || strlen(id) > CONFIG_ID_MAX)
		return false;
	for (const char *p = id; *p; p++)
		if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '-' ||
		      *p == '_'))
			return false;
	return true;
}

/* The index of the [office] of this id through ids (hash of an id -> its index), or -1. */
static long office_by_id(const struct config *cfg, const struct hash_index *ids, const char *id)
{
	struct hash_probe probe;
	for (size_t i = hash_index_first(ids, hash_str(HASH_FNV_BASIS, id), &probe);
	     i != HASH_NONE; i = hash_index_next(ids, &probe))
		if (strcmp(cfg->offices[i].id, id) == 0)
			return (long)i;
	return -1;
}

/* Whether an [office] of this id was read already; else it is remembered as the next one
 * (a directory of 10,000 offices and its groups are checked in linear time). */
static bool office_seen(struct parse_ctx *ctx, const char *id)
{
	if (ctx->office_ids.slots == NULL) { /* the offices cfg held before this file too */
		hash_index_init(&ctx->office_ids);
		for (size_t o = 0; o < ctx->cfg->n_offices; o++)
			hash_index_put(&ctx->office_ids,
				       hash_str(HASH_FNV_BASIS, ctx->cfg->offices[o].id), o);
	}
	if (office_by_id(ctx->cfg, &ctx->office_ids, id) >= 0)
		return true;
	hash_index_put(&ctx->office_ids, hash_str(HASH_FNV_BASIS, id), ctx->cfg->n_offices);
	return false;
}

static void open_entry(struct parse_ctx *ctx, enum section_kind kind, const char *id)
{
	struct config *cfg = ctx->cfg;
	ctx->section_ok = false;
	if (!valid_id(id)) {
		section_error(ctx, "config-bad-value",
			 "[%s %s]: an id is 1 to %d lower-case letters, digits, '-' and '_'",
			 kind_names[kind], id, CONFIG_ID_MAX);
		return;
	}
	bool dup = kind == SECTION_OFFICE ? office_seen(ctx, id) : false;
	for (size_t i = 0; kind == SECTION_GROUP && i < cfg->n_groups; i++)
		dup = dup || strcmp(cfg->groups[i].id, id) == 0;
	if (dup) {
		section_error(ctx, "config-duplicate", "[%s %s] is defined twice", kind_names[kind],
			      id);
		return;
	}
	if (kind == SECTION_OFFICE) {
		cfg->offices = xgrow(cfg->offices, &cfg->cap_offices, cfg->n_offices + 1,
				     sizeof(*cfg->offices));
		struct config_office *o = &cfg->offices[cfg->n_offices++];
		memset(o, 0, sizeof(*o));
		o->id = xstrdup(id);
		o->line = ctx->section_line;
		workdays_init(&o->workdays);
	} else {
		cfg->groups = xgrow(cfg->groups, &cfg->cap_groups, cfg->n_groups + 1,
				    sizeof(*cfg->groups));
		struct config_group *g = &cfg->groups[cfg->n_groups++];
		memset(g, 0, sizeof(*g));
		g->id = xstrdup(id);
		g->line = ctx->section_line;
	}
	forget_entry_keys(ctx, kind);
	ctx->section_ok = true;
}

/* [columns] (name NULL: every table) or [columns NAME]: a new mapping, once per name. */
static void open_columns(struct parse_ctx *ctx, const char *name)
{
	struct config *cfg = ctx->cfg;
	for (size_t i = 0; i < cfg->n_columns; i++) {
		const char *t = cfg->columns[i].table;
		if ((t == NULL && name == NULL) || (t && name && strcmp(t, name) == 0)) {
			section_error(ctx, "config-duplicate", "[%s] is defined twice", ctx->section);
			return;
		}
	}
	cfg->columns = xgrow(cfg->columns, &cfg->cap_columns, cfg->n_columns + 1,
			     sizeof(*cfg->columns));
	cfg->columns[cfg->n_columns++] = (struct config_columns){
		.table = name ? xstrdup(name) : NULL, .line = ctx->section_line};
	ctx->kind = SECTION_COLUMNS;
	forget_entry_keys(ctx, SECTION_COLUMNS);
	ctx->section_ok = true;
}

/* Called when the handler sees a section name for the first time. */
static void enter_section(struct parse_ctx *ctx, const char *section)
{
	free(ctx->section);
	ctx->section = xstrdup(section);
	ctx->kind = SECTION_UNKNOWN;
	ctx->section_ok = false;
	if (ctx->section_cut)
		return; /* inih cut its name: reported by the reader, never used cut */
	static const enum section_kind plain[] = {SECTION_PLAZO, SECTION_PLAN, SECTION_REMINDERS,
						  SECTION_MAIL, SECTION_SMTP, SECTION_HTTP,
						  SECTION_FEEDS, SECTION_ESCALATION};
	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		if (strcmp(section, kind_names[plain[i]]) == 0) {
			ctx->kind = plain[i];
			ctx->section_ok = true;
			return;
		}
	}
	const char *space = strchr(section, ' ');
	size_t n = space ? (size_t)(space - section) : strlen(section);
	if (n == 7 && strncmp(section, "columns", 7) == 0) {
		open_columns(ctx, space ? space + 1 + strspn(space + 1, " ") : NULL);
		return;
	}
	if (space && n == 6 && strncmp(section, "office", 6) == 0)
		ctx->kind = SECTION_OFFICE;
	else if (space && n == 5 && strncmp(section, "group", 5) == 0)
		ctx->kind = SECTION_GROUP;
	if (ctx->kind == SECTION_UNKNOWN) {
		section_error(ctx, "config-unknown-section",
			      "unknown section [%s] (expected [plazo], [plan], [reminders], [mail], "
			      "[smtp], [http], [feeds], [escalation], [columns], [columns TABLE], "
			      "[office ID] or [group ID])",
			      section);
		return;
	}
	open_entry(ctx, ctx->kind, space + 1 + strspn(space + 1, " "));
}

static int handler(void *user, const char *section, const char *key, const char *value)
{
	struct parse_ctx *ctx = user;
	/* a header seen since the last call opens a section, even one named as before */
	if (ctx->section == NULL || ctx->entered_line != ctx->section_line) {
		ctx->entered_line = ctx->section_line;
		enter_section(ctx, section);
	}
	if (!ctx->section_ok)
		return 1; /* the section was already reported */
	/* inih calls again with the same key for an indented continuation line */
	ctx->continuation = ctx->line_indented && strcmp(ctx->last_key, key) == 0;
	snprintf(ctx->last_key, sizeof(ctx->last_key), "%s", key);
	read_key(ctx, key, value);
	return 1;
}

/* fgets-style reader for inih that counts lines, notes [section] headers and indentation,
 * and reports a line longer than inih's buffer instead of letting it split silently. */
static char *reader(char *str, int num, void *stream)
{
	struct parse_ctx *ctx = stream;
	if (fgets(str, num, ctx->file) == NULL)
		return NULL;
	ctx->line++;
	size_t n = strlen(str);
	if (n > 0 && str[n - 1] != '\n' && !feof(ctx->file)) {
		int c;
		while ((c = fgetc(ctx->file)) != EOF && c != '\n')
			;
		diag_add(ctx->diags, DIAG_ERROR, "config-line-too-long", ctx->cfg->path, ctx->line,
			 0, "line longer than %d characters; it was ignored", num - 3);
		str[0] = '\n';
		str[1] = '\0';
		return str;
	}
	ctx->line_indented = str[0] == ' ' || str[0] == '\t';
	const char *p = str + strspn(str, " \t\r\n");
	if (*p == '[') {
		ctx->section_line = ctx->line;
		size_t len = strcspn(p + 1, "]\n");
		ctx->section_cut = len >= SECTION_MAX;
		if (ctx->section_cut)
			diag_add(ctx->diags, DIAG_ERROR, "config-bad-value", ctx->cfg->path,
				 ctx->line, 0, "section name longer than %d characters", SECTION_MAX - 1);
	}
	else if (*p != '\0' && *p != ';' && *p != '#' && !ctx->line_indented &&
		 strpbrk(p, "=:") == NULL) {
		diag_add(ctx->diags, DIAG_ERROR, "config-syntax", ctx->cfg->path, ctx->line, 0,
			 "expected [section], key = value, or a comment");
		ctx->syntax_errors++;
	}
	return str;
}

static bool valid_address(const char *a)
{
	const char *at = strchr(a, '@');
	if (at == NULL || at == a || at[1] == '\0' || strchr(at + 1, '@') != NULL)
		return false;
	for (const char *p = a; *p; p++)
		if ((unsigned char)*p <= ' ' || strchr("<>()[]\\,;:\"", *p) != NULL)
			return false;
	return strchr(at + 1, '.') != NULL || strcmp(at + 1, "localhost") == 0;
}

/* An office works the [plan]'s weekdays unless it set its own, and adds the [plan]'s
 * closed and open days to its own. */
static void inherit_workdays(struct workdays *w, bool weekdays_set, const struct workdays *plan)
{
	if (!weekdays_set)
		memcpy(w->weekday, plan->weekday, sizeof(w->weekday));
	w->holidays = plan->holidays;
	for (size_t i = 0; i < plan->n_closed; i++)
		workdays_add_closed(w, plan->closed[i]);
	for (size_t i = 0; i < plan->n_open; i++)
		workdays_add_open(w, plan->open[i]);
}

static void validate_office(struct config *cfg, struct config_office *o, struct diag_list *d)
{
	if (o->name == NULL || o->name[0] == '\0')
		diag_add(d, DIAG_ERROR, "config-missing", cfg->path, o->line, 0,
			 "[office %s] has no name", o->id);
	if (o->emails.len == 0)
		diag_add(d, DIAG_WARNING, "config-no-email", cfg->path, o->line, 0,
			 "[office %s] has no email: its reminders cannot be delivered", o->id);
}

static void validate_group(struct config *cfg, const struct hash_index *ids,
			   struct config_group *g, struct diag_list *d)
{
	if (g->name == NULL || g->name[0] == '\0')
		diag_add(d, DIAG_ERROR, "config-missing", cfg->path, g->line, 0,
			 "[group %s] has no name", g->id);
	if (g->members.len == 0)
		diag_add(d, DIAG_ERROR, "config-missing", cfg->path, g->line, 0,
			 "[group %s] has no members", g->id);
	bool all = g->members.len == 1 && strcmp(g->members.items[0], "*") == 0;
	size_t n = all ? cfg->n_offices : g->members.len;
	g->member_index = xcalloc(n, sizeof(*g->member_index));
	for (size_t i = 0; i < n; i++) {
		long k = all ? (long)i : office_by_id(cfg, ids, g->members.items[i]);
		if (k < 0) {
			diag_add(d, DIAG_ERROR, "config-unknown-office", cfg->path, g->line, 0,
				 "[group %s]: member '%s' is not an [office]", g->id,
				 g->members.items[i]);
			continue;
		}
		g->member_index[g->n_members++] = (size_t)k;
	}
}

/* The connection bounds fit together; /metrics defaults to 127.0.0.1 at the listen port + 1. */
static void validate_http(struct config *cfg, struct diag_list *diags)
{
	struct config_http *h = &cfg->http;
	if (h->connection_reserve >= h->connection_limit || h->per_client_limit == 0)
		diag_add(diags, DIAG_ERROR, "config-bad-value", cfg->path, 0, 0,
			 "[http]: connection_reserve (%u) must be below connection_limit (%u), and "
			 "per_client_limit above 0",
			 h->connection_reserve, h->connection_limit);
	if (h->metrics_set)
		return;
	if (h->port == 65535)
		diag_add(diags, DIAG_ERROR, "config-bad-value", cfg->path, 0, 0,
			 "[http]: listen port 65535 leaves no port + 1 for /metrics: set "
			 "metrics_listen");
	h->metrics_address = xstrdup("127.0.0.1");
	h->metrics_port = h->port == 0 ? 0 : h->port + 1;
}

/* The defaults that depend on other keys (the table's own are set by config_init). */
static void derive(struct config *cfg)
{
	if (cfg->mail.maildir == NULL)
		cfg->mail.maildir = xasprintf("%s/maildir", cfg->state_dir);
	for (size_t i = 0; i < cfg->n_offices; i++) {
		struct config_office *o = &cfg->offices[i];
		if (o->timezone == NULL)
			o->timezone = xstrdup(cfg->timezone);
		inherit_workdays(&o->workdays, o->weekdays_set, &cfg->workdays);
	}
}

static void validate(struct config *cfg, const struct hash_index *office_ids,
		     struct diag_list *diags)
{
	derive(cfg);
	if (cfg->policy.n_leads == 0 && !cfg->policy.due_day && cfg->policy.overdue_max == 0)
		diag_add(diags, DIAG_WARNING, "config-no-reminders", cfg->path, 0, 0,
			 "[reminders]: no lead, no due_day and no overdue reminders: nothing will be "
			 "sent");
	validate_http(cfg, diags);
	if (cfg->mail.smtp_user && cfg->mail.smtp_password_file == NULL)
		diag_add(diags, DIAG_ERROR, "config-missing", cfg->path, 0, 0,
			 "[smtp] user is set but password_file is not");
	for (size_t i = 0; i < cfg->n_offices; i++)
		validate_office(cfg, &cfg->offices[i], diags);
	for (size_t i = 0; i < cfg->n_groups; i++)
		validate_group(cfg, office_ids, &cfg->groups[i], diags);
	if (cfg->n_offices == 0)
		diag_add(diags, DIAG_ERROR, "config-missing", cfg->path, 0, 0,
			 "no [office ID] section: plazo needs the office directory");
	if (cfg->escalation.office &&
	    (cfg->escalation.office_index = config_find_office(cfg, cfg->escalation.office)) < 0)
		diag_add(diags, DIAG_ERROR, "config-unknown-office", cfg->path, 0, 0,
			 "[escalation] office '%s' is not an [office]", cfg->escalation.office);
}

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (slash == NULL)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

int config_read(struct config *cfg, const char *path, FILE *f, struct diag_list *diags,
		struct pz_error *err)
{
	cfg->path = xstrdup(path);
	cfg->dir = dir_of(path);
	struct parse_ctx ctx = {.cfg = cfg, .diags = diags, .file = f};
	int rc = ini_parse_stream(reader, &ctx, handler, &ctx);
	free(ctx.section);
	if (ferror(f)) {
		hash_index_finish(&ctx.office_ids);
		return PZ_FAIL(err, PZ_EIO, path, "read config %s: input/output error", path);
	}
	if (rc > 0 && ctx.syntax_errors == 0)
		diag_add(diags, DIAG_ERROR, "config-syntax", path, (unsigned)rc, 0,
			 "expected [section], key = value, or a comment");
	if (ctx.office_ids.slots == NULL)
		hash_index_init(&ctx.office_ids);
	validate(cfg, &ctx.office_ids, diags);
	hash_index_finish(&ctx.office_ids);
	return 0;
}

int config_load(struct config *cfg, const char *path, struct diag_list *diags,
		struct pz_error *err)
{
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return PZ_FAIL(err, PZ_EIO, path, "open config %s: %s", path, strerror(errno));
	int rc = config_read(cfg, path, f, diags, err);
	fclose(f);
	return rc;
}

static void office_finish(struct config_office *o)
{
	workdays_finish(&o->workdays);
	free(o->id);
	free(o->name);
	list_finish(&o->aliases);
	list_finish(&o->emails);
	free(o->manager);
	free(o->timezone);
}

static void group_finish(struct config_group *g)
{
	free(g->id);
	free(g->name);
	list_finish(&g->aliases);
	list_finish(&g->members);
	free(g->member_index);
}

void config_init(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	workdays_init(&cfg->workdays);
	cfg->escalation.office_index = -1;
	apply_defaults(cfg);
}

void config_finish(struct config *cfg)
{
	if (cfg == NULL)
		return;
	for (size_t i = 0; i < cfg->n_offices; i++)
		office_finish(&cfg->offices[i]);
	for (size_t i = 0; i < cfg->n_groups; i++)
		group_finish(&cfg->groups[i]);
	for (size_t i = 0; i < cfg->n_columns; i++) {
		for (size_t k = 0; k < cfg->columns[i].n; k++)
			free(cfg->columns[i].items[k].header);
		free(cfg->columns[i].items);
		free(cfg->columns[i].table);
	}
	free(cfg->columns);
	free(cfg->offices);
	free(cfg->groups);
	free(cfg->path);
	free(cfg->dir);
	free(cfg->plan_file);
	list_finish(&cfg->plan_files);
	free(cfg->timezone);
	free(cfg->state_dir);
	free(cfg->base_url);
	workdays_finish(&cfg->workdays);
	free(cfg->mail.from);
	free(cfg->mail.from_name);
	free(cfg->mail.maildir);
	free(cfg->mail.smtp_url);
	free(cfg->mail.smtp_user);
	free(cfg->mail.smtp_password_file);
	free(cfg->mail.smtp_ca_file);
	free(cfg->http.address);
	free(cfg->http.metrics_address);
	free(cfg->http.trusted_proxies);
	free(cfg->http.origins);
	free(cfg->escalation.office);
	memset(cfg, 0, sizeof(*cfg));
}

/* [columns NAME] applies to the table at path when NAME is its file name, with or without
 * the extension. */
static bool columns_apply(const struct config_columns *c, const char *path)
{
	if (c->table == NULL)
		return true;
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	const char *dot = strrchr(base, '.');
	size_t stem = dot && dot != base ? (size_t)(dot - base) : strlen(base);
	return strcmp(c->table, base) == 0 ||
	       (strlen(c->table) == stem && strncmp(c->table, base, stem) == 0);
}

size_t config_columns_for(const struct config *cfg, const char *path,
			  struct table_mapping **maps, unsigned **lines)
{
	size_t n = 0, cap = 0, lcap = 0;
	*maps = NULL;
	*lines = NULL;
	for (size_t i = 0; i < cfg->n_columns; i++) {
		const struct config_columns *c = &cfg->columns[i];
		for (size_t k = 0; columns_apply(c, path) && k < c->n; k++) {
			*maps = xgrow(*maps, &cap, n + 1, sizeof(**maps));
			*lines = xgrow(*lines, &lcap, n + 1, sizeof(**lines));
			(*maps)[n] = (struct table_mapping){c->items[k].field, c->items[k].header};
			(*lines)[n++] = c->items[k].line;
		}
	}
	return n;
}

long config_find_office(const struct config *cfg, const char *id)
{
	for (size_t i = 0; i < cfg->n_offices; i++)
		if (strcmp(cfg->offices[i].id, id) == 0)
			return (long)i;
	return -1;
}

char *config_resolve_path(const struct config *cfg, const char *path)
{
	if (path[0] == '/' || cfg->dir == NULL)
		return xstrdup(path);
	char *joined = xasprintf("%s/%s", cfg->dir, path);
	char *real = realpath(joined, NULL); /* "config/../plan.tsv" reads better resolved */
	if (real == NULL)
		return joined;
	free(joined);
	return real;
}
