/* http.h - the HTTP server (libmicrohttpd): feeds, office pages, health and metrics.
 *
 * Routes, GET and HEAD only (anything else 405 with Allow), but the two form actions:
 *   /feeds/TOKEN.ics  text/calendar; charset=utf-8, strong ETag (from the bytes),
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
 * Content is served from an immutable snapshot (struct http_site) built off the request
 * path and swapped in with http_publish: nothing is built per request. libmicrohttpd runs
 * its own polling threads (http_options.threads); http_publish is safe to call from
 * another thread.
 */
#ifndef PLAZO_HTTP_H
#define PLAZO_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "error.h"

/* One resource: its bytes and validators. */
struct http_blob {
	char *data;      /* owned */
	size_t len;
	char etag[40];   /* "\"<hex>\"": filled by http_site_add from the bytes */
	time_t modified; /* Last-Modified */
};

struct http_site;

/* A new, empty snapshot. gauges are the reminder counts shown in /metrics. */
struct http_site *http_site_new(long pending, long sent, long failed);
/* Marks the snapshot's reminder queue held, with `waiting` reminders (in /metrics:
 * plazo_queue_held, plazo_queue_held_reminders). */
void http_site_set_held(struct http_site *site, bool held, long waiting);
/* What the load being served said about the plan (in /metrics: plazo_plan_rows_unreadable,
 * plazo_plan_diagnostics{severity}); diagnostics counts by enum diag_severity. */
void http_site_set_plan(struct http_site *site, size_t rows_unreadable,
			const size_t diagnostics[static 3]);
/* Adds a token's feed and page; takes ownership of both buffers (malloc'ed). Tokens are
 * 32 lower-case hex characters. feed may be NULL (a page token: /feeds/TOKEN.ics is 404),
 * and so may page (a feed-only token: the all-offices feed). forms says whether the page's
 * forms may be posted under this token (a feed token's page is read-only). A token added
 * twice keeps the later buffers; an invalid token (or neither buffer) is dropped and its
 * buffers freed. */
void http_site_add(struct http_site *site, const char *token, char *feed, size_t feed_len,
		   time_t feed_modified, char *page, size_t page_len, time_t page_modified,
		   bool forms);

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
	unsigned threads;           /* serving threads (0 or 1: one); a form waiting for the
				     * rebuilt page then holds only its own thread */
	const char *metrics_address; /* where /metrics is served ("127.0.0.1"); NULL: nowhere */
	unsigned short metrics_port;  /* 0: an ephemeral port (http_metrics_port) */
	const char *origin;         /* "https://plazo.example.gov.co": base_url's origin, which
				     * a form POST may come from */
	const char *origins;        /* "http://localhost:8080 http://plazo": the other origins it
				     * may come from (origin.h), or NULL */
	http_form_handler on_form;  /* NULL: forms answer 405 */
	void *form_user;
};

struct http_server;

/* Starts listening; PZ_EIO when the address cannot be bound, PZ_ECONFIG when it is not a
 * numeric IPv4 or IPv6 address ("::" listens on both families). */
int http_start(struct http_server **out, const struct http_options *opt, struct pz_error *err);
/* Replaces the snapshot; takes ownership of site. Requests in flight finish on the old one. */
void http_publish(struct http_server *s, struct http_site *site);
/* Stops listening, waits (up to a second) for requests in flight, frees everything; NULL is
 * fine. */
void http_stop(struct http_server *s);
/* The port actually bound (useful with port 0 in tests). */
unsigned short http_port(const struct http_server *s);
/* The metrics listener's port, 0 when there is none. */
unsigned short http_metrics_port(const struct http_server *s);

/* Frees a snapshot that was never published. */
void http_site_free(struct http_site *site);

#endif
