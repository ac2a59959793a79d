/* test-guard.c - the connection guard: per-client limit, the reserve and eviction of the
 * oldest waiting connection, the header timeout, trusted proxies and X-Forwarded-For. The
 * descriptors are socketpairs, so a drop is seen as the peer's end of stream. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "guard.h"
#include "test.h"

static struct sockaddr_in v4(const char *a)
{
	struct sockaddr_in s = {.sin_family = AF_INET};
	inet_pton(AF_INET, a, &s.sin_addr);
	return s;
}

/* Whether the guard shut down the connection whose other end is fd. */
static bool dropped(int fd)
{
	char c;
	return recv(fd, &c, 1, MSG_DONTWAIT) == 0;
}

static struct guard_conn *conn(struct guard *g, const char *addr, long long now, int *peer)
{
	int sv[2];
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	*peer = sv[1];
	struct sockaddr_in a = v4(addr);
	if (!guard_admit(g, (struct sockaddr *)&a, now)) {
		close(sv[0]);
		return NULL;
	}
	return guard_open(g, sv[0], (struct sockaddr *)&a, now);
}

static void per_client_and_eviction(struct test_state *ts)
{
	struct guard *g;
	struct pz_error err;
	struct guard_options o = {4, 2, 1, 1000, NULL};
	CHECK(ts, guard_new(&g, &o, &err) == 0);
	int p[6];
	struct guard_conn *a = conn(g, "10.0.0.1", 0, &p[0]);
	struct guard_conn *b = conn(g, "10.0.0.1", 1, &p[1]);
	CHECK(ts, a && b);
	CHECK(ts, conn(g, "10.0.0.1", 2, &p[2]) == NULL); /* a third from one address */
	struct guard_conn *c = conn(g, "10.0.0.2", 3, &p[3]);
	CHECK(ts, c != NULL && !dropped(p[0]));
	/* 3 waiting = limit - reserve: the next one drops the oldest waiting (a) */
	struct guard_conn *d = conn(g, "10.0.0.3", 4, &p[4]);
	CHECK(ts, d != NULL && dropped(p[0]) && !dropped(p[1]));
	struct guard_stats st;
	guard_stats(g, &st);
	CHECK_INT_EQ(ts, st.refused_client, 1);
	CHECK_INT_EQ(ts, st.evicted, 1);
	CHECK_INT_EQ(ts, st.open, 3);
	guard_close(g, a);
	guard_close(g, b);
	guard_close(g, c);
	guard_close(g, d);
	guard_free(g);
	for (int i = 0; i < 5; i++)
		close(p[i]);
}

static void header_timeout(struct test_state *ts)
{
	struct guard *g;
	struct pz_error err;
	struct guard_options o = {16, 16, 2, 1000, NULL};
	CHECK(ts, guard_new(&g, &o, &err) == 0);
	int p[2];
	struct guard_conn *a = conn(g, "10.0.0.1", 0, &p[0]);
	struct guard_conn *b = conn(g, "10.0.0.1", 0, &p[1]);
	CHECK(ts, guard_busy(g, b, NULL)); /* b's headers are in */
	CHECK_INT_EQ(ts, guard_sweep(g, 999), 0);
	CHECK_INT_EQ(ts, guard_sweep(g, 1000), 1);
	CHECK(ts, dropped(p[0]) && !dropped(p[1]));
	guard_idle(g, b, 1500); /* answered: waits for the next request from 1500 */
	CHECK_INT_EQ(ts, guard_sweep(g, 2499), 0);
	CHECK_INT_EQ(ts, guard_sweep(g, 2500), 1);
	guard_close(g, a);
	guard_close(g, b);
	guard_free(g);
	close(p[0]);
	close(p[1]);
}

static void proxies(struct test_state *ts)
{
	struct guard *g;
	struct pz_error err;
	struct guard_options bad = {16, 2, 2, 1000, "10.0.0.0/33"};
	CHECK(ts, guard_new(&g, &bad, &err) < 0 && err.code == PZ_ECONFIG);
	struct guard_options o = {16, 2, 2, 1000, "127.0.0.1, 10.0.0.0/8 ::1"};
	CHECK(ts, guard_new(&g, &o, &err) == 0);
	int p[4];
	struct guard_conn *c[4];
	for (int i = 0; i < 4; i++) /* a trusted proxy has no per-client limit */
		CHECK(ts, (c[i] = conn(g, "10.1.2.3", 0, &p[i])) != NULL);
	/* the client is the rightmost address that is not a proxy; the spoofed left one
	 * is ignored */
	CHECK(ts, guard_busy(g, c[0], "1.1.1.1, 203.0.113.9, 10.9.9.9"));
	CHECK(ts, guard_busy(g, c[1], "203.0.113.9"));
	CHECK(ts, !guard_busy(g, c[2], "8.8.8.8 , 203.0.113.9"));
	CHECK(ts, guard_busy(g, c[3], "garbage"));
	for (int i = 0; i < 4; i++) {
		guard_close(g, c[i]);
		close(p[i]);
	}
	guard_free(g);
}

TEST_MAIN(TEST(per_client_and_eviction), TEST(header_timeout), TEST(proxies))
