/* cli_report.c - the oversight commands: report (compliance), log (the audit trail). */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "calendar.h"
#include "cli_internal.h"
#include "json.h"
#include "report.h"
#include "store.h"
#include "strbuf.h"

enum report_format { REPORT_TEXT, REPORT_CSV, REPORT_HTML };

static const char report_help[] =
	"Usage: plazo [-c CONFIG] report [--at TIME] [--format text|csv|html] [PLAN]\n"
	"The follow-up report (informe de seguimiento): for every office and milestone, whether\n"
	"it was marked delivered on time (before its due day ended in the office's time zone),\n"
	"late, is overdue (not marked and past due) or pending; per office, per subcomponent\n"
	"and in total, with compliance = on time / (on time + late + overdue).\n"
	"  --at TIME      the cut-off, ISO 8601 (2023-04-30T23:59), local to [plan] timezone\n"
	"                 unless it has an offset; marks made later are ignored; default: now\n"
	"  --format FMT   text (default, Spanish tables), csv (RFC 4180, UTF-8 with a byte\n"
	"                 order mark, for spreadsheets) or html (a printable page)\n"
	"Exit status: 0 done, 1 the configuration, plan or state could not be read, 2 usage.\n";

struct report_opts {
	const char *at;
	enum report_format fmt;
	const char *plan;
};

static bool parse_report_format(const char *s, enum report_format *out)
{
	static const char *const names[] = {"text", "csv", "html"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i]) == 0) {
			*out = (enum report_format)i;
			return true;
		}
	return false;
}

