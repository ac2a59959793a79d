/* test-remind.c - reminder stages worked out by hand on a calendar (Colombian holidays of
 * 2023: 01-09, 03-20, 04-06, 04-07, 05-01, 05-22...), time zones around DST changes, and the
 * three ways to reach the stages (remind_stages, remind_due, remind_queue) agreeing over a
 * year walked hour by hour. Configs and plans are built by hand. */
#include "remind.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "xalloc.h"

#define HOUR 3600
#define FAR_END ((time_t)1 << 40)

/* The instant of day (YYYY-MM-DD) at h:m UTC, by plain arithmetic. */
static time_t utc(const char *day, int h, int m)
{
	struct date d;
	if (!date_parse_iso(day, &d))
		abort();
	return (time_t)date_to_days(d) * 86400 + h * 3600 + m * 60;
}

static struct date iso(const char *day)
{
	struct date d;
	if (!date_parse_iso(day, &d))
		abort();
	return d;
}

static struct config_office *add_office(struct config *cfg, const char *id, const char *tz)
{
	cfg->offices =
		xgrow(cfg->offices, &cfg->cap_offices, cfg->n_offices + 1, sizeof(*cfg->offices));
	struct config_office *o = &cfg->offices[cfg->n_offices++];
	memset(o, 0, sizeof(*o));
	o->id = xstrdup(id);
	o->name = xstrdup(id);
	o->timezone = xstrdup(tz);
	workdays_init(&o->workdays);
	return o;
}

/* Appends an activity for the n offices listed; its milestones follow with add_milestone. */
static size_t add_activity(struct plan *p, const size_t *offices, size_t n)
{
	p->activities = xgrow(p->activities, &p->cap_activities, p->n_activities + 1,
			      sizeof(*p->activities));
	struct activity *a = &p->activities[p->n_activities];
	memset(a, 0, sizeof(*a));
	a->number = (unsigned)p->n_activities + 1;
	a->text = a->goal = a->responsible_text = a->subcomponent_title = "";
	a->office_first = p->n_office_refs;
	a->office_count = n;
	a->milestone_first = p->n_milestones;
	p->office_refs = xgrow(p->office_refs, &p->cap_office_refs, p->n_office_refs + n,
			       sizeof(*p->office_refs));
	for (size_t i = 0; i < n; i++)
		p->office_refs[p->n_office_refs++] = offices[i];
	return p->n_activities++;
}

/* Adds a milestone to the last activity; start may be NULL. Returns its index. */
static size_t add_milestone(struct plan *p, const char *start, struct date due)
{
	p->milestones = xgrow(p->milestones, &p->cap_milestones, p->n_milestones + 1,
			      sizeof(*p->milestones));
	struct milestone *m = &p->milestones[p->n_milestones];
	*m = (struct milestone){start != NULL, {0, 0, 0}, due};
	if (start != NULL)
		m->start = iso(start);
	p->activities[p->n_activities - 1].milestone_count++;
	return p->n_milestones++;
}

struct expect {
	const char *key;
	const char *day; /* local day of the slot */
	int h, m; /* the slot in UTC, on that day */
};

/* The stages of (a, m, o) must be exactly want, in order. */
static void check_stages(struct test_state *ts, const struct plan *p, const struct config *cfg,
			 size_t a, size_t m, size_t o, const struct expect *want, size_t n)
{
	struct reminder r[REMIND_MAX_STAGES];
	struct pz_error err = {0};
	int got = remind_stages(p, cfg, a, m, o, r, &err);
	CHECK_INT_EQ(ts, got, (int)n);
	for (size_t i = 0; i < n && (int)i < got; i++) {
		char key[24], day[11];
		remind_stage_key(r[i].stage, key);
		date_format_iso(r[i].day, day);
		CHECK_STR_EQ(ts, key, want[i].key);
		CHECK_STR_EQ(ts, day, want[i].day);
		CHECK_INT_EQ(ts, r[i].at, utc(want[i].day, want[i].h, want[i].m));
		CHECK_INT_EQ(ts, r[i].office, o);
		CHECK_INT_EQ(ts, r[i].activity, a);
		CHECK_INT_EQ(ts, r[i].milestone, m);
	}
}

