/* http.c - the server: listening, the request's life and access line, routing, answering. */
#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "guard.h"
#include "http_internal.h"
#include "log.h"
#include "refusal.h"
#include "strbuf.h"
#include "xalloc.h"

/* Per-connection memory: the request line and headers must fit in it, so a longer URL is
 * answered 414 and larger headers 431 by libmicrohttpd itself (connection.c, "REQUEST_TOO_BIG"). */
#define MEMORY_LIMIT ((size_t)8192)
#define DRAIN_STEPS 20 /* http_stop waits up to 20 x 50 ms for requests in flight */
#define FEED_PREFIX "/feeds/"
#define FEED_SUFFIX ".ics"
#define ELLIPSIS "…"

/* Where a part is served from: its media type and caching policy. */
struct kind {
	const char *type;
	const char *cache;
	bool feed;
	const char *csp; /* Content-Security-Policy, or NULL */
};

static const struct kind feed_kind = {"text/calendar; charset=utf-8", "max-age=900", true, NULL};
/* pages cannot be framed by another site (clickjacking the mark forms) */
static const struct kind page_kind = {"text/html; charset=utf-8", "no-cache", false,
				      "frame-ancestors 'none'"};

struct http_site *http_server_site(struct http_server *s)
{
	pthread_mutex_lock(&s->lock);
	struct http_site *site = s->site;
	if (site != NULL)
		http_site_hold(site);
	pthread_mutex_unlock(&s->lock);
	return site;
}

/* ---- requests and the access log ---- */

/* Milliseconds of the monotonic clock: what the connection guard measures with. */
static long long mono_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* A copy of s fit for a log line: bytes outside printable ASCII become %XX, every run of 16 or
 * more hex digits (a token, wherever it stands) keeps its first 4 and "…", and the copy stops
 * near max bytes. */
static char *loggable(const char *s, size_t max)
{
	struct strbuf out;
	strbuf_init(&out);
	for (size_t i = 0; s[i] != '\0';) {
		if (out.len >= max) {
			strbuf_puts(&out, ELLIPSIS);
			break;
		}
		size_t run = strspn(s + i, "0123456789abcdefABCDEF");
		unsigned char c = (unsigned char)s[i];
		if (run >= 16) {
			strbuf_append(&out, s + i, 4);
			strbuf_puts(&out, ELLIPSIS);
			i += run;
		} else if (run > 0) {
			strbuf_append(&out, s + i, run);
			i += run;
		} else {
			if (c > 0x20 && c < 0x7f && c != '%')
				strbuf_putc(&out, (char)c);
			else
				strbuf_printf(&out, "%%%02X", c);
			i++;
		}
	}
	if (out.len == 0)
		strbuf_puts(&out, "-");
	return strbuf_steal(&out);
}

static void describe_client(const struct sockaddr *sa, char *out, size_t cap)
{
	const void *addr = NULL;
	if (sa != NULL && sa->sa_family == AF_INET)
		addr = &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
	else if (sa != NULL && sa->sa_family == AF_INET6)
		addr = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
	if (addr == NULL || inet_ntop(sa->sa_family, addr, out, (socklen_t)cap) == NULL)
		snprintf(out, cap, "-");
}

struct http_request *http_request_new(struct MHD_Connection *c, const char *url, const char *method)
{
	struct http_request *rq = xcalloc(1, sizeof(*rq));
	clock_gettime(CLOCK_MONOTONIC, &rq->start);
	rq->head = strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
	strbuf_init(&rq->body);
	rq->method = loggable(method, 16);
	rq->path = loggable(url, 120);
	size_t pp = strlen(HTTP_PAGE_PREFIX);
	if (strncmp(url, HTTP_PAGE_PREFIX, pp) == 0 && strlen(url + pp) >= HTTP_TOKEN_LEN &&
	    http_is_token(url + pp) &&
	    (url[pp + HTTP_TOKEN_LEN] == '\0' || url[pp + HTTP_TOKEN_LEN] == '/'))
		memcpy(rq->page, url + pp, HTTP_TOKEN_LEN);
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci != NULL ? ci->client_addr : NULL;
	describe_client(sa, rq->client, sizeof(rq->client));
	return rq;
}

