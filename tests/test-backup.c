/* test-backup.c - the state's safety net: the guard store_open runs (brand-new, empty,
 * cut short, not a database; with and without a past life), the backup and both kinds of
 * restore, the files' modes, and the pid file that poke_daemon signals. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backup.h"
#include "poke.h"
#include "store.h"
#include "test.h"

static char *temp_dir(void)
{
	char dir[] = "/tmp/plazo-backup-XXXXXX";
	if (mkdtemp(dir) == NULL)
		abort();
	return strdup(dir);
}

static char *join(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = malloc(n);
	snprintf(p, n, "%s/%s", dir, name);
	return p;
}

static int mode_of(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0 ? (int)(sb.st_mode & 0777) : -1;
}

static void write_file(const char *path, const char *text, size_t n)
{
	FILE *f = fopen(path, "wb");
	if (f == NULL)
		abort();
	fwrite(text, 1, n, f);
	fclose(f);
}

static bool token_is(const char *db, const char *want)
{
	struct store *st;
	struct pz_error err = {0};
	char token[33] = "";
	bool found = false;
	if (store_open(&st, db, &err) < 0)
		return false;
	store_token(st, "sg", token, &found, &err);
	store_close(st);
	return found && strcmp(token, want) == 0;
}

static void guard(struct test_state *ts)
{
	char *dir = temp_dir(), *db = join(dir, "plazo.db");
	struct pz_error err = {0};
	struct store *st;
	bool fresh;
	CHECK(ts, backup_guard(db, &fresh, &err) == 0 && fresh); /* brand-new */
	write_file(db, "", 0);
	CHECK(ts, backup_guard(db, &fresh, &err) == 0 && fresh); /* killed before committing */
	mode_t old = umask(022);
	CHECK(ts, store_open(&st, db, &err) == 0);
	umask(old);
	CHECK_INT_EQ(ts, mode_of(db), 0600);
	CHECK(ts, !backup_past_life(db));
	CHECK(ts, store_set_token(st, "sg", "0123456789abcdef0123456789abcdef", 1, &err) == 0);
	CHECK(ts, backup_past_life(db)); /* tokens handed out */
	/* A removed note comes back with the next token, in a transaction or out of one. */
	char *note = join(dir, "plazo.db.tokens-issued");
	CHECK(ts, unlink(note) == 0 && !backup_past_life(db));
	CHECK(ts, store_begin(st, &err) == 0);
	CHECK(ts, store_set_token(st, "t1", "1123456789abcdef0123456789abcdef", 1, &err) == 0);
	CHECK(ts, store_set_token(st, "t2", "2123456789abcdef0123456789abcdef", 1, &err) == 0);
	CHECK(ts, access(note, F_OK) == 0);
	CHECK(ts, store_commit(st, &err) == 0);
	CHECK(ts, unlink(note) == 0);
	CHECK(ts, store_begin(st, &err) == 0);
	CHECK(ts, store_set_token(st, "t3", "3123456789abcdef0123456789abcdef", 1, &err) == 0);
	CHECK(ts, store_commit(st, &err) == 0 && access(note, F_OK) == 0);
	CHECK(ts, unlink(note) == 0);
	CHECK(ts, store_set_token(st, "t4", "4123456789abcdef0123456789abcdef", 1, &err) == 0);
	CHECK(ts, access(note, F_OK) == 0);
	free(note);
	store_close(st);
	CHECK(ts, truncate(db, 0) == 0);
	CHECK(ts, store_open(&st, db, &err) < 0 && err.code == PZ_ESTATE);
	CHECK(ts, strstr(err.msg, "is empty") && strstr(err.msg, "no backup"));
	unlink(db);
	CHECK(ts, store_open(&st, db, &err) < 0 && strstr(err.msg, "is missing"));
	CHECK(ts, access(db, F_OK) < 0); /* not re-created */
	write_file(db, "SQLite format 3", 15);
	CHECK(ts, backup_guard(db, &fresh, &err) < 0 && strstr(err.msg, "cut short"));
	char junk[4096];
	memset(junk, 'x', sizeof(junk));
	write_file(db, junk, sizeof(junk));
	CHECK(ts, store_open(&st, db, &err) < 0 && strstr(err.msg, "not an SQLite database"));
	free(db);
	free(dir);
}

