/* http-serve - test driver for http.c: serves the files of a directory.
 *
 *   http-serve PORT_FILE DIR
 *
 * DIR/TOKEN.ics is a feed and DIR/TOKEN.html its office page (optional: without it the token
 * is feed-only, its page read-only); Last-Modified is the file's mtime, and the ETag names
 * the bytes of the whole directory. DIR/gauges, when present, holds the three
 * reminder gauges "PENDING SENT FAILED". Environment: PLAZO_HTTP_ADDRESS (127.0.0.1),
 * PLAZO_HTTP_TIMEOUT (2 seconds), PLAZO_HTTP_CONNECTION_LIMIT (256), PLAZO_HTTP_PER_CLIENT,
 * PLAZO_HTTP_RESERVE, PLAZO_HTTP_HEADER_TIMEOUT (seconds), PLAZO_HTTP_TRUSTED_PROXIES (the
 * connection guard; unset: no per-client limit, no reserve, headers bounded by the timeout),
 * PLAZO_HTTP_METRICS_ADDRESS (127.0.0.1: where /metrics is served, on an ephemeral port).
 * The port is 0 (ephemeral): once serving, the bound port is written to PORT_FILE, and the
 * metrics port, first, to PORT_FILE.metrics. SIGHUP re-reads DIR and publishes a new snapshot; SIGTERM or
 * SIGINT stop the server and exit 0. Exit status 1 when the server cannot start, 2 on usage.
 */
#include <dirent.h>
#include <pthread.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "error.h"
#include "hash.h"
#include "http.h"
#include "log.h"
#include "strbuf.h"
#include "xalloc.h"

/* Reads a whole file; NULL when it cannot be read. */
static char *read_file(const char *path, size_t *len, time_t *mtime)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	struct stat st;
	if (fstat(fileno(f), &st) != 0) {
		fclose(f);
		return NULL;
	}
	struct strbuf b;
	strbuf_init(&b);
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		strbuf_append(&b, chunk, n);
	fclose(f);
	*len = b.len;
	*mtime = st.st_mtime;
	return strbuf_steal(&b);
}

static bool is_feed_name(const char *name)
{
	return strlen(name) == 36 && strspn(name, "0123456789abcdef") == 32 &&
	       strcmp(name + 32, ".ics") == 0;
}

/* The tokens of DIR, each its own office slot: what the renderer reads again. */
struct served {
	pthread_mutex_t lock; /* the list changes on SIGHUP, renderers read it */
	char *dir;
	char (*tokens)[33];
	size_t n, cap;
};

static char *part_path(const struct served *sv, size_t slot, enum http_part part)
{
	return xasprintf("%s/%s%s", sv->dir, sv->tokens[slot], part == HTTP_FEED ? ".ics" : ".html");
}

/* The renderer: the file as it is now (the test changes files only with a SIGHUP). */
static unsigned render(void *user, struct http_site *site, size_t slot, enum http_part part,
		       struct strbuf *out, struct http_version *v)
{
	struct served *sv = user;
	pthread_mutex_lock(&sv->lock);
	char *path = slot < sv->n ? part_path(sv, slot, part) : NULL;
	size_t len;
	time_t mtime;
	char *data = path != NULL ? read_file(path, &len, &mtime) : NULL;
	pthread_mutex_unlock(&sv->lock);
	free(path);
	if (data == NULL)
		return 404;
	strbuf_append(out, data, len);
	free(data);
	http_site_version(site, slot, part, v);
	return 0;
}

/* Adds a token's feed (and page, read-only, when TOKEN.html exists) stamped with the files'
 * mtimes; *gen takes in their bytes, so that new bytes get new validators. */
static void add_token(struct http_site *site, struct served *sv, size_t slot, uint64_t *gen)
{
	unsigned parts = 0;
	for (enum http_part part = HTTP_FEED; part <= HTTP_MOVED; part += 2) {
		char *path = part_path(sv, slot, part);
		size_t len;
		time_t mtime;
		char *data = read_file(path, &len, &mtime);
		free(path);
		if (data == NULL)
			continue;
		*gen = hash_bytes(hash_bytes(*gen, data, len), &mtime, sizeof(mtime));
		free(data);
		parts |= HTTP_BIT(part);
		if (site != NULL) /* a state of its own, stamped with the file's mtime */
			http_site_set(site, slot, HTTP_BIT(part), (uint64_t)mtime + 1, mtime);
	}
	if (site != NULL)
		http_site_add(site, sv->tokens[slot], slot, parts);
}