/* MHD_OPTION_NOTIFY_COMPLETED: counts the request and writes its access line. */
static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct http_request *rq = *con_cls;
	if (rq == NULL)
		return;
	*con_cls = NULL;
	bool complete = toe == MHD_REQUEST_TERMINATED_COMPLETED_OK;
	struct http_server *s = cls;
	if (rq->guarded)
		guard_idle(s->guard, rq->guarded, mono_now());
	http_metrics_count(cls, rq, complete);
	struct timespec end;
	clock_gettime(CLOCK_MONOTONIC, &end);
	long us = (long)(end.tv_sec - rq->start.tv_sec) * 1000000L +
		  (end.tv_nsec - rq->start.tv_nsec) / 1000;
	log_info("http request method=%s path=%s status=%u bytes=%zu ms=%ld.%03ld client=%s%s",
		 rq->method, rq->path, rq->status, complete ? rq->bytes : 0, us / 1000, us % 1000,
		 rq->client, complete ? "" : " aborted=yes");
	strbuf_finish(&rq->body);
	free(rq->form);
	free(rq->method);
	free(rq->path);
	free(rq);
}

/* ---- responses ---- */
/* Adds {name, value} pairs up to a NULL name to resp; on failure destroys it and returns NULL. */
struct MHD_Response *http_with_headers(struct MHD_Response *resp, const char *(*kv)[2])
{
	for (; resp != NULL && kv[0][0] != NULL; kv++)
		if (MHD_add_response_header(resp, kv[0][0], kv[0][1]) != MHD_YES) {
			MHD_destroy_response(resp);
			return NULL;
		}
	return resp;
}

/* Queues resp (which may be NULL: out of memory closes the connection) and drops our handle. */
enum MHD_Result http_queue(struct MHD_Connection *c, struct http_request *rq, unsigned status,
			   struct MHD_Response *resp, size_t body_len)
{
	if (resp == NULL)
		return MHD_NO;
	rq->status = status;
	rq->bytes = rq->head ? 0 : body_len;
	enum MHD_Result ret = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* A static text body; allow, when not NULL, is sent as the Allow field. */
enum MHD_Result http_answer_text(struct MHD_Connection *c, struct http_request *rq, unsigned status,
				 const char *body, const char *allow)
{
	size_t len = strlen(body);
	const char *kv[][2] = {
		{MHD_HTTP_HEADER_CONTENT_TYPE, HTTP_TEXT_TYPE},
		{MHD_HTTP_HEADER_CACHE_CONTROL, "no-store"},
		{allow != NULL ? MHD_HTTP_HEADER_ALLOW : NULL, allow},
		{NULL, NULL},
	};
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_PERSISTENT);
	return http_queue(c, rq, status, http_with_headers(resp, kv), len);
}

/* A refusal: under /o/TOKEN an HTML page for the person at the browser, elsewhere plain
 * text (refusal.h); a 503 says when to come back (Retry-After), allow (or NULL) is sent as
 * the Allow field. */
enum MHD_Result http_refuse(struct MHD_Connection *c, struct http_request *rq, unsigned status,
			    enum refusal_reason why, const char *detail, const char *allow)
{
	size_t len;
	bool html;
	char *body = refusal_body(why, status, detail, rq->page[0] ? rq->page : NULL, &len, &html);
	const char *kv[7][2] = {
		{MHD_HTTP_HEADER_CONTENT_TYPE, html ? page_kind.type : HTTP_TEXT_TYPE},
		{MHD_HTTP_HEADER_CACHE_CONTROL, "no-store"},
		{"X-Content-Type-Options", "nosniff"},
	};
	size_t n = 3; /* then the optional fields, with no gap before the NULL that ends them */
	if (html)
		kv[n][0] = "Content-Security-Policy", kv[n++][1] = page_kind.csp;
	if (allow != NULL)
		kv[n][0] = MHD_HTTP_HEADER_ALLOW, kv[n++][1] = allow;
	if (status == MHD_HTTP_SERVICE_UNAVAILABLE)
		kv[n][0] = MHD_HTTP_HEADER_RETRY_AFTER, kv[n++][1] = "5";
	kv[n][0] = NULL;
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (resp == NULL)
		free(body);
	return http_queue(c, rq, status, http_with_headers(resp, kv), len);
}

