#include "remind.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "xalloc.h"

/* Searches for a working day give up after this many days (about ten years). */
#define FIND_CAP 3660L
/* Far bounds of the day windows; small enough that adding a few leads cannot overflow. */
#define FAR_PAST (LONG_MIN / 4)
#define FAR_FUTURE (LONG_MAX / 4)
/* The queue caches 2048 days per calendar (no collision within 5 years); remind_due as
 * many, or 256 for a short window. */
#define QUEUE_CACHE_BITS 11
#define DUE_CACHE_BITS 8
/* remind_due narrows the search by day only for windows up to this long. */
#define NARROW_MAX (400L * 86400)
/* Instants of 0001-01-01 and 9999-12-31: outside, remind_due does not narrow by day. */
#define TIME_FIRST (-62135596800LL)
#define TIME_LAST 253402300799LL

enum { KNOWN_WORK = 1, WORKING = 2, KNOWN_SLOT = 4 };

/* What is known of one local day of an office. */
struct day_entry {
	int32_t day;
	uint8_t known;
	time_t slot;
};

/* The direct-mapped day caches of a walk, one per calendar (time zone and working days) its
 * offices have: what a day is (working, its send slot) depends on nothing else, so the
 * offices of one calendar (10,000 at national scale) work out each day once between them. */
struct day_caches {
	struct shared_days {
		const struct config_office *like; /* the first office of this calendar */
		uint64_t key;                     /* calendar_key(like) */
		struct day_entry *days;
	} *items;
	size_t n, cap;
	int bits;
};

/* An office as the stage arithmetic sees it, with an optional direct-mapped day cache
 * (shared with the offices of its calendar, owned by a struct day_caches). */
struct office_ctx {
	const struct config_office *office; /* NULL until set up */
	size_t index;
	int hour, minute;
	struct day_entry *cache; /* NULL: no caching */
	unsigned long mask;
};

/* The stages the policy asks for, in tie order: start, leads longest first, due, overdue. */
struct stage_plan {
	struct remind_stage specs[REMIND_MAX_STAGES];
	size_t n;
	bool working_days_only;
	unsigned overdue_every;
};

/* One stage of a pair, computed; it becomes a struct reminder when it is handed out. */
struct slot {
	time_t at;
	long day;
	struct remind_stage stage;
};

/* One (milestone, office) pair waiting on its next stage. */
struct queue_entry {
	time_t at;
	uint32_t activity;
	uint32_t milestone;
	uint32_t office;
	uint8_t next; /* index of the stage in the pair's sorted list */
};

struct remind_queue {
	const struct plan *plan;
	const struct config *cfg;
	struct stage_plan sp;
	struct office_ctx *ctx; /* one per cfg->offices, set up on first use */
	struct day_caches days;
	struct queue_entry *heap;
	size_t len;
	size_t cap;
	time_t mark; /* every stage after it is in the heap, none before or at it */
};

void remind_stage_key(struct remind_stage s, char buf[static 24])
{
	switch (s.kind) {
	case REMIND_START:
		snprintf(buf, 24, "start");
		break;
	case REMIND_LEAD:
		snprintf(buf, 24, "lead-%u%s", s.n, s.working ? "wd" : "d");
		break;
	case REMIND_DUE:
		snprintf(buf, 24, "due");
		break;
	case REMIND_OVERDUE:
		snprintf(buf, 24, "overdue-%u", s.n);
		break;
	}
}

static const char *zone_name(const struct config_office *o)
{
	return o->timezone != NULL ? o->timezone : "";
}

static uint64_t dates_key(uint64_t h, const struct date *d, size_t n)
{
	h = hash_pair(h, n);
	for (size_t i = 0; i < n; i++)
		h = hash_pair(h, (uint64_t)date_to_days(d[i]));
	return h;
}

/* What tells calendars apart, hashed: two offices of one calendar have the same key. */
static uint64_t calendar_key(const struct config_office *o)
{
	const struct workdays *w = &o->workdays;
	uint64_t h = hash_pair(hash_str(HASH_FNV_BASIS, zone_name(o)), w->holidays);
	for (int i = 0; i < 7; i++)
		h = hash_pair(h, w->weekday[i]);
	return dates_key(dates_key(h, w->closed, w->n_closed), w->open, w->n_open);
}

static bool same_dates(const struct date *x, const struct date *y, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (date_to_days(x[i]) != date_to_days(y[i]))
			return false;
	return true;
}

