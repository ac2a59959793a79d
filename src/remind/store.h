/* store.h - plazo's state in SQLite: the reminder ledger and the run cursor.
 *
 * One row per reminder, keyed by (office, activity, milestone, due date, stage): pending,
 * then sent (only after the server accepted the message), failed (with the server's reply),
 * superseded (a later stage of the same milestone went out instead after downtime) or
 * obsolete (the plan no longer has that milestone on that date). The cursor is the instant up
 * to which reminders were enqueued, so downtime loses nothing. WAL journal; the schema is
 * versioned with PRAGMA user_version and migrated on open. Every call is bounded by a busy
 * timeout; SQLITE_BUSY is PZ_ETEMP, other database failures PZ_ESTATE. (Longer than 80
 * lines: one handle owns the database, and this is the contract of every table in it.)
 */
#ifndef PLAZO_STORE_H
#define PLAZO_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "error.h"

struct store;

enum store_state {
	STORE_PENDING,
	STORE_SENT,
	STORE_FAILED,
	STORE_SUPERSEDED,
	STORE_OBSOLETE,
	STORE_DELIVERED, /* not sent: the office had marked the milestone delivered */
};

/* An activity key's bound in the ledger and the marks, NUL included; plan keys are shorter
 * (PLAN_KEY_SIZE), and a stored key that does not fit reads as "" (no activity has it). */
enum { STORE_KEY_SIZE = 64 };

struct store_reminder {
	long long id;            /* set by the store */
	char office[64];         /* office id */
	char activity[STORE_KEY_SIZE]; /* the activity's key (plan_activity_key) */
	int milestone;           /* 1-based position of the milestone in its activity */
	char due[11];            /* YYYY-MM-DD */
	char stage[24];          /* "lead-15d", "due", ... */
	long long slot;          /* when it was due to go out */
	bool late;               /* it was enqueued after its slot had passed (downtime) */
	int attempts;            /* delivery attempts that failed temporarily */
	long long next_attempt;  /* not before this instant */
	enum store_state state;
	char last_error[256];    /* the last failure's text, "" when none */
	char message_id[128];    /* the digest it was first attempted in, "" before that */
	long long first_attempt; /* when it was first attempted (0: not yet); retry_for counts
				  * from here */
};

struct store_counts {
	long pending, sent, failed, superseded, obsolete, delivered;
};

/* Takes the sender's lock in state_dir (flock on send.lock) so that only one process sends
 * (plazo run, or one plazo send at a time): two would both read the same pending reminders.
 * PZ_ETEMP when another process holds it. The lock lives until *fd is closed. */
int store_lock_sender(const char *state_dir, int *fd, struct pz_error *err);

/* Opens (creating if needed, 0600) the database at path and migrates it. A missing, empty
 * or damaged database in a directory with a past life (backup.h) is refused with PZ_ESTATE
 * and a message naming the backup and `plazo state restore`. */
int store_open(struct store **out, const char *path, struct pz_error *err);
/* The schema version this plazo writes (the number of migrations). */
int store_schema_latest(void);
/* Rows changed through this connection since it was opened: a caller that backs up
 * compares it with the count at its last backup. */
long long store_changes(const struct store *s);
/* The database's path, as opened; lives as long as s. */
const char *store_path(const struct store *s);
/* Closes the database; NULL is fine. */
void store_close(struct store *s);

/* From aside until inline (or close), this connection's WAL checkpoints run on a thread of
 * their own (checkpoint.h) as often as SQLite would run them in the committing thread; a
 * send pass brackets its digests so. Aside twice is once; without the thread, as before. */
void store_checkpoint_aside(struct store *s);
void store_checkpoint_inline(struct store *s);

int store_begin(struct store *s, struct pz_error *err);
int store_commit(struct store *s, struct pz_error *err);
void store_rollback(struct store *s);

/* The instant up to which reminders were enqueued; *has is false before the first run. */
int store_cursor(struct store *s, bool *has, time_t *at, struct pz_error *err);
int store_set_cursor(struct store *s, time_t at, struct pz_error *err);

/* Adds r (state and next_attempt as given) unless its key is already there; *added says
 * which. */
int store_enqueue(struct store *s, const struct store_reminder *r, bool *added,
		  struct pz_error *err);

