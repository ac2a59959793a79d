#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "backup.h"
#include "checkpoint.h"
#include "config.h"
#include "strbuf.h"
#include "unread.h"
#include "xalloc.h"

/* config bounds office ids so that they fit the fixed-size fields of the rows */
_Static_assert(sizeof(((struct store_reminder *)0)->office) > CONFIG_ID_MAX, "office id");
_Static_assert(sizeof(((struct store_delivery *)0)->office) > CONFIG_ID_MAX, "office id");

enum { KEPT_MAX = 32 };

struct store {
	sqlite3 *db;
	char *path;
	sqlite3_stmt *feed_get; /* store_feed_event runs once per feed event: prepared once */
	sqlite3_stmt *feed_put;
	struct checkpoint *ckpt; /* store_checkpoint_aside; or NULL */
	struct kept {           /* statements run once per digest: prepare_kept */
		const char *sql;
		sqlite3_stmt *st;
		bool busy;
	} kept[KEPT_MAX];
	size_t n_kept;
	bool tokens_noted; /* DB.tokens-issued written in the transaction store_begin opened */
};

#define REMINDER12_COLUMNS                                                                         \
	"id, office, activity, milestone, due, stage, slot, state, late, attempts, "               \
	"next_attempt, last_error, message_id, settled, first_attempt"

/* The audit rows that are marks (made, made again, undone): the condition of the index
 * audit_marks (schema 13) and of every query meant to use it. Migration 13 spells it through
 * this macro, so it is as frozen as the migration: another condition needs another index. */
#define AUDIT_MARKS "(kind = 'marked' OR kind = 'marked-again' OR kind = 'undone')"

/* Each entry moves the schema one version up; never edit one that has shipped. */
static const char *const migrations[] = {
	/* 1 */
	"CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE reminder ("
	"  id INTEGER PRIMARY KEY,"
	"  office TEXT NOT NULL, activity TEXT NOT NULL, milestone INTEGER NOT NULL,"
	"  due TEXT NOT NULL, stage TEXT NOT NULL, slot INTEGER NOT NULL,"
	"  state TEXT NOT NULL CHECK (state IN"
	"    ('pending', 'sent', 'failed', 'superseded', 'obsolete')),"
	"  late INTEGER NOT NULL DEFAULT 0, attempts INTEGER NOT NULL DEFAULT 0,"
	"  next_attempt INTEGER NOT NULL, last_error TEXT, message_id TEXT,"
	"  done INTEGER,"
	"  UNIQUE (office, activity, milestone, due, stage));"
	"CREATE INDEX reminder_pending ON reminder (state, next_attempt);",
	/* 2: feed tokens and the persisted state of feed events */
	"CREATE TABLE token (office TEXT PRIMARY KEY, token TEXT NOT NULL UNIQUE,"
	"  created INTEGER NOT NULL);"
	"CREATE TABLE feed_event (uid TEXT PRIMARY KEY, hash INTEGER NOT NULL,"
	"  sequence INTEGER NOT NULL, modified INTEGER NOT NULL);",
	/* 3: deliveries marked done, the audit trail, and reminders skipped as delivered */
	"CREATE TABLE reminder3 ("
	"  id INTEGER PRIMARY KEY,"
	"  office TEXT NOT NULL, activity TEXT NOT NULL, milestone INTEGER NOT NULL,"
	"  due TEXT NOT NULL, stage TEXT NOT NULL, slot INTEGER NOT NULL,"
	"  state TEXT NOT NULL CHECK (state IN"
	"    ('pending', 'sent', 'failed', 'superseded', 'obsolete', 'delivered')),"
	"  late INTEGER NOT NULL DEFAULT 0, attempts INTEGER NOT NULL DEFAULT 0,"
	"  next_attempt INTEGER NOT NULL, last_error TEXT, message_id TEXT,"
	"  done INTEGER,"
	"  UNIQUE (office, activity, milestone, due, stage));"
	"INSERT INTO reminder3 SELECT * FROM reminder;"
	"DROP TABLE reminder;"
	"ALTER TABLE reminder3 RENAME TO reminder;"
	"CREATE INDEX reminder_pending ON reminder (state, next_attempt);"
	"CREATE TABLE delivery (office TEXT NOT NULL, activity TEXT NOT NULL,"
	"  milestone INTEGER NOT NULL, due TEXT NOT NULL, at INTEGER NOT NULL,"
	"  by_name TEXT NOT NULL DEFAULT '', evidence TEXT NOT NULL DEFAULT '',"
	"  PRIMARY KEY (office, activity, milestone, due));"
	"CREATE TABLE audit (id INTEGER PRIMARY KEY, at INTEGER NOT NULL,"
	"  office TEXT NOT NULL, kind TEXT NOT NULL, detail TEXT NOT NULL);"
	"CREATE TRIGGER audit_append_only_update BEFORE UPDATE ON audit"
	"  BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;"
	"CREATE TRIGGER audit_append_only_delete BEFORE DELETE ON audit"
	"  BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;",
	/* 4: delivery per recipient, retry_for from the first attempt, and a random id of this
	 * database that new digests' Message-IDs carry (a reset state never repeats them) */
	"ALTER TABLE reminder ADD COLUMN first_attempt INTEGER;"
	"CREATE INDEX reminder_message ON reminder (message_id);"
	"CREATE TABLE rcpt (message_id TEXT NOT NULL, address TEXT NOT NULL,"
	"  office TEXT NOT NULL,"
	"  state TEXT NOT NULL CHECK (state IN ('accepted', 'deferred', 'failed')),"
	"  reply TEXT NOT NULL DEFAULT '', at INTEGER NOT NULL,"
	"  PRIMARY KEY (message_id, address));"
	"INSERT OR IGNORE INTO meta (key, value) VALUES ('instance', lower(hex(randomblob(16))));",
	/* 5: page tokens: an office's page (and its forms) under a token of its own, apart
	 * from its feed's (which calendar services hold); created on first use like feed
	 * tokens */
	("CREATE TABLE page_token (office TEXT PRIMARY KEY, token TEXT NOT NULL UNIQUE,"
	 "  created INTEGER NOT NULL);"),
	/* 6: activity identity by (component, ref): the plan the daemon last loaded (what a
	 * reload changes is told against it), and the keys kept from before refs (an activity
	 * whose state is stored under its old line key keeps it). An install that already has
	 * state adopts its old keys at its first load ('identity' = 'legacy'). */
	"CREATE TABLE plan_seen (activity TEXT NOT NULL, milestone INTEGER NOT NULL,"
	"  due TEXT NOT NULL, ref TEXT NOT NULL, line INTEGER NOT NULL,"
	"  text_hash INTEGER NOT NULL, PRIMARY KEY (activity, milestone));"
	"CREATE TABLE activity_alias (activity TEXT PRIMARY KEY, stored TEXT NOT NULL UNIQUE);"
	"INSERT INTO meta (key, value) SELECT 'identity', 'legacy' WHERE"
	"  EXISTS (SELECT 1 FROM reminder) OR EXISTS (SELECT 1 FROM delivery) OR"
	"  EXISTS (SELECT 1 FROM feed_event);",
	/* 7: marks of a milestone already marked (a stale tab, a second colleague): kept beside
	 * the first, which stands */
	"CREATE TABLE delivery_later (id INTEGER PRIMARY KEY, office TEXT NOT NULL,"
	"  activity TEXT NOT NULL, milestone INTEGER NOT NULL, due TEXT NOT NULL,"
	"  at INTEGER NOT NULL, by_name TEXT NOT NULL DEFAULT '',"
	"  evidence TEXT NOT NULL DEFAULT '');"
	"CREATE INDEX delivery_later_key ON delivery_later (office, activity, milestone, due);",
	/* 8: the welcome digest (welcome.h), once per office: an office that already received
	 * a digest counts as welcomed, its welcome row settled (superseded) as of its first */
	"INSERT OR IGNORE INTO reminder (office, activity, milestone, due, stage, slot, state,"
	"  next_attempt, done)"
	"  SELECT office, 'welcome', 0, '', 'welcome', min(slot), 'superseded', min(slot),"
	"  min(done) FROM reminder WHERE state = 'sent' GROUP BY office;",
	/* 9: the ledger's column `done` is when a reminder was settled (sent, failed, obsolete,
	 * delivered or superseded), not a delivery mark (done.h): named for what it means */
	"ALTER TABLE reminder RENAME COLUMN done TO settled;",
	/* 10: a form reads its office's audit head alone (store_audit_head), not the trail */
	"CREATE INDEX audit_office ON audit (office, kind, id);",
	/* 11: a digest's record writes fewer pages. The ledger's index by Message-ID goes (a
	 * random key: every digest dirtied a leaf of it or split one, and only plazo retry,
	 * which scans anyway, looked rows up by it); the recipients live in their key's own
	 * b-tree (WITHOUT ROWID), not in a table plus an index of that key. Same rows. */
	"DROP INDEX IF EXISTS reminder_message;"
	"CREATE TABLE rcpt11 (message_id TEXT NOT NULL, address TEXT NOT NULL,"
	"  office TEXT NOT NULL,"
	"  state TEXT NOT NULL CHECK (state IN ('accepted', 'deferred', 'failed')),"
	"  reply TEXT NOT NULL DEFAULT '', at INTEGER NOT NULL,"
	"  PRIMARY KEY (message_id, address)) WITHOUT ROWID;"
	"INSERT INTO rcpt11 SELECT message_id, address, office, state, reply, at FROM rcpt;"
	"DROP TABLE rcpt;"
	"ALTER TABLE rcpt11 RENAME TO rcpt;",
	/* 12: a digest's record costs less. A CHECK of `state IN (three or more names)` made
	 * SQLite build an ephemeral table at every write of the row: the same names, as ORs.
	 * The index of what is due holds the pending rows alone, and the failed rows have one
	 * of their own: a row leaving 'pending' is taken out of the index, not moved across it
	 * to a second leaf, and the sent, superseded and obsolete rows that pile up over the
	 * years are in neither. Same columns, same rows. */
	"CREATE TABLE reminder12 ("
	"  id INTEGER PRIMARY KEY,"
	"  office TEXT NOT NULL, activity TEXT NOT NULL, milestone INTEGER NOT NULL,"
	"  due TEXT NOT NULL, stage TEXT NOT NULL, slot INTEGER NOT NULL,"
	"  state TEXT NOT NULL CHECK (state = 'pending' OR state = 'sent' OR state = 'failed'"
	"    OR state = 'superseded' OR state = 'obsolete' OR state = 'delivered'),"
	"  late INTEGER NOT NULL DEFAULT 0, attempts INTEGER NOT NULL DEFAULT 0,"
	"  next_attempt INTEGER NOT NULL, last_error TEXT, message_id TEXT,"
	"  settled INTEGER, first_attempt INTEGER,"
	"  UNIQUE (office, activity, milestone, due, stage));"
	"INSERT INTO reminder12 (" REMINDER12_COLUMNS ") SELECT " REMINDER12_COLUMNS
	"  FROM reminder;"
	"DROP TABLE reminder;"
	"ALTER TABLE reminder12 RENAME TO reminder;"
	"CREATE INDEX reminder_pending ON reminder (next_attempt) WHERE state = 'pending';"
	"CREATE INDEX reminder_failed ON reminder (settled) WHERE state = 'failed';"
	"CREATE TABLE rcpt12 (message_id TEXT NOT NULL, address TEXT NOT NULL,"
	"  office TEXT NOT NULL,"
	"  state TEXT NOT NULL CHECK (state = 'accepted' OR state = 'deferred'"
	"    OR state = 'failed'),"
	"  reply TEXT NOT NULL DEFAULT '', at INTEGER NOT NULL,"
	"  PRIMARY KEY (message_id, address)) WITHOUT ROWID;"
	"INSERT INTO rcpt12 SELECT message_id, address, office, state, reply, at FROM rcpt;"
	"DROP TABLE rcpt;"
	"ALTER TABLE rcpt12 RENAME TO rcpt;",
	/* 13: the audit index holds the marks alone, the only rows its readers (an office's
	 * audit head) look for: a digest's "sent" row, and every other kind, no longer dirties a
	 * leaf of it, so a record writes four pages where it wrote five. Its condition is
	 * AUDIT_MARKS, which the readers repeat word for word (SQLite uses a partial index only
	 * for a query that implies its WHERE; an IN list would not, and would make each INSERT
	 * build an ephemeral table, as schema 12 found for the CHECKs). */
	"DROP INDEX IF EXISTS audit_office;"
	"CREATE INDEX audit_marks ON audit (office, id) WHERE " AUDIT_MARKS ";",
};