static bool same_calendar(const struct config_office *a, const struct config_office *b)
{
	const struct workdays *x = &a->workdays, *y = &b->workdays;
	return strcmp(zone_name(a), zone_name(b)) == 0 && x->holidays == y->holidays &&
	       memcmp(x->weekday, y->weekday, sizeof(x->weekday)) == 0 &&
	       x->n_closed == y->n_closed && x->n_open == y->n_open &&
	       same_dates(x->closed, y->closed, x->n_closed) &&
	       same_dates(x->open, y->open, x->n_open);
}

static void day_caches_init(struct day_caches *dc, int bits)
{
	*dc = (struct day_caches){.bits = bits};
}

/* The day cache of office's calendar, made on first use. */
static struct day_entry *day_caches_for(struct day_caches *dc, const struct config_office *office)
{
	uint64_t key = calendar_key(office);
	for (size_t i = 0; i < dc->n; i++)
		if (dc->items[i].key == key && same_calendar(dc->items[i].like, office))
			return dc->items[i].days;
	dc->items = xgrow(dc->items, &dc->cap, dc->n + 1, sizeof(*dc->items));
	struct shared_days *x = &dc->items[dc->n++];
	*x = (struct shared_days){office, key, xcalloc((size_t)1 << dc->bits, sizeof(*x->days))};
	return x->days;
}

static void day_caches_finish(struct day_caches *dc)
{
	for (size_t i = 0; i < dc->n; i++)
		free(dc->items[i].days);
	free(dc->items);
	*dc = (struct day_caches){0};
}

/* Sets c up for office o, caching its days in dc (NULL: no caching). */
static void ctx_init(struct office_ctx *c, const struct config *cfg, size_t o,
		     struct day_caches *dc)
{
	c->office = &cfg->offices[o];
	c->index = o;
	c->hour = cfg->policy.send_minute / 60;
	c->minute = cfg->policy.send_minute % 60;
	c->cache = dc != NULL ? day_caches_for(dc, c->office) : NULL;
	c->mask = dc != NULL ? (1UL << dc->bits) - 1 : 0;
}

/* The cache slot of day, emptied when it held another day; NULL without a cache. */
static struct day_entry *cache_entry(struct office_ctx *c, long day)
{
	if (c->cache == NULL || day < INT32_MIN || day > INT32_MAX)
		return NULL;
	struct day_entry *e = &c->cache[(unsigned long)day & c->mask];
	if (e->known != 0 && e->day != (int32_t)day)
		e->known = 0;
	e->day = (int32_t)day;
	return e;
}

static bool working(struct office_ctx *c, long day)
{
	struct day_entry *e = cache_entry(c, day);
	if (e != NULL && (e->known & KNOWN_WORK))
		return e->known & WORKING;
	bool w = workdays_is_working(&c->office->workdays, date_from_days(day));
	if (e != NULL)
		e->known |= KNOWN_WORK | (w ? WORKING : 0);
	return w;
}

/* The first working day from day on in direction dir (day itself included). */
static bool find_working(struct office_ctx *c, long day, int dir, long *out)
{
	for (long i = 0; i <= FIND_CAP; i++) {
		if (working(c, day + dir * i)) {
			*out = day + dir * i;
			return true;
		}
	}
	return false;
}

/* Day moved to a working day in direction dir; unmoved when none is near. */
static long move_working(struct office_ctx *c, long day, int dir)
{
	long out;
	return find_working(c, day, dir, &out) ? out : day;
}

/* The n-th working day after day (n > 0) or before it (n < 0), as workdays_add. */
static long add_working(struct office_ctx *c, long day, long n)
{
	int dir = n > 0 ? 1 : -1;
	long left = n > 0 ? n : -n;
	long x = day, cap = FIND_CAP + 2 * left;
	for (long steps = 0; left > 0; steps++) {
		if (steps > cap)
			return date_to_days(
				workdays_add(&c->office->workdays, date_from_days(day), n));
		x += dir;
		if (working(c, x))
			left--;
	}
	return x;
}

static const char *office_id(const struct office_ctx *c)
{
	return c->office->id != NULL ? c->office->id : "?";
}

