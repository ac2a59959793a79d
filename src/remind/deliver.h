/* deliver.h - one digest's way out and its record in the ledger (send.c's helper).
 *
 * The transport is an SMTP session opened on first use, or the Maildir of each office. A
 * digest goes to the recipients that have not accepted it yet under its Message-ID (a
 * resend addresses only those), and every outcome falls in one of four classes: delivered
 * (the rows are sent once a recipient accepted and none is still deferred), deferred (a 4xx,
 * a dropped connection, a full or read-only disk: retried with backoff until [mail]
 * retry_for has passed since the first attempt), failed (a 5xx for a recipient: that
 * recipient fails and is reported; the rows fail when nobody accepted) and held (the
 * operator must act: a refused login, an untrusted certificate, an unreadable password
 * file, a Maildir that cannot be written for want of permission). A held fault holds the
 * whole queue: nothing is failed, the pass stops, and the queue is probed again after a
 * backoff (5 minutes doubling to an hour) or released at once by a reload or `plazo retry`.
 */
#ifndef PLAZO_DELIVER_H
#define PLAZO_DELIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "config.h"
#include "error.h"
#include "send.h"
#include "store.h"
#include "strbuf.h"

/* A reminder enqueued or released more than this long after its slot is marked late. */
enum { DELIVER_LATE_AFTER = 30 * 60 };

struct deliver;

/* Prepares one pass's deliveries at `at` (reads the database id and the hold; a held queue
 * whose probe is due has its released reminders collapsed, as after downtime). */
int deliver_open(struct deliver **out, const struct config *cfg, struct store *st, time_t at,
		 struct pz_error *err);
void deliver_close(struct deliver *t);

/* True when nothing may go out now: the queue is held and its next probe is not due, or a
 * digest of this pass met a held fault. */
bool deliver_waiting(const struct deliver *t);

/* The Message-ID of a digest first sent now: from identity and the database's random id
 * (legacy: identity only, as before schema 4, for rows attempted before the upgrade). */
void deliver_message_id(const struct deliver *t, const char *identity, bool legacy,
			const char *domain, char *buf, size_t size);

/* Delivers msg, the digest of rows[0..n) (items entries), under message_id to office o,
 * and records the outcome (rows, recipients, audit, hold) in one transaction; rep counts it
 * and hears of it. Over SMTP the message goes on a thread of its own while the caller
 * builds the next (smtp_pipe.h), and its outcome is recorded by the next deliver_send or
 * deliver_flush; a message can end (be accepted) only once the one before is recorded.
 * The other arguments are copied; msg's bytes are taken (msg is left empty). -1 only when
 * the store fails. */
int deliver_send(struct deliver *t, const struct config_office *o,
		 const struct store_reminder *rows, size_t n, size_t items, const char *message_id,
		 struct strbuf *msg, struct send_report *rep, struct pz_error *err);

/* Waits for the digest still on the wire, if any, and records its outcome: call it at the end
 * of a pass (deliver_close does it too, ignoring a failure). -1 only when the store fails. */
int deliver_flush(struct deliver *t, struct pz_error *err);

#endif
