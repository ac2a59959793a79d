#include "send.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "done.h"
#include "escalate.h"
#include "feed.h"
#include "log.h"
#include "mail.h"
#include "maildir.h"
#include "remind.h"
#include "smtp.h"
#include "spanish.h"
#include "xalloc.h"

/* A reminder enqueued more than this long after its slot is marked late in the digest. */
enum { LATE_AFTER = 30 * 60, FIRST_RUN_WINDOW = 24 * 3600 };

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

static int compare_reminders(const void *a, const void *b)
{
	const struct reminder *x = a, *y = b;
	if (x->office != y->office)
		return x->office < y->office ? -1 : 1;
	if (x->milestone != y->milestone)
		return x->milestone < y->milestone ? -1 : 1;
	return x->at < y->at ? -1 : x->at > y->at;
}

static void to_row(const struct plan *p, const struct config *cfg, const struct reminder *r,
		   time_t at, struct store_reminder *row)
{
	const struct activity *a = &p->activities[r->activity];
	memset(row, 0, sizeof(*row));
	snprintf(row->office, sizeof(row->office), "%s", cfg->offices[r->office].id);
	plan_activity_key(a, row->activity);
	row->milestone = (int)(r->milestone - a->milestone_first + 1);
	date_format_iso(p->milestones[r->milestone].due, row->due);
	remind_stage_key(r->stage, row->stage);
	row->slot = (long long)r->at;
	row->late = at - r->at > LATE_AFTER;
	row->next_attempt = (long long)at;
	row->state = STORE_PENDING;
}

/* Enqueues what came due in (cursor, at]; of a milestone's stages in one pass only the
 * latest goes out, the others are recorded as superseded. */
static int enqueue(const struct plan *p, const struct config *cfg, struct store *st, time_t at,
		   const struct done_set *done, struct send_report *rep, struct pz_error *err)
{
	bool has;
	time_t from;
	if (store_cursor(st, &has, &from, err) < 0)
		return -1;
	if (!has)
		from = at - FIRST_RUN_WINDOW;
	if (at <= from)
		return 0;
	struct collected c = {NULL, 0, 0};
	int rc = remind_due(p, cfg, from, at, collect, &c, err);
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
	size_t *by_number; /* activity indices sorted by number (numbered ones only) */
	size_t n_numbered;
	size_t *offices;   /* office indices sorted by id */
	const struct plan *p;
	const struct config *cfg;
	const struct done_set *done;
};

/* qsort has no context argument: sort pairs of (key, index) instead. */
struct keyed {
	unsigned long key;
	size_t index;
};

static int compare_keyed(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;
	return x->key < y->key ? -1 : x->key > y->key;
}

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
	struct keyed *k = xcalloc(p->n_activities, sizeof(*k));
	l->n_numbered = 0;
	for (size_t i = 0; i < p->n_activities; i++)
		if (p->activities[i].number > 0 && !p->activities[i].number_shared)
			k[l->n_numbered++] = (struct keyed){p->activities[i].number, i};
	qsort(k, l->n_numbered, sizeof(*k), compare_keyed);
	l->by_number = xcalloc(l->n_numbered, sizeof(size_t));
	for (size_t i = 0; i < l->n_numbered; i++)
		l->by_number[i] = k[i].index;
	free(k);
	l->offices = xcalloc(cfg->n_offices, sizeof(size_t));
	for (size_t i = 0; i < cfg->n_offices; i++)
		l->offices[i] = i;
	qsort_r(l->offices, cfg->n_offices, sizeof(size_t), compare_ids, (void *)cfg);
}