/* The send slot of local day; errors carry the office. */
static int slot_of(struct office_ctx *c, long day, time_t *at, struct pz_error *err)
{
	struct day_entry *e = cache_entry(c, day);
	if (e != NULL && (e->known & KNOWN_SLOT)) {
		*at = e->slot;
		return 0;
	}
	if (calendar_local_to_utc(c->office->timezone, date_from_days(day), c->hour, c->minute, at,
				  err) < 0) {
		pz_error_prefix(err, "office %s", office_id(c));
		return -1;
	}
	if (e != NULL) {
		e->slot = *at;
		e->known |= KNOWN_SLOT;
	}
	return 0;
}

/* True when lead x comes before lead y in tie order: longer first, working before calendar. */
static bool lead_before(struct config_lead x, struct config_lead y)
{
	return x.n > y.n || (x.n == y.n && x.working && !y.working);
}

/* The policy's leads, in tie order and without repeats; returns how many. */
static size_t sorted_leads(const struct config_policy *pol, struct config_lead out[])
{
	size_t n = 0;
	size_t total = pol->n_leads < CONFIG_MAX_LEADS ? pol->n_leads : CONFIG_MAX_LEADS;
	for (size_t i = 0; i < total; i++) {
		struct config_lead l = pol->leads[i];
		size_t j = n;
		bool repeat = false;
		for (size_t k = 0; k < n; k++)
			repeat |= out[k].n == l.n && out[k].working == l.working;
		if (repeat)
			continue;
		for (; j > 0 && lead_before(l, out[j - 1]); j--)
			out[j] = out[j - 1];
		out[j] = l;
		n++;
	}
	return n;
}

static void plan_stages(const struct config_policy *pol, struct stage_plan *sp)
{
	struct config_lead leads[CONFIG_MAX_LEADS];
	size_t n_leads = sorted_leads(pol, leads);
	sp->n = 0;
	sp->working_days_only = pol->working_days_only;
	sp->overdue_every = pol->overdue_every;
	if (pol->announce_start)
		sp->specs[sp->n++] = (struct remind_stage){REMIND_START, 0, false};
	for (size_t i = 0; i < n_leads; i++)
		sp->specs[sp->n++] =
			(struct remind_stage){REMIND_LEAD, leads[i].n, leads[i].working};
	if (pol->due_day)
		sp->specs[sp->n++] = (struct remind_stage){REMIND_DUE, 0, false};
	unsigned max =
		pol->overdue_max < CONFIG_MAX_OVERDUE ? pol->overdue_max : CONFIG_MAX_OVERDUE;
	for (unsigned k = 1; pol->overdue_every > 0 && k <= max; k++)
		sp->specs[sp->n++] = (struct remind_stage){REMIND_OVERDUE, k, false};
}

/* The local day of stage s of ms; false when the milestone has no such stage. */
static bool stage_day(struct office_ctx *c, const struct stage_plan *sp, const struct milestone *ms,
		      struct remind_stage s, long *day)
{
	long due = date_to_days(ms->due);
	int move = 0;
	*day = due; /* direction to a working day when working_days_only */
	switch (s.kind) {
	case REMIND_START:
		if (!ms->has_start)
			return false;
		*day = date_to_days(ms->start);
		move = 1;
		break;
	case REMIND_LEAD:
		*day = s.working ? add_working(c, due, -(long)s.n) : due - (long)s.n;
		move = -1;
		break;
	case REMIND_DUE:
		*day = due;
		move = -1;
		break;
	case REMIND_OVERDUE:
		*day = due + (long)s.n * sp->overdue_every;
		move = 1;
		break;
	}
	if (sp->working_days_only)
		*day = move_working(c, *day, move);
	return true;
}

/* Computes stage s of ms into out: 0, 1 when the milestone has no such stage, -1 on error. */
static int stage_slot(struct office_ctx *c, const struct stage_plan *sp, const struct milestone *ms,
		      struct remind_stage s, struct slot *out, struct pz_error *err)
{
	out->stage = s;
	if (!stage_day(c, sp, ms, s, &out->day))
		return 1;
	return slot_of(c, out->day, &out->at, err);
}

/* Every stage of ms sorted by slot (stable, so ties keep the plan's order); the count or -1. */
static int pair_slots(struct office_ctx *c, const struct stage_plan *sp, const struct milestone *ms,
		      struct slot out[static REMIND_MAX_STAGES], struct pz_error *err)
{
	size_t n = 0;
	for (size_t i = 0; i < sp->n; i++) {
		struct slot x;
		int rc = stage_slot(c, sp, ms, sp->specs[i], &x, err);
		if (rc < 0)
			return -1;
		if (rc > 0)
			continue;
		size_t j = n++;
		for (; j > 0 && out[j - 1].at > x.at; j--)
			out[j] = out[j - 1];
		out[j] = x;
	}
	return (int)n;
}