/* 503 with Retry-After while the daemon starts: a calendar client that polls then must not
 * read a 404 (some drop a subscription that answers one) for a URL that is about to work. */
static enum MHD_Result answer_starting(struct MHD_Connection *c, struct http_request *rq)
{
	return http_refuse(c, rq, MHD_HTTP_SERVICE_UNAVAILABLE, REFUSAL_STARTING, NULL, NULL);
}

/* The fields of a 200 or 304 for a part; a 304 carries the 200's validators and caching
 * fields, no Content-Type. */
static struct MHD_Response *part_headers(struct MHD_Response *resp, const char *etag,
					 time_t modified, const struct kind *k, bool fresh)
{
	char date[64];
	http_date_format(modified, date, sizeof(date));
	const char *kv[][2] = {
		{MHD_HTTP_HEADER_ETAG, etag},
		{MHD_HTTP_HEADER_LAST_MODIFIED, date},
		{MHD_HTTP_HEADER_CACHE_CONTROL, k->cache},
		{"X-Content-Type-Options", "nosniff"},
		{fresh ? NULL : MHD_HTTP_HEADER_CONTENT_TYPE, k->type},
		{k->csp != NULL ? "Content-Security-Policy" : NULL, k->csp},
		{NULL, NULL},
	};
	return http_with_headers(resp, kv);
}

/* 304 from the version alone: nothing is rendered. A 304 has an empty response: with the
 * 200's body libmicrohttpd would announce its Content-Length, which RFC 9110 allows but
 * clients built on http-parser (wrk, older libraries) then wait for, and stall. */
static enum MHD_Result answer_fresh(struct MHD_Connection *c, struct http_request *rq,
				    const char *etag, time_t modified, const struct kind *k)
{
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	return http_queue(c, rq, MHD_HTTP_NOT_MODIFIED, part_headers(resp, etag, modified, k, true),
			  0);
}

/* A rendered part; takes the caller's reference to b, which the response keeps until
 * libmicrohttpd destroys it. */
static enum MHD_Result answer_blob(struct MHD_Connection *c, struct http_request *rq,
				   struct http_blob *b, const struct kind *k)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer_with_free_callback_cls(
		b->len, b->data, http_blob_release, b);
	if (resp == NULL)
		http_blob_release(b);
	rq->feed = k->feed;
	return http_queue(c, rq, MHD_HTTP_OK, part_headers(resp, b->etag, b->modified, k, false),
			  b->len);
}

/* Renders part of slot through the renderer and keeps it; NULL with *status (404, 503)
 * when there is nothing to serve. */
static struct http_blob *render_part(struct http_server *s, struct http_site *site, size_t slot,
				     enum http_part part, unsigned *status)
{
	struct strbuf out;
	struct http_version v;
	strbuf_init(&out);
	*status = s->render != NULL ? s->render(s->form_user, site, slot, part, &out, &v) : 404;
	struct http_blob *b = NULL;
	if (*status == 0) {
		atomic_fetch_add(&s->renders[part], 1);
		b = http_blob_new(&out, slot, part, &v);
		http_cache_put(&s->cache, slot * HTTP_PARTS + part, &v, b);
	}
	strbuf_finish(&out);
	return b;
}

