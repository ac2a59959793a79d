/* site.c - each office's tokens in the store, read at once, and each office's state. */
#include "site.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "hash.h"
#include "xalloc.h"

enum { TOKEN_BYTES = 16 };

/* Fills buf[0..n) from getrandom(2). */
static int fill_random(unsigned char *buf, size_t n, struct pz_error *err)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = getrandom(buf + got, n - got, 0);
		if (r < 0 && errno != EINTR)
			return PZ_FAIL(err, PZ_EIO, "getrandom", "getrandom: %s", strerror(errno));
		got += r > 0 ? (size_t)r : 0;
	}
	return 0;
}

/* raw[0..TOKEN_BYTES) as 32 lower-case hex characters. */
static void hex_token(const unsigned char *raw, char token[static 33])
{
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < TOKEN_BYTES; i++) {
		token[2 * i] = hex[raw[i] >> 4];
		token[2 * i + 1] = hex[raw[i] & 0xF];
	}
	token[2 * TOKEN_BYTES] = '\0';
}

static int new_token(char token[static 33], struct pz_error *err)
{
	unsigned char raw[TOKEN_BYTES];
	if (fill_random(raw, sizeof(raw), err) < 0)
		return -1;
	hex_token(raw, token);
	return 0;
}

/* Random bytes for a batch of tokens, drawn from getrandom(2) a block at a time (one call
 * per 64 tokens, not one per token); each token's bytes are wiped once handed out. */
struct token_source {
	unsigned char raw[64 * TOKEN_BYTES];
	size_t used; /* bytes handed out of raw; sizeof(raw) before the first draw */
};

static int draw_token(struct token_source *src, char token[static 33], struct pz_error *err)
{
	if (src->used + TOKEN_BYTES > sizeof(src->raw)) {
		if (fill_random(src->raw, sizeof(src->raw), err) < 0)
			return -1;
		src->used = 0;
	}
	hex_token(src->raw + src->used, token);
	explicit_bzero(src->raw + src->used, TOKEN_BYTES);
	src->used += TOKEN_BYTES;
	return 0;
}

int site_csrf(struct store *st, const char *office, char csrf[static 33], struct pz_error *err)
{
	char key[96];
	bool found;
	snprintf(key, sizeof(key), "csrf:%s", office);
	if (store_meta(st, key, csrf, 33, &found, err) < 0)
		return -1;
	if (found)
		return 0;
	return new_token(csrf, err) < 0 ? -1 : store_set_meta(st, key, csrf, err);
}

int site_token(struct store *st, const char *office, time_t now, char token[static 33],
	       struct pz_error *err)
{
	bool found;
	if (store_token(st, office, token, &found, err) < 0)
		return -1;
	return found ? 0 : site_rotate_token(st, office, now, token, err);
}

int site_rotate_token(struct store *st, const char *office, time_t now, char token[static 33],
		      struct pz_error *err)
{
	if (new_token(token, err) < 0)
		return -1;
	return store_set_token(st, office, token, now, err);
}

int site_page_token(struct store *st, const char *office, time_t now, char token[static 33],
		    struct pz_error *err)
{
	bool found;
	if (store_page_token(st, office, token, &found, err) < 0)
		return -1;
	return found ? 0 : site_rotate_page_token(st, office, now, token, err);
}

int site_rotate_page_token(struct store *st, const char *office, time_t now, char token[static 33],
			   struct pz_error *err)
{
	if (new_token(token, err) < 0)
		return -1;
	return store_set_page_token(st, office, token, now, err);
}

/* ---- every office's tokens, read at once ---- */

struct token_read {
	const struct config *cfg;
	struct hash_index ids; /* hash of an office id -> its index */
	struct site_tokens *out;
	size_t field; /* offsetof the token read in struct site_tokens */
};

static void ids_build(struct hash_index *ids, const struct config *cfg)
{
	hash_index_init(ids);
	for (size_t o = 0; o < cfg->n_offices; o++)
		hash_index_put(ids, hash_str(HASH_FNV_BASIS, cfg->offices[o].id), o);
}

/* The index of office id (cfg->n_offices for SITE_ALL), HASH_NONE when unknown. */
static size_t id_office(const struct hash_index *ids, const struct config *cfg, const char *id)
{
	if (strcmp(id, SITE_ALL) == 0)
		return cfg->n_offices;
	struct hash_probe pr;
	for (size_t o = hash_index_first(ids, hash_str(HASH_FNV_BASIS, id), &pr); o != HASH_NONE;
	     o = hash_index_next(ids, &pr))
		if (strcmp(cfg->offices[o].id, id) == 0)
			return o;
	return HASH_NONE;
}

