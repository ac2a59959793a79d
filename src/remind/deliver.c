#include "deliver.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mail.h"
#include "maildir.h"
#include "smtp.h"
#include "smtp_pipe.h"
#include "xalloc.h"

enum { HOLD_FIRST = 300, HOLD_MAX = 3600 };

/* One attempt: who was addressed and what they (or the transport) said. */
struct attempt {
	struct pz_error whole; /* code PZ_OK unless it failed for everybody addressed */
	struct smtp_rcpt *rcpt; /* the recipients addressed (SMTP) */
	size_t n_rcpt;
	bool accepted_before; /* an earlier attempt reached somebody */
};

/* A digest handed to the sending thread whose outcome is not recorded yet: it owns copies
 * of what deliver_send was given. */
struct flight {
	const struct config_office *o;
	struct store_reminder *rows;
	size_t n, items;
	char message_id[128];
	char *msg;
	struct attempt a;
	struct send_report *rep;
	struct smtp_job job;
};

struct deliver {
	const struct config *cfg;
	struct store *st;
	struct smtp_pipe *pipe; /* opened on first use */
	struct flight *flying; /* sent or on the wire, not recorded yet; or NULL */
	time_t at;
	char instance[64];
	struct store_hold hold; /* as the pass found it */
	bool waiting; /* held, and the probe is not due */
	bool stopped; /* a digest of this pass met a held fault */
};

int deliver_open(struct deliver **out, const struct config *cfg, struct store *st, time_t at,
		 struct pz_error *err)
{
	struct deliver *t = xcalloc(1, sizeof(*t));
	*t = (struct deliver){.cfg = cfg, .st = st, .at = at};
	bool found;
	int rc = store_meta(st, "instance", t->instance, sizeof(t->instance), &found, err);
	if (rc == 0)
		rc = store_hold(st, &t->hold, err);
	t->waiting = t->hold.held && at < (time_t)t->hold.until;
	if (rc == 0 && t->hold.held && !t->waiting) /* the probe releases what waited */
		rc = store_collapse(st, at, DELIVER_LATE_AFTER, err);
	if (rc < 0) {
		free(t);
		return -1;
	}
	*out = t;
	return 0;
}

void deliver_close(struct deliver *t)
{
	if (t == NULL)
		return;
	struct pz_error ignored;
	deliver_flush(t, &ignored); /* on a failed pass: a store failing now leaves it pending */
	smtp_pipe_close(t->pipe);
	free(t);
}

bool deliver_waiting(const struct deliver *t)
{
	return t->waiting || t->stopped;
}

void deliver_message_id(const struct deliver *t, const char *identity, bool legacy,
			const char *domain, char *buf, size_t size)
{
	if (legacy || t->instance[0] == '\0') {
		mail_message_id(identity, domain, buf, size);
		return;
	}
	char *unique = xasprintf("%s:%s", t->instance, identity);
	mail_message_id(unique, domain, buf, size);
	free(unique);
}

/* What each class means for a reminder. */
enum fault { FAULT_NONE, FAULT_TEMP, FAULT_PERM, FAULT_HELD };

static enum fault fault_of(enum pz_errc code)
{
	switch (code) {
	case PZ_OK:
		return FAULT_NONE;
	case PZ_ETEMP:
		return FAULT_TEMP;
	case PZ_EHELD:
	case PZ_ECONFIG:
	case PZ_EIO: /* a Maildir without permission, a file in its way */
		return FAULT_HELD;
	default:
		return FAULT_PERM;
	}
}

static bool settled_before(const struct store_rcpt *known, size_t n, const char *address,
			   bool *accepted)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(known[i].address, address) != 0)
			continue;
		*accepted = *accepted || known[i].state == STORE_RCPT_ACCEPTED;
		return known[i].state != STORE_RCPT_DEFERRED;
	}
	return false;
}

/* True when some row was attempted before: only then can a recipient have settled the
 * digest (its recipients are recorded in the transaction that gives its rows their
 * message_id, which no statement clears). */
