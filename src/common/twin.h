/* twin.h - two halves of a job at once: one on the caller's thread, one on a thread of its own.
 *
 * For the loader's passes over independent rows (table.c, plan.c) and the daemon's work beside
 * a load's record (daemon.c): each half owns what it writes, and the caller merges them in
 * order once both are done.
 */
#ifndef PLAZO_TWIN_H
#define PLAZO_TWIN_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

/* A job started beside the caller's own work (fn(arg) on a thread of its own). */
struct twin {
	void *(*fn)(void *);
	void *arg;
	pthread_t thread;
	bool threaded;
};

/* Starts fn(arg) on a new thread; when none can be had, twin_wait runs it instead. */
void twin_start(struct twin *t, void *(*fn)(void *), void *arg);

/* Returns once the job twin_start started is done (run here if it had no thread). */
void twin_wait(struct twin *t);

/* Runs fn(second) on a new thread and fn(first) on this one, and returns when both are
 * done; when no thread can be had, fn(second) runs here after fn(first). */
void twin_run(void *(*fn)(void *), void *first, void *second);

/* Sorts base's n elements in place, with no memory besides the stack: cmp must order every
 * two distinct elements (ties broken, by position for instance), since the sort is not
 * stable. An array in order already is left as it is; from TWIN_SORT_MIN elements on, with a
 * second core, the two sides of the first split are sorted at once. A range split badly too
 * often is heapsorted, so no order of the input makes it quadratic. */
enum { TWIN_SORT_MIN = 1 << 16 };
void twin_sort(void *base, size_t n, size_t size,
	       int (*cmp)(const void *, const void *, void *), void *ctx);

/* Whether base's n elements are in cmp's order (twin_sort's first look). */
bool twin_in_order(const void *base, size_t n, size_t size,
		   int (*cmp)(const void *, const void *, void *), void *ctx);

/* memcpy(to, from, n) of non-overlapping buffers, each half on a core of its own from
 * TWIN_COPY_MIN bytes on: a copy into fresh pages is bound by their faults, which two
 * cores take at once. */
enum { TWIN_COPY_MIN = 4 << 20 };
void twin_copy(void *to, const void *from, size_t n);

/* Whether a split pays: the machine has more than one core online. */
bool twin_cores(void);

#endif
