/* http.h - the HTTP server (libmicrohttpd): feeds, office pages, health and metrics.
 *
 * Routes, GET and HEAD only (anything else 405 with Allow), but the two form actions:
 *   /feeds/TOKEN.ics  text/calendar; charset=utf-8, strong ETag (from the version),
 *                     Last-Modified, Cache-Control; If-None-Match / If-Modified-Since
 *                     answer 304 only when the validator really matches
 *   /o/TOKEN          the office's page, text/html; charset=utf-8, with the same validators
 *   POST /o/TOKEN/entregar, /o/TOKEN/deshacer  a form (application/x-www-form-urlencoded),
 *                     refused 403 when it comes from another site, then handed to on_form;
 *                     GET on them is 405: reading never changes anything
 *   /healthz          "ok"
 * and on its own listener (metrics_address, the convention of Prometheus exporters: behind
 * a local reverse proxy every client would look like loopback):
 *   /metrics          Prometheus text format
 * Unknown paths and tokens answer 404. A refusal under /o/TOKEN (403, 404, 405, 409, 413,
 * 415, 429, 503, the form handler's 400) is a Spanish HTML page linking back to the office's
 * page (refusal.h); elsewhere it is plain text. A malformed request (a space before a header's colon,
 * Content-Length twice, a Transfer-Encoding other than chunked, a TE naming an unknown
 * coding) answers 400. Connections are guarded (guard.h): per client address, a bound on the
 * time headers take, a reserve for requests being answered. Tokens are found through a keyed hash and compared
 * in constant time, so an unknown token costs the same as a known one. Requests longer than
 * the limits answer 414 (URL) or 431 (headers); idle clients time out; connections are
 * capped. Every request is logged as one access line (never with the token).
 *
 * Content comes from a snapshot (struct http_site): the tokens, each naming an office slot
 * and the parts served under it, and per office slot a version of its feed and of its page
 * (the page's also moves with the day). Nothing is rendered ahead of need: a request
 * renders its part through http_options.render on the first request after the version
 * moved, and the bytes are kept in a cache of http_options.cache bytes, least recently
 * served out first. ETag and Last-Modified come from the versions, not from the bytes: a
 * conditional request is answered 304 without rendering, and a part rendered again after
 * an eviction has the same validators (the renderer must give the same bytes for the same
 * version). libmicrohttpd runs its own polling threads (http_options.threads); publishing
 * and touching a snapshot are safe from another thread.
 */
#ifndef PLAZO_HTTP_H
#define PLAZO_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "error.h"
#include "strbuf.h"

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

/* Renders part of slot into out at the version the site holds (read with
 * http_site_version under the renderer's own lock, so that what it renders and the
 * version agree), and fills *v with it. Called from the server's threads. Returns 0, 404
 * when there is nothing to serve, 503 when it cannot now (the site was replaced, the store
 * failed). */
typedef unsigned (*http_render_fn)(void *user, struct http_site *site, size_t slot,
				   enum http_part part, struct strbuf *out,
				   struct http_version *v);

/* The page's maxlength of its typed fields, in characters; the server counts the same. */
#define HTTP_FORM_NAME_CHARS 100
#define HTTP_FORM_EVIDENCE_CHARS 400

/* A form posted to /o/TOKEN/entregar (mark delivered) or /o/TOKEN/deshacer (undo). The
 * typed fields hold up to their limit in characters of UTF-8 (4 bytes each at most). */
struct http_form {
	char csrf[65];                                /* the page's form token */
	char item[48]; /* the item's anchor, "a13-2" (plan_item_anchor: a key and a place) */
	char due[11];                                 /* the due date shown, YYYY-MM-DD */
	char name[4 * HTTP_FORM_NAME_CHARS + 1];      /* who marks it */
	char evidence[4 * HTTP_FORM_EVIDENCE_CHARS + 1]; /* a link to the evidence (optional) */
};

/* What the form handler answers: 303 to location after a change, else an error status
 * (400, 403, 404, 409) with a short Spanish message. */
struct http_form_reply {
	unsigned status;
	char location[256];
	char message[256];
};

/* Called from the server's thread for a POST that passed the cross-site checks (an Origin,
 * when one is sent, that is origin or one of origins (origin.h: case and default ports do
 * not count), Sec-Fetch-Site same-origin or none when sent, a form body) and
 * names a token of the current snapshot. The handler checks the form token and acts. */
typedef void (*http_form_handler)(void *user, const char *token, const char *action,
				  const struct http_form *form, struct http_form_reply *reply);

struct http_options {
	const char *address;        /* "127.0.0.1", "::1", "0.0.0.0" or "::" */
	unsigned short port;        /* 8080 */
	unsigned connection_limit;  /* 256 */
	unsigned per_client_limit;  /* connections per client address (32; 0: no own limit) */
	unsigned reserve;           /* slots kept for requests being answered (32) */
	unsigned header_timeout;    /* seconds a request's headers may take (10; 0: timeout) */
	const char *trusted_proxies; /* reverse proxies whose X-Forwarded-For counts, or NULL */
	unsigned timeout;           /* seconds an idle connection may stay (15) */
	unsigned threads;           /* serving threads (0 or 1: one) */
	const char *metrics_address; /* where /metrics is served ("127.0.0.1"); NULL: nowhere */
	unsigned short metrics_port;  /* 0: an ephemeral port (http_metrics_port) */
	const char *origin;         /* "https://plazo.example.gov.co": base_url's origin, which
				     * a form POST may come from */
	const char *origins;        /* "http://localhost:8080 http://plazo": the other origins it
				     * may come from (origin.h), or NULL */
	http_form_handler on_form;  /* NULL: forms answer 405 */
	void *form_user;
	http_render_fn render;      /* renders feeds and pages (user: form_user) */
	unsigned long long cache;   /* bytes of rendered parts kept */
};

struct http_server;

/* Starts listening; PZ_EIO when the address cannot be bound, PZ_ECONFIG when it is not a
 * numeric IPv4 or IPv6 address ("::" listens on both families). */
int http_start(struct http_server **out, const struct http_options *opt, struct pz_error *err);
/* Replaces the snapshot; takes ownership of site (which stays valid, for touching, until the
 * next publish from the same thread). Requests in flight finish on the old one. */
void http_publish(struct http_server *s, struct http_site *site);
/* Stops listening, waits (up to a second) for requests in flight, frees everything; NULL is
 * fine. */
void http_stop(struct http_server *s);
/* The port actually bound (useful with port 0 in tests). */
unsigned short http_port(const struct http_server *s);
/* The metrics listener's port, 0 when there is none. */
unsigned short http_metrics_port(const struct http_server *s);
/* Counts one send pass of the daemon (in /metrics: plazo_passes_total); any thread. */
void http_count_pass(struct http_server *s);

/* Frees a snapshot that was never published. */
void http_site_free(struct http_site *site);

#endif