static const char *const state_names[] = {"pending",  "sent",	  "failed",
					  "superseded", "obsolete", "delivered"};

const char *store_state_name(enum store_state st)
{
	return (size_t)st < sizeof(state_names) / sizeof(state_names[0]) ? state_names[st] : "?";
}

/* The state named name; false for a name this plazo does not know (a database written by
 * a newer version), which the callers report rather than guess. */
static bool state_from(const char *name, enum store_state *out)
{
	for (size_t i = 0; i < sizeof(state_names) / sizeof(state_names[0]); i++)
		if (name && strcmp(name, state_names[i]) == 0)
			return *out = (enum store_state)i, true;
	return false;
}

static int unknown_state(struct store *s, const unsigned char *name, struct pz_error *err)
{
	return PZ_FAIL(err, PZ_ESTATE, s->path,
		       "database %s holds a reminder in state '%s', which this plazo does not "
		       "know (was it written by a newer version?)",
		       s->path, name ? (const char *)name : "(null)");
}

static int db_fail(struct store *s, struct pz_error *err, const char *what)
{
	int code = sqlite3_extended_errcode(s->db);
	enum pz_errc c = (code & 0xff) == SQLITE_BUSY || (code & 0xff) == SQLITE_LOCKED
				 ? PZ_ETEMP
				 : PZ_ESTATE;
	return PZ_FAIL(err, c, s->path, "%s %s: %s (code %d)", what, s->path,
		       sqlite3_errmsg(s->db), code);
}

static int exec(struct store *s, const char *sql, struct pz_error *err)
{
	if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(s, err, "database");
	return 0;
}

static int prepare(struct store *s, const char *sql, sqlite3_stmt **st, struct pz_error *err)
{
	if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK)
		return db_fail(s, err, "database");
	return 0;
}

/* A statement of a store function that runs once per digest: prepared on first use and kept,
 * found again by the address of its SQL, which must be a string literal (never a string built
 * at run time). One already in use (a nested call) is prepared anew, and finalized after. */
static int prepare_kept(struct store *s, const char *sql, sqlite3_stmt **st,
			struct pz_error *err)
{
	size_t i = 0;
	while (i < s->n_kept && s->kept[i].sql != sql)
		i++;
	if (i < s->n_kept && !s->kept[i].busy) {
		s->kept[i].busy = true;
		*st = s->kept[i].st;
		return 0;
	}
	if (prepare(s, sql, st, err) < 0)
		return -1;
	if (i == s->n_kept && i < KEPT_MAX)
		s->kept[s->n_kept++] = (struct kept){sql, *st, true};
	return 0;
}

/* Ends a statement: a kept one is reset (locks released, bindings cleared), any other
 * finalized. */
static void done_with(struct store *s, sqlite3_stmt *st)
{
	for (size_t i = 0; i < s->n_kept; i++) {
		if (s->kept[i].st == st) {
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
			s->kept[i].busy = false;
			return;
		}
	}
	sqlite3_finalize(st);
}

/* Steps a statement that returns no rows, then ends it. */
static int run(struct store *s, sqlite3_stmt *st, struct pz_error *err)
{
	int rc = sqlite3_step(st);
	int out = rc == SQLITE_DONE ? 0 : db_fail(s, err, "database");
	done_with(s, st);
	return out;
}

/* Runs a kept statement without parameters or rows (BEGIN, COMMIT). */
static int run_kept(struct store *s, const char *sql, struct pz_error *err)
{
	sqlite3_stmt *st;
	if (prepare_kept(s, sql, &st, err) < 0)
		return -1;
	return run(s, st, err);
}

int store_schema_latest(void)
{
	return (int)(sizeof(migrations) / sizeof(migrations[0]));
}

static int schema_version(struct store *s, int *version, struct pz_error *err)
{
	sqlite3_stmt *st;
	if (prepare(s, "PRAGMA user_version", &st, err) < 0)
		return -1;
	int rc = sqlite3_step(st);
	*version = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	done_with(s, st);
	return rc == SQLITE_ROW ? 0 : db_fail(s, err, "read the schema of");
}

static int migrate(struct store *s, int version, struct pz_error *err)
{
	int latest = store_schema_latest();
	if (version > latest)
		return PZ_FAIL(err, PZ_ESTATE, s->path,
			       "database %s has schema %d, newer than this plazo (%d)", s->path,
			       version, latest);
	for (int v = version; v < latest; v++) {
		char pragma[48];
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", v + 1);
		if (exec(s, "BEGIN IMMEDIATE", err) < 0)
			return -1;
		if (exec(s, migrations[v], err) < 0 || exec(s, pragma, err) < 0) {
			store_rollback(s);
			return -1;
		}
		if (exec(s, "COMMIT", err) < 0)
			return -1;
	}
	return 0;
}

/* The database and its -wal/-shm hold every token: 0600 whatever the umask. A new file is
 * created so before SQLite opens it (SQLite gives the -wal and -shm the database's mode);
 * an older install's files are tightened when they are ours. */
static int private_files(const char *path, bool fresh, struct pz_error *err)
{
	if (fresh) {
		int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0 || fchmod(fd, 0600) < 0) {
			int e = errno;
			if (fd >= 0)
				close(fd);
			return PZ_FAIL(err, PZ_ESTATE, path, "create database %s: %s", path,
				       strerror(e));
		}
		close(fd);
		return 0;
	}
	static const char *const suffixes[] = {"", "-wal", "-shm"};
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		char *p = xasprintf("%s%s", path, suffixes[i]);
		struct stat sb;
		if (stat(p, &sb) == 0 && (sb.st_mode & 077) && sb.st_uid == geteuid())
			chmod(p, sb.st_mode & 0700);
		free(p);
	}
	return 0;
}