static void backup_and_restore(struct test_state *ts)
{
	char *dir = temp_dir(), *db = join(dir, "plazo.db"), *saved = join(dir, "saved.db");
	struct pz_error err = {0};
	struct store *st;
	const char *a = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", *b = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
	CHECK(ts, store_open(&st, db, &err) == 0);
	CHECK(ts, store_set_token(st, "sg", a, 1, &err) == 0);
	CHECK(ts, backup_write(db, &err) == 0);
	char *bak = backup_path(db);
	time_t made;
	CHECK(ts, backup_info(db, &made) && mode_of(bak) == 0600);
	CHECK(ts, backup_write(db, &err) == 0 && rename(bak, saved) == 0);
	CHECK(ts, backup_write(db, &err) == 0);
	/* in place, with a connection open (a running daemon): it sees the old token again */
	CHECK(ts, store_set_token(st, "sg", b, 2, &err) == 0);
	bool replaced = true, found;
	CHECK(ts, backup_restore(db, saved, store_schema_latest(), &replaced, &err) == 0);
	CHECK(ts, !replaced);
	char token[33] = "";
	CHECK(ts, store_token(st, "sg", token, &found, &err) == 0 && found);
	CHECK_STR_EQ(ts, token, a);
	char *before = join(dir, "plazo.db.before-restore");
	CHECK(ts, access(before, F_OK) == 0);
	store_close(st);
	/* a truncated file: refused, naming the backup; restored by replacing the file */
	CHECK(ts, truncate(db, 0) == 0);
	CHECK(ts, store_open(&st, db, &err) < 0 && strstr(err.msg, "plazo state restore") &&
		      strstr(err.msg, "plazo.db.backup"));
	CHECK(ts, backup_restore(db, bak, store_schema_latest(), &replaced, &err) == 0);
	CHECK(ts, replaced && token_is(db, a));
	char *damaged = join(dir, "plazo.db.damaged");
	CHECK(ts, access(damaged, F_OK) == 0);
	/* a source that is no database, or of a newer schema, is refused */
	write_file(saved, "nonsense", 8);
	CHECK(ts, backup_restore(db, saved, store_schema_latest(), &replaced, &err) < 0);
	CHECK(ts, backup_restore(db, bak, 1, &replaced, &err) < 0 && strstr(err.msg, "newer"));
	CHECK(ts, token_is(db, a));
	free(damaged);
	free(before);
	free(bak);
	free(saved);
	free(db);
	free(dir);
}

static void pid_file(struct test_state *ts)
{
	char *dir = temp_dir(), *pid = join(dir, "plazo.pid");
	struct pz_error err = {0};
	bool told = true;
	CHECK(ts, poke_daemon(dir, &told, &err) == 0 && !told); /* no daemon */
	char line[32];
	snprintf(line, sizeof(line), "%ld\n", (long)getpid());
	write_file(pid, line, strlen(line)); /* stale: nobody holds it */
	sigset_t set, pending;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	CHECK(ts, poke_daemon(dir, &told, &err) == 0 && !told);
	sigpending(&pending);
	CHECK(ts, !sigismember(&pending, SIGUSR1));
	int fd;
	CHECK(ts, poke_pidfile_create(dir, &fd, &err) == 0);
	CHECK(ts, poke_daemon(dir, &told, &err) == 0 && told);
	sigpending(&pending);
	CHECK(ts, sigismember(&pending, SIGUSR1));
	int sig;
	sigwait(&set, &sig);
	poke_pidfile_remove(dir, fd);
	CHECK(ts, access(pid, F_OK) < 0);
	free(pid);
	free(dir);
}

TEST_MAIN(TEST(guard), TEST(backup_and_restore), TEST(pid_file))
