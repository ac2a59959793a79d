/* test-queue.c - the daemon's engine against the scan: over the seed plan and fifteen months
 * of instants, what the reminder queue hands out for consecutive windows (mark, upto] equals
 * what remind_due finds over the same windows. Windows of random length (a second to three
 * weeks, from a fixed seed), windows ending exactly on a slot or a second before it, offices
 * in four zones (two with DST), Colombian holidays, a Saturday-working office with its own
 * closed day, and two policies (the shipped one, and one of any day at 23:30 with other
 * leads). Both share day caches among offices of one calendar: what they hand out over the
 * whole range equals what remind_stages works out for each pair alone. */
#include "remind.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test-seed.h"
#include "test.h"
#include "xalloc.h"

#define DAY 86400

struct fixture {
	struct config cfg;
	struct plan plan;
	struct diag_list diags;
};

struct list {
	struct reminder *v;
	size_t n, cap;
};

/* What the walk met, so the test can say its windows were the ones it claims. */
struct walk_stats {
	size_t windows, reminders, on_slot, before_slot, long_windows, over_dst;
};

static time_t utc_day(const char *day)
{
	struct date d;
	if (!date_parse_iso(day, &d))
		abort();
	return (time_t)date_to_days(d) * DAY;
}

static void set_zone(struct config_office *o, const char *tz)
{
	free(o->timezone);
	o->timezone = xstrdup(tz);
}

/* The seed plan with the shipped config; its offices spread over four zones. */
static void load(struct test_state *ts, struct fixture *f)
{
	CHECK(ts, seed_load(&f->cfg, &f->plan, &f->diags));
	static const char *const zones[] = {"America/Bogota", "Europe/Madrid", "America/New_York",
					    "Asia/Tokyo"};
	for (size_t o = 0; o < f->cfg.n_offices; o++)
		set_zone(&f->cfg.offices[o], zones[o % 4]);
	if (f->cfg.n_offices > 2) {
		struct workdays *w = &f->cfg.offices[2].workdays;
		w->weekday[5] = true; /* Saturdays */
		struct date closed;
		if (date_parse_iso("2023-06-14", &closed))
			workdays_add_closed(w, closed);
	}
}

static void unload(struct fixture *f)
{
	plan_finish(&f->plan);
	config_finish(&f->cfg);
	diag_list_finish(&f->diags);
}

static int collect(const struct reminder *r, void *user)
{
	struct list *l = user;
	l->v = xgrow(l->v, &l->cap, l->n + 1, sizeof(*l->v));
	l->v[l->n++] = *r;
	return 0;
}

static int cmp_size(size_t x, size_t y)
{
	return x < y ? -1 : x > y;
}

/* Every field of a reminder, so equal sorted lists are equal sets. */
static int compare(const void *a, const void *b)
{
	const struct reminder *x = a, *y = b;
	int c = cmp_size(x->office, y->office);
	if (c == 0)
		c = cmp_size(x->milestone, y->milestone);
	if (c == 0)
		c = cmp_size(x->activity, y->activity);
	if (c == 0)
		c = x->at < y->at ? -1 : x->at > y->at;
	if (c == 0)
		c = cmp_size(x->stage.kind, y->stage.kind);
	if (c == 0)
		c = cmp_size(x->stage.n, y->stage.n);
	if (c == 0)
		c = cmp_size(x->stage.working, y->stage.working);
	if (c == 0)
		c = date_compare(x->day, y->day);
	return c;
}

static bool same_lists(struct list *x, struct list *y)
{
	if (x->n > 1)
		qsort(x->v, x->n, sizeof(*x->v), compare);
	if (y->n > 1)
		qsort(y->v, y->n, sizeof(*y->v), compare);
	for (size_t i = 0; i < x->n && x->n == y->n; i++)
		if (compare(&x->v[i], &y->v[i]) != 0)
			return false;
	return x->n == y->n;
}

