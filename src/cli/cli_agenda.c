/* cli_agenda.c - the calendar commands: holidays, upcoming. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agenda.h"
#include "calendar.h"
#include "cli_internal.h"
#include "json.h"
#include "spanish.h"
#include "strbuf.h"
#include "xalloc.h"

static const char holidays_help[] =
	"Usage: plazo holidays [--format text|json] YEAR\n"
	"List Colombia's national public holidays of YEAR (Ley 51 de 1983), one line each:\n"
	"YYYY-MM-DD  Name. A day with two holidays is listed once.\n";

static void holidays_print(int year, enum format fmt)
{
	struct holiday h[CALENDAR_MAX_HOLIDAYS];
	size_t n = calendar_holidays(year, h);
	struct strbuf s;
	strbuf_init(&s);
	strbuf_puts(&s, fmt == FORMAT_JSON ? "[" : "");
	for (size_t i = 0; i < n; i++) {
		char iso[11];
		date_format_iso(h[i].date, iso);
		char *name = h[i].also ? xasprintf("%s; %s", h[i].name, h[i].also)
				       : xstrdup(h[i].name);
		if (fmt == FORMAT_JSON) {
			strbuf_puts(&s, i ? ",{\"date\":" : "{\"date\":");
			json_string(&s, iso);
			strbuf_puts(&s, ",\"name\":");
			json_string(&s, name);
			strbuf_putc(&s, '}');
		} else {
			strbuf_printf(&s, "%s  %s\n", iso, name);
		}
		free(name);
	}
	strbuf_puts(&s, fmt == FORMAT_JSON ? "]\n" : "");
	fputs(s.data, stdout);
	strbuf_finish(&s);
}

int cli_cmd_holidays(const struct cli_globals *g, int argc, char **argv)
{
	enum format fmt;
	int done = cli_format_options("holidays", holidays_help, argc, argv, &fmt);
	if (done >= 0)
		return done;
	if (argc - optind != 1)
		return cli_usage_error("holidays", "expected one YEAR");
	char *end;
	long year = strtol(argv[optind], &end, 10);
	if (*end != '\0' || year < 1984 || year > 9999)
		return cli_usage_error("holidays", "'%s' is not a year from 1984 (Ley 51 de 1983)",
				       argv[optind]);
	holidays_print((int)year, fmt);
	return CLI_OK;
}

struct upcoming_opts {
	const char *office;
	const char *at;
	unsigned days;
	enum format fmt;
};

/* Other offices sharing the activity, as a comma list of ids. */
static void others(struct strbuf *s, const struct loaded *l, const struct activity *a,
		   size_t office, bool json)
{
	bool first = true;
	for (size_t k = 0; k < a->office_count; k++) {
		size_t o = l->plan.office_refs[a->office_first + k];
		if (o == office)
			continue;
		if (!first)
			strbuf_puts(s, json ? "," : ", ");
		if (json)
			json_string(s, l->cfg.offices[o].id);
		else
			strbuf_puts(s, l->cfg.offices[o].name);
		first = false;
	}
}

static void item_text(struct strbuf *s, const struct loaded *l, size_t office,
		      const struct agenda_item *it)
{
	const struct activity *a = &l->plan.activities[it->activity];
	const struct milestone *m = &l->plan.milestones[it->milestone];
	strbuf_printf(s, "    #%-3s ", *plan_activity_ref(a) ? plan_activity_ref(a) : "0");
	spanish_date(s, m->due);
	strbuf_puts(s, " — ");
	spanish_left(s, it->days, it->workdays);
	if (it->due_closed)
		strbuf_puts(s, " [no es día hábil]");
	strbuf_puts(s, "\n         ");
	spanish_excerpt(s, a->text, 100);
	if (m->has_start) {
		strbuf_puts(s, "\n         Inicia: ");
		spanish_date(s, m->start);
	}
	if (a->office_count > 1) {
		strbuf_puts(s, "\n         Con: ");
		others(s, l, a, office, false);
	}
	strbuf_putc(s, '\n');
}

