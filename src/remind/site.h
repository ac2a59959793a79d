/* site.h - what each office is served under and at: its tokens, kept in the store, and its state.
 *
 * Tokens are 128 bits from getrandom(2), written as 32 lower-case hex characters, created
 * on first use and replaced by site_rotate_token / site_rotate_page_token. Each office has a
 * feed token (/feeds/TOKEN.ics), a page token (/o/TOKEN and its forms; /o/FEED_TOKEN only
 * says that the page moved) and a form token its page's forms send back; the all-offices
 * feed for administrators has a feed token only, under the id SITE_ALL.
 */
#ifndef PLAZO_SITE_H
#define PLAZO_SITE_H

#include <stdint.h>
#include <time.h>

#include "config.h"
#include "done.h"
#include "error.h"
#include "store.h"

/* The id under which the all-offices feed's token is stored. */
#define SITE_ALL "*"

/* Writes the feed token of office (an office id or SITE_ALL), creating it when missing. */
int site_token(struct store *st, const char *office, time_t now, char token[static 33],
	       struct pz_error *err);
/* Replaces the feed token of office: the old URLs stop working at the next publish. */
int site_rotate_token(struct store *st, const char *office, time_t now, char token[static 33],
		      struct pz_error *err);
/* The token of the office's page, created when missing. */
int site_page_token(struct store *st, const char *office, time_t now, char token[static 33],
		    struct pz_error *err);
/* Replaces the page token of office: the old page URL stops working at the next publish. */
int site_rotate_page_token(struct store *st, const char *office, time_t now,
			   char token[static 33], struct pz_error *err);
/* Writes the office's form token (what its page's forms must send back), creating it when
 * missing. */
int site_csrf(struct store *st, const char *office, char csrf[static 33], struct pz_error *err);

/* The tokens an office is served under: its feed's, its page's, its page's form token. */
struct site_tokens {
	char feed[33];
	char page[33]; /* "" for the all-offices feed */
	char csrf[33];
};
/* Fills out[0 .. cfg->n_offices] (the last: SITE_ALL's feed token) with one query per kind
 * of token, creating the missing ones in one transaction. */
int site_tokens_load(struct store *st, const struct config *cfg, time_t now,
		     struct site_tokens *out, struct pz_error *err);

/* The feed and page tokens of offices[0..n) (config indices) into out[office] (out holds
 * cfg->n_offices entries, all cleared first; csrf is left ""), the missing ones created in
 * the order given, in the caller's transaction; their random bytes come from getrandom(2)
 * a block at a time. PZ_EIO when getrandom fails, the store's codes when a write does. */
int site_office_tokens(struct store *st, const struct config *cfg, const size_t *offices,
		       size_t n, time_t now, struct site_tokens *out, struct pz_error *err);

/* The state of each office (state[0 .. cfg->n_offices], the last the all-offices feed's):
 * a fingerprint of what its feed and page show beyond the plan, its tokens and marks, and
 * of its latest audit row, so a mark then an undo is not the state before the mark. A
 * mark or undo changes its office's and no other. */
int site_states(struct store *st, const struct config *cfg, const struct site_tokens *tokens,
		const struct done_set *done, uint64_t *state, struct pz_error *err);
/* The state of one office (cfg->n_offices: the all-offices feed), as site_states gives it,
 * read from its own marks and audit rows alone. */
int site_state_of(struct store *st, const struct config *cfg, size_t office,
		  const struct site_tokens *tokens, uint64_t *state, struct pz_error *err);

#endif