static bool attempted_before(const struct store_reminder *rows, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (rows[i].message_id[0] != '\0')
			return true;
	return false;
}

/* The office's recipients that have not settled message_id yet. */
static int unsettled_rcpts(struct deliver *t, const struct config_office *o, const char *message_id,
			   const struct store_reminder *rows, size_t n_rows, struct attempt *a,
			   struct pz_error *err)
{
	struct store_rcpt *known = NULL;
	size_t n_known = 0;
	if (attempted_before(rows, n_rows) &&
	    store_rcpts(t->st, message_id, &known, &n_known, err) < 0)
		return -1;
	size_t n = o->emails.len + (o->manager != NULL);
	a->rcpt = xcalloc(n ? n : 1, sizeof(*a->rcpt));
	for (size_t i = 0; i < n; i++) {
		const char *addr = i < o->emails.len ? o->emails.items[i] : o->manager;
		if (!settled_before(known, n_known, addr, &a->accepted_before))
			a->rcpt[a->n_rcpt++] = (struct smtp_rcpt){.address = addr};
	}
	free(known);
	return 0;
}

static int open_smtp(struct deliver *t, struct pz_error *err)
{
	const struct config_mail *m = &t->cfg->mail;
	struct smtp_settings s = {
		.url = m->smtp_url,
		.tls = (enum smtp_tls)m->smtp_tls,
		.user = m->smtp_user,
		.password_file = m->smtp_password_file,
		.ca_file = m->smtp_ca_file,
		.connect_timeout = 15,
		.timeout = (long)m->smtp_timeout,
	};
	return t->pipe ? 0 : smtp_pipe_open(&t->pipe, &s, err);
}

/* True when the digest must go on the wire; false when its outcome is known already (no
 * address in the config, every recipient settled before, the session cannot open). */
static bool needs_wire(struct deliver *t, const struct config_office *o, struct attempt *a)
{
	if (o->emails.len == 0) {
		PZ_FAIL(&a->whole, PZ_EPERM, o->id, "office %s has no email in the config", o->id);
		return false;
	}
	return a->n_rcpt > 0 && open_smtp(t, &a->whole) == 0;
}

