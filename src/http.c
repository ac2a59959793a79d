#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "guard.h"
#include "hash.h"
#include "log.h"
#include "origin.h"
#include "refusal.h"
#include "strbuf.h"
#include "urlform.h"
#include "xalloc.h"

#define TOKEN_LEN 32
/* Per-connection memory: the request line and headers must fit in it, so a longer URL is
 * answered 414 and larger headers 431 by libmicrohttpd itself (connection.c, "REQUEST_TOO_BIG"). */
#define MEMORY_LIMIT ((size_t)8192)
#define DRAIN_STEPS 20 /* http_stop waits up to 20 x 50 ms for requests in flight */
#define FEED_PREFIX "/feeds/"
#define FEED_SUFFIX ".ics"
#define PAGE_PREFIX "/o/"
#define ELLIPSIS "…"
#define TEXT_TYPE "text/plain; charset=utf-8"
#define METRICS_TYPE "text/plain; version=0.0.4; charset=utf-8"
/* A form body: its fields percent-encoded (3 bytes a byte at worst) and their names. */
#define FORM_BODY_MAX ((size_t)16384)

/* Status codes this module answers; libmicrohttpd answers 414/431/400 without asking us. */
static const unsigned counted_codes[] = {200, 303, 304, 400, 403, 404, 405, 409, 413, 415, 429, 503};
enum { N_CODES = sizeof(counted_codes) / sizeof(counted_codes[0]) };

struct entry {
	char token[TOKEN_LEN]; /* not NUL-terminated */
	size_t slot;           /* the office slot it serves */
	unsigned parts;        /* HTTP_BIT of what it serves */
};

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
	bool held;    /* the reminder queue is held: the operator must act */
	long waiting; /* reminders waiting while it is */
	size_t rows_unreadable; /* the plan's rows not read */
	size_t diagnostics[3];  /* of the load served: note, warning, error */
	unsigned char key[16]; /* SipHash key: bucket positions are unpredictable from outside */
	struct entry *entries;
	size_t len, cap;
	struct hash_index index; /* SipHash of the token -> index in entries */
};

/* A rendered part, shared by the cache and the responses sending it. */
struct blob {
	atomic_uint refs;
	size_t len;
	char etag[40];
	time_t modified;
	char data[]; /* len bytes */
};

/* The cache's place for one (slot, part): the last rendering kept, in the LRU list. */
struct cached {
	struct http_version v;
	struct blob *blob; /* NULL: nothing kept */
	size_t prev, next; /* LRU neighbours (CACHE_NONE at the ends) */
};
#define CACHE_NONE SIZE_MAX

struct cache {
	pthread_mutex_t lock;
	struct cached *items; /* by slot * HTTP_PARTS + part */
	size_t n, cap;
	size_t head, tail; /* most and least recently served */
	unsigned long long bytes, budget;
	unsigned long long evictions;
};

struct http_server {
	struct MHD_Daemon *daemon;
	struct MHD_Daemon *metrics; /* /metrics on its own address; NULL: none */
	pthread_mutex_t lock;
	struct http_site *site; /* guarded by lock */
	struct guard *guard;    /* the main listener's connections */
	pthread_t sweeper;      /* closes connections whose headers are late */
	pthread_cond_t stop_cond;
	bool stopping; /* guarded by lock */
	unsigned short port, metrics_port;
	atomic_ullong requests[N_CODES];
	atomic_ullong feed_bytes;
	atomic_ullong not_modified;
	atomic_ullong passes; /* send passes of the daemon (http_count_pass) */
	atomic_ullong renders[HTTP_PARTS];
	struct cache cache;
	char *origins;             /* the Origins a form may come from (origin.h), or NULL */
	http_form_handler on_form;
	void *form_user;
	http_render_fn render;
};

/* One request, from its first call to the completion callback: what the access line says. */
struct request {
	struct timespec start;
	unsigned status; /* 0 until a response is queued */
	size_t bytes; /* body bytes of the answer: 0 for HEAD and 304 */
	bool head;
	bool feed; /* a feed body, counted in plazo_feed_bytes_total */
	struct http_form *form;         /* a form POST being read: its fields */
	struct strbuf body;             /* its body so far, at most FORM_BODY_MAX bytes */
	bool form_refused;              /* the body was larger than that */
	char why[256];                  /* why a form body was refused, in Spanish */
	struct guard_conn *guarded;     /* its connection, busy until the request completes */
	char *method; /* loggable copies (see loggable) */
	char *path;
	char client[INET6_ADDRSTRLEN];
	char page[TOKEN_LEN + 1]; /* the token of /o/TOKEN[/...], "" elsewhere: a refusal
				   * there is an HTML page (refusal.h) */
};

/* Where a part is served from: its media type and caching policy. */
struct kind {
	const char *type;
	const char *cache;
	bool feed;
	const char *csp; /* Content-Security-Policy, or NULL */
};

static const struct kind feed_kind = {"text/calendar; charset=utf-8", "max-age=900", true, NULL};
/* pages cannot be framed by another site (clickjacking the mark forms) */
static const struct kind page_kind = {"text/html; charset=utf-8", "no-cache", false,
				      "frame-ancestors 'none'"};

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

/* Strong validator: 128 bits of SipHash, under two fixed public keys, of what names the
 * version (generation, slot, part, version, day): never of the bytes, so that a 304 needs no
 * rendering and a rendering after an eviction keeps it. */
static void make_etag(char out[40], size_t slot, enum http_part part,
		      const struct http_version *v)
{
	static const unsigned char k1[16] = "plazo-etag-key-1";
	static const unsigned char k2[16] = "plazo-etag-key-2";
	uint64_t name[5] = {v->generation, (uint64_t)slot, (uint64_t)part, (uint64_t)v->version,
			    (uint64_t)v->day};
	snprintf(out, 40, "\"%016" PRIx64 "%016" PRIx64 "\"", hash_siphash24(k1, name, sizeof(name)),
		 hash_siphash24(k2, name, sizeof(name)));
}

/* ---- snapshot ---- */

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