/* CLI_OK, CLI_USAGE, or -1 after --help. */
static int report_parse(int argc, char **argv, struct report_opts *opt)
{
	static const struct option longopts[] = {
		{"at", required_argument, NULL, 'a'},
		{"format", required_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;
	optind = 0;
	while ((c = getopt_long(argc, argv, "+a:f:h", longopts, NULL)) != -1) {
		if (c == 'a')
			opt->at = optarg;
		else if (c == 'f' && !parse_report_format(optarg, &opt->fmt))
			return cli_usage_error("report", "unknown format '%s'", optarg);
		else if (c == 'h')
			return fputs(report_help, stdout), -1;
		else if (c == '?')
			return CLI_USAGE; /* getopt printed why */
	}
	if (argc - optind > 1)
		return cli_usage_error("report", "too many arguments: '%s'", argv[optind + 1]);
	opt->plan = optind < argc ? argv[optind] : NULL;
	return CLI_OK;
}

/* Reads the marks and prints the report; CLI_OK or CLI_FAIL. */
static int report_print(struct loaded *l, time_t at, enum report_format fmt)
{
	static void (*const writers[])(const struct report *, const struct config *,
				       struct strbuf *) = {report_write_text, report_write_csv,
							   report_write_html};
	struct pz_error err = {0};
	struct store *st = NULL;
	struct store_delivery *marks = NULL;
	size_t n = 0;
	struct report rep;
	report_init(&rep);
	int rc = cli_open_state(l, &st, false, &err) < 0 ||
				 store_deliveries(st, &marks, &n, &err) < 0 ||
				 report_compute(&rep, &l->plan, &l->cfg, marks, n, at, &err) < 0
			 ? CLI_FAIL
			 : CLI_OK;
	if (rc == CLI_OK) {
		struct strbuf out;
		strbuf_init(&out);
		writers[fmt](&rep, &l->cfg, &out);
		fwrite(out.data, 1, out.len, stdout);
		strbuf_finish(&out);
	} else {
		fprintf(stderr, "plazo report: %s\n", err.msg);
	}
	report_finish(&rep);
	free(marks);
	store_close(st);
	return rc;
}

int cli_cmd_report(const struct cli_globals *g, int argc, char **argv)
{
	struct report_opts opt = {NULL, REPORT_TEXT, NULL};
	int rc = report_parse(argc, argv, &opt);
	if (rc != CLI_OK)
		return rc < 0 ? CLI_OK : rc;
	struct loaded l;
	struct pz_error err = {0};
	time_t at = 0;
	rc = cli_load(g, "report", opt.plan, &l);
	if (rc == CLI_OK && opt.at && calendar_parse_instant(opt.at, l.cfg.timezone, &at, &err))
		rc = cli_usage_error("report", "--at: %s", err.msg);
	else if (rc == CLI_OK && !opt.at)
		at = time(NULL); /* the edge: report.c takes the instant */
	if (rc == CLI_OK) {
		cli_print_diag_summary("report", &l.diags);
		rc = report_print(&l, at, opt.fmt);
	}
	cli_loaded_finish(&l);
	return rc;
}

/* --- log ------------------------------------------------------------------------------- */

static const char log_help[] =
	"Usage: plazo [-c CONFIG] log [--office ID] [--since TIME] [--format text|json]\n"
	"Print the audit trail, oldest first: reminders sent, deferred and failed, deliveries\n"
	"marked and undone, feed tokens rotated. One line per entry: the local time in [plan]\n"
	"timezone (ISO 8601), the office, the kind of entry and its detail.\n"
	"  --office ID    only this office's entries\n"
	"  --since TIME   only entries at or after TIME, ISO 8601 (2023-03-01 or\n"
	"                 2023-03-01T08:00, local to [plan] timezone unless it has an offset);\n"
	"                 default: everything\n"
	"  --format FMT   text (default) or json (an array of objects)\n"
	"Exit status: 0 done, 1 the configuration or state could not be read, 2 usage.\n";

struct log_opts {
	const char *office;
	const char *since;
	enum format fmt;
};

static int log_parse(int argc, char **argv, struct log_opts *opt)
{
	static const struct option longopts[] = {
		{"office", required_argument, NULL, 'o'},
		{"since", required_argument, NULL, 's'},
		{"format", required_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;
	optind = 0;
	while ((c = getopt_long(argc, argv, "+o:s:f:h", longopts, NULL)) != -1) {
		if (c == 'o')
			opt->office = optarg;
		else if (c == 's')
			opt->since = optarg;
		else if (c == 'f' && !cli_parse_format(optarg, &opt->fmt))
			return cli_usage_error("log", "unknown format '%s'", optarg);
		else if (c == 'h')
			return fputs(log_help, stdout), -1;
		else if (c == '?')
			return CLI_USAGE; /* getopt printed why */
	}
	if (argc > optind)
		return cli_usage_error("log", "unexpected argument '%s'", argv[optind]);
	return CLI_OK;
}

/* "2023-03-02T09:00:00-05:00": instant t in zone tz. */
static int local_iso(const char *tz, long long t, char buf[static 64], struct pz_error *err)
{
	struct date d;
	int minutes;
	if (calendar_utc_to_local(tz, (time_t)t, &d, &minutes, err) < 0)
		return -1;
	int sec = (int)((t % 60 + 60) % 60);
	long long offset = (date_to_days(d) * 86400LL + minutes * 60LL + sec - t) / 60;
	int mag = (int)((offset < 0 ? -offset : offset) % 6000); /* zones are within a day */
	snprintf(buf, 64, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", d.year, d.month, d.day,
		 minutes / 60, minutes % 60, sec, offset < 0 ? '-' : '+', mag / 60, mag % 60);
	return 0;
}

/* Appends s with control characters (a typed name, a pasted link) turned into spaces. */
static void plain(struct strbuf *out, const char *s)
{
	for (; *s; s++)
		strbuf_putc(out, (unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s);
}

static void log_row_text(struct strbuf *out, const struct store_audit_row *r, const char *when,
			 int office_w, int kind_w)
{
	strbuf_printf(out, "%s  %-*s  %-*s  ", when, office_w, r->office, kind_w, r->kind);
	plain(out, r->detail);
	strbuf_putc(out, '\n');
}

static void log_row_json(struct strbuf *out, const struct store_audit_row *r, const char *when,
			 bool first)
{
	strbuf_printf(out, "%s{\"id\":%lld,\"at\":", first ? "\n" : ",\n", r->id);
	json_string(out, when);
	strbuf_printf(out, ",\"unix\":%lld,\"office\":", r->at);
	json_string(out, r->office);
	strbuf_puts(out, ",\"kind\":");
	json_string(out, r->kind);
	strbuf_puts(out, ",\"detail\":");
	json_string(out, r->detail);
	strbuf_putc(out, '}');
}

static int log_write(const char *tz, const struct store_audit_row *rows, size_t n, enum format fmt,
		     struct strbuf *out, struct pz_error *err)
{
	int office_w = 0, kind_w = 0;
	for (size_t i = 0; i < n; i++) {
		int o = (int)strlen(rows[i].office), k = (int)strlen(rows[i].kind);
		office_w = o > office_w ? o : office_w;
		kind_w = k > kind_w ? k : kind_w;
	}
	if (fmt == FORMAT_JSON)
		strbuf_putc(out, '[');
	for (size_t i = 0; i < n; i++) {
		char when[64];
		if (local_iso(tz, rows[i].at, when, err) < 0)
			return -1;
		if (fmt == FORMAT_JSON)
			log_row_json(out, &rows[i], when, i == 0);
		else
			log_row_text(out, &rows[i], when, office_w, kind_w);
	}
	if (fmt == FORMAT_JSON)
		strbuf_puts(out, n ? "\n]\n" : "]\n");
	return 0;
}

static int log_print(const struct config *cfg, const struct log_opts *opt, time_t since)
{
	struct pz_error err = {0};
	struct store *st = NULL;
	struct store_audit_row *rows = NULL;
	size_t n = 0;
	struct strbuf out;
	strbuf_init(&out);
	int rc = cli_open_store(cfg, &st, &err) < 0 ||
				 store_audit_list(st, opt->office, since, &rows, &n, &err) < 0 ||
				 log_write(cfg->timezone, rows, n, opt->fmt, &out, &err) < 0
			 ? CLI_FAIL
			 : CLI_OK;
	if (rc == CLI_OK)
		fwrite(out.data, 1, out.len, stdout);
	else
		fprintf(stderr, "plazo log: %s\n", err.msg);
	strbuf_finish(&out);
	free(rows);
	store_close(st);
	return rc;
}

int cli_cmd_log(const struct cli_globals *g, int argc, char **argv)
{
	struct log_opts opt = {NULL, NULL, FORMAT_TEXT};
	int rc = log_parse(argc, argv, &opt);
	if (rc != CLI_OK)
		return rc < 0 ? CLI_OK : rc;
	struct config cfg;
	struct diag_list diags;
	struct pz_error err = {0};
	time_t since = (time_t)INT64_MIN; /* everything */
	config_init(&cfg);
	diag_list_init(&diags);
	if (config_load(&cfg, g->config_path, &diags, &err) < 0) {
		fprintf(stderr, "plazo log: %s\n", err.msg);
		rc = CLI_FAIL;
	} else if (opt.office && config_find_office(&cfg, opt.office) < 0) {
		rc = cli_usage_error("log", "no [office %s] in %s", opt.office, cfg.path);
	} else if (opt.since && calendar_parse_instant(opt.since, cfg.timezone, &since, &err)) {
		rc = cli_usage_error("log", "--since: %s", err.msg);
	}
	if (rc == CLI_OK) {
		cli_print_diag_summary("log", &diags);
		rc = log_print(&cfg, &opt, since);
	}
	config_finish(&cfg);
	diag_list_finish(&diags);
	return rc;
}