static size_t office_of(const struct token_read *r, const char *id)
{
	return id_office(&r->ids, r->cfg, id);
}

static void take_token(void *user, const char *office, const char *token)
{
	struct token_read *r = user;
	size_t o = office_of(r, office);
	if (o != HASH_NONE && strlen(token) == 32)
		memcpy((char *)&r->out[o] + r->field, token, 33);
}

/* The first nk kinds of token (feed, page, csrf) of every office from their tables into
 * out, through each (take_token, or take_office_token to leave SITE_ALL's out). */
static int read_tables(struct store *st, const struct config *cfg, size_t nk, store_token_fn each,
		       struct site_tokens *out, struct pz_error *err)
{
	static const size_t fields[] = {offsetof(struct site_tokens, feed),
					offsetof(struct site_tokens, page),
					offsetof(struct site_tokens, csrf)};
	static const enum store_token_kind kinds[] = {STORE_FEED_TOKEN, STORE_PAGE_TOKEN,
						      STORE_FORM_TOKEN};
	struct token_read r = {.cfg = cfg, .out = out};
	ids_build(&r.ids, cfg);
	int rc = 0;
	for (size_t k = 0; k < nk && rc == 0; k++) {
		r.field = fields[k];
		rc = store_all_tokens(st, kinds[k], each, &r, err);
	}
	hash_index_finish(&r.ids);
	return rc;
}

/* ---- tokens read and created in batches ---- */

/* take_token for the offices' own tokens, the all-offices feed's aside. */
static void take_office_token(void *user, const char *office, const char *token)
{
	if (strcmp(office, SITE_ALL) != 0)
		take_token(user, office, token);
}

/* token as stored, or "" (missing: a new one is made) when it is not 32 characters long,
 * which no plazo writes and the server does not serve (take_token). */
static void keep_whole(char token[static 33])
{
	if (strlen(token) != 32)
		token[0] = '\0';
}

/* The feed and page tokens stored for offices[0..n) into out: with many of the offices
 * asked, one read of each table; with few, a lookup per office. */
static int read_some(struct store *st, const struct config *cfg, const size_t *offices, size_t n,
		     struct site_tokens *out, struct pz_error *err)
{
	bool found;
	if (n < cfg->n_offices / 8) {
		int rc = 0;
		for (size_t k = 0; k < n && rc == 0; k++) {
			struct site_tokens *t = &out[offices[k]];
			const char *id = cfg->offices[offices[k]].id;
			rc = store_token(st, id, t->feed, &found, err);
			if (rc == 0)
				rc = store_page_token(st, id, t->page, &found, err);
			keep_whole(t->feed); /* as take_token, which the whole read goes through */
			keep_whole(t->page);
		}
		return rc;
	}
	return read_tables(st, cfg, 2, take_office_token, out, err);
}

/* A token drawn from src into token when it is "" (office has none), queued in rows. */
static int draw_missing(struct token_source *src, const char *office, char token[static 33],
			struct store_token_row *rows, size_t *n, struct pz_error *err)
{
	if (token[0] != '\0')
		return 0;
	if (draw_token(src, token, err) < 0)
		return -1;
	rows[(*n)++] = (struct store_token_row){office, token};
	return 0;
}

/* Draws the missing feed and page tokens of offices[0..n) (an index of cfg->n_offices is
 * SITE_ALL, which has a feed alone) and writes them, a batch per table. */
static int draw_batch(struct store *st, const struct config *cfg, const size_t *offices, size_t n,
		      time_t now, struct site_tokens *out, struct pz_error *err)
{
	struct token_source src = {.used = sizeof(src.raw)};
	struct store_token_row *feeds = xcalloc(n ? n : 1, sizeof(*feeds));
	struct store_token_row *pages = xcalloc(n ? n : 1, sizeof(*pages));
	size_t n_feeds = 0, n_pages = 0;
	int rc = 0;
	for (size_t k = 0; k < n && rc == 0; k++) {
		size_t o = offices[k];
		struct site_tokens *t = &out[o];
		const char *id = o < cfg->n_offices ? cfg->offices[o].id : SITE_ALL;
		rc = draw_missing(&src, id, t->feed, feeds, &n_feeds, err);
		if (rc == 0 && o < cfg->n_offices)
			rc = draw_missing(&src, id, t->page, pages, &n_pages, err);
	}
	explicit_bzero(src.raw, sizeof(src.raw));
	if (rc == 0)
		rc = store_set_tokens(st, STORE_FEED_TOKEN, feeds, n_feeds, now, err);
	if (rc == 0)
		rc = store_set_tokens(st, STORE_PAGE_TOKEN, pages, n_pages, now, err);
	free(feeds);
	free(pages);
	return rc;
}