/* A file SQLite finds damaged, or a database without schema where the directory had a
 * past life, is refused with the way back (backup.h). */
static int check_damage(struct store *s, int rc, struct pz_error *err)
{
	int code = sqlite3_extended_errcode(s->db) & 0xff;
	if (rc < 0 && (code == SQLITE_NOTADB || code == SQLITE_CORRUPT)) {
		char what[200];
		snprintf(what, sizeof(what), "damaged (%s)", sqlite3_errmsg(s->db));
		return backup_past_life(s->path)
			       ? backup_refuse(s->path, what, err)
			       : PZ_FAIL(err, PZ_ESTATE, s->path, "database %s is %s", s->path, what);
	}
	return rc;
}

/* An upgraded install that handed out tokens before DB.tokens-issued existed gets it now. */
static int note_tokens(struct store *s, struct pz_error *err)
{
	sqlite3_stmt *st;
	if (prepare(s, "SELECT 1 FROM token LIMIT 1", &st, err) < 0)
		return -1;
	int rc = sqlite3_step(st);
	done_with(s, st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(s, err, "read tokens from");
	return rc == SQLITE_ROW ? backup_note_tokens(s->path, err) : 0;
}

static int open_schema(struct store *s, struct pz_error *err)
{
	int version = 0;
	int rc = exec(s, "PRAGMA journal_mode = WAL", err);
	if (rc == 0)
		rc = schema_version(s, &version, err);
	if ((rc = check_damage(s, rc, err)) < 0)
		return -1;
	if (version == 0 && backup_past_life(s->path))
		return backup_refuse(s->path, "empty", err);
	if (exec(s, "PRAGMA synchronous = NORMAL", err) < 0 ||
	    exec(s, "PRAGMA foreign_keys = ON", err) < 0 ||
	    check_damage(s, migrate(s, version, err), err) < 0)
		return -1;
	return note_tokens(s, err);
}

/* Databases this process has open, by path. SQLite's POSIX locks belong to the process:
 * closing any descriptor of the file drops them all, and the next program that closes the
 * database then deletes the WAL the open connections still write to. So while a database is
 * open here nothing but SQLite may open the file: the guard and the 0600 creation run for
 * the first connection only (the daemon opens four, and reopens them on SIGUSR1). */
static struct open_db {
	char *path;
	int n;
} *open_dbs;
static size_t n_open_dbs, cap_open_dbs;
static pthread_mutex_t open_dbs_lock = PTHREAD_MUTEX_INITIALIZER;

/* Counts one more connection to path; true when it is the first. */
static bool first_open(const char *path)
{
	pthread_mutex_lock(&open_dbs_lock);
	size_t i = 0;
	while (i < n_open_dbs && strcmp(open_dbs[i].path, path) != 0)
		i++;
	if (i == n_open_dbs) {
		open_dbs = xgrow(open_dbs, &cap_open_dbs, n_open_dbs + 1, sizeof(*open_dbs));
		open_dbs[n_open_dbs++] = (struct open_db){xstrdup(path), 0};
	}
	bool first = open_dbs[i].n++ == 0;
	pthread_mutex_unlock(&open_dbs_lock);
	return first;
}

static void last_close(const char *path)
{
	pthread_mutex_lock(&open_dbs_lock);
	for (size_t i = 0; i < n_open_dbs; i++) {
		if (strcmp(open_dbs[i].path, path) != 0)
			continue;
		if (--open_dbs[i].n == 0) {
			free(open_dbs[i].path);
			open_dbs[i] = open_dbs[--n_open_dbs];
		}
		break;
	}
	if (n_open_dbs == 0) {
		free(open_dbs);
		open_dbs = NULL;
		cap_open_dbs = 0;
	}
	pthread_mutex_unlock(&open_dbs_lock);
}

int store_open(struct store **out, const char *path, struct pz_error *err)
{
	bool fresh;
	if (first_open(path) &&
	    (backup_guard(path, &fresh, err) < 0 || private_files(path, fresh, err) < 0)) {
		last_close(path);
		return -1;
	}
	struct store *s = xcalloc(1, sizeof(*s));
	s->path = xstrdup(path);
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		PZ_FAIL(err, PZ_ESTATE, path, "open database %s: %s", path,
			s->db ? sqlite3_errmsg(s->db) : "out of memory");
		store_close(s);
		return -1;
	}
	sqlite3_busy_timeout(s->db, 5000);
	if (open_schema(s, err) < 0) {
		store_close(s);
		return -1;
	}
	*out = s;
	return 0;
}

long long store_changes(const struct store *s)
{
	return (long long)sqlite3_total_changes(s->db);
}

const char *store_path(const struct store *s)
{
	return s->path;
}

void store_checkpoint_aside(struct store *s)
{
	if (s->ckpt == NULL)
		s->ckpt = checkpoint_start(s->db, s->path);
}

void store_checkpoint_inline(struct store *s)
{
	checkpoint_stop(s->ckpt);
	s->ckpt = NULL;
}

void store_close(struct store *s)
{
	if (s == NULL)
		return;
	store_checkpoint_inline(s);
	sqlite3_finalize(s->feed_get);
	sqlite3_finalize(s->feed_put);
	for (size_t i = 0; i < s->n_kept; i++)
		sqlite3_finalize(s->kept[i].st);
	sqlite3_close(s->db);
	last_close(s->path);
	free(s->path);
	free(s);
}

int store_begin(struct store *s, struct pz_error *err)
{
	s->tokens_noted = false;
	return run_kept(s, "BEGIN IMMEDIATE", err);
}