#define CHECK_STAGES(ts, p, cfg, a, m, o, ...)                                                     \
	do {                                                                                       \
		static const struct expect want_[] = {__VA_ARGS__};                                \
		check_stages(ts, p, cfg, a, m, o, want_, sizeof(want_) / sizeof(*want_));          \
	} while (0)

static void test_stage_key(struct test_state *ts)
{
	char buf[24];
	remind_stage_key((struct remind_stage){REMIND_START, 0, false}, buf);
	CHECK_STR_EQ(ts, buf, "start");
	remind_stage_key((struct remind_stage){REMIND_LEAD, 15, false}, buf);
	CHECK_STR_EQ(ts, buf, "lead-15d");
	remind_stage_key((struct remind_stage){REMIND_LEAD, 3, true}, buf);
	CHECK_STR_EQ(ts, buf, "lead-3wd");
	remind_stage_key((struct remind_stage){REMIND_DUE, 0, false}, buf);
	CHECK_STR_EQ(ts, buf, "due");
	remind_stage_key((struct remind_stage){REMIND_OVERDUE, 2, false}, buf);
	CHECK_STR_EQ(ts, buf, "overdue-2");
}

/* Bogota is UTC-5 all year: 08:00 local is 13:00Z. */
static void bogota_plan(struct config *cfg, struct plan *p)
{
	config_init(cfg);
	plan_init(p);
	add_office(cfg, "bogota", "America/Bogota");
	size_t o = 0;
	add_activity(p, &o, 1);
	add_milestone(p, NULL, iso("2023-03-30")); /* 0: Thursday */
	add_milestone(p, NULL, iso("2023-04-30")); /* 1: Sunday */
	add_milestone(p, "2023-01-01", iso("2023-01-31")); /* 2: from a Sunday holiday */
	add_milestone(p, "2023-03-18", iso("2023-04-05")); /* 3: start ties with lead-15d */
	add_milestone(p, NULL, iso("2023-03-22")); /* 4: 3wd over San José */
}

static void test_bogota(struct test_state *ts)
{
	struct config cfg;
	struct plan p;
	bogota_plan(&cfg, &p);
	CHECK_STAGES(ts, &p, &cfg, 0, 0, 0, {"lead-15d", "2023-03-15", 13, 0},
		     {"lead-3wd", "2023-03-27", 13, 0}, {"due", "2023-03-30", 13, 0},
		     {"overdue-1", "2023-04-10", 13, 0}, /* Holy Thursday and Friday */
		     {"overdue-2", "2023-04-13", 13, 0}, {"overdue-3", "2023-04-20", 13, 0},
		     {"overdue-4", "2023-04-27", 13, 0});
	CHECK_STAGES(ts, &p, &cfg, 0, 1, 0, {"lead-15d", "2023-04-14", 13, 0}, /* from Sat */
		     {"lead-3wd", "2023-04-26", 13, 0}, {"due", "2023-04-28", 13, 0},
		     {"overdue-1", "2023-05-08", 13, 0}, {"overdue-2", "2023-05-15", 13, 0},
		     {"overdue-3", "2023-05-23", 13, 0}, /* Sunday, then Ascensión */
		     {"overdue-4", "2023-05-29", 13, 0});
	CHECK_STAGES(ts, &p, &cfg, 0, 2, 0, {"start", "2023-01-02", 13, 0},
		     {"lead-15d", "2023-01-16", 13, 0}, {"lead-3wd", "2023-01-26", 13, 0},
		     {"due", "2023-01-31", 13, 0}, {"overdue-1", "2023-02-07", 13, 0},
		     {"overdue-2", "2023-02-14", 13, 0}, {"overdue-3", "2023-02-21", 13, 0},
		     {"overdue-4", "2023-02-28", 13, 0});
	CHECK_STAGES(ts, &p, &cfg, 0, 3, 0, {"start", "2023-03-21", 13, 0},
		     {"lead-15d", "2023-03-21", 13, 0}, {"lead-3wd", "2023-03-31", 13, 0},
		     {"due", "2023-04-05", 13, 0}, {"overdue-1", "2023-04-12", 13, 0},
		     {"overdue-2", "2023-04-19", 13, 0}, {"overdue-3", "2023-04-26", 13, 0},
		     {"overdue-4", "2023-05-03", 13, 0});
	CHECK_STAGES(ts, &p, &cfg, 0, 4, 0, {"lead-15d", "2023-03-07", 13, 0},
		     {"lead-3wd", "2023-03-16", 13, 0}, {"due", "2023-03-22", 13, 0},
		     {"overdue-1", "2023-03-29", 13, 0}, {"overdue-2", "2023-04-05", 13, 0},
		     {"overdue-3", "2023-04-12", 13, 0}, {"overdue-4", "2023-04-19", 13, 0});
	plan_finish(&p);
	config_finish(&cfg);
}