static void list_tokens(struct served *sv)
{
	sv->n = 0;
	DIR *d = opendir(sv->dir);
	if (d == NULL) {
		fprintf(stderr, "http-serve: %s: %s\n", sv->dir, strerror(errno));
		return;
	}
	struct dirent *de;
	while ((de = readdir(d)) != NULL)
		if (is_feed_name(de->d_name)) {
			sv->tokens = xgrow(sv->tokens, &sv->cap, sv->n + 1, sizeof(*sv->tokens));
			snprintf(sv->tokens[sv->n++], 33, "%.32s", de->d_name);
		}
	closedir(d);
}

static struct http_site *load_site(struct served *sv)
{
	long gauges[3] = {0, 0, 0};
	char *path = xasprintf("%s/gauges", sv->dir);
	FILE *f = fopen(path, "r");
	free(path);
	if (f != NULL) {
		if (fscanf(f, "%ld %ld %ld", &gauges[0], &gauges[1], &gauges[2]) != 3)
			fprintf(stderr, "http-serve: %s/gauges: expected three numbers\n", sv->dir);
		fclose(f);
	}
	pthread_mutex_lock(&sv->lock);
	list_tokens(sv);
	uint64_t gen = HASH_FNV_BASIS;
	for (size_t i = 0; i < sv->n; i++)
		add_token(NULL, sv, i, &gen);
	struct http_site *site = http_site_new(gen, sv->n, 0, 0);
	for (size_t i = 0; i < sv->n; i++)
		add_token(site, sv, i, &gen);
	pthread_mutex_unlock(&sv->lock);
	http_site_set_counts(site, gauges[0], gauges[1], gauges[2]);
	return site;
}

static unsigned env_unsigned(const char *name, unsigned fallback)
{
	const char *v = getenv(name);
	return v != NULL && *v != '\0' ? (unsigned)strtoul(v, NULL, 10) : fallback;
}

/* Written through a temporary file and a rename, so a reader never sees half a number. */
static int write_port(const char *path, unsigned short port)
{
	char *tmp = xasprintf("%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	int ret = -1;
	if (f != NULL && fprintf(f, "%u\n", port) > 0 && fclose(f) == 0 && rename(tmp, path) == 0)
		ret = 0;
	else if (f != NULL)
		fclose(f);
	free(tmp);
	return ret;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: http-serve PORT_FILE DIR\n");
		return 2;
	}
	log_init(LOG_LEVEL_INFO);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	/* Blocked before the server thread starts, so it inherits the mask and sigwait gets them.
	 */
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	const char *address = getenv("PLAZO_HTTP_ADDRESS");
	const char *metrics = getenv("PLAZO_HTTP_METRICS_ADDRESS");
	struct served sv = {.lock = PTHREAD_MUTEX_INITIALIZER, .dir = argv[2]};
	struct http_options opt = {
		.address = address != NULL ? address : "127.0.0.1",
		.port = 0,
		.connection_limit = env_unsigned("PLAZO_HTTP_CONNECTION_LIMIT", 256),
		.per_client_limit = env_unsigned("PLAZO_HTTP_PER_CLIENT", 0),
		.reserve = env_unsigned("PLAZO_HTTP_RESERVE", 0),
		.header_timeout = env_unsigned("PLAZO_HTTP_HEADER_TIMEOUT", 0),
		.trusted_proxies = getenv("PLAZO_HTTP_TRUSTED_PROXIES"),
		.timeout = env_unsigned("PLAZO_HTTP_TIMEOUT", 2),
		.metrics_address = metrics != NULL ? metrics : "127.0.0.1",
		.render = render,
		.form_user = &sv,
		.cache = 1 << 20,
	};
	struct http_server *server;
	struct pz_error err = {0};
	if (http_start(&server, &opt, &err) != 0) {
		fprintf(stderr, "http-serve: %s: %s\n", pz_errc_name(err.code), err.msg);
		return 1;
	}
	http_publish(server, load_site(&sv));
	char *metrics_file = xasprintf("%s.metrics", argv[1]);
	if (write_port(metrics_file, http_metrics_port(server)) != 0 ||
	    write_port(argv[1], http_port(server)) != 0)
		fprintf(stderr, "http-serve: cannot write %s\n", argv[1]);
	free(metrics_file);
	for (unsigned generation = 1;; generation++) {
		int sig = 0;
		if (sigwait(&set, &sig) != 0 || sig != SIGHUP)
			break;
		http_publish(server, load_site(&sv));
		log_notice("published snapshot generation=%u", generation + 1);
	}
	http_stop(server);
	free(sv.tokens);
	return 0;
}
