/* test-escalate.c - the supervising office's weekly escalation (escalate.h) on the seed plan
 * with the shipped config ([escalation]: Control Interno, 5 working days, Mondays at the send
 * time 08:00, America/Bogota). The weekly slots (Monday 2023-03-20 is a holiday, San José:
 * that week's row moves to Tuesday), the one ledger row per week that a window enqueues once,
 * and the items of 2023-03-06, read by hand from the plan (as in escalation.sh): #5 for
 * Transparencia (due 30/01/2023), #3 and #4 for Comunicaciones Transparencia (31/01/2023),
 * #4 for Redes (31/01/2023), in the config's office order, and #23's three 2022 dates for
 * Protocolo flagged for review (outside the plan's years), not as late; not the 28/02/2023
 * dates (4 working days late). A milestone marked delivered leaves the list. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "config.h"
#include "date.h"
#include "done.h"
#include "escalate.h"
#include "plan.h"
#include "store.h"
#include "test-seed.h"
#include "test.h"

struct fixture {
	struct config cfg;
	struct plan plan;
	struct diag_list diags;
	struct store *st;
};

static bool setup(struct test_state *ts, struct fixture *f)
{
	memset(f, 0, sizeof(*f));
	bool ok = seed_open(&f->cfg, &f->plan, &f->diags, &f->st, "escalate", NULL);
	CHECK(ts, ok && f->cfg.escalation.office_index >= 0);
	return ok && f->cfg.escalation.office_index >= 0;
}

static void teardown(struct fixture *f)
{
	seed_close(&f->cfg, &f->plan, &f->diags, f->st);
}

static void slots(struct test_state *ts)
{
	struct fixture f;
	if (!setup(ts, &f))
		return;
	time_t slot = 0;
	CHECK(ts, escalate_next(&f.cfg, seed_instant("2023-03-01T10:00"), &slot));
	CHECK_INT_EQ(ts, slot, seed_instant("2023-03-06T08:00"));
	CHECK(ts, escalate_next(&f.cfg, seed_instant("2023-03-06T08:00"), &slot)); /* strictly after */
	CHECK_INT_EQ(ts, slot, seed_instant("2023-03-13T08:00"));
	CHECK(ts, escalate_next(&f.cfg, seed_instant("2023-03-13T08:00"), &slot));
	CHECK_INT_EQ(ts, slot, seed_instant("2023-03-21T08:00")); /* Monday 20 is San José */
	f.cfg.escalation.office_index = -1;
	CHECK(ts, !escalate_next(&f.cfg, seed_instant("2023-03-01T10:00"), &slot));
	teardown(&f);
}

static void weekly_rows(struct test_state *ts)
{
	struct fixture f;
	if (!setup(ts, &f))
		return;
	struct pz_error err = {0};
	size_t added = 0;
	time_t from = seed_instant("2023-03-01T00:00"), to = seed_instant("2023-03-06T08:00");
	CHECK_INT_EQ(ts, escalate_enqueue(&f.plan, &f.cfg, f.st, from, to - 1, &added, &err), 0);
	CHECK_INT_EQ(ts, added, 0); /* the slot is not in the window yet */
	CHECK_INT_EQ(ts, escalate_enqueue(&f.plan, &f.cfg, f.st, from, to, &added, &err), 0);
	CHECK_INT_EQ(ts, added, 1);
	CHECK_INT_EQ(ts, escalate_enqueue(&f.plan, &f.cfg, f.st, from, to, &added, &err), 0);
	CHECK_INT_EQ(ts, added, 1); /* once */
	struct store_reminder *rows = NULL;
	size_t n = 0;
	CHECK_INT_EQ(ts, store_pending(f.st, to, &rows, &n, &err), 0);
	CHECK_INT_EQ(ts, n, 1);
	if (n == 1) {
		CHECK_STR_EQ(ts, rows[0].office, "control-interno");
		CHECK_STR_EQ(ts, rows[0].activity, ESCALATE_ACTIVITY);
		CHECK_STR_EQ(ts, rows[0].stage, "escalation");
		CHECK_STR_EQ(ts, rows[0].due, "2023-03-06");
		CHECK_INT_EQ(ts, rows[0].slot, to);
		CHECK(ts, !rows[0].late);
	}
	free(rows);
	/* three weeks of downtime at once: a row each, keyed by the week's Monday (the 20th's
	 * slot on Tuesday 21), late */
	added = 0;
	CHECK_INT_EQ(ts,
		     escalate_enqueue(&f.plan, &f.cfg, f.st, to, seed_instant("2023-03-27T09:00"),
				      &added, &err),
		     0);
	CHECK_INT_EQ(ts, added, 3);
	CHECK_INT_EQ(ts, store_pending(f.st, seed_instant("2023-03-27T09:00"), &rows, &n, &err), 0);
	struct {
		const char *due, *slot;
	} want[] = {{"2023-03-06", "2023-03-06T08:00"},
		    {"2023-03-13", "2023-03-13T08:00"},
		    {"2023-03-20", "2023-03-21T08:00"},
		    {"2023-03-27", "2023-03-27T08:00"}};
	CHECK_INT_EQ(ts, n, 4);
	for (size_t i = 0; i < 4; i++) {
		const struct store_reminder *r = NULL;
		for (size_t j = 0; j < n; j++)
			r = strcmp(rows[j].due, want[i].due) == 0 ? &rows[j] : r;
		CHECK(ts, r != NULL && r->slot == seed_instant(want[i].slot));
		CHECK(ts, r != NULL && r->late == (i > 0)); /* enqueued at 09:00, after its slot */
	}
	free(rows);
	teardown(&f);
}