static struct reminder make_reminder(size_t o, size_t a, size_t m, const struct slot *x)
{
	return (struct reminder){o, a, m, x->stage, x->at, date_from_days(x->day)};
}

static int check_office(const struct config *cfg, size_t o, struct pz_error *err)
{
	if (o >= cfg->n_offices)
		return PZ_FAIL(err, PZ_EUSAGE, NULL, "office index %zu out of range (%zu offices)",
			       o, cfg->n_offices);
	return 0;
}

int remind_stages(const struct plan *p, const struct config *cfg, size_t a, size_t m, size_t o,
		  struct reminder out[static REMIND_MAX_STAGES], struct pz_error *err)
{
	if (check_office(cfg, o, err) < 0)
		return -1;
	struct stage_plan sp;
	plan_stages(&cfg->policy, &sp);
	struct office_ctx c;
	ctx_init(&c, cfg, o, NULL);
	struct slot x[REMIND_MAX_STAGES];
	int n = pair_slots(&c, &sp, &p->milestones[m], x, err);
	for (int i = 0; i < n; i++)
		out[i] = make_reminder(o, a, m, &x[i]);
	return n;
}

/* remind_due's view of one office: for each stage, the key days (the start for "start", the
 * due date otherwise) whose stage day can fall in the window. */
struct due_office {
	bool ready;
	struct office_ctx c;
	long lo[REMIND_MAX_STAGES];
	long hi[REMIND_MAX_STAGES];
};

/* Whether (from, to] is short and ordinary enough to narrow the search by day. */
static bool narrow_window(time_t from, time_t to)
{
	return (long long)from >= TIME_FIRST && (long long)to <= TIME_LAST &&
	       (long long)to - (long long)from <= NARROW_MAX;
}

/* The local days a slot in (from, to] may belong to: a slot lies on its day or, past a gap
 * at midnight, the next one; local clocks step back at most a day. */
static int window_days(struct office_ctx *c, time_t from, time_t to, long *wlo, long *whi,
		       struct pz_error *err)
{
	struct date d1, d2;
	int min;
	const char *tz = c->office->timezone;
	if (calendar_utc_to_local(tz, from, &d1, &min, err) < 0 ||
	    calendar_utc_to_local(tz, to, &d2, &min, err) < 0) {
		pz_error_prefix(err, "office %s", office_id(c));
		return -1;
	}
	*wlo = date_to_days(d1) - 2;
	*whi = date_to_days(d2) + 1;
	return 0;
}

/* Key-day bounds of stage s for stage days in [wlo, whi]. P is the last working day before
 * wlo and Q the first after whi (wlo - 1 and whi + 1 when any day may be used): every stage
 * day is a monotone function of its key day that moves at most to the next working day. */
static void stage_bounds(struct office_ctx *c, const struct config_policy *pol,
			 struct remind_stage s, long wlo, long whi, long P, long Q, long *lo,
			 long *hi)
{
	long every = (long)pol->overdue_every;
	long found;
	switch (s.kind) {
	case REMIND_START:
		*lo = P + 1;
		*hi = whi;
		break;
	case REMIND_LEAD:
		*lo = wlo + (s.working ? 0 : (long)s.n);
		if (!s.working || s.n == 0)
			*hi = Q - 1 + (s.working ? 0 : (long)s.n);
		else
			*hi = (found = add_working(c, whi, (long)s.n)) > whi ? found : FAR_FUTURE;
		break;
	case REMIND_DUE:
		*lo = wlo;
		*hi = Q - 1;
		break;
	case REMIND_OVERDUE:
		*lo = P + 1 - (long)s.n * every;
		*hi = whi - (long)s.n * every;
		break;
	}
}

struct due_walk {
	const struct plan *p;
	const struct config *cfg;
	struct stage_plan sp;
	time_t from, to;
	bool narrow;
	int (*fn)(const struct reminder *r, void *user);
	void *user;
	struct day_caches *days;
};

