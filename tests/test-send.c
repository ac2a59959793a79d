/* test-send.c - send passes (send.h) on the seed plan with the shipped config, a fresh state
 * and a Maildir under a temporary folder, at fixed instants: what the 08:00 pass of
 * 2023-03-01 enqueues and sends (Control Interno's digest names #54 and #56, due that day),
 * that a second pass at the same or a later instant sends nothing again, that a dry run
 * records nothing, that a milestone marked delivered is left out, and that a pass asked to
 * stop leaves its rows pending for the next. */
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "config.h"
#include "plan.h"
#include "send.h"
#include "store.h"
#include "strbuf.h"
#include "test-seed.h"
#include "test.h"
#include "xalloc.h"

struct fixture {
	struct config cfg;
	struct plan plan;
	struct diag_list diags;
	struct store *st;
	char *dir; /* the temporary folder: plazo.db and maildir/ */
};

static bool setup(struct test_state *ts, struct fixture *f)
{
	memset(f, 0, sizeof(*f));
	bool ok = seed_open(&f->cfg, &f->plan, &f->diags, &f->st, "send", &f->dir);
	CHECK(ts, ok && f->cfg.mail.smtp_url == NULL); /* the shipped config: a Maildir */
	if (!ok)
		return false;
	free(f->cfg.mail.maildir);
	f->cfg.mail.maildir = xasprintf("%s/maildir", f->dir);
	f->cfg.policy.welcome = false; /* these passes are about reminders; welcome.sh tests welcomes */
	return true;
}

static void teardown(struct fixture *f)
{
	seed_close(&f->cfg, &f->plan, &f->diags, f->st);
	free(f->dir);
}

/* The messages in office's Maildir (new/), their text appended to out when out is not
 * NULL, quoted-printable soft line breaks removed. */
static size_t messages(const struct fixture *f, const char *office, struct strbuf *out)
{
	char *path = xasprintf("%s/%s/new", f->cfg.mail.maildir, office);
	DIR *d = opendir(path);
	size_t n = 0;
	for (struct dirent *e; d != NULL && (e = readdir(d)) != NULL;) {
		if (e->d_name[0] == '.')
			continue;
		n++;
		char *file = xasprintf("%s/%s", path, e->d_name);
		char *text = test_slurp(file, NULL);
		for (const char *p = text; out != NULL && p != NULL && *p; p++)
			if (strncmp(p, "=\r\n", 3) == 0)
				p += 2;
			else
				strbuf_putc(out, *p);
		free(text);
		free(file);
	}
	if (d != NULL)
		closedir(d);
	free(path);
	return n;
}

/* Messages in every office's Maildir. */
static size_t all_messages(const struct fixture *f)
{
	size_t n = 0;
	for (size_t i = 0; i < f->cfg.n_offices; i++)
		n += messages(f, f->cfg.offices[i].id, NULL);
	return n;
}

static int pass(struct fixture *f, const char *at, struct send_report *rep)
{
	struct pz_error err = {0};
	int rc = send_run(&f->plan, &f->cfg, f->st, seed_instant(at), false, NULL, rep, &err);
	if (rc < 0)
		fprintf(stderr, "send_run %s: %s\n", at, err.msg);
	return rc;
}

static void once(struct test_state *ts)
{
	struct fixture f;
	if (!setup(ts, &f))
		return;
	struct send_report rep = {0};
	CHECK_INT_EQ(ts, pass(&f, "2023-03-01T08:00", &rep), 0);
	/* 08:00 is the send time: the due-day reminders of #54 and #56, Control Interno's */
	CHECK_INT_EQ(ts, rep.enqueued, 2);
	CHECK_INT_EQ(ts, rep.digests, 1);
	CHECK_INT_EQ(ts, rep.reminders, 2);
	CHECK_INT_EQ(ts, rep.failed + rep.retrying + rep.held, 0);
	CHECK_INT_EQ(ts, all_messages(&f), rep.digests);
	struct strbuf text;
	strbuf_init(&text);
	CHECK_INT_EQ(ts, messages(&f, "control-interno", &text), 1);
	CHECK(ts,
	      text.data && strstr(text.data, "Actividad 54") && strstr(text.data, "Actividad 56"));
	CHECK(ts, text.data && strstr(text.data, "To: ") && strstr(text.data, "Message-ID: <"));
	strbuf_finish(&text);
	size_t sent = rep.digests;

	/* again at the same instant, and later the same morning: nothing twice */
	const char *again[] = {"2023-03-01T08:00", "2023-03-01T08:05", "2023-03-01T12:00"};
	for (size_t i = 0; i < sizeof(again) / sizeof(again[0]); i++) {
		struct send_report r2 = {0};
		CHECK_INT_EQ(ts, pass(&f, again[i], &r2), 0);
		CHECK_INT_EQ(ts, r2.enqueued, 0);
		CHECK_INT_EQ(ts, r2.digests, 0);
	}
	CHECK_INT_EQ(ts, all_messages(&f), sent);
	CHECK_INT_EQ(ts, messages(&f, "control-interno", NULL), 1);
	teardown(&f);
}

