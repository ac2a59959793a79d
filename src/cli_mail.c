/* cli_mail.c - the mail commands: send, status. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "calendar.h"
#include "cli_internal.h"
#include "send.h"
#include "store.h"
#include "strbuf.h"
#include "xalloc.h"


static const char send_help[] =
	"Usage: plazo [-c CONFIG] send [--at TIME] [--dry-run] [PLAN]\n"
	"Send what is due once, then exit: the reminders whose time came since the last run\n"
	"(late ones included), one digest per office, and the retries that are due.\n"
	"  --at TIME    the instant to act for, ISO 8601 (default: now)\n"
	"  --dry-run    print the digests instead of sending them; record nothing\n"
	"Exit status: 0 sent (or nothing to send), 1 a delivery failed or the state is\n"
	"unusable (deferred deliveries are not failures), 2 usage error.\n";

int cli_cmd_send(const struct cli_globals *g, int argc, char **argv)
{
	static const struct option longopts[] = {
		{"at", required_argument, NULL, 'a'},
		{"dry-run", no_argument, NULL, 'n'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *at_arg = NULL;
	bool dry = false;
	int c;
	optind = 0;
	while ((c = getopt_long(argc, argv, "+a:nh", longopts, NULL)) != -1) {
		if (c == 'a')
			at_arg = optarg;
		else if (c == 'n')
			dry = true;
		else if (c == 'h')
			return fputs(send_help, stdout), CLI_OK;
		else
			return CLI_USAGE;
	}
	if (argc - optind > 1)
		return cli_usage_error("send", "too many arguments: '%s'", argv[optind + 1]);
	struct loaded l;
	struct pz_error err = {0};
	struct store *st = NULL;
	time_t at = time(NULL); /* the edge: everything below takes the instant */
	int rc = cli_load(g, "send", optind < argc ? argv[optind] : NULL, &l);
	if (rc == CLI_OK && at_arg && calendar_parse_instant(at_arg, l.cfg.timezone, &at, &err))
		rc = cli_usage_error("send", "--at: %s", err.msg);
	if (rc == CLI_OK && diag_count(&l.diags, DIAG_ERROR) > 0) {
		cli_print_diags(stderr, &l.diags);
		fprintf(stderr, "plazo send: the configuration or plan has errors; nothing sent\n");
		rc = CLI_FAIL;
	}
	int lock = -1;
	if (rc == CLI_OK && (cli_open_store(&l.cfg, &st, &err) < 0 ||
			     (!dry && store_lock_sender(l.cfg.state_dir, &lock, &err) < 0))) {
		fprintf(stderr, "plazo send: %s\n", err.msg);
		rc = CLI_FAIL;
	}
	if (rc == CLI_OK) {
		struct send_report rep = {.event = send_log_event};
		struct strbuf out;
		strbuf_init(&out);
		if (send_run(&l.plan, &l.cfg, st, at, dry, &out, &rep, &err) < 0) {
			fprintf(stderr, "plazo send: %s\n", err.msg);
			rc = CLI_FAIL;
		}
		fwrite(out.data, 1, out.len, stdout);
		strbuf_finish(&out);
		if (!dry)
			printf("plazo send: %zu new reminder%s; %zu digest%s sent (%zu reminders), "
			       "%zu deferred, %zu failed\n",
			       rep.enqueued, rep.enqueued == 1 ? "" : "s", rep.digests,
			       rep.digests == 1 ? "" : "s", rep.reminders, rep.retrying, rep.failed);
		if (rep.failed > 0)
			rc = CLI_FAIL;
	}
	if (lock >= 0)
		close(lock);
	cli_close_store(st, "send");
	cli_loaded_finish(&l);
	return rc;
}

static const char status_help[] =
	"Usage: plazo [-c CONFIG] status\n"
	"Show the reminder ledger: how many reminders are pending, sent and failed, when the\n"
	"last send pass ran, and the latest failures with the server's reply.\n";

static void print_status(struct store *st, const struct store_counts *n)
{
	bool has;
	time_t cursor;
	struct pz_error err;
	printf("reminders: %ld pending, %ld sent, %ld failed, %ld superseded, %ld obsolete\n",
	       n->pending, n->sent, n->failed, n->superseded, n->obsolete);
	if (store_cursor(st, &has, &cursor, &err) == 0 && has) {
		char buf[32];
		struct tm tm;
		strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&cursor, &tm));
		printf("last pass: %s\n", buf);
	}
	struct store_reminder *f;
	size_t nf;
	if (store_failures(st, 10, &f, &nf, &err) < 0)
		return;
	if (nf > 0)
		printf("latest failures:\n");
	for (size_t i = 0; i < nf; i++)
		printf("  office=%s activity=%s due=%s stage=%s: %s\n", f[i].office, f[i].activity,
		       f[i].due, f[i].stage, f[i].last_error);
	free(f);
}

int cli_cmd_status(const struct cli_globals *g, int argc, char **argv)
{
	static const struct option longopts[] = {
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;
	optind = 0;
	while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1)
		return c == 'h' ? (fputs(status_help, stdout), CLI_OK) : CLI_USAGE;
	if (argc > optind)
		return cli_usage_error("status", "unexpected argument '%s'", argv[optind]);
	struct config cfg;
	struct diag_list diags;
	struct pz_error err = {0};
	struct store *st = NULL;
	struct store_counts n;
	config_init(&cfg);
	diag_list_init(&diags);
	int rc = config_load(&cfg, g->config_path, &diags, &err) < 0 ||
				 cli_open_store(&cfg, &st, &err) < 0 || store_counts(st, &n, &err) < 0
			 ? CLI_FAIL
			 : CLI_OK;
	if (rc == CLI_OK) {
		print_status(st, &n);
		cli_print_backup(store_path(st), time(NULL)); /* the edge */
	}
	else
		fprintf(stderr, "plazo status: %s\n", err.msg);
	store_close(st);
	config_finish(&cfg);
	diag_list_finish(&diags);
	return rc;
}
