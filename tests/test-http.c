/* test-http.c - the HTTP server through its public API (http.h): a snapshot with one office's
 * feed and page served on a loopback port, and requests written by hand on a socket.
 * Routing (feeds, pages, healthz, unknown tokens, methods), the validators and conditional
 * requests (If-None-Match over If-Modified-Since, weak and list forms, HEAD), a publish
 * in another state replacing what is served (the validators name the state, not the
 * bytes), and the form path: what reaches the handler, and the refusals (another site, a
 * read-only token, another media type, a body too large) that never do; the origins
 * accepted besides base_url's, and refusals as HTML pages under /o/ (503, 403, 429) and
 * plain text elsewhere. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "http.h"
#include "log.h"
#include "strbuf.h"
#include "test.h"
#include "xalloc.h"

#define TOKEN "0123456789abcdef0123456789abcdef"
#define READ_ONLY "fedcba9876543210fedcba9876543210"
#define FEED "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
#define PAGE "<!doctype html><title>Oficina</title>"
#define MODIFIED 1677675600 /* 2023-03-01T13:00:00Z */
#define ORIGIN "http://plazo.test"

/* What the form handler saw. */
struct seen {
	int calls;
	char token[33];
	char action[16];
	struct http_form form;
};

static void on_form(void *user, const char *token, const char *action, const struct http_form *form,
		    struct http_form_reply *reply)
{
	struct seen *s = user;
	s->calls++;
	snprintf(s->token, sizeof(s->token), "%s", token);
	snprintf(s->action, sizeof(s->action), "%s", action);
	s->form = *form;
	reply->status = 303;
	snprintf(reply->location, sizeof(reply->location), "/o/%s#%s", token, form->item);
}

/* What the renderer serves: the feed of the snapshot published last, the page. */
static const char *served_feed = FEED;

static unsigned render(void *user, struct http_site *site, size_t slot, enum http_part part,
		       struct strbuf *out, struct http_version *v)
{
	strbuf_puts(out, part == HTTP_FEED ? served_feed : PAGE);
	http_site_version(site, slot, part, v);
	return 0;
}

/* One office slot: its feed and page with forms under TOKEN, the read-only page under
 * READ_ONLY, in state state (another state: other validators), stamped MODIFIED. */
static struct http_site *site_with(const char *feed, uint64_t state)
{
	struct http_site *site = http_site_new(1, 1, 0, MODIFIED);
	http_site_set_counts(site, 1, 2, 3);
	http_site_add(site, TOKEN, 0, HTTP_BIT(HTTP_FEED) | HTTP_BIT(HTTP_PAGE));
	http_site_add(site, READ_ONLY, 0, HTTP_BIT(HTTP_MOVED));
	http_site_set(site, 0, HTTP_BIT(HTTP_FEED) | HTTP_BIT(HTTP_PAGE) | HTTP_BIT(HTTP_MOVED),
		      state, MODIFIED);
	served_feed = feed;
	return site;
}

/* Starts a server on a loopback port with opt's own fields and the fixture's (its forms to
 * seen, the renderer above, ORIGIN); exits when it cannot. */
static struct http_server *launch(struct http_options opt, struct seen *seen)
{
	opt.address = "127.0.0.1";
	opt.connection_limit = 16;
	opt.header_timeout = 5;
	opt.timeout = 5;
	opt.threads = 1;
	opt.origin = ORIGIN;
	opt.on_form = on_form;
	opt.form_user = seen;
	opt.render = render;
	opt.cache = 1 << 20;
	struct http_server *s = NULL;
	struct pz_error err = {0};
	if (http_start(&s, &opt, &err) < 0) {
		fprintf(stderr, "http_start: %s\n", err.msg);
		exit(EXIT_FAILURE);
	}
	return s;
}

static struct http_server *start(struct seen *seen)
{
	struct http_server *s = launch((struct http_options){0}, seen);
	http_publish(s, site_with(FEED, 1));
	return s;
}

/* A reply: status, the header block and the body. */
struct reply {
	int status;
	struct strbuf raw;
	const char *body;
};

