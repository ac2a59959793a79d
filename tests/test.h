/* test.h - a few macros for unit tests: checks that count failures and keep going.
 *
 * CHECK(expr) prints "file:line: CHECK(expr) failed" when expr is false; the EQ forms print
 * both values. TEST_MAIN runs the listed functions and exits 1 if any check failed.
 */
#ifndef PLAZO_TEST_H
#define PLAZO_TEST_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct test_state {
	int checks;
	int failures;
};

#define CHECK(ts, expr)                                                                    \
	do {                                                                               \
		(ts)->checks++;                                                            \
		if (!(expr)) {                                                             \
			(ts)->failures++;                                                  \
			fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #expr); \
		}                                                                          \
	} while (0)

#define CHECK_INT_EQ(ts, a, b)                                                             \
	do {                                                                               \
		long long va_ = (long long)(a), vb_ = (long long)(b);                      \
		(ts)->checks++;                                                            \
		if (va_ != vb_) {                                                          \
			(ts)->failures++;                                                  \
			fprintf(stderr, "%s:%d: %s == %s failed: %lld != %lld\n", __FILE__,   \
				__LINE__, #a, #b, va_, vb_);                                \
		}                                                                          \
	} while (0)

#define CHECK_STR_EQ(ts, a, b)                                                             \
	do {                                                                               \
		const char *sa_ = (a), *sb_ = (b);                                         \
		(ts)->checks++;                                                            \
		if (sa_ == NULL || sb_ == NULL || strcmp(sa_, sb_) != 0) {                 \
			(ts)->failures++;                                                  \
			fprintf(stderr, "%s:%d: %s == %s failed: \"%s\" != \"%s\"\n",         \
				__FILE__, __LINE__, #a, #b, sa_ ? sa_ : "(null)",             \
				sb_ ? sb_ : "(null)");                                        \
		}                                                                          \
	} while (0)

typedef void (*test_fn)(struct test_state *ts);

struct test_case {
	const char *name;
	test_fn fn;
};

#define TEST(name) {#name, name}

static inline int test_run(const struct test_case *cases, size_t n)
{
	struct test_state ts = {0, 0};
	for (size_t i = 0; i < n; i++) {
		int before = ts.failures;
		cases[i].fn(&ts);
		printf("%s %s\n", ts.failures == before ? "ok" : "FAIL", cases[i].name);
	}
	printf("%d checks, %d failed\n", ts.checks, ts.failures);
	return ts.failures ? EXIT_FAILURE : EXIT_SUCCESS;
}

#define TEST_MAIN(...)                                                                     \
	int main(void)                                                                     \
	{                                                                                  \
		static const struct test_case cases_[] = {__VA_ARGS__};                    \
		return test_run(cases_, sizeof(cases_) / sizeof(cases_[0]));               \
	}

/* Path of a fixture under PLAZO_TESTDATA; returns a static-free malloc'ed string. */
static inline char *test_data_path(const char *name)
{
	const char *dir = getenv("PLAZO_TESTDATA");
	if (dir == NULL)
		dir = "tests/data";
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = malloc(n);
	if (p == NULL)
		abort();
	snprintf(p, n, "%s/%s", dir, name);
	return p;
}

/* The whole file at path, NUL-terminated, malloc'ed; *len (when not NULL) its size. NULL
 * when it cannot be read. */
static inline char *test_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	char *buf = NULL;
	size_t n = 0, cap = 0;
	for (;;) {
		if (n + 4096 + 1 > cap) {
			cap = (n + 4096 + 1) * 2;
			char *grown = realloc(buf, cap);
			if (grown == NULL)
				abort();
			buf = grown;
		}
		size_t got = fread(buf + n, 1, 4096, f);
		n += got;
		if (got < 4096)
			break;
	}
	bool bad = ferror(f);
	fclose(f);
	if (bad) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	if (len != NULL)
		*len = n;
	return buf;
}

/* A fresh state database's path in a new folder under /tmp ("/tmp/plazo-TAG-XXXXXX/plazo.db");
 * malloc'ed. */
static inline char *test_temp_db(const char *tag)
{
	char dir[64];
	snprintf(dir, sizeof(dir), "/tmp/plazo-%s-XXXXXX", tag);
	if (mkdtemp(dir) == NULL)
		abort();
	size_t n = strlen(dir) + 16;
	char *p = malloc(n);
	if (p == NULL)
		abort();
	snprintf(p, n, "%s/plazo.db", dir);
	return p;
}

#endif
