/* http_site.c - the snapshot: tokens found in constant time, office slots and their versions. */
#include "http_site.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "hash.h"
#include "http_internal.h"
#include "log.h"
#include "xalloc.h"

/* The versions of one office slot. */
struct slot {
	uint64_t state[HTTP_PARTS];
	time_t at[HTTP_PARTS];
};

struct http_site {
	atomic_uint refs; /* the owner (creator, then the server) plus requests in flight */
	pthread_mutex_t lock; /* guards what touching changes: slots, day, gauges */
	uint64_t generation;
	struct slot *slots;
	size_t n_slots;
	long day; /* the local day pages show */
	time_t day_at;
	long pending, sent, failed;
	bool held; /* the reminder queue is held: the operator must act */
	long waiting; /* reminders waiting while it is */
	size_t rows_unreadable; /* the plan's rows not read */
	size_t diagnostics[3]; /* of the load served: note, warning, error */
	unsigned char key[16]; /* SipHash key: bucket positions are unpredictable from outside */
	struct http_entry *entries;
	size_t len, cap;
	struct hash_index index; /* SipHash of the token -> index in entries */
};

/* Compares all n bytes whatever they hold: no early exit, so the time does not tell how much
 * of a guess was right. The volatile accumulator keeps the compiler from cutting the loop
 * short or dropping a call whose result is ignored. */
static bool ct_equal(const char *a, const char *b, size_t n)
{
	volatile unsigned char diff = 0;
	for (size_t i = 0; i < n; i++)
		diff |= (unsigned char)(a[i] ^ b[i]);
	return diff == 0;
}

static void random_key(unsigned char key[16])
{
	size_t got = 0;
	while (got < 16) {
		ssize_t n = getrandom(key + got, 16 - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			log_error("getrandom: %s", strerror(errno));
			exit(EXIT_FAILURE);
		}
		got += (size_t)n;
	}
}

