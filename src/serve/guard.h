/* guard.h - who may hold the HTTP server's connections.
 *
 * One client must not take the server offline (slowloris, thousands of idle connections), so:
 * - a client address holds at most per_client connections; behind a reverse proxy listed in
 *   trusted_proxies the client is the address the proxy forwards (X-Forwarded-For), known
 *   once a request's headers are in;
 * - a connection waiting for a request's headers (new, or idle between two requests) is
 *   closed after header_timeout, however slowly the bytes trickle in;
 * - waiting connections never hold the last `reserve` of the `limit` slots, which stay for
 *   requests being answered (feeds, pages);
 * - when a new connection would pass those bounds, the oldest waiting connection is dropped
 *   first; a new connection is refused only when every other one is busy.
 * Closing means shutdown(2) on the socket: libmicrohttpd then sees the end of the stream and
 * cleans up as usual (it reports the close before it closes the descriptor, so a guard never
 * touches a descriptor that was reused). Thread-safe; times are milliseconds of a monotonic
 * clock, given by the caller.
 */
#ifndef PLAZO_GUARD_H
#define PLAZO_GUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "error.h"

struct guard_options {
	unsigned limit;              /* connections in all ([http] connection_limit) */
	unsigned per_client;         /* per client address ([http] per_client_limit) */
	unsigned reserve;            /* slots waiting connections cannot take (< limit) */
	unsigned header_timeout_ms;  /* a request's headers must be in within this */
	const char *trusted_proxies; /* "127.0.0.1 10.0.0.0/8 ::1", or NULL */
};

/* What a guard did, for /metrics. */
struct guard_stats {
	size_t open, waiting;
	unsigned long long refused_client; /* a client over per_client */
	unsigned long long refused_full;   /* every connection busy */
	unsigned long long evicted;        /* waiting connections dropped for a new one */
	unsigned long long timed_out;      /* headers not in within header_timeout */
};

struct guard;
struct guard_conn;

/* PZ_ECONFIG when trusted_proxies holds something that is no address or ADDRESS/BITS. */
int guard_new(struct guard **out, const struct guard_options *opt, struct pz_error *err);
void guard_free(struct guard *g);

/* Whether a new connection from sa may be accepted now; may drop the oldest waiting one. */
bool guard_admit(struct guard *g, const struct sockaddr *sa, long long now_ms);
/* Registers an accepted connection (waiting for its first request's headers). */
struct guard_conn *guard_open(struct guard *g, int fd, const struct sockaddr *sa,
			      long long now_ms);
/* Forgets c (NULL is fine); it must not be used afterwards. */
void guard_close(struct guard *g, struct guard_conn *c);
/* A request's headers are in: c is busy until guard_idle. forwarded, when the peer is a
 * trusted proxy, is the X-Forwarded-For field (or NULL): the client it names is charged for
 * the connection. False when that client already holds per_client connections. */
bool guard_busy(struct guard *g, struct guard_conn *c, const char *forwarded);
/* The request is answered: c waits for the next one's headers from now. */
void guard_idle(struct guard *g, struct guard_conn *c, long long now_ms);
/* Drops the waiting connections past header_timeout; returns how many. */
size_t guard_sweep(struct guard *g, long long now_ms);
void guard_stats(struct guard *g, struct guard_stats *out);

#endif
