#include "send.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agenda.h"
#include "calendar.h"
#include "deliver.h"
#include "done.h"
#include "doubt.h"
#include "escalate.h"
#include "link.h"
#include "log.h"
#include "mail.h"
#include "remind.h"
#include "site.h"
#include "spanish.h"
#include "welcome.h"
#include "xalloc.h"

enum { LATE_AFTER = DELIVER_LATE_AFTER, FIRST_RUN_WINDOW = 24 * 3600 };

struct collected {
	struct reminder *items;
	size_t len;
	size_t cap;
};

static int collect(const struct reminder *r, void *user)
{
	struct collected *c = user;
	c->items = xgrow(c->items, &c->cap, c->len + 1, sizeof(*c->items));
	c->items[c->len++] = *r;
	return 0;
}

/* Stages of one slot in the policy's tie order (remind.h): start, leads longest first and
 * working before calendar, due, overdue by repetition. */
static int compare_stages(struct remind_stage x, struct remind_stage y)
{
	if (x.kind != y.kind)
		return x.kind < y.kind ? -1 : 1;
	if (x.kind == REMIND_LEAD && x.n != y.n)
		return x.n > y.n ? -1 : 1;
	if (x.kind == REMIND_LEAD && x.working != y.working)
		return x.working ? -1 : 1;
	return x.n < y.n ? -1 : x.n > y.n;
}

/* A total order (office, milestone, slot, stage), so the due set sorts the same whichever
 * engine produced it and in whatever order. */
static int compare_reminders(const void *a, const void *b)
{
	const struct reminder *x = a, *y = b;
	if (x->office != y->office)
		return x->office < y->office ? -1 : 1;
	if (x->milestone != y->milestone)
		return x->milestone < y->milestone ? -1 : 1;
	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	return compare_stages(x->stage, y->stage);
}

static void to_row(const struct plan *p, const struct config *cfg, const struct reminder *r,
		   time_t at, struct store_reminder *row)
{
	const struct activity *a = &p->activities[r->activity];
	memset(row, 0, sizeof(*row));
	snprintf(row->office, sizeof(row->office), "%s", cfg->offices[r->office].id);
	_Static_assert(PLAN_KEY_SIZE <= sizeof(row->activity), "a plan key fits a row's");
	snprintf(row->activity, sizeof(row->activity), "%s", plan_activity_key(a));
	row->milestone = (int)(r->milestone - a->milestone_first + 1);
	date_format_iso(p->milestones[r->milestone].due, row->due);
	remind_stage_key(r->stage, row->stage);
	row->slot = (long long)r->at;
	row->late = at - r->at > LATE_AFTER;
	row->next_attempt = (long long)at;
	row->state = STORE_PENDING;
}

/* What came due in (from, at]: taken from the queue when it starts at from, else scanned
 * (the queue then skips to at, so what the scan found is not handed out again). */
static int due_set(const struct plan *p, const struct config *cfg, time_t from, time_t at,
		   struct send_report *rep, struct collected *c, struct pz_error *err)
{
	struct remind_queue *q = rep->queue;
	if (q != NULL && remind_queue_mark(q) == from) {
		c->len = remind_queue_take(q, at, &c->items, &c->cap);
		return 0;
	}
	rep->scanned = true;
	if (q != NULL)
		remind_queue_take(q, at, &c->items, &c->cap);
	c->len = 0;
	return remind_due(p, cfg, from, at, collect, c, err);
}

/* Enqueues what came due in (cursor, at]; of a milestone's stages in one pass only the
 * latest goes out, the others are recorded as superseded. */
