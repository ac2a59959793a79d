/* http_internal.h - what the pieces of the HTTP server share; no caller outside http*.c.
 *
 * Longer than 80 lines because it is the one place the server's pieces meet: the server
 * and request structs they all read, and one short section per piece (http.c answering,
 * http_site.c lookups, http_cond.c validators, http_metrics.c, http_form.c,
 * http_framing.c). Each piece's own helpers stay static in its file.
 */
#ifndef PLAZO_HTTP_INTERNAL_H
#define PLAZO_HTTP_INTERNAL_H

#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <time.h>

#include <microhttpd.h>

#include "guard.h"
#include "http.h"
#include "http_cache.h"
#include "refusal.h"
#include "strbuf.h"

#define HTTP_TOKEN_LEN 32
#define HTTP_PAGE_PREFIX "/o/"
#define HTTP_TEXT_TYPE "text/plain; charset=utf-8"
enum { HTTP_N_CODES = 12 }; /* status codes counted in /metrics (http_metrics.c) */

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
	atomic_ullong requests[HTTP_N_CODES];
	atomic_ullong feed_bytes;
	atomic_ullong not_modified;
	atomic_ullong passes; /* send passes of the daemon (http_count_pass) */
	atomic_ullong renders[HTTP_PARTS];
	struct http_cache cache;
	char *origins;             /* the Origins a form may come from (origin.h), or NULL */
	http_form_handler on_form;
	void *form_user;
	http_render_fn render;
};

/* One request, from its first call to the completion callback: what the access line says. */
struct http_request {
	struct timespec start;
	unsigned status; /* 0 until a response is queued */
	size_t bytes; /* body bytes of the answer: 0 for HEAD and 304 */
	bool head;
	bool feed; /* a feed body, counted in plazo_feed_bytes_total */
	struct http_form *form;         /* a form POST being read: its fields */
	struct strbuf body;             /* its body so far, bounded (http_form.c) */
	bool form_refused;              /* the body was larger than that */
	char why[256];                  /* why a form body was refused, in Spanish */
	struct guard_conn *guarded;     /* its connection, busy until the request completes */
	char *method; /* loggable copies */
	char *path;
	char client[INET6_ADDRSTRLEN];
	char page[HTTP_TOKEN_LEN + 1]; /* the token of /o/TOKEN[/...], "" elsewhere: a refusal
					* there is an HTML page (refusal.h) */
};

/* ---- http.c: requests and answers ---- */
/* The current snapshot with a reference for the caller (http_site_release), or NULL. */
struct http_site *http_server_site(struct http_server *s);
struct http_request *http_request_new(struct MHD_Connection *c, const char *url,
				      const char *method);
/* Adds {name, value} pairs up to a NULL name to resp; on failure destroys it, NULL. */
struct MHD_Response *http_with_headers(struct MHD_Response *resp, const char *(*kv)[2]);
/* Queues resp (NULL closes the connection) with status, noting it in rq; drops resp. */
enum MHD_Result http_queue(struct MHD_Connection *c, struct http_request *rq, unsigned status,
			   struct MHD_Response *resp, size_t body_len);
/* A static plain-text body; allow, when not NULL, is sent as the Allow field. */
enum MHD_Result http_answer_text(struct MHD_Connection *c, struct http_request *rq,
				 unsigned status, const char *body, const char *allow);
/* A refusal (refusal.h): HTML under /o/TOKEN, else text; 503 with Retry-After. */
enum MHD_Result http_refuse(struct MHD_Connection *c, struct http_request *rq, unsigned status,
			    enum refusal_reason why, const char *detail, const char *allow);

/* ---- http_site.c: the snapshot's side the server reads ---- */
struct http_entry {
	char token[HTTP_TOKEN_LEN]; /* not NUL-terminated */
	size_t slot;                /* the office slot it serves */
	unsigned parts;             /* HTTP_BIT of what it serves */
};
/* Whether s starts with HTTP_TOKEN_LEN lower-case hex characters. */
bool http_is_token(const char *s);
/* The entry of token (HTTP_TOKEN_LEN bytes), or NULL: in constant time per guess. */
const struct http_entry *http_site_lookup(const struct http_site *site, const char *token);
void http_site_hold(struct http_site *site);
/* Drops a reference (http_server_site, http_site_hold); NULL is fine. */
void http_site_release(struct http_site *site);
/* The snapshot's gauges, copied under its lock. */
struct http_gauges {
	long pending, sent, failed;
	bool held;
	long waiting;
	size_t rows_unreadable;
	size_t diagnostics[3];
};
/* False (g untouched) when site is NULL. */
bool http_site_gauges(struct http_site *site, struct http_gauges *g);

/* ---- http_cond.c: validators and conditional requests ---- */
/* The strong ETag of part of slot at v, from the version alone (never the bytes). */
void http_etag(char out[40], size_t slot, enum http_part part, const struct http_version *v);
/* IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT". */
void http_date_format(time_t t, char *out, size_t cap);
/* An HTTP date in any of its three forms; false for anything else or an impossible day. */
bool http_date_parse(const char *s, time_t *out);
/* Whether the request's If-None-Match (or If-Modified-Since) lets it be answered 304. */
bool http_not_modified(struct MHD_Connection *c, const char *etag, time_t modified);

/* ---- http_metrics.c ---- */
/* Counts the request's status (and feed bytes when complete). */
void http_metrics_count(struct http_server *s, const struct http_request *rq, bool complete);
/* The metrics listener's libmicrohttpd handler: /metrics, GET or HEAD, nothing else. */
enum MHD_Result http_metrics_request(void *cls, struct MHD_Connection *c, const char *url,
				     const char *method, const char *version,
				     const char *upload_data, size_t *upload_data_size,
				     void **con_cls);

/* ---- http_form.c: form POSTs ---- */
/* "/o/TOKEN/entregar" -> token and action ("entregar"), else NULL. */
const char *http_form_token(const char *url, const char **action);
/* First call of a form POST: refuses it (403, 404, 413, 415) or starts reading its body. */
enum MHD_Result http_form_begin(struct http_server *s, struct MHD_Connection *c,
				struct http_request *rq, const char *url);
/* The later calls: the body, bounded, then the answer from http_options.on_form. */
enum MHD_Result http_form_body(struct http_server *s, struct MHD_Connection *c,
			       struct http_request *rq, const char *url,
			       const char *upload_data, size_t *upload_data_size);

/* ---- http_framing.c: requests whose framing a proxy might read otherwise ---- */
/* The Spanish message of a 400 for a malformed request, or NULL. */
const char *http_bad_framing(struct MHD_Connection *c);

#endif