static void dump(const struct escalate_items *e)
{
	for (size_t i = 0; i < e->n; i++)
		fprintf(stderr, "  %s #%u %04d-%02d-%02d days %ld review %d\n",
			e->items[i].responsible, e->items[i].number, e->items[i].due.year,
			e->items[i].due.month, e->items[i].due.day, e->items[i].days,
			e->items[i].review);
}

static void items_of_march_6(struct test_state *ts)
{
	struct fixture f;
	if (!setup(ts, &f))
		return;
	struct pz_error err = {0};
	struct done_set done = {0};
	struct escalate_items e = {0};
	CHECK_INT_EQ(ts,
		     escalate_items(&f.plan, &f.cfg, &done, seed_instant("2023-03-06T08:00"), &e, &err),
		     0);
	/* office (config order), activity, due, days late, flagged for review */
	struct {
		const char *office;
		unsigned number;
		const char *due;
		long days;
		bool review;
	} want[] = {
		{"protocolo", 23, "2022-05-31", -279, true},
		{"protocolo", 23, "2022-09-30", -157, true},
		{"protocolo", 23, "2022-12-31", -65, true},
		{"transparencia", 5, "2023-01-30", -35, false},
		{"comunicaciones-transparencia", 3, "2023-01-31", -34, false},
		{"comunicaciones-transparencia", 4, "2023-01-31", -34, false},
		{"redes", 4, "2023-01-31", -34, false},
	};
	size_t n = sizeof(want) / sizeof(want[0]);
	if (e.n != n)
		dump(&e);
	CHECK_INT_EQ(ts, e.n, n);
	for (size_t i = 0; i < n && i < e.n; i++) {
		const struct mail_item *it = &e.items[i];
		long o = config_find_office(&f.cfg, want[i].office);
		char due[11];
		date_format_iso(it->due, due);
		CHECK(ts, o >= 0 && it->responsible != NULL &&
				  strcmp(it->responsible, f.cfg.offices[o].name) == 0);
		CHECK_INT_EQ(ts, it->number, want[i].number);
		CHECK_STR_EQ(ts, due, want[i].due);
		CHECK_INT_EQ(ts, it->days, want[i].days);
		CHECK_INT_EQ(ts, it->review, want[i].review);
		CHECK(ts, (it->doubt != NULL) == want[i].review); /* the doubt, in words */
		CHECK(ts,
		      it->activity != NULL && it->source != NULL &&
			      strstr(it->source, "estrategia-rendicion-cuentas-2023.tsv:") != NULL);
	}
	escalate_items_free(&e);

	/* #5 marked delivered by Transparencia: it leaves the list, the rest stays */
	struct store_delivery d = {.office = "transparencia",
				   .activity = "5",
				   .milestone = 1,
				   .due = "2023-01-30",
				   .by_name = "Ana"};
	d.at = seed_instant("2023-03-03T09:00");
	bool first;
	CHECK_INT_EQ(ts, store_mark_delivered(f.st, &d, &first, &err), 0);
	CHECK_INT_EQ(ts, done_load(&done, f.st, &err), 0);
	CHECK_INT_EQ(ts,
		     escalate_items(&f.plan, &f.cfg, &done, seed_instant("2023-03-06T08:00"), &e, &err),
		     0);
	CHECK_INT_EQ(ts, e.n, n - 1);
	for (size_t i = 0; i < e.n; i++)
		CHECK(ts, e.items[i].number != 5);
	escalate_items_free(&e);
	done_finish(&done);

	/* on Monday 2023-02-06, #5 (due Monday 30/01) is 5 working days late and listed; #3 and
	 * #4 (31/01) are 4 and not yet */
	CHECK_INT_EQ(ts,
		     escalate_items(&f.plan, &f.cfg, &done, seed_instant("2023-02-06T08:00"), &e, &err),
		     0);
	size_t late = 0;
	for (size_t i = 0; i < e.n; i++)
		if (!e.items[i].review) {
			late++;
			CHECK_INT_EQ(ts, e.items[i].number, 5);
			CHECK_INT_EQ(ts, e.items[i].workdays, -5);
		}
	CHECK_INT_EQ(ts, late, 1);
	escalate_items_free(&e);
	teardown(&f);
}

TEST_MAIN(TEST(slots), TEST(weekly_rows), TEST(items_of_march_6))
