#include "guard.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

/* An address as 16 bytes: IPv4 as IPv4-mapped IPv6, so one comparison serves both. */
struct addr16 {
	unsigned char b[16];
};

struct proxy {
	struct addr16 net;
	unsigned bits;
};

struct guard_conn {
	int fd;
	struct addr16 peer;   /* who connected */
	struct addr16 client; /* who is charged: the peer, or the client a proxy forwards */
	bool busy;
	bool dropped; /* shut down by the guard, waiting for libmicrohttpd to close it */
	long long since; /* when it started waiting */
	size_t index;    /* in g->conns */
};

struct guard {
	struct guard_options opt;
	pthread_mutex_t lock;
	struct proxy *proxies;
	size_t n_proxies;
	struct guard_conn **conns;
	size_t len, cap;
	size_t live, waiting; /* not dropped; of those, not busy */
	struct guard_stats stats;
};

static bool to_addr16(const struct sockaddr *sa, struct addr16 *out)
{
	memset(out, 0, sizeof(*out));
	if (sa != NULL && sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
		out->b[10] = out->b[11] = 0xff;
		memcpy(out->b + 12, &in->sin_addr, 4);
		return true;
	}
	if (sa != NULL && sa->sa_family == AF_INET6) {
		memcpy(out->b, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, 16);
		return true;
	}
	return false;
}