static bool is_token(const char *s)
{
	for (size_t i = 0; i < TOKEN_LEN; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

static uint64_t token_hash(const struct http_site *site, const char *token)
{
	return hash_siphash24(site->key, token, TOKEN_LEN);
}

/* The entry of token, or HASH_NONE. Building only: a plain comparison. */
static size_t find_entry(const struct http_site *site, const char *token)
{
	struct hash_probe p;
	for (size_t e = hash_index_first(&site->index, token_hash(site, token), &p);
	     e != HASH_NONE; e = hash_index_next(&site->index, &p))
		if (memcmp(site->entries[e].token, token, TOKEN_LEN) == 0)
			return e;
	return HASH_NONE;
}

/* The request path. The index walks the slots of the guess's SipHash (under the site's
 * secret key) comparing 64-bit hashes; only an entry whose hash matches is compared with
 * the guess, in constant time, and a miss compares against a dummy, so a hit and a miss
 * both cost one full comparison and how long the walk is never depends on how close the
 * guess is to a real token. */
static const struct entry *lookup(const struct http_site *site, const char *token)
{
	static const char dummy[TOKEN_LEN] = "00000000000000000000000000000000";
	struct hash_probe p;
	for (size_t e = hash_index_first(&site->index, token_hash(site, token), &p);
	     e != HASH_NONE; e = hash_index_next(&site->index, &p))
		if (ct_equal(site->entries[e].token, token, TOKEN_LEN))
			return &site->entries[e];
	ct_equal(dummy, token, TOKEN_LEN);
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
	if (strlen(token) != TOKEN_LEN || !is_token(token) || slot >= site->n_slots ||
	    parts == 0 || (parts & ~(HTTP_BIT(HTTP_FEED) | pages)) != 0 || (parts & pages) == pages)
		return;
	size_t k = find_entry(site, token);
	if (k == HASH_NONE) {
		site->entries =
			xgrow(site->entries, &site->cap, site->len + 1, sizeof(struct entry));
		site->entries[site->len] = (struct entry){0};
		memcpy(site->entries[site->len].token, token, TOKEN_LEN);
		hash_index_put(&site->index, token_hash(site, token), site->len);
		k = site->len++;
	}
	site->entries[k].slot = slot;
	site->entries[k].parts = parts;
}

void http_site_set(struct http_site *site, size_t slot, unsigned parts, uint64_t state,
		   time_t at)
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

static void site_release(struct http_site *site)
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
	site_release(site);
}

static struct http_site *site_acquire(struct http_server *s)
{
	pthread_mutex_lock(&s->lock);
	struct http_site *site = s->site;
	if (site != NULL)
		atomic_fetch_add(&site->refs, 1);
	pthread_mutex_unlock(&s->lock);
	return site;
}

/* ---- the cache of rendered parts ---- */

static void blob_release(void *cls)
{
	struct blob *b = cls;
	if (b != NULL && atomic_fetch_sub(&b->refs, 1) == 1)
		free(b);
}

static struct blob *blob_new(const struct strbuf *bytes, size_t slot, enum http_part part,
			     const struct http_version *v)
{
	struct blob *b = xmalloc(sizeof(*b) + bytes->len + 1);
	atomic_init(&b->refs, 1);
	b->len = bytes->len;
	memcpy(b->data, bytes->len ? bytes->data : "", bytes->len);
	b->data[b->len] = '\0';
	make_etag(b->etag, slot, part, v);
	b->modified = v->modified;
	return b;
}

static void cache_init(struct cache *c, unsigned long long budget)
{
	memset(c, 0, sizeof(*c));
	pthread_mutex_init(&c->lock, NULL);
	c->head = c->tail = CACHE_NONE;
	c->budget = budget;
}

static void lru_unlink(struct cache *c, size_t i)
{
	struct cached *x = &c->items[i];
	if (x->prev != CACHE_NONE)
		c->items[x->prev].next = x->next;
	else
		c->head = x->next;
	if (x->next != CACHE_NONE)
		c->items[x->next].prev = x->prev;
	else
		c->tail = x->prev;
	x->prev = x->next = CACHE_NONE;
}

static void lru_push(struct cache *c, size_t i)
{
	struct cached *x = &c->items[i];
	x->prev = CACHE_NONE;
	x->next = c->head;
	if (c->head != CACHE_NONE)
		c->items[c->head].prev = i;
	c->head = i;
	if (c->tail == CACHE_NONE)
		c->tail = i;
}

/* Drops what item i keeps (under the lock). */
static void cache_drop(struct cache *c, size_t i)
{
	struct cached *x = &c->items[i];
	if (x->blob == NULL)
		return;
	lru_unlink(c, i);
	c->bytes -= x->blob->len;
	blob_release(x->blob);
	x->blob = NULL;
}

static bool same_version(const struct http_version *a, const struct http_version *b)
{
	return a->generation == b->generation && a->version == b->version && a->day == b->day;
}

/* The kept rendering of item i at version v, with a reference for the caller; NULL when
 * none (a stale one is dropped). */
static struct blob *cache_get(struct cache *c, size_t i, const struct http_version *v)
{
	struct blob *b = NULL;
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

static void cache_grow(struct cache *c, size_t i)
{
	if (i < c->n)
		return;
	c->items = xgrow(c->items, &c->cap, i + 1, sizeof(*c->items));
	for (size_t k = c->n; k <= i; k++)
		c->items[k] = (struct cached){.prev = CACHE_NONE, .next = CACHE_NONE};
	c->n = i + 1;
}

/* Keeps b (a new reference) as item i's rendering at v when it fits the budget, dropping
 * the least recently served first. */
static void cache_put(struct cache *c, size_t i, const struct http_version *v, struct blob *b)
{
	pthread_mutex_lock(&c->lock);
	cache_grow(c, i);
	cache_drop(c, i);
	while (c->tail != CACHE_NONE && c->bytes + b->len > c->budget) {
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

static void cache_stats(struct cache *c, unsigned long long *bytes,
			unsigned long long *evictions)
{
	pthread_mutex_lock(&c->lock);
	*bytes = c->bytes;
	*evictions = c->evictions;
	pthread_mutex_unlock(&c->lock);
}

static void cache_finish(struct cache *c)
{
	for (size_t i = 0; i < c->n; i++)
		blob_release(c->items[i].blob);
	free(c->items);
	pthread_mutex_destroy(&c->lock);
}

/* ---- HTTP dates (RFC 9110 section 5.6.7), with fixed English names: no locale ---- */

static const char weekdays[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
static const char *const weekdays_long[7] = {"Sunday",	 "Monday", "Tuesday", "Wednesday",
					     "Thursday", "Friday", "Saturday"};
static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
				   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT". */
static void format_http_date(time_t t, char *out, size_t cap)
{
	struct tm tm;
	if (gmtime_r(&t, &tm) == NULL) {
		snprintf(out, cap, "Thu, 01 Jan 1970 00:00:00 GMT");
		return;
	}
	snprintf(out, cap, "%s, %02d %s %04d %02d:%02d:%02d GMT", weekdays[tm.tm_wday], tm.tm_mday,
		 months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static bool take_str(const char **p, const char *s)
{
	size_t n = strlen(s);
	if (strncmp(*p, s, n) != 0)
		return false;
	*p += n;
	return true;
}

/* Exactly n digits. */
static bool take_digits(const char **p, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		char c = (*p)[i];
		if (c < '0' || c > '9')
			return false;
		v = v * 10 + (c - '0');
	}
	*p += n;
	*out = v;
	return true;
}

static bool take_month(const char **p, int *mon)
{
	for (int m = 0; m < 12; m++)
		if (take_str(p, months[m])) {
			*mon = m;
			return true;
		}
	return false;
}

static bool take_clock(const char **p, struct tm *tm)
{
	return take_digits(p, 2, &tm->tm_hour) && take_str(p, ":") &&
	       take_digits(p, 2, &tm->tm_min) && take_str(p, ":") && take_digits(p, 2, &tm->tm_sec);
}

/* After "Sun,": " 06 Nov 1994 08:49:37 GMT". tm_year is the full year until tm_to_time. */
static bool parse_fixdate(const char *p, struct tm *tm)
{
	return take_str(&p, " ") && take_digits(&p, 2, &tm->tm_mday) && take_str(&p, " ") &&
	       take_month(&p, &tm->tm_mon) && take_str(&p, " ") &&
	       take_digits(&p, 4, &tm->tm_year) && take_str(&p, " ") && take_clock(&p, tm) &&
	       take_str(&p, " GMT") && *p == '\0';
}

/* After "Sunday": ", 06-Nov-94 08:49:37 GMT". Two-digit years: 70-99 are 19xx, 00-69 20xx. */
static bool parse_rfc850(const char *p, struct tm *tm)
{
	int yy;
	if (!(take_str(&p, ", ") && take_digits(&p, 2, &tm->tm_mday) && take_str(&p, "-") &&
	      take_month(&p, &tm->tm_mon) && take_str(&p, "-") && take_digits(&p, 2, &yy) &&
	      take_str(&p, " ") && take_clock(&p, tm) && take_str(&p, " GMT") && *p == '\0'))
		return false;
	tm->tm_year = yy < 70 ? 2000 + yy : 1900 + yy;
	return true;
}

/* After "Sun": " Nov  6 08:49:37 1994" (asctime). */
static bool parse_asctime(const char *p, struct tm *tm)
{
	if (!(take_str(&p, " ") && take_month(&p, &tm->tm_mon) && take_str(&p, " ")))
		return false;
	bool day = take_str(&p, " ") ? take_digits(&p, 1, &tm->tm_mday)
				     : take_digits(&p, 2, &tm->tm_mday);
	return day && take_str(&p, " ") && take_clock(&p, tm) && take_str(&p, " ") &&
	       take_digits(&p, 4, &tm->tm_year) && *p == '\0';
}

/* Converts a parsed date, refusing fields out of range (31 Feb does not become 3 Mar). */
static bool tm_to_time(struct tm *tm, time_t *out)
{
	if (tm->tm_hour > 23 || tm->tm_min > 59 || tm->tm_sec > 60 || tm->tm_mday < 1)
		return false;
	if (tm->tm_sec == 60) /* a leap second */
		tm->tm_sec = 59;
	int mday = tm->tm_mday, mon = tm->tm_mon;
	tm->tm_year -= 1900;
	tm->tm_isdst = 0;
	time_t t = timegm(tm);
	if (tm->tm_mday != mday || tm->tm_mon != mon)
		return false;
	*out = t;
	return true;
}

/* IMF-fixdate and the two obsolete formats; false for anything else. */
static bool parse_http_date(const char *s, time_t *out)
{
	struct tm tm = {0};
	size_t n = 0;
	while ((s[n] >= 'A' && s[n] <= 'Z') || (s[n] >= 'a' && s[n] <= 'z'))
		n++;
	bool ok = false;
	for (int d = 0; d < 7 && !ok; d++) {
		if (n == 3 && strncmp(s, weekdays[d], 3) == 0)
			ok = s[3] == ',' ? parse_fixdate(s + 4, &tm) : parse_asctime(s + 3, &tm);
		else if (n == strlen(weekdays_long[d]) && strncmp(s, weekdays_long[d], n) == 0)
			ok = parse_rfc850(s + n, &tm);
		else
			continue;
		break;
	}
	return ok && tm_to_time(&tm, out);
}

/* ---- conditional requests (RFC 9110 section 13) ---- */

/* Whether an If-None-Match list names etag; weak comparison ("W/" ignored), "*" matches. */
static bool etag_list_matches(const char *list, const char *etag)
{
	size_t elen = strlen(etag);
	for (const char *p = list;;) {
		p += strspn(p, " \t,");
		if (*p == '\0')
			return false;
		if (*p == '*' && strchr(" \t,", p[1]) != NULL)
			return true;
		if (strncmp(p, "W/", 2) == 0)
			p += 2;
		const char *end = *p == '"' ? strchr(p + 1, '"') : NULL;
		if (end == NULL)
			return false;
		if ((size_t)(end + 1 - p) == elen && memcmp(p, etag, elen) == 0)
			return true;
		p = end + 1;
	}
}

struct inm_scan {
	const char *etag;
	bool present;
	bool match;
};

static enum MHD_Result scan_inm(void *cls, enum MHD_ValueKind kind, const char *key,
				const char *value)
{
	struct inm_scan *scan = cls;
	if (key == NULL || value == NULL || strcasecmp(key, MHD_HTTP_HEADER_IF_NONE_MATCH) != 0)
		return MHD_YES;
	scan->present = true;
	if (etag_list_matches(value, scan->etag))
		scan->match = true;
	return MHD_YES;
}

/* If-None-Match decides when present (every such field counts); otherwise If-Modified-Since,
 * when it is a valid date. Presence alone or an unparseable date never answers 304. */
static bool not_modified(struct MHD_Connection *c, const char *etag, time_t modified)
{
	struct inm_scan scan = {etag, false, false};
	MHD_get_connection_values(c, MHD_HEADER_KIND, scan_inm, &scan);
	if (scan.present)
		return scan.match;
	const char *ims =
		MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_MODIFIED_SINCE);
	time_t since;
	return ims != NULL && parse_http_date(ims, &since) && modified <= since;
}

/* ---- requests, access log, counters ---- */

/* Milliseconds of the monotonic clock: what the connection guard measures with. */
static long long mono_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}


/* A copy of s fit for a log line: bytes outside printable ASCII become %XX, every run of 16 or
 * more hex digits (a token, wherever it stands) keeps its first 4 and "…", and the copy stops
 * near max bytes. */
static char *loggable(const char *s, size_t max)
{
	struct strbuf out;
	strbuf_init(&out);
	for (size_t i = 0; s[i] != '\0';) {
		if (out.len >= max) {
			strbuf_puts(&out, ELLIPSIS);
			break;
		}
		size_t run = strspn(s + i, "0123456789abcdefABCDEF");
		unsigned char c = (unsigned char)s[i];
		if (run >= 16) {
			strbuf_append(&out, s + i, 4);
			strbuf_puts(&out, ELLIPSIS);
			i += run;
		} else if (run > 0) {
			strbuf_append(&out, s + i, run);
			i += run;
		} else {
			if (c > 0x20 && c < 0x7f && c != '%')
				strbuf_putc(&out, (char)c);
			else
				strbuf_printf(&out, "%%%02X", c);
			i++;
		}
	}
	if (out.len == 0)
		strbuf_puts(&out, "-");
	return strbuf_steal(&out);
}

static void describe_client(const struct sockaddr *sa, char *out, size_t cap)
{
	const void *addr = NULL;
	if (sa != NULL && sa->sa_family == AF_INET)
		addr = &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
	else if (sa != NULL && sa->sa_family == AF_INET6)
		addr = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
	if (addr == NULL || inet_ntop(sa->sa_family, addr, out, (socklen_t)cap) == NULL)
		snprintf(out, cap, "-");
}

static struct request *request_new(struct MHD_Connection *c, const char *url, const char *method)
{
	struct request *rq = xcalloc(1, sizeof(*rq));
	clock_gettime(CLOCK_MONOTONIC, &rq->start);
	rq->head = strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
	strbuf_init(&rq->body);
	rq->method = loggable(method, 16);
	rq->path = loggable(url, 120);
	size_t pp = strlen(PAGE_PREFIX);
	if (strncmp(url, PAGE_PREFIX, pp) == 0 && strlen(url + pp) >= TOKEN_LEN &&
	    is_token(url + pp) && (url[pp + TOKEN_LEN] == '\0' || url[pp + TOKEN_LEN] == '/'))
		memcpy(rq->page, url + pp, TOKEN_LEN);
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci != NULL ? ci->client_addr : NULL;
	describe_client(sa, rq->client, sizeof(rq->client));
	return rq;
}

static void count(struct http_server *s, const struct request *rq, bool complete)
{
	for (size_t i = 0; i < N_CODES; i++)
		if (counted_codes[i] == rq->status)
			atomic_fetch_add(&s->requests[i], 1);
	if (rq->status == MHD_HTTP_NOT_MODIFIED)
		atomic_fetch_add(&s->not_modified, 1);
	if (rq->feed && complete)
		atomic_fetch_add(&s->feed_bytes, (unsigned long long)rq->bytes);
}

/* MHD_OPTION_NOTIFY_COMPLETED: counts the request and writes its access line. */
static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct request *rq = *con_cls;
	if (rq == NULL)
		return;
	*con_cls = NULL;
	bool complete = toe == MHD_REQUEST_TERMINATED_COMPLETED_OK;
	struct http_server *s = cls;
	if (rq->guarded)
		guard_idle(s->guard, rq->guarded, mono_now());
	count(cls, rq, complete);
	struct timespec end;
	clock_gettime(CLOCK_MONOTONIC, &end);
	long us = (long)(end.tv_sec - rq->start.tv_sec) * 1000000L +
		  (end.tv_nsec - rq->start.tv_nsec) / 1000;
	log_info("http request method=%s path=%s status=%u bytes=%zu ms=%ld.%03ld client=%s%s",
		 rq->method, rq->path, rq->status, complete ? rq->bytes : 0, us / 1000, us % 1000,
		 rq->client, complete ? "" : " aborted=yes");
	strbuf_finish(&rq->body);
	free(rq->form);
	free(rq->method);
	free(rq->path);
	free(rq);
}

/* ---- responses ---- */

/* Adds {name, value} pairs up to a NULL name to resp; on failure destroys it and returns NULL. */
static struct MHD_Response *with_headers(struct MHD_Response *resp, const char *(*kv)[2])
{
	for (; resp != NULL && kv[0][0] != NULL; kv++)
		if (MHD_add_response_header(resp, kv[0][0], kv[0][1]) != MHD_YES) {
			MHD_destroy_response(resp);
			return NULL;
		}
	return resp;
}

/* Queues resp (which may be NULL: out of memory closes the connection) and drops our handle. */
static enum MHD_Result queue(struct MHD_Connection *c, struct request *rq, unsigned status,
			     struct MHD_Response *resp, size_t body_len)
{
	if (resp == NULL)
		return MHD_NO;
	rq->status = status;
	rq->bytes = rq->head ? 0 : body_len;
	enum MHD_Result ret = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* A static text body; allow, when not NULL, is sent as the Allow field. */
static enum MHD_Result answer_text(struct MHD_Connection *c, struct request *rq, unsigned status,
				   const char *body, const char *allow)
{
	size_t len = strlen(body);
	const char *kv[][2] = {
		{MHD_HTTP_HEADER_CONTENT_TYPE, TEXT_TYPE},
		{MHD_HTTP_HEADER_CACHE_CONTROL, "no-store"},
		{allow != NULL ? MHD_HTTP_HEADER_ALLOW : NULL, allow},
		{NULL, NULL},
	};
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_PERSISTENT);
	return queue(c, rq, status, with_headers(resp, kv), len);
}

/* A refusal: under /o/TOKEN an HTML page for the person at the browser, elsewhere plain
 * text (refusal.h); a 503 says when to come back (Retry-After), allow (or NULL) is sent as
 * the Allow field. */
static enum MHD_Result refuse(struct MHD_Connection *c, struct request *rq, unsigned status,
			      enum refusal_reason why, const char *detail, const char *allow)
{
	size_t len;
	bool html;
	char *body = refusal_body(why, status, detail, rq->page[0] ? rq->page : NULL, &len, &html);
	const char *kv[7][2] = {
		{MHD_HTTP_HEADER_CONTENT_TYPE, html ? page_kind.type : TEXT_TYPE},
		{MHD_HTTP_HEADER_CACHE_CONTROL, "no-store"},
		{"X-Content-Type-Options", "nosniff"},
	};
	size_t n = 3; /* then the optional fields, with no gap before the NULL that ends them */
	if (html)
		kv[n][0] = "Content-Security-Policy", kv[n++][1] = page_kind.csp;
	if (allow != NULL)
		kv[n][0] = MHD_HTTP_HEADER_ALLOW, kv[n++][1] = allow;
	if (status == MHD_HTTP_SERVICE_UNAVAILABLE)
		kv[n][0] = MHD_HTTP_HEADER_RETRY_AFTER, kv[n++][1] = "5";
	kv[n][0] = NULL;
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (resp == NULL)
		free(body);
	return queue(c, rq, status, with_headers(resp, kv), len);
}

/* 503 with Retry-After while the daemon starts: a calendar client that polls then must not
 * read a 404 (some drop a subscription that answers one) for a URL that is about to work. */
static enum MHD_Result answer_starting(struct MHD_Connection *c, struct request *rq)
{
	return refuse(c, rq, MHD_HTTP_SERVICE_UNAVAILABLE, REFUSAL_STARTING, NULL, NULL);
}

/* The fields of a 200 or 304 for a part; a 304 carries the 200's validators and caching
 * fields, no Content-Type. */
static struct MHD_Response *part_headers(struct MHD_Response *resp, const char *etag,
					 time_t modified, const struct kind *k, bool fresh)
{
	char date[64];
	format_http_date(modified, date, sizeof(date));
	const char *kv[][2] = {
		{MHD_HTTP_HEADER_ETAG, etag},
		{MHD_HTTP_HEADER_LAST_MODIFIED, date},
		{MHD_HTTP_HEADER_CACHE_CONTROL, k->cache},
		{"X-Content-Type-Options", "nosniff"},
		{fresh ? NULL : MHD_HTTP_HEADER_CONTENT_TYPE, k->type},
		{k->csp != NULL ? "Content-Security-Policy" : NULL, k->csp},
		{NULL, NULL},
	};
	return with_headers(resp, kv);
}

/* 304 from the version alone: nothing is rendered. A 304 has an empty response: with the
 * 200's body libmicrohttpd would announce its Content-Length, which RFC 9110 allows but
 * clients built on http-parser (wrk, older libraries) then wait for, and stall. */
static enum MHD_Result answer_fresh(struct MHD_Connection *c, struct request *rq,
				    const char *etag, time_t modified, const struct kind *k)
{
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	return queue(c, rq, MHD_HTTP_NOT_MODIFIED, part_headers(resp, etag, modified, k, true), 0);
}

/* A rendered part; takes the caller's reference to b, which the response keeps until
 * libmicrohttpd destroys it. */
static enum MHD_Result answer_blob(struct MHD_Connection *c, struct request *rq,
				   struct blob *b, const struct kind *k)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer_with_free_callback_cls(
		b->len, b->data, blob_release, b);
	if (resp == NULL)
		blob_release(b);
	rq->feed = k->feed;
	return queue(c, rq, MHD_HTTP_OK, part_headers(resp, b->etag, b->modified, k, false),
		     b->len);
}

/* Renders part of slot through the renderer and keeps it; NULL with *status (404, 503)
 * when there is nothing to serve. */
static struct blob *render_part(struct http_server *s, struct http_site *site, size_t slot,
				enum http_part part, unsigned *status)
{
	struct strbuf out;
	struct http_version v;
	strbuf_init(&out);
	*status = s->render != NULL ? s->render(s->form_user, site, slot, part, &out, &v) : 404;
	struct blob *b = NULL;
	if (*status == 0) {
		atomic_fetch_add(&s->renders[part], 1);
		b = blob_new(&out, slot, part, &v);
		cache_put(&s->cache, slot * HTTP_PARTS + part, &v, b);
	}
	strbuf_finish(&out);
	return b;
}

/* A part of the snapshot: 304 from its version, else its kept rendering, else rendered. */
static enum MHD_Result answer_part(struct http_server *s, struct MHD_Connection *c,
				   struct request *rq, struct http_site *site,
				   const struct entry *e, enum http_part part)
{
	const struct kind *k = part == HTTP_FEED ? &feed_kind : &page_kind;
	struct http_version v;
	http_site_version(site, e->slot, part, &v);
	char etag[40];
	make_etag(etag, e->slot, part, &v);
	if (not_modified(c, etag, v.modified))
		return answer_fresh(c, rq, etag, v.modified, k);
	size_t slot = e->slot;
	struct blob *b = cache_get(&s->cache, slot * HTTP_PARTS + part, &v);
	unsigned status = 0;
	if (b == NULL)
		b = render_part(s, site, slot, part, &status);
	if (b != NULL)
		return answer_blob(c, rq, b, k);
	if (status == MHD_HTTP_NOT_FOUND)
		return answer_text(c, rq, MHD_HTTP_NOT_FOUND, "No encontrado\n", NULL);
	return answer_starting(c, rq);
}

static void metric_head(struct strbuf *out, const char *name, const char *type, const char *help)
{
	strbuf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* The snapshot's gauges, copied under its lock. */
struct gauges {
	long pending, sent, failed;
	bool held;
	long waiting;
	size_t rows_unreadable;
	size_t diagnostics[3];
};

static bool site_gauges(struct http_site *site, struct gauges *g)
{
	if (site == NULL)
		return false;
	pthread_mutex_lock(&site->lock);
	*g = (struct gauges){site->pending, site->sent, site->failed, site->held, site->waiting,
			     site->rows_unreadable,
			     {site->diagnostics[0], site->diagnostics[1], site->diagnostics[2]}};
	pthread_mutex_unlock(&site->lock);
	return true;
}

/* What rendering on demand did: renders by part, the cache's size and evictions. */
static void write_cache_metrics(struct http_server *s, struct strbuf *out)
{
	unsigned long long bytes, evictions;
	cache_stats(&s->cache, &bytes, &evictions);
	metric_head(out, "plazo_feed_renders_total", "counter",
		    "Feeds rendered (on the first request after a change, or after an eviction).");
	strbuf_printf(out, "plazo_feed_renders_total %llu\n", atomic_load(&s->renders[HTTP_FEED]));
	metric_head(out, "plazo_page_renders_total", "counter",
		    "Office pages rendered (the same; the read-only pages under feed tokens too).");
	strbuf_printf(out, "plazo_page_renders_total %llu\n",
		      atomic_load(&s->renders[HTTP_PAGE]) + atomic_load(&s->renders[HTTP_MOVED]));
	metric_head(out, "plazo_cache_bytes", "gauge",
		    "Bytes of rendered feeds and pages kept ([http] cache is the budget).");
	strbuf_printf(out, "plazo_cache_bytes %llu\n", bytes);
	metric_head(out, "plazo_cache_evictions_total", "counter",
		    "Renderings dropped to stay within the cache budget, least recently served first.");
	strbuf_printf(out, "plazo_cache_evictions_total %llu\n", evictions);
}

/* What the load being served said about the plan and the configuration. */
static void write_plan_metrics(const struct gauges *site, struct strbuf *out)
{
	static const char *const names[] = {"note", "warning", "error"};
	metric_head(out, "plazo_plan_rows_unreadable", "gauge",
		    "Rows of the plan that could not be read; the rest is served ('plazo status' "
		    "names them, 'plazo check' lists them).");
	strbuf_printf(out, "plazo_plan_rows_unreadable %zu\n", site ? site->rows_unreadable : 0);
	metric_head(out, "plazo_plan_diagnostics", "gauge",
		    "Diagnostics of the configuration and plan being served, by severity.");
	for (size_t i = 0; i < 3; i++)
		strbuf_printf(out, "plazo_plan_diagnostics{severity=\"%s\"} %zu\n", names[i],
			      site ? site->diagnostics[i] : 0);
}

static void write_metrics(struct http_server *s, const struct gauges *site, struct strbuf *out)
{
	metric_head(out, "plazo_http_requests_total", "counter",
		    "HTTP requests answered by plazo, by status code.");
	for (size_t i = 0; i < N_CODES; i++)
		strbuf_printf(out, "plazo_http_requests_total{code=\"%u\"} %llu\n",
			      counted_codes[i], atomic_load(&s->requests[i]));
	metric_head(out, "plazo_http_not_modified_total", "counter",
		    "Conditional requests answered 304 Not Modified.");
	strbuf_printf(out, "plazo_http_not_modified_total %llu\n", atomic_load(&s->not_modified));
	metric_head(out, "plazo_passes_total", "counter", "Send passes the daemon ran.");
	strbuf_printf(out, "plazo_passes_total %llu\n", atomic_load(&s->passes));
	metric_head(out, "plazo_feed_bytes_total", "counter", "Bytes of feed bodies sent.");
	strbuf_printf(out, "plazo_feed_bytes_total %llu\n", atomic_load(&s->feed_bytes));
	metric_head(out, "plazo_reminders", "gauge", "Reminders in the ledger, by state.");
	strbuf_printf(out, "plazo_reminders{state=\"pending\"} %ld\n", site ? site->pending : 0);
	strbuf_printf(out, "plazo_reminders{state=\"sent\"} %ld\n", site ? site->sent : 0);
	strbuf_printf(out, "plazo_reminders{state=\"failed\"} %ld\n", site ? site->failed : 0);
	metric_head(out, "plazo_queue_held", "gauge",
		    "1 while the reminder queue is held (login, certificate, password file): "
		    "fix the cause, then plazo retry.");
	strbuf_printf(out, "plazo_queue_held %d\n", site && site->held ? 1 : 0);
	metric_head(out, "plazo_queue_held_reminders", "gauge",
		    "Pending reminders waiting on a held queue.");
	strbuf_printf(out, "plazo_queue_held_reminders %ld\n", site ? site->waiting : 0);
	write_plan_metrics(site, out);
	write_cache_metrics(s, out);
	struct guard_stats g;
	guard_stats(s->guard, &g);
	metric_head(out, "plazo_http_connections", "gauge",
		    "Open connections of the feeds' listener, by state.");
	strbuf_printf(out, "plazo_http_connections{state=\"waiting\"} %zu\n", g.waiting);
	strbuf_printf(out, "plazo_http_connections{state=\"busy\"} %zu\n", g.open - g.waiting);
	metric_head(out, "plazo_http_connections_refused_total", "counter",
		    "Connections refused: a client over per_client_limit, or every slot busy.");
	strbuf_printf(out, "plazo_http_connections_refused_total{reason=\"client_limit\"} %llu\n",
		      g.refused_client);
	strbuf_printf(out, "plazo_http_connections_refused_total{reason=\"full\"} %llu\n",
		      g.refused_full);
	metric_head(out, "plazo_http_connections_dropped_total", "counter",
		    "Waiting connections closed: headers late, or dropped for a new connection.");
	strbuf_printf(out, "plazo_http_connections_dropped_total{reason=\"header_timeout\"} %llu\n",
		      g.timed_out);
	strbuf_printf(out, "plazo_http_connections_dropped_total{reason=\"evicted\"} %llu\n",
		      g.evicted);
}

static enum MHD_Result answer_metrics(struct http_server *s, struct MHD_Connection *c,
				      struct request *rq)
{
	struct strbuf out;
	strbuf_init(&out);
	struct http_site *site = site_acquire(s);
	struct gauges g;
	write_metrics(s, site_gauges(site, &g) ? &g : NULL, &out);
	site_release(site);
	size_t len = out.len;
	char *data = strbuf_steal(&out);
	struct MHD_Response *resp =
		MHD_create_response_from_buffer_with_free_callback(len, data, free);
	if (resp == NULL)
		free(data);
	const char *kv[][2] = {
		{MHD_HTTP_HEADER_CONTENT_TYPE, METRICS_TYPE},
		{MHD_HTTP_HEADER_CACHE_CONTROL, "no-store"},
		{NULL, NULL},
	};
	return queue(c, rq, MHD_HTTP_OK, with_headers(resp, kv), len);
}

/* The token of /feeds/TOKEN.ics (*feed true) or /o/TOKEN (*feed false); NULL for other paths. */
static const char *path_token(const char *url, bool *feed)
{
	size_t n = strlen(url), fp = strlen(FEED_PREFIX), fs = strlen(FEED_SUFFIX);
	const char *t = NULL;
	if (n == fp + TOKEN_LEN + fs && strncmp(url, FEED_PREFIX, fp) == 0 &&
	    strcmp(url + n - fs, FEED_SUFFIX) == 0) {
		t = url + fp;
		*feed = true;
	} else if (n == strlen(PAGE_PREFIX) + TOKEN_LEN &&
		   strncmp(url, PAGE_PREFIX, strlen(PAGE_PREFIX)) == 0) {
		t = url + strlen(PAGE_PREFIX);
		*feed = false;
	}
	return t != NULL && is_token(t) ? t : NULL;
}

static enum MHD_Result route(struct http_server *s, struct MHD_Connection *c, struct request *rq,
			     const char *url)
{
	static const char not_found[] = "No encontrado\n";
	if (strcmp(url, "/healthz") == 0)
		return answer_text(c, rq, MHD_HTTP_OK, "ok\n", NULL);
	bool feed = false;
	const char *token = path_token(url, &feed);
	if (token == NULL)
		return answer_text(c, rq, MHD_HTTP_NOT_FOUND, not_found, NULL);
	struct http_site *site = site_acquire(s);
	if (site == NULL) /* listening, the first snapshot not yet published: come back */
		return answer_starting(c, rq);
	const struct entry *e = lookup(site, token);
	enum http_part part = feed ? HTTP_FEED
			      : e != NULL && (e->parts & HTTP_BIT(HTTP_MOVED)) ? HTTP_MOVED
									  : HTTP_PAGE;
	enum MHD_Result ret;
	if (e == NULL || !(e->parts & HTTP_BIT(part)))
		ret = refuse(c, rq, MHD_HTTP_NOT_FOUND, REFUSAL_UNKNOWN, NULL, NULL);
	else
		ret = answer_part(s, c, rq, site, e, part);
	site_release(site);
	return ret;
}


/* ---- forms ---- */

#define FORM_DONE "/entregar"
#define FORM_UNDO "/deshacer"

/* "/o/TOKEN/entregar" -> token and action ("entregar"), else NULL. */
static const char *form_token(const char *url, const char **action)
{
	size_t pp = strlen(PAGE_PREFIX), n = strlen(url);
	if (n <= pp + TOKEN_LEN || strncmp(url, PAGE_PREFIX, pp) != 0 ||
	    !is_token(url + pp))
		return NULL;
	const char *rest = url + pp + TOKEN_LEN;
	if (strcmp(rest, FORM_DONE) != 0 && strcmp(rest, FORM_UNDO) != 0)
		return NULL;
	*action = rest + 1;
	return url + pp;
}

/* The fields of a form body and their limits (the page's maxlength, in characters). */
static bool parse_form(struct request *rq)
{
	struct http_form *f = rq->form;
	const struct urlform_field fields[] = {
		{"csrf", f->csrf, sizeof(f->csrf), sizeof(f->csrf) - 1, "csrf"},
		{"item", f->item, sizeof(f->item), sizeof(f->item) - 1, "item"},
		{"due", f->due, sizeof(f->due), sizeof(f->due) - 1, "due"},
		{"nombre", f->name, sizeof(f->name), HTTP_FORM_NAME_CHARS, "Su nombre"},
		{"evidencia", f->evidence, sizeof(f->evidence), HTTP_FORM_EVIDENCE_CHARS,
		 "Enlace a la evidencia"},
	};
	return urlform_parse(rq->body.data, rq->body.len, fields,
			     sizeof(fields) / sizeof(fields[0]), rq->why, sizeof(rq->why));
}

/* A POST from another site is refused: Origin, when sent, must be base_url's or a listed
 * one, and Sec-Fetch-Site, when sent, same-origin (or none: typed by the user). */
static bool same_site(struct http_server *s, struct MHD_Connection *c)
{
	const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
	const char *site = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Sec-Fetch-Site");
	if (origin != NULL && !origin_listed(origin, s->origins))
		return false;
	return site == NULL || strcmp(site, "same-origin") == 0 || strcmp(site, "none") == 0;
}

/* Whether the body is what the page's forms send: application/x-www-form-urlencoded,
 * with at most a charset parameter of UTF-8. */
static bool form_media_type(struct MHD_Connection *c)
{
	static const char want[] = "application/x-www-form-urlencoded";
	const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						    MHD_HTTP_HEADER_CONTENT_TYPE);
	if (v == NULL || strncasecmp(v, want, strlen(want)) != 0)
		return false;
	const char *rest = v + strlen(want);
	rest += strspn(rest, " \t");
	if (*rest == '\0')
		return true;
	if (*rest != ';')
		return false;
	rest += 1 + strspn(rest + 1, " \t");
	return strncasecmp(rest, "charset=", 8) == 0 &&
	       (strcasecmp(rest + 8, "utf-8") == 0 || strcasecmp(rest + 8, "\"utf-8\"") == 0);
}

enum form_access { FORM_UNKNOWN, FORM_READ_ONLY, FORM_OPEN };

/* What the current snapshot allows under the token of url: nothing (an unknown token), no
 * changes (a feed token, whose page only says where the office's page went) or forms. */
static enum form_access form_access(struct http_server *s, const char *url)
{
	const char *action = NULL;
	const char *token = form_token(url, &action);
	struct http_site *site = site_acquire(s);
	const struct entry *e = site != NULL && token != NULL ? lookup(site, token) : NULL;
	enum form_access a = e == NULL || !(e->parts & (HTTP_BIT(HTTP_PAGE) | HTTP_BIT(HTTP_MOVED)))
				     ? FORM_UNKNOWN
			     : e->parts & HTTP_BIT(HTTP_PAGE) ? FORM_OPEN
							      : FORM_READ_ONLY;
	site_release(site);
	return a;
}

/* The Content-Length a request announces; false when it has none (or a chunked body). */
static bool content_length(struct MHD_Connection *c, unsigned long long *n)
{
	const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						    MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (v == NULL)
		return false;
	char *end;
	errno = 0;
	*n = strtoull(v, &end, 10);
	return errno == 0 && end != v;
}

/* First call of a form POST, before any of its body is read: where it comes from, what it
 * is for, what it holds and how large it says it is. */
static enum MHD_Result form_begin(struct http_server *s, struct MHD_Connection *c,
				  struct request *rq, const char *url)
{
	unsigned long long len;
	if (!same_site(s, c))
		return refuse(c, rq, MHD_HTTP_FORBIDDEN, REFUSAL_OTHER_SITE, NULL, NULL);
	switch (form_access(s, url)) {
	case FORM_UNKNOWN:
		return refuse(c, rq, MHD_HTTP_NOT_FOUND, REFUSAL_UNKNOWN, NULL, NULL);
	case FORM_READ_ONLY:
		return refuse(c, rq, MHD_HTTP_FORBIDDEN, REFUSAL_MOVED, NULL, NULL);
	case FORM_OPEN:
		break;
	}
	if (!form_media_type(c))
		return refuse(c, rq, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, REFUSAL_MEDIA_TYPE, NULL,
			      NULL);
	if (content_length(c, &len) && len > FORM_BODY_MAX)
		return refuse(c, rq, MHD_HTTP_CONTENT_TOO_LARGE, REFUSAL_TOO_LARGE, NULL, NULL);
	rq->form = xcalloc(1, sizeof(*rq->form));
	return MHD_YES;
}

static void queue_reply(struct MHD_Connection *c, struct request *rq,
			const struct http_form_reply *reply, enum MHD_Result *ret)
{
	if (reply->status == MHD_HTTP_SEE_OTHER) {
		const char *kv[][2] = {
			{MHD_HTTP_HEADER_LOCATION, reply->location},
			{MHD_HTTP_HEADER_CACHE_CONTROL, "no-store"},
			{NULL, NULL},
		};
		struct MHD_Response *resp =
			MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
		*ret = queue(c, rq, MHD_HTTP_SEE_OTHER, with_headers(resp, kv), 0);
		return;
	}
	*ret = refuse(c, rq, reply->status, REFUSAL_FORM, reply->message, NULL);
}

/* Last call: the body is read. The token is looked up again (a new snapshot may have come
 * meanwhile), the body parsed, and the form handed to the handler. */
static enum MHD_Result form_end(struct http_server *s, struct MHD_Connection *c,
				struct request *rq, const char *url)
{
	enum form_access a = form_access(s, url);
	if (a != FORM_OPEN)
		return a == FORM_UNKNOWN
			       ? refuse(c, rq, MHD_HTTP_NOT_FOUND, REFUSAL_UNKNOWN, NULL, NULL)
			       : refuse(c, rq, MHD_HTTP_FORBIDDEN, REFUSAL_MOVED, NULL, NULL);
	if (rq->form_refused)
		return refuse(c, rq, MHD_HTTP_CONTENT_TOO_LARGE, REFUSAL_TOO_LARGE, NULL, NULL);
	struct http_form_reply reply = {MHD_HTTP_BAD_REQUEST, "", "Formulario no válido."};
	if (!parse_form(rq)) {
		snprintf(reply.message, sizeof(reply.message), "%s", rq->why);
	} else {
		const char *action = NULL;
		const char *token = form_token(url, &action);
		char tok[TOKEN_LEN + 1];
		memcpy(tok, token, TOKEN_LEN);
		tok[TOKEN_LEN] = '\0';
		s->on_form(s->form_user, tok, action, rq->form, &reply);
	}
	enum MHD_Result ret = MHD_NO;
	queue_reply(c, rq, &reply, &ret);
	return ret;
}

/* The calls of a form POST after its first: the body, bounded, then the end. */
static enum MHD_Result form_request(struct http_server *s, struct MHD_Connection *c,
				    struct request *rq, const char *url, const char *upload_data,
				    size_t *upload_data_size)
{
	if (*upload_data_size != 0) {
		if (rq->body.len + *upload_data_size > FORM_BODY_MAX)
			rq->form_refused = true;
		else
			strbuf_append(&rq->body, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	return form_end(s, c, rq, url);
}

/* ---- request framing ---- */

struct framing {
	int content_lengths;
	const char *bad; /* why the request is refused, or NULL */
};

/* Whether every element of a TE list is a transfer coding we know ("trailers" included). */
static bool known_codings(const char *v)
{
	static const char *const known[] = {"trailers", "chunked", "gzip",   "x-gzip",
					    "deflate",	"compress", "identity"};
	for (const char *p = v;;) {
		p += strspn(p, " \t,");
		if (*p == '\0')
			return true;
		size_t n = strcspn(p, " \t,;");
		bool ok = false;
		for (size_t i = 0; i < sizeof(known) / sizeof(known[0]) && !ok; i++)
			ok = strlen(known[i]) == n && strncasecmp(p, known[i], n) == 0;
		if (!ok)
			return false;
		p += strcspn(p, ",");
	}
}

static enum MHD_Result scan_framing(void *cls, enum MHD_ValueKind kind, const char *key,
				    const char *value)
{
	struct framing *f = cls;
	(void)kind;
	if (key == NULL || f->bad != NULL)
		return MHD_YES;
	if (strpbrk(key, " \t") != NULL || *key == '\0')
		f->bad = "Solicitud mal formada: espacio antes de los dos puntos de un "
			 "encabezado.\n";
	else if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0 &&
		 ++f->content_lengths > 1)
		f->bad = "Solicitud mal formada: Content-Length repetido.\n";
	else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0 &&
		 (value == NULL || strcasecmp(value, "chunked") != 0))
		f->bad = "Solicitud mal formada: Transfer-Encoding distinto de chunked.\n";
	else if (strcasecmp(key, MHD_HTTP_HEADER_TE) == 0 &&
		 (value == NULL || !known_codings(value)))
		f->bad = "Solicitud mal formada: TE con una codificación desconocida.\n";
	return MHD_YES;
}

/* What libmicrohttpd 0.9.75 lets through and a proxy in front might read otherwise (request
 * smuggling): a space before a header's colon, Content-Length twice, a Transfer-Encoding
 * other than chunked (it then waits for a body it cannot delimit and answers nothing), or
 * both Transfer-Encoding and Content-Length. The message for a 400, or NULL. */
static const char *bad_framing(struct MHD_Connection *c)
{
	struct framing f = {0, NULL};
	MHD_get_connection_values(c, MHD_HEADER_KIND, scan_framing, &f);
	if (f.bad == NULL && f.content_lengths > 0 &&
	    MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING))
		f.bad = "Solicitud mal formada: Transfer-Encoding y Content-Length a la vez.\n";
	return f.bad;
}

/* Marks the request's connection busy, charged to the client a trusted proxy forwards (the
 * access line then names it); false when that client holds too many connections. */
static bool charge(struct http_server *s, struct MHD_Connection *c, struct request *rq)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	rq->guarded = ci != NULL ? ci->socket_context : NULL;
	const char *xff = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Forwarded-For");
	return guard_busy(s->guard, rq->guarded, xff);
}