/* A part of the snapshot: 304 from its version, else its kept rendering, else rendered. */
static enum MHD_Result answer_part(struct http_server *s, struct MHD_Connection *c,
				   struct http_request *rq, struct http_site *site,
				   const struct http_entry *e, enum http_part part)
{
	const struct kind *k = part == HTTP_FEED ? &feed_kind : &page_kind;
	struct http_version v;
	http_site_version(site, e->slot, part, &v);
	char etag[40];
	http_etag(etag, e->slot, part, &v);
	if (http_not_modified(c, etag, v.modified))
		return answer_fresh(c, rq, etag, v.modified, k);
	size_t slot = e->slot;
	struct http_blob *b = http_cache_get(&s->cache, slot * HTTP_PARTS + part, &v);
	unsigned status = 0;
	if (b == NULL)
		b = render_part(s, site, slot, part, &status);
	if (b != NULL)
		return answer_blob(c, rq, b, k);
	if (status == MHD_HTTP_NOT_FOUND)
		return http_answer_text(c, rq, MHD_HTTP_NOT_FOUND, "No encontrado\n", NULL);
	return answer_starting(c, rq);
}
/* The token of /feeds/TOKEN.ics (*feed true) or /o/TOKEN (*feed false); NULL for other paths. */
static const char *path_token(const char *url, bool *feed)
{
	size_t n = strlen(url), fp = strlen(FEED_PREFIX), fs = strlen(FEED_SUFFIX);
	const char *t = NULL;
	if (n == fp + HTTP_TOKEN_LEN + fs && strncmp(url, FEED_PREFIX, fp) == 0 &&
	    strcmp(url + n - fs, FEED_SUFFIX) == 0) {
		t = url + fp;
		*feed = true;
	} else if (n == strlen(HTTP_PAGE_PREFIX) + HTTP_TOKEN_LEN &&
		   strncmp(url, HTTP_PAGE_PREFIX, strlen(HTTP_PAGE_PREFIX)) == 0) {
		t = url + strlen(HTTP_PAGE_PREFIX);
		*feed = false;
	}
	return t != NULL && http_is_token(t) ? t : NULL;
}

static enum MHD_Result route(struct http_server *s, struct MHD_Connection *c,
			     struct http_request *rq, const char *url)
{
	static const char not_found[] = "No encontrado\n";
	if (strcmp(url, "/healthz") == 0)
		return http_answer_text(c, rq, MHD_HTTP_OK, "ok\n", NULL);
	bool feed = false;
	const char *token = path_token(url, &feed);
	if (token == NULL)
		return http_answer_text(c, rq, MHD_HTTP_NOT_FOUND, not_found, NULL);
	struct http_site *site = http_server_site(s);
	if (site == NULL) /* listening, the first snapshot not yet published: come back */
		return answer_starting(c, rq);
	const struct http_entry *e = http_site_lookup(site, token);
	enum http_part part = feed					       ? HTTP_FEED
			      : e != NULL && (e->parts & HTTP_BIT(HTTP_MOVED)) ? HTTP_MOVED
									       : HTTP_PAGE;
	enum MHD_Result ret;
	if (e == NULL || !(e->parts & HTTP_BIT(part)))
		ret = http_refuse(c, rq, MHD_HTTP_NOT_FOUND, REFUSAL_UNKNOWN, NULL, NULL);
	else
		ret = answer_part(s, c, rq, site, e, part);
	http_site_release(site);
	return ret;
}

/* Marks the request's connection busy, charged to the client a trusted proxy forwards (the
 * access line then names it); false when that client holds too many connections. */
static bool charge(struct http_server *s, struct MHD_Connection *c, struct http_request *rq)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	rq->guarded = ci != NULL ? ci->socket_context : NULL;
	const char *xff = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Forwarded-For");
	return guard_busy(s->guard, rq->guarded, xff);
}