/* Adds r settled (state superseded, settled and next_attempt at r->slot) when its office
 * already has a reminder sent and its key is not there yet; *added says whether it did.
 * How an office that heard from plazo before counts as welcomed (welcome.h). */
int store_enqueue_settled_if_sent(struct store *s, const struct store_reminder *r, bool *added,
				  struct pz_error *err);

/* Pending reminders whose next attempt is due at now, by office then slot; *out is
 * allocated (free() it). */
int store_pending(struct store *s, time_t now, struct store_reminder **out, size_t *n,
		  struct pz_error *err);

/* A temporary failure: counts the attempt, waits until next. */
int store_mark_retry(struct store *s, long long id, time_t next, const char *reply,
		     struct pz_error *err);
/* A permanent failure, or one that lasted too long. */
int store_mark_failed(struct store *s, long long id, time_t at, const char *reply,
		      struct pz_error *err);
int store_mark_obsolete(struct store *s, long long id, struct pz_error *err);
/* Not sent because the office marked the milestone delivered (STORE_DELIVERED); does
 * nothing when the mark is gone meanwhile (an undo), so the reminder stays pending. */
int store_mark_skipped(struct store *s, long long id, time_t at, struct pz_error *err);
/* Sent in digest message_id at `at`, which is also its first attempt if none was recorded;
 * and since reminder id went out, the other pending reminders of its milestone and office
 * that were due no later (an earlier stage still backing off) are superseded, not sent: one
 * statement where a digest ran two per row. */
int store_mark_sent_superseding(struct store *s, long long id, time_t at,
				const char *message_id, struct pz_error *err);

/* Records that reminder id went out in digest message_id at `at`: the first call fixes the
 * Message-ID (a resend keeps it) and the first attempt (retry_for counts from it; at 0
 * leaves it unset, for an attempt that never reached the server). */
int store_mark_attempted(struct store *s, long long id, time_t at, const char *message_id,
			 struct pz_error *err);

/* What one recipient of one digest said, kept so a retry addresses only those who have not
 * accepted it. */
enum store_rcpt_state {
	STORE_RCPT_ACCEPTED,
	STORE_RCPT_DEFERRED, /* refused for now (4xx): tried again */
	STORE_RCPT_FAILED,   /* refused for good (5xx), or deferred past retry_for */
};

struct store_rcpt {
	char message_id[128];
	char address[256];
	char office[64];
	enum store_rcpt_state state;
	char reply[256]; /* the server's reply when refused */
	long long at;
};

/* Records (or updates) one recipient's outcome. */
int store_rcpt_set(struct store *s, const struct store_rcpt *r, struct pz_error *err);
/* The recipients recorded for message_id; *out is allocated (free() it). */
int store_rcpts(struct store *s, const char *message_id, struct store_rcpt **out, size_t *n,
		struct pz_error *err);
/* The latest recipients refused for good, newest first, at most max. */
int store_rcpt_failures(struct store *s, size_t max, struct store_rcpt **out, size_t *n,
			struct pz_error *err);

/* A held queue: a fault the operator must fix (login refused, untrusted certificate,
 * unreadable password file) stopped delivery. The reminders stay pending; the queue is
 * probed again at `until` (backoff) or released by a reload or `plazo retry`. */
struct store_hold {
	bool held;
	long long since;  /* when it was first held */
	long long until;  /* not probed before this instant */
	int probes;       /* probes that failed the same way */
	char reason[256]; /* the fault, as reported */
};

/* h->held is false when the queue is not held. */
int store_hold(struct store *s, struct store_hold *h, struct pz_error *err);
int store_set_hold(struct store *s, const struct store_hold *h, struct pz_error *err);
/* Releases the hold; *was (may be NULL) says whether there was one. */
int store_clear_hold(struct store *s, bool *was, struct pz_error *err);

/* Released reminders whose moment has passed behave as after downtime: of one milestone's
 * pending stages due by `at` only the latest stays pending (the others are superseded), and
 * those more than late_after seconds past their slot are marked late. */
int store_collapse(struct store *s, time_t at, long late_after, struct pz_error *err);
/* Puts back to pending (from `at`, with a fresh retry window) the reminders of office (NULL:
 * every office) settled at or after since that failed, or that went out to some recipients
 * while others refused them for good (those refusals are forgotten: only they and the
 * deferred are addressed again, under the digest's first Message-ID). *released counts
 * them. Call store_collapse after. */