/* The metrics listener's handler: /metrics (GET or HEAD), nothing else. */
static enum MHD_Result on_metrics_request(void *cls, struct MHD_Connection *c, const char *url,
					  const char *method, const char *version,
					  const char *upload_data, size_t *upload_data_size,
					  void **con_cls)
{
	struct request *rq = *con_cls;
	(void)version;
	(void)upload_data;
	if (rq == NULL) {
		*con_cls = rq = request_new(c, url, method);
		if (strcmp(method, MHD_HTTP_METHOD_GET) == 0 || rq->head)
			return MHD_YES;
		return answer_text(c, rq, MHD_HTTP_METHOD_NOT_ALLOWED, "Método no permitido\n",
				   "GET, HEAD");
	}
	if (*upload_data_size != 0 || rq->status != 0) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (strcmp(url, "/metrics") != 0)
		return answer_text(c, rq, MHD_HTTP_NOT_FOUND, "No encontrado\n", NULL);
	return answer_metrics(cls, c, rq);
}

/* MHD access handler. The first call sees the headers: a malformed request is answered 400
 * and a method other than GET or HEAD 405 at once (the body is never read and the connection
 * closes); a form POST is checked (site, token, media type, size) before its body is read.
 * GET and HEAD are answered on the last call, once any body is read and dropped, so the
 * connection can stay open: answering from the first call makes libmicrohttpd close it. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct http_server *s = cls;
	struct request *rq = *con_cls;
	const char *action;
	bool form = form_token(url, &action) != NULL;
	bool post = strcmp(method, MHD_HTTP_METHOD_POST) == 0;
	(void)version;
	if (rq == NULL) {
		*con_cls = rq = request_new(c, url, method);
		if (!charge(s, c, rq))
			return refuse(c, rq, MHD_HTTP_TOO_MANY_REQUESTS, REFUSAL_BUSY, NULL, NULL);
		const char *bad = bad_framing(c);
		if (bad != NULL)
			return answer_text(c, rq, MHD_HTTP_BAD_REQUEST, bad, NULL);
		if (form && post && s->on_form != NULL)
			return form_begin(s, c, rq, url);
		if (!form && (strcmp(method, MHD_HTTP_METHOD_GET) == 0 || rq->head))
			return MHD_YES;
		return refuse(c, rq, MHD_HTTP_METHOD_NOT_ALLOWED, REFUSAL_METHOD, NULL,
			      form ? "POST" : "GET, HEAD");
	}
	if (rq->status != 0) { /* already answered: drain */
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (rq->form != NULL)
		return form_request(s, c, rq, url, upload_data, upload_data_size);
	if (*upload_data_size != 0) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	return route(cls, c, rq, url);
}

