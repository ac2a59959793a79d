#include "backup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "xalloc.h"

#define WAL_HEADER 32 /* a WAL holding no frame is at most its header */

char *backup_path(const char *db_path)
{
	return xasprintf("%s.backup", db_path);
}

static bool exists(const char *path, off_t *size, time_t *mtime)
{
	struct stat sb;
	if (stat(path, &sb) < 0)
		return false;
	if (size)
		*size = sb.st_size;
	if (mtime)
		*mtime = sb.st_mtime;
	return true;
}

static bool exists_suffix(const char *db_path, const char *suffix, off_t *size)
{
	char *p = xasprintf("%s%s", db_path, suffix);
	bool yes = exists(p, size, NULL);
	free(p);
	return yes;
}

bool backup_info(const char *db_path, time_t *made)
{
	char *p = backup_path(db_path);
	bool yes = exists(p, NULL, made);
	free(p);
	return yes;
}

bool backup_past_life(const char *db_path)
{
	return exists_suffix(db_path, ".backup", NULL) ||
	       exists_suffix(db_path, ".tokens-issued", NULL);
}

static void iso_utc(time_t t, char out[static 24])
{
	struct tm tm;
	strftime(out, 24, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
}

int backup_refuse(const char *db_path, const char *what, struct pz_error *err)
{
	time_t made;
	if (!backup_info(db_path, &made))
		return PZ_FAIL(err, PZ_ESTATE, db_path,
			       "database %s is %s, but feed tokens were handed out from this "
			       "directory and there is no backup; see FAULTS in plazo(8)",
			       db_path, what);
	char when[24];
	iso_utc(made, when);
	return PZ_FAIL(err, PZ_ESTATE, db_path,
		       "database %s is %s, but this directory was in use: 'plazo state restore' "
		       "brings back %s.backup (made %s)",
		       db_path, what, db_path, when);
}

static int sqlite_fail(sqlite3 *db, const char *what, const char *path, struct pz_error *err)
{
	int code = db ? sqlite3_extended_errcode(db) : SQLITE_NOMEM;
	enum pz_errc c = (code & 0xff) == SQLITE_BUSY || (code & 0xff) == SQLITE_LOCKED
				 ? PZ_ETEMP
				 : PZ_EIO;
	return PZ_FAIL(err, c, path, "%s %s: %s (code %d)", what, path,
		       db ? sqlite3_errmsg(db) : "out of memory", code);
}

static int open_db(const char *path, int flags, sqlite3 **db, struct pz_error *err)
{
	if (sqlite3_open_v2(path, db, flags, NULL) != SQLITE_OK) {
		sqlite_fail(*db, "open", path, err);
		sqlite3_close(*db);
		*db = NULL;
		return -1;
	}
	sqlite3_busy_timeout(*db, 5000);
	return 0;
}

static int sync_path(const char *path, int flags, struct pz_error *err)
{
	int fd = open(path, flags | O_CLOEXEC);
	if (fd < 0 || fsync(fd) < 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return PZ_FAIL(err, PZ_EIO, path, "sync %s: %s", path, strerror(e));
	}
	close(fd);
	return 0;
}

/* The directory holding path, fsynced so that a rename in it is durable. */
static int sync_dir_of(const char *path, struct pz_error *err)
{
	char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0';
	else if (slash)
		*slash = '\0';
	else
		strcpy(dir, ".");
	int rc = sync_path(dir, O_RDONLY | O_DIRECTORY, err);
	free(dir);
	return rc;
}

/* Creates dst (0600, truncated) and fills it with the content of src through the backup
 * API, then fsyncs it. */
static int copy_db(const char *src, const char *dst, struct pz_error *err)
{
	int fd = open(dst, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || fchmod(fd, 0600) < 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return PZ_FAIL(err, PZ_EIO, dst, "create %s: %s", dst, strerror(e));
	}
	close(fd);
	sqlite3 *in = NULL, *out = NULL;
	int rc = open_db(src, SQLITE_OPEN_READWRITE, &in, err);
	if (rc == 0)
		rc = open_db(dst, SQLITE_OPEN_READWRITE, &out, err);
	if (rc == 0) {
		sqlite3_backup *b = sqlite3_backup_init(out, "main", in, "main");
		int step = b ? sqlite3_backup_step(b, -1) : SQLITE_ERROR;
		sqlite3_backup_finish(b);
		if (step != SQLITE_DONE)
			rc = sqlite_fail(out, "copy the database into", dst, err);
	}
	sqlite3_close(in);
	if (out && sqlite3_close(out) != SQLITE_OK && rc == 0)
		rc = sqlite_fail(out, "close", dst, err);
	return rc == 0 ? sync_path(dst, O_RDWR, err) : -1;
}

/* Copies src to final through final.tmp.PID, renamed once complete. */
static int copy_atomic(const char *src, const char *final, struct pz_error *err)
{
	char *tmp = xasprintf("%s.tmp.%ld", final, (long)getpid());
	int rc = copy_db(src, tmp, err);
	if (rc == 0 && rename(tmp, final) < 0)
		rc = PZ_FAIL(err, PZ_EIO, final, "rename %s to %s: %s", tmp, final,
			     strerror(errno));
	if (rc < 0)
		unlink(tmp);
	free(tmp);
	return rc == 0 ? sync_dir_of(final, err) : -1;
}

int backup_write(const char *db_path, struct pz_error *err)
{
	char *dst = backup_path(db_path);
	int rc = copy_atomic(db_path, dst, err);
	free(dst);
	if (rc < 0)
		pz_error_prefix(err, "backup");
	return rc;
}

int backup_note_tokens(const char *db_path, struct pz_error *err)
{
	char *p = xasprintf("%s.tokens-issued", db_path);
	static const char text[] = "Feed tokens were handed out from this state directory: a "
				   "missing or empty database here is refused (plazo(8), FAULTS).\n";
	int rc = 0;
	int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd >= 0) {
		if (write(fd, text, sizeof(text) - 1) != (ssize_t)(sizeof(text) - 1) ||
		    fsync(fd) < 0)
			rc = PZ_FAIL(err, PZ_EIO, p, "write %s: %s", p, strerror(errno));
		close(fd);
	} else if (errno != EEXIST) {
		rc = PZ_FAIL(err, PZ_EIO, p, "create %s: %s", p, strerror(errno));
	}
	free(p);
	return rc;
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* What is wrong with the database file's header, or NULL: read only when no WAL holds
 * frames (then the file alone is the database). */
static const char *header_fault(const char *path, off_t size, char *buf, size_t bufsize)
{
	unsigned char h[100];
	FILE *f = fopen(path, "rb");
	size_t n = f ? fread(h, 1, sizeof(h), f) : 0;
	if (f)
		fclose(f);
	if (n < sizeof(h)) {
		snprintf(buf, bufsize, "damaged (cut short at %lld bytes)", (long long)size);
		return buf;
	}
	if (memcmp(h, "SQLite format 3", 16) != 0)
		return "damaged (not an SQLite database)";
	unsigned page = (unsigned)h[16] << 8 | h[17];
	page = page == 1 ? 65536 : page;
	uint32_t pages = be32(h + 28);
	bool counted = be32(h + 24) == be32(h + 92) && pages > 0;
	if (counted && (long long)size < (long long)pages * page) {
		snprintf(buf, bufsize, "damaged (cut short: %lld of %lld bytes)", (long long)size,
			 (long long)pages * page);
		return buf;
	}
	return NULL;
}

int backup_guard(const char *db_path, bool *fresh, struct pz_error *err)
{
	off_t size = 0, wal = 0;
	bool there = exists(db_path, &size, NULL);
	bool frames = exists_suffix(db_path, "-wal", &wal) && wal > WAL_HEADER;
	*fresh = (!there || size == 0) && !frames;
	if (*fresh)
		return backup_past_life(db_path) ? backup_refuse(db_path, there ? "empty" : "missing",
								 err)
						 : 0;
	char buf[96];
	const char *fault = frames ? NULL : header_fault(db_path, size, buf, sizeof(buf));
	if (fault == NULL)
		return 0;
	return backup_past_life(db_path)
		       ? backup_refuse(db_path, fault, err)
		       : PZ_FAIL(err, PZ_ESTATE, db_path, "database %s is %s", db_path, fault);
}

/* quick_check and the schema version of path; -1 when it cannot be read. */
static int check_db(const char *path, bool *ok)
{
	sqlite3 *db = NULL;
	struct pz_error err;
	*ok = false;
	if (open_db(path, SQLITE_OPEN_READWRITE, &db, &err) < 0)
		return -1;
	sqlite3_stmt *st;
	int version = -1;
	if (sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &st, NULL) == SQLITE_OK) {
		*ok = sqlite3_step(st) == SQLITE_ROW &&
		      strcmp((const char *)sqlite3_column_text(st, 0), "ok") == 0;
		sqlite3_finalize(st);
	}
	if (*ok && sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK) {
		version = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	return version;
}

bool backup_usable(const char *db_path)
{
	bool fresh, ok;
	struct pz_error err;
	if (backup_guard(db_path, &fresh, &err) < 0 || fresh)
		return false;
	return check_db(db_path, &ok) > 0 && ok;
}

static int check_source(const char *from, int max_schema, struct pz_error *err)
{
	bool ok;
	off_t size;
	if (!exists(from, &size, NULL))
		return PZ_FAIL(err, PZ_EUSAGE, from, "no backup at %s", from);
	int version = check_db(from, &ok);
	if (!ok || version < 1)
		return PZ_FAIL(err, PZ_EDATA, from, "%s is not a whole plazo database", from);
	if (version > max_schema)
		return PZ_FAIL(err, PZ_EDATA, from, "%s has schema %d, newer than this plazo (%d)",
			       from, version, max_schema);
	return 0;
}

/* Copies from into the live database at db_path, in place (its connections stay valid). */
static int copy_into(const char *from, const char *db_path, struct pz_error *err)
{
	sqlite3 *in = NULL, *out = NULL;
	int rc = open_db(from, SQLITE_OPEN_READWRITE, &in, err);
	if (rc == 0)
		rc = open_db(db_path, SQLITE_OPEN_READWRITE, &out, err);
	if (rc == 0) {
		sqlite3_backup *b = sqlite3_backup_init(out, "main", in, "main");
		int step = b ? sqlite3_backup_step(b, -1) : SQLITE_ERROR;
		sqlite3_backup_finish(b);
		if (step != SQLITE_DONE)
			rc = sqlite_fail(out, "restore into", db_path, err);
	}
	sqlite3_close(in);
	sqlite3_close(out);
	return rc;
}

/* The damaged file goes to DB.damaged (its WAL and shared memory are dropped: they belong
 * to it), then the copy is renamed into place. */
static int replace_file(const char *from, const char *db_path, struct pz_error *err)
{
	char *tmp = xasprintf("%s.restore.%ld", db_path, (long)getpid());
	char *aside = xasprintf("%s.damaged", db_path);
	char *wal = xasprintf("%s-wal", db_path), *shm = xasprintf("%s-shm", db_path);
	int rc = copy_db(from, tmp, err);
	if (rc == 0 && exists(db_path, NULL, NULL) && rename(db_path, aside) < 0)
		rc = PZ_FAIL(err, PZ_EIO, db_path, "move %s aside: %s", db_path, strerror(errno));
	if (rc == 0 && ((unlink(wal) < 0 && errno != ENOENT) || (unlink(shm) < 0 && errno != ENOENT)))
		rc = PZ_FAIL(err, PZ_EIO, db_path, "remove %s: %s", wal, strerror(errno));
	if (rc == 0 && rename(tmp, db_path) < 0)
		rc = PZ_FAIL(err, PZ_EIO, db_path, "rename %s to %s: %s", tmp, db_path,
			     strerror(errno));
	if (rc < 0)
		unlink(tmp);
	free(tmp);
	free(aside);
	free(wal);
	free(shm);
	return rc == 0 ? sync_dir_of(db_path, err) : -1;
}

int backup_restore(const char *db_path, const char *from, int max_schema, bool *replaced,
		   struct pz_error *err)
{
	*replaced = false;
	if (check_source(from, max_schema, err) < 0)
		return -1;
	if (!backup_usable(db_path)) {
		*replaced = true;
		return replace_file(from, db_path, err);
	}
	char *keep = xasprintf("%s.before-restore", db_path);
	int rc = copy_atomic(db_path, keep, err);
	free(keep);
	return rc == 0 ? copy_into(from, db_path, err) : -1;
}
