/* cli_mail.c - the mail commands: send, status, retry. */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "calendar.h"
#include "cli_internal.h"
#include "replan.h"
#include "send.h"
#include "store.h"
#include "strbuf.h"
#include "unread.h"
#include "xalloc.h"


static const char send_help[] =
	"Usage: plazo [-c CONFIG] send [--at TIME] [--dry-run] [PLAN]\n"
	"Send what is due once, then exit: the reminders whose time came since the last run\n"
	"(late ones included), one digest per office, and the retries that are due.\n"
	"  --at TIME    the instant to act for, ISO 8601 (default: now)\n"
	"  --dry-run    print the digests instead of sending them; record nothing\n"
	"Rows of the plan that cannot be read are reported and left out; the rest is sent.\n"
	"Exit status: 0 sent (or nothing to send), 1 a delivery or a recipient failed, the queue\n"
	"is held, the state is unusable, or the plan or configuration leaves nothing to send\n"
	"(deferred deliveries are not failures), 2 usage error.\n";

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
	if (rc == CLI_OK && unread_blocking(&l.diags) > 0) {
		cli_print_diags(stderr, &l.diags);
		fprintf(stderr, "plazo send: the configuration or plan leaves nothing to send; "
				"nothing sent\n");
		rc = CLI_FAIL;
	}
	struct unread *unread = xmalloc(sizeof(*unread));
	unread_collect(unread, &l.diags);
	if (rc == CLI_OK && unread->errors > 0) {
		cli_print_diag_summary("send", &l.diags);
		fprintf(stderr, "plazo send: %zu plan row%s not read; the rest is sent\n",
			unread->rows, unread->rows == 1 ? "" : "s");
	}
	int lock = -1;
	if (rc == CLI_OK && (cli_open_state(&l, &st, !dry, &err) < 0 ||
			     (!dry && store_lock_sender(l.cfg.state_dir, &lock, &err) < 0))) {
		fprintf(stderr, "plazo send: %s\n", err.msg);
		rc = CLI_FAIL;
	}
	if (rc == CLI_OK && !dry && unread_save(st, unread, &err) < 0)
		fprintf(stderr, "plazo send: warning: %s\n", err.msg); /* status only */
	if (rc == CLI_OK) {
		struct send_report rep = {.event = send_log_event, .unread = unread};
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
		if (!dry && rep.held > 0)
			fprintf(stderr, "plazo send: the queue is held: fix the cause, then run "
					"'plazo retry' ('plazo status' says why)\n");
		if (rep.failed > 0 || rep.rcpt_failed > 0 || (!dry && rep.held > 0))
			rc = CLI_FAIL;
	}
	if (lock >= 0)
		close(lock);
	free(unread);
	cli_close_store(st, "send");
	cli_loaded_finish(&l);
	return rc;
}

static const char status_help[] =
	"Usage: plazo [-c CONFIG] status\n"
	"Show the reminder ledger: whether the queue is held (and why), how many reminders are\n"
	"pending, sent and failed, when the last send pass ran, the plan rows the service last\n"
	"loaded without (could not read), the latest failures with the server's reply, and the\n"
	"recipients that refused a digest for good.\n";

static void format_utc(time_t t, char buf[static 32])
{
	struct tm tm;
	strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
}

/* A held queue comes first and loud: nothing goes out until the operator acts. */
static void print_hold(struct store *st, const struct store_counts *n)
{
	struct store_hold h;
	struct pz_error err;
	if (store_hold(st, &h, &err) < 0 || !h.held)
		return;
	char since[32], until[32];
	format_utc((time_t)h.since, since);
	format_utc((time_t)h.until, until);
	printf("QUEUE HELD since %s: %s\n"
	       "  %ld pending reminders wait; fix the cause, then run 'plazo retry' (or reload the\n"
	       "  service); otherwise it is tried again at %s\n",
	       since, h.reason, n->pending, until);
}

static void print_failures(struct store *st)
{
	struct pz_error err;
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
	struct store_rcpt *r;
	if (store_rcpt_failures(st, 10, &r, &nf, &err) < 0)
		return;
	if (nf > 0)
		printf("recipients refused for good (latest):\n");
	for (size_t i = 0; i < nf; i++) {
		char at[32];
		format_utc((time_t)r[i].at, at);
		printf("  %s office=%s rcpt=%s message_id=%s: %s\n", at, r[i].office, r[i].address,
		       r[i].message_id, r[i].reply);
	}
	free(r);
}

/* What the daemon last loaded: the plan's rows it serves without (unread.h). */
static void print_unread(struct store *st)
{
	struct unread *u = xmalloc(sizeof(*u));
	struct pz_error err;
	bool found;
	if (unread_load(st, u, &found, &err) == 0 && found && u->errors > 0) {
		printf("plan rows not read: %zu (%zu error%s; served without them, 'plazo check' "
		       "lists them)\n",
		       u->rows, u->errors, u->errors == 1 ? "" : "s");
		for (size_t i = 0; i < u->n; i++)
			printf("  %s: error[%s]: %s\n", u->row[i].where, u->row[i].code,
			       u->row[i].message);
		if (u->errors > u->n)
			printf("  ... and %zu more\n", u->errors - u->n);
	}
	free(u);
}