/* ---- server ---- */

__attribute__((format(printf, 2, 0))) static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	size_t n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = '\0';
	log_info("libmicrohttpd: %s", msg);
}

union address {
	struct sockaddr sa;
	struct sockaddr_in v4;
	struct sockaddr_in6 v6;
};

/* Fills addr from a numeric address; adds the IPv6 flags ("::" listens dual-stack). */
static bool parse_address(const struct http_options *opt, union address *addr, unsigned *flags)
{
	memset(addr, 0, sizeof(*addr));
	if (inet_pton(AF_INET, opt->address, &addr->v4.sin_addr) == 1) {
		addr->v4.sin_family = AF_INET;
		addr->v4.sin_port = htons(opt->port);
		return true;
	}
	if (inet_pton(AF_INET6, opt->address, &addr->v6.sin6_addr) != 1)
		return false;
	addr->v6.sin6_family = AF_INET6;
	addr->v6.sin6_port = htons(opt->port);
	*flags |= IN6_IS_ADDR_UNSPECIFIED(&addr->v6.sin6_addr) ? MHD_USE_DUAL_STACK : MHD_USE_IPv6;
	return true;
}

/* MHD's accept policy: the guard decides (it may drop a waiting connection first). */
static enum MHD_Result on_accept(void *cls, const struct sockaddr *addr, socklen_t len)
{
	struct http_server *s = cls;
	(void)len;
	return guard_admit(s->guard, addr, mono_now()) ? MHD_YES : MHD_NO;
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
			  enum MHD_ConnectionNotificationCode toe)
{
	struct http_server *s = cls;
	if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
		guard_close(s->guard, *socket_context);
		*socket_context = NULL;
		return;
	}
	const union MHD_ConnectionInfo *fd = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (fd != NULL)
		*socket_context = guard_open(s->guard, fd->connect_fd,
					     ci != NULL ? ci->client_addr : NULL, mono_now());
}