static void try_maildir(struct deliver *t, const struct config_office *o, const char *message_id,
			const char *msg, size_t len, struct attempt *a)
{
	char *dir = xasprintf("%s/%s", t->cfg->mail.maildir, o->id);
	char unique[17];
	snprintf(unique, sizeof(unique), "%.16s", message_id + strlen("<plazo."));
	if (maildir_create(dir, &a->whole) == 0)
		maildir_deliver(dir, msg, len, t->at, unique, &a->whole);
	free(dir);
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

/* What one attempt adds up to, once the recipients' answers are recorded. */
struct tally {
	size_t accepted, deferred, failed; /* in this attempt */
	bool held;
	const char *why; /* the first refusal's text, or the whole's */
	char why_buf[600];
};

/* True when the digest's retry window is over: retry_for from its first attempt. */
static bool expired(const struct config *cfg, const struct store_reminder *rows, size_t n,
		    time_t at)
{
	long long first = (long long)at;
	for (size_t i = 0; i < n; i++)
		if (rows[i].first_attempt > 0 && rows[i].first_attempt < first)
			first = rows[i].first_attempt;
	return (long long)at - first > (long long)cfg->mail.retry_for;
}

/* Turns recipient i's answer (or the whole attempt's) into its final class: a held fault
 * waits like a deferral, a deferral past retry_for is a refusal. */
static enum fault settle_rcpt(struct attempt *a, size_t i, bool late, struct tally *y)
{
	struct smtp_rcpt *r = &a->rcpt[i];
	if (a->whole.code != PZ_OK) {
		r->outcome = a->whole.code;
		snprintf(r->reply, sizeof(r->reply), "%s", a->whole.msg);
	}
	enum fault f = fault_of(r->outcome);
	y->held = y->held || f == FAULT_HELD;
	if (f == FAULT_HELD || f == FAULT_TEMP) {
		f = late ? FAULT_PERM : FAULT_TEMP;
		if (late) {
			size_t len = strlen(r->reply);
			snprintf(r->reply + len, sizeof(r->reply) - len,
				 " (deferred past retry_for)");
		}
	}
	r->outcome = f == FAULT_NONE ? PZ_OK : f == FAULT_TEMP ? PZ_ETEMP : PZ_EPERM;
	return f;
}

/* Records each addressed recipient's final answer. */
static int record_rcpts(struct deliver *t, const struct config_office *o, const char *message_id,
			struct attempt *a, bool late, struct tally *y, struct pz_error *err)
{
	static const enum store_rcpt_state states[] = {[FAULT_NONE] = STORE_RCPT_ACCEPTED,
						       [FAULT_TEMP] = STORE_RCPT_DEFERRED,
						       [FAULT_PERM] = STORE_RCPT_FAILED};
	for (size_t i = 0; i < a->n_rcpt; i++) {
		enum fault f = settle_rcpt(a, i, late, y);
		struct store_rcpt r = {.at = t->at, .state = states[f]};
		snprintf(r.message_id, sizeof(r.message_id), "%s", message_id);
		snprintf(r.address, sizeof(r.address), "%s", a->rcpt[i].address);
		snprintf(r.office, sizeof(r.office), "%s", o->id);
		snprintf(r.reply, sizeof(r.reply), "%s", a->rcpt[i].reply);
		y->accepted += f == FAULT_NONE;
		y->deferred += f == FAULT_TEMP;
		y->failed += f == FAULT_PERM;
		if (f != FAULT_NONE && y->why == NULL) {
			snprintf(y->why_buf, sizeof(y->why_buf), "rcpt=%s: %s", r.address, r.reply);
			y->why = y->why_buf;
		}
		if (store_rcpt_set(t->st, &r, err) < 0)
			return -1;
	}
	return 0;
}

static void event(struct send_report *rep, enum send_event ev, const char *office, size_t items,
		  const char *detail)
{
	if (rep->event)
		rep->event(rep->user, ev, office, items, detail);
}

/* The queue waits: nothing is failed; probed again after a growing delay. */
static int hold_queue(struct deliver *t, const char *office, const char *why,
		      struct send_report *rep, struct pz_error *err)
{
	struct store_hold h = t->hold;
	if (!h.held)
		h = (struct store_hold){.held = true, .since = (long long)t->at};
	long delay = HOLD_FIRST;
	for (int i = 0; i < h.probes && delay < HOLD_MAX; i++)
		delay *= 2;
	h.until = (long long)t->at + (delay > HOLD_MAX ? HOLD_MAX : delay);
	h.probes++;
	snprintf(h.reason, sizeof(h.reason), "%s", why);
	t->stopped = true;
	rep->held++;
	event(rep, SEND_HELD, office, 0, why);
	if (store_set_hold(t->st, &h, err) < 0)
		return -1;
	return store_audit(t->st, t->at, office, "held", why, err);
}

/* The rows, by what the attempt adds up to. */
static int settle_rows(struct deliver *t, const struct store_reminder *rows, size_t n,
		       const char *message_id, enum send_event ev, const char *why,
		       struct pz_error *err)
{
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		const struct store_reminder *r = &rows[i];
		if (ev == SEND_DELIVERED) { /* the attempt's marks in the same statement */
			rc = store_mark_sent_superseding(t->st, r->id, t->at, message_id, err);
			continue;
		}
		rc = store_mark_attempted(t->st, r->id, t->at, message_id, err);
		if (rc < 0)
			break;
		if (ev == SEND_RETRY) {
			rc = store_mark_retry(t->st, r->id, next_attempt(t->at, r->id, r->attempts),
					      why, err);
		} else {
			rc = store_mark_failed(t->st, r->id, t->at, why, err);
		}
	}
	return rc;
}

