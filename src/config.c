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

#include "table.h"
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
	SECTION_UNKNOWN,
};

/* inih keeps section names in a 50-byte buffer and cuts longer ones silently. */
enum { SECTION_MAX = 50 };

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
};

typedef void (*key_parser)(struct parse_ctx *ctx, const char *key, const char *value);

struct key_rule {
	enum section_kind kind;
	const char *key;
	key_parser parse;
	size_t field; /* for the generic parsers: offset of a char * in struct config */
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

/* A scalar key may appear once; an indented continuation line extends its value. */
static bool set_scalar(struct parse_ctx *ctx, char **field, const char *key, const char *value)
{
	if (*field != NULL && ctx->continuation) {
		char *joined = xasprintf("%s %s", *field, value);
		free(*field);
		*field = joined;
		return true;
	}
	if (*field != NULL) {
		error_at(ctx, "config-duplicate", "key '%s' is set twice in [%s]", key,
			 ctx->section);
		return false;
	}
	*field = xstrdup(value);
	return true;
}

static struct config_office *cur_office(struct parse_ctx *ctx)
{
	return &ctx->cfg->offices[ctx->cfg->n_offices - 1];
}

static struct config_group *cur_group(struct parse_ctx *ctx)
{
	return &ctx->cfg->groups[ctx->cfg->n_groups - 1];
}

static void parse_state_dir(struct parse_ctx *ctx, const char *key, const char *value)
{
	if (set_scalar(ctx, &ctx->cfg->state_dir, key, value)) {
		char *abs = config_resolve_path(ctx->cfg, value);
		free(ctx->cfg->state_dir);
		ctx->cfg->state_dir = abs;
	}
}

static void parse_base_url(struct parse_ctx *ctx, const char *key, const char *value)
{
	if (strncmp(value, "http://", 7) != 0 && strncmp(value, "https://", 8) != 0)
		error_at(ctx, "config-bad-value", "%s must start with http:// or https://, not '%s'",
			 key, value);
	else
		set_scalar(ctx, &ctx->cfg->base_url, key, value);
}

static void parse_plan_file(struct parse_ctx *ctx, const char *key, const char *value)
{
	if (set_scalar(ctx, &ctx->cfg->plan_file, key, value)) {
		char *abs = config_resolve_path(ctx->cfg, value);
		free(ctx->cfg->plan_file);
		ctx->cfg->plan_file = abs;
	}
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

static void parse_plan_timezone(struct parse_ctx *ctx, const char *key, const char *value)
{
	if (check_zone(ctx, key, value))
		set_scalar(ctx, &ctx->cfg->timezone, key, value);
}

static void parse_office_name(struct parse_ctx *ctx, const char *key, const char *value)
{
	set_scalar(ctx, &cur_office(ctx)->name, key, value);
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

static bool valid_address(const char *a);

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

static void parse_office_manager(struct parse_ctx *ctx, const char *key, const char *value)
{
	if (!valid_address(value))
		error_at(ctx, "config-bad-value", "%s: '%s' is not an e-mail address", key, value);
	else
		set_scalar(ctx, &cur_office(ctx)->manager, key, value);
}

static void parse_office_timezone(struct parse_ctx *ctx, const char *key, const char *value)
{
	if (check_zone(ctx, key, value))
		set_scalar(ctx, &cur_office(ctx)->timezone, key, value);
}

static void parse_group_name(struct parse_ctx *ctx, const char *key, const char *value)
{
	set_scalar(ctx, &cur_group(ctx)->name, key, value);
}

static void parse_group_alias(struct parse_ctx *ctx, const char *key, const char *value)
{
	push_alias(ctx, &cur_group(ctx)->aliases, value);
}

static void parse_group_members(struct parse_ctx *ctx, const char *key, const char *value)
{
	push_words(&cur_group(ctx)->members, value);
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

static void parse_holidays(struct parse_ctx *ctx, const char *key, const char *value)
{
	if (!parse_bool(value, &ctx->cfg->workdays.holidays))
		error_at(ctx, "config-bad-value", "%s: '%s' is not yes or no", key, value);
}

static void parse_leads(struct parse_ctx *ctx, const char *key, const char *value)
{
	struct config_policy *pol = &ctx->cfg->policy;
	if (!ctx->cfg->policy_leads_set)
		pol->n_leads = 0;
	ctx->cfg->policy_leads_set = true;
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

static void parse_policy_bool(struct parse_ctx *ctx, const char *key, const char *value)
{
	struct config_policy *pol = &ctx->cfg->policy;
	bool *field = strcmp(key, "due_day") == 0	     ? &pol->due_day
		      : strcmp(key, "announce_start") == 0 ? &pol->announce_start
							   : &pol->working_days_only;
	if (!parse_bool(value, field))
		error_at(ctx, "config-bad-value", "%s: '%s' is not yes or no", key, value);
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

static void parse_overdue_max(struct parse_ctx *ctx, const char *key, const char *value)
{
	if (!parse_uint(value, CONFIG_MAX_OVERDUE, &ctx->cfg->policy.overdue_max))
		error_at(ctx, "config-bad-value", "%s: '%s' is not a number from 0 to %d", key,
			 value, CONFIG_MAX_OVERDUE);
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

static const struct key_rule *current_rule(const char *key, enum section_kind kind);

static char **rule_field(struct parse_ctx *ctx, const char *key)
{
	return (char **)((char *)ctx->cfg + current_rule(key, ctx->kind)->field);
}

static void parse_string(struct parse_ctx *ctx, const char *key, const char *value)
{
	set_scalar(ctx, rule_field(ctx, key), key, value);
}

/* A file name, resolved against the config's folder. */
static void parse_path(struct parse_ctx *ctx, const char *key, const char *value)
{
	char **field = rule_field(ctx, key);
	if (set_scalar(ctx, field, key, value)) {
		char *abs = config_resolve_path(ctx->cfg, *field);
		free(*field);
		*field = abs;
	}
}

static void parse_address(struct parse_ctx *ctx, const char *key, const char *value)
{
	if (!valid_address(value))
		error_at(ctx, "config-bad-value", "%s: '%s' is not an e-mail address", key, value);
	else
		parse_string(ctx, key, value);
}

static void parse_smtp_url(struct parse_ctx *ctx, const char *key, const char *value)
{
	if (strncmp(value, "smtp://", 7) != 0 && strncmp(value, "smtps://", 8) != 0)
		error_at(ctx, "config-bad-value",
			 "%s: '%s' must start with smtp:// (STARTTLS) or smtps:// (TLS)", key,
			 value);
	else
		parse_string(ctx, key, value);
}

static void parse_tls(struct parse_ctx *ctx, const char *key, const char *value)
{
	static const char *const modes[] = {"required", "opportunistic", "off"};
	for (int i = 0; i < 3; i++)
		if (strcmp(value, modes[i]) == 0) {
			ctx->cfg->mail.smtp_tls = i;
			return;
		}
	error_at(ctx, "config-bad-value", "%s: '%s' is not required, opportunistic or off", key,
		 value);
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

static void parse_duration(struct parse_ctx *ctx, const char *key, const char *value)
{
	unsigned *field = strcmp(key, "retry_for") == 0	? &ctx->cfg->mail.retry_for
			  : strcmp(key, "undo_for") == 0 ? &ctx->cfg->http.undo_for
							 : &ctx->cfg->mail.smtp_timeout;
	if (!parse_seconds(value, field))
		error_at(ctx, "config-bad-value", "%s: '%s' is not a duration such as 2d, 36h, 90s",
			 key, value);
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

static void parse_plan_max_size(struct parse_ctx *ctx, const char *key, const char *value)
{
	if (!parse_size(value, &ctx->cfg->plan_max_size))
		error_at(ctx, "config-bad-value", "%s: '%s' is not a size such as 64M or 1G", key,
			 value);
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

static void parse_http_uint(struct parse_ctx *ctx, const char *key, const char *value)
{
	struct config_http *h = &ctx->cfg->http;
	unsigned *field = strcmp(key, "connection_limit") == 0	? &h->connection_limit
			  : strcmp(key, "past_days") == 0		? &h->past_days
			  : strcmp(key, "refresh_minutes") == 0		? &h->refresh_minutes
			  : strcmp(key, "per_client_limit") == 0	? &h->per_client_limit
			  : strcmp(key, "connection_reserve") == 0	? &h->connection_reserve
									: NULL;
	if (field == NULL) {
		unsigned *t = strcmp(key, "header_timeout") == 0 ? &h->header_timeout : &h->timeout;
		if (!parse_seconds(value, t) || *t == 0)
			error_at(ctx, "config-bad-value", "%s: '%s' is not a duration such as 15s",
				 key, value);
		return;
	}
	if (!parse_uint(value, 100000, field))
		error_at(ctx, "config-bad-value", "%s: '%s' is not a whole number", key, value);
}

/* Deprecated: /metrics has its own listener now. Still accepted, so old configs pass. */
static void parse_http_bool(struct parse_ctx *ctx, const char *key, const char *value)
{
	if (!parse_bool(value, &ctx->cfg->http.metrics_loopback_only)) {
		error_at(ctx, "config-bad-value", "%s: '%s' is not yes or no", key, value);
		return;
	}
	diag_add(ctx->diags, DIAG_WARNING, "config-deprecated", ctx->cfg->path, ctx->line, 0,
		 "%s is deprecated and has no effect: /metrics is served only on its own "
		 "address; write metrics_listen = 127.0.0.1:PORT instead (default: the listen "
		 "port + 1 on 127.0.0.1)",
		 key);
}

static void parse_escalation(struct parse_ctx *ctx, const char *key, const char *value)
{
	struct config_escalation *e = &ctx->cfg->escalation;
	if (strcmp(key, "office") == 0) {
		set_scalar(ctx, &e->office, key, value);
	} else if (strcmp(key, "after") == 0) {
		if (!parse_lead(value, strlen(value), &e->after))
			error_at(ctx, "config-bad-value", "%s: '%s' is not a delay such as 5wd or 7d",
				 key, value);
	} else {
		bool days[7];
		int n = 0, which = 0;
		if (parse_weekdays(value, days))
			for (int i = 0; i < 7; i++)
				if (days[i])
					n++, which = i;
		if (n != 1)
			error_at(ctx, "config-bad-value", "%s: '%s' is not one weekday such as mon",
				 key, value);
		else
			e->weekday = which;
	}
}

#define MAILF(f) offsetof(struct config, mail.f)

static const struct key_rule rules[] = {
	{SECTION_PLAZO, "state_dir", parse_state_dir, 0},
	{SECTION_PLAZO, "base_url", parse_base_url, 0},
	{SECTION_PLAN, "file", parse_plan_file, 0},
	{SECTION_PLAN, "timezone", parse_plan_timezone, 0},
	{SECTION_PLAN, "max_size", parse_plan_max_size, 0},
	{SECTION_PLAN, "workdays", parse_workdays, 0},
	{SECTION_PLAN, "holidays", parse_holidays, 0},
	{SECTION_PLAN, "closed", parse_closed, 0},
	{SECTION_PLAN, "open", parse_open, 0},
	{SECTION_REMINDERS, "lead", parse_leads, 0},
	{SECTION_REMINDERS, "due_day", parse_policy_bool, 0},
	{SECTION_REMINDERS, "overdue_every", parse_overdue_every, 0},
	{SECTION_REMINDERS, "overdue_max", parse_overdue_max, 0},
	{SECTION_REMINDERS, "send_time", parse_send_time, 0},
	{SECTION_REMINDERS, "working_days_only", parse_policy_bool, 0},
	{SECTION_REMINDERS, "announce_start", parse_policy_bool, 0},
	{SECTION_MAIL, "from", parse_address, MAILF(from)},
	{SECTION_MAIL, "from_name", parse_string, MAILF(from_name)},
	{SECTION_MAIL, "maildir", parse_path, MAILF(maildir)},
	{SECTION_MAIL, "retry_for", parse_duration, 0},
	{SECTION_SMTP, "url", parse_smtp_url, MAILF(smtp_url)},
	{SECTION_SMTP, "tls", parse_tls, 0},
	{SECTION_SMTP, "user", parse_string, MAILF(smtp_user)},
	{SECTION_SMTP, "password_file", parse_path, MAILF(smtp_password_file)},
	{SECTION_SMTP, "ca_file", parse_path, MAILF(smtp_ca_file)},
	{SECTION_SMTP, "timeout", parse_duration, 0},
	{SECTION_HTTP, "listen", parse_listen, 0},
	{SECTION_HTTP, "connection_limit", parse_http_uint, 0},
	{SECTION_HTTP, "timeout", parse_http_uint, 0},
	{SECTION_HTTP, "metrics_loopback_only", parse_http_bool, 0},
	{SECTION_HTTP, "metrics_listen", parse_metrics_listen, 0},
	{SECTION_HTTP, "per_client_limit", parse_http_uint, 0},
	{SECTION_HTTP, "connection_reserve", parse_http_uint, 0},
	{SECTION_HTTP, "header_timeout", parse_http_uint, 0},
	{SECTION_HTTP, "trusted_proxies", parse_proxies, 0},
	{SECTION_FEEDS, "past_days", parse_http_uint, 0},
	{SECTION_FEEDS, "refresh_minutes", parse_http_uint, 0},
	{SECTION_FEEDS, "undo_for", parse_duration, 0},
	{SECTION_ESCALATION, "office", parse_escalation, 0},
	{SECTION_ESCALATION, "after", parse_escalation, 0},
	{SECTION_ESCALATION, "day", parse_escalation, 0},
	{SECTION_OFFICE, "name", parse_office_name, 0},
	{SECTION_OFFICE, "alias", parse_office_alias, 0},
	{SECTION_OFFICE, "email", parse_office_email, 0},
	{SECTION_OFFICE, "manager", parse_office_manager, 0},
	{SECTION_OFFICE, "timezone", parse_office_timezone, 0},
	{SECTION_OFFICE, "workdays", parse_workdays, 0},
	{SECTION_OFFICE, "closed", parse_closed, 0},
	{SECTION_OFFICE, "open", parse_open, 0},
	{SECTION_GROUP, "name", parse_group_name, 0},
	{SECTION_GROUP, "alias", parse_group_alias, 0},
	{SECTION_GROUP, "members", parse_group_members, 0},
};

static const char *const kind_names[] = {"plazo", "plan",	"office", "group",
					 "reminders", "mail", "smtp", "http", "feeds", "escalation", "?"};

static const struct key_rule *current_rule(const char *key, enum section_kind kind)
{
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (rules[i].kind == kind && strcmp(rules[i].key, key) == 0)
			return &rules[i];
	return NULL;
}

bool config_key_name(size_t i, char *buf, size_t size)
{
	if (i >= sizeof(rules) / sizeof(rules[0]))
		return false;
	snprintf(buf, size, "%s.%s", kind_names[rules[i].kind], rules[i].key);
	return true;
}

static bool valid_id(const char *id)
{
	if (*id == '\0')
		return false;
	for (const char *p = id; *p; p++)
		if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '-' ||
		      *p == '_'))
			return false;
	return true;
}

static void open_entry(struct parse_ctx *ctx, enum section_kind kind, const char *id)
{
	struct config *cfg = ctx->cfg;
	ctx->section_ok = false;
	if (!valid_id(id)) {
		section_error(ctx, "config-bad-value",
			 "[%s %s]: an id is lower-case letters, digits, '-' and '_'",
			 kind_names[kind], id);
		return;
	}
	bool dup = kind == SECTION_OFFICE ? config_find_office(cfg, id) >= 0 : false;
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
	ctx->section_ok = true;
}

/* Called when the handler sees a section name for the first time. */
static void enter_section(struct parse_ctx *ctx, const char *section)
{
	free(ctx->section);
	ctx->section = xstrdup(section);
	ctx->kind = SECTION_UNKNOWN;
	ctx->section_ok = false;
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
	if (space && n == 6 && strncmp(section, "office", 6) == 0)
		ctx->kind = SECTION_OFFICE;
	else if (space && n == 5 && strncmp(section, "group", 5) == 0)
		ctx->kind = SECTION_GROUP;
	if (ctx->kind == SECTION_UNKNOWN) {
		section_error(ctx, "config-unknown-section",
			      "unknown section [%s] (expected [plazo], [plan], [reminders], [mail], "
			      "[smtp], [http], [feeds], [escalation], [office ID] or "
			      "[group ID])",
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
	const struct key_rule *rule = current_rule(key, ctx->kind);
	if (rule)
		rule->parse(ctx, key, value);
	else
		error_at(ctx, "config-unknown-key", "unknown key '%s' in [%s]", key, section);
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
		if (len >= SECTION_MAX)
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
	return strchr(at + 1, '.') != NULL;
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
	if (o->timezone == NULL)
		o->timezone = xstrdup(cfg->timezone);
	inherit_workdays(&o->workdays, o->weekdays_set, &cfg->workdays);
}

static void validate_group(struct config *cfg, struct config_group *g, struct diag_list *d)
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
		long k = all ? (long)i : config_find_office(cfg, g->members.items[i]);
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

static void validate(struct config *cfg, struct diag_list *diags)
{
	if (cfg->timezone == NULL)
		cfg->timezone = xstrdup("America/Bogota");
	if (cfg->policy.n_leads == 0 && !cfg->policy.due_day && cfg->policy.overdue_max == 0)
		diag_add(diags, DIAG_WARNING, "config-no-reminders", cfg->path, 0, 0,
			 "[reminders]: no lead, no due_day and no overdue reminders: nothing will be "
			 "sent");
	if (cfg->state_dir == NULL)
		cfg->state_dir = xstrdup("/var/lib/plazo");
	if (cfg->base_url == NULL)
		cfg->base_url = xstrdup("http://127.0.0.1:8080");
	if (cfg->http.address == NULL)
		cfg->http.address = xstrdup("127.0.0.1");
	validate_http(cfg, diags);
	if (cfg->mail.from == NULL)
		cfg->mail.from = xstrdup("plazo@localhost");
	if (cfg->mail.from_name == NULL)
		cfg->mail.from_name = xstrdup("Plazos");
	if (cfg->mail.maildir == NULL)
		cfg->mail.maildir = xasprintf("%s/maildir", cfg->state_dir);
	if (cfg->mail.smtp_user && cfg->mail.smtp_password_file == NULL)
		diag_add(diags, DIAG_ERROR, "config-missing", cfg->path, 0, 0,
			 "[smtp] user is set but password_file is not");
	for (size_t i = 0; i < cfg->n_offices; i++)
		validate_office(cfg, &cfg->offices[i], diags);
	for (size_t i = 0; i < cfg->n_groups; i++)
		validate_group(cfg, &cfg->groups[i], diags);
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
	if (ferror(f))
		return PZ_FAIL(err, PZ_EIO, path, "read config %s: input/output error", path);
	if (rc > 0 && ctx.syntax_errors == 0)
		diag_add(diags, DIAG_ERROR, "config-syntax", path, (unsigned)rc, 0,
			 "expected [section], key = value, or a comment");
	validate(cfg, diags);
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
	cfg->plan_max_size = TABLE_DEFAULT_MAX_SIZE;
	cfg->policy = (struct config_policy){
		.leads = {{15, false}, {3, true}},
		.n_leads = 2,
		.due_day = true,
		.overdue_every = 7,
		.overdue_max = 4,
		.send_minute = 8 * 60,
		.working_days_only = true,
		.announce_start = true,
	};
	cfg->mail.retry_for = 2 * 86400;
	cfg->mail.smtp_timeout = 60;
	cfg->http = (struct config_http){
		.port = 8080,
		.connection_limit = 256,
		.per_client_limit = 32,
		.connection_reserve = 32,
		.header_timeout = 10,
		.timeout = 15,
		.metrics_loopback_only = true,
		.past_days = 365,
		.refresh_minutes = 360,
		.undo_for = 7 * 86400,
	};
	cfg->escalation = (struct config_escalation){
		.office_index = -1,
		.after = {5, true},
		.weekday = 0,
	};
}

void config_finish(struct config *cfg)
{
	if (cfg == NULL)
		return;
	for (size_t i = 0; i < cfg->n_offices; i++)
		office_finish(&cfg->offices[i]);
	for (size_t i = 0; i < cfg->n_groups; i++)
		group_finish(&cfg->groups[i]);
	free(cfg->offices);
	free(cfg->groups);
	free(cfg->path);
	free(cfg->dir);
	free(cfg->plan_file);
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
	free(cfg->escalation.office);
	config_init(cfg);
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