/* Leads tied on one day come longest first, whatever the configured order; repeats once. */
static void test_lead_ties(struct test_state *ts)
{
	struct config cfg;
	struct plan p;
	bogota_plan(&cfg, &p);
	cfg.policy.leads[0] = (struct config_lead){1, true};
	cfg.policy.leads[1] = (struct config_lead){2, false};
	cfg.policy.leads[2] = (struct config_lead){1, true};
	cfg.policy.n_leads = 3;
	cfg.policy.overdue_every = 0;
	add_milestone(&p, NULL, iso("2023-02-06")); /* Monday; 2d is a Saturday */
	CHECK_STAGES(ts, &p, &cfg, 0, 5, 0, {"lead-2d", "2023-02-03", 13, 0},
		     {"lead-1wd", "2023-02-03", 13, 0}, {"due", "2023-02-06", 13, 0});
	cfg.policy.due_day = false;
	cfg.policy.n_leads = 0;
	struct reminder r[REMIND_MAX_STAGES];
	struct pz_error err = {0};
	CHECK_INT_EQ(ts, remind_stages(&p, &cfg, 0, 5, 0, r, &err), 0);
	plan_finish(&p);
	config_finish(&cfg);
}

/* Madrid: 08:00 is 07:00Z in winter (CET) and 06:00Z in summer (CEST, from 2024-03-31). */
static void test_madrid(struct test_state *ts)
{
	struct config cfg;
	struct plan p;
	config_init(&cfg);
	plan_init(&p);
	add_office(&cfg, "madrid", "Europe/Madrid")->workdays.holidays = false;
	size_t o = 0;
	add_activity(&p, &o, 1);
	add_milestone(&p, NULL, iso("2024-04-01"));
	add_milestone(&p, "2024-03-30", iso("2024-10-28"));
	CHECK_STAGES(ts, &p, &cfg, 0, 0, 0, {"lead-15d", "2024-03-15", 7, 0},
		     {"lead-3wd", "2024-03-27", 7, 0}, {"due", "2024-04-01", 6, 0},
		     {"overdue-1", "2024-04-08", 6, 0}, {"overdue-2", "2024-04-15", 6, 0},
		     {"overdue-3", "2024-04-22", 6, 0}, {"overdue-4", "2024-04-29", 6, 0});
	CHECK_STAGES(ts, &p, &cfg, 0, 1, 0, {"start", "2024-04-01", 6, 0},
		     {"lead-15d", "2024-10-11", 6, 0}, {"lead-3wd", "2024-10-23", 6, 0},
		     {"due", "2024-10-28", 7, 0}, {"overdue-1", "2024-11-04", 7, 0},
		     {"overdue-2", "2024-11-11", 7, 0}, {"overdue-3", "2024-11-18", 7, 0},
		     {"overdue-4", "2024-11-25", 7, 0});
	/* 02:30 does not exist on 2024-03-31 (03:00 CEST = 01:00Z follows 02:00 CET) and
	 * happens twice on 2024-10-27 (the earlier is 00:30Z). */
	cfg.policy = (struct config_policy){.leads = {{1, false}},
					    .n_leads = 1,
					    .due_day = true,
					    .overdue_every = 1,
					    .overdue_max = 1,
					    .send_minute = 2 * 60 + 30,
					    .working_days_only = false};
	add_milestone(&p, NULL, iso("2024-03-31"));
	add_milestone(&p, NULL, iso("2024-10-27"));
	p.activities[0].milestone_count = 4;
	CHECK_STAGES(ts, &p, &cfg, 0, 2, 0, {"lead-1d", "2024-03-30", 1, 30},
		     {"due", "2024-03-31", 1, 0}, {"overdue-1", "2024-04-01", 0, 30});
	CHECK_STAGES(ts, &p, &cfg, 0, 3, 0, {"lead-1d", "2024-10-26", 0, 30},
		     {"due", "2024-10-27", 0, 30}, {"overdue-1", "2024-10-28", 1, 30});
	plan_finish(&p);
	config_finish(&cfg);
}