/* One audit row for the digest, one per recipient refused for good. */
static int audit(struct deliver *t, const struct config_office *o, const struct attempt *a,
		 size_t items, const char *message_id, enum send_event ev, const char *why,
		 struct send_report *rep, struct pz_error *err)
{
	static const char *const kinds[] = {
		[SEND_DELIVERED] = "sent", [SEND_RETRY] = "deferred", [SEND_FAILED] = "failed"};
	char detail[600];
	snprintf(detail, sizeof(detail), "items=%zu %s%s%s", items, message_id,
		 ev == SEND_DELIVERED ? "" : " ", ev == SEND_DELIVERED ? "" : why);
	int rc = store_audit(t->st, t->at, o->id, kinds[ev], detail, err);
	for (size_t i = 0; rc == 0 && ev != SEND_FAILED && i < a->n_rcpt; i++) {
		if (a->rcpt[i].outcome != PZ_EPERM)
			continue;
		snprintf(detail, sizeof(detail), "rcpt=%s %s: %s", a->rcpt[i].address, message_id,
			 a->rcpt[i].reply);
		event(rep, SEND_RCPT_FAILED, o->id, items, detail);
		rep->rcpt_failed++;
		rc = store_audit(t->st, t->at, o->id, "rcpt-failed", detail, err);
	}
	return rc;
}

static enum send_event verdict(const struct attempt *a, const struct tally *y, bool maildir)
{
	if (maildir) {
		enum fault f = fault_of(a->whole.code);
		return f == FAULT_NONE	 ? SEND_DELIVERED
		       : f == FAULT_TEMP ? SEND_RETRY
					 : SEND_FAILED;
	}
	if (y->deferred > 0)
		return SEND_RETRY;
	return y->accepted > 0 || a->accepted_before ? SEND_DELIVERED : SEND_FAILED;
}

static void count(struct send_report *rep, enum send_event ev, size_t items)
{
	rep->digests += ev == SEND_DELIVERED;
	rep->reminders += ev == SEND_DELIVERED ? items : 0;
	rep->retrying += ev == SEND_RETRY;
	rep->failed += ev == SEND_FAILED;
}

/* Lifts the hold once an attempt met no held fault: the operator fixed the cause. */
static int release(struct deliver *t, const char *office, struct send_report *rep,
		   struct pz_error *err)
{
	if (store_clear_hold(t->st, NULL, err) < 0 ||
	    store_audit(t->st, t->at, office, "released", t->hold.reason, err) < 0)
		return -1;
	event(rep, SEND_RELEASED, office, 0, t->hold.reason);
	t->hold.held = false;
	return 0;
}

/* Records the attempt: recipients, rows, audit, and the hold it sets or lifts. */
static int record(struct deliver *t, const struct config_office *o,
		  const struct store_reminder *rows, size_t n, size_t items, const char *message_id,
		  struct attempt *a, struct send_report *rep, struct pz_error *err)
{
	bool maildir = t->cfg->mail.smtp_url == NULL;
	bool held = fault_of(a->whole.code) == FAULT_HELD;
	bool late = expired(t->cfg, rows, n, t->at);
	int rc = 0;
	if (held) { /* the Message-ID is fixed; no attempt reached the server */
		for (size_t i = 0; i < n && rc == 0; i++)
			rc = store_mark_attempted(t->st, rows[i].id, 0, message_id, err);
		return rc == 0 ? hold_queue(t, o->id, a->whole.msg, rep, err) : -1;
	}
	struct tally y = {0};
	if (rc == 0 && !maildir)
		rc = record_rcpts(t, o, message_id, a, late, &y, err);
	if (a->whole.code != PZ_OK)
		y.why = a->whole.msg;
	if (maildir && late && a->whole.code == PZ_ETEMP)
		a->whole.code = PZ_EPERM; /* deferred past retry_for */
	enum send_event ev = verdict(a, &y, maildir);
	const char *why = y.why ? y.why : "";
	if (rc == 0)
		rc = settle_rows(t, rows, n, message_id, ev, why, err);
	if (rc == 0)
		rc = audit(t, o, a, items, message_id, ev, why, rep, err);
	if (rc == 0 && y.held) /* a login refused half-way: the rest waits */
		rc = hold_queue(t, o->id, why, rep, err);
	else if (rc == 0 && t->hold.held)
		rc = release(t, o->id, rep, err);
	count(rep, ev, items);
	event(rep, ev, o->id, items, ev == SEND_DELIVERED ? message_id : why);
	return rc;
}