static int due_office_init(struct due_office *d, const struct due_walk *w, size_t o,
			   struct pz_error *err)
{
	const struct stage_plan *sp = &w->sp;
	ctx_init(&d->c, w->cfg, o, w->days);
	d->ready = true;
	for (size_t i = 0; i < sp->n; i++) {
		d->lo[i] = FAR_PAST;
		d->hi[i] = FAR_FUTURE;
	}
	long wlo, whi;
	if (!w->narrow)
		return 0;
	if (window_days(&d->c, w->from, w->to, &wlo, &whi, err) < 0)
		return -1;
	long P = wlo - 1, Q = whi + 1;
	if (sp->working_days_only && !find_working(&d->c, wlo - 1, -1, &P))
		P = FAR_PAST;
	if (sp->working_days_only && !find_working(&d->c, whi + 1, 1, &Q))
		Q = FAR_FUTURE;
	for (size_t i = 0; i < sp->n; i++)
		stage_bounds(&d->c, &w->cfg->policy, sp->specs[i], wlo, whi, P, Q, &d->lo[i],
			     &d->hi[i]);
	return 0;
}

static int due_pair(const struct due_walk *w, struct due_office *d, size_t a, size_t m,
		    struct pz_error *err)
{
	const struct milestone *ms = &w->p->milestones[m];
	long start = ms->has_start ? date_to_days(ms->start) : 0, due = date_to_days(ms->due);
	for (size_t i = 0; i < w->sp.n; i++) {
		struct remind_stage s = w->sp.specs[i];
		long key = s.kind == REMIND_START ? start : due;
		if (key < d->lo[i] || key > d->hi[i])
			continue;
		struct slot x;
		int rc = stage_slot(&d->c, &w->sp, ms, s, &x, err);
		if (rc < 0)
			return -1;
		if (rc > 0 || x.at <= w->from || x.at > w->to)
			continue;
		struct reminder r = make_reminder(d->c.index, a, m, &x);
		if ((rc = w->fn(&r, w->user)) != 0)
			return rc;
	}
	return 0;
}

static int due_activity(const struct due_walk *w, struct due_office *offs, size_t a,
			struct pz_error *err)
{
	const struct activity *act = &w->p->activities[a];
	for (size_t k = 0; k < act->office_count; k++) {
		size_t o = w->p->office_refs[act->office_first + k];
		if (check_office(w->cfg, o, err) < 0)
			return -1;
		if (!offs[o].ready && due_office_init(&offs[o], w, o, err) < 0)
			return -1;
		for (size_t i = 0; i < act->milestone_count; i++) {
			int rc = due_pair(w, &offs[o], a, act->milestone_first + i, err);
			if (rc != 0)
				return rc;
		}
	}
	return 0;
}

int remind_due(const struct plan *p, const struct config *cfg, time_t from, time_t to,
	       int (*fn)(const struct reminder *r, void *user), void *user, struct pz_error *err)
{
	if (from >= to)
		return 0;
	struct day_caches days;
	struct due_walk w = {p,  cfg, {.n = 0}, from, to, narrow_window(from, to),
			     fn, user, &days};
	day_caches_init(&days, w.narrow ? DUE_CACHE_BITS : QUEUE_CACHE_BITS);
	plan_stages(&cfg->policy, &w.sp);
	struct due_office *offs = xcalloc(cfg->n_offices + 1, sizeof(*offs));
	int rc = 0;
	for (size_t a = 0; a < p->n_activities && rc == 0; a++)
		rc = due_activity(&w, offs, a, err);
	day_caches_finish(&days);
	free(offs);
	return rc;
}

/* Heap order: slot, then milestone and office so that equal slots come out the same way. */
static bool entry_less(const struct queue_entry *x, const struct queue_entry *y)
{
	if (x->at != y->at)
		return x->at < y->at;
	if (x->milestone != y->milestone)
		return x->milestone < y->milestone;
	return x->office < y->office;
}

static void sift_down(struct queue_entry *h, size_t len, size_t i)
{
	struct queue_entry e = h[i];
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= len)
			break;
		if (c + 1 < len && entry_less(&h[c + 1], &h[c]))
			c++;
		if (!entry_less(&h[c], &e))
			break;
		h[i] = h[c];
		i = c;
	}
	h[i] = e;
}

static struct office_ctx *queue_ctx(struct remind_queue *q, size_t o)
{
	if (q->ctx[o].office == NULL)
		ctx_init(&q->ctx[o], q->cfg, o, &q->days);
	return &q->ctx[o];
}

