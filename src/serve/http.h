/* http.h - the HTTP server (libmicrohttpd): feeds, office pages, health and metrics.
 *
 * Routes, GET and HEAD only (anything else 405 with Allow), but the two form actions:
 *   /feeds/TOKEN.ics  text/calendar; charset=utf-8, strong ETag (from the version),
 *                     Last-Modified, Cache-Control; If-None-Match / If-Modified-Since
 *                     answer 304 only when the validator really matches (http_cond.c)
 *   /o/TOKEN          the office's page, text/html; charset=utf-8, with the same validators
 *   POST /o/TOKEN/entregar, /o/TOKEN/deshacer  a form (http_form.h); GET on them is 405
 *   /healthz          "ok"
 * and on its own listener (metrics_address: behind a local reverse proxy every client would
 * look like loopback) /metrics, in Prometheus text format (http_metrics.c).
 * Unknown paths and tokens answer 404. A refusal under /o/TOKEN is a Spanish HTML page
 * linking back to the office's page (refusal.h); elsewhere it is plain text. A malformed
 * request answers 400 (http_framing.c). Connections are guarded (guard.h). Requests longer
 * than the limits answer 414 (URL) or 431 (headers); idle clients time out. Every request
 * is logged as one access line (never with the token).
 *
 * Content comes from a snapshot (http_site.h). Nothing is rendered ahead of need: a request
 * renders its part through http_options.render on the first request after the version
 * moved, and the bytes are kept in a cache of http_options.cache bytes (http_cache.h). A
 * conditional request is answered 304 without rendering. libmicrohttpd runs its own polling
 * threads (http_options.threads).
 *
 * (Longer than 80 lines: the routes and their answers are the server's public contract.)
 */
#ifndef PLAZO_HTTP_H
#define PLAZO_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "http_form.h"
#include "http_site.h"
#include "strbuf.h"

/* Renders part of slot into out at the version the site holds (read with
 * http_site_version under the renderer's own lock, so that what it renders and the
 * version agree), and fills *v with it. Called from the server's threads. Returns 0, 404
 * when there is nothing to serve, 503 when it cannot now (the site was replaced, the store
 * failed). */
typedef unsigned (*http_render_fn)(void *user, struct http_site *site, size_t slot,
				   enum http_part part, struct strbuf *out,
				   struct http_version *v);

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

#endif
