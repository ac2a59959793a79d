#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli_internal.h"
#include "replan.h"
#include "store.h"
#include "xalloc.h"
#include "strbuf.h"

int cli_usage_error(const char *cmd, const char *fmt,
								...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "plazo %s: ", cmd);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\nTry 'plazo %s --help'.\n", cmd);
	va_end(ap);
	return CLI_USAGE;
}

bool cli_parse_format(const char *s, enum format *out)
{
	if (strcmp(s, "text") == 0)
		*out = FORMAT_TEXT;
	else if (strcmp(s, "json") == 0)
		*out = FORMAT_JSON;
	else
		return false;
	return true;
}

int cli_format_options(const char *cmd, const char *help, int argc, char **argv,
		       enum format *fmt)
{
	static const struct option longopts[] = {
		{"format", required_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;
	*fmt = FORMAT_TEXT;
	optind = 0;
	while ((c = getopt_long(argc, argv, "+f:h", longopts, NULL)) != -1) {
		if (c == 'f' && !cli_parse_format(optarg, fmt))
			return cli_usage_error(cmd, "unknown format '%s'", optarg);
		else if (c == 'h')
			return fputs(help, stdout), CLI_OK;
		else if (c == '?')
			return CLI_USAGE; /* getopt printed why */
	}
	return -1;
}

void cli_loaded_finish(struct loaded *l)
{
	plan_finish(&l->plan);
	config_finish(&l->cfg);
	diag_list_finish(&l->diags);
}

/* Loads config and plan; the plan comes from plans or the config. Returns CLI_OK when
 * both could be read (their diagnostics may still hold errors). */
int cli_load_plans(const struct cli_globals *g, const char *cmd, const char *const *plans, size_t n,
		   struct loaded *l)
{
	struct pz_error err = {0};
	config_init(&l->cfg);
	plan_init(&l->plan);
	diag_list_init(&l->diags);
	if (config_load(&l->cfg, g->config_path, &l->diags, &err) < 0) {
		fprintf(stderr, "plazo %s: %s\n", cmd, err.msg);
		if (!g->config_given)
			fprintf(stderr, "plazo %s: use -c FILE to name the configuration\n", cmd);
		return CLI_FAIL;
	}
	if (n == 0) {
		plans = (const char *const *)l->cfg.plan_files.items;
		n = l->cfg.plan_files.len;
	}
	l->plan_path = n > 0 ? plans[0] : NULL;
	l->n_plan_paths = n;
	if (l->plan_path == NULL)
		return cli_usage_error(cmd, "no plan: give PLAN or set [plan] file in %s",
				       g->config_path);
	if (plan_load_files(&l->plan, plans, n, &l->cfg, &l->diags, &err) < 0) {
		fprintf(stderr, "plazo %s: %s\n", cmd, err.msg);
		return CLI_FAIL;
	}
	diag_sort(&l->diags);
	return CLI_OK;
}

int cli_load(const struct cli_globals *g, const char *cmd, const char *plan_arg, struct loaded *l)
{
	return cli_load_plans(g, cmd, plan_arg ? &plan_arg : NULL, plan_arg ? 1 : 0, l);
}

enum { PRINT_CHUNK = 1 << 16 };

void cli_print_diags(FILE *out, const struct diag_list *diags)
{
	struct strbuf s;
	strbuf_init(&s);
	for (size_t i = 0; i < diags->len; i++) {
		diag_format(&s, &diags->items[i]);
		if (s.len >= PRINT_CHUNK || i + 1 == diags->len) {
			fputs(s.data, out); /* in pieces: a 1M-row plan has 30 MB of them */
			strbuf_reset(&s);
		}
	}
	strbuf_finish(&s);
}

void cli_print_diag_summary(const char *cmd, const struct diag_list *diags)
{
	struct strbuf s;
	strbuf_init(&s);
	for (size_t i = 0; i < diags->len; i++)
		if (diags->items[i].severity == DIAG_ERROR)
			diag_format(&s, &diags->items[i]);
	fputs(s.data, stderr);
	strbuf_finish(&s);
	size_t w = diag_count(diags, DIAG_WARNING);
	if (w > 0)
		fprintf(stderr, "plazo %s: %zu warning%s about the plan; 'plazo check' lists them\n",
			cmd, w, w == 1 ? "" : "s");
}

/* Creates the state directory (and its parents) when missing, then opens the store. */
int cli_open_store(const struct config *cfg, struct store **st, struct pz_error *err)
{
	char *dir = xstrdup(cfg->state_dir);
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(dir, 0750);
		*p = '/';
	}
	if (mkdir(dir, 0750) < 0 && errno != EEXIST) {
		PZ_FAIL(err, PZ_EIO, dir, "create state directory %s: %s", dir, strerror(errno));
		free(dir);
		return -1;
	}
	char *path = xasprintf("%s/plazo.db", dir);
	int rc = store_open(st, path, err);
	free(path);
	free(dir);
	return rc;
}

int cli_open_state(struct loaded *l, struct store **st, bool write, struct pz_error *err)
{
	if (cli_open_store(&l->cfg, st, err) < 0)
		return -1;
	return replan_keep_keys(&l->plan, *st, write, NULL, err);
}

struct command {
	const char *name;
	int (*run)(const struct cli_globals *g, int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{"check", cli_cmd_check, "validate the configuration and the plan"},
	{"schedule", cli_cmd_schedule, "print the normalized plan"},
	{"init", cli_cmd_init, "print a starter configuration for a plan"},
	{"holidays", cli_cmd_holidays, "list the public holidays of a year"},
	{"upcoming", cli_cmd_upcoming, "what each office has overdue and coming up"},
	{"send", cli_cmd_send, "send the reminders that are due, then exit"},
	{"status", cli_cmd_status, "counts of pending, sent and failed reminders"},
	{"retry", cli_cmd_retry, "send failed (and held) reminders again once fixed"},
	{"run", cli_cmd_run, "run the service: HTTP feeds and pages, reminders on time"},
	{"feed", cli_cmd_feed, "print an office's iCalendar feed"},
	{"token", cli_cmd_token, "list or rotate the offices' private feed URLs"},
	{"report", cli_cmd_report, "compliance report: deliveries on time, late, overdue"},
	{"log", cli_cmd_log, "print the audit trail"},
	{"state", cli_cmd_state, "restore the state database from its backup"},
};

void cli_usage(bool to_stderr)
{
	FILE *out = to_stderr ? stderr : stdout;
	fputs("Usage: plazo [-c CONFIG] [-v] [-q] COMMAND [ARGS]\n"
	      "Deadline reminders by e-mail and calendar feeds for the offices of a plan.\n\n"
	      "Commands:\n",
	      out);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fputs("\nOptions:\n"
	      "  -c, --config FILE  configuration (default /etc/plazo/plazo.ini)\n"
	      "  -v, --verbose      more log output (repeat for debug)\n"
	      "  -q, --quiet        errors only\n"
	      "  -h, --help         this help; 'plazo COMMAND --help' for a command\n"
	      "  -V, --version      print the version\n",
	      out);
}

int cli_dispatch(const struct cli_globals *g, int argc, char **argv)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[0], commands[i].name) == 0)
			return commands[i].run(g, argc, argv);
	fprintf(stderr, "plazo: unknown command '%s'\n", argv[0]);
	cli_usage(true);
	return CLI_USAGE;
}