static int enqueue(const struct plan *p, const struct config *cfg, struct store *st, time_t at,
		   const struct done_set *done, struct send_report *rep, struct pz_error *err)
{
	bool has;
	time_t from;
	if (store_cursor(st, &has, &from, err) < 0 ||
	    welcome_enqueue(cfg, st, at, &rep->enqueued, err) < 0)
		return -1;
	if (!has)
		from = at - FIRST_RUN_WINDOW;
	if (at <= from)
		return 0;
	struct collected c = {NULL, 0, 0};
	int rc = due_set(p, cfg, from, at, rep, &c, err);
	if (c.len > 1)
		qsort(c.items, c.len, sizeof(*c.items), compare_reminders);
	for (size_t i = 0; rc == 0 && i < c.len; i++) {
		struct store_reminder row;
		to_row(p, cfg, &c.items[i], at, &row);
		bool last = i + 1 == c.len || c.items[i + 1].office != c.items[i].office ||
			    c.items[i + 1].milestone != c.items[i].milestone;
		if (!last)
			row.state = STORE_SUPERSEDED;
		if (done_find(done, p, c.items[i].activity, c.items[i].milestone, row.office))
			row.state = STORE_DELIVERED;
		bool added;
		rc = store_enqueue(st, &row, &added, err);
		rep->enqueued += added && row.state == STORE_PENDING;
	}
	free(c.items);
	if (rc == 0)
		rc = escalate_enqueue(p, cfg, st, from, at, &rep->enqueued, err);
	return rc < 0 ? -1 : store_set_cursor(st, at, err);
}

/* Finds plan activities and config offices by the names the ledger uses. */
struct lookup {
	size_t *offices;   /* office indices sorted by id */
	const struct plan *p;
	const struct config *cfg;
	const struct done_set *done;
	struct agenda *welcome; /* every office's agenda within WELCOME_DAYS, or NULL */
	char **page_urls;       /* per office: its page and feed, for the offices with rows */
	char **feed_urls;
};

/* What every step of a delivery pass shares, set up once by pending_pass and passed down. */
struct pass {
	const struct lookup *l;  /* the plan, config and marks, by the ledger's names */
	struct store *st;
	struct deliver *t;
	time_t at;               /* the pass's instant */
	struct strbuf *dry_out;  /* a dry run's digests go here; NULL: deliver and record */
	struct send_report *rep;
};

static int compare_ids(const void *a, const void *b, void *cfg)
{
	const struct config *c = cfg;
	return strcmp(c->offices[*(const size_t *)a].id, c->offices[*(const size_t *)b].id);
}

static void lookup_init(struct lookup *l, const struct plan *p, const struct config *cfg,
			const struct done_set *done)
{
	l->p = p;
	l->cfg = cfg;
	l->done = done;
	l->welcome = NULL;
	l->page_urls = xcalloc(cfg->n_offices ? cfg->n_offices : 1, sizeof(char *));
	l->feed_urls = xcalloc(cfg->n_offices ? cfg->n_offices : 1, sizeof(char *));
	l->offices = xcalloc(cfg->n_offices, sizeof(size_t));
	for (size_t i = 0; i < cfg->n_offices; i++)
		l->offices[i] = i;
	qsort_r(l->offices, cfg->n_offices, sizeof(size_t), compare_ids, (void *)cfg);
}

/* The welcome digests' agendas, built once for the pass when a row is a welcome row (one
 * scan of the plan, not one per welcome digest). */
static int lookup_welcome(struct lookup *l, const struct store_reminder *rows, size_t n,
			  time_t at, struct pz_error *err)
{
	size_t i = 0;
	while (i < n && !welcome_row(&rows[i]))
		i++;
	if (i == n)
		return 0;
	l->welcome = xcalloc(l->cfg->n_offices ? l->cfg->n_offices : 1, sizeof(*l->welcome));
	return agenda_build(l->p, l->cfg, at, WELCOME_DAYS, l->welcome, err);
}

static void lookup_finish(struct lookup *l)
{
	for (size_t i = 0; i < l->cfg->n_offices; i++) {
		free(l->page_urls[i]);
		free(l->feed_urls[i]);
	}
	free(l->page_urls);
	free(l->feed_urls);
	agenda_free(l->welcome, l->welcome ? l->cfg->n_offices : 0);
	free(l->welcome);
	free(l->offices);
}

