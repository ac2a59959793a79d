/* test-xalloc.c - the mappings that grow: within their reserved address space they grow in
 * place with their bytes kept; past it they move with their bytes kept and leave nothing
 * mapped behind; an address space limit bounds what is reserved. */
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"
#include "xalloc.h"

static size_t page(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

/* Whether any page of [p, p + n) is mapped (mincore fails with ENOMEM on a hole). */
static bool mapped(const void *p, size_t n)
{
	unsigned char vec[64];
	for (size_t off = 0; off < n; off += page()) {
		if (mincore((char *)p + off, page(), vec) == 0)
			return true;
	}
	return false;
}

static void fill(char *p, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		p[i] = (char)(i * 7 + 1);
}

static bool filled(const char *p, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		if (p[i] != (char)(i * 7 + 1))
			return false;
	return true;
}

static void grows_in_place(struct test_state *ts)
{
	size_t pg = page(), reserved = 0;
	char *p = xmap_reserve(pg, 1024 * pg, &reserved);
	CHECK_INT_EQ(ts, reserved, 1024 * pg);
	fill(p, 0, pg);
	char *q = xmap_grow_reserved(p, pg, 300 * pg, &reserved);
	CHECK(ts, q == p); /* no copy: the same address */
	CHECK_INT_EQ(ts, reserved, 1024 * pg);
	CHECK(ts, filled(q, 0, pg));
	CHECK(ts, q[pg] == 0 && q[300 * pg - 1] == 0); /* the new pages are zero and writable */
	fill(q, pg, 300 * pg);
	q = xmap_grow_reserved(q, 300 * pg, 1024 * pg, &reserved);
	CHECK(ts, q == p);
	CHECK(ts, filled(q, 0, 300 * pg));
	q[1024 * pg - 1] = 1;
	munmap(q, reserved);
	CHECK(ts, !mapped(p, 1024 * pg));
}

static void moves_past_reservation(struct test_state *ts)
{
	size_t pg = page(), reserved = 0;
	char *p = xmap_reserve(2 * pg, 4 * pg, &reserved);
	CHECK_INT_EQ(ts, reserved, 4 * pg);
	fill(p, 0, 2 * pg);
	char *q = xmap_grow_reserved(p, 2 * pg, 64 * pg, &reserved);
	CHECK_INT_EQ(ts, reserved, 64 * pg);
	CHECK(ts, filled(q, 0, 2 * pg));
	q[64 * pg - 1] = 1;
	if (q != p) /* moved: neither the bytes nor the reserved tail stay mapped behind */
		CHECK(ts, !mapped(p, 4 * pg));
	munmap(q, reserved);
}

static void nothing_to_reserve(struct test_state *ts)
{
	size_t pg = page(), reserved = 0;
	char *p = xmap_reserve(3 * pg, 2 * pg, &reserved); /* want below bytes: a plain mapping */
	CHECK_INT_EQ(ts, reserved, 3 * pg);
	fill(p, 0, 3 * pg);
	p = xmap_grow_reserved(p, 3 * pg, 5 * pg, &reserved);
	CHECK_INT_EQ(ts, reserved, 5 * pg);
	CHECK(ts, filled(p, 0, 3 * pg));
	munmap(p, reserved);
}

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

/* Under RLIMIT_AS, a quarter of the limit at most is reserved (AddressSanitizer's shadow
 * memory is larger than any limit such a test could set, so it runs without one). */
static void limited_address_space(struct test_state *ts)
{
	pid_t pid = fork();
	if (pid == 0) {
		struct rlimit r = {.rlim_cur = (rlim_t)4 << 30, .rlim_max = (rlim_t)4 << 30};
		if (setrlimit(RLIMIT_AS, &r) < 0)
			_exit(2);
		size_t reserved = 0;
		char *p = xmap_reserve(page(), (size_t)64 << 30, &reserved);
		p[0] = 1;
		_exit(reserved == (size_t)1 << 30 ? 0 : 1);
	}
	int status = -1;
	CHECK(ts, pid > 0 && waitpid(pid, &status, 0) == pid);
	CHECK(ts, WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

int main(void)
{
	static const struct test_case cases[] = {
		TEST(grows_in_place),
		TEST(moves_past_reservation),
		TEST(nothing_to_reserve),
#ifndef UNDER_ASAN
		TEST(limited_address_space),
#endif
	};
#ifdef UNDER_ASAN
	(void)limited_address_space;
	puts("skip limited_address_space (AddressSanitizer)");
#endif
	return test_run(cases, sizeof(cases) / sizeof(cases[0]));
}
