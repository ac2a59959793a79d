/* cli_plan.c - the plan commands: check, schedule, init. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_internal.h"
#include "replan.h"
#include "smtp.h"
#include "json.h"
#include "starter.h"
#include "strbuf.h"
#include "unread.h"
#include "xalloc.h"

static void summary_text(const struct loaded *l)
{
	size_t e = diag_count(&l->diags, DIAG_ERROR), w = diag_count(&l->diags, DIAG_WARNING);
	size_t n = diag_count(&l->diags, DIAG_NOTE);
	printf("%s%s: %zu activities, %zu milestones, %zu offices; %zu error%s, %zu warning%s, "
	       "%zu note%s\n",
	       l->plan_path, l->n_plan_paths > 1 ? " and the other plan files" : "",
	       l->plan.n_activities, l->plan.n_milestones, l->cfg.n_offices, e, e == 1 ? "" : "s",
	       w, w == 1 ? "" : "s", n, n == 1 ? "" : "s");
}

/* The note naming the column taken for each role of one table (not a doubt: not counted). */
static void part_columns_text(const struct plan *p, size_t i)
{
	const struct table *t = i == 0 ? &p->table : &p->parts[i].table;
	if (t->header_line == 0)
		return;
	struct strbuf s, where;
	strbuf_init(&s);
	strbuf_init(&where);
	for (int f = 0; f < TABLE_NFIELDS; f++)
		if (t->column[f] != 0)
			strbuf_printf(&s, "%s%s = column %u '%s'", s.len ? ", " : "",
				      table_role_name((enum table_field)f), t->column[f],
				      t->column_name[f]);
	struct diag at = {.path = p->parts[i].where ? p->parts[i].where : p->parts[i].source,
			  .line = t->header_line};
	diag_where(&where, &at);
	printf("%s: note[columns]: %s header read as %s\n", where.data,
	       t->header_rows == 2 ? "two-row" : "one-row", s.data ? s.data : "nothing");
	strbuf_finish(&where);
	strbuf_finish(&s);
}

static void columns_text(const struct loaded *l)
{
	for (size_t i = 0; i < l->plan.n_parts; i++)
		part_columns_text(&l->plan, i);
}

static void columns_json(struct strbuf *s, const struct table *t)
{
	json_key(s, false, "columns");
	strbuf_putc(s, '{');
	bool first = true;
	for (int f = 0; f < TABLE_NFIELDS; f++) {
		if (t->column[f] == 0)
			continue;
		json_key(s, first, table_role_name((enum table_field)f));
		strbuf_printf(s, "{\"column\":%u,\"header\":", t->column[f]);
		json_string(s, t->column_name[f]);
		strbuf_putc(s, '}');
		first = false;
	}
	strbuf_putc(s, '}');
}

static void summary_json(const struct loaded *l)
{
	struct strbuf s;
	strbuf_init(&s);
	strbuf_putc(&s, '{');
	json_key(&s, true, "config");
	json_string(&s, l->cfg.path);
	json_key(&s, false, "plan");
	json_string(&s, l->plan_path);
	strbuf_printf(&s, ",\"activities\":%zu,\"milestones\":%zu,\"offices\":%zu",
		      l->plan.n_activities, l->plan.n_milestones, l->cfg.n_offices);
	strbuf_printf(&s, ",\"errors\":%zu,\"warnings\":%zu,\"notes\":%zu",
		      diag_count(&l->diags, DIAG_ERROR), diag_count(&l->diags, DIAG_WARNING),
		      diag_count(&l->diags, DIAG_NOTE));
	struct unread *u = xmalloc(sizeof(*u));
	unread_collect(u, &l->diags);
	strbuf_printf(&s, ",\"blocking\":%zu,\"rows_unreadable\":%zu",
		      unread_blocking(&l->diags), u->rows);
	free(u);
	columns_json(&s, &l->plan.table);
	json_key(&s, false, "diagnostics");
	strbuf_putc(&s, '[');
	for (size_t i = 0; i < l->diags.len; i++) {
		if (i > 0)
			strbuf_putc(&s, ',');
		json_diag(&s, &l->diags.items[i]);
	}
	strbuf_puts(&s, "]}\n");
	fputs(s.data, stdout);
	strbuf_finish(&s);
}