static long find_office(const struct lookup *l, const char *id)
{
	size_t lo = 0, hi = l->cfg->n_offices;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(l->cfg->offices[l->offices[mid]].id, id);
		if (c == 0)
			return (long)l->offices[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* The activity with that ledger key (plan_activity_key), or -1. */
static long find_activity(const struct lookup *l, const char *key)
{
	return plan_find_key(l->p, key);
}

/* The plan milestone a ledger row names, or -1 when the plan no longer has it on that date
 * (edited plan: the row is obsolete and the new date has its own stages). */
static long find_milestone(const struct lookup *l, const struct store_reminder *r)
{
	long a = find_activity(l, r->activity);
	if (a < 0 || r->milestone < 1)
		return -1;
	const struct activity *act = &l->p->activities[a];
	if ((size_t)r->milestone > act->milestone_count)
		return -1;
	size_t m = act->milestone_first + (size_t)r->milestone - 1;
	char due[11];
	date_format_iso(l->p->milestones[m].due, due);
	return strcmp(due, r->due) == 0 ? (long)m : -1;
}

enum { TEXTS = 4 };

/* Rows of one office that go out as one digest: those first attempted together under one
 * Message-ID go again together under it (a resend keeps it); those attempted before schema 4
 * stored Message-IDs (legacy) keep the identity they had; new rows make a new digest. */
struct group {
	struct store_reminder *rows;
	size_t n;
	const char *message_id; /* stored, or "" */
	bool legacy;
	bool escalation;
	bool welcome;
};

/* One digest being built: its items and the strings they borrow. */
struct digest {
	const struct group *g;
	size_t office;
	struct date today;
	time_t today_at;      /* the pass's instant */
	struct mail_item *items;
	struct strbuf *texts; /* TEXTS per item: others, source, link, doubt */
	const char *page_url; /* the office's page, or NULL (borrowed from the lookup) */
	const char *feed_url; /* its feed */
	size_t n;
	size_t *rows;         /* the group rows the digest settles (not the obsolete ones) */
	size_t n_rows;
	struct strbuf identity;
	const struct unread *unread; /* the escalation digest's rows not read, or NULL */
};

static void digest_finish(struct digest *d, size_t n_rows)
{
	for (size_t i = 0; d->texts && i < TEXTS * n_rows; i++)
		strbuf_finish(&d->texts[i]);
	free(d->texts);
	free(d->items);
	free(d->rows);
	strbuf_finish(&d->identity);
}

static const char *closed_reason(const struct config_office *o, struct date due)
{
	if (workdays_is_working(&o->workdays, due))
		return NULL;
	const char *holiday = calendar_holiday_name(due);
	if (holiday && o->workdays.holidays)
		return holiday;
	if (!o->workdays.weekday[date_weekday(due)])
		return spanish_weekday(date_weekday(due));
	return "día no laborable de la oficina";
}

static void fill_item(const struct lookup *l, struct digest *d, size_t i, long m,
		      const struct store_reminder *r)
{
	const struct plan *p = l->p;
	long a = find_activity(l, r->activity);
	const struct activity *act = &p->activities[a];
	const struct milestone *ms = &p->milestones[m];
	const struct config_office *o = &l->cfg->offices[d->office];
	struct strbuf *others = &d->texts[TEXTS * i], *source = &d->texts[TEXTS * i + 1];
	struct strbuf *link = &d->texts[TEXTS * i + 2], *doubt = &d->texts[TEXTS * i + 3];
	const struct plan_doubt *dt = doubt_of(p, (size_t)m);
	if (dt != NULL)
		doubt_describe(doubt, p, dt, ms->due);
	if (d->page_url) {
		strbuf_printf(link, "%s#", d->page_url);
		plan_item_anchor(link, act, (size_t)m - act->milestone_first + 1);
	}
	for (size_t k = 0; k < act->office_count; k++) {
		size_t other = p->office_refs[act->office_first + k];
		if (other != d->office)
			strbuf_printf(others, "%s%s", others->len ? ", " : "",
				      l->cfg->offices[other].name);
	}
	const char *base = strrchr(p->source, '/');
	strbuf_printf(source, "%s:%u", base ? base + 1 : p->source, act->line);
	d->items[i] = (struct mail_item){
		.number = act->number,
		.ref = plan_activity_ref(act),
		.activity = act->text,
		.goal = act->goal,
		.due = ms->due,
		.has_start = ms->has_start,
		.start = ms->start,
		.days = date_to_days(ms->due) - date_to_days(d->today),
		.workdays = workdays_between(&o->workdays, d->today, ms->due),
		.due_closed = closed_reason(o, ms->due),
		.stage = r->stage,
		.late = r->late,
		.others = others->data,
		.source = source->data,
		.link = link->len ? link->data : NULL,
		.doubt = doubt->len ? doubt->data : NULL,
	};
}

static int compare_items(const void *a, const void *b)
{
	const struct mail_item *x = a, *y = b;
	if (x->days != y->days)
		return x->days < y->days ? -1 : 1;
	return x->number < y->number ? -1 : x->number > y->number;
}

/* Builds the digest of rows[0..n), all of one office; rows whose milestone left the plan
 * are marked obsolete. Of several rows of one milestone, the latest stage speaks. */
static int digest_build(const struct pass *ps, const struct store_reminder *rows, size_t n,
			struct digest *d, struct pz_error *err)
{
	const struct lookup *l = ps->l;
	struct store *st = ps->st;
	bool dry_run = ps->dry_out != NULL;
	d->items = xcalloc(n, sizeof(*d->items));
	d->texts = xcalloc(TEXTS * n, sizeof(*d->texts));
	for (size_t i = 0; i < TEXTS * n; i++)
		strbuf_init(&d->texts[i]);
	d->rows = xcalloc(n, sizeof(*d->rows));
	long *ms = xcalloc(n, sizeof(*ms));
	strbuf_printf(&d->identity, "%s", l->cfg->offices[d->office].id);
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		ms[i] = find_milestone(l, &rows[i]);
		if (ms[i] < 0) {
			rc = dry_run ? 0 : store_mark_obsolete(st, rows[i].id, err);
			continue;
		}
		if (done_find(l->done, l->p, (size_t)find_activity(l, rows[i].activity),
			      (size_t)ms[i], rows[i].office)) {
			ms[i] = -1; /* delivered meanwhile: the reminder is not needed */
			rc = dry_run ? 0 : store_mark_skipped(st, rows[i].id, d->today_at, err);
			continue;
		}
		d->rows[d->n_rows++] = i;
		strbuf_printf(&d->identity, ":%lld", rows[i].id);
		bool later = false; /* rows come by slot: a later row of the milestone wins */
		for (size_t k = i + 1; k < n && !later; k++)
			later = find_milestone(l, &rows[k]) == ms[i];
		if (!later)
			fill_item(l, d, d->n++, ms[i], &rows[i]);
	}
	free(ms);
	qsort(d->items, d->n, sizeof(*d->items), compare_items);
	return rc;
}

/* Composes, delivers (or prints, in a dry run) and records a built digest of rows. */
static int send_digest(const struct pass *ps, const struct store_reminder *rows,
		       const struct digest *d, const char *title, struct pz_error *err)
{
	const struct lookup *l = ps->l;
	struct deliver *t = ps->t;
	time_t at = ps->at;
	struct strbuf *dry_out = ps->dry_out;
	const struct config_office *o = &l->cfg->offices[d->office];
	const char *domain = strchr(l->cfg->mail.from, '@') + 1;
	char message_id[128];
	if (d->g->message_id[0] != '\0')
		snprintf(message_id, sizeof(message_id), "%s", d->g->message_id);
	else
		deliver_message_id(t, d->identity.data, d->g->legacy, domain, message_id,
				   sizeof(message_id));
	const char *const *to = (const char *const *)o->emails.items;
	struct mail_digest md = {
		.office_id = o->id, .office_name = title, .from = l->cfg->mail.from,
		.from_name = l->cfg->mail.from_name, .to = to, .n_to = o->emails.len,
		.cc = o->manager, .list_domain = domain, .identity = d->identity.data,
		.message_id = message_id, .date = at, .timezone = o->timezone, .today = d->today,
		.items = d->items, .n_items = d->n, .page_url = d->page_url, .feed_url = d->feed_url,
		.unread = d->unread,
		.escalation = d->g->escalation, .welcome = d->g->welcome,
	};
	struct strbuf msg;
	strbuf_init(&msg);
	int rc = mail_compose(&md, &msg, err);
	if (rc == 0 && dry_out) {
		strbuf_append(dry_out, msg.data, msg.len);
		strbuf_puts(dry_out, "\r\n");
	} else if (rc == 0) {
		struct store_reminder *settled = xcalloc(d->n_rows ? d->n_rows : 1, sizeof(*settled));
		for (size_t i = 0; i < d->n_rows; i++)
			settled[i] = rows[d->rows[i]];
		rc = deliver_send(t, o, settled, d->n_rows, d->n, message_id, &msg, ps->rep, err);
		free(settled);
	}
	strbuf_finish(&msg);
	return rc;
}

/* A digest pass over one group of an office's pending rows. */
typedef int pass_fn(const struct pass *ps, const struct group *g, size_t office,
		    struct pz_error *err);

/* The welcome digest's items: the office's milestones not marked delivered, overdue or due
 * within WELCOME_DAYS (welcome.h), in the order of a digest. */
static void welcome_items(const struct lookup *l, const struct agenda *a, struct digest *d)
{
	d->items = xcalloc(a->len + 1, sizeof(*d->items));
	d->texts = xcalloc(TEXTS * (a->len + 1), sizeof(*d->texts));
	for (size_t i = 0; i < TEXTS * (a->len + 1); i++)
		strbuf_init(&d->texts[i]);
	for (size_t i = 0; i < a->len; i++) {
		const struct agenda_item *it = &a->items[i];
		const struct activity *act = &l->p->activities[it->activity];
		struct store_reminder r = {.late = false};
		snprintf(r.activity, sizeof(r.activity), "%s", plan_activity_key(act));
		if (done_find(l->done, l->p, it->activity, it->milestone,
			      l->cfg->offices[d->office].id))
			continue;
		fill_item(l, d, d->n, (long)it->milestone, &r);
		d->items[d->n++].stage = WELCOME_STAGE; /* not r's, which dies here */
	}
	qsort(d->items, d->n, sizeof(*d->items), compare_items);
}

/* A digest of group g for office at the pass's instant: the office's local day and its
 * links; the caller fills the items and ends it with digest_finish. */
static int digest_begin(const struct pass *ps, const struct group *g, size_t office,
			struct digest *d, struct pz_error *err)
{
	const struct lookup *l = ps->l;
	int minutes;
	*d = (struct digest){.g = g, .office = office, .today_at = ps->at};
	strbuf_init(&d->identity);
	d->page_url = l->page_urls[office];
	d->feed_url = l->feed_urls[office];
	return calendar_utc_to_local(l->cfg->offices[office].timezone, ps->at, &d->today,
				     &minutes, err);
}

/* d settles every row of g; its identity (the Message-ID's) is "OFFICE:KIND:ID:ID...". */
static void take_all_rows(struct digest *d, const struct group *g, const char *office,
			  const char *kind)
{
	d->rows = xcalloc(g->n, sizeof(*d->rows));
	strbuf_printf(&d->identity, "%s:%s", office, kind);
	for (size_t i = 0; i < g->n; i++) {
		d->rows[d->n_rows++] = i;
		strbuf_printf(&d->identity, ":%lld", g->rows[i].id);
	}
}

/* The welcome digest of an office new to plazo; it settles the group's welcome rows. */
static int welcome_pass(const struct pass *ps, const struct group *g, size_t office,
			struct pz_error *err)
{
	const struct lookup *l = ps->l;
	const struct config_office *o = &l->cfg->offices[office];
	struct digest d;
	int rc = digest_begin(ps, g, office, &d, err);
	size_t cap = rc == 0 ? l->welcome[office].len + 1 : 0;
	if (rc == 0) {
		welcome_items(l, &l->welcome[office], &d);
		take_all_rows(&d, g, o->id, "welcome");
		rc = send_digest(ps, g->rows, &d, o->name, err);
	}
	digest_finish(&d, cap);
	return rc;
}

/* The reminders of one group of an office's pending rows, as one digest. */
static int reminders_pass(const struct pass *ps, const struct group *g, size_t office,
			  struct pz_error *err)
{
	const struct config_office *o = &ps->l->cfg->offices[office];
	struct digest d;
	int rc = digest_begin(ps, g, office, &d, err);
	if (rc == 0)
		rc = digest_build(ps, g->rows, g->n, &d, err);
	if (rc == 0 && d.n > 0)
		rc = send_digest(ps, g->rows, &d, o->name, err);
	digest_finish(&d, g->n);
	return rc;
}

/* The supervising office's escalation rows (of one or more weeks) as one digest of what
 * is long overdue now, and of the plan's rows not read; with neither, the rows close without
 * a message. */
static int escalation_pass(const struct pass *ps, const struct group *g, size_t office,
			   struct pz_error *err)
{
	const struct lookup *l = ps->l;
	time_t at = ps->at;
	const struct config_office *o = &l->cfg->offices[office];
	struct escalate_items e;
	struct digest d = {.g = g, .office = office, .today_at = at};
	strbuf_init(&d.identity);
	int minutes, rc = calendar_utc_to_local(o->timezone, at, &d.today, &minutes, err);
	if (rc == 0)
		rc = escalate_items(l->p, l->cfg, l->done, at, &e, err);
	if (rc < 0)
		return -1;
	d.items = e.items;
	d.n = e.n;
	take_all_rows(&d, g, o->id, "escalation");
	char *title = xasprintf("Seguimiento de vencidas — %s", o->name);
	bool unread = ps->rep->unread != NULL && ps->rep->unread->errors > 0;
	d.unread = ps->rep->unread;
	if (d.n > 0 || unread)
		rc = send_digest(ps, g->rows, &d, title, err);
	for (size_t i = 0; d.n == 0 && !unread && !ps->dry_out && i < g->n && rc == 0; i++)
		rc = store_mark_obsolete(ps->st, g->rows[i].id, err);
	free(title);
	free(d.rows);
	strbuf_finish(&d.identity);
	escalate_items_free(&e);
	return rc;
}

static bool same_group(const struct group *g, const struct store_reminder *r)
{
	bool esc = strcmp(r->activity, ESCALATE_ACTIVITY) == 0;
	bool legacy = r->message_id[0] == '\0' && r->attempts > 0;
	return g->escalation == esc && g->welcome == welcome_row(r) && g->legacy == legacy &&
	       strcmp(g->message_id, r->message_id) == 0;
}

/* Splits rows[0..n) into groups (in order of first appearance); *out is allocated, and each
 * group's rows too. */
static size_t group_rows(const struct store_reminder *rows, size_t n, struct group **out)
{
	struct group *g = xcalloc(n, sizeof(*g));
	size_t ng = 0;
	for (size_t i = 0; i < n; i++) {
		size_t k = 0;
		while (k < ng && !same_group(&g[k], &rows[i]))
			k++;
		if (k == ng) {
			g[ng++] = (struct group){
				.rows = xcalloc(n, sizeof(*g->rows)),
				.message_id = rows[i].message_id,
				.legacy = rows[i].message_id[0] == '\0' && rows[i].attempts > 0,
				.escalation = strcmp(rows[i].activity, ESCALATE_ACTIVITY) == 0,
				.welcome = welcome_row(&rows[i]),
			};
		}
		g[k].rows[g[k].n++] = rows[i];
	}
	*out = g;
	return ng;
}

/* The order of an office's digests: the welcome first, escalation last. */
static int group_kind(const struct group *g)
{
	return g->welcome ? 0 : g->escalation ? 2 : 1;
}

/* One office's pending rows: a digest per group, the welcome first, escalation last. */
static int office_pass(const struct pass *ps, const struct store_reminder *rows, size_t n,
		       size_t office, struct pz_error *err)
{
	static pass_fn *const passes[] = {welcome_pass, reminders_pass, escalation_pass};
	struct group *g;
	size_t ng = group_rows(rows, n, &g);
	int rc = 0;
	for (int kind = 0; kind < 3; kind++)
		for (size_t k = 0; k < ng && rc == 0; k++) {
			if (group_kind(&g[k]) != kind || (!ps->dry_out && deliver_waiting(ps->t)))
				continue;
			rc = passes[kind](ps, &g[k], office, err);
		}
	for (size_t k = 0; k < ng; k++)
		free(g[k].rows);
	free(g);
	return rc;
}

/* The offices of rows (rows by office) whose digests carry links: each configured office
 * once, in the order of the rows, escalation rows aside. *out is allocated. */
static size_t linked_offices(const struct lookup *l, const struct store_reminder *rows,
			     size_t n, size_t **out)
{
	size_t *offices = xcalloc(n, sizeof(*offices)), k = 0;
	bool *taken = xcalloc(l->cfg->n_offices ? l->cfg->n_offices : 1, sizeof(*taken));
	for (size_t i = 0; i < n; i++) {
		long o = find_office(l, rows[i].office);
		if (o < 0 || taken[o] || strcmp(rows[i].activity, ESCALATE_ACTIVITY) == 0)
			continue;
		taken[o] = true;
		offices[k++] = (size_t)o;
	}
	free(taken);
	*out = offices;
	return k;
}

/* The page and feed URLs of every office with rows to send (rows by office), their tokens
 * created in one transaction before the first digest: a URL a mail carries is saved before
 * the mail goes. A dry run is inside the pass's transaction already. */
static int lookup_urls(struct lookup *l, struct store *st, const struct store_reminder *rows,
		       size_t n, time_t at, bool dry_run, struct pz_error *err)
{
	if (n == 0)
		return 0; /* a pass with nothing to send takes no write lock */
	if (!dry_run && store_begin(st, err) < 0)
		return -1;
	size_t *offices;
	size_t k = linked_offices(l, rows, n, &offices);
	struct site_tokens *tok = xcalloc(l->cfg->n_offices ? l->cfg->n_offices : 1, sizeof(*tok));
	int rc = site_office_tokens(st, l->cfg, offices, k, at, tok, err);
	for (size_t i = 0; i < k && rc == 0; i++) {
		l->page_urls[offices[i]] = link_page(l->cfg, tok[offices[i]].page);
		l->feed_urls[offices[i]] = link_feed(l->cfg, tok[offices[i]].feed, false);
	}
	free(tok);
	free(offices);
	if (rc == 0 && !dry_run)
		return store_commit(st, err);
	if (!dry_run)
		store_rollback(st);
	return rc;
}

/* Sends the rows pending at `at`, office by office, until nothing may go out (a held queue
 * or fault) or rep->stop asks; the rows of an office no longer configured become obsolete. */
static int pending_pass(const struct plan *p, const struct config *cfg, struct store *st,
			time_t at, const struct done_set *done, struct strbuf *dry_out,
			struct send_report *rep, struct pz_error *err)
{
	struct deliver *t;
	if (deliver_open(&t, cfg, st, at, err) < 0)
		return -1;
	struct store_reminder *rows;
	size_t n;
	if (store_pending(st, at, &rows, &n, err) < 0) {
		deliver_close(t);
		return -1;
	}
	struct lookup l;
	lookup_init(&l, p, cfg, done);
	const struct pass ps = {&l, st, t, at, dry_out, rep};
	if (!dry_out)
		store_checkpoint_aside(st);
	int rc = lookup_welcome(&l, rows, n, at, err);
	if (rc == 0)
		rc = lookup_urls(&l, st, rows, n, at, dry_out != NULL, err);
	for (size_t i = 0, j; i < n && rc == 0; i = j) {
		if ((rep->stop && rep->stop(rep->user)) || (!dry_out && deliver_waiting(t)))
			break; /* the rest stays pending */
		for (j = i + 1; j < n && strcmp(rows[j].office, rows[i].office) == 0; j++)
			;
		long office = find_office(&l, rows[i].office);
		if (office < 0) { /* the office left the config: its reminders cannot go */
			for (size_t k = i; k < j && rc == 0 && !dry_out; k++)
				rc = store_mark_obsolete(st, rows[k].id, err);
			continue;
		}
		rc = office_pass(&ps, rows + i, j - i, (size_t)office, err);
	}
	if (rc == 0)
		rc = deliver_flush(t, err); /* the last digest's outcome */
	deliver_close(t);
	store_checkpoint_inline(st);
	lookup_finish(&l);
	free(rows);
	return rc;
}

int send_run(const struct plan *p, const struct config *cfg, struct store *st, time_t at,
	     bool dry_run, struct strbuf *dry_out, struct send_report *rep,
	     struct pz_error *err)
{
	struct done_set done = {0};
	if (store_begin(st, err) < 0)
		return -1;
	if (done_load(&done, st, err) < 0 || enqueue(p, cfg, st, at, &done, rep, err) < 0 ||
	    (!dry_run && store_commit(st, err) < 0)) {
		store_rollback(st);
		done_finish(&done);
		return -1;
	}
	int rc = pending_pass(p, cfg, st, at, &done, dry_run ? dry_out : NULL, rep, err);
	if (dry_run)
		store_rollback(st);
	done_finish(&done);
	return rc;
}

void send_log_event(void *user, enum send_event ev, const char *office, size_t items,
		    const char *detail)
{
	switch (ev) {
	case SEND_DELIVERED:
		log_info("digest sent office=%s items=%zu message_id=%s", office, items, detail);
		break;
	case SEND_RETRY:
		log_warn("digest deferred office=%s items=%zu: %s", office, items, detail);
		break;
	case SEND_FAILED:
		log_error("digest failed office=%s items=%zu: %s", office, items, detail);
		break;
	case SEND_RCPT_FAILED:
		log_error("recipient refused office=%s items=%zu %s", office, items, detail);
		break;
	case SEND_HELD:
		log_error("queue held, reminders wait until the cause is fixed (then 'plazo retry' "
			  "or a reload) office=%s: %s",
			  office, detail);
		break;
	case SEND_RELEASED:
		log_notice("queue released office=%s (it was held for: %s)", office, detail);
		break;
	}
}

int send_release(struct store *st, time_t at, const char *why, bool *was, struct pz_error *err)
{
	bool held = false;
	if (store_begin(st, err) < 0)
		return -1;
	int rc = store_clear_hold(st, &held, err);
	if (rc == 0 && held)
		rc = store_collapse(st, at, LATE_AFTER, err);
	if (rc == 0 && held)
		rc = store_audit(st, at, "", "released", why, err);
	if (rc < 0) {
		store_rollback(st);
		return -1;
	}
	if (was)
		*was = held;
	return store_commit(st, err);
}

int send_retry(struct store *st, const char *office, time_t since, time_t at, size_t *released,
	       bool *was_held, struct pz_error *err)
{
	char detail[200];
	*was_held = false;
	if (store_begin(st, err) < 0)
		return -1;
	int rc = store_retry(st, office, since, at, released, err);
	if (rc == 0)
		rc = store_clear_hold(st, was_held, err);
	if (rc == 0)
		rc = store_collapse(st, at, LATE_AFTER, err);
	snprintf(detail, sizeof(detail), "reminders=%zu since=%lld%s", *released, (long long)since,
		 *was_held ? " hold released" : "");
	if (rc == 0 && (*released > 0 || *was_held))
		rc = store_audit(st, at, office ? office : "", "retried", detail, err);
	if (rc < 0) {
		store_rollback(st);
		return -1;
	}
	return store_commit(st, err);
}