/* The tokens still missing after the reads (SITE_ALL's feed among them), created in one
 * transaction: feed and page tokens in a batch, form tokens office by office. */
static int create_missing(struct store *st, const struct config *cfg, time_t now,
			  struct site_tokens *out, struct pz_error *err)
{
	size_t *every = xcalloc(cfg->n_offices + 1, sizeof(*every));
	for (size_t o = 0; o <= cfg->n_offices; o++)
		every[o] = o;
	int rc = store_begin(st, err);
	if (rc == 0)
		rc = draw_batch(st, cfg, every, cfg->n_offices + 1, now, out, err);
	for (size_t o = 0; o < cfg->n_offices && rc == 0; o++)
		if (out[o].csrf[0] == '\0')
			rc = site_csrf(st, cfg->offices[o].id, out[o].csrf, err);
	free(every);
	if (rc == 0)
		return store_commit(st, err);
	store_rollback(st);
	return -1;
}

int site_tokens_load(struct store *st, const struct config *cfg, time_t now,
		     struct site_tokens *out, struct pz_error *err)
{
	memset(out, 0, (cfg->n_offices + 1) * sizeof(*out));
	if (read_tables(st, cfg, 3, take_token, out, err) < 0)
		return -1;
	return create_missing(st, cfg, now, out, err);
}

int site_office_tokens(struct store *st, const struct config *cfg, const size_t *offices, size_t n,
		       time_t now, struct site_tokens *out, struct pz_error *err)
{
	memset(out, 0, cfg->n_offices * sizeof(*out));
	if (read_some(st, cfg, offices, n, out, err) < 0)
		return -1;
	return draw_batch(st, cfg, offices, n, now, out, err);
}

/* What of a mark an office's feed and page show. */
static uint64_t mark_hash(uint64_t h, const struct store_delivery *d)
{
	h = hash_str(h, d->activity);
	h = hash_bytes(h, &d->milestone, sizeof(d->milestone));
	h = hash_str(h, d->due);
	h = hash_bytes(h, &d->at, sizeof(d->at));
	h = hash_str(h, d->by_name);
	return hash_str(h, d->evidence);
}

static void fold_marks(const struct hash_index *ids, const struct config *cfg,
		       const struct store_delivery *d, size_t n, uint64_t *fp)
{
	for (size_t i = 0; i < n; i++) {
		size_t o = id_office(ids, cfg, d[i].office);
		if (o < cfg->n_offices)
			fp[o] = mark_hash(fp[o], &d[i]);
	}
}

struct heads {
	const struct hash_index *ids;
	const struct config *cfg;
	uint64_t *state;
};

static void fold_head(void *user, const char *office, long long id)
{
	struct heads *h = user;
	size_t o = id_office(h->ids, h->cfg, office);
	if (o != HASH_NONE)
		h->state[o] = hash_pair(h->state[o], (uint64_t)id);
}

int site_states(struct store *st, const struct config *cfg, const struct site_tokens *tokens,
		const struct done_set *done, uint64_t *state, struct pz_error *err)
{
	struct hash_index ids;
	ids_build(&ids, cfg);
	for (size_t o = 0; o <= cfg->n_offices; o++)
		state[o] = hash_bytes(HASH_FNV_BASIS, &tokens[o], sizeof(tokens[o]));
	fold_marks(&ids, cfg, done->items, done->n, state);
	fold_marks(&ids, cfg, done->later, done->n_later, state);
	struct heads h = {&ids, cfg, state};
	int rc = store_audit_heads(st, fold_head, &h, err);
	hash_index_finish(&ids);
	return rc;
}

int site_state_of(struct store *st, const struct config *cfg, size_t office,
		  const struct site_tokens *tokens, uint64_t *state, struct pz_error *err)
{
	*state = hash_bytes(HASH_FNV_BASIS, tokens, sizeof(*tokens));
	if (office == cfg->n_offices)
		return 0; /* the all-offices feed's state is its token's (site_states) */
	const char *id = cfg->offices[office].id;
	struct done_set done;
	if (done_load_office(&done, st, id, err) < 0)
		return -1;
	for (size_t i = 0; i < done.n; i++)
		*state = mark_hash(*state, &done.items[i]);
	for (size_t i = 0; i < done.n_later; i++)
		*state = mark_hash(*state, &done.later[i]);
	done_finish(&done);
	long long head;
	bool found;
	if (store_audit_head(st, id, &head, &found, err) < 0)
		return -1;
	if (found)
		*state = hash_pair(*state, (uint64_t)head);
	return 0;
}