/* MHD access handler. The first call sees the headers: a malformed request is answered 400
 * and a method other than GET or HEAD 405 at once (the body is never read and the connection
 * closes); a form POST is checked (site, token, media type, size) before its body is read.
 * GET and HEAD are answered on the last call, once any body is read and dropped, so the
 * connection can stay open: answering from the first call makes libmicrohttpd close it. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct http_server *s = cls;
	struct http_request *rq = *con_cls;
	const char *action;
	bool form = http_form_token(url, &action) != NULL;
	bool post = strcmp(method, MHD_HTTP_METHOD_POST) == 0;
	(void)version;
	if (rq == NULL) {
		*con_cls = rq = http_request_new(c, url, method);
		if (!charge(s, c, rq))
			return http_refuse(c, rq, MHD_HTTP_TOO_MANY_REQUESTS, REFUSAL_BUSY, NULL,
					   NULL);
		const char *bad = http_bad_framing(c);
		if (bad != NULL)
			return http_answer_text(c, rq, MHD_HTTP_BAD_REQUEST, bad, NULL);
		if (form && post && s->on_form != NULL)
			return http_form_begin(s, c, rq, url);
		if (!form && (strcmp(method, MHD_HTTP_METHOD_GET) == 0 || rq->head))
			return MHD_YES;
		return http_refuse(c, rq, MHD_HTTP_METHOD_NOT_ALLOWED, REFUSAL_METHOD, NULL,
				   form ? "POST" : "GET, HEAD");
	}
	if (rq->status != 0) { /* already answered: drain */
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (rq->form != NULL)
		return http_form_body(s, c, rq, url, upload_data, upload_data_size);
	if (*upload_data_size != 0) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	return route(cls, c, rq, url);
}

/* ---- server ---- */

__attribute__((format(printf, 2, 0))) static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	size_t n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = '\0';
	log_info("libmicrohttpd: %s", msg);
}

union address {
	struct sockaddr sa;
	struct sockaddr_in v4;
	struct sockaddr_in6 v6;
};

/* Fills addr from a numeric address; adds the IPv6 flags ("::" listens dual-stack). */
static bool parse_address(const struct http_options *opt, union address *addr, unsigned *flags)
{
	memset(addr, 0, sizeof(*addr));
	if (inet_pton(AF_INET, opt->address, &addr->v4.sin_addr) == 1) {
		addr->v4.sin_family = AF_INET;
		addr->v4.sin_port = htons(opt->port);
		return true;
	}
	if (inet_pton(AF_INET6, opt->address, &addr->v6.sin6_addr) != 1)
		return false;
	addr->v6.sin6_family = AF_INET6;
	addr->v6.sin6_port = htons(opt->port);
	*flags |= IN6_IS_ADDR_UNSPECIFIED(&addr->v6.sin6_addr) ? MHD_USE_DUAL_STACK : MHD_USE_IPv6;
	return true;
}

/* MHD's accept policy: the guard decides (it may drop a waiting connection first). */
static enum MHD_Result on_accept(void *cls, const struct sockaddr *addr, socklen_t len)
{
	struct http_server *s = cls;
	(void)len;
	return guard_admit(s->guard, addr, mono_now()) ? MHD_YES : MHD_NO;
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
			  enum MHD_ConnectionNotificationCode toe)
{
	struct http_server *s = cls;
	if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
		guard_close(s->guard, *socket_context);
		*socket_context = NULL;
		return;
	}
	const union MHD_ConnectionInfo *fd =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (fd != NULL)
		*socket_context = guard_open(s->guard, fd->connect_fd,
					     ci != NULL ? ci->client_addr : NULL, mono_now());
	pthread_mutex_lock(&s->lock); /* the sweeper sleeps while none is open */
	pthread_cond_signal(&s->stop_cond);
	pthread_mutex_unlock(&s->lock);
}

static size_t open_connections(struct http_server *s)
{
	struct guard_stats st;
	guard_stats(s->guard, &st);
	return st.open;
}

/* The sweeper thread: every quarter second while a connection is open, drops those whose
 * headers are late; with none open it sleeps until one opens (on_connection), so an idle
 * daemon does not wake. */
