/* twin.h - two halves of a job at once: one on the caller's thread, one on a thread of its own.
 *
 * For the loader's passes over independent rows (table.c, plan.c): each half owns what it
 * writes, and the caller merges them in order once both are done.
 */
#ifndef PLAZO_TWIN_H
#define PLAZO_TWIN_H

#include <stdbool.h>

/* Runs fn(second) on a new thread and fn(first) on this one, and returns when both are
 * done; when no thread can be had, fn(second) runs here after fn(first). */
void twin_run(void *(*fn)(void *), void *first, void *second);

/* Whether a split pays: the machine has more than one core online. */
bool twin_cores(void);

#endif