/* Sends request (with "Connection: close" added) and reads the whole answer. */
static void fetch(unsigned short port, const char *request, struct reply *r)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	struct timeval tv = {5, 0};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	strbuf_init(&r->raw);
	r->status = 0;
	r->body = "";
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0)
		abort();
	const char *eoh = strstr(request, "\r\n\r\n");
	struct strbuf req;
	strbuf_init(&req);
	strbuf_append(&req, request, (size_t)(eoh - request));
	strbuf_printf(&req, "\r\nConnection: close%s", eoh);
	if (write(fd, req.data, req.len) != (ssize_t)req.len)
		abort();
	strbuf_finish(&req);
	char chunk[4096];
	ssize_t n;
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		strbuf_append(&r->raw, chunk, (size_t)n);
	close(fd);
	if (r->raw.len > 12 && strncmp(r->raw.data, "HTTP/1.", 7) == 0)
		r->status = atoi(r->raw.data + 9);
	const char *body = r->raw.data ? strstr(r->raw.data, "\r\n\r\n") : NULL;
	r->body = body ? body + 4 : "";
}

/* The value of header name in r (the first such), in buf; NULL when absent. */
static const char *header(const struct reply *r, const char *name, char *buf, size_t size)
{
	size_t n = strlen(name);
	for (const char *p = r->raw.data; p && p < r->body; p = strstr(p, "\r\n")) {
		p += p == r->raw.data ? 0 : 2;
		if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
			p += n + 1 + strspn(p + n + 1, " ");
			size_t len = strcspn(p, "\r\n");
			snprintf(buf, size, "%.*s", (int)(len < size ? len : size - 1), p);
			return buf;
		}
		if (p == r->raw.data)
			p++;
	}
	return NULL;
}

static int get(unsigned short port, const char *path, const char *extra, struct reply *r)
{
	char req[1024];
	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: plazo.test\r\n%s\r\n", path,
		 extra ? extra : "");
	fetch(port, req, r);
	return r->status;
}

static void routes(struct test_state *ts)
{
	struct seen seen = {0};
	struct http_server *s = start(&seen);
	unsigned short port = http_port(s);
	struct reply r;
	char v[128];
	CHECK_INT_EQ(ts, get(port, "/feeds/" TOKEN ".ics", NULL, &r), 200);
	CHECK_STR_EQ(ts, r.body, FEED);
	CHECK(ts, header(&r, "Content-Type", v, sizeof(v)) && strstr(v, "text/calendar"));
	CHECK_STR_EQ(ts, header(&r, "Last-Modified", v, sizeof(v)),
		     "Wed, 01 Mar 2023 13:00:00 GMT");
	CHECK(ts, header(&r, "ETag", v, sizeof(v)) && v[0] == '"' && strlen(v) > 2);
	strbuf_finish(&r.raw);
	CHECK_INT_EQ(ts, get(port, "/o/" TOKEN, NULL, &r), 200);
	CHECK_STR_EQ(ts, r.body, PAGE);
	CHECK(ts, header(&r, "Content-Type", v, sizeof(v)) && strstr(v, "text/html"));
	strbuf_finish(&r.raw);
	CHECK_INT_EQ(ts, get(port, "/healthz", NULL, &r), 200);
	CHECK(ts, strncmp(r.body, "ok", 2) == 0);
	strbuf_finish(&r.raw);
	const char *missing[] = {("/feeds/" READ_ONLY ".ics"),
				 "/feeds/00000000000000000000000000000000.ics",
				 "/o/0123",
				 ("/feeds/" TOKEN),
				 "/",
				 "/metrics"};
	for (size_t i = 0; i < sizeof(missing) / sizeof(missing[0]); i++) {
		if (get(port, missing[i], NULL, &r) != 404)
			fprintf(stderr, "%s: %d\n", missing[i], r.status);
		CHECK_INT_EQ(ts, r.status, 404);
		strbuf_finish(&r.raw);
	}
	fetch(port, "DELETE /feeds/" TOKEN ".ics HTTP/1.1\r\nHost: plazo.test\r\n\r\n", &r);
	CHECK_INT_EQ(ts, r.status, 405);
	CHECK(ts, header(&r, "Allow", v, sizeof(v)) != NULL);
	strbuf_finish(&r.raw);
	CHECK_INT_EQ(ts, get(port, "/o/" TOKEN "/entregar", NULL, &r), 405);
	CHECK_STR_EQ(ts, header(&r, "Allow", v, sizeof(v)), "POST");
	strbuf_finish(&r.raw);
	fetch(port, "HEAD /feeds/" TOKEN ".ics HTTP/1.1\r\nHost: plazo.test\r\n\r\n", &r);
	CHECK_INT_EQ(ts, r.status, 200);
	CHECK_STR_EQ(ts, r.body, "");
	char len[16];
	snprintf(len, sizeof(len), "%zu", strlen(FEED));
	CHECK_STR_EQ(ts, header(&r, "Content-Length", v, sizeof(v)), len);
	strbuf_finish(&r.raw);
	CHECK_INT_EQ(ts, seen.calls, 0);
	http_stop(s);
}