int store_retry(struct store *s, const char *office, time_t since, time_t at, size_t *released,
		struct pz_error *err);

/* The earliest next attempt of a pending reminder (not before a held queue's next probe);
 * *has is false when none is pending. */
int store_next_attempt(struct store *s, bool *has, time_t *at, struct pz_error *err);

int store_counts(struct store *s, struct store_counts *c, struct pz_error *err);
/* Sets c->pending and c->failed alone, through their partial indexes (a whole count reads
 * every row of the ledger); the rest of *c is left as it was. */
int store_counts_due(struct store *s, struct store_counts *c, struct pz_error *err);
/* The latest failures, newest first, at most max; *out is allocated (free() it). */
int store_failures(struct store *s, size_t max, struct store_reminder **out, size_t *n,
		   struct pz_error *err);

const char *store_state_name(enum store_state st);

/* The feed token of office (32 hex characters); *found is false when it has none yet. */
int store_token(struct store *s, const char *office, char token[static 33], bool *found,
		struct pz_error *err);
/* Sets (or replaces: the old one stops working) the office's token. */
int store_set_token(struct store *s, const char *office, const char *token, time_t at,
		    struct pz_error *err);
/* The same for the token of the office's page (/o/TOKEN, its forms), kept apart from the
 * feed token: a calendar URL opens no form. */
int store_page_token(struct store *s, const char *office, char token[static 33], bool *found,
		     struct pz_error *err);
int store_set_page_token(struct store *s, const char *office, const char *token, time_t at,
			 struct pz_error *err);

/* The SEQUENCE and LAST-MODIFIED of feed event uid whose content now hashes to hash: a new
 * event starts at 0 and now; a changed one gets sequence + 1 and now; an unchanged one keeps
 * what it had. */
int store_feed_event(struct store *s, const char *uid, unsigned long long hash, time_t now,
		     unsigned *sequence, time_t *modified, struct pz_error *err);

/* Every token of one kind, office by office, in one query: each(user, office, token). */
enum store_token_kind { STORE_FEED_TOKEN, STORE_PAGE_TOKEN, STORE_FORM_TOKEN };
typedef void (*store_token_fn)(void *user, const char *office, const char *token);
int store_all_tokens(struct store *s, enum store_token_kind kind, store_token_fn each,
		     void *user, struct pz_error *err);
/* One office's token, for store_set_tokens (both borrowed). */
struct store_token_row {
	const char *office;
	const char *token;
};
/* Sets (or replaces) the tokens rows[0..n) of kind STORE_FEED_TOKEN or STORE_PAGE_TOKEN,
 * created at `at`, many to a statement: what store_set_token / store_set_page_token do for
 * each, at a fraction of the cost. */
int store_set_tokens(struct store *s, enum store_token_kind kind,
		     const struct store_token_row *rows, size_t n, time_t at, struct pz_error *err);
/* The latest audit row of a mark or undo of each office (the trail only grows, so it moves
 * with every one): each(user, office, id). */
typedef void (*store_head_fn)(void *user, const char *office, long long id);
int store_audit_heads(struct store *s, store_head_fn each, void *user, struct pz_error *err);
/* The latest mark, re-mark or undo row of office's audit trail (*found false: none). */
int store_audit_head(struct store *s, const char *office, long long *id, bool *found,
		     struct pz_error *err);
/* A small named value (form tokens, ...): *found is false when key has none. */
int store_meta(struct store *s, const char *key, char *value, size_t size, bool *found,
	       struct pz_error *err);
int store_set_meta(struct store *s, const char *key, const char *value, struct pz_error *err);

/* The last load's rows not read (struct unread, unread.h), in meta "plan_unread" as
 * unread_format writes it. unread_save writes only when it changed (no needless write);
 * unread_load reads it back, *found false when no daemon has saved one. (They keep the
 * unread_ names their callers know; they live here so that unread.h, which the digest
 * reads, knows no store.) */
struct unread;
int unread_save(struct store *st, const struct unread *u, struct pz_error *err);
int unread_load(struct store *st, struct unread *u, bool *found, struct pz_error *err);