/* The sweeper thread: every quarter second, drops connections whose headers are late. */
static void *sweep(void *cls)
{
	struct http_server *s = cls;
	pthread_mutex_lock(&s->lock);
	while (!s->stopping) {
		struct timespec until;
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_nsec += 250 * 1000 * 1000;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&s->stop_cond, &s->lock, &until);
		pthread_mutex_unlock(&s->lock);
		guard_sweep(s->guard, mono_now());
		pthread_mutex_lock(&s->lock);
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

/* libmicrohttpd's own cap is above the guard's: connections the guard dropped count there
 * until their thread closes them. */
static unsigned mhd_limit(const struct http_options *opt)
{
	return opt->connection_limit + opt->connection_limit / 2 + 16;
}

static struct MHD_Daemon *start_daemon(struct http_server *s, const struct http_options *opt,
				       unsigned flags, const union address *addr)
{
	return MHD_start_daemon(
		flags, opt->port, on_accept, s, on_request, s, MHD_OPTION_EXTERNAL_LOGGER, mhd_log,
		NULL, MHD_OPTION_SOCK_ADDR, &addr->sa, MHD_OPTION_CONNECTION_LIMIT, mhd_limit(opt),
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)opt->timeout,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, MEMORY_LIMIT, MHD_OPTION_THREAD_POOL_SIZE,
		(unsigned int)(opt->threads > 1 ? opt->threads : 1), MHD_OPTION_NOTIFY_COMPLETED,
		on_completed, s, MHD_OPTION_NOTIFY_CONNECTION, on_connection, s, MHD_OPTION_END);
}