int store_commit(struct store *s, struct pz_error *err)
{
	s->tokens_noted = false;
	if (run_kept(s, "COMMIT", err) == 0)
		return 0;
	if (!sqlite3_get_autocommit(s->db)) /* SQLite may keep it open: end it */
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

void store_rollback(struct store *s)
{
	s->tokens_noted = false;
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

int store_cursor(struct store *s, bool *has, time_t *at, struct pz_error *err)
{
	sqlite3_stmt *st;
	if (prepare(s, "SELECT value FROM meta WHERE key = 'cursor'", &st, err) < 0)
		return -1;
	int rc = sqlite3_step(st);
	*has = rc == SQLITE_ROW;
	if (*has)
		*at = (time_t)sqlite3_column_int64(st, 0);
	done_with(s, st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(s, err, "read cursor from");
	return 0;
}

int store_set_cursor(struct store *s, time_t at, struct pz_error *err)
{
	sqlite3_stmt *st;
	if (prepare(s, "INSERT INTO meta (key, value) VALUES ('cursor', ?1) "
		       "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
		    &st, err) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)at);
	return run(s, st, err);
}

/* ?1-?6 of an enqueue: the ledger key (office, activity, milestone, due, stage) and the slot. */
static void bind_ledger_key(sqlite3_stmt *st, const struct store_reminder *r)
{
	sqlite3_bind_text(st, 1, r->office, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, r->activity, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, r->milestone);
	sqlite3_bind_text(st, 4, r->due, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, r->stage, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, r->slot);
}

int store_enqueue(struct store *s, const struct store_reminder *r, bool *added,
		  struct pz_error *err)
{
	sqlite3_stmt *st; /* kept: a pass enqueues every reminder that came due */
	if (prepare_kept(s, "INSERT OR IGNORE INTO reminder (office, activity, milestone, due,"
			 " stage, slot, state, late, next_attempt)"
			 " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
			 &st, err) < 0)
		return -1;
	bind_ledger_key(st, r);
	sqlite3_bind_text(st, 7, store_state_name(r->state), -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 8, r->late);
	sqlite3_bind_int64(st, 9, r->next_attempt);
	if (run(s, st, err) < 0)
		return -1;
	if (added)
		*added = sqlite3_changes(s->db) > 0;
	return 0;
}

int store_enqueue_settled_if_sent(struct store *s, const struct store_reminder *r, bool *added,
				  struct pz_error *err)
{
	sqlite3_stmt *st;
	if (prepare_kept(s,
			 "INSERT OR IGNORE INTO reminder (office, activity, milestone, due, stage,"
			 " slot, state, next_attempt, settled)"
			 " SELECT ?1, ?2, ?3, ?4, ?5, ?6, 'superseded', ?6, ?6 WHERE EXISTS"
			 " (SELECT 1 FROM reminder WHERE office = ?1 AND state = 'sent')",
			 &st, err) < 0)
		return -1;
	bind_ledger_key(st, r);
	if (run(s, st, err) < 0)
		return -1;
	*added = sqlite3_changes(s->db) > 0;
	return 0;
}

/* src (NULL: "") into dst[size], cut to size - 1 bytes as snprintf would, without its cost
 * (a pass reads seven texts a row). */
static void copy_text(char *dst, size_t size, const unsigned char *src)
{
	if (size == 0)
		return;
	size_t n = src ? strnlen((const char *)src, size - 1) : 0;
	if (n > 0)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

/* A key that does not fit names no activity: it reads as "", never as a truncated key. */
static void copy_key(char *dst, size_t size, const unsigned char *src)
{
	if (src != NULL && strlen((const char *)src) >= size)
		src = NULL;
	copy_text(dst, size, src);
}

/* Reads the current row of st into row: 1 keeps it, 0 skips it, -1 fails (err filled). */
typedef int (*row_reader)(struct store *s, sqlite3_stmt *st, void *row, struct pz_error *err);

/* The rows a listing read: an allocated array of elements of one size. */
struct rows {
	void *items;
	size_t n;
};

/* Steps st (prepared and bound) to its end, reading each row into a new element of size
 * `size` of out through read, then finalizes st. On failure out is freed and emptied and
 * err says what could not be read (`what`: "read reminders from"). */
static int collect_rows(struct store *s, sqlite3_stmt *st, size_t size, row_reader read,
			struct rows *out, const char *what, struct pz_error *err)
{
	size_t cap = 0;
	int rc = SQLITE_DONE, kept = 1;
	*out = (struct rows){NULL, 0};
	while (kept >= 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		out->items = xgrow(out->items, &cap, out->n + 1, size);
		kept = read(s, st, (char *)out->items + out->n * size, err);
		out->n += kept > 0;
	}
	int ret = kept < 0 ? -1 : rc == SQLITE_DONE ? 0 : db_fail(s, err, what);
	done_with(s, st);
	if (ret < 0) {
		free(out->items);
		*out = (struct rows){NULL, 0};
	}
	return ret;
}

#define ROW_COLUMNS                                                                        \
	"id, office, activity, milestone, due, stage, slot, late, attempts, next_attempt, " \
	"state, last_error, message_id, first_attempt"

static int read_row(struct store *s, sqlite3_stmt *st, void *row, struct pz_error *err)
{
	struct store_reminder *r = row;
	r->id = sqlite3_column_int64(st, 0);
	copy_text(r->office, sizeof(r->office), sqlite3_column_text(st, 1));
	copy_key(r->activity, sizeof(r->activity), sqlite3_column_text(st, 2));
	r->milestone = sqlite3_column_int(st, 3);
	copy_text(r->due, sizeof(r->due), sqlite3_column_text(st, 4));
	copy_text(r->stage, sizeof(r->stage), sqlite3_column_text(st, 5));
	r->slot = sqlite3_column_int64(st, 6);
	r->late = sqlite3_column_int(st, 7) != 0;
	r->attempts = sqlite3_column_int(st, 8);
	r->next_attempt = sqlite3_column_int64(st, 9);
	if (!state_from((const char *)sqlite3_column_text(st, 10), &r->state))
		return unknown_state(s, sqlite3_column_text(st, 10), err);
	copy_text(r->last_error, sizeof(r->last_error), sqlite3_column_text(st, 11));
	copy_text(r->message_id, sizeof(r->message_id), sqlite3_column_text(st, 12));
	r->first_attempt = sqlite3_column_int64(st, 13);
	return 1;
}

/* Runs a query of ROW_COLUMNS with one integer parameter into an allocated array. */
static int select_rows(struct store *s, const char *sql, long long param,
		       struct store_reminder **out, size_t *n, struct pz_error *err)
{
	sqlite3_stmt *st;
	struct rows r = {NULL, 0};
	int rc = prepare(s, sql, &st, err);
	if (rc == 0) {
		sqlite3_bind_int64(st, 1, param);
		rc = collect_rows(s, st, sizeof(**out), read_row, &r, "read reminders from", err);
	}
	*out = r.items;
	*n = r.n;
	return rc;
}

int store_pending(struct store *s, time_t now, struct store_reminder **out, size_t *n,
		  struct pz_error *err)
{
	return select_rows(s,
			   "SELECT " ROW_COLUMNS " FROM reminder WHERE state = 'pending' AND "
			   "next_attempt <= ?1 ORDER BY office, slot, id",
			   (long long)now, out, n, err);
}

int store_failures(struct store *s, size_t max, struct store_reminder **out, size_t *n,
		   struct pz_error *err)
{
	return select_rows(s,
			   "SELECT " ROW_COLUMNS " FROM reminder WHERE state = 'failed' "
			   "ORDER BY settled DESC, id DESC LIMIT ?1",
			   (long long)max, out, n, err);
}

/* UPDATE reminder SET ... WHERE id = ?1, with ?2 an integer and ?3 a text (statements
 * without ?3 ignore it). */
static int update(struct store *s, const char *sql, long long id, long long num,
		  const char *text, struct pz_error *err)
{
	sqlite3_stmt *st;
	if (prepare_kept(s, sql, &st, err) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, num);
	sqlite3_bind_text(st, 3, text ? text : "", -1, SQLITE_STATIC); /* run ends with st */
	return run(s, st, err);
}

int store_mark_retry(struct store *s, long long id, time_t next, const char *reply,
		     struct pz_error *err)
{
	return update(s,
		      "UPDATE reminder SET attempts = attempts + 1, next_attempt = ?2, "
		      "last_error = ?3 WHERE id = ?1",
		      id, (long long)next, reply, err);
}

int store_mark_failed(struct store *s, long long id, time_t at, const char *reply,
		      struct pz_error *err)
{
	return update(s,
		      "UPDATE reminder SET state = 'failed', attempts = attempts + 1, "
		      "settled = ?2, last_error = ?3 WHERE id = ?1",
		      id, (long long)at, reply, err);
}

int store_mark_obsolete(struct store *s, long long id, struct pz_error *err)
{
	return update(s, "UPDATE reminder SET state = 'obsolete', settled = ?2 WHERE id = ?1",
		      id, 0, "", err);
}

int store_mark_skipped(struct store *s, long long id, time_t at, struct pz_error *err)
{
	/* only while the mark still stands: an undo may have come in the meantime */
	return update(s,
		      "UPDATE reminder SET state = 'delivered', settled = ?2 WHERE id = ?1 AND "
		      "state = 'pending' AND EXISTS (SELECT 1 FROM delivery d WHERE "
		      "d.office = reminder.office AND d.activity = reminder.activity AND "
		      "d.milestone = reminder.milestone AND d.due = reminder.due)",
		      id, (long long)at, "", err);
}

int store_mark_sent_superseding(struct store *s, long long id, time_t at,
				const char *message_id, struct pz_error *err)
{
	/* the key of the sent row first, so that SQLite walks the UNIQUE index, not every
	 * pending row (that made a pass of 10,000 digests quadratic); row id itself is set
	 * sent whatever its state */
	return update(s,
		      "UPDATE reminder SET state = CASE WHEN id = ?1 THEN 'sent' ELSE "
		      "'superseded' END, settled = ?2, message_id = CASE WHEN id = ?1 THEN ?3 "
		      "ELSE message_id END, first_attempt = CASE WHEN id = ?1 THEN "
		      "COALESCE(first_attempt, ?2) ELSE first_attempt END WHERE "
		      "(office, activity, milestone, due) = (SELECT office, activity, milestone, "
		      "due FROM reminder WHERE id = ?1) AND (id = ?1 OR (state = 'pending' AND "
		      "slot <= (SELECT slot FROM reminder WHERE id = ?1)))",
		      id, (long long)at, message_id, err);
}

int store_counts(struct store *s, struct store_counts *c, struct pz_error *err)
{
	sqlite3_stmt *st;
	memset(c, 0, sizeof(*c));
	if (prepare(s, "SELECT state, count(*) FROM reminder GROUP BY state", &st, err) < 0)
		return -1;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		long n = (long)sqlite3_column_int64(st, 1);
		enum store_state state;
		if (!state_from((const char *)sqlite3_column_text(st, 0), &state)) {
			int out = unknown_state(s, sqlite3_column_text(st, 0), err);
			done_with(s, st);
			return out;
		}
		switch (state) {
		case STORE_PENDING:
			c->pending = n;
			break;
		case STORE_SENT:
			c->sent = n;
			break;
		case STORE_FAILED:
			c->failed = n;
			break;
		case STORE_SUPERSEDED:
			c->superseded = n;
			break;
		case STORE_OBSOLETE:
			c->obsolete = n;
			break;
		case STORE_DELIVERED:
			c->delivered = n;
			break;
		}
	}
	done_with(s, st);
	return rc == SQLITE_DONE ? 0 : db_fail(s, err, "count reminders in");
}

int store_counts_due(struct store *s, struct store_counts *c, struct pz_error *err)
{
	sqlite3_stmt *st;
	if (prepare(s, "SELECT (SELECT count(*) FROM reminder WHERE state = 'pending'), "
		    "(SELECT count(*) FROM reminder WHERE state = 'failed')", &st, err) < 0)
		return -1;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		c->pending = (long)sqlite3_column_int64(st, 0);
		c->failed = (long)sqlite3_column_int64(st, 1);
	}
	done_with(s, st);
	return rc == SQLITE_ROW ? 0 : db_fail(s, err, "count reminders in");
}

/* The token of office in table (sql names it: token or page_token). */
static int get_token(struct store *s, const char *sql, const char *office, char token[static 33],
		     bool *found, struct pz_error *err)
{
	sqlite3_stmt *st;
	if (prepare_kept(s, sql, &st, err) < 0)
		return -1;
	sqlite3_bind_text(st, 1, office, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	*found = rc == SQLITE_ROW;
	if (*found)
		copy_text(token, 33, sqlite3_column_text(st, 0));
	done_with(s, st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(s, err, "read token from");
	return 0;
}

int store_all_tokens(struct store *s, enum store_token_kind kind, store_token_fn each,
		     void *user, struct pz_error *err)
{
	static const char *const sql[] = {
		[STORE_FEED_TOKEN] = "SELECT office, token FROM token",
		[STORE_PAGE_TOKEN] = "SELECT office, token FROM page_token",
		[STORE_FORM_TOKEN] = ("SELECT substr(key, 6), value FROM meta "
				      "WHERE key >= 'csrf:' AND key < 'csrf;'"),
	};
	sqlite3_stmt *st;
	if (prepare(s, sql[kind], &st, err) < 0)
		return -1;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *office = sqlite3_column_text(st, 0);
		const unsigned char *token = sqlite3_column_text(st, 1);
		if (office != NULL && token != NULL)
			each(user, (const char *)office, (const char *)token);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_fail(s, err, "read tokens from");
}

int store_audit_heads(struct store *s, store_head_fn each, void *user, struct pz_error *err)
{
	sqlite3_stmt *st;
	if (prepare(s, "SELECT office, max(id) FROM audit WHERE " AUDIT_MARKS " GROUP BY office",
		    &st, err) < 0)
		return -1;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *office = sqlite3_column_text(st, 0);
		if (office != NULL)
			each(user, (const char *)office, sqlite3_column_int64(st, 1));
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_fail(s, err, "read the audit trail of");
}

int store_audit_head(struct store *s, const char *office, long long *id, bool *found,
		     struct pz_error *err)
{
	sqlite3_stmt *st;
	if (prepare(s, "SELECT max(id) FROM audit WHERE office = ?1 AND " AUDIT_MARKS, &st,
		    err) < 0)
		return -1;
	sqlite3_bind_text(st, 1, office, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	*found = rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL;
	*id = *found ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : db_fail(s, err, "read the audit trail of");
}

/* DB.tokens-issued, after a token was written: once per transaction (a pass creates its
 * tokens in one), and again in the next: the note may have been removed meanwhile. */
static int note_issued(struct store *s, struct pz_error *err)
{
	bool in_txn = !sqlite3_get_autocommit(s->db);
	if (in_txn && s->tokens_noted)
		return 0;
	if (backup_note_tokens(s->path, err) < 0)
		return -1;
	s->tokens_noted = in_txn;
	return 0;
}

static int set_token(struct store *s, const char *sql, const char *office, const char *token,
		     time_t at, struct pz_error *err)
{
	sqlite3_stmt *st;
	if (prepare_kept(s, sql, &st, err) < 0)
		return -1;
	sqlite3_bind_text(st, 1, office, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, token, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)at);
	if (run(s, st, err) < 0)
		return -1;
	return note_issued(s, err);
}

int store_token(struct store *s, const char *office, char token[static 33], bool *found,
		struct pz_error *err)
{
	return get_token(s, "SELECT token FROM token WHERE office = ?1", office, token, found,
			 err);
}

int store_set_token(struct store *s, const char *office, const char *token, time_t at,
		    struct pz_error *err)
{
	return set_token(s, "INSERT INTO token (office, token, created) VALUES (?1, ?2, ?3) "
			    "ON CONFLICT (office) DO UPDATE SET token = excluded.token, "
			    "created = excluded.created",
			 office, token, at, err);
}

int store_page_token(struct store *s, const char *office, char token[static 33], bool *found,
		     struct pz_error *err)
{
	return get_token(s, "SELECT token FROM page_token WHERE office = ?1", office, token,
			 found, err);
}

int store_set_page_token(struct store *s, const char *office, const char *token, time_t at,
			 struct pz_error *err)
{
	return set_token(s, "INSERT INTO page_token (office, token, created) VALUES (?1, ?2, ?3) "
			    "ON CONFLICT (office) DO UPDATE SET token = excluded.token, "
			    "created = excluded.created",
			 office, token, at, err);
}

/* Tokens are written TOKEN_BATCH to a statement, as plan_seen's rows are (SEEN_BATCH). */
enum { TOKEN_BATCH = 32 };

/* The upsert of n tokens (1 <= n <= TOKEN_BATCH) into the table of kind. */
static int prepare_tokens(struct store *s, enum store_token_kind kind, size_t n,
			  sqlite3_stmt **st, struct pz_error *err)
{
	struct strbuf sql;
	strbuf_init(&sql);
	strbuf_printf(&sql, "INSERT INTO %s (office, token, created) VALUES ",
		      kind == STORE_PAGE_TOKEN ? "page_token" : "token");
	for (size_t i = 0; i < n; i++)
		strbuf_puts(&sql, i > 0 ? ", (?, ?, ?)" : "(?, ?, ?)");
	strbuf_puts(&sql, " ON CONFLICT (office) DO UPDATE SET token = excluded.token, "
			  "created = excluded.created");
	int rc = prepare(s, sql.data, st, err);
	strbuf_finish(&sql);
	return rc;
}

static int put_tokens(struct store *s, sqlite3_stmt *st, const struct store_token_row *rows,
		      size_t n, time_t at, struct pz_error *err)
{
	sqlite3_reset(st);
	for (size_t i = 0; i < n; i++) {
		int c = (int)i * 3;
		sqlite3_bind_text(st, c + 1, rows[i].office, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, c + 2, rows[i].token, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, c + 3, (sqlite3_int64)at);
	}
	return sqlite3_step(st) == SQLITE_DONE ? 0 : db_fail(s, err, "write tokens to");
}

int store_set_tokens(struct store *s, enum store_token_kind kind,
		     const struct store_token_row *rows, size_t n, time_t at, struct pz_error *err)
{
	if (kind != STORE_FEED_TOKEN && kind != STORE_PAGE_TOKEN)
		return PZ_FAIL(err, PZ_EUSAGE, s->path, "store_set_tokens: feed or page tokens only");
	if (n == 0)
		return 0;
	sqlite3_stmt *full = NULL, *rest = NULL;
	int rc = n >= TOKEN_BATCH ? prepare_tokens(s, kind, TOKEN_BATCH, &full, err) : 0;
	size_t i = 0;
	for (; rc == 0 && n - i >= TOKEN_BATCH; i += TOKEN_BATCH)
		rc = put_tokens(s, full, rows + i, TOKEN_BATCH, at, err);
	if (rc == 0 && i < n && (rc = prepare_tokens(s, kind, n - i, &rest, err)) == 0)
		rc = put_tokens(s, rest, rows + i, n - i, at, err);
	sqlite3_finalize(rest);
	sqlite3_finalize(full);
	return rc < 0 ? -1 : note_issued(s, err);
}

/* A statement kept in *slot, prepared on first use and reset for the next. */
static int cached(struct store *s, sqlite3_stmt **slot, const char *sql, struct pz_error *err)
{
	if (*slot == NULL)
		return prepare(s, sql, slot, err);
	sqlite3_reset(*slot);
	sqlite3_clear_bindings(*slot);
	return 0;
}

int store_feed_event(struct store *s, const char *uid, unsigned long long hash, time_t now,
		     unsigned *sequence, time_t *modified, struct pz_error *err)
{
	if (cached(s, &s->feed_get,
		   "SELECT hash, sequence, modified FROM feed_event WHERE uid = ?1", err) < 0)
		return -1;
	sqlite3_stmt *st = s->feed_get;
	sqlite3_bind_text(st, 1, uid, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	bool found = rc == SQLITE_ROW;
	bool same = found && (unsigned long long)sqlite3_column_int64(st, 0) == hash;
	*sequence = found ? (unsigned)sqlite3_column_int(st, 1) + !same : 0;
	*modified = same ? (time_t)sqlite3_column_int64(st, 2) : now;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(s, err, "read feed state from");
	if (same)
		return 0;
	if (cached(s, &s->feed_put,
		   "INSERT INTO feed_event (uid, hash, sequence, modified) VALUES (?1, ?2, ?3, ?4) "
		   "ON CONFLICT (uid) DO UPDATE SET hash = excluded.hash, "
		   "sequence = excluded.sequence, modified = excluded.modified",
		   err) < 0)
		return -1;
	st = s->feed_put;
	sqlite3_bind_text(st, 1, uid, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)hash);
	sqlite3_bind_int(st, 3, (int)*sequence);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)*modified);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : db_fail(s, err, "write feed state to");
}

int store_next_attempt(struct store *s, bool *has, time_t *at, struct pz_error *err)
{
	sqlite3_stmt *st;
	if (prepare(s, "SELECT min(next_attempt) FROM reminder WHERE state = 'pending'", &st,
		    err) < 0)
		return -1;
	int rc = sqlite3_step(st);
	*has = rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL;
	if (*has)
		*at = (time_t)sqlite3_column_int64(st, 0);
	done_with(s, st);
	if (rc != SQLITE_ROW)
		return db_fail(s, err, "read pending reminders from");
	struct store_hold h;
	if (*has && store_hold(s, &h, err) < 0)
		return -1;
	if (*has && h.held && h.until > (long long)*at) /* a held queue waits for its probe */
		*at = (time_t)h.until;
	return 0;
}

static void bind_key(sqlite3_stmt *st, const struct store_delivery *d)
{
	sqlite3_bind_text(st, 1, d->office, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, d->activity, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, d->milestone);
	sqlite3_bind_text(st, 4, d->due, -1, SQLITE_STATIC);
}

/* Moves the milestone's reminders of one state to another (?5 from, ?6 to, ?7 at). */
static int move_reminders(struct store *s, const struct store_delivery *d, const char *from,
			  const char *to, time_t at, struct pz_error *err)
{
	sqlite3_stmt *st;
	if (prepare(s, "UPDATE reminder SET state = ?6, next_attempt = ?7 WHERE office = ?1 "
		       "AND activity = ?2 AND milestone = ?3 AND due = ?4 AND state = ?5",
		    &st, err) < 0)
		return -1;
	bind_key(st, d);
	sqlite3_bind_text(st, 5, from, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, to, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, (sqlite3_int64)at);
	return run(s, st, err);
}

static void describe(const struct store_delivery *d, char *buf, size_t size)
{
	snprintf(buf, size, "activity=%s milestone=%d due=%s by=\"%s\" evidence=\"%s\"",
		 d->activity, d->milestone, d->due, d->by_name, d->evidence);
}

/* Inserts d into table (delivery: ignored when the milestone is marked already). */
static int insert_mark(struct store *s, const char *sql, const struct store_delivery *d,
		       struct pz_error *err)
{
	sqlite3_stmt *st;
	if (prepare(s, sql, &st, err) < 0)
		return -1;
	bind_key(st, d);
	sqlite3_bind_int64(st, 5, d->at);
	sqlite3_bind_text(st, 6, d->by_name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, d->evidence, -1, SQLITE_STATIC);
	return run(s, st, err);
}

static const char insert_first[] =
	"INSERT OR IGNORE INTO delivery (office, activity, milestone, due, at, by_name, "
	"evidence) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
static const char insert_later[] =
	"INSERT INTO delivery_later (office, activity, milestone, due, at, by_name, evidence) "
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";

int store_mark_delivered(struct store *s, const struct store_delivery *d, bool *first,
			 struct pz_error *err)
{
	char detail[2200]; /* describe: the typed name and link in full */
	describe(d, detail, sizeof(detail));
	*first = false;
	if (store_begin(s, err) < 0)
		return -1;
	int rc = insert_mark(s, insert_first, d, err);
	*first = rc == 0 && sqlite3_changes(s->db) > 0;
	if (rc == 0 && !*first)
		rc = insert_mark(s, insert_later, d, err);
	if (rc == 0)
		rc = move_reminders(s, d, "pending", "delivered", (time_t)d->at, err);
	if (rc == 0)
		rc = store_audit(s, (time_t)d->at, d->office, *first ? "marked" : "marked-again",
				 detail, err);
	if (rc < 0) {
		store_rollback(s);
		return -1;
	}
	return store_commit(s, err);
}

/* Deletes the milestone's rows of a mark table (sql names it); *n: how many. */
static int delete_marks(struct store *s, const char *sql, const struct store_delivery *key,
			int *n, struct pz_error *err)
{
	sqlite3_stmt *st;
	if (prepare(s, sql, &st, err) < 0)
		return -1;
	bind_key(st, key);
	int rc = run(s, st, err);
	*n = rc == 0 ? sqlite3_changes(s->db) : 0;
	return rc;
}

int store_undo_delivered(struct store *s, const struct store_delivery *key, time_t at,
			 bool *found, struct pz_error *err)
{
	char detail[2200]; /* describe: the typed name in full */
	describe(key, detail, sizeof(detail));
	if (store_begin(s, err) < 0)
		return -1;
	int n = 0, later = 0;
	int rc = delete_marks(s, "DELETE FROM delivery WHERE office = ?1 AND activity = ?2 AND "
				 "milestone = ?3 AND due = ?4", key, &n, err);
	*found = rc == 0 && n > 0;
	/* the later marks were of a delivery now taken back: the audit keeps them */
	if (rc == 0 && *found)
		rc = delete_marks(s, "DELETE FROM delivery_later WHERE office = ?1 AND "
				     "activity = ?2 AND milestone = ?3 AND due = ?4", key, &later,
				  err);
	if (rc == 0 && *found)
		rc = move_reminders(s, key, "delivered", "pending", at, err);
	if (rc == 0 && *found)
		rc = store_audit(s, at, key->office, "undone", detail, err);
	if (rc < 0) {
		store_rollback(s);
		return -1;
	}
	return store_commit(s, err);
}

static int read_mark(struct store *s, sqlite3_stmt *st, void *row, struct pz_error *err)
{
	struct store_delivery *d = row;
	copy_text(d->office, sizeof(d->office), sqlite3_column_text(st, 0));
	copy_key(d->activity, sizeof(d->activity), sqlite3_column_text(st, 1));
	d->milestone = sqlite3_column_int(st, 2);
	copy_text(d->due, sizeof(d->due), sqlite3_column_text(st, 3));
	d->at = sqlite3_column_int64(st, 4);
	copy_text(d->by_name, sizeof(d->by_name), sqlite3_column_text(st, 5));
	copy_text(d->evidence, sizeof(d->evidence), sqlite3_column_text(st, 6));
	return 1;
}

/* Reads every row of a mark query (office, activity, milestone, due, at, by_name, evidence),
 * its ?1 bound to office when not NULL. */
static int read_marks(struct store *s, const char *sql, const char *office,
		      struct store_delivery **out, size_t *n, struct pz_error *err)
{
	sqlite3_stmt *st;
	struct rows r = {NULL, 0};
	int rc = prepare(s, sql, &st, err);
	if (rc == 0 && office != NULL)
		sqlite3_bind_text(st, 1, office, -1, SQLITE_STATIC);
	if (rc == 0)
		rc = collect_rows(s, st, sizeof(**out), read_mark, &r, "read deliveries from", err);
	*out = r.items;
	*n = r.n;
	return rc;
}

#define MARK_COLUMNS "SELECT office, activity, milestone, due, at, by_name, evidence "

int store_deliveries(struct store *s, struct store_delivery **out, size_t *n,
		     struct pz_error *err)
{
	return read_marks(s, MARK_COLUMNS "FROM delivery ORDER BY office, activity, milestone",
			  NULL, out, n, err);
}

int store_deliveries_later(struct store *s, struct store_delivery **out, size_t *n,
			   struct pz_error *err)
{
	return read_marks(s, MARK_COLUMNS "FROM delivery_later ORDER BY office, activity, "
				"milestone, at, id", NULL, out, n, err);
}

int store_office_deliveries(struct store *s, const char *office, struct store_delivery **out,
			    size_t *n, struct pz_error *err)
{
	return read_marks(s, MARK_COLUMNS "FROM delivery WHERE office = ?1 "
				"ORDER BY office, activity, milestone", office, out, n, err);
}

int store_office_deliveries_later(struct store *s, const char *office,
				  struct store_delivery **out, size_t *n, struct pz_error *err)
{
	return read_marks(s, MARK_COLUMNS "FROM delivery_later WHERE office = ?1 "
				"ORDER BY office, activity, milestone, at, id", office, out, n, err);
}

int store_audit(struct store *s, time_t at, const char *office, const char *kind,
		const char *detail, struct pz_error *err)
{
	sqlite3_stmt *st;
	if (prepare_kept(s, "INSERT INTO audit (at, office, kind, detail) VALUES (?1, ?2, ?3, ?4)",
		    &st, err) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)at);
	sqlite3_bind_text(st, 2, office, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, detail, -1, SQLITE_STATIC);
	return run(s, st, err);
}

