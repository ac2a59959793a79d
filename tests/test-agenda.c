/* test-agenda.c - overdue and upcoming per office on the seed plan, checked by hand against
 * the table, and the office's own zone deciding what "today" is. */
#include <stdlib.h>
#include <string.h>

#include "agenda.h"
#include "calendar.h"
#include "config.h"
#include "plan.h"
#include "test-seed.h"
#include "test.h"

struct fixture {
	struct config cfg;
	struct plan plan;
	struct diag_list diags;
	struct agenda *ag;
};

static void load(struct test_state *ts, struct fixture *f, const char *at, unsigned days)
{
	struct pz_error err = {0};
	CHECK(ts, seed_load(&f->cfg, &f->plan, &f->diags));
	time_t now = 0;
	CHECK(ts, calendar_parse_instant(at, "America/Bogota", &now, &err) == 0);
	f->ag = calloc(f->cfg.n_offices, sizeof(*f->ag));
	CHECK(ts, agenda_build(&f->plan, &f->cfg, now, days, f->ag, &err) == 0);
}

static void unload(struct fixture *f)
{
	agenda_free(f->ag, f->cfg.n_offices);
	free(f->ag);
	plan_finish(&f->plan);
	config_finish(&f->cfg);
	diag_list_finish(&f->diags);
}

static const struct agenda *office(struct fixture *f, const char *id)
{
	long o = config_find_office(&f->cfg, id);
	return o < 0 ? NULL : &f->ag[o];
}

static unsigned number(const struct fixture *f, const struct agenda_item *it)
{
	return f->plan.activities[it->activity].number;
}

/* Secretaría General on 2023-03-01 08:00: activities 9 and 59 (due 2023-02-28) are one day
 * late; activity 1 (2023-03-30) is the only one due within 30 days: 29 days, 20 working
 * days (2023-03-20, San José, is a holiday). */
static void secretaria_general(struct test_state *ts)
{
	struct fixture f;
	load(ts, &f, "2023-03-01T08:00", 30);
	const struct agenda *ag = office(&f, "secretaria-general");
	CHECK(ts, ag != NULL);
	CHECK_INT_EQ(ts, ag->n_overdue, 2);
	CHECK_INT_EQ(ts, ag->len, 3);
	if (ag->len == 3) {
		CHECK_INT_EQ(ts, number(&f, &ag->items[0]), 9);
		CHECK_INT_EQ(ts, number(&f, &ag->items[1]), 59);
		CHECK_INT_EQ(ts, ag->items[0].days, -1);
		CHECK_INT_EQ(ts, ag->items[0].workdays, -1);
		CHECK_INT_EQ(ts, number(&f, &ag->items[2]), 1);
		CHECK_INT_EQ(ts, ag->items[2].days, 29);
		CHECK_INT_EQ(ts, ag->items[2].workdays, 20);
	}
	unload(&f);
}

/* Control Interno: activities 54 and 56 are due that very day (1/03/2023): not overdue
 * until the day ends. */
static void due_today(struct test_state *ts)
{
	struct fixture f;
	load(ts, &f, "2023-03-01T23:59", 0);
	const struct agenda *ag = office(&f, "control-interno");
	CHECK_INT_EQ(ts, ag->n_overdue, 0);
	CHECK_INT_EQ(ts, ag->len, 2);
	unload(&f);
	load(ts, &f, "2023-03-02T00:00", 0);
	ag = office(&f, "control-interno");
	CHECK_INT_EQ(ts, ag->n_overdue, 2);
	unload(&f);
}

/* A due date on a weekend keeps its date and is flagged: activity 13's 2023-04-30 is a
 * Sunday; on Friday 2023-04-28 it is 2 days and 0 working days away. */
static void due_on_sunday(struct test_state *ts)
{
	struct fixture f;
	load(ts, &f, "2023-04-28T08:00", 2);
	const struct agenda *ag = office(&f, "tic");
	CHECK_INT_EQ(ts, ag->len, 1);
	if (ag->len == 1) {
		CHECK_INT_EQ(ts, number(&f, &ag->items[0]), 13);
		CHECK_INT_EQ(ts, ag->items[0].days, 2);
		CHECK_INT_EQ(ts, ag->items[0].workdays, 0);
		CHECK(ts, ag->items[0].due_closed);
	}
	unload(&f);
}

/* The office's zone decides its "today": at 2023-02-28 20:00 in Bogotá it is already
 * 2023-03-01 in Madrid, so there activity 9 is late while in Bogotá it is due today. */