bool http_is_token(const char *s)
{
	for (size_t i = 0; i < HTTP_TOKEN_LEN; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

static uint64_t token_hash(const struct http_site *site, const char *token)
{
	return hash_siphash24(site->key, token, HTTP_TOKEN_LEN);
}

/* The entry of token, or HASH_NONE. Building only: a plain comparison. */
static size_t find_entry(const struct http_site *site, const char *token)
{
	struct hash_probe p;
	for (size_t e = hash_index_first(&site->index, token_hash(site, token), &p); e != HASH_NONE;
	     e = hash_index_next(&site->index, &p))
		if (memcmp(site->entries[e].token, token, HTTP_TOKEN_LEN) == 0)
			return e;
	return HASH_NONE;
}

/* The request path. The index walks the slots of the guess's SipHash (under the site's
 * secret key) comparing 64-bit hashes; only an entry whose hash matches is compared with
 * the guess, in constant time, and a miss compares against a dummy, so a hit and a miss
 * both cost one full comparison and how long the walk is never depends on how close the
 * guess is to a real token. */
const struct http_entry *http_site_lookup(const struct http_site *site, const char *token)
{
	static const char dummy[HTTP_TOKEN_LEN] = "00000000000000000000000000000000";
	struct hash_probe p;
	for (size_t e = hash_index_first(&site->index, token_hash(site, token), &p); e != HASH_NONE;
	     e = hash_index_next(&site->index, &p))
		if (ct_equal(site->entries[e].token, token, HTTP_TOKEN_LEN))
			return &site->entries[e];
	ct_equal(dummy, token, HTTP_TOKEN_LEN);
	return NULL;
}

struct http_site *http_site_new(uint64_t generation, size_t n_slots, long day, time_t at)
{
	struct http_site *site = xcalloc(1, sizeof(*site));
	atomic_init(&site->refs, 1);
	pthread_mutex_init(&site->lock, NULL);
	site->generation = generation;
	site->n_slots = n_slots;
	site->slots = xcalloc(n_slots ? n_slots : 1, sizeof(*site->slots));
	for (size_t i = 0; i < n_slots; i++)
		for (size_t p = 0; p < HTTP_PARTS; p++)
			site->slots[i].at[p] = at;
	site->day = day;
	site->day_at = at;
	random_key(site->key);
	hash_index_init(&site->index);
	return site;
}

void http_site_set_counts(struct http_site *site, long pending, long sent, long failed)
{
	pthread_mutex_lock(&site->lock);
	site->pending = pending;
	site->sent = sent;
	site->failed = failed;
	pthread_mutex_unlock(&site->lock);
}

void http_site_set_held(struct http_site *site, bool held, long waiting)
{
	pthread_mutex_lock(&site->lock);
	site->held = held;
	site->waiting = held ? waiting : 0;
	pthread_mutex_unlock(&site->lock);
}

void http_site_set_plan(struct http_site *site, size_t rows_unreadable,
			const size_t diagnostics[static 3])
{
	pthread_mutex_lock(&site->lock);
	site->rows_unreadable = rows_unreadable;
	memcpy(site->diagnostics, diagnostics, sizeof(site->diagnostics));
	pthread_mutex_unlock(&site->lock);
}

void http_site_add(struct http_site *site, const char *token, size_t slot, unsigned parts)
{
	unsigned pages = HTTP_BIT(HTTP_PAGE) | HTTP_BIT(HTTP_MOVED);
	if (strlen(token) != HTTP_TOKEN_LEN || !http_is_token(token) || slot >= site->n_slots ||
	    parts == 0 || (parts & ~(HTTP_BIT(HTTP_FEED) | pages)) != 0 || (parts & pages) == pages)
		return;
	size_t k = find_entry(site, token);
	if (k == HASH_NONE) {
		site->entries =
			xgrow(site->entries, &site->cap, site->len + 1, sizeof(struct http_entry));
		site->entries[site->len] = (struct http_entry){0};
		memcpy(site->entries[site->len].token, token, HTTP_TOKEN_LEN);
		hash_index_put(&site->index, token_hash(site, token), site->len);
		k = site->len++;
	}
	site->entries[k].slot = slot;
	site->entries[k].parts = parts;
}

void http_site_set(struct http_site *site, size_t slot, unsigned parts, uint64_t state, time_t at)
{
	if (slot >= site->n_slots)
		return;
	pthread_mutex_lock(&site->lock);
	struct slot *sl = &site->slots[slot];
	for (size_t p = 0; p < HTTP_PARTS; p++)
		if ((parts & HTTP_BIT(p)) && sl->state[p] != state) {
			sl->state[p] = state;
			sl->at[p] = at;
		}
	pthread_mutex_unlock(&site->lock);
}

void http_site_new_day(struct http_site *site, long day, time_t at)
{
	pthread_mutex_lock(&site->lock);
	site->day = day;
	site->day_at = at;
	pthread_mutex_unlock(&site->lock);
}

void http_site_carry(struct http_site *site, const struct http_site *old)
{
	if (old == NULL || old->generation != site->generation || old->n_slots != site->n_slots)
		return;
	pthread_mutex_lock((pthread_mutex_t *)&old->lock);
	memcpy(site->slots, old->slots, site->n_slots * sizeof(*site->slots));
	if (old->day == site->day) /* the same day: the pages' Last-Modified stays */
		site->day_at = old->day_at;
	site->pending = old->pending;
	site->sent = old->sent;
	site->failed = old->failed;
	site->held = old->held;
	site->waiting = old->waiting;
	site->rows_unreadable = old->rows_unreadable;
	memcpy(site->diagnostics, old->diagnostics, sizeof(site->diagnostics));
	pthread_mutex_unlock((pthread_mutex_t *)&old->lock);
}

void http_site_version(struct http_site *site, size_t slot, enum http_part part,
		       struct http_version *out)
{
	pthread_mutex_lock(&site->lock);
	const struct slot *sl = &site->slots[slot < site->n_slots ? slot : 0];
	out->generation = site->generation;
	out->version = sl->state[part];
	out->modified = sl->at[part];
	out->day = (long)(out->modified / 86400); /* a feed's window starts from it */
	if (part != HTTP_FEED) { /* a page shows "today": it moves with the day */
		out->day = site->day;
		out->modified = site->day_at > out->modified ? site->day_at : out->modified;
	}
	pthread_mutex_unlock(&site->lock);
}

void http_site_release(struct http_site *site)
{
	if (site == NULL || atomic_fetch_sub(&site->refs, 1) != 1)
		return;
	free(site->entries);
	free(site->slots);
	hash_index_finish(&site->index);
	pthread_mutex_destroy(&site->lock);
	free(site);
}

void http_site_free(struct http_site *site)
{
	http_site_release(site);
}

void http_site_hold(struct http_site *site)
{
	atomic_fetch_add(&site->refs, 1);
}

bool http_site_gauges(struct http_site *site, struct http_gauges *g)
{
	if (site == NULL)
		return false;
	pthread_mutex_lock(&site->lock);
	*g = (struct http_gauges){
		site->pending,
		site->sent,
		site->failed,
		site->held,
		site->waiting,
		site->rows_unreadable,
		{site->diagnostics[0], site->diagnostics[1], site->diagnostics[2]}};
	pthread_mutex_unlock(&site->lock);
	return true;
}
