/* fuzz-http.c - libFuzzer target: raw bytes as one HTTP request, over a loopback socket, to
 * a real server (http.c) serving the shipped plan's feeds and pages from a real store in a
 * temporary state directory, with the form handler wired to form.c as the daemon wires it.
 * Crashes, leaks and UB in the server's threads are failures; so is a server that stops
 * answering. Seeds: fuzz/corpus-http/ (a feed GET, a conditional GET, a form POST, the
 * multipart POST of issue 12 under a page token). The page token of the first office is
 * fixed (PAGE below) so that the seeds reach the form handler. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <netinet/in.h>
#include <pthread.h>
#include <unistd.h>

#include "config.h"
#include "diag.h"
#include "done.h"
#include "feed.h"
#include "ics.h"
#include "page_office.h"
#include "render.h"
#include "site.h"
#include "form.h"
#include "http.h"
#include "plan.h"
#include "store.h"

#define PAGE "00000000000000000000000000000001"
#define CSRF "00000000000000000000000000000002"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct world {
	struct config cfg;
	struct plan plan;
	struct store *st;
	struct http_server *http;
	struct form_office *offices;
	size_t n_offices;
	struct render_index *index;
	struct site_tokens *tokens; /* [0 .. n_offices]: the last, the all-offices feed's */
	pthread_mutex_t lock;
	time_t now;
};

/* Renders as the daemon does: one part of one office, under the lock, at the version's
 * stamp. */
static unsigned render(void *user, struct http_site *site, size_t slot, enum http_part part,
		       struct strbuf *out, struct http_version *v)
{
	struct world *w = user;
	struct done_set done;
	struct pz_error err = {0};
	time_t modified;
	pthread_mutex_lock(&w->lock);
	http_site_version(site, slot, part, v);
	int rc = 0;
	if (part == HTTP_MOVED)
		page_office_render_moved(&w->cfg, slot, w->tokens[slot].feed, out);
	else if ((rc = done_load(&done, w->st, &err)) == 0) {
		struct render_ctx ctx = {.plan = &w->plan, .cfg = &w->cfg, .index = w->index,
					 .done = &done, .st = w->st, .now = v->modified};
		rc = part == HTTP_FEED
			     ? feed_render_office(&ctx,
						  slot == w->cfg.n_offices ? ICS_ALL_OFFICES : slot,
						  out, &modified, &err)
			     : page_office_render(&ctx, slot, &w->tokens[slot], out, &err);
		done_finish(&done);
	}
	pthread_mutex_unlock(&w->lock);
	return rc == 0 ? 0 : 503;
}


static void on_form(void *user, const char *token, const char *action,
		    const struct http_form *form, struct http_form_reply *reply)
{
	struct world *w = user;
	pthread_mutex_lock(&w->lock);
	struct form_ctx c = {&w->plan, &w->cfg, w->offices, w->n_offices, w->st, w->now};
	form_handle(&c, token, action, form, reply);
	pthread_mutex_unlock(&w->lock);
}

static void die(const char *what, const struct pz_error *err)
{
	fprintf(stderr, "fuzz-http: %s: %s\n", what, err ? err->msg : "");
	exit(1);
}

static char state_dir[] = "/tmp/plazo-fuzz-http-XXXXXX";

/* At exit: the temporary state directory goes (the server is still running: its files are
 * unlinked, not closed). */
static void remove_state(void)
{
	static const char *const names[] = {"plazo.db", "plazo.db-wal", "plazo.db-shm"};
	char path[sizeof(state_dir) + 16];
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", state_dir, names[i]);
		unlink(path);
	}
	rmdir(state_dir);
}