static void office_zone(struct test_state *ts)
{
	struct fixture f;
	load(ts, &f, "2023-02-28T20:00", 0);
	long o = config_find_office(&f.cfg, "secretaria-general");
	CHECK_INT_EQ(ts, f.ag[o].n_overdue, 0);
	CHECK_INT_EQ(ts, f.ag[o].today.day, 28);
	free(f.cfg.offices[o].timezone);
	f.cfg.offices[o].timezone = strdup("Europe/Madrid");
	struct pz_error err;
	time_t now;
	CHECK(ts, calendar_parse_instant("2023-02-28T20:00-05:00", "UTC", &now, &err) == 0);
	agenda_free(f.ag, f.cfg.n_offices);
	CHECK(ts, agenda_build(&f.plan, &f.cfg, now, 0, f.ag, &err) == 0);
	CHECK_INT_EQ(ts, f.ag[o].today.month, 3);
	CHECK_INT_EQ(ts, f.ag[o].today.day, 1);
	CHECK_INT_EQ(ts, f.ag[o].n_overdue, 2);
	unload(&f);
}

/* One office's agenda from its own activities (what a page renders from) is the agenda
 * of the whole pass, item for item, for every office of the seed, on the whole plan. */
static void one_office(struct test_state *ts)
{
	struct fixture f;
	load(ts, &f, "2023-03-01T08:00", 100000);
	struct pz_error err = {0};
	time_t now = 0;
	CHECK(ts, calendar_parse_instant("2023-03-01T08:00", "America/Bogota", &now, &err) == 0);
	size_t *acts = calloc(f.plan.n_activities + 1, sizeof(*acts));
	size_t compared = 0;
	for (size_t o = 0; o < f.cfg.n_offices; o++) {
		size_t n = 0;
		for (size_t a = 0; a < f.plan.n_activities; a++) {
			const struct activity *act = &f.plan.activities[a];
			for (size_t k = 0; k < act->office_count; k++)
				if (f.plan.office_refs[act->office_first + k] == o)
					acts[n++] = a;
		}
		struct agenda one = {0};
		CHECK(ts, agenda_build_office(&f.plan, &f.cfg, now, 100000, o, acts, n, &one,
					      &err) == 0);
		CHECK_INT_EQ(ts, one.len, f.ag[o].len);
		CHECK_INT_EQ(ts, one.n_overdue, f.ag[o].n_overdue);
		CHECK(ts, date_to_days(one.today) == date_to_days(f.ag[o].today));
		for (size_t i = 0; i < one.len && i < f.ag[o].len; i++, compared++) {
			const struct agenda_item *x = &one.items[i], *y = &f.ag[o].items[i];
			CHECK(ts, x->activity == y->activity && x->milestone == y->milestone &&
					  x->days == y->days && x->workdays == y->workdays &&
					  x->due_closed == y->due_closed);
		}
		agenda_free(&one, 1);
	}
	CHECK(ts, compared > 60);
	free(acts);
	unload(&f);
}

static void parse_instant(struct test_state *ts)
{
	struct pz_error err;
	time_t t = 0;
	CHECK(ts, calendar_parse_instant("2023-03-01T08:00", "America/Bogota", &t, &err) == 0);
	CHECK_INT_EQ(ts, t, 1677675600); /* 2023-03-01T13:00:00Z */
	CHECK(ts, calendar_parse_instant("2023-03-01", "America/Bogota", &t, &err) == 0);
	CHECK_INT_EQ(ts, t, 1677646800); /* 05:00Z */
	CHECK(ts, calendar_parse_instant("2023-03-01T08:00:30Z", "America/Bogota", &t, &err) == 0);
	CHECK_INT_EQ(ts, t, 1677657630);
	CHECK(ts, calendar_parse_instant("2023-03-01T08:00+01:00", "America/Bogota", &t, &err) == 0);
	CHECK_INT_EQ(ts, t, 1677654000);
	CHECK(ts, calendar_parse_instant("2024-03-31T02:30", "Europe/Madrid", &t, &err) == 0);
	CHECK_INT_EQ(ts, t, 1711846800); /* in the gap: 03:00 CEST = 01:00Z */
	CHECK(ts, calendar_parse_instant("2023-02-30T08:00", "America/Bogota", &t, &err) == -1);
	CHECK(ts, calendar_parse_instant("2023-03-01T25:00", "America/Bogota", &t, &err) == -1);
	CHECK(ts, calendar_parse_instant("2023-03-01T08:00junk", "America/Bogota", &t, &err) == -1);
	CHECK(ts, calendar_parse_instant("yesterday", "America/Bogota", &t, &err) == -1);
	CHECK(ts, err.code == PZ_EUSAGE);
}

TEST_MAIN(TEST(secretaria_general), TEST(due_today), TEST(due_on_sunday), TEST(office_zone),
	  TEST(parse_instant), TEST(one_office))