/* Without working_days_only the computed days stand, weekends included. */
static void test_any_day(struct test_state *ts)
{
	struct config cfg;
	struct plan p;
	bogota_plan(&cfg, &p);
	cfg.policy.working_days_only = false;
	CHECK_STAGES(ts, &p, &cfg, 0, 1, 0, {"lead-15d", "2023-04-15", 13, 0},
		     {"lead-3wd", "2023-04-26", 13, 0}, {"due", "2023-04-30", 13, 0},
		     {"overdue-1", "2023-05-07", 13, 0}, {"overdue-2", "2023-05-14", 13, 0},
		     {"overdue-3", "2023-05-21", 13, 0}, {"overdue-4", "2023-05-28", 13, 0});
	CHECK_STAGES(ts, &p, &cfg, 0, 2, 0, {"start", "2023-01-01", 13, 0},
		     {"lead-15d", "2023-01-16", 13, 0}, {"lead-3wd", "2023-01-26", 13, 0},
		     {"due", "2023-01-31", 13, 0}, {"overdue-1", "2023-02-07", 13, 0},
		     {"overdue-2", "2023-02-14", 13, 0}, {"overdue-3", "2023-02-21", 13, 0},
		     {"overdue-4", "2023-02-28", 13, 0});
	plan_finish(&p);
	config_finish(&cfg);
}

static int never(const struct reminder *r, void *user)
{
	return 1;
}

static void test_bad_zone(struct test_state *ts)
{
	struct config cfg;
	struct plan p;
	bogota_plan(&cfg, &p);
	add_office(&cfg, "mars", "Mars/Olympus_Mons");
	size_t o = 1;
	add_activity(&p, &o, 1);
	add_milestone(&p, NULL, iso("2023-05-05"));
	struct reminder r[REMIND_MAX_STAGES];
	struct pz_error err = {0};
	CHECK_INT_EQ(ts, remind_stages(&p, &cfg, 1, 5, 1, r, &err), -1);
	CHECK_INT_EQ(ts, err.code, PZ_ECONFIG);
	CHECK(ts, strncmp(err.msg, "office mars: ", 13) == 0);
	err = (struct pz_error){0};
	CHECK_INT_EQ(ts,
		     remind_due(&p, &cfg, utc("2023-01-01", 0, 0), utc("2023-01-02", 0, 0), never,
				NULL, &err),
		     -1);
	CHECK_INT_EQ(ts, err.code, PZ_ECONFIG);
	CHECK(ts, strncmp(err.msg, "office mars: ", 13) == 0);
	err = (struct pz_error){0};
	CHECK(ts, remind_queue_new(&p, &cfg, 0, &err) == NULL);
	CHECK(ts, strncmp(err.msg, "office mars: ", 13) == 0);
	/* The stage fn refuses stops remind_due with its value. */
	p.activities[1].office_count = 0;
	CHECK_INT_EQ(ts,
		     remind_due(&p, &cfg, utc("2023-03-01", 0, 0), utc("2023-04-01", 0, 0), never,
				NULL, &err),
		     1);
	plan_finish(&p);
	config_finish(&cfg);
}

/* A year of reminders: four offices in three zones, 36 milestones through 2023. */
struct year {
	struct config cfg;
	struct plan p;
	struct reminder *all; /* every stage of every pair, from remind_stages */
	size_t n_all;
	size_t cap_all;
};

/* What a walk collected: each reminder and the step that produced it. */
struct sink {
	struct reminder *v;
	time_t *t;
	size_t n, cap, cap_t;
	time_t now;
};

static const time_t *year_bounds(void)
{
	static time_t b[2];
	b[0] = utc("2023-01-01", 0, 0);
	b[1] = utc("2024-03-01", 0, 0);
	return b;
}

