/* test-http-cache.c - the cache of rendered parts: budget, eviction order, versions. */
#include <stdatomic.h>
#include <string.h>

#include "http_cache.h"
#include "strbuf.h"
#include "test.h"

static struct http_version version(uint64_t v)
{
	return (struct http_version){.generation = 7, .version = v, .day = 19417, .modified = 100};
}

/* A blob of n bytes of c, kept by the caller with one reference. */
static struct http_blob *blob(char c, size_t n, size_t slot, uint64_t v)
{
	struct strbuf b;
	strbuf_init(&b);
	for (size_t i = 0; i < n; i++)
		strbuf_putc(&b, c);
	struct http_version ver = version(v);
	struct http_blob *out = http_blob_new(&b, slot, HTTP_FEED, &ver);
	strbuf_finish(&b);
	return out;
}

/* Puts a blob of n bytes as item i at version v and drops the caller's reference. */
static void put(struct http_cache *c, size_t i, char fill, size_t n, uint64_t v)
{
	struct http_blob *b = blob(fill, n, i, v);
	struct http_version ver = version(v);
	http_cache_put(c, i, &ver, b);
	http_blob_release(b);
}

/* Whether item i is kept at version v (its first byte fill); the reference is dropped. */
static bool kept(struct http_cache *c, size_t i, uint64_t v, char fill)
{
	struct http_version ver = version(v);
	struct http_blob *b = http_cache_get(c, i, &ver);
	bool ok = b != NULL && b->len > 0 && b->data[0] == fill;
	http_blob_release(b);
	return ok;
}

static void stats(struct http_cache *c, unsigned long long *bytes, unsigned long long *ev)
{
	http_cache_stats(c, bytes, ev);
}

static void blobs(struct test_state *ts)
{
	struct http_blob *a = blob('a', 3, 1, 5), *b = blob('b', 3, 1, 5), *d = blob('d', 3, 2, 5);
	CHECK_INT_EQ(ts, a->len, 3);
	CHECK_STR_EQ(ts, a->data, "aaa");
	CHECK_INT_EQ(ts, a->modified, 100);
	CHECK_STR_EQ(ts, a->etag, b->etag); /* the validator names the version, not the bytes */
	CHECK(ts, strcmp(a->etag, d->etag) != 0);
	http_blob_release(a);
	http_blob_release(b);
	http_blob_release(d);
	http_blob_release(NULL);
}

static void budget(struct test_state *ts)
{
	struct http_cache c;
	unsigned long long bytes, ev;
	http_cache_init(&c, 100);
	put(&c, 0, 'a', 40, 1);
	put(&c, 1, 'b', 40, 1);
	stats(&c, &bytes, &ev);
	CHECK_INT_EQ(ts, bytes, 80);
	CHECK_INT_EQ(ts, ev, 0);
	put(&c, 1, 'B', 60, 1); /* replacing an item frees its bytes first: 40 + 60 fits */
	stats(&c, &bytes, &ev);
	CHECK_INT_EQ(ts, bytes, 100);
	CHECK_INT_EQ(ts, ev, 0);
	CHECK(ts, kept(&c, 0, 1, 'a') && kept(&c, 1, 1, 'B'));
	put(&c, 2, 'c', 101, 1); /* larger than the whole budget: never kept */
	CHECK(ts, !kept(&c, 2, 1, 'c'));
	stats(&c, &bytes, &ev);
	CHECK(ts, bytes <= 100);
	http_cache_finish(&c);
}

static void eviction_order(struct test_state *ts)
{
	struct http_cache c;
	unsigned long long bytes, ev;
	http_cache_init(&c, 30);
	put(&c, 0, 'a', 10, 1);
	put(&c, 1, 'b', 10, 1);
	put(&c, 2, 'c', 10, 1);
	CHECK(ts, kept(&c, 0, 1, 'a')); /* served: now 1 is the least recently served */
	put(&c, 3, 'd', 10, 1);
	CHECK(ts, !kept(&c, 1, 1, 'b'));
	CHECK(ts, kept(&c, 0, 1, 'a') && kept(&c, 2, 1, 'c') && kept(&c, 3, 1, 'd'));
	put(&c, 4, 'e', 20, 1); /* two go, the least recently served first: 0 then 2 */
	CHECK(ts, !kept(&c, 0, 1, 'a') && !kept(&c, 2, 1, 'c'));
	CHECK(ts, kept(&c, 3, 1, 'd') && kept(&c, 4, 1, 'e'));
	stats(&c, &bytes, &ev);
	CHECK_INT_EQ(ts, bytes, 30);
	CHECK_INT_EQ(ts, ev, 3);
	http_cache_finish(&c);
}

static void versions(struct test_state *ts)
{
	struct http_cache c;
	unsigned long long bytes, ev;
	http_cache_init(&c, 100);
	put(&c, 5, 'a', 10, 1);
	CHECK(ts, !kept(&c, 5, 2, 'a')); /* another version: a miss, and the old one dropped */
	stats(&c, &bytes, &ev);
	CHECK_INT_EQ(ts, bytes, 0);
	CHECK_INT_EQ(ts, ev, 0);
	CHECK(ts, !kept(&c, 5, 1, 'a'));
	put(&c, 5, 'a', 10, 1);
	struct http_version other_day = version(1);
	other_day.day++;
	CHECK(ts, http_cache_get(&c, 5, &other_day) == NULL); /* a page's day moved */
	CHECK(ts, !kept(&c, 9, 1, 'a')); /* an item never put */
	http_cache_finish(&c);
}

/* A blob being sent outlives its eviction and the cache. */
static void references(struct test_state *ts)
{
	struct http_cache c;
	http_cache_init(&c, 10);
	put(&c, 0, 'a', 10, 1);
	struct http_version v = version(1);
	struct http_blob *sending = http_cache_get(&c, 0, &v);
	CHECK(ts, sending != NULL);
	put(&c, 1, 'b', 10, 1);
	CHECK(ts, !kept(&c, 0, 1, 'a'));
	http_cache_finish(&c);
	CHECK(ts, sending != NULL && atomic_load(&sending->refs) == 1 && sending->data[0] == 'a');
	http_blob_release(sending);
}

TEST_MAIN(TEST(blobs), TEST(budget), TEST(eviction_order), TEST(versions), TEST(references))