static void lookup_finish(struct lookup *l)
{
	free(l->by_number);
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

/* The first activity with that ledger key (duplicate numbers are flagged by check). */
static long find_activity(const struct lookup *l, const char *key)
{
	char *end;
	if (key[0] == 'L') {
		unsigned long line = strtoul(key + 1, &end, 10);
		for (size_t i = 0; i < l->p->n_activities; i++)
			if (l->p->activities[i].line == line)
				return (long)i;
		return -1;
	}
	unsigned long n = strtoul(key, &end, 10);
	size_t lo = 0, hi = l->n_numbered;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		unsigned v = l->p->activities[l->by_number[mid]].number;
		if (v < n)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < l->n_numbered && l->p->activities[l->by_number[lo]].number == n)
		return (long)l->by_number[lo];
	return -1;
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

enum { TEXTS = 3 };

/* One digest being built: its items and the strings they borrow. */
struct digest {
	size_t office;
	struct date today;
	time_t today_at;      /* the pass's instant */
	struct mail_item *items;
	struct strbuf *texts; /* TEXTS per item: others, source, link */
	char *page_url;       /* the office's page, or NULL */
	char *feed_url;       /* its feed */
	size_t n;
	size_t *rows;         /* the group rows the digest settles (not the obsolete ones) */
	size_t n_rows;
	struct strbuf identity;
};

static void digest_finish(struct digest *d, size_t n_rows)
{
	for (size_t i = 0; d->texts && i < TEXTS * n_rows; i++)
		strbuf_finish(&d->texts[i]);
	free(d->texts);
	free(d->items);
	free(d->rows);
	free(d->page_url);
	free(d->feed_url);
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
	struct strbuf *link = &d->texts[TEXTS * i + 2];
	if (d->page_url && (act->number == 0 || act->number_shared))
		strbuf_printf(link, "%s#l%u-%zu", d->page_url, act->line,
			      (size_t)m - act->milestone_first + 1);
	else if (d->page_url)
		strbuf_printf(link, "%s#a%u-%zu", d->page_url, act->number,
			      (size_t)m - act->milestone_first + 1);
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
static int digest_build(const struct lookup *l, struct store *st, const struct store_reminder *rows,
			size_t n, struct digest *d, bool dry_run, struct pz_error *err)
{
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

/* Where digests go: an SMTP session opened on first use, or the Maildir of each office. */
struct transport {
	const struct config *cfg;
	struct smtp_session *smtp;
};

static int deliver_smtp(struct transport *t, const struct config_office *o, const char *msg,
			size_t len, struct pz_error *err)
{
	const struct config_mail *m = &t->cfg->mail;
	if (o->emails.len == 0)
		return PZ_FAIL(err, PZ_EPERM, o->id, "office %s has no email in the config", o->id);
	if (t->smtp == NULL) {
		struct smtp_settings s = {
			.url = m->smtp_url,
			.tls = (enum smtp_tls)m->smtp_tls,
			.user = m->smtp_user,
			.password_file = m->smtp_password_file,
			.ca_file = m->smtp_ca_file,
			.connect_timeout = 15,
			.timeout = (long)m->smtp_timeout,
		};
		if (smtp_open(&t->smtp, &s, err) < 0)
			return -1;
	}
	size_t n = o->emails.len + (o->manager != NULL);
	const char **rcpt = xcalloc(n, sizeof(*rcpt));
	for (size_t i = 0; i < o->emails.len; i++)
		rcpt[i] = o->emails.items[i];
	if (o->manager)
		rcpt[n - 1] = o->manager;
	int rc = smtp_send(t->smtp, m->from, rcpt, n, msg, len, NULL, err);
	free(rcpt);
	return rc;
}

static int deliver(struct transport *t, const struct config_office *o, const char *msg,
		   size_t len, time_t at, const char *message_id, struct pz_error *err)
{
	if (t->cfg->mail.smtp_url)
		return deliver_smtp(t, o, msg, len, err);
	char *dir = xasprintf("%s/%s", t->cfg->mail.maildir, o->id);
	char unique[17];
	snprintf(unique, sizeof(unique), "%.16s", message_id + strlen("<plazo."));
	int rc = maildir_create(dir, err);
	if (rc == 0)
		rc = maildir_deliver(dir, msg, len, at, unique, err);
	free(dir);
	return rc;
}

/* Exponential backoff from 5 minutes to 6 hours, with +-20% jitter drawn from the row id
 * and attempt (deterministic, so tests can follow it). */
static time_t next_attempt(time_t at, long long id, int attempts)
{
	long delay = 300;
	for (int i = 0; i < attempts && delay < 6 * 3600; i++)
		delay *= 2;
	delay = delay > 6 * 3600 ? 6 * 3600 : delay;
	unsigned long long h = (unsigned long long)id * 0x9E3779B97F4A7C15ULL + (unsigned)attempts;
	h ^= h >> 29;
	long jitter = (long)(h % 401) - 200; /* per mille */
	return at + delay + delay * jitter / 1000;
}

/* A temporary failure is retried until [mail] retry_for has passed since the slot. */
static bool retried(const struct config *cfg, const struct store_reminder *r,
		    const struct pz_error *outcome, time_t at)
{
	return outcome->code == PZ_ETEMP && at - r->slot <= (long long)cfg->mail.retry_for;
}

/* What a delivery's outcome means for the digest: deferred while any reminder in it is
 * still retried, failed when none is. */
static enum send_event outcome_event(const struct config *cfg, const struct store_reminder *rows,
				     const struct digest *d, const struct pz_error *outcome,
				     time_t at)
{
	if (outcome == NULL)
		return SEND_DELIVERED;
	for (size_t i = 0; i < d->n_rows; i++)
		if (retried(cfg, &rows[d->rows[i]], outcome, at))
			return SEND_RETRY;
	return SEND_FAILED;
}

/* One audit row per digest: what went to whom, or why it did not. */
static int audit(struct store *st, const struct config *cfg, const struct store_reminder *rows,
		 const struct digest *d, time_t at, const char *message_id,
		 const struct pz_error *outcome, struct pz_error *err)
{
	static const char *const kinds[] = {[SEND_DELIVERED] = "sent", [SEND_RETRY] = "deferred",
					    [SEND_FAILED] = "failed"};
	const char *kind = kinds[outcome_event(cfg, rows, d, outcome, at)];
	char detail[400];
	snprintf(detail, sizeof(detail), "items=%zu %s", d->n,
		 outcome ? outcome->msg : message_id);
	return store_audit(st, at, cfg->offices[d->office].id, kind, detail, err);
}

/* Records the outcome of delivering the digest of rows: sent, retried or failed. */
static int settle(struct store *st, const struct config *cfg, const struct store_reminder *rows,
		  const struct digest *d, time_t at, const char *message_id,
		  const struct pz_error *outcome, struct pz_error *err)
{
	if (store_begin(st, err) < 0)
		return -1;
	int rc = 0;
	for (size_t i = 0; i < d->n_rows && rc == 0; i++) {
		const struct store_reminder *r = &rows[d->rows[i]];
		if (outcome == NULL) {
			rc = store_mark_sent(st, r->id, at, message_id, err);
			if (rc == 0)
				rc = store_supersede_others(st, r->id, at, err);
		} else if (retried(cfg, r, outcome, at))
			rc = store_mark_retry(st, r->id, next_attempt(at, r->id, r->attempts),
					      outcome->msg, err);
		else
			rc = store_mark_failed(st, r->id, at, outcome->msg, err);
	}
	if (rc == 0)
		rc = audit(st, cfg, rows, d, at, message_id, outcome, err);
	if (rc < 0) {
		store_rollback(st);
		return -1;
	}
	return store_commit(st, err);
}

static void report(struct send_report *rep, enum send_event ev, const char *office,
		   size_t items, const char *detail)
{
	if (rep->event)
		rep->event(rep->user, ev, office, items, detail);
}

/* Builds, delivers and records the digest of one office's pending rows. */
/* Composes, delivers (or prints, in a dry run) and records a built digest of rows. */
static int send_digest(const struct lookup *l, struct store *st, struct transport *t,
		       const struct store_reminder *rows, const struct digest *d, const char *title,
		       time_t at, struct strbuf *dry_out, struct send_report *rep,
		       struct pz_error *err)
{
	const struct config_office *o = &l->cfg->offices[d->office];
	const char *domain = strchr(l->cfg->mail.from, '@') + 1;
	char message_id[96];
	mail_message_id(d->identity.data, domain, message_id, sizeof(message_id));
	const char *const *to = (const char *const *)o->emails.items;
	struct mail_digest md = {
		.office_id = o->id, .office_name = title, .from = l->cfg->mail.from,
		.from_name = l->cfg->mail.from_name, .to = to, .n_to = o->emails.len,
		.cc = o->manager, .list_domain = domain, .identity = d->identity.data,
		.date = at, .timezone = o->timezone, .today = d->today, .items = d->items,
		.n_items = d->n, .page_url = d->page_url, .feed_url = d->feed_url,
	};
	struct strbuf msg;
	strbuf_init(&msg);
	int rc = mail_compose(&md, &msg);
	if (rc == 0 && dry_out) {
		strbuf_append(dry_out, msg.data, msg.len);
		strbuf_puts(dry_out, "\r\n");
	} else if (rc == 0) {
		struct pz_error outcome = {0};
		bool ok = deliver(t, o, msg.data, msg.len, at, message_id, &outcome) == 0;
		rc = settle(st, l->cfg, rows, d, at, message_id, ok ? NULL : &outcome, err);
		enum send_event ev = outcome_event(l->cfg, rows, d, ok ? NULL : &outcome, at);
		rep->digests += ok;
		rep->reminders += ok ? d->n : 0;
		rep->retrying += ev == SEND_RETRY;
		rep->failed += ev == SEND_FAILED;
		report(rep, ev, o->id, d->n, ok ? message_id : outcome.msg);
	}
	strbuf_finish(&msg);
	return rc;
}

/* The reminders of one office's pending rows, as one digest. */
static int reminders_pass(const struct lookup *l, struct store *st, struct transport *t,
			  const struct store_reminder *rows, size_t n, size_t office, time_t at,
			  struct strbuf *dry_out, struct send_report *rep, struct pz_error *err)
{
	const struct config_office *o = &l->cfg->offices[office];
	struct digest d = {.office = office, .today_at = at};
	strbuf_init(&d.identity);
	int minutes, rc = calendar_utc_to_local(o->timezone, at, &d.today, &minutes, err);
	if (rc == 0)
		rc = feed_office_urls(l->cfg, st, o->id, at, &d.page_url, &d.feed_url, err);
	if (rc == 0)
		rc = digest_build(l, st, rows, n, &d, dry_out != NULL, err);
	if (rc == 0 && d.n > 0)
		rc = send_digest(l, st, t, rows, &d, o->name, at, dry_out, rep, err);
	digest_finish(&d, n);
	return rc;
}

/* The supervising office's escalation rows (of one or more weeks) as one digest of what
 * is long overdue now; with nothing overdue, the rows close without a message. */
static int escalation_pass(const struct lookup *l, struct store *st, struct transport *t,
			   const struct store_reminder *rows, size_t n, size_t office, time_t at,
			   struct strbuf *dry_out, struct send_report *rep, struct pz_error *err)
{
	const struct config_office *o = &l->cfg->offices[office];
	struct escalate_items e;
	struct digest d = {.office = office, .today_at = at};
	strbuf_init(&d.identity);
	int minutes, rc = calendar_utc_to_local(o->timezone, at, &d.today, &minutes, err);
	if (rc == 0)
		rc = escalate_items(l->p, l->cfg, l->done, at, &e, err);
	if (rc < 0)
		return -1;
	d.items = e.items;
	d.n = e.n;
	d.rows = xcalloc(n, sizeof(*d.rows));
	strbuf_printf(&d.identity, "%s:escalation", o->id);
	for (size_t i = 0; i < n; i++) {
		d.rows[d.n_rows++] = i;
		strbuf_printf(&d.identity, ":%lld", rows[i].id);
	}
	char *title = xasprintf("Seguimiento de vencidas — %s", o->name);
	if (d.n > 0)
		rc = send_digest(l, st, t, rows, &d, title, at, dry_out, rep, err);
	for (size_t i = 0; d.n == 0 && !dry_out && i < n && rc == 0; i++)
		rc = store_mark_obsolete(st, rows[i].id, err);
	free(title);
	free(d.rows);
	strbuf_finish(&d.identity);
	escalate_items_free(&e);
	return rc;
}

/* One office's pending rows: its reminders, then (for the supervising office) escalation. */
static int office_pass(const struct lookup *l, struct store *st, struct transport *t,
		       const struct store_reminder *rows, size_t n, size_t office, time_t at,
		       struct strbuf *dry_out, struct send_report *rep, struct pz_error *err)
{
	struct store_reminder *normal = xcalloc(n, sizeof(*normal));
	struct store_reminder *esc = xcalloc(n, sizeof(*esc));
	size_t nn = 0, ne = 0;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(rows[i].activity, ESCALATE_ACTIVITY) == 0)
			esc[ne++] = rows[i];
		else
			normal[nn++] = rows[i];
	}
	int rc = nn ? reminders_pass(l, st, t, normal, nn, office, at, dry_out, rep, err) : 0;
	if (rc == 0 && ne)
		rc = escalation_pass(l, st, t, esc, ne, office, at, dry_out, rep, err);
	free(normal);
	free(esc);
	return rc;
}

static int deliver_pending(const struct plan *p, const struct config *cfg, struct store *st,
			   time_t at, const struct done_set *done, struct strbuf *dry_out,
			   struct send_report *rep, struct pz_error *err)
{
	struct store_reminder *rows;
	size_t n;
	if (store_pending(st, at, &rows, &n, err) < 0)
		return -1;
	struct lookup l;
	lookup_init(&l, p, cfg, done);
	struct transport t = {cfg, NULL};
	int rc = 0;
	for (size_t i = 0, j; i < n && rc == 0; i = j) {
		if (rep->stop && rep->stop(rep->user))
			break;
		for (j = i + 1; j < n && strcmp(rows[j].office, rows[i].office) == 0; j++)
			;
		long office = find_office(&l, rows[i].office);
		if (office < 0) { /* the office left the config: its reminders cannot go */
			for (size_t k = i; k < j && rc == 0 && !dry_out; k++)
				rc = store_mark_obsolete(st, rows[k].id, err);
			continue;
		}
		rc = office_pass(&l, st, &t, rows + i, j - i, (size_t)office, at, dry_out, rep, err);
	}
	smtp_close(t.smtp);
	lookup_finish(&l);
	free(rows);
	return rc;
}

int send_run(const struct plan *p, const struct config *cfg, struct store *st, time_t at,
	     bool dry_run, struct strbuf *dry_out, struct send_report *rep,
	     struct pz_error *err)
{
	struct done_set done = {NULL, 0};
	if (store_begin(st, err) < 0)
		return -1;
	if (done_load(&done, st, err) < 0 || enqueue(p, cfg, st, at, &done, rep, err) < 0 ||
	    (!dry_run && store_commit(st, err) < 0)) {
		store_rollback(st);
		done_finish(&done);
		return -1;
	}
	int rc = deliver_pending(p, cfg, st, at, &done, dry_run ? dry_out : NULL, rep, err);
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
	}
}
