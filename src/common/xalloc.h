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
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Returns a newly allocated formatted string. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
