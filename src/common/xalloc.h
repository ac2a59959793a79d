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
/* A mapping of bytes that can grow in place to as much as want bytes: that much address
 * space is reserved (inaccessible, charged nothing) and bytes of it made writable. Less is
 * reserved when the address space is limited (RLIMIT_AS: a quarter of the limit at most),
 * and none when it cannot be had. *reserved is the size to grow within and to munmap. */
void *xmap_reserve(size_t bytes, size_t want, size_t *reserved);
/* Grows a mapping of xmap_reserve from old_bytes to new_bytes: in place within *reserved,
 * else moved by xmap_grow (*reserved becomes new_bytes). */
void *xmap_grow_reserved(void *old, size_t old_bytes, size_t new_bytes, size_t *reserved);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Returns a newly allocated formatted string. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