static void office_text(struct strbuf *s, const struct loaded *l, size_t o,
			const struct agenda *ag, unsigned days)
{
	const struct config_office *off = &l->cfg.offices[o];
	strbuf_printf(s, "%s [%s] — hoy ", off->name, off->id);
	spanish_date(s, ag->today);
	strbuf_printf(s, " (%s)\n", off->timezone);
	if (ag->len == 0)
		strbuf_puts(s, "  Sin entregas vencidas ni próximas.\n");
	if (ag->n_overdue > 0)
		strbuf_printf(s, "  Vencidas (%zu):\n", ag->n_overdue);
	for (size_t i = 0; i < ag->len; i++) {
		if (i == ag->n_overdue)
			strbuf_printf(s, "  Próximas, %u días (%zu):\n", days,
				      ag->len - ag->n_overdue);
		item_text(s, l, o, &ag->items[i]);
	}
	strbuf_putc(s, '\n');
}

static void item_json(struct strbuf *s, const struct loaded *l, size_t office,
		      const struct agenda_item *it)
{
	const struct activity *a = &l->plan.activities[it->activity];
	const struct milestone *m = &l->plan.milestones[it->milestone];
	char due[11], start[11];
	date_format_iso(m->due, due);
	date_format_iso(m->start, start);
	strbuf_printf(s, "{\"number\":%u,\"line\":%u,\"due\":\"%s\",\"start\":", a->number,
		      a->line, due);
	json_string(s, m->has_start ? start : NULL);
	strbuf_printf(s, ",\"days\":%ld,\"workdays\":%ld,\"due_closed\":%s,\"activity\":",
		      it->days, it->workdays, it->due_closed ? "true" : "false");
	json_string(s, a->text);
	strbuf_puts(s, ",\"other_offices\":[");
	others(s, l, a, office, true);
	strbuf_puts(s, "]}");
}

static void office_json(struct strbuf *s, const struct loaded *l, size_t o,
			const struct agenda *ag)
{
	const struct config_office *off = &l->cfg.offices[o];
	char today[11];
	date_format_iso(ag->today, today);
	strbuf_puts(s, "{\"id\":");
	json_string(s, off->id);
	strbuf_puts(s, ",\"name\":");
	json_string(s, off->name);
	strbuf_puts(s, ",\"timezone\":");
	json_string(s, off->timezone);
	strbuf_printf(s, ",\"today\":\"%s\",\"overdue\":[", today);
	for (size_t i = 0; i < ag->len; i++) {
		if (i == ag->n_overdue)
			strbuf_puts(s, "],\"upcoming\":[");
		else if (i > 0)
			strbuf_putc(s, ',');
		item_json(s, l, o, &ag->items[i]);
	}
	strbuf_puts(s, ag->n_overdue == ag->len ? "],\"upcoming\":[]}" : "]}");
}

static void upcoming_print(const struct loaded *l, const struct agenda *ag, long only,
			   const struct upcoming_opts *opt)
{
	struct strbuf s;
	strbuf_init(&s);
	if (opt->fmt == FORMAT_JSON)
		strbuf_printf(&s, "{\"days\":%u,\"offices\":[", opt->days);
	bool first = true;
	for (size_t o = 0; o < l->cfg.n_offices; o++) {
		if (only >= 0 && (size_t)only != o)
			continue;
		if (opt->fmt == FORMAT_JSON) {
			strbuf_puts(&s, first ? "\n" : ",\n");
			office_json(&s, l, o, &ag[o]);
		} else {
			office_text(&s, l, o, &ag[o], opt->days);
		}
		first = false;
	}
	if (opt->fmt == FORMAT_JSON)
		strbuf_puts(&s, "]}\n");
	fputs(s.data, stdout);
	strbuf_finish(&s);
}