/* Marks whose milestone the plan the daemon loaded last no longer has: kept, listed. */
static void print_orphans(struct store *st)
{
	struct store_delivery *d;
	size_t n;
	struct pz_error err = {0};
	if (replan_orphans(st, &d, &n, &err) < 0) {
		fprintf(stderr, "plazo status: %s\n", err.msg);
		return;
	}
	if (n > 0)
		printf("marks orphaned: %zu (kept in the state; the plan no longer has their "
		       "milestone)\n", n);
	for (size_t i = 0; i < n && i < 20; i++)
		printf("  office=%s activity=%s milestone=%d due=%s by=\"%s\"\n", d[i].office,
		       d[i].activity, d[i].milestone, d[i].due, d[i].by_name);
	free(d);
}

static void print_status(struct store *st, const struct store_counts *n)
{
	bool has;
	time_t cursor;
	struct pz_error err;
	print_hold(st, n);
	printf("reminders: %ld pending, %ld sent, %ld failed, %ld superseded, %ld obsolete\n",
	       n->pending, n->sent, n->failed, n->superseded, n->obsolete);
	if (store_cursor(st, &has, &cursor, &err) == 0 && has) {
		char buf[32];
		format_utc(cursor, buf);
		printf("last pass: %s\n", buf);
	}
	print_unread(st);
	print_failures(st);
	print_orphans(st);
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

static const char retry_help[] =
	"Usage: plazo [-c CONFIG] retry [--office ID] [--since TIME] [--at TIME]\n"
	"Once the cause of failures is fixed: put the failed reminders back to pending (and\n"
	"the recipients that refused a digest others got), and release a held queue. They go\n"
	"at the next pass, under the Message-ID they were first sent with; the stages of one\n"
	"milestone whose moment has passed go out as one, the latest, marked late.\n"
	"  --office ID   only that office's reminders\n"
	"  --since TIME  only those that failed at or after TIME, ISO 8601 (2023-03-01 or\n"
	"                2023-03-01T08:00, in [plazo] timezone)\n"
	"  --at TIME     the instant to act for (default: now)\n"
	"Exit status: 0 done, 1 the configuration or state could not be read, 2 usage error.\n";

struct retry_opts {
	const char *office, *since, *at;
};

static int retry_parse(int argc, char **argv, struct retry_opts *o)
{
	static const struct option longopts[] = {
		{"office", required_argument, NULL, 'o'}, {"since", required_argument, NULL, 's'},
		{"at", required_argument, NULL, 'a'},     {"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;
	optind = 0;
	while ((c = getopt_long(argc, argv, "+o:s:a:h", longopts, NULL)) != -1) {
		if (c == 'o')
			o->office = optarg;
		else if (c == 's')
			o->since = optarg;
		else if (c == 'a')
			o->at = optarg;
		else
			return c == 'h' ? (fputs(retry_help, stdout), -1) : CLI_USAGE;
	}
	if (argc > optind)
		return cli_usage_error("retry", "unexpected argument '%s'", argv[optind]);
	return CLI_OK;
}

static int retry_run(const struct config *cfg, const struct retry_opts *o, time_t since,
		     time_t at)
{
	struct pz_error err = {0};
	struct store *st = NULL;
	size_t released = 0;
	bool held = false;
	int rc = cli_open_store(cfg, &st, &err) < 0 ||
				 send_retry(st, o->office, since, at, &released, &held, &err) < 0
			 ? CLI_FAIL
			 : CLI_OK;
	if (rc == CLI_OK)
		printf("plazo retry: %zu reminder%s back to pending%s\n", released,
		       released == 1 ? "" : "s", held ? "; the held queue is released" : "");
	else
		fprintf(stderr, "plazo retry: %s\n", err.msg);
	cli_close_store(st, "retry");
	if (rc == CLI_OK && (released > 0 || held))
		cli_poke_daemon(cfg->state_dir, "retry"); /* a running daemon sends them now */
	return rc;
}

int cli_cmd_retry(const struct cli_globals *g, int argc, char **argv)
{
	struct retry_opts o = {NULL, NULL, NULL};
	int rc = retry_parse(argc, argv, &o);
	if (rc != CLI_OK)
		return rc < 0 ? CLI_OK : rc;
	struct config cfg;
	struct diag_list diags;
	struct pz_error err = {0};
	time_t since = (time_t)INT64_MIN, at = time(NULL); /* the edge reads the clock */
	config_init(&cfg);
	diag_list_init(&diags);
	if (config_load(&cfg, g->config_path, &diags, &err) < 0) {
		fprintf(stderr, "plazo retry: %s\n", err.msg);
		rc = CLI_FAIL;
	} else if (o.office && config_find_office(&cfg, o.office) < 0) {
		rc = cli_usage_error("retry", "no [office %s] in %s", o.office, cfg.path);
	} else if (o.since && calendar_parse_instant(o.since, cfg.timezone, &since, &err)) {
		rc = cli_usage_error("retry", "--since: %s", err.msg);
	} else if (o.at && calendar_parse_instant(o.at, cfg.timezone, &at, &err)) {
		rc = cli_usage_error("retry", "--at: %s", err.msg);
	}
	if (rc == CLI_OK)
		rc = retry_run(&cfg, &o, since, at);
	config_finish(&cfg);
	diag_list_finish(&diags);
	return rc;
}
