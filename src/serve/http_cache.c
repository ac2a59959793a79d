/* http_cache.c - rendered parts kept within a byte budget, least recently served out first. */
#include "http_cache.h"

#include <stdlib.h>
#include <string.h>

#include "http_internal.h"
#include "xalloc.h"

void http_blob_release(void *blob)
{
	struct http_blob *b = blob;
	if (b != NULL && atomic_fetch_sub(&b->refs, 1) == 1)
		free(b);
}

struct http_blob *http_blob_new(const struct strbuf *bytes, size_t slot, enum http_part part,
				const struct http_version *v)
{
	struct http_blob *b = xmalloc(sizeof(*b) + bytes->len + 1);
	atomic_init(&b->refs, 1);
	b->len = bytes->len;
	memcpy(b->data, bytes->len ? bytes->data : "", bytes->len);
	b->data[b->len] = '\0';
	http_etag(b->etag, slot, part, v);
	b->modified = v->modified;
	return b;
}

void http_cache_init(struct http_cache *c, unsigned long long budget)
{
	memset(c, 0, sizeof(*c));
	pthread_mutex_init(&c->lock, NULL);
	c->head = c->tail = HTTP_CACHE_NONE;
	c->budget = budget;
}

static void lru_unlink(struct http_cache *c, size_t i)
{
	struct http_cached *x = &c->items[i];
	if (x->prev != HTTP_CACHE_NONE)
		c->items[x->prev].next = x->next;
	else
		c->head = x->next;
	if (x->next != HTTP_CACHE_NONE)
		c->items[x->next].prev = x->prev;
	else
		c->tail = x->prev;
	x->prev = x->next = HTTP_CACHE_NONE;
}

static void lru_push(struct http_cache *c, size_t i)
{
	struct http_cached *x = &c->items[i];
	x->prev = HTTP_CACHE_NONE;
	x->next = c->head;
	if (c->head != HTTP_CACHE_NONE)
		c->items[c->head].prev = i;
	c->head = i;
	if (c->tail == HTTP_CACHE_NONE)
		c->tail = i;
}

/* Drops what item i keeps (under the lock). */
static void cache_drop(struct http_cache *c, size_t i)
{
	struct http_cached *x = &c->items[i];
	if (x->blob == NULL)
		return;
	lru_unlink(c, i);
	c->bytes -= x->blob->len;
	http_blob_release(x->blob);
	x->blob = NULL;
}

static bool same_version(const struct http_version *a, const struct http_version *b)
{
	return a->generation == b->generation && a->version == b->version && a->day == b->day;
}

/* The kept rendering of item i at version v, with a reference for the caller; NULL when
 * none (a stale one is dropped). */
struct http_blob *http_cache_get(struct http_cache *c, size_t i, const struct http_version *v)
{
	struct http_blob *b = NULL;
	pthread_mutex_lock(&c->lock);
	if (i < c->n && c->items[i].blob != NULL) {
		if (same_version(&c->items[i].v, v)) {
			b = c->items[i].blob;
			atomic_fetch_add(&b->refs, 1);
			lru_unlink(c, i);
			lru_push(c, i);
		} else {
			cache_drop(c, i);
		}
	}
	pthread_mutex_unlock(&c->lock);
	return b;
}

static void cache_grow(struct http_cache *c, size_t i)
{
	if (i < c->n)
		return;
	c->items = xgrow(c->items, &c->cap, i + 1, sizeof(*c->items));
	for (size_t k = c->n; k <= i; k++)
		c->items[k] =
			(struct http_cached){.prev = HTTP_CACHE_NONE, .next = HTTP_CACHE_NONE};
	c->n = i + 1;
}

/* Keeps b (a new reference) as item i's rendering at v when it fits the budget, dropping
 * the least recently served first. */
void http_cache_put(struct http_cache *c, size_t i, const struct http_version *v,
		    struct http_blob *b)
{
	pthread_mutex_lock(&c->lock);
	cache_grow(c, i);
	cache_drop(c, i);
	while (c->tail != HTTP_CACHE_NONE && c->bytes + b->len > c->budget) {
		cache_drop(c, c->tail);
		c->evictions++;
	}
	if (c->bytes + b->len <= c->budget) {
		atomic_fetch_add(&b->refs, 1);
		c->items[i].blob = b;
		c->items[i].v = *v;
		c->bytes += b->len;
		lru_push(c, i);
	}
	pthread_mutex_unlock(&c->lock);
}

void http_cache_stats(struct http_cache *c, unsigned long long *bytes,
		      unsigned long long *evictions)
{
	pthread_mutex_lock(&c->lock);
	*bytes = c->bytes;
	*evictions = c->evictions;
	pthread_mutex_unlock(&c->lock);
}

void http_cache_finish(struct http_cache *c)
{
	for (size_t i = 0; i < c->n; i++)
		http_blob_release(c->items[i].blob);
	free(c->items);
	pthread_mutex_destroy(&c->lock);
}
