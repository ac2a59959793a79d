/* cli_feed.c - the feed commands: feed, token. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "calendar.h"
#include "cli_internal.h"
#include "feed.h"
#include "ics.h"
#include "store.h"
#include "strbuf.h"

static const char feed_help[] =
	"Usage: plazo [-c CONFIG] feed [--at TIME] OFFICE|--all\n"
	"Print the iCalendar feed of OFFICE (an office id), or of every office with --all, as\n"
	"the HTTP server serves it. SEQUENCE and LAST-MODIFIED come from the state database.\n"
	"  --at TIME    the instant (ISO 8601) that stamps changed events and bounds the\n"
	"               window of past milestones; default: now\n";

int cli_cmd_feed(const struct cli_globals *g, int argc, char **argv)
{
	static const struct option longopts[] = {
		{"at", required_argument, NULL, 'a'},
		{"all", no_argument, NULL, 'A'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *at_arg = NULL;
	bool all = false;
	int c;
	optind = 0;
	while ((c = getopt_long(argc, argv, "+a:h", longopts, NULL)) != -1) {
		if (c == 'a')
			at_arg = optarg;
		else if (c == 'A')
			all = true;
		else if (c == 'h')
			return fputs(feed_help, stdout), CLI_OK;
		else
			return CLI_USAGE;
	}
	if (argc - optind != (all ? 0 : 1))
		return cli_usage_error("feed", "expected one OFFICE, or --all");
	struct loaded l;
	struct pz_error err = {0};
	struct store *st = NULL;
	time_t at = time(NULL); /* the edge */
	long office = -1;
	int rc = cli_load(g, "feed", NULL, &l);
	if (rc == CLI_OK && !all && (office = config_find_office(&l.cfg, argv[optind])) < 0)
		rc = cli_usage_error("feed", "no [office %s] in %s", argv[optind], l.cfg.path);
	if (rc == CLI_OK && at_arg && calendar_parse_instant(at_arg, l.cfg.timezone, &at, &err))
		rc = cli_usage_error("feed", "--at: %s", err.msg);
	struct strbuf out;
	strbuf_init(&out);
	time_t modified;
	if (rc == CLI_OK &&
	    (cli_open_store(&l.cfg, &st, &err) < 0 ||
	     feed_render(&l.plan, &l.cfg, st, all ? ICS_ALL_OFFICES : (size_t)office, at, &out,
			 &modified, &err) < 0)) {
		fprintf(stderr, "plazo feed: %s\n", err.msg);
		rc = CLI_FAIL;
	}
	if (rc == CLI_OK) {
		cli_print_diag_summary("feed", &l.diags);
		fwrite(out.data, 1, out.len, stdout);
	}
	strbuf_finish(&out);
	cli_close_store(st, "feed");
	cli_loaded_finish(&l);
	return rc;
}

static const char token_help[] =
	"Usage: plazo [-c CONFIG] token list\n"
	"       plazo [-c CONFIG] token rotate OFFICE|--all-feed\n"
	"list: each office's private URLs (feed over https and webcal, and its page), and the\n"
	"administrators' all-offices feed. Tokens are created on first use.\n"
	"rotate: give OFFICE (or the all-offices feed) a new token; the old URLs stop working\n"
	"at once: a running daemon is told (no reload needed).\n";

static void print_urls(const struct config *cfg, const char *id, const char *token, bool page)
{
	char *https = feed_url(cfg, token, false), *webcal = feed_url(cfg, token, true);
	printf("%s\n  feed:   %s\n  webcal: %s\n", id, https, webcal);
	if (page) {
		char *p = feed_page_url(cfg, token);
		printf("  page:   %s\n", p);
		free(p);
	}
	free(https);
	free(webcal);
}

static int token_list(const struct config *cfg, struct store *st, time_t now,
		      struct pz_error *err)
{
	char token[33];
	for (size_t o = 0; o < cfg->n_offices; o++) {
		if (feed_token(st, cfg->offices[o].id, now, token, err) < 0)
			return -1;
		print_urls(cfg, cfg->offices[o].id, token, true);
	}
	if (feed_token(st, FEED_ALL, now, token, err) < 0)
		return -1;
	print_urls(cfg, "all offices (administrators)", token, false);
	return 0;
}

int cli_cmd_token(const struct cli_globals *g, int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		return fputs(token_help, argc < 2 ? stderr : stdout), argc < 2 ? CLI_USAGE : CLI_OK;
	bool list = strcmp(argv[1], "list") == 0, rotate = strcmp(argv[1], "rotate") == 0;
	if (!(list && argc == 2) && !(rotate && argc == 3))
		return cli_usage_error("token", "expected 'list' or 'rotate OFFICE'");
	struct config cfg;
	struct diag_list diags;
	struct pz_error err = {0};
	struct store *st = NULL;
	config_init(&cfg);
	diag_list_init(&diags);
	time_t now = time(NULL); /* the edge */
	int rc = CLI_OK;
	bool all_feed = rotate && strcmp(argv[2], "--all-feed") == 0;
	const char *id = all_feed ? FEED_ALL : argv[argc - 1];
	if (config_load(&cfg, g->config_path, &diags, &err) < 0 ||
	    cli_open_store(&cfg, &st, &err) < 0) {
		fprintf(stderr, "plazo token: %s\n", err.msg);
		rc = CLI_FAIL;
	} else if (rotate && !all_feed && config_find_office(&cfg, id) < 0) {
		rc = cli_usage_error("token", "no [office %s] in %s", id, cfg.path);
	} else if (list ? token_list(&cfg, st, now, &err) < 0 : 0) {
		fprintf(stderr, "plazo token: %s\n", err.msg);
		rc = CLI_FAIL;
	} else if (rotate) {
		char token[33];
		if (feed_rotate_token(st, id, now, token, &err) < 0 ||
		    store_audit(st, now, id, "token-rotated", "the previous URLs were revoked",
				&err) < 0) {
			fprintf(stderr, "plazo token: %s\n", err.msg);
			rc = CLI_FAIL;
		} else {
			print_urls(&cfg, id, token, !all_feed);
		}
	}
	cli_close_store(st, "token");
	if (rotate && rc == CLI_OK)
		cli_poke_daemon(cfg.state_dir, "token");
	config_finish(&cfg);
	diag_list_finish(&diags);
	return rc;
}
