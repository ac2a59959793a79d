/* http_site.h - the snapshot the server serves: tokens, office slots and their versions.
 *
 * A snapshot (struct http_site) holds the tokens, each naming an office slot and the parts
 * served under it, and per office slot a version of its feed and of its page (the page's
 * also moves with the day). ETag and Last-Modified come from the versions, not from the
 * bytes (http_cond.c). Publishing (http_publish) and touching a snapshot are safe from
 * another thread than the server's.
 */
#ifndef PLAZO_HTTP_SITE_H
#define PLAZO_HTTP_SITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* What a token serves of its office slot. */
enum http_part {
	HTTP_FEED = 0,  /* /feeds/TOKEN.ics */
	HTTP_PAGE = 1,  /* /o/TOKEN with its forms */
	HTTP_MOVED = 2, /* /o/TOKEN read-only: where the page went (a feed token's page) */
};
#define HTTP_PARTS 3
#define HTTP_BIT(part) (1u << (part))

/* The version of one part: what the validators and the renderer see. */
struct http_version {
	uint64_t generation; /* of the snapshot's world */
	uint64_t version;    /* the slot's state, as its owner names it */
	long day;            /* pages: the local day the snapshot is at; feeds: modified's UTC day */
	time_t modified;     /* Last-Modified, and the instant the part is rendered at */
};

struct http_site;

/* A new snapshot of n_slots office slots at local day day (a day number), every state 0
 * stamped at. generation names the world the states belong to (derived from what the
 * world was loaded from, so that a restart on the same files keeps the validators). */
struct http_site *http_site_new(uint64_t generation, size_t n_slots, long day, time_t at);
/* Frees a snapshot that was never published. */
void http_site_free(struct http_site *site);
/* The reminder counts shown in /metrics. */
void http_site_set_counts(struct http_site *site, long pending, long sent, long failed);
/* Marks the snapshot's reminder queue held, with `waiting` reminders (in /metrics:
 * plazo_queue_held, plazo_queue_held_reminders). */
void http_site_set_held(struct http_site *site, bool held, long waiting);
/* What the load being served said about the plan (in /metrics: plazo_plan_rows_unreadable,
 * plazo_plan_diagnostics{severity}); diagnostics counts by enum diag_severity. */
void http_site_set_plan(struct http_site *site, size_t rows_unreadable,
			const size_t diagnostics[static 3]);
/* Serves under token (32 lower-case hex characters) the parts (HTTP_BIT of HTTP_FEED,
 * HTTP_PAGE or HTTP_MOVED; not both pages) of office slot slot. A page part takes the
 * forms posted under the token when it is HTTP_PAGE. An invalid token, slot or part set is
 * dropped; a token added twice keeps the later. */
void http_site_add(struct http_site *site, const char *token, size_t slot, unsigned parts);
/* The state of the parts (HTTP_BIT mask) of slot: a fingerprint of all they show, named by
 * the caller. When it differs from the one held, those parts are stale, stamped at. */
void http_site_set(struct http_site *site, size_t slot, unsigned parts, uint64_t state,
		   time_t at);
/* Local day day started at at: every page is stale, none is rendered. */
void http_site_new_day(struct http_site *site, long day, time_t at);
/* Takes old's states and gauges (and the day's start, when it is the same day) when it
 * has the same generation and slots. */
void http_site_carry(struct http_site *site, const struct http_site *old);
/* The current version of part of slot. */
void http_site_version(struct http_site *site, size_t slot, enum http_part part,
		       struct http_version *out);

#endif
