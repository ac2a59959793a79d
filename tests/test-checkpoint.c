/* test-checkpoint.c - store_checkpoint_aside: the WAL's checkpoints (and their syncs) run on
 * a thread of their own, not in the thread that commits, as often as SQLite's own; the WAL
 * stays bounded; nothing committed is lost, and inline gives SQLite's checkpoints back. A VFS
 * over the default one counts the syncs made by the committing thread. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <sqlite3.h>

#include "store.h"
#include "test.h"

static sqlite3_vfs *base;
static pthread_t committer;
static int committer_syncs, other_syncs;
static pthread_mutex_t count_lock = PTHREAD_MUTEX_INITIALIZER;

struct shim_file {
	sqlite3_file f;
	sqlite3_file *real; /* follows the shim in the same allocation */
};

static sqlite3_io_methods shim_io;

static int shim_sync(sqlite3_file *f, int flags)
{
	pthread_mutex_lock(&count_lock);
	if (pthread_equal(pthread_self(), committer))
		committer_syncs++;
	else
		other_syncs++;
	pthread_mutex_unlock(&count_lock);
	sqlite3_file *real = ((struct shim_file *)f)->real;
	return real->pMethods->xSync(real, flags);
}

#define FORWARD(name, sig, args)                                                                   \
	static int shim_##name sig                                                                 \
	{                                                                                          \
		sqlite3_file *real = ((struct shim_file *)f)->real;                                \
		return real->pMethods->x##name args;                                               \
	}
FORWARD(Close, (sqlite3_file * f), (real))
FORWARD(Read, (sqlite3_file * f, void *b, int n, sqlite3_int64 o), (real, b, n, o))
FORWARD(Write, (sqlite3_file * f, const void *b, int n, sqlite3_int64 o), (real, b, n, o))
FORWARD(Truncate, (sqlite3_file * f, sqlite3_int64 n), (real, n))
FORWARD(FileSize, (sqlite3_file * f, sqlite3_int64 *n), (real, n))
FORWARD(Lock, (sqlite3_file * f, int l), (real, l))
FORWARD(Unlock, (sqlite3_file * f, int l), (real, l))
FORWARD(CheckReservedLock, (sqlite3_file * f, int *r), (real, r))
FORWARD(FileControl, (sqlite3_file * f, int op, void *a), (real, op, a))
FORWARD(SectorSize, (sqlite3_file * f), (real))
FORWARD(DeviceCharacteristics, (sqlite3_file * f), (real))
FORWARD(ShmMap, (sqlite3_file * f, int i, int n, int e, void volatile **p), (real, i, n, e, p))
FORWARD(ShmLock, (sqlite3_file * f, int o, int n, int fl), (real, o, n, fl))
FORWARD(ShmUnmap, (sqlite3_file * f, int d), (real, d))

static void shim_ShmBarrier(sqlite3_file *f)
{
	sqlite3_file *real = ((struct shim_file *)f)->real;
	real->pMethods->xShmBarrier(real);
}

static int shim_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *out)
{
	(void)vfs;
	struct shim_file *s = (struct shim_file *)f;
	s->real = (sqlite3_file *)(s + 1);
	int rc = base->xOpen(base, name, s->real, flags, out);
	f->pMethods = rc == SQLITE_OK && s->real->pMethods ? &shim_io : NULL;
	return rc;
}

static sqlite3_vfs shim_vfs;

static void install_shim(void)
{
	base = sqlite3_vfs_find(NULL);
	shim_io = (sqlite3_io_methods){.iVersion = 2,
				       .xClose = shim_Close,
				       .xRead = shim_Read,
				       .xWrite = shim_Write,
				       .xTruncate = shim_Truncate,
				       .xSync = shim_sync,
				       .xFileSize = shim_FileSize,
				       .xLock = shim_Lock,
				       .xUnlock = shim_Unlock,
				       .xCheckReservedLock = shim_CheckReservedLock,
				       .xFileControl = shim_FileControl,
				       .xSectorSize = shim_SectorSize,
				       .xDeviceCharacteristics = shim_DeviceCharacteristics,
				       .xShmMap = shim_ShmMap,
				       .xShmLock = shim_ShmLock,
				       .xShmBarrier = shim_ShmBarrier,
				       .xShmUnmap = shim_ShmUnmap};
	shim_vfs = *base;
	shim_vfs.zName = "plazo-test-shim";
	shim_vfs.szOsFile = (int)sizeof(struct shim_file) + base->szOsFile;
	shim_vfs.xOpen = shim_open;
	sqlite3_vfs_register(&shim_vfs, 1);
}