/* fmt with its '@' (if any) replaced by etag, into buf. */
static void with_etag(char *buf, size_t size, const char *fmt, const char *etag)
{
	const char *at = strchr(fmt, '@');
	if (at == NULL)
		snprintf(buf, size, "%s", fmt);
	else
		snprintf(buf, size, "%.*s%s%s", (int)(at - fmt), fmt, etag, at + 1);
}

static void conditional(struct test_state *ts)
{
	struct seen seen = {0};
	struct http_server *s = start(&seen);
	unsigned short port = http_port(s);
	struct reply r;
	char etag[64], v[64], extra[256];
	get(port, "/feeds/" TOKEN ".ics", NULL, &r);
	header(&r, "ETag", etag, sizeof(etag));
	strbuf_finish(&r.raw);
	struct {
		const char *fmt; /* '@': the ETag */
		int status;
	} cases[] = {
		{"If-None-Match: @\r\n", 304},
		{"If-None-Match: W/@\r\n", 304},
		{"If-None-Match: \"other\", @\r\n", 304},
		{"If-None-Match: *\r\n", 304},
		{"If-None-Match: \"other\"\r\n", 200},
		{"If-Modified-Since: Wed, 01 Mar 2023 13:00:00 GMT\r\n", 304},
		{"If-Modified-Since: Wed, 01 Mar 2023 12:59:59 GMT\r\n", 200},
		{"If-Modified-Since: Thu, 02 Mar 2023 00:00:00 GMT\r\n", 304},
		{"If-Modified-Since: not a date\r\n", 200},
		{"If-Modified-Since: Sun, 31 Feb 2023 13:00:00 GMT\r\n", 200},
		/* the two obsolete forms (RFC 9110 section 5.6.7), and their impossible days */
		{"If-Modified-Since: Wednesday, 01-Mar-23 13:00:00 GMT\r\n", 304},
		{"If-Modified-Since: Wednesday, 01-Mar-23 12:59:59 GMT\r\n", 200},
		{"If-Modified-Since: Wed Mar  1 13:00:00 2023\r\n", 304},
		{"If-Modified-Since: Wed Mar  1 12:59:59 2023\r\n", 200},
		{"If-Modified-Since: Sunday, 31-Feb-23 13:00:00 GMT\r\n", 200},
		{"If-Modified-Since: Sun Feb 31 13:00:00 2023\r\n", 200},
		/* If-None-Match decides when present, even against a matching date */
		{"If-None-Match: \"other\"\r\nIf-Modified-Since: Thu, 02 Mar 2023 00:00:00 GMT\r\n",
		 200},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		with_etag(extra, sizeof(extra), cases[i].fmt, etag);
		if (get(port, "/feeds/" TOKEN ".ics", extra, &r) != cases[i].status)
			fprintf(stderr, "case %zu (%s): %d\n", i, extra, r.status);
		CHECK_INT_EQ(ts, r.status, cases[i].status);
		if (cases[i].status == 304) {
			CHECK_STR_EQ(ts, r.body, "");
			CHECK_STR_EQ(ts, header(&r, "ETag", v, sizeof(v)), etag);
		}
		strbuf_finish(&r.raw);
	}
	/* a new snapshot in another state: another ETag, the old one no longer matches */
	http_publish(s, site_with(FEED "X", 2));
	snprintf(extra, sizeof(extra), "If-None-Match: %s\r\n", etag);
	CHECK_INT_EQ(ts, get(port, "/feeds/" TOKEN ".ics", extra, &r), 200);
	CHECK_STR_EQ(ts, r.body, FEED "X");
	CHECK(ts, header(&r, "ETag", v, sizeof(v)) && strcmp(v, etag) != 0);
	strbuf_finish(&r.raw);
	http_stop(s);
}