static const char check_help[] =
	"Usage: plazo [-c CONFIG] check [--strict | --blocking] [--format text|json] [PLAN...]\n"
	"Validate the configuration and the plan (several PLANs: one plan of their tables);\n"
	"print every doubt as\n"
	"FILE:LINE: SEVERITY[CODE]: message, then a summary.\n"
	"  --strict        count warnings as errors\n"
	"  --blocking      fail only on what leaves nothing to serve (no header, an unreadable\n"
	"                  file, a broken config), not on rows that cannot be read: the\n"
	"                  service's pre-start check\n"
	"  --format FMT    text (default) or json\n"
	"Exit status: 0 no errors (with --blocking: none that blocks), 1 errors, 2 usage error.\n";

/* With --blocking: one line saying whether the service can start on this plan. */
static void blocking_text(const struct loaded *l)
{
	size_t blocking = unread_blocking(&l->diags);
	struct unread *u = xmalloc(sizeof(*u));
	unread_collect(u, &l->diags);
	if (blocking > 0)
		printf("plazo check: %zu error%s leave%s nothing to serve\n", blocking,
		       blocking == 1 ? "" : "s", blocking == 1 ? "s" : "");
	else
		printf("plazo check: nothing blocks the service; %zu plan row%s not read would be "
		       "served without\n",
		       u->rows, u->rows == 1 ? "" : "s");
	free(u);
}

/* The exit status's count: errors (and warnings when strict), or only blocking ones. */
static size_t failing(const struct loaded *l, bool strict, bool blocking)
{
	if (blocking)
		return unread_blocking(&l->diags);
	size_t bad = diag_count(&l->diags, DIAG_ERROR);
	return strict ? bad + diag_count(&l->diags, DIAG_WARNING) : bad;
}

/* The password file as the service will read it (the systemd credential when
 * $CREDENTIALS_DIRECTORY is set, the file itself otherwise): a warning, since a bad one
 * holds the queue but does not stop the feeds. */
static void check_password(struct loaded *l)
{
	const struct config_mail *m = &l->cfg.mail;
	struct pz_error err = {0};
	if (m->smtp_url == NULL || m->smtp_user == NULL || m->smtp_password_file == NULL ||
	    smtp_check_password(m->smtp_password_file, &err) == 0)
		return;
	diag_add(&l->diags, DIAG_WARNING, "config-password-file", l->cfg.path, 0, 0,
		 "%s; the mail queue would be held until it is fixed", err.msg);
	diag_sort(&l->diags);
}

/* When the state directory has a database: what a reload of this plan would change (notes),
 * with the keys the state kept, without writing. A state that cannot be read is a warning. */
static void check_state(struct loaded *l)
{
	struct pz_error err = {0};
	struct store *st = NULL;
	size_t before = l->diags.len;
	char *path = xasprintf("%s/plazo.db", l->cfg.state_dir ? l->cfg.state_dir : ".");
	if (l->cfg.state_dir != NULL && access(path, F_OK) == 0 &&
	    (store_open(&st, path, &err) < 0 ||
	     replan_keep_keys(&l->plan, st, false, &l->diags, &err) < 0 ||
	     replan_compare(&l->plan, &l->cfg, st, &l->diags, NULL, &err) < 0))
		diag_add(&l->diags, DIAG_WARNING, "state-unreadable", path, 0, 0,
			 "what a reload would change is not told: %s", err.msg);
	store_close(st);
	free(path);
	if (l->diags.len != before)
		diag_sort(&l->diags); /* else in order already: at 1M rows a look at 230,000 */
}

