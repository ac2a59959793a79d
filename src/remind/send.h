/* send.h - one send pass: enqueue the reminders that came due, then deliver the pending
 * ones as one digest per office.
 *
 * Enqueueing takes what the reminder policy (remind.h) makes due in (cursor, at], the store's
 * cursor moving to `at` in the same transaction, so a pass after downtime catches up: the
 * stages a milestone missed collapse into the latest, marked late. The due set comes from
 * the daemon's reminder queue when the queue starts where the cursor is; else (`plazo send`,
 * the daemon's first pass, a pass after one that failed or after a restore moved the cursor)
 * from remind_due's scan of the plan. Delivery groups every pending reminder of an office
 * into one digest (mail.h), sends it over SMTP (smtp.h) or into the office's Maildir
 * (maildir.h), and marks the reminders sent only once the message was accepted (deliver.h:
 * per recipient, the fault classes and the held queue). A temporary failure waits with
 * exponential backoff and jitter until [mail] retry_for has passed since the first attempt,
 * then fails; a permanent one fails at once. One office's failure never holds back the
 * others; a held fault holds them all.
 *
 * (Longer than 80 lines: struct send_report is both what the caller passes in (queue, stop,
 * events) and what it reads back; each field says which.)
 */
#ifndef PLAZO_SEND_H
#define PLAZO_SEND_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "config.h"
#include "error.h"
#include "plan.h"
#include "store.h"
#include "strbuf.h"
#include "unread.h"

struct remind_queue;

enum send_event {
	SEND_DELIVERED,   /* detail: Message-ID */
	SEND_RETRY,       /* detail: the temporary failure */
	SEND_FAILED,      /* detail: the permanent failure */
	SEND_RCPT_FAILED, /* one recipient refused a digest others got; detail: "rcpt=A ID: reply" */
	SEND_HELD,        /* the queue is held (the operator must act); detail: the fault */
	SEND_RELEASED,    /* a held queue goes on; detail: the fault it was held for */
};

struct send_report {
	size_t enqueued;    /* reminders that came due in this pass */
	size_t digests;     /* digests delivered */
	size_t reminders;   /* reminders in them */
	size_t retrying;    /* digests that failed temporarily */
	size_t failed;      /* digests that failed for good */
	size_t rcpt_failed; /* recipients that refused a delivered digest for good */
	size_t held;        /* held faults met (the pass stops at the first) */
	/* Called for each digest's outcome, for the caller to log; may be NULL. */
	void (*event)(void *user, enum send_event ev, const char *office, size_t items,
		      const char *detail);
	void *user;
	/* Asked between digests; true stops the pass there (the rest stays pending). May be
	 * NULL. */
	bool (*stop)(void *user);
	/* The plan's rows not read (unread.h), listed in the escalation digest; may be NULL. */
	const struct unread *unread;
	/* The daemon's reminder queue of the same plan and config, or NULL. A pass whose cursor
	 * is the queue's mark takes its due set from the queue; any other pass scans and then
	 * moves the queue past `at` too, so the two never hand out a reminder twice. */
	struct remind_queue *queue;
	bool scanned; /* out: the due set came from the scan, not the queue */
};

/* Releases a held queue at `at` (a reload, `plazo retry`): the held reminders go at the
 * next pass, the stages of a milestone whose moment has passed collapsed into the latest.
 * *was (may be NULL) says whether the queue was held. */
int send_release(struct store *st, time_t at, const char *why, bool *was, struct pz_error *err);

/* `plazo retry`: puts back the failed reminders of office (NULL: all) settled at or after
 * since (and the recipients that refused a sent digest), releases a hold, collapses what is
 * late, all in one transaction; *released counts the reminders put back. */
int send_retry(struct store *st, const char *office, time_t since, time_t at, size_t *released,
	       bool *was_held, struct pz_error *err);

/* A ready-made event callback for the edges (cli, daemon): one log line per digest. */
void send_log_event(void *user, enum send_event ev, const char *office, size_t items,
		    const char *detail);

/* Runs one pass at instant at. With dry_run, nothing is delivered or recorded: the digests
 * are appended to dry_out instead. Returns 0 (delivery failures are in the report), or -1
 * with err filled when the store fails. */
int send_run(const struct plan *p, const struct config *cfg, struct store *st, time_t at,
	     bool dry_run, struct strbuf *dry_out, struct send_report *rep,
	     struct pz_error *err);

#endif
