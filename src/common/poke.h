/* poke.h - telling a running daemon that its state changed from outside.
 *
 * `plazo run` writes its pid to STATE_DIR/plazo.pid and holds an flock on that file while it
 * runs; a command that changed the state (`plazo token rotate`, `plazo state restore`,
 * `plazo retry`) calls poke_daemon after committing, which sends the daemon SIGUSR1: it
 * re-reads the store (reopening it), republishes the feeds and pages and runs a send pass at
 * once. A pid file nobody holds locked is stale (the daemon was killed) and is ignored, so
 * a reused pid is never signalled.
 */
#ifndef PLAZO_POKE_H
#define PLAZO_POKE_H

#include <stdbool.h>

#include "error.h"

/* Writes the pid file and takes its lock; *fd holds it (keep it open while running). */
int poke_pidfile_create(const char *state_dir, int *fd, struct pz_error *err);
/* Removes the pid file and closes fd (-1 is fine). */
void poke_pidfile_remove(const char *state_dir, int fd);

/* Signals the daemon running on state_dir; *told is false when none runs. PZ_EPERM when
 * it runs but cannot be signalled (another user: the caller says to reload it instead). */
int poke_daemon(const char *state_dir, bool *told, struct pz_error *err);

#endif
