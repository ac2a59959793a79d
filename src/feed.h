/* feed.h - what the HTTP server serves, assembled: each office's feed token, its iCalendar
 * feed (ics.h) with SEQUENCE and LAST-MODIFIED kept in the store, and its page (page.h); plus
 * the all-offices feed for administrators, under its own token (office id "*").
 *
 * Tokens are 128 bits from getrandom(2), written as 32 lower-case hex characters, created
 * on first use and replaced by feed_rotate_token.
 */
#ifndef PLAZO_FEED_H
#define PLAZO_FEED_H

#include <stddef.h>
#include <time.h>

#include "config.h"
#include "error.h"
#include "http.h"
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

/* Builds the whole snapshot at instant now (feeds, pages, reminder gauges). NULL with err
 * filled when the store fails. */
struct http_site *feed_site(const struct plan *p, const struct config *cfg, struct store *st,
			    time_t now, struct pz_error *err);

#endif