int cli_cmd_check(const struct cli_globals *g, int argc, char **argv)
{
	static const struct option longopts[] = {
		{"strict", no_argument, NULL, 's'},
		{"blocking", no_argument, NULL, 'b'},
		{"format", required_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	bool strict = false, blocking = false;
	enum format fmt = FORMAT_TEXT;
	int c;
	optind = 0;
	while ((c = getopt_long(argc, argv, "+sbf:h", longopts, NULL)) != -1) {
		if (c == 's')
			strict = true;
		else if (c == 'b')
			blocking = true;
		else if (c == 'f' && !cli_parse_format(optarg, &fmt))
			return cli_usage_error("check", "unknown format '%s'", optarg);
		else if (c == 'h')
			return fputs(check_help, stdout), CLI_OK;
		else if (c == '?')
			return CLI_USAGE; /* getopt printed why */
	}
	if (strict && blocking)
		return cli_usage_error("check", "--strict and --blocking contradict each other");
	struct loaded l;
	int rc = cli_load_plans(g, "check", (const char *const *)argv + optind,
				(size_t)(argc - optind), &l);
	if (rc == CLI_OK)
		check_password(&l);
	if (rc == CLI_OK)
		check_state(&l);
	if (rc == CLI_OK) {
		if (fmt == FORMAT_JSON) {
			summary_json(&l);
		} else {
			cli_print_diags(stdout, &l.diags);
			columns_text(&l);
			summary_text(&l);
			if (blocking)
				blocking_text(&l);
		}
		rc = failing(&l, strict, blocking) > 0 ? CLI_FAIL : CLI_OK;
	}
	cli_loaded_finish(&l);
	return rc;
}

static void milestone_json(struct strbuf *s, const struct milestone *m)
{
	char iso[11];
	strbuf_puts(s, "{\"start\":");
	if (m->has_start) {
		date_format_iso(m->start, iso);
		json_string(s, iso);
	} else {
		strbuf_puts(s, "null");
	}
	date_format_iso(m->due, iso);
	strbuf_puts(s, ",\"due\":");
	json_string(s, iso);
	strbuf_putc(s, '}');
}

/* The plan file's diagnostics in line order, walked once alongside the activities. */
struct diag_cursor {
	size_t *index; /* into l->diags.items */
	size_t len;
	size_t pos;
	bool *used;    /* per diagnostic: shown under an activity */
};

static void activity_diags_json(struct strbuf *s, const struct loaded *l, unsigned line,
				struct diag_cursor *cur)
{
	while (cur->pos < cur->len && l->diags.items[cur->index[cur->pos]].line < line)
		cur->pos++;
	strbuf_putc(s, '[');
	for (size_t i = cur->pos; i < cur->len; i++) {
		const struct diag *d = &l->diags.items[cur->index[i]];
		if (d->line != line)
			break;
		if (i > cur->pos)
			strbuf_putc(s, ',');
		json_diag(s, d);
		cur->used[cur->index[i]] = true;
	}
	strbuf_putc(s, ']');
}

static void activity_json(struct strbuf *s, const struct loaded *l, const struct activity *a,
			  struct diag_cursor *cur)
{
	strbuf_printf(s, "{\"number\":%u,\"ref\":", a->number);
	if (*plan_activity_ref(a))
		json_string(s, plan_activity_ref(a));
	else
		strbuf_puts(s, "null");
	strbuf_printf(s, ",\"subcomponent\":%u", a->subcomponent);
	json_key(s, false, "subcomponent_title");
	json_string(s, a->subcomponent_title);
	json_key(s, false, "activity");
	json_string(s, a->text);
	json_key(s, false, "goal");
	json_string(s, a->goal);
	strbuf_printf(s, ",\"line\":%u", a->line);
	json_key(s, false, "key");
	json_string(s, plan_activity_key(a));
	json_key(s, false, "where");
	struct strbuf where;
	strbuf_init(&where);
	plan_activity_where(&l->plan, a, &where);
	json_string(s, where.data);
	strbuf_finish(&where);
	json_key(s, false, "responsible_text");
	json_string(s, a->responsible_text);
	strbuf_puts(s, ",\"offices\":[");
	for (size_t k = 0; k < a->office_count; k++) {
		if (k > 0)
			strbuf_putc(s, ',');
		json_string(s, l->cfg.offices[l->plan.office_refs[a->office_first + k]].id);
	}
	strbuf_puts(s, "],\"milestones\":[");
	for (size_t k = 0; k < a->milestone_count; k++) {
		if (k > 0)
			strbuf_putc(s, ',');
		milestone_json(s, &l->plan.milestones[a->milestone_first + k]);
	}
	strbuf_puts(s, "],\"diagnostics\":");
	activity_diags_json(s, l, a->line, cur);
	strbuf_putc(s, '}');
}

static void schedule_json(const struct loaded *l)
{
	struct diag_cursor cur = {xcalloc(l->diags.len, sizeof(size_t)), 0, 0,
				  xcalloc(l->diags.len, sizeof(bool))};
	for (size_t i = 0; i < l->diags.len; i++)
		if (strcmp(l->diags.items[i].path, l->plan_path) == 0)
			cur.index[cur.len++] = i;
	struct strbuf s;
	strbuf_init(&s);
	strbuf_puts(&s, "{\"source\":");
	json_string(&s, l->plan_path);
	strbuf_puts(&s, ",\"date_order\":");
	json_string(&s, l->plan.date_order == DATE_ORDER_MDY ? "month/day" : "day/month");
	strbuf_printf(&s, ",\"years\":[%d,%d],\"activities\":[", l->plan.year_first,
		      l->plan.year_last);
	for (size_t i = 0; i < l->plan.n_activities; i++) {
		if (i > 0)
			strbuf_putc(&s, ',');
		strbuf_putc(&s, '\n');
		activity_json(&s, l, &l->plan.activities[i], &cur);
		if (s.len > (1 << 20)) {
			fwrite(s.data, 1, s.len, stdout);
			strbuf_reset(&s);
		}
	}
	strbuf_puts(&s, "],\n\"diagnostics\":[");
	bool first = true;
	for (size_t i = 0; i < l->diags.len; i++) {
		if (cur.used[i])
			continue;
		if (!first)
			strbuf_putc(&s, ',');
		json_diag(&s, &l->diags.items[i]);
		first = false;
	}
	strbuf_puts(&s, "]}\n");
	fwrite(s.data, 1, s.len, stdout);
	strbuf_finish(&s);
	free(cur.index);
	free(cur.used);
}

static void schedule_text(const struct loaded *l)
{
	struct strbuf s;
	strbuf_init(&s);
	for (size_t i = 0; i < l->plan.n_activities; i++) {
		const struct activity *a = &l->plan.activities[i];
		strbuf_printf(&s, "#%s  ", *plan_activity_ref(a) ? plan_activity_ref(a) : "0");
		plan_activity_where(&l->plan, a, &s);
		strbuf_printf(&s, "  subcomponent %u%s%s\n  %s\n  offices:", a->subcomponent,
			      l->plan.n_parts > 1 ? "  key " : "",
			      l->plan.n_parts > 1 ? plan_activity_key(a) : "", a->text);
		for (size_t k = 0; k < a->office_count; k++)
			strbuf_printf(&s, " %s",
				      l->cfg.offices[l->plan.office_refs[a->office_first + k]].id);
		strbuf_puts(&s, a->office_count ? "\n" : " (none)\n");
		for (size_t k = 0; k < a->milestone_count; k++) {
			const struct milestone *m = &l->plan.milestones[a->milestone_first + k];
			char due[11], start[11];
			date_format_iso(m->due, due);
			date_format_iso(m->start, start);
			strbuf_printf(&s, "  due %s%s%s%s\n", due, m->has_start ? " (from " : "",
				      m->has_start ? start : "", m->has_start ? ")" : "");
		}
		fwrite(s.data, 1, s.len, stdout);
		strbuf_reset(&s);
	}
	strbuf_finish(&s);
}

static const char schedule_help[] =
	"Usage: plazo [-c CONFIG] schedule [--format text|json] [PLAN...]\n"
	"Print the normalized plan: each activity with its offices and milestones.\n"
	"Diagnostics go to standard error in text mode and into the JSON otherwise.\n"
	"  --format FMT    text (default) or json\n"
	"Exit status: 0 the plan was read, 1 it could not be read, 2 usage error.\n";

int cli_cmd_schedule(const struct cli_globals *g, int argc, char **argv)
{
	enum format fmt;
	int done = cli_format_options("schedule", schedule_help, argc, argv, &fmt);
	if (done >= 0)
		return done;
	struct loaded l;
	int rc = cli_load_plans(g, "schedule", (const char *const *)argv + optind,
				(size_t)(argc - optind), &l);
	if (rc == CLI_OK && fmt == FORMAT_JSON) {
		schedule_json(&l);
	} else if (rc == CLI_OK) {
		cli_print_diags(stderr, &l.diags);
		schedule_text(&l);
	}
	cli_loaded_finish(&l);
	return rc;
}

static const char init_help[] =
	"Usage: plazo init PLAN\n"
	"Print a starter configuration for PLAN: the offices named in its responsible\n"
	"cells, each with an id, the spellings seen as aliases and an e-mail to fill in.\n";

int cli_cmd_init(const struct cli_globals *g, int argc, char **argv)
{
	static const struct option longopts[] = {
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;
	optind = 0;
	while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		if (c == 'h')
			return fputs(init_help, stdout), CLI_OK;
		return CLI_USAGE; /* getopt printed why */
	}
	if (argc - optind != 1)
		return cli_usage_error("init", "expected exactly one PLAN");
	struct diag_list diags;
	struct pz_error err = {0};
	struct strbuf out;
	diag_list_init(&diags);
	strbuf_init(&out);
	int rc = starter_config(argv[optind], &out, &diags, &err);
	if (rc < 0)
		fprintf(stderr, "plazo init: %s\n", err.msg);
	diag_sort(&diags);
	cli_print_diags(stderr, &diags);
	fputs(out.data, stdout);
	strbuf_finish(&out);
	diag_list_finish(&diags);
	return rc < 0 ? CLI_FAIL : CLI_OK;
}