static void year_offices(struct config *cfg)
{
	add_office(cfg, "bogota", "America/Bogota");
	add_office(cfg, "madrid", "Europe/Madrid")->workdays.holidays = false;
	struct config_office *ny = add_office(cfg, "ny", "America/New_York");
	ny->workdays.weekday[5] = true; /* Saturdays */
	workdays_add_closed(&ny->workdays, iso("2023-07-03"));
	workdays_add_open(&ny->workdays, iso("2023-07-09"));
	add_office(cfg, "tokyo", "Asia/Tokyo"); /* 08:00 is 23:00Z the day before */
}

static void year_collect_all(struct test_state *ts, struct year *y)
{
	y->n_all = 0;
	for (size_t a = 0; a < y->p.n_activities; a++) {
		const struct activity *act = &y->p.activities[a];
		for (size_t i = 0; i < act->milestone_count; i++) {
			for (size_t k = 0; k < act->office_count; k++) {
				y->all = xgrow(y->all, &y->cap_all, y->n_all + REMIND_MAX_STAGES,
					       sizeof(*y->all));
				struct pz_error err = {0};
				int n = remind_stages(&y->p, &y->cfg, a, act->milestone_first + i,
						      y->p.office_refs[act->office_first + k],
						      y->all + y->n_all, &err);
				CHECK(ts, n > 0);
				y->n_all += n > 0 ? (size_t)n : 0;
			}
		}
	}
}

static void year_setup(struct test_state *ts, struct year *y)
{
	memset(y, 0, sizeof(*y));
	config_init(&y->cfg);
	plan_init(&y->p);
	year_offices(&y->cfg);
	y->cfg.policy.leads[2] = (struct config_lead){1, false};
	y->cfg.policy.n_leads = 3;
	long first = date_to_days(iso("2023-01-03"));
	for (size_t i = 0; i < 12; i++) {
		size_t offices[4] = {i % 4, (i + 1) % 4, (i + 2) % 4, (i + 3) % 4};
		add_activity(&y->p, offices, i == 5 ? 4 : i % 3 == 0 ? 2 : 1);
		for (size_t j = 0; j < 3; j++) {
			long due = first + (long)(i * 3 + j) * 10;
			size_t m = add_milestone(&y->p, NULL, date_from_days(due));
			y->p.milestones[m].has_start = j == 1;
			y->p.milestones[m].start = date_from_days(due - 12 - (long)i);
		}
	}
	year_collect_all(ts, y);
}

static void year_teardown(struct year *y)
{
	free(y->all);
	plan_finish(&y->p);
	config_finish(&y->cfg);
}

static bool same_stage(const struct reminder *x, const struct reminder *y)
{
	return x->office == y->office && x->activity == y->activity &&
	       x->milestone == y->milestone && x->stage.kind == y->stage.kind &&
	       x->stage.n == y->stage.n && x->stage.working == y->stage.working;
}

static void sink_add(struct sink *s, const struct reminder *r)
{
	s->v = xgrow(s->v, &s->cap, s->n + 1, sizeof(*s->v));
	s->t = xgrow(s->t, &s->cap_t, s->n + 1, sizeof(*s->t));
	s->v[s->n] = *r;
	s->t[s->n++] = s->now;
}

static int collect(const struct reminder *r, void *user)
{
	sink_add(user, r);
	return 0;
}

/* Every stage with slot in (lo, hi] was collected exactly once, with its slot and day, at
 * the first step at or after its slot (steps of step seconds; 0: any); nothing else was. */
static void check_once(struct test_state *ts, const struct year *y, const struct sink *s, time_t lo,
		       time_t hi, time_t step)
{
	size_t *seen = xcalloc(y->n_all + 1, sizeof(*seen));
	size_t expected = 0;
	for (size_t j = 0; j < s->n; j++) {
		size_t i = 0;
		while (i < y->n_all && !same_stage(&y->all[i], &s->v[j]))
			i++;
		CHECK(ts, i < y->n_all);
		if (i == y->n_all)
			continue;
		seen[i]++;
		CHECK_INT_EQ(ts, s->v[j].at, y->all[i].at);
		CHECK(ts, date_compare(s->v[j].day, y->all[i].day) == 0);
		CHECK(ts, step == 0 || (s->v[j].at > s->t[j] - step && s->v[j].at <= s->t[j]));
	}
	for (size_t i = 0; i < y->n_all; i++) {
		bool inside = y->all[i].at > lo && y->all[i].at <= hi;
		expected += inside;
		CHECK_INT_EQ(ts, seen[i], inside ? 1 : 0);
	}
	CHECK_INT_EQ(ts, s->n, expected);
	free(seen);
}