static struct MHD_Daemon *start_metrics(struct http_server *s, const struct http_options *opt,
					unsigned flags, const union address *addr)
{
	return MHD_start_daemon(flags, 0, NULL, NULL, on_metrics_request, s,
				MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, MHD_OPTION_SOCK_ADDR,
				&addr->sa, MHD_OPTION_CONNECTION_LIMIT, 16u,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)opt->timeout,
				MHD_OPTION_CONNECTION_MEMORY_LIMIT, MEMORY_LIMIT,
				MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_END);
}

static void describe_where(char *where, size_t cap, const char *address, unsigned port)
{
	if (strchr(address, ':') != NULL)
		snprintf(where, cap, "http://[%s]:%u", address, port);
	else
		snprintf(where, cap, "http://%s:%u", address, port);
}

static unsigned short bound_port(struct MHD_Daemon *d, unsigned short fallback)
{
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	return di != NULL ? di->port : fallback;
}

static void server_free(struct http_server *s)
{
	cache_finish(&s->cache);
	guard_free(s->guard);
	pthread_cond_destroy(&s->stop_cond);
	pthread_mutex_destroy(&s->lock);
	free(s->origins);
	free(s);
}

static struct http_server *server_new(const struct http_options *opt, struct pz_error *err)
{
	struct guard_options g = {
		.limit = opt->connection_limit,
		.per_client = opt->per_client_limit ? opt->per_client_limit : opt->connection_limit,
		.reserve = opt->reserve,
		.header_timeout_ms = (opt->header_timeout ? opt->header_timeout : opt->timeout) * 1000,
		.trusted_proxies = opt->trusted_proxies,
	};
	struct guard *guard;
	if (guard_new(&guard, &g, err) < 0)
		return NULL;
	struct http_server *s = xcalloc(1, sizeof(*s));
	s->guard = guard;
	pthread_mutex_init(&s->lock, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->stop_cond, &ca);
	pthread_condattr_destroy(&ca);
	s->origins = xasprintf("%s %s", opt->origin ? opt->origin : "",
			       opt->origins ? opt->origins : "");
	s->on_form = opt->on_form;
	s->form_user = opt->form_user;
	s->render = opt->render;
	cache_init(&s->cache, opt->cache);
	for (size_t i = 0; i < HTTP_PARTS; i++)
		atomic_init(&s->renders[i], 0);
	for (size_t i = 0; i < N_CODES; i++)
		atomic_init(&s->requests[i], 0);
	atomic_init(&s->feed_bytes, 0);
	atomic_init(&s->not_modified, 0);
	return s;
}

