/* http_cache.h - rendered feeds and pages kept within a byte budget, least recently served first.
 *
 * An item is one (slot, part), numbered slot * HTTP_PARTS + part. It keeps one rendering
 * (a blob) and the version it was rendered at; asking for another version drops it. A blob
 * is reference counted: the cache holds one reference, each response sending it another,
 * so an eviction never frees bytes still being sent. All calls are safe from any thread.
 */
#ifndef PLAZO_HTTP_CACHE_H
#define PLAZO_HTTP_CACHE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <time.h>

#include "http_site.h"
#include "strbuf.h"

/* A rendered part, shared by the cache and the responses sending it. */
struct http_blob {
	atomic_uint refs;
	size_t len;
	char etag[40]; /* the version's strong validator (http_etag) */
	time_t modified;
	char data[]; /* len bytes, then a NUL */
};

/* The cache's place for one item: the last rendering kept, in the LRU list. */
struct http_cached {
	struct http_version v;
	struct http_blob *blob; /* NULL: nothing kept */
	size_t prev, next;      /* LRU neighbours (HTTP_CACHE_NONE at the ends) */
};
#define HTTP_CACHE_NONE SIZE_MAX

/* Embedded by its owner: init/finish. */
struct http_cache {
	pthread_mutex_t lock;
	struct http_cached *items; /* by item number */
	size_t n, cap;
	size_t head, tail; /* most and least recently served */
	unsigned long long bytes, budget;
	unsigned long long evictions;
};

/* A blob holding a copy of bytes, with one reference (the caller's), validators from v. */
struct http_blob *http_blob_new(const struct strbuf *bytes, size_t slot, enum http_part part,
				const struct http_version *v);
/* Drops one reference; frees the blob with the last. NULL is fine. Takes void * to be a
 * libmicrohttpd free callback. */
void http_blob_release(void *blob);

/* An empty cache keeping at most budget bytes of blobs. */
void http_cache_init(struct http_cache *c, unsigned long long budget);
/* Releases every kept blob (responses holding one keep it) and the cache's own memory. */
void http_cache_finish(struct http_cache *c);
/* Item i's blob at version v (same generation, version and day), with a new reference for
 * the caller, and now the most recently served; NULL when none (another version kept is
 * dropped). */
struct http_blob *http_cache_get(struct http_cache *c, size_t i, const struct http_version *v);
/* Keeps b (taking a new reference; the caller keeps its own) as item i's blob at v,
 * replacing what i kept, when it fits the budget: the least recently served are dropped
 * first (each counted an eviction). A blob larger than the budget is not kept. */
void http_cache_put(struct http_cache *c, size_t i, const struct http_version *v,
		    struct http_blob *b);
/* The bytes kept and the evictions so far. */
void http_cache_stats(struct http_cache *c, unsigned long long *bytes,
		      unsigned long long *evictions);

#endif