static int post(unsigned short port, const char *path, const char *headers, const char *body,
		struct reply *r)
{
	struct strbuf req;
	strbuf_init(&req);
	strbuf_printf(&req,
		      "POST %s HTTP/1.1\r\nHost: plazo.test\r\n%sContent-Length: %zu\r\n\r\n%s",
		      path, headers, strlen(body), body);
	fetch(port, req.data, r);
	strbuf_finish(&req);
	return r->status;
}

#define FORM_TYPE "Content-Type: application/x-www-form-urlencoded\r\n"
#define BODY "csrf=abc&item=a13-2&due=2023-03-01&nombre=Ana+P%C3%A9rez&evidencia=https%3A%2F%2Fx"

static void forms(struct test_state *ts)
{
	struct seen seen = {0};
	struct http_server *s = start(&seen);
	unsigned short port = http_port(s);
	struct reply r;
	char v[128];
	CHECK_INT_EQ(
		ts,
		post(port, "/o/" TOKEN "/entregar", FORM_TYPE "Origin: " ORIGIN "\r\n", BODY, &r),
		303);
	CHECK_STR_EQ(ts, header(&r, "Location", v, sizeof(v)), "/o/" TOKEN "#a13-2");
	strbuf_finish(&r.raw);
	CHECK_INT_EQ(ts, seen.calls, 1);
	CHECK_STR_EQ(ts, seen.token, TOKEN);
	CHECK_STR_EQ(ts, seen.action, "entregar");
	CHECK_STR_EQ(ts, seen.form.csrf, "abc");
	CHECK_STR_EQ(ts, seen.form.item, "a13-2");
	CHECK_STR_EQ(ts, seen.form.due, "2023-03-01");
	CHECK_STR_EQ(ts, seen.form.name, "Ana Pérez");
	CHECK_STR_EQ(ts, seen.form.evidence, "https://x");
	CHECK_INT_EQ(ts, post(port, "/o/" TOKEN "/deshacer", FORM_TYPE, BODY, &r), 303);
	CHECK_STR_EQ(ts, seen.action, "deshacer");
	strbuf_finish(&r.raw);
	CHECK_INT_EQ(ts, seen.calls, 2);

	struct {
		const char *path, *headers, *body;
		int status;
	} refused[] = {
		{"/o/" TOKEN "/entregar", FORM_TYPE "Origin: http://evil.test\r\n", BODY, 403},
		{"/o/" TOKEN "/entregar", FORM_TYPE "Sec-Fetch-Site: cross-site\r\n", BODY, 403},
		{"/o/" READ_ONLY "/entregar", FORM_TYPE, BODY, 403},
		{"/o/00000000000000000000000000000000/entregar", FORM_TYPE, BODY, 404},
		{"/o/" TOKEN "/entregar", "Content-Type: text/plain\r\n", BODY, 415},
		{"/o/" TOKEN "/entregar", "Content-Type: multipart/form-data; boundary=x\r\n", BODY,
		 415},
		{"/o/" TOKEN "/otra", FORM_TYPE, BODY, 405}, /* not a form action */
	};
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		if (post(port, refused[i].path, refused[i].headers, refused[i].body, &r) !=
		    refused[i].status)
			fprintf(stderr, "refusal %zu: %d\n%s\n", i, r.status, r.raw.data);
		CHECK_INT_EQ(ts, r.status, refused[i].status);
		strbuf_finish(&r.raw);
	}
	struct strbuf big;
	strbuf_init(&big);
	strbuf_puts(&big, BODY "&x=");
	for (int i = 0; i < 64 * 1024; i++)
		strbuf_putc(&big, 'a');
	CHECK_INT_EQ(ts, post(port, "/o/" TOKEN "/entregar", FORM_TYPE, big.data, &r), 413);
	strbuf_finish(&r.raw);
	strbuf_finish(&big);
	CHECK_INT_EQ(ts, seen.calls, 2); /* no refused form reached the handler */
	http_stop(s);
}

/* A server like start's, with [http] origins, a trusted proxy and one connection per client
 * it forwards, and no snapshot published yet. */
static struct http_server *start_bare(struct seen *seen)
{
	return launch((struct http_options){.per_client_limit = 1,
					    .trusted_proxies = "127.0.0.1",
					    .origins = "http://localhost:8080, HTTP://Plazo:80"},
		      seen);
}

