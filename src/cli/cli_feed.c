/* cli_feed.c - the feed commands: feed, token. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "calendar.h"
#include "cli_internal.h"
#include "feed.h"
#include "link.h"
#include "site.h"
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
	    (cli_open_state(&l, &st, true, &err) < 0 ||
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
	"       plazo [-c CONFIG] token rotate OFFICE [--feed|--page]\n"
	"       plazo [-c CONFIG] token rotate --all-feed\n"
	"list: each office's private URLs (its feed over https and webcal, under its feed token,\n"
	"and its page, under its page token), and the administrators' all-offices feed. Tokens\n"
	"are created on first use.\n"
	"rotate: give OFFICE a new feed token (--feed: calendar subscriptions must be renewed), a\n"
	"new page token (--page: the next digest carries the new page link), or both (neither\n"
	"option); --all-feed: the all-offices feed. The old URLs stop working at once: a running\n"
	"daemon is told (no reload needed).\n";

static void print_urls(const struct config *cfg, const char *id, const char *feed,
		       const char *page)
{
	printf("%s\n", id);
	if (feed != NULL) {
		char *https = link_feed(cfg, feed, false), *webcal = link_feed(cfg, feed, true);
		printf("  feed:   %s\n  webcal: %s\n", https, webcal);
		free(https);
		free(webcal);
	}
	if (page != NULL) {
		char *p = link_page(cfg, page);
		printf("  page:   %s\n", p);
		free(p);
	}
}

static int token_list(const struct config *cfg, struct store *st, time_t now,
		      struct pz_error *err)
{
	char feed[33], page[33];
	for (size_t o = 0; o < cfg->n_offices; o++) {
		const char *id = cfg->offices[o].id;
		if (site_token(st, id, now, feed, err) < 0 ||
		    site_page_token(st, id, now, page, err) < 0)
			return -1;
		print_urls(cfg, id, feed, page);
	}
	if (site_token(st, SITE_ALL, now, feed, err) < 0)
		return -1;
	print_urls(cfg, "all offices (administrators)", feed, NULL);
	return 0;
}

/* What `token rotate` replaces. */
struct rotation {
	const char *id; /* an office id, or SITE_ALL */
	bool feed, page;
};

static bool parse_rotation(int argc, char **argv, struct rotation *r)
{
	*r = (struct rotation){NULL, true, true};
	if (argc == 3 && strcmp(argv[2], "--all-feed") == 0) {
		*r = (struct rotation){SITE_ALL, true, false};
		return true;
	}
	if (argc < 3 || argc > 4 || argv[2][0] == '-')
		return false;
	r->id = argv[2];
	if (argc == 4) {
		r->feed = strcmp(argv[3], "--feed") == 0;
		r->page = strcmp(argv[3], "--page") == 0;
	}
	return r->feed || r->page;
}

static int rotate(const struct config *cfg, struct store *st, const struct rotation *r,
		  time_t now, struct pz_error *err)
{
	char feed[33], page[33];
	if (r->feed && (site_rotate_token(st, r->id, now, feed, err) < 0 ||
			store_audit(st, now, r->id, "token-rotated",
				    "the previous feed URL was revoked", err) < 0))
		return -1;
	if (r->page && (site_rotate_page_token(st, r->id, now, page, err) < 0 ||
			store_audit(st, now, r->id, "token-rotated",
				    "the previous page URL was revoked", err) < 0))
		return -1;
	print_urls(cfg, r->id, r->feed ? feed : NULL, r->page ? page : NULL);
	return 0;
}

int cli_cmd_token(const struct cli_globals *g, int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		return fputs(token_help, argc < 2 ? stderr : stdout), argc < 2 ? CLI_USAGE : CLI_OK;
	bool list = strcmp(argv[1], "list") == 0;
	struct rotation r = {NULL, false, false};
	bool rotating = !list && strcmp(argv[1], "rotate") == 0;
	if (!(list && argc == 2) && !(rotating && parse_rotation(argc, argv, &r)))
		return cli_usage_error("token", "expected 'list' or 'rotate OFFICE [--feed|--page]'");
	struct config cfg;
	struct diag_list diags;
	struct pz_error err = {0};
	struct store *st = NULL;
	config_init(&cfg);
	diag_list_init(&diags);
	time_t now = time(NULL); /* the edge */
	int rc = CLI_OK;
	if (config_load(&cfg, g->config_path, &diags, &err) < 0 ||
	    cli_open_store(&cfg, &st, &err) < 0) {
		fprintf(stderr, "plazo token: %s\n", err.msg);
		rc = CLI_FAIL;
	} else if (!list && strcmp(r.id, SITE_ALL) != 0 && config_find_office(&cfg, r.id) < 0) {
		rc = cli_usage_error("token", "no [office %s] in %s", r.id, cfg.path);
	} else if (list ? token_list(&cfg, st, now, &err) < 0 : rotate(&cfg, st, &r, now, &err) < 0) {
		fprintf(stderr, "plazo token: %s\n", err.msg);
		rc = CLI_FAIL;
	}
	cli_close_store(st, "token");
	if (rotating && rc == CLI_OK)
		cli_poke_daemon(cfg.state_dir, "token");
	config_finish(&cfg);
	diag_list_finish(&diags);
	return rc;
}