/* Binds the metrics listener when one is asked for. */
static int listen_metrics(struct http_server *s, const struct http_options *opt,
			  struct pz_error *err)
{
	char where[160];
	if (opt->metrics_address == NULL)
		return 0;
	describe_where(where, sizeof(where), opt->metrics_address, opt->metrics_port);
	union address addr;
	unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG | MHD_USE_ITC;
	struct http_options m = *opt;
	m.address = opt->metrics_address;
	m.port = opt->metrics_port;
	if (!parse_address(&m, &addr, &flags))
		return PZ_FAIL(err, PZ_ECONFIG, where,
			       "metrics address %s is not a numeric IPv4 or IPv6 address",
			       opt->metrics_address);
	errno = 0;
	s->metrics = start_metrics(s, &m, flags, &addr);
	if (s->metrics == NULL)
		return PZ_FAIL(err, PZ_EIO, where, "listen on %s (metrics): %s", where,
			       errno != 0 ? strerror(errno) : "libmicrohttpd cannot start");
	s->metrics_port = bound_port(s->metrics, opt->metrics_port);
	return 0;
}

int http_start(struct http_server **out, const struct http_options *opt, struct pz_error *err)
{
	char where[160];
	describe_where(where, sizeof(where), opt->address, opt->port);
	union address addr;
	unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG | MHD_USE_ITC;
	if (!parse_address(opt, &addr, &flags))
		return PZ_FAIL(err, PZ_ECONFIG, where,
			       "listen address %s is not a numeric IPv4 or IPv6 address",
			       opt->address);
	struct http_server *s = server_new(opt, err);
	if (s == NULL)
		return -1;
	errno = 0;
	s->daemon = start_daemon(s, opt, flags, &addr);
	if (s->daemon == NULL) {
		int e = errno;
		server_free(s);
		return PZ_FAIL(err, PZ_EIO, where, "listen on %s: %s", where,
			       e != 0 ? strerror(e) : "libmicrohttpd cannot start");
	}
	s->port = bound_port(s->daemon, opt->port);
	if (listen_metrics(s, opt, err) < 0) {
		MHD_stop_daemon(s->daemon);
		server_free(s);
		return -1;
	}
	if (pthread_create(&s->sweeper, NULL, sweep, s) != 0) {
		log_error("pthread_create: %s", strerror(errno));
		exit(EXIT_FAILURE);
	}
	*out = s;
	return 0;
}

