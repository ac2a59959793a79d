#include "checkpoint.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "xalloc.h"

/* SQLite's own threshold (wal_autocheckpoint's default): past it a commit asks for a
 * checkpoint. Past CKPT_CAP the writer checkpoints by itself, as SQLite would, so the WAL
 * stays bounded even when the thread never catches up with the commits. */
enum { CKPT_FRAMES = 1000, CKPT_CAP = 8000 };

struct checkpoint {
	sqlite3 *writer;
	sqlite3 *db; /* the thread's own connection */
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	int next_at; /* the WAL's length in frames that asks for the next checkpoint */
	int frames; /* its length after the last commit */
	bool due, quit;
};

static void *checkpointer(void *arg)
{
	struct checkpoint *c = arg;
	pthread_mutex_lock(&c->lock);
	for (;;) {
		while (!c->due && !c->quit)
			pthread_cond_wait(&c->wake, &c->lock);
		if (c->quit)
			break;
		c->due = false;
		pthread_mutex_unlock(&c->lock);
		/* PASSIVE: copies what is committed, syncs, never waits for the writer */
		sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		pthread_mutex_lock(&c->lock);
	}
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

/* Runs in the writer after each commit, with the frames the WAL now holds: one checkpoint
 * for each CKPT_FRAMES frames written, as SQLite's own hook does. */
static int on_commit(void *arg, sqlite3 *db, const char *name, int frames)
{
	struct checkpoint *c = arg;
	c->frames = frames;
	if (frames < c->next_at - CKPT_FRAMES) /* the WAL started over */
		c->next_at = CKPT_FRAMES;
	if (frames >= CKPT_CAP) { /* as SQLite's own hook: a checkpoint that fails waits */
		sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		c->next_at = CKPT_FRAMES;
	} else if (frames >= c->next_at) {
		c->next_at = frames + CKPT_FRAMES;
		pthread_mutex_lock(&c->lock);
		c->due = true;
		pthread_cond_signal(&c->wake);
		pthread_mutex_unlock(&c->lock);
	}
	return SQLITE_OK;
}

struct checkpoint *checkpoint_start(sqlite3 *writer, const char *path)
{
	struct checkpoint *c = xcalloc(1, sizeof(*c));
	c->writer = writer;
	c->next_at = CKPT_FRAMES;
	/* the WAL is the database's mode already; a connection knows it once it reads it */
	if (sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
	    sqlite3_exec(c->db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL) != SQLITE_OK) {
		sqlite3_close(c->db);
		free(c);
		return NULL;
	}
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->wake, NULL);
	if (pthread_create(&c->thread, NULL, checkpointer, c) != 0) {
		pthread_cond_destroy(&c->wake);
		pthread_mutex_destroy(&c->lock);
		sqlite3_close(c->db);
		free(c);
		return NULL;
	}
	sqlite3_wal_hook(writer, on_commit, c);
	return c;
}

void checkpoint_stop(struct checkpoint *c)
{
	if (c == NULL)
		return;
	sqlite3_wal_autocheckpoint(c->writer, CKPT_FRAMES); /* SQLite's hook again */
	pthread_mutex_lock(&c->lock);
	c->quit = true;
	pthread_cond_signal(&c->wake);
	pthread_mutex_unlock(&c->lock);
	pthread_join(c->thread, NULL);
	pthread_cond_destroy(&c->wake);
	pthread_mutex_destroy(&c->lock);
	sqlite3_close(c->db);
	/* a long WAL goes to the database now, as SQLite's hook would have done (a short one
	 * waits for a later commit, as it did) */
	if (c->frames >= CKPT_FRAMES)
		sqlite3_wal_checkpoint_v2(c->writer, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	free(c);
}
