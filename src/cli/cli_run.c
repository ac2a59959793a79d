/* cli_run.c - `plazo run`: the daemon's command line. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "calendar.h"
#include "cli_internal.h"
#include "daemon.h"

static const char run_help[] =
	"Usage: plazo [-c CONFIG] run [--at TIME] [--speed N]\n"
	"Run the service: serve the feeds and office pages over HTTP and send the reminders\n"
	"as their time comes. SIGHUP reloads the configuration and plan (kept as they were if\n"
	"the new ones have errors); SIGTERM or SIGINT stop it.\n"
	"  --at TIME    start the clock at TIME (ISO 8601, local to [plan] timezone) and let\n"
	"               it run from there, for demonstrations and tests\n"
	"  --speed N    with --at, run the clock N times faster than real time\n";

int cli_cmd_run(const struct cli_globals *g, int argc, char **argv)
{
	static const struct option longopts[] = {
		{"at", required_argument, NULL, 'a'},
		{"speed", required_argument, NULL, 's'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct daemon_options opt = {.config_path = g->config_path, .speed = 1};
	const char *at_arg = NULL;
	char *end;
	int c;
	optind = 0;
	while ((c = getopt_long(argc, argv, "+a:s:h", longopts, NULL)) != -1) {
		if (c == 'a') {
			at_arg = optarg;
		} else if (c == 's') {
			unsigned long n = strtoul(optarg, &end, 10);
			if (*end != '\0' || n < 1 || n > 10000000)
				return cli_usage_error("run", "'%s' is not a speed from 1", optarg);
			opt.speed = (unsigned)n;
		} else if (c == 'h') {
			return fputs(run_help, stdout), CLI_OK;
		} else {
			return CLI_USAGE;
		}
	}
	if (optind < argc)
		return cli_usage_error("run", "unexpected argument '%s'", argv[optind]);
	if (opt.speed > 1 && at_arg == NULL)
		return cli_usage_error("run", "--speed needs --at");
	if (at_arg) {
		/* the zone of --at is the config's; read it without loading the plan */
		struct config cfg;
		struct diag_list d;
		struct pz_error err = {0};
		config_init(&cfg);
		diag_list_init(&d);
		int rc = config_load(&cfg, g->config_path, &d, &err) < 0 ||
			 calendar_parse_instant(at_arg, cfg.timezone, &opt.at, &err) < 0;
		config_finish(&cfg);
		diag_list_finish(&d);
		if (rc)
			return cli_usage_error("run", "--at: %s", err.msg);
		opt.has_at = true;
	}
	return daemon_run(&opt);
}