void http_publish(struct http_server *s, struct http_site *site)
{
	pthread_mutex_lock(&s->lock);
	struct http_site *old = s->site;
	s->site = site;
	pthread_mutex_unlock(&s->lock);
	site_release(old);
}

/* Stops accepting, gives requests in flight up to a second, then closes everything. */
void http_stop(struct http_server *s)
{
	if (s == NULL)
		return;
	MHD_socket listen_fd = MHD_quiesce_daemon(s->daemon);
	for (int i = 0; i < DRAIN_STEPS; i++) {
		const union MHD_DaemonInfo *di =
			MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
		if (di == NULL || di->num_connections == 0)
			break;
		nanosleep(&(struct timespec){0, 50 * 1000 * 1000}, NULL);
	}
	pthread_mutex_lock(&s->lock);
	s->stopping = true;
	pthread_cond_signal(&s->stop_cond);
	pthread_mutex_unlock(&s->lock);
	pthread_join(s->sweeper, NULL);
	MHD_stop_daemon(s->daemon);
	if (s->metrics != NULL)
		MHD_stop_daemon(s->metrics);
	if (listen_fd != MHD_INVALID_SOCKET)
		close(listen_fd);
	site_release(s->site);
	server_free(s);
}

unsigned short http_port(const struct http_server *s)
{
	return s->port;
}

unsigned short http_metrics_port(const struct http_server *s)
{
	return s->metrics != NULL ? s->metrics_port : 0;
}

void http_count_pass(struct http_server *s)
{
	atomic_fetch_add(&s->passes, 1);
}