static int read_audit(struct store *s, sqlite3_stmt *st, void *row, struct pz_error *err)
{
	struct store_audit_row *r = row;
	r->id = sqlite3_column_int64(st, 0);
	r->at = sqlite3_column_int64(st, 1);
	copy_text(r->office, sizeof(r->office), sqlite3_column_text(st, 2));
	copy_text(r->kind, sizeof(r->kind), sqlite3_column_text(st, 3));
	copy_text(r->detail, sizeof(r->detail), sqlite3_column_text(st, 4));
	return 1;
}

int store_audit_list(struct store *s, const char *office, time_t since,
		     struct store_audit_row **out, size_t *n, struct pz_error *err)
{
	sqlite3_stmt *st;
	struct rows r = {NULL, 0};
	int rc = prepare(s, "SELECT id, at, office, kind, detail FROM audit WHERE at >= ?1 AND "
			    "(?2 IS NULL OR office = ?2) ORDER BY at, id",
			 &st, err);
	if (rc == 0) {
		sqlite3_bind_int64(st, 1, (sqlite3_int64)since);
		if (office)
			sqlite3_bind_text(st, 2, office, -1, SQLITE_STATIC);
		rc = collect_rows(s, st, sizeof(**out), read_audit, &r,
				  "read the audit trail from", err);
	}
	*out = r.items;
	*n = r.n;
	return rc;
}