static void test_year_due(struct test_state *ts)
{
	struct year y;
	year_setup(ts, &y);
	const time_t *b = year_bounds();
	struct sink s = {0};
	for (time_t t = b[0] + HOUR; t <= b[1]; t += HOUR) {
		struct pz_error err = {0};
		s.now = t;
		CHECK_INT_EQ(ts, remind_due(&y.p, &y.cfg, t - HOUR, t, collect, &s, &err), 0);
	}
	check_once(ts, &y, &s, b[0], b[1], HOUR);
	/* The year holds most stages; a few leads fall in December 2022. */
	CHECK(ts, s.n > 400 && s.n < y.n_all);
	/* One call over the whole span (no narrowing by day) finds the same. */
	struct sink whole = {0};
	struct pz_error err = {0};
	CHECK_INT_EQ(ts, remind_due(&y.p, &y.cfg, b[0], b[1], collect, &whole, &err), 0);
	check_once(ts, &y, &whole, b[0], b[1], 0);
	free(whole.v);
	free(whole.t);
	free(s.v);
	free(s.t);
	year_teardown(&y);
}

/* Drains q in steps of step seconds over (from, to]; each take starts after the last. */
static void drain(struct test_state *ts, struct remind_queue *q, struct sink *s, time_t from,
		  time_t to, time_t step)
{
	struct reminder *out = NULL;
	size_t cap = 0;
	for (time_t t = from + step; t <= to; t += step) {
		time_t next;
		if (remind_queue_next(q, &next))
			CHECK(ts, next > t - step);
		size_t n = remind_queue_take(q, t, &out, &cap);
		s->now = t;
		for (size_t i = 0; i < n; i++) {
			CHECK(ts, i == 0 || out[i - 1].at <= out[i].at);
			sink_add(s, &out[i]);
		}
	}
	free(out);
}

static void test_year_queue(struct test_state *ts)
{
	struct year y;
	year_setup(ts, &y);
	const time_t *b = year_bounds();
	struct pz_error err = {0};
	struct remind_queue *q = remind_queue_new(&y.p, &y.cfg, b[0], &err);
	CHECK(ts, q != NULL);
	if (q == NULL) {
		year_teardown(&y);
		return;
	}
	struct sink s = {0};
	drain(ts, q, &s, b[0], b[1], HOUR);
	check_once(ts, &y, &s, b[0], b[1], HOUR);
	time_t next;
	CHECK(ts, !remind_queue_next(q, &next)); /* the last overdue is in January 2024 */
	CHECK_INT_EQ(ts, remind_queue_take(q, FAR_END, &s.v, &s.cap), 0);
	remind_queue_free(q);
	free(s.v);
	free(s.t);
	year_teardown(&y);
}

/* A queue built after x (as after a restart with --at) holds exactly the slots after x. */
static void restart_at(struct test_state *ts, struct year *y, time_t x)
{
	struct pz_error err = {0};
	struct remind_queue *q = remind_queue_new(&y->p, &y->cfg, x, &err);
	CHECK(ts, q != NULL);
	if (q == NULL)
		return;
	struct sink s = {0};
	struct reminder *out = NULL;
	size_t cap = 0;
	size_t n = remind_queue_take(q, FAR_END, &out, &cap);
	for (size_t i = 0; i < n; i++) {
		CHECK(ts, i == 0 || out[i - 1].at <= out[i].at);
		sink_add(&s, &out[i]);
	}
	check_once(ts, y, &s, x, FAR_END, 0);
	free(out);
	free(s.v);
	free(s.t);
	remind_queue_free(q);
}

static void test_restart(struct test_state *ts)
{
	struct year y;
	year_setup(ts, &y);
	restart_at(ts, &y, utc("2023-06-15", 12, 34) + 56);
	restart_at(ts, &y, y.all[40].at); /* exactly on a slot: that one is left out */
	restart_at(ts, &y, 0);
	restart_at(ts, &y, FAR_END);
	year_teardown(&y);
}

/* With working_days_only every send is at 08:00 on a working day of the office; without,
 * days are computed and never moved, weekends included. */
