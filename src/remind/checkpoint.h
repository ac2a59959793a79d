/* checkpoint.h - the WAL checkpointed beside a send pass, not between its digests. */
#ifndef PLAZO_CHECKPOINT_H
#define PLAZO_CHECKPOINT_H

#include <sqlite3.h>

/* WAL checkpoints on a thread of their own, on a second connection to path, for as long as
 * a send pass commits digest after digest: the writer's commits no longer wait for a
 * checkpoint's copy and its two syncs. Checkpoints run as often as SQLite's own would (when
 * a commit leaves 1,000 frames in the WAL), so what a power loss can lose is unchanged; when
 * the thread lags far behind, the writer checkpoints by itself. NULL when the connection or
 * the thread cannot be had: the writer then checkpoints as before. */
struct checkpoint;

struct checkpoint *checkpoint_start(sqlite3 *writer, const char *path);

/* Joins the thread, gives the writer SQLite's own checkpoints back and checkpoints what the
 * WAL holds. NULL: nothing. */
void checkpoint_stop(struct checkpoint *c);

#endif