/* Commits n rows, one transaction each (every commit writes a few WAL frames), with a pause
 * each 50 commits as a pass has while it talks to the server. */
static void commit_rows(struct test_state *ts, struct store *st, int from, int n,
			long long *wal_max, const char *wal)
{
	struct pz_error err = {0};
	for (int i = from; i < from + n; i++) {
		struct store_reminder r = {.milestone = 1, .slot = 1000, .next_attempt = 1000};
		snprintf(r.office, sizeof(r.office), "office-%06d", i);
		snprintf(r.activity, sizeof(r.activity), "%d", i);
		snprintf(r.due, sizeof(r.due), "2023-03-30");
		snprintf(r.stage, sizeof(r.stage), "due");
		bool added = false;
		CHECK(ts, store_begin(st, &err) == 0 && store_enqueue(st, &r, &added, &err) == 0 &&
				  added && store_commit(st, &err) == 0);
		if (i % 50 == 0)
			nanosleep(&(struct timespec){0, 1000000}, NULL);
		struct stat sb;
		if (stat(wal, &sb) == 0 && sb.st_size > *wal_max)
			*wal_max = sb.st_size;
	}
}

static int rows_in(const char *path)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	int n = -1;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, "SELECT count(*) FROM reminder", -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			n = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	return n;
}

static void aside(struct test_state *ts)
{
	char *path = test_temp_db("ckpt");
	char wal[128];
	snprintf(wal, sizeof(wal), "%s-wal", path);
	struct store *st;
	struct pz_error err = {0};
	install_shim();
	committer = pthread_self();
	CHECK(ts, store_open(&st, path, &err) == 0);
	long long wal_max = 0;
	/* inline (SQLite's own): the committing thread syncs at each checkpoint */
	committer_syncs = other_syncs = 0;
	commit_rows(ts, st, 0, 6000, &wal_max, wal);
	int inline_syncs = committer_syncs;
	CHECK(ts, inline_syncs >= 20); /* ~3 frames a commit: a checkpoint each ~330 commits */
	/* aside: the checkpoints and their syncs move to the thread */
	store_checkpoint_aside(st);
	committer_syncs = other_syncs = 0;
	wal_max = 0;
	commit_rows(ts, st, 6000, 6000, &wal_max, wal);
	pthread_mutex_lock(&count_lock);
	int mine = committer_syncs;
	pthread_mutex_unlock(&count_lock);
	store_checkpoint_inline(st);
	/* the committer checkpoints only when the thread lags 8,000 frames behind */
	CHECK(ts, mine * 4 <= inline_syncs);
	/* here commits come faster than a checkpoint's syncs, so the thread's run together;
	 * the WAL is still synced at least every ~4,000 frames (SQLite's: every 1,000) */
	CHECK(ts, other_syncs * 4 >= inline_syncs);
	/* bounded: ~18,000 frames were written; the cap is 8,000, more while the thread's
	 * checkpoint holds the writer's off */
	CHECK(ts, wal_max > 0 && wal_max < 12000LL * (4096 + 24) + 32);
	CHECK_INT_EQ(ts, rows_in(path), 12000); /* every commit, seen by another connection */
	/* inline again: SQLite's own checkpoints in the committing thread */
	committer_syncs = 0;
	commit_rows(ts, st, 12000, 3000, &wal_max, wal);
	CHECK(ts, committer_syncs > 0);
	store_close(st);
	CHECK_INT_EQ(ts, rows_in(path), 15000);
	free(path);
}

TEST_MAIN(TEST(aside))