static void check_local(struct test_state *ts, const struct year *y, bool working_only)
{
	size_t off_days = 0;
	for (size_t i = 0; i < y->n_all; i++) {
		const struct reminder *r = &y->all[i];
		const struct config_office *o = &y->cfg.offices[r->office];
		struct date d;
		int minutes = -1;
		struct pz_error err = {0};
		CHECK_INT_EQ(ts, calendar_utc_to_local(o->timezone, r->at, &d, &minutes, &err), 0);
		CHECK_INT_EQ(ts, minutes, 8 * 60);
		CHECK(ts, date_compare(d, r->day) == 0);
		bool works = workdays_is_working(&o->workdays, d);
		CHECK(ts, works || !working_only);
		off_days += !works;
	}
	CHECK(ts, working_only ? off_days == 0 : off_days > 20);
}

static void check_unmoved(struct test_state *ts, const struct year *y)
{
	for (size_t i = 0; i < y->n_all; i++) {
		const struct reminder *r = &y->all[i];
		const struct milestone *m = &y->p.milestones[r->milestone];
		long day = date_to_days(r->day), due = date_to_days(m->due);
		if (r->stage.kind == REMIND_START)
			CHECK_INT_EQ(ts, day, date_to_days(m->start));
		else if (r->stage.kind == REMIND_DUE)
			CHECK_INT_EQ(ts, day, due);
		else if (r->stage.kind == REMIND_OVERDUE)
			CHECK_INT_EQ(ts, day, due + 7L * r->stage.n);
		else if (!r->stage.working)
			CHECK_INT_EQ(ts, day, due - (long)r->stage.n);
	}
}

static void test_local_time(struct test_state *ts)
{
	struct year y;
	year_setup(ts, &y);
	check_local(ts, &y, true);
	y.cfg.policy.working_days_only = false;
	year_collect_all(ts, &y);
	check_local(ts, &y, false);
	check_unmoved(ts, &y);
	year_teardown(&y);
}

static int count(const struct reminder *r, void *user)
{
	(*(size_t *)user)++;
	return 0;
}

/* 200000 milestones (250000 pairs), 7 stages each, all inside 2023: the queue takes them
 * day by day in slot order; not timed, but quadratic work would not finish. */
static void test_large(struct test_state *ts)
{
	struct config cfg;
	struct plan p;
	config_init(&cfg);
	plan_init(&p);
	add_office(&cfg, "bogota", "America/Bogota");
	add_office(&cfg, "madrid", "Europe/Madrid");
	long first = date_to_days(iso("2023-02-01"));
	for (size_t a = 0; a < 50000; a++) {
		size_t offices[2] = {a % 2, (a + 1) % 2};
		add_activity(&p, offices, a % 4 == 0 ? 2 : 1);
		for (size_t j = 0; j < 4; j++)
			add_milestone(&p, NULL, date_from_days(first + (long)((a * 4 + j) % 250)));
	}
	struct pz_error err = {0};
	const time_t *b = year_bounds();
	struct remind_queue *q = remind_queue_new(&p, &cfg, b[0], &err);
	CHECK(ts, q != NULL);
	size_t total = 0, cap = 0;
	struct reminder *out = NULL;
	time_t last = b[0];
	for (time_t t = b[0] + 86400; q != NULL && t <= b[1]; t += 86400) {
		size_t n = remind_queue_take(q, t, &out, &cap);
		for (size_t i = 0; i < n; i++) {
			CHECK(ts, out[i].at >= last && out[i].at <= t);
			last = out[i].at;
		}
		total += n;
	}
	CHECK_INT_EQ(ts, total, 7 * 250000);
	size_t due = 0;
	CHECK_INT_EQ(ts, remind_due(&p, &cfg, b[0], b[1], count, &due, &err), 0);
	CHECK_INT_EQ(ts, due, 7 * 250000);
	free(out);
	remind_queue_free(q);
	plan_finish(&p);
	config_finish(&cfg);
}

TEST_MAIN(TEST(test_stage_key), TEST(test_bogota), TEST(test_lead_ties), TEST(test_madrid),
	  TEST(test_any_day), TEST(test_bad_zone), TEST(test_year_due), TEST(test_year_queue),
	  TEST(test_restart), TEST(test_local_time), TEST(test_large))