static uint64_t next_random(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* The end of the window after from: random lengths, or on (or just before) the next slot. */
static time_t window_end(const struct remind_queue *q, time_t from, uint64_t *seed,
			 struct walk_stats *st)
{
	uint64_t r = next_random(seed);
	time_t slot;
	bool has = remind_queue_next(q, &slot);
	switch (r % 8) {
	case 0:
		if (has && slot > from) {
			st->on_slot++;
			return slot;
		}
		break;
	case 1:
		if (has && slot - 1 > from) {
			st->before_slot++;
			return slot - 1;
		}
		break;
	case 2:
		st->long_windows++;
		return from + 1 + (time_t)((r >> 8) % (21 * DAY));
	case 3:
	case 4:
		return from + 1 + (time_t)((r >> 8) % 3600);
	}
	return from + 1 + (time_t)((r >> 8) % DAY);
}

/* One window: the queue's take against the scan; false (and a message) when they differ. */
static bool one_window(struct test_state *ts, const struct fixture *f, struct remind_queue *q,
		       time_t from, time_t to, struct list *got, struct list *want)
{
	struct pz_error err = {0};
	CHECK_INT_EQ(ts, remind_queue_mark(q), from);
	got->n = remind_queue_take(q, to, &got->v, &got->cap);
	want->n = 0;
	CHECK_INT_EQ(ts, remind_due(&f->plan, &f->cfg, from, to, collect, want, &err), 0);
	CHECK_INT_EQ(ts, remind_queue_mark(q), to);
	if (same_lists(got, want))
		return true;
	fprintf(stderr, "window (%lld, %lld]: queue %zu, scan %zu\n", (long long)from,
		(long long)to, got->n, want->n);
	return false;
}

/* Consecutive windows over [lo, hi]; returns how many disagreed. */
static size_t walk(struct test_state *ts, const struct fixture *f, time_t lo, time_t hi,
		   uint64_t seed, struct walk_stats *st)
{
	static const char *const dst[] = {"2023-03-12", "2023-03-26", "2023-10-29", "2023-11-05"};
	struct pz_error err = {0};
	struct remind_queue *q = remind_queue_new(&f->plan, &f->cfg, lo, &err);
	CHECK(ts, q != NULL);
	if (q == NULL)
		return 1;
	struct list got = {0}, want = {0};
	size_t bad = 0;
	for (time_t from = lo, to; from < hi; from = to) {
		to = window_end(q, from, &seed, st);
		for (size_t i = 0; i < sizeof(dst) / sizeof(dst[0]); i++)
			st->over_dst += from < utc_day(dst[i]) + DAY && to > utc_day(dst[i]);
		bad += !one_window(ts, f, q, from, to, &got, &want);
		st->windows++;
		st->reminders += want.n;
	}
	time_t next;
	CHECK(ts, !remind_queue_next(q, &next)); /* the plan's last overdue is before hi */
	free(got.v);
	free(want.v);
	remind_queue_free(q);
	return bad;
}

/* Every stage of every pair in (lo, hi], as remind_stages works it out alone (no day cache). */
static void stages_alone(struct test_state *ts, const struct fixture *f, time_t lo, time_t hi,
			 struct list *out)
{
	for (size_t a = 0; a < f->plan.n_activities; a++) {
		const struct activity *act = &f->plan.activities[a];
		for (size_t k = 0; k < act->office_count; k++) {
			for (size_t i = 0; i < act->milestone_count; i++) {
				struct reminder r[REMIND_MAX_STAGES];
				struct pz_error err = {0};
				int c = remind_stages(
					&f->plan, &f->cfg, a, act->milestone_first + i,
					f->plan.office_refs[act->office_first + k], r, &err);
				CHECK(ts, c >= 0);
				for (int j = 0; j < c; j++)
					if (r[j].at > lo && r[j].at <= hi)
						collect(&r[j], out);
			}
		}
	}
}

/* How many stages of every pair remind_stages gives in (lo, hi]. */
static size_t stages_inside(struct test_state *ts, const struct fixture *f, time_t lo, time_t hi)
{
	struct list all = {0};
	stages_alone(ts, f, lo, hi, &all);
	free(all.v);
	return all.n;
}

static void check_walks(struct test_state *ts, const struct fixture *f)
{
	time_t lo = utc_day("2022-11-01"), hi = utc_day("2024-03-01");
	size_t total = stages_inside(ts, f, lo, hi);
	CHECK(ts, total > 900);
	for (uint64_t seed = 1; seed <= 8; seed++) {
		struct walk_stats st = {0};
		CHECK_INT_EQ(ts, walk(ts, f, lo, hi, seed * 0x9e3779b97f4a7c15ULL, &st), 0);
		fprintf(stderr,
			"seed %llu: windows=%zu reminders=%zu on_slot=%zu before_slot=%zu "
			"long=%zu over_dst=%zu\n",
			(unsigned long long)seed, st.windows, st.reminders, st.on_slot,
			st.before_slot, st.long_windows, st.over_dst);
		/* every stage came out once over the walk, and the windows were of every kind */
		CHECK_INT_EQ(ts, st.reminders, total);
		CHECK(ts, st.windows > 150 && st.on_slot > 10 && st.before_slot > 10);
		CHECK(ts, st.long_windows > 15 && st.over_dst >= 4);
	}
}

/* One window longer than remind_due narrows by day (400 days): still the same set. */
static void check_long_window(struct test_state *ts, const struct fixture *f)
{
	time_t lo = utc_day("2022-11-01"), hi = utc_day("2024-03-01");
	struct pz_error err = {0};
	struct remind_queue *q = remind_queue_new(&f->plan, &f->cfg, lo, &err);
	CHECK(ts, q != NULL);
	if (q == NULL)
		return;
	struct list got = {0}, want = {0};
	CHECK(ts, one_window(ts, f, q, lo, hi, &got, &want));
	CHECK(ts, want.n > 900);
	/* a take that ends before the mark hands out nothing and keeps the mark */
	CHECK_INT_EQ(ts, remind_queue_take(q, lo, &got.v, &got.cap), 0);
	CHECK_INT_EQ(ts, remind_queue_mark(q), hi);
	free(got.v);
	free(want.v);
	remind_queue_free(q);
}

/* The queue and the scan share one day cache among the offices of a calendar (zone and
 * working days): office 2 (New York, Saturdays, a closed day) shares its zone with office 6
 * and not its working days; each still gets its own days. */
static void check_shared_calendars(struct test_state *ts, const struct fixture *f)
{
	time_t lo = utc_day("2022-11-01"), hi = utc_day("2024-03-01");
	struct pz_error err = {0};
	struct list alone = {0}, queue = {0}, scan = {0};
	stages_alone(ts, f, lo, hi, &alone);
	struct remind_queue *q = remind_queue_new(&f->plan, &f->cfg, lo, &err);
	CHECK(ts, q != NULL);
	if (q == NULL)
		return;
	queue.n = remind_queue_take(q, hi, &queue.v, &queue.cap);
	CHECK_INT_EQ(ts, remind_due(&f->plan, &f->cfg, lo, hi, collect, &scan, &err), 0);
	CHECK(ts, alone.n > 900);
	CHECK(ts, same_lists(&queue, &alone));
	CHECK(ts, same_lists(&scan, &alone));
	free(alone.v);
	free(queue.v);
	free(scan.v);
	remind_queue_free(q);
}

static void test_shipped_policy(struct test_state *ts)
{
	struct fixture f;
	load(ts, &f);
	CHECK(ts, f.plan.n_activities == 65 && f.cfg.n_offices > 6);
	check_walks(ts, &f);
	check_long_window(ts, &f);
	check_shared_calendars(ts, &f);
	unload(&f);
}

/* Any day counts, the send time is 23:30 (the next UTC day in the Americas), other leads. */
static void test_other_policy(struct test_state *ts)
{
	struct fixture f;
	load(ts, &f);
	struct config_policy *pol = &f.cfg.policy;
	pol->working_days_only = false;
	pol->send_minute = 23 * 60 + 30;
	pol->leads[0] = (struct config_lead){10, false};
	pol->leads[1] = (struct config_lead){5, true};
	pol->leads[2] = (struct config_lead){1, false};
	pol->n_leads = 3;
	pol->overdue_every = 3;
	pol->overdue_max = 6;
	check_walks(ts, &f);
	check_long_window(ts, &f);
	check_shared_calendars(ts, &f);
	unload(&f);
}

TEST_MAIN(TEST(test_shipped_policy), TEST(test_other_policy))
