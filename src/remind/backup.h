/* backup.h - the state database's safety net: a copy beside it, the evidence that a state
 * directory was in use, and the restore.
 *
 * DB.backup (DB is the database's path, STATE_DIR/plazo.db) is a consistent copy made with
 * SQLite's online backup API through a connection of its own (so it holds committed data
 * only), into a temporary file created 0600, fsynced and renamed over the previous copy: a
 * crash leaves the old backup or the new one, never half of one. DB.tokens-issued is written
 * once a feed token was handed out. Either file means the directory has a past life: a
 * missing, empty or damaged database there is refused (backup_guard) instead of being
 * created afresh, which would break every subscribed URL and send the last day's reminders
 * again. When the rate of backups is decided (the daemon: after changes, at most once a
 * minute) is the caller's business.
 */
#ifndef PLAZO_BACKUP_H
#define PLAZO_BACKUP_H

#include <stdbool.h>
#include <time.h>

#include "error.h"

/* "DB.backup", allocated (free() it). */
char *backup_path(const char *db_path);

/* Whether DB.backup exists; *made is its modification time. */
bool backup_info(const char *db_path, time_t *made);

/* Writes DB.backup from the committed content of db_path. PZ_ETEMP when the database is
 * busy, PZ_EIO when the copy cannot be written. */
int backup_write(const char *db_path, struct pz_error *err);

/* Records that tokens were handed out from db_path's directory (DB.tokens-issued), once. */
int backup_note_tokens(const char *db_path, struct pz_error *err);

/* True when db_path's directory shows a past life (a backup, or tokens handed out). */
bool backup_past_life(const char *db_path);

/* Refuses (PZ_ESTATE, -1) a database that is `what` ("empty", "damaged: ...") in a
 * directory with a past life, naming the backup and the restore command. */
int backup_refuse(const char *db_path, const char *what, struct pz_error *err);

/* Checks db_path before it is opened. A missing or empty database (no data in its WAL
 * either) is fine in a brand-new directory and refused when the directory has a past life;
 * a file that is not a database, or one cut short, is refused. Sets *fresh when the file
 * will be created. */
int backup_guard(const char *db_path, bool *fresh, struct pz_error *err);

/* Whether db_path holds a whole database (it opens and passes SQLite's quick_check). */
bool backup_usable(const char *db_path);

/* Brings the copy at from back as db_path (from must pass quick_check and have a schema of
 * at most max_schema). A usable database is replaced through the backup API, in place, so a
 * running daemon sees the restored content at its next read; it is kept first as
 * DB.before-restore. Otherwise the file is replaced (the damaged one kept as DB.damaged,
 * its -wal and -shm removed): the caller must hold the sender's lock, and *replaced is set.
 */
int backup_restore(const char *db_path, const char *from, int max_schema, bool *replaced,
		   struct pz_error *err);

#endif