static void *sweep(void *cls)
{
	struct http_server *s = cls;
	pthread_mutex_lock(&s->lock);
	while (!s->stopping) {
		if (open_connections(s) == 0) {
			pthread_cond_wait(&s->stop_cond, &s->lock);
			continue;
		}
		struct timespec until;
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_nsec += 250 * 1000 * 1000;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&s->stop_cond, &s->lock, &until);
		pthread_mutex_unlock(&s->lock);
		guard_sweep(s->guard, mono_now());
		pthread_mutex_lock(&s->lock);
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

/* libmicrohttpd's own cap is above the guard's: connections the guard dropped count there
 * until their thread closes them. */
static unsigned mhd_limit(const struct http_options *opt)
{
	return opt->connection_limit + opt->connection_limit / 2 + 16;
}

static struct MHD_Daemon *start_daemon(struct http_server *s, const struct http_options *opt,
				       unsigned flags, const union address *addr)
{
	return MHD_start_daemon(
		flags, opt->port, on_accept, s, on_request, s, MHD_OPTION_EXTERNAL_LOGGER, mhd_log,
		NULL, MHD_OPTION_SOCK_ADDR, &addr->sa, MHD_OPTION_CONNECTION_LIMIT, mhd_limit(opt),
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)opt->timeout,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, MEMORY_LIMIT, MHD_OPTION_THREAD_POOL_SIZE,
		(unsigned int)(opt->threads > 1 ? opt->threads : 1), MHD_OPTION_NOTIFY_COMPLETED,
		on_completed, s, MHD_OPTION_NOTIFY_CONNECTION, on_connection, s, MHD_OPTION_END);
}

static struct MHD_Daemon *start_metrics(struct http_server *s, const struct http_options *opt,
					unsigned flags, const union address *addr)
{
	return MHD_start_daemon(flags, 0, NULL, NULL, http_metrics_request, s,
				MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, MHD_OPTION_SOCK_ADDR,
				&addr->sa, MHD_OPTION_CONNECTION_LIMIT, 16u,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)opt->timeout,
				MHD_OPTION_CONNECTION_MEMORY_LIMIT, MEMORY_LIMIT,
				MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_END);
}

static void describe_where(char *where, size_t cap, const char *address, unsigned port)
{
	if (strchr(address, ':') != NULL)
		snprintf(where, cap, "http://[%s]:%u", address, port);
	else
		snprintf(where, cap, "http://%s:%u", address, port);
}

static unsigned short bound_port(struct MHD_Daemon *d, unsigned short fallback)
{
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	return di != NULL ? di->port : fallback;
}

static void server_free(struct http_server *s)
{
	http_cache_finish(&s->cache);
	guard_free(s->guard);
	pthread_cond_destroy(&s->stop_cond);
	pthread_mutex_destroy(&s->lock);
	free(s->origins);
	free(s);
}

static struct http_server *server_new(const struct http_options *opt, struct pz_error *err)
{
	struct guard_options g = {
		.limit = opt->connection_limit,
		.per_client = opt->per_client_limit ? opt->per_client_limit : opt->connection_limit,
		.reserve = opt->reserve,
		.header_timeout_ms =
			(opt->header_timeout ? opt->header_timeout : opt->timeout) * 1000,
		.trusted_proxies = opt->trusted_proxies,
	};
	struct guard *guard;
	if (guard_new(&guard, &g, err) < 0)
		return NULL;
	struct http_server *s = xcalloc(1, sizeof(*s));
	s->guard = guard;
	pthread_mutex_init(&s->lock, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->stop_cond, &ca);
	pthread_condattr_destroy(&ca);
	s->origins = xasprintf("%s %s", opt->origin ? opt->origin : "",
			       opt->origins ? opt->origins : "");
	s->on_form = opt->on_form;
	s->form_user = opt->form_user;
	s->render = opt->render;
	http_cache_init(&s->cache, opt->cache);
	for (size_t i = 0; i < HTTP_PARTS; i++)
		atomic_init(&s->renders[i], 0);
	for (size_t i = 0; i < HTTP_N_CODES; i++)
		atomic_init(&s->requests[i], 0);
	atomic_init(&s->feed_bytes, 0);
	atomic_init(&s->not_modified, 0);
	return s;
}