int store_meta(struct store *s, const char *key, char *value, size_t size, bool *found,
	       struct pz_error *err)
{
	sqlite3_stmt *st;
	if (prepare_kept(s, "SELECT value FROM meta WHERE key = ?1", &st, err) < 0)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	*found = rc == SQLITE_ROW;
	if (*found)
		copy_text(value, size, sqlite3_column_text(st, 0));
	done_with(s, st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : db_fail(s, err, "read");
}

int store_set_meta(struct store *s, const char *key, const char *value, struct pz_error *err)
{
	sqlite3_stmt *st;
	if (prepare(s, "INSERT INTO meta (key, value) VALUES (?1, ?2) "
		       "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
		    &st, err) < 0)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	return run(s, st, err);
}

int store_lock_sender(const char *state_dir, int *fd, struct pz_error *err)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/send.lock", state_dir);
	*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (*fd < 0)
		return PZ_FAIL(err, PZ_EIO, path, "open %s: %s", path, strerror(errno));
	if (flock(*fd, LOCK_EX | LOCK_NB) == 0)
		return 0;
	int e = errno;
	close(*fd);
	*fd = -1;
	if (e == EWOULDBLOCK)
		return PZ_FAIL(err, PZ_ETEMP, path,
			       "another plazo is sending from %s (plazo run sends by itself)",
			       state_dir);
	return PZ_FAIL(err, PZ_EIO, path, "lock %s: %s", path, strerror(e));
}