/* A numeric IPv4 or IPv6 address, s[0..n). */
static bool parse_addr16(const char *s, size_t n, struct addr16 *out, bool *v4)
{
	char buf[INET6_ADDRSTRLEN];
	if (n == 0 || n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	memset(out, 0, sizeof(*out));
	*v4 = inet_pton(AF_INET, buf, out->b + 12) == 1;
	if (*v4) {
		out->b[10] = out->b[11] = 0xff;
		return true;
	}
	return inet_pton(AF_INET6, buf, out->b) == 1;
}

static bool in_net(const struct addr16 *a, const struct proxy *p)
{
	unsigned full = p->bits / 8, rest = p->bits % 8;
	if (memcmp(a->b, p->net.b, full) != 0)
		return false;
	unsigned char mask = (unsigned char)(0xff << (8 - rest));
	return rest == 0 || (a->b[full] & mask) == (p->net.b[full] & mask);
}

static bool trusted(const struct guard *g, const struct addr16 *a)
{
	for (size_t i = 0; i < g->n_proxies; i++)
		if (in_net(a, &g->proxies[i]))
			return true;
	return false;
}

/* "ADDRESS" or "ADDRESS/BITS". */
static bool parse_proxy(const char *s, size_t n, struct proxy *p)
{
	const char *slash = memchr(s, '/', n);
	size_t alen = slash ? (size_t)(slash - s) : n;
	bool v4;
	if (!parse_addr16(s, alen, &p->net, &v4))
		return false;
	unsigned max = v4 ? 32 : 128, bits = max;
	if (slash != NULL) {
		char *end;
		size_t blen = n - alen - 1;
		char buf[4];
		if (blen == 0 || blen >= sizeof(buf))
			return false;
		memcpy(buf, slash + 1, blen);
		buf[blen] = '\0';
		unsigned long v = strtoul(buf, &end, 10);
		if (*end != '\0' || v > max)
			return false;
		bits = (unsigned)v;
	}
	p->bits = v4 ? bits + 96 : bits;
	return true;
}

static int parse_proxies(struct guard *g, const char *list, struct pz_error *err)
{
	size_t cap = 0;
	for (const char *p = list ? list : "";;) {
		p += strspn(p, " \t,");
		if (*p == '\0')
			return 0;
		size_t n = strcspn(p, " \t,");
		g->proxies = xgrow(g->proxies, &cap, g->n_proxies + 1, sizeof(*g->proxies));
		if (!parse_proxy(p, n, &g->proxies[g->n_proxies]))
			return PZ_FAIL(err, PZ_ECONFIG, "trusted_proxies",
				       "trusted_proxies: '%.*s' is not an address or ADDRESS/BITS",
				       (int)n, p);
		g->n_proxies++;
		p += n;
	}
}

int guard_new(struct guard **out, const struct guard_options *opt, struct pz_error *err)
{
	struct guard *g = xcalloc(1, sizeof(*g));
	g->opt = *opt;
	if (g->opt.limit == 0)
		g->opt.limit = 1;
	if (g->opt.reserve >= g->opt.limit)
		g->opt.reserve = g->opt.limit - 1;
	if (parse_proxies(g, opt->trusted_proxies, err) < 0) {
		free(g->proxies);
		free(g);
		return -1;
	}
	pthread_mutex_init(&g->lock, NULL);
	*out = g;
	return 0;
}

void guard_free(struct guard *g)
{
	if (g == NULL)
		return;
	for (size_t i = 0; i < g->len; i++)
		free(g->conns[i]);
	free(g->conns);
	free(g->proxies);
	pthread_mutex_destroy(&g->lock);
	free(g);
}

static size_t charged(const struct guard *g, const struct addr16 *a)
{
	size_t n = 0;
	for (size_t i = 0; i < g->len; i++)
		n += !g->conns[i]->dropped && memcmp(&g->conns[i]->client, a, sizeof(*a)) == 0;
	return n;
}

static void drop(struct guard *g, struct guard_conn *c)
{
	shutdown(c->fd, SHUT_RDWR);
	c->dropped = true;
	g->live--;
	g->waiting -= !c->busy;
}

/* The connection waiting longest, or NULL. */
static struct guard_conn *oldest_waiting(const struct guard *g)
{
	struct guard_conn *best = NULL;
	for (size_t i = 0; i < g->len; i++) {
		struct guard_conn *c = g->conns[i];
		if (!c->busy && !c->dropped && (best == NULL || c->since < best->since))
			best = c;
	}
	return best;
}

bool guard_admit(struct guard *g, const struct sockaddr *sa, long long now_ms)
{
	struct addr16 a;
	bool ok = true;
	(void)now_ms;
	to_addr16(sa, &a);
	pthread_mutex_lock(&g->lock);
	if (!trusted(g, &a) && charged(g, &a) >= g->opt.per_client) {
		g->stats.refused_client++;
		ok = false;
	} else if (g->waiting >= g->opt.limit - g->opt.reserve || g->live >= g->opt.limit) {
		struct guard_conn *victim = oldest_waiting(g);
		if (victim != NULL) {
			drop(g, victim);
			g->stats.evicted++;
		} else if (g->live >= g->opt.limit) {
			g->stats.refused_full++;
			ok = false;
		}
	}
	pthread_mutex_unlock(&g->lock);
	return ok;
}

struct guard_conn *guard_open(struct guard *g, int fd, const struct sockaddr *sa,
			      long long now_ms)
{
	struct guard_conn *c = xcalloc(1, sizeof(*c));
	c->fd = fd;
	to_addr16(sa, &c->peer);
	c->client = c->peer;
	c->since = now_ms;
	pthread_mutex_lock(&g->lock);
	g->conns = xgrow(g->conns, &g->cap, g->len + 1, sizeof(*g->conns));
	c->index = g->len;
	g->conns[g->len++] = c;
	g->live++;
	g->waiting++;
	pthread_mutex_unlock(&g->lock);
	return c;
}

void guard_close(struct guard *g, struct guard_conn *c)
{
	if (c == NULL)
		return;
	pthread_mutex_lock(&g->lock);
	if (!c->dropped) {
		g->live--;
		g->waiting -= !c->busy;
	}
	g->conns[c->index] = g->conns[--g->len];
	g->conns[c->index]->index = c->index;
	pthread_mutex_unlock(&g->lock);
	free(c);
}

/* The client X-Forwarded-For names: its rightmost address that is not a trusted proxy (the
 * ones left of it were written by the client itself and prove nothing). */
static bool forwarded_client(const struct guard *g, const char *xff, struct addr16 *out)
{
	size_t end = strlen(xff);
	while (end > 0) {
		size_t start = end;
		while (start > 0 && xff[start - 1] != ',')
			start--;
		const char *s = xff + start;
		size_t n = end - start, lead = strspn(s, " \t");
		s += lead;
		n -= n > lead ? lead : n;
		while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
			n--;
		bool v4;
		if (!parse_addr16(s, n, out, &v4))
			return false;
		if (!trusted(g, out))
			return true;
		end = start > 0 ? start - 1 : 0;
	}
	return false;
}

bool guard_busy(struct guard *g, struct guard_conn *c, const char *forwarded)
{
	if (c == NULL)
		return true;
	bool ok = true;
	pthread_mutex_lock(&g->lock);
	struct addr16 client;
	if (forwarded != NULL && trusted(g, &c->peer) && forwarded_client(g, forwarded, &client)) {
		c->client = client;
		if (charged(g, &client) > g->opt.per_client) { /* charged counts c itself */
			g->stats.refused_client++;
			ok = false;
		}
	}
	if (!c->busy && !c->dropped)
		g->waiting--;
	c->busy = true;
	pthread_mutex_unlock(&g->lock);
	return ok;
}

void guard_idle(struct guard *g, struct guard_conn *c, long long now_ms)
{
	if (c == NULL)
		return;
	pthread_mutex_lock(&g->lock);
	if (c->busy && !c->dropped)
		g->waiting++;
	c->busy = false;
	c->client = c->peer;
	c->since = now_ms;
	pthread_mutex_unlock(&g->lock);
}

size_t guard_sweep(struct guard *g, long long now_ms)
{
	size_t n = 0;
	pthread_mutex_lock(&g->lock);
	for (size_t i = 0; i < g->len; i++) {
		struct guard_conn *c = g->conns[i];
		if (!c->busy && !c->dropped && now_ms - c->since >= g->opt.header_timeout_ms) {
			drop(g, c);
			n++;
		}
	}
	g->stats.timed_out += n;
	pthread_mutex_unlock(&g->lock);
	return n;
}

void guard_stats(struct guard *g, struct guard_stats *out)
{
	pthread_mutex_lock(&g->lock);
	*out = g->stats;
	out->open = g->live;
	out->waiting = g->waiting;
	pthread_mutex_unlock(&g->lock);
}