/* Binds the metrics listener when one is asked for. */
static int listen_metrics(struct http_server *s, const struct http_options *opt,
			  struct pz_error *err)
{
	char where[160];
	if (opt->metrics_address == NULL)
		return 0;
	describe_where(where, sizeof(where), opt->metrics_address, opt->metrics_port);
	union address addr;
	unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG | MHD_USE_ITC;
	struct http_options m = *opt;
	m.address = opt->metrics_address;
	m.port = opt->metrics_port;
	if (!parse_address(&m, &addr, &flags))
		return PZ_FAIL(err, PZ_ECONFIG, where,
			       "metrics address %s is not a numeric IPv4 or IPv6 address",
			       opt->metrics_address);
	errno = 0;
	s->metrics = start_metrics(s, &m, flags, &addr);
	if (s->metrics == NULL)
		return PZ_FAIL(err, PZ_EIO, where, "listen on %s (metrics): %s", where,
			       errno != 0 ? strerror(errno) : "libmicrohttpd cannot start");
	s->metrics_port = bound_port(s->metrics, opt->metrics_port);
	return 0;
}

int http_start(struct http_server **out, const struct http_options *opt, struct pz_error *err)
{
	char where[160];
	describe_where(where, sizeof(where), opt->address, opt->port);
	union address addr;
	unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG | MHD_USE_ITC;
	if (!parse_address(opt, &addr, &flags))
		return PZ_FAIL(err, PZ_ECONFIG, where,
			       "listen address %s is not a numeric IPv4 or IPv6 address",
			       opt->address);
	struct http_server *s = server_new(opt, err);
	if (s == NULL)
		return -1;
	errno = 0;
	s->daemon = start_daemon(s, opt, flags, &addr);
	if (s->daemon == NULL) {
		int e = errno;
		server_free(s);
		return PZ_FAIL(err, PZ_EIO, where, "listen on %s: %s", where,
			       e != 0 ? strerror(e) : "libmicrohttpd cannot start");
	}
	s->port = bound_port(s->daemon, opt->port);
	if (listen_metrics(s, opt, err) < 0) {
		MHD_stop_daemon(s->daemon);
		server_free(s);
		return -1;
	}
	if (pthread_create(&s->sweeper, NULL, sweep, s) != 0) {
		log_error("pthread_create: %s", strerror(errno));
		exit(EXIT_FAILURE);
	}
	*out = s;
	return 0;
}

void http_publish(struct http_server *s, struct http_site *site)
{
	pthread_mutex_lock(&s->lock);
	struct http_site *old = s->site;
	s->site = site;
	pthread_mutex_unlock(&s->lock);
	http_site_release(old);
}

/* Stops accepting, gives requests in flight up to a second, then closes everything. */
void http_stop(struct http_server *s)
{
	if (s == NULL)
		return;
	MHD_socket listen_fd = MHD_quiesce_daemon(s->daemon);
	for (int i = 0; i < DRAIN_STEPS; i++) {
		const union MHD_DaemonInfo *di =
			MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
		if (di == NULL || di->num_connections == 0)
			break;
		nanosleep(&(struct timespec){0, 50 * 1000 * 1000}, NULL);
	}
	pthread_mutex_lock(&s->lock);
	s->stopping = true;
	pthread_cond_signal(&s->stop_cond);
	pthread_mutex_unlock(&s->lock);
	pthread_join(s->sweeper, NULL);
	MHD_stop_daemon(s->daemon);
	if (s->metrics != NULL)
		MHD_stop_daemon(s->metrics);
	if (listen_fd != MHD_INVALID_SOCKET)
		close(listen_fd);
	http_site_release(s->site);
	server_free(s);
}

unsigned short http_port(const struct http_server *s)
{
	return s->port;
}

unsigned short http_metrics_port(const struct http_server *s)
{
	return s->metrics != NULL ? s->metrics_port : 0;
}

void http_count_pass(struct http_server *s)
{
	atomic_fetch_add(&s->passes, 1);
}