int store_mark_attempted(struct store *s, long long id, time_t at, const char *message_id,
			 struct pz_error *err)
{
	/* the first attempt fixes both: a resend keeps its Message-ID and its retry window */
	return update(s,
		      "UPDATE reminder SET message_id = COALESCE(message_id, NULLIF(?3, '')), "
		      "first_attempt = COALESCE(first_attempt, NULLIF(?2, 0)) WHERE id = ?1",
		      id, (long long)at, message_id, err);
}

static const char *const rcpt_names[] = {"accepted", "deferred", "failed"};

static enum store_rcpt_state rcpt_from(const char *name)
{
	for (size_t i = 0; i < sizeof(rcpt_names) / sizeof(rcpt_names[0]); i++)
		if (name && strcmp(name, rcpt_names[i]) == 0)
			return (enum store_rcpt_state)i;
	return STORE_RCPT_DEFERRED;
}

int store_rcpt_set(struct store *s, const struct store_rcpt *r, struct pz_error *err)
{
	sqlite3_stmt *st;
	if (prepare_kept(s, "INSERT INTO rcpt (message_id, address, office, state, reply, at) "
		       "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (message_id, address) DO UPDATE "
		       "SET state = excluded.state, reply = excluded.reply, at = excluded.at",
		    &st, err) < 0)
		return -1;
	sqlite3_bind_text(st, 1, r->message_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, r->address, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, r->office, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, rcpt_names[r->state], -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, r->reply, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, r->at);
	return run(s, st, err);
}

static int read_rcpt(struct store *s, sqlite3_stmt *st, void *row, struct pz_error *err)
{
	struct store_rcpt *r = row;
	copy_text(r->message_id, sizeof(r->message_id), sqlite3_column_text(st, 0));
	copy_text(r->address, sizeof(r->address), sqlite3_column_text(st, 1));
	copy_text(r->office, sizeof(r->office), sqlite3_column_text(st, 2));
	r->state = rcpt_from((const char *)sqlite3_column_text(st, 3));
	copy_text(r->reply, sizeof(r->reply), sqlite3_column_text(st, 4));
	r->at = sqlite3_column_int64(st, 5);
	return 1;
}

/* Runs a query of the rcpt columns with a text ?1 (NULL: unbound) and an integer ?2. */
static int select_rcpts(struct store *s, const char *sql, const char *text, long long num,
			struct store_rcpt **out, size_t *n, struct pz_error *err)
{
	sqlite3_stmt *st;
	struct rows r = {NULL, 0};
	int rc = prepare_kept(s, sql, &st, err);
	if (rc == 0) {
		if (text)
			sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, num);
		rc = collect_rows(s, st, sizeof(**out), read_rcpt, &r, "read recipients from", err);
	}
	*out = r.items;
	*n = r.n;
	return rc;
}

#define RCPT_COLUMNS "message_id, address, office, state, reply, at"

int store_rcpts(struct store *s, const char *message_id, struct store_rcpt **out, size_t *n,
		struct pz_error *err)
{
	return select_rcpts(s, "SELECT " RCPT_COLUMNS " FROM rcpt WHERE message_id = ?1",
			    message_id, 0, out, n, err);
}

int store_rcpt_failures(struct store *s, size_t max, struct store_rcpt **out, size_t *n,
			struct pz_error *err)
{
	return select_rcpts(s,
			    "SELECT " RCPT_COLUMNS " FROM rcpt WHERE state = 'failed' "
			    "ORDER BY at DESC, address LIMIT ?2",
			    NULL, (long long)max, out, n, err);
}

int store_hold(struct store *s, struct store_hold *h, struct pz_error *err)
{
	char value[400];
	bool found;
	memset(h, 0, sizeof(*h));
	if (store_meta(s, "hold", value, sizeof(value), &found, err) < 0)
		return -1;
	int used = 0;
	if (found && sscanf(value, "%lld %lld %d %n", &h->since, &h->until, &h->probes, &used) ==
			     3 && used > 0) {
		h->held = true;
		snprintf(h->reason, sizeof(h->reason), "%s", value + used);
	}
	return 0;
}

int store_set_hold(struct store *s, const struct store_hold *h, struct pz_error *err)
{
	char value[400];
	snprintf(value, sizeof(value), "%lld %lld %d %s", h->since, h->until, h->probes,
		 h->reason);
	return store_set_meta(s, "hold", value, err);
}

int store_clear_hold(struct store *s, bool *was, struct pz_error *err)
{
	sqlite3_stmt *st;
	if (prepare(s, "DELETE FROM meta WHERE key = 'hold'", &st, err) < 0 || run(s, st, err) < 0)
		return -1;
	if (was)
		*was = sqlite3_changes(s->db) > 0;
	return 0;
}

int store_collapse(struct store *s, time_t at, long late_after, struct pz_error *err)
{
	/* as after downtime: of a milestone's pending stages the latest speaks, and what
	 * goes out long after its slot says it is late */
	if (update(s,
		   "UPDATE reminder SET state = 'superseded', settled = ?2 WHERE state = 'pending' "
		   "AND EXISTS (SELECT 1 FROM reminder r WHERE r.state = 'pending' AND "
		   "r.office = reminder.office AND r.activity = reminder.activity AND "
		   "r.milestone = reminder.milestone AND r.due = reminder.due AND "
		   "r.slot > reminder.slot AND r.slot <= ?2)",
		   0, (long long)at, "", err) < 0)
		return -1;
	return update(s,
		      "UPDATE reminder SET late = 1 WHERE state = 'pending' AND slot < ?2 - ?1",
		      late_after, (long long)at, "", err);
}

int store_retry(struct store *s, const char *office, time_t since, time_t at, size_t *released,
		struct pz_error *err)
{
	/* failed reminders, and sent ones whose digest a recipient refused for good: the
	 * refused recipients are forgotten, so only they (and the deferred) are addressed
	 * again, under the digest's first Message-ID */
	static const char *const sql[] = {
		"CREATE TEMP TABLE retry_ids AS SELECT id FROM reminder WHERE "
		"(?1 IS NULL OR office = ?1) AND settled >= ?2 AND (state = 'failed' OR "
		"(state = 'sent' AND message_id IN (SELECT message_id FROM rcpt WHERE "
		"state = 'failed')))",
		"DELETE FROM rcpt WHERE state = 'failed' AND message_id IN (SELECT message_id "
		"FROM reminder WHERE id IN (SELECT id FROM retry_ids))",
		"UPDATE reminder SET state = 'pending', attempts = 0, first_attempt = NULL, "
		"next_attempt = ?3, settled = NULL WHERE id IN (SELECT id FROM retry_ids)",
		"DROP TABLE retry_ids",
	};
	*released = 0;
	for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
		sqlite3_stmt *st;
		if (prepare(s, sql[i], &st, err) < 0)
			return -1;
		int n = sqlite3_bind_parameter_count(st);
		if (n >= 1 && office)
			sqlite3_bind_text(st, 1, office, -1, SQLITE_TRANSIENT);
		if (n >= 2)
			sqlite3_bind_int64(st, 2, (sqlite3_int64)since);
		if (n >= 3)
			sqlite3_bind_int64(st, 3, (sqlite3_int64)at);
		if (run(s, st, err) < 0) {
			sqlite3_exec(s->db, "DROP TABLE IF EXISTS retry_ids", NULL, NULL, NULL);
			return -1;
		}
		if (i == 2)
			*released = (size_t)sqlite3_changes(s->db);
	}
	return 0;
}