/* Records an attempt's outcome in one transaction; frees a->rcpt. */
static int commit_record(struct deliver *t, const struct config_office *o,
			 const struct store_reminder *rows, size_t n, size_t items,
			 const char *message_id, struct attempt *a, struct send_report *rep,
			 struct pz_error *err)
{
	int rc = store_begin(t->st, err);
	if (rc == 0 && record(t, o, rows, n, items, message_id, a, rep, err) < 0) {
		store_rollback(t->st);
		rc = -1;
	} else if (rc == 0) {
		rc = store_commit(t->st, err);
	}
	free(a->rcpt);
	a->rcpt = NULL;
	return rc;
}

static struct flight *flight_new(const struct config_office *o, const struct store_reminder *rows,
				 size_t n, size_t items, const char *message_id, struct strbuf *msg,
				 struct send_report *rep)
{
	size_t len = msg->len;
	struct flight *f = xcalloc(1, sizeof(*f));
	*f = (struct flight){.o = o, .n = n, .items = items, .rep = rep};
	f->rows = xcalloc(n ? n : 1, sizeof(*rows));
	memcpy(f->rows, rows, n * sizeof(*rows));
	snprintf(f->message_id, sizeof(f->message_id), "%s", message_id);
	f->msg = strbuf_steal(msg);
	f->job = (struct smtp_job){.msg = f->msg, .len = len};
	return f;
}

static void flight_free(struct flight *f)
{
	free(f->a.rcpt);
	free(f->rows);
	free(f->msg);
	free(f);
}

int deliver_flush(struct deliver *t, struct pz_error *err)
{
	struct flight *f = t->flying;
	if (f == NULL)
		return 0;
	t->flying = NULL;
	if (smtp_pipe_wait(t->pipe, &f->job) < 0)
		f->a.whole = f->job.err;
	int rc = commit_record(t, f->o, f->rows, f->n, f->items, f->message_id, &f->a, f->rep, err);
	flight_free(f);
	return rc;
}

/* Puts f on the wire, records the digest before it, and lets f end only once that record
 * is committed and the pass may go on: a crash leaves at most one accepted digest without
 * its record. Otherwise f is withdrawn before its end and its rows stay as they were. */
static int fly(struct deliver *t, struct flight *f, struct pz_error *err)
{
	f->job.from = t->cfg->mail.from;
	f->job.rcpt = f->a.rcpt;
	f->job.n_rcpt = f->a.n_rcpt;
	smtp_pipe_submit(t->pipe, &f->job);
	int rc = deliver_flush(t, err);
	bool go = rc == 0 && !t->stopped;
	smtp_pipe_gate(t->pipe, &f->job, go);
	if (go) {
		t->flying = f;
		return 0;
	}
	smtp_pipe_wait(t->pipe, &f->job);
	flight_free(f);
	return rc;
}

int deliver_send(struct deliver *t, const struct config_office *o,
		 const struct store_reminder *rows, size_t n, size_t items, const char *message_id,
		 struct strbuf *msg, struct send_report *rep, struct pz_error *err)
{
	if (t->cfg->mail.smtp_url == NULL) {
		struct attempt a = {0};
		try_maildir(t, o, message_id, msg->data, msg->len, &a);
		strbuf_reset(msg);
		return commit_record(t, o, rows, n, items, message_id, &a, rep, err);
	}
	struct flight *f = flight_new(o, rows, n, items, message_id, msg, rep);
	if (unsettled_rcpts(t, o, message_id, f->rows, n, &f->a, err) < 0) {
		flight_free(f);
		return -1;
	}
	if (needs_wire(t, o, &f->a))
		return fly(t, f, err);
	int rc = deliver_flush(t, err); /* in order: the digest before is recorded first */
	if (rc == 0)
		rc = commit_record(t, o, f->rows, n, items, f->message_id, &f->a, rep, err);
	flight_free(f);
	return rc;
}