/* A milestone an office marked delivered (from its page). */
struct store_delivery {
	char office[64];
	char activity[STORE_KEY_SIZE];
	int milestone;
	char due[11];
	long long at;        /* when it was marked */
	char by_name[401];   /* who said so, as typed (up to 100 characters of UTF-8) */
	char evidence[1601]; /* a link to the evidence, as typed (up to 400 characters) */
};

/* Records d as the milestone's mark (*first true) or, when the milestone is marked already,
 * beside that mark, which stands unchanged (*first false: who, when, evidence and the undo
 * window stay the first's). Turns the milestone's pending reminders for that office into
 * STORE_DELIVERED and appends an audit row ("marked", or "marked-again"). */
int store_mark_delivered(struct store *s, const struct store_delivery *d, bool *first,
			 struct pz_error *err);
/* Removes the mark of that milestone and the later marks beside it (*found says whether there
 * was one), puts its skipped reminders back to pending from `at`, and appends an audit row
 * naming key->by_name (who undid it). */
int store_undo_delivered(struct store *s, const struct store_delivery *key, time_t at,
			 bool *found, struct pz_error *err);
/* Every mark; *out is allocated (free() it). */
int store_deliveries(struct store *s, struct store_delivery **out, size_t *n,
		     struct pz_error *err);
/* The later marks (see store_mark_delivered), by milestone and then oldest first. */
int store_deliveries_later(struct store *s, struct store_delivery **out, size_t *n,
			   struct pz_error *err);
/* The same two of one office alone. */
int store_office_deliveries(struct store *s, const char *office, struct store_delivery **out,
			    size_t *n, struct pz_error *err);
int store_office_deliveries_later(struct store *s, const char *office,
				  struct store_delivery **out, size_t *n, struct pz_error *err);

/* The audit trail: append-only (the database refuses updates and deletes). */
struct store_audit_row {
	long long id;
	long long at;
	char office[64];
	char kind[24];     /* "sent", "deferred", "failed", "rcpt-failed", "held", "released",
			    * "retried", "marked", "marked-again", "undone",
			    * "token-rotated" */
	char detail[512];
};

int store_audit(struct store *s, time_t at, const char *office, const char *kind,
		const char *detail, struct pz_error *err);
/* Rows at or after since, for one office (NULL: all), oldest first. */
int store_audit_list(struct store *s, const char *office, time_t since,
		     struct store_audit_row **out, size_t *n, struct pz_error *err);

/* One milestone of the plan the daemon last loaded (what a reload changes is told against
 * it); an activity with no milestone has one row with milestone 0 and due "". */
struct store_seen {
	char activity[STORE_KEY_SIZE]; /* its key */
	int milestone;
	char due[11];
	char ref[32];        /* as printed; "" none */
	unsigned line;       /* in the plan file store_set_plan_seen was given */
	unsigned long long text_hash; /* of the activity's text: a renumbered ref keeps it */
};

/* The plan last recorded; *out is allocated (free() it), empty before the first. */
int store_plan_seen(struct store *s, struct store_seen **out, size_t *n, struct pz_error *err);
/* Replaces it (one transaction) with the rows next hands out (into *r, false after the
 * last; best in the order of (activity, milestone), plan_seen's key) and records source, the
 * plan file's path (meta "plan-seen"), and the caller's fingerprint of it (meta
 * "plan-seen-hash"). */
int store_set_plan_seen(struct store *s, bool (*next)(void *user, struct store_seen *r),
			void *user, const char *source, const char *fingerprint,
			struct pz_error *err);

/* A key kept from before refs: the activity whose key is now `activity` has its state
 * under `stored`. */
struct store_alias {
	char activity[STORE_KEY_SIZE];
	char stored[STORE_KEY_SIZE];
};

int store_aliases(struct store *s, struct store_alias **out, size_t *n, struct pz_error *err);
/* Adds one (an activity that has one keeps it). */
int store_add_alias(struct store *s, const char *activity, const char *stored,
		    struct pz_error *err);

struct store_key {
	char key[STORE_KEY_SIZE];
};

/* Every activity key the state holds (the ledger, the marks, the feed events' UIDs), repeats
 * possible; *out is allocated (free() it). */
int store_used_keys(struct store *s, struct store_key **out, size_t *n, struct pz_error *err);

#endif