/* The sorted stages of the pair of e. */
static int entry_slots(struct remind_queue *q, const struct queue_entry *e,
		       struct slot out[static REMIND_MAX_STAGES], struct pz_error *err)
{
	return pair_slots(queue_ctx(q, e->office), &q->sp, &q->plan->milestones[e->milestone], out,
			  err);
}

/* Appends the pair's first stage after `after` (unordered: the caller heapifies). */
static int queue_add_pair(struct remind_queue *q, size_t a, size_t m, size_t o, time_t after,
			  struct pz_error *err)
{
	struct queue_entry e = {0, (uint32_t)a, (uint32_t)m, (uint32_t)o, 0};
	struct slot st[REMIND_MAX_STAGES];
	int n = entry_slots(q, &e, st, err);
	if (n < 0)
		return -1;
	size_t i = 0;
	while (i < (size_t)n && st[i].at <= after)
		i++;
	if (i == (size_t)n)
		return 0;
	e.at = st[i].at;
	e.next = (uint8_t)i;
	q->heap = xgrow(q->heap, &q->cap, q->len + 1, sizeof(*q->heap));
	q->heap[q->len++] = e;
	return 0;
}

static int queue_fill(struct remind_queue *q, time_t after, struct pz_error *err)
{
	const struct plan *p = q->plan;
	if (p->n_activities >= UINT32_MAX || p->n_milestones >= UINT32_MAX ||
	    q->cfg->n_offices >= UINT32_MAX)
		return PZ_FAIL(err, PZ_EUSAGE, NULL, "plan too large for the reminder queue");
	for (size_t a = 0; a < p->n_activities; a++) {
		const struct activity *act = &p->activities[a];
		for (size_t k = 0; k < act->office_count; k++) {
			size_t o = p->office_refs[act->office_first + k];
			if (check_office(q->cfg, o, err) < 0)
				return -1;
			for (size_t i = 0; i < act->milestone_count; i++)
				if (queue_add_pair(q, a, act->milestone_first + i, o, after, err) <
				    0)
					return -1;
		}
	}
	for (size_t i = q->len / 2; i-- > 0;)
		sift_down(q->heap, q->len, i);
	return 0;
}

struct remind_queue *remind_queue_new(const struct plan *p, const struct config *cfg, time_t after,
				      struct pz_error *err)
{
	struct remind_queue *q = xcalloc(1, sizeof(*q));
	q->plan = p;
	q->cfg = cfg;
	q->mark = after;
	plan_stages(&cfg->policy, &q->sp);
	day_caches_init(&q->days, QUEUE_CACHE_BITS);
	q->ctx = xcalloc(cfg->n_offices + 1, sizeof(*q->ctx));
	if (queue_fill(q, after, err) < 0) {
		remind_queue_free(q);
		return NULL;
	}
	return q;
}

void remind_queue_free(struct remind_queue *q)
{
	if (q == NULL)
		return;
	day_caches_finish(&q->days);
	free(q->ctx);
	free(q->heap);
	free(q);
}

time_t remind_queue_mark(const struct remind_queue *q)
{
	return q->mark;
}

bool remind_queue_next(const struct remind_queue *q, time_t *at)
{
	if (q->len == 0)
		return false;
	*at = q->heap[0].at;
	return true;
}

/* Emits the top pair's stage and moves the pair to its next stage, or drops it. */
static void queue_pop(struct remind_queue *q, struct reminder **out, size_t *cap, size_t *n)
{
	struct queue_entry *top = &q->heap[0];
	struct slot st[REMIND_MAX_STAGES];
	struct pz_error err;
	/* The pair's stages were computed when it entered the queue; the cache holds them. */
	int count = entry_slots(q, top, st, &err);
	if (count > top->next) {
		*out = xgrow(*out, cap, *n + 1, sizeof(**out));
		(*out)[(*n)++] =
			make_reminder(top->office, top->activity, top->milestone, &st[top->next]);
	}
	if (count > top->next + 1) {
		top->next++;
		top->at = st[top->next].at;
	} else {
		q->heap[0] = q->heap[--q->len];
	}
	sift_down(q->heap, q->len, 0);
}

size_t remind_queue_take(struct remind_queue *q, time_t upto, struct reminder **out, size_t *cap)
{
	size_t n = 0;
	while (q->len > 0 && q->heap[0].at <= upto)
		queue_pop(q, out, cap, &n);
	if (upto > q->mark)
		q->mark = upto;
	return n;
}