static const char upcoming_help[] =
	"Usage: plazo [-c CONFIG] upcoming [--office ID] [--at TIME] [--days N]\n"
	"                                  [--format text|json] [PLAN]\n"
	"Per office: overdue deliverables (days late) and those due within N days (days and\n"
	"working days left), in the office's time zone and working days.\n"
	"  --office ID    only this office\n"
	"  --at TIME      the instant to compute for, ISO 8601 (2023-03-01T08:00), local to\n"
	"                 [plan] timezone unless it has an offset; default: now\n"
	"  --days N       how far ahead to look (default 30)\n"
	"  --format FMT   text (default, Spanish) or json\n";

static bool parse_days(const char *s, unsigned *out)
{
	char *end;
	unsigned long n = strtoul(s, &end, 10);
	if (*s < '0' || *s > '9' || *end != '\0' || n > 36600)
		return false;
	*out = (unsigned)n;
	return true;
}

static int upcoming_parse(int argc, char **argv, struct upcoming_opts *opt)
{
	static const struct option longopts[] = {
		{"office", required_argument, NULL, 'o'}, {"at", required_argument, NULL, 'a'},
		{"days", required_argument, NULL, 'd'},   {"format", required_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'},	  {NULL, 0, NULL, 0},
	};
	int c;
	optind = 0;
	while ((c = getopt_long(argc, argv, "+o:a:d:f:h", longopts, NULL)) != -1) {
		if (c == 'o')
			opt->office = optarg;
		else if (c == 'a')
			opt->at = optarg;
		else if (c == 'd' && !parse_days(optarg, &opt->days))
			return cli_usage_error("upcoming", "'%s' is not a number of days", optarg);
		else if (c == 'f' && !cli_parse_format(optarg, &opt->fmt))
			return cli_usage_error("upcoming", "unknown format '%s'", optarg);
		else if (c == 'h')
			return fputs(upcoming_help, stdout), -1;
		else if (c == '?')
			return CLI_USAGE;
	}
	if (argc - optind > 1)
		return cli_usage_error("upcoming", "too many arguments: '%s'", argv[optind + 1]);
	return CLI_OK;
}

int cli_cmd_upcoming(const struct cli_globals *g, int argc, char **argv)
{
	struct upcoming_opts opt = {NULL, NULL, 30, FORMAT_TEXT};
	int rc = upcoming_parse(argc, argv, &opt);
	if (rc != CLI_OK)
		return rc < 0 ? CLI_OK : rc;
	struct loaded l;
	struct pz_error err = {0};
	struct agenda *ag = NULL;
	long only = -1;
	time_t now = time(NULL); /* the edge: modules below take the instant as a parameter */
	rc = cli_load(g, "upcoming", optind < argc ? argv[optind] : NULL, &l);
	if (rc == CLI_OK && opt.office && (only = config_find_office(&l.cfg, opt.office)) < 0)
		rc = cli_usage_error("upcoming", "no [office %s] in %s", opt.office, l.cfg.path);
	if (rc == CLI_OK && opt.at && calendar_parse_instant(opt.at, l.cfg.timezone, &now, &err))
		rc = cli_usage_error("upcoming", "--at: %s", err.msg);
	if (rc == CLI_OK) {
		cli_print_diag_summary("upcoming", &l.diags);
		ag = xcalloc(l.cfg.n_offices, sizeof(*ag));
		if (agenda_build(&l.plan, &l.cfg, now, opt.days, ag, &err) < 0) {
			fprintf(stderr, "plazo upcoming: %s\n", err.msg);
			rc = CLI_FAIL;
		}
	}
	if (rc == CLI_OK)
		upcoming_print(&l, ag, only, &opt);
	if (ag)
		agenda_free(ag, l.cfg.n_offices);
	free(ag);
	cli_loaded_finish(&l);
	return rc;
}
