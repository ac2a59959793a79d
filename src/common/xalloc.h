/* xalloc.h - allocation that never returns NULL.
 *
 * On exhaustion these log "out of memory" and exit(EXIT_FAILURE): state lives in SQLite
 * transactions and systemd restarts the service (OpenSMTPD util.c, Redis zmalloc).
 */
#ifndef PLAZO_XALLOC_H
#define PLAZO_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *ptr, size_t size);
/* Grows an array of n elements of size bytes to hold at least need elements; updates *cap. */
void *xgrow(void *ptr, size_t *cap, size_t need, size_t size);
/* Grows (or, old NULL, creates) a private anonymous mapping of old_bytes to new_bytes,
 * perhaps moving it; for arrays whose pages are given back before they are freed (madvise).
 * Release it with munmap. */
void *xmap_grow(void *old, size_t old_bytes, size_t new_bytes);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Returns a newly allocated formatted string. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