/* Whether r is the Spanish HTML refusal page, with (back) or without the link to the page. */
static bool refusal_page(const struct reply *r, bool back)
{
	char v[128];
	return header(r, "Content-Type", v, sizeof(v)) && strncmp(v, "text/html", 9) == 0 &&
	       strstr(r->body, "<html lang=\"es\">") != NULL &&
	       (strstr(r->body, "href=\"/o/" TOKEN "\"") != NULL) == back;
}

static bool plain_text(const struct reply *r)
{
	char v[128];
	return header(r, "Content-Type", v, sizeof(v)) && strncmp(v, "text/plain", 10) == 0;
}

/* A connection that sent the headers of a POST and holds back its body: busy meanwhile. */
static int hold(unsigned short port, const char *request)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    write(fd, request, strlen(request)) != (ssize_t)strlen(request))
		abort();
	nanosleep(&(struct timespec){0, 300 * 1000 * 1000}, NULL); /* its headers are read */
	return fd;
}

#define XFF "X-Forwarded-For: 10.1.1.1\r\n"

/* Refusals under /o/TOKEN are the HTML page (refusal.h), elsewhere plain text: while starting
 * (503, Retry-After), another site's Origin (403), a forwarded client over its limit (429);
 * the listed origins are accepted whatever their case or default port. */
static void refusal_pages(struct test_state *ts)
{
	struct seen seen = {0};
	struct http_server *s = start_bare(&seen);
	unsigned short port = http_port(s);
	struct reply r;
	char v[128];
	CHECK_INT_EQ(ts, get(port, "/o/" TOKEN, NULL, &r), 503);
	CHECK(ts, refusal_page(&r, true) && strstr(r.body, "iniciando") != NULL);
	CHECK_STR_EQ(ts, header(&r, "Retry-After", v, sizeof(v)), "5");
	strbuf_finish(&r.raw);
	CHECK_INT_EQ(ts, get(port, "/feeds/" TOKEN ".ics", NULL, &r), 503);
	CHECK(ts, plain_text(&r) && header(&r, "Retry-After", v, sizeof(v)) != NULL);
	strbuf_finish(&r.raw);
	http_publish(s, site_with(FEED, 1));
	static const struct {
		const char *origin;
		int status;
	} origins[] = {{"http://localhost:8080", 303}, {"http://plazo", 303},
		       {"http://PLAZO:80", 303},	    {ORIGIN, 303},
		       {"http://localhost:8081", 403}, {"https://localhost:8080", 403},
		       {"http://plazo.evil.test", 403}, {"null", 403}};
	for (size_t i = 0; i < sizeof(origins) / sizeof(origins[0]); i++) {
		char h[256];
		snprintf(h, sizeof(h), FORM_TYPE "Origin: %s\r\n", origins[i].origin);
		if (post(port, "/o/" TOKEN "/entregar", h, BODY, &r) != origins[i].status)
			fprintf(stderr, "Origin %s: %d\n", origins[i].origin, r.status);
		CHECK_INT_EQ(ts, r.status, origins[i].status);
		CHECK(ts, r.status != 403 || refusal_page(&r, true));
		strbuf_finish(&r.raw);
	}
	CHECK_INT_EQ(ts, seen.calls, 4);
	int fd = hold(port, "POST /o/" TOKEN "/entregar HTTP/1.1\r\nHost: plazo.test\r\n" XFF
			    FORM_TYPE "Content-Length: 100\r\n\r\n");
	CHECK_INT_EQ(ts, get(port, "/o/" TOKEN, XFF, &r), 429);
	CHECK(ts, refusal_page(&r, true));
	strbuf_finish(&r.raw);
	CHECK_INT_EQ(ts, get(port, "/feeds/" TOKEN ".ics", XFF, &r), 429);
	CHECK(ts, plain_text(&r));
	strbuf_finish(&r.raw);
	close(fd);
	http_stop(s);
}

int main(void)
{
	log_init(LOG_LEVEL_ERROR);
	static const struct test_case cases[] = {TEST(routes), TEST(conditional), TEST(forms),
						 TEST(refusal_pages)};
	return test_run(cases, sizeof(cases) / sizeof(cases[0]));
}