static void dry_run(struct test_state *ts)
{
	struct fixture f;
	if (!setup(ts, &f))
		return;
	struct send_report rep = {0};
	struct strbuf out;
	strbuf_init(&out);
	struct pz_error err = {0};
	CHECK_INT_EQ(ts,
		     send_run(&f.plan, &f.cfg, f.st, seed_instant("2023-03-01T08:00"), true, &out, &rep,
			      &err),
		     0);
	CHECK(ts, out.data && strstr(out.data, "Actividad 54") && strstr(out.data, "Actividad 56"));
	CHECK_INT_EQ(ts, rep.digests, 0); /* nothing delivered */
	CHECK_INT_EQ(ts, all_messages(&f), 0);
	strbuf_finish(&out);
	struct send_report real = {0};
	CHECK_INT_EQ(ts, pass(&f, "2023-03-01T08:00", &real), 0); /* the dry run kept nothing */
	CHECK_INT_EQ(ts, real.enqueued, 2);
	CHECK_INT_EQ(ts, real.digests, 1);
	CHECK_INT_EQ(ts, messages(&f, "control-interno", NULL), 1);
	teardown(&f);
}

static void delivered_left_out(struct test_state *ts)
{
	struct fixture f;
	if (!setup(ts, &f))
		return;
	struct store_delivery d = {.office = "control-interno",
				   .activity = "54",
				   .milestone = 1,
				   .due = "2023-03-01",
				   .by_name = "Ana"};
	d.at = seed_instant("2023-03-01T07:30");
	bool first;
	struct pz_error err = {0};
	CHECK_INT_EQ(ts, store_mark_delivered(f.st, &d, &first, &err), 0);
	struct send_report rep = {0};
	CHECK_INT_EQ(ts, pass(&f, "2023-03-01T08:00", &rep), 0);
	CHECK_INT_EQ(ts, rep.enqueued, 1); /* #54's reminder is recorded delivered */
	CHECK_INT_EQ(ts, rep.reminders, 1);
	struct strbuf text;
	strbuf_init(&text);
	CHECK_INT_EQ(ts, messages(&f, "control-interno", &text), 1);
	CHECK(ts, text.data && strstr(text.data, "Actividad 56") != NULL);
	CHECK(ts, text.data && strstr(text.data, "Actividad 54") == NULL);
	strbuf_finish(&text);
	teardown(&f);
}

static bool stop_now(void *user)
{
	(void)user;
	return true;
}

static void stopped(struct test_state *ts)
{
	struct fixture f;
	if (!setup(ts, &f))
		return;
	struct send_report rep = {.stop = stop_now};
	CHECK_INT_EQ(ts, pass(&f, "2023-03-01T08:00", &rep), 0);
	CHECK_INT_EQ(ts, rep.enqueued, 2);
	CHECK_INT_EQ(ts, rep.digests, 0);
	CHECK_INT_EQ(ts, all_messages(&f), 0);
	struct send_report next = {0};
	CHECK_INT_EQ(ts, pass(&f, "2023-03-01T08:01", &next), 0);
	CHECK_INT_EQ(ts, next.enqueued, 0); /* enqueued once, by the stopped pass */
	CHECK_INT_EQ(ts, next.digests, 1);
	CHECK_INT_EQ(ts, next.reminders, 2);
	CHECK_INT_EQ(ts, messages(&f, "control-interno", NULL), 1);
	teardown(&f);
}

TEST_MAIN(TEST(once), TEST(dry_run), TEST(delivered_left_out), TEST(stopped))
