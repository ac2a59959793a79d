/* feed.h - what the HTTP server serves, one office at a time: each office's feed token, its
 * iCalendar feed (ics.h) with SEQUENCE and LAST-MODIFIED kept in the store, and its page
 * (page.h); plus the all-offices feed for administrators, under its own token (office id
 * "*"). Nothing here renders more than the one office asked for.
 *
 * Tokens are 128 bits from getrandom(2), written as 32 lower-case hex characters, created
 * on first use and replaced by feed_rotate_token.
 */
#ifndef PLAZO_FEED_H
#define PLAZO_FEED_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "config.h"
#include "done.h"
#include "error.h"
#include "plan.h"
#include "store.h"
#include "strbuf.h"

/* The id under which the all-offices feed's token is stored. */
#define FEED_ALL "*"

/* Writes the token of office (an office id or FEED_ALL), creating it when missing. */
int feed_token(struct store *st, const char *office, time_t now, char token[static 33],
	       struct pz_error *err);
/* Writes the office's form token (what its page's forms must send back), creating it when
 * missing. */
int feed_csrf(struct store *st, const char *office, char csrf[static 33], struct pz_error *err);

/* Replaces the token of office: the old URLs stop working at the next publish. */
int feed_rotate_token(struct store *st, const char *office, time_t now, char token[static 33],
		      struct pz_error *err);

/* The token of the office's page (/o/TOKEN and its forms), apart from its feed token, created
 * when missing; /o/FEED_TOKEN only says that the page moved. */
int feed_page_token(struct store *st, const char *office, time_t now, char token[static 33],
		    struct pz_error *err);
/* Replaces the page token of office: the old page URL stops working at the next publish. */
int feed_rotate_page_token(struct store *st, const char *office, time_t now,
			   char token[static 33], struct pz_error *err);
/* The links a digest carries: the office's page (under its page token) and its feed over
 * https, both created when missing; the caller frees both. */
int feed_office_urls(const struct config *cfg, struct store *st, const char *office,
		     time_t now, char **page_url, char **feed_https, struct pz_error *err);

/* Appends the feed of office (an index, or ICS_ALL_OFFICES) to out; *modified is when its
 * content last changed. Event states are kept in st, so now only stamps what changed. */
int feed_render(const struct plan *p, const struct config *cfg, struct store *st,
		size_t office, time_t now, struct strbuf *out, time_t *modified,
		struct pz_error *err);

/* "https://host/feeds/TOKEN.ics" from [plazo] base_url; "webcal://..." when webcal. */
char *feed_url(const struct config *cfg, const char *token, bool webcal);
/* Google Calendar's "add by URL" link for a webcal:// feed URL (percent-encoded). */
char *feed_google_url(const char *webcal);
/* "https://host/o/TOKEN". */
char *feed_page_url(const struct config *cfg, const char *token);

/* The activities naming each office, built once per plan. */
struct feed_index;
struct feed_index *feed_index_new(const struct plan *p, size_t n_offices);
void feed_index_free(struct feed_index *ix);

/* The tokens an office is served under: its feed's, its page's, its page's form token. */
struct feed_tokens {
	char feed[33];
	char page[33]; /* "" for the all-offices feed */
	char csrf[33];
};
/* Fills out[0 .. cfg->n_offices] (the last: FEED_ALL's feed token) with one query per kind
 * of token, creating the missing ones in one transaction. */
int feed_tokens_load(struct store *st, const struct config *cfg, time_t now,
		     struct feed_tokens *out, struct pz_error *err);

/* Appends the feed of office (an index, or ICS_ALL_OFFICES) with the marks of done, at now:
 * the same state and now give the same bytes. PZ_EDATA when the all-offices feed would be
 * too large to serve. */
int feed_render_feed(const struct feed_index *ix, const struct plan *p,
		     const struct config *cfg, struct store *st, size_t office,
		     const struct done_set *done, time_t now, struct strbuf *out, time_t *modified,
		     struct pz_error *err);
/* Appends office's page at now (its agenda, marks, subscribe links and forms under t). */
int feed_render_page(const struct feed_index *ix, const struct plan *p,
		     const struct config *cfg, size_t office, const struct feed_tokens *t,
		     const struct done_set *done, time_t now, struct strbuf *out,
		     struct pz_error *err);
/* Appends what /o/FEED_TOKEN shows: no forms, where the office's page went. */
void feed_render_moved(const struct config *cfg, size_t office, const char *feed_token,
		       struct strbuf *out);

/* The state of each office (state[0 .. cfg->n_offices], the last the all-offices feed's):
 * a fingerprint of what its feed and page show beyond the plan, its tokens and marks, and
 * of its latest audit row, so a mark then an undo is not the state before the mark. A
 * mark or undo changes its office's and no other. */
int feed_states(struct store *st, const struct config *cfg, const struct feed_tokens *tokens,
		const struct done_set *done, uint64_t *state, struct pz_error *err);

#endif