static void load(struct world *w)
{
	struct diag_list d;
	struct pz_error err = {0};
	const char *path = getenv("PLAZO_CONFIG");
	char *dir = state_dir;
	diag_list_init(&d);
	config_init(&w->cfg);
	plan_init(&w->plan);
	if (config_load(&w->cfg, path ? path : "config/plazo.ini", &d, &err) < 0 ||
	    mkdtemp(dir) == NULL)
		die("config", &err);
	atexit(remove_state);
	char *plan_path = config_resolve_path(&w->cfg, w->cfg.plan_file);
	char *db = malloc(strlen(dir) + 16);
	sprintf(db, "%s/plazo.db", dir);
	w->now = 1677675600; /* 2023-03-01T13:00Z */
	char key[96];
	snprintf(key, sizeof(key), "csrf:%s", w->cfg.n_offices ? w->cfg.offices[0].id : "");
	if (plan_load(&w->plan, plan_path, &w->cfg, &d, &err) < 0 ||
	    store_open(&w->st, db, &err) < 0 ||
	    store_set_page_token(w->st, w->cfg.offices[0].id, PAGE, w->now, &err) < 0 ||
	    store_set_meta(w->st, key, CSRF, &err) < 0)
		die("plan and store", &err);
	free(plan_path);
	free(db);
	diag_list_finish(&d);
}

static void offices(struct world *w)
{
	struct pz_error err = {0};
	w->offices = calloc(w->cfg.n_offices, sizeof(*w->offices));
	for (size_t o = 0; o < w->cfg.n_offices; o++) {
		struct form_office *f = &w->offices[w->n_offices];
		f->office = o;
		if (site_page_token(w->st, w->cfg.offices[o].id, w->now, f->token, &err) < 0 ||
		    site_csrf(w->st, w->cfg.offices[o].id, f->csrf, &err) < 0)
			die("tokens", &err);
		w->n_offices++;
	}
}

/* Every office's feed (and moved page) and page, and the all-offices feed, in state 1. */
static struct http_site *site_of(struct world *w)
{
	size_t n = w->cfg.n_offices;
	struct pz_error err = {0};
	w->index = render_index_new(&w->plan, n);
	w->tokens = calloc(n + 1, sizeof(*w->tokens));
	if (w->tokens == NULL || site_tokens_load(w->st, &w->cfg, w->now, w->tokens, &err) < 0)
		die("tokens", &err);
	struct http_site *site = http_site_new(1, n + 1, 0, w->now);
	for (size_t o = 0; o < n; o++) {
		http_site_add(site, w->tokens[o].feed, o, HTTP_BIT(HTTP_FEED) | HTTP_BIT(HTTP_MOVED));
		http_site_add(site, w->tokens[o].page, o, HTTP_BIT(HTTP_PAGE));
	}
	http_site_add(site, w->tokens[n].feed, n, HTTP_BIT(HTTP_FEED));
	for (size_t o = 0; o <= n; o++)
		http_site_set(site, o, HTTP_BIT(HTTP_FEED) | HTTP_BIT(HTTP_PAGE) | HTTP_BIT(HTTP_MOVED),
			      1, w->now);
	return site;
}

static struct world *start(void)
{
	static struct world w;
	struct pz_error err = {0};
	load(&w);
	offices(&w);
	pthread_mutex_init(&w.lock, NULL);
	struct http_options o = {
		.address = "127.0.0.1",
		.connection_limit = 256,
		.per_client_limit = 1000, /* every input comes from 127.0.0.1 */
		.reserve = 4,
		.header_timeout = 2,
		.timeout = 2,
		.threads = 2,
		.origin = "http://127.0.0.1:8080",
		.on_form = on_form,
		.form_user = &w,
		.render = render,
		.cache = 1 << 20, /* small: evictions are exercised too */
	};
	struct http_site *site = site_of(&w);
	if (http_start(&w.http, &o, &err) < 0)
		die("server", &err);
	http_publish(w.http, site);
	return &w;
}

/* Sends one request, half-closes, reads the answer until the server closes or is silent for
 * 100 ms (a keep-alive connection stays open until the server's timeout; the connection guard
 * drops the oldest of those when they pile up). */
static void exchange(unsigned short port, const uint8_t *data, size_t size)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	struct timeval tv = {0, 100 * 1000};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0) {
		for (size_t off = 0; off < size;) {
			ssize_t n = send(fd, data + off, size - off, MSG_NOSIGNAL);
			if (n <= 0)
				break;
			off += (size_t)n;
		}
		shutdown(fd, SHUT_WR);
		char buf[65536];
		while (recv(fd, buf, sizeof(buf), 0) > 0)
			;
	}
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct world *w;
	if (w == NULL)
		w = start();
	exchange(http_port(w->http), data, size);
	return 0;
}