/* ---- the plan last loaded, and kept keys -------------------------------------------------- */

static int read_seen(struct store *s, sqlite3_stmt *st, void *row, struct pz_error *err)
{
	struct store_seen *r = row;
	copy_key(r->activity, sizeof(r->activity), sqlite3_column_text(st, 0));
	r->milestone = sqlite3_column_int(st, 1);
	copy_text(r->due, sizeof(r->due), sqlite3_column_text(st, 2));
	copy_text(r->ref, sizeof(r->ref), sqlite3_column_text(st, 3));
	r->line = (unsigned)sqlite3_column_int64(st, 4);
	r->text_hash = (unsigned long long)sqlite3_column_int64(st, 5);
	return 1;
}

int store_plan_seen(struct store *s, struct store_seen **out, size_t *n, struct pz_error *err)
{
	sqlite3_stmt *st;
	struct rows r = {NULL, 0};
	int rc = prepare(s, "SELECT activity, milestone, due, ref, line, text_hash "
			    "FROM plan_seen ORDER BY activity, milestone",
			 &st, err);
	if (rc == 0)
		rc = collect_rows(s, st, sizeof(**out), read_seen, &r, "read the plan seen from",
				  err);
	*out = r.items;
	*n = r.n;
	return rc;
}

/* plan_seen is written SEEN_BATCH rows to a statement: one statement a row costs about
 * twice as much (a million rows at national scale). */
#define SEEN_INSERT                                                                          \
	"INSERT OR REPLACE INTO plan_seen (activity, milestone, due, ref, line, text_hash) "   \
	"VALUES "
#define SEEN_VALUES "(?, ?, ?, ?, ?, ?)"
enum { SEEN_BATCH = 32, SEEN_COLUMNS = 6 };

/* The insert of n rows (1 <= n <= SEEN_BATCH). */
static int prepare_seen(struct store *s, int n, sqlite3_stmt **st, struct pz_error *err)
{
	char sql[sizeof(SEEN_INSERT) + SEEN_BATCH * sizeof(SEEN_VALUES)];
	size_t len = (size_t)snprintf(sql, sizeof(sql), "%s", SEEN_INSERT);
	for (int i = 0; i < n && len < sizeof(sql); i++)
		len += (size_t)snprintf(sql + len, sizeof(sql) - len, "%s%s", i > 0 ? "," : "",
					SEEN_VALUES);
	return prepare(s, sql, st, err);
}

static int put_seen(struct store *s, sqlite3_stmt *st, const struct store_seen *rows, int n,
		    struct pz_error *err)
{
	sqlite3_reset(st);
	for (int i = 0; i < n; i++) {
		const struct store_seen *r = &rows[i];
		int c = i * SEEN_COLUMNS;
		sqlite3_bind_text(st, c + 1, r->activity, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, c + 2, r->milestone);
		sqlite3_bind_text(st, c + 3, r->due, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, c + 4, r->ref, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, c + 5, (sqlite3_int64)r->line);
		sqlite3_bind_int64(st, c + 6, (sqlite3_int64)r->text_hash);
	}
	return sqlite3_step(st) == SQLITE_DONE ? 0 : db_fail(s, err, "record the plan in");
}

/* The rows next hands out, SEEN_BATCH to a statement, the last ones in a shorter one. */
static int insert_seen(struct store *s, bool (*next)(void *user, struct store_seen *r),
		       void *user, struct pz_error *err)
{
	struct store_seen rows[SEEN_BATCH];
	sqlite3_stmt *full = NULL, *rest = NULL;
	int rc = prepare_seen(s, SEEN_BATCH, &full, err), n = SEEN_BATCH;
	while (rc == 0 && n == SEEN_BATCH) {
		for (n = 0; n < SEEN_BATCH && next(user, &rows[n]);)
			n++;
		if (n == SEEN_BATCH)
			rc = put_seen(s, full, rows, n, err);
		else if (n > 0 && (rc = prepare_seen(s, n, &rest, err)) == 0)
			rc = put_seen(s, rest, rows, n, err);
	}
	sqlite3_finalize(rest);
	sqlite3_finalize(full);
	return rc;
}

int store_set_plan_seen(struct store *s, bool (*next)(void *user, struct store_seen *r),
			void *user, const char *source, const char *fingerprint,
			struct pz_error *err)
{
	if (store_begin(s, err) < 0)
		return -1;
	int rc = exec(s, "DELETE FROM plan_seen", err);
	if (rc == 0)
		rc = insert_seen(s, next, user, err);
	if (rc == 0)
		rc = store_set_meta(s, "plan-seen", source, err);
	if (rc == 0)
		rc = store_set_meta(s, "plan-seen-hash", fingerprint, err);
	if (rc < 0) {
		store_rollback(s);
		return -1;
	}
	return store_commit(s, err);
}

static int read_alias(struct store *s, sqlite3_stmt *st, void *row, struct pz_error *err)
{
	struct store_alias *a = row;
	copy_key(a->activity, sizeof(a->activity), sqlite3_column_text(st, 0));
	copy_key(a->stored, sizeof(a->stored), sqlite3_column_text(st, 1));
	return 1;
}

int store_aliases(struct store *s, struct store_alias **out, size_t *n, struct pz_error *err)
{
	sqlite3_stmt *st;
	struct rows r = {NULL, 0};
	int rc = prepare(s, "SELECT activity, stored FROM activity_alias ORDER BY activity", &st,
			 err);
	if (rc == 0)
		rc = collect_rows(s, st, sizeof(**out), read_alias, &r, "read the kept keys from",
				  err);
	*out = r.items;
	*n = r.n;
	return rc;
}

int store_add_alias(struct store *s, const char *activity, const char *stored,
		    struct pz_error *err)
{
	sqlite3_stmt *st;
	if (prepare(s, "INSERT OR IGNORE INTO activity_alias (activity, stored) VALUES (?1, ?2)",
		    &st, err) < 0)
		return -1;
	sqlite3_bind_text(st, 1, activity, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, stored, -1, SQLITE_STATIC);
	return run(s, st, err);
}

/* "<office>.<key>.<k>@<domain>" -> key (office ids have no '.'). */
static bool uid_key(const char *uid, char *key, size_t size)
{
	const char *first = strchr(uid, '.'), *at = strrchr(uid, '@');
	const char *last = NULL;
	for (const char *p = first ? first + 1 : NULL; p && at && p < at; p++)
		if (*p == '.')
			last = p;
	if (first == NULL || last == NULL || (size_t)(last - first - 1) >= size)
		return false;
	snprintf(key, size, "%.*s", (int)(last - first - 1), first + 1);
	return true;
}

/* A key of the state (column 0: an activity key, or a UID when column 1 is 1); rows whose
 * key does not fit, or UIDs of another form, are skipped. */
static int read_used_key(struct store *s, sqlite3_stmt *st, void *row, struct pz_error *err)
{
	const char *text = (const char *)sqlite3_column_text(st, 0);
	char *key = ((struct store_key *)row)->key;
	if (sqlite3_column_int(st, 1))
		return uid_key(text ? text : "", key, STORE_KEY_SIZE);
	copy_key(key, STORE_KEY_SIZE, (const unsigned char *)text);
	return *key != '\0';
}

int store_used_keys(struct store *s, struct store_key **out, size_t *n, struct pz_error *err)
{
	sqlite3_stmt *st;
	struct rows r = {NULL, 0};
	int rc = prepare(s, "SELECT activity, 0 FROM reminder UNION SELECT activity, 0 FROM "
			    "delivery UNION SELECT uid, 1 FROM feed_event",
			 &st, err);
	if (rc == 0)
		rc = collect_rows(s, st, sizeof(**out), read_used_key, &r, "read the keys in", err);
	*out = r.items;
	*n = r.n;
	return rc;
}

/* ---- the plan's rows not read (unread.h), kept in meta ---- */

#define UNREAD_META_KEY "plan_unread"
/* Room for the stored text: the counts line and every kept row with its separators. */
#define UNREAD_TEXT_MAX (128 + UNREAD_KEEP * (sizeof(struct unread_row) + 3))

int unread_save(struct store *st, const struct unread *u, struct pz_error *err)
{
	struct strbuf s;
	strbuf_init(&s);
	unread_format(u, &s);
	char *old = xmalloc(UNREAD_TEXT_MAX);
	bool found;
	int rc = store_meta(st, UNREAD_META_KEY, old, UNREAD_TEXT_MAX, &found, err);
	if (rc == 0 && (!found || strcmp(old, s.data) != 0))
		rc = store_set_meta(st, UNREAD_META_KEY, s.data, err);
	free(old);
	strbuf_finish(&s);
	return rc;
}

int unread_load(struct store *st, struct unread *u, bool *found, struct pz_error *err)
{
	memset(u, 0, sizeof(*u));
	char *text = xmalloc(UNREAD_TEXT_MAX);
	int rc = store_meta(st, UNREAD_META_KEY, text, UNREAD_TEXT_MAX, found, err);
	if (rc == 0 && *found && !unread_parse(u, text))
		*found = false;
	free(text);
	return rc;
}
