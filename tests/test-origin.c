/* test-origin.c - origins normalized (case, default ports, a trailing slash) and matched
 * against a list; what is no origin never matches. */
#include <string.h>

#include "origin.h"
#include "test.h"

static const char *norm(const char *s)
{
	static char out[ORIGIN_MAX + 1];
	return origin_normalize(s, strlen(s), out, sizeof(out)) ? out : "(none)";
}

static void normal_form(struct test_state *ts)
{
	CHECK_STR_EQ(ts, norm("http://localhost:8080"), "http://localhost:8080");
	CHECK_STR_EQ(ts, norm("HTTPS://Plazo.Entidad.GOV.co:443/"), "https://plazo.entidad.gov.co");
	CHECK_STR_EQ(ts, norm("http://plazo:80"), "http://plazo");
	CHECK_STR_EQ(ts, norm("http://plazo:0080"), "http://plazo");
	CHECK_STR_EQ(ts, norm("https://plazo:80"), "https://plazo:80");
	CHECK_STR_EQ(ts, norm("http://plazo:443"), "http://plazo:443");
	CHECK_STR_EQ(ts, norm("http://[::1]:8080"), "http://[::1]:8080");
	CHECK_STR_EQ(ts, norm("http://127.0.0.1"), "http://127.0.0.1");
}

static void not_origins(struct test_state *ts)
{
	static const char *const bad[] = {
		"null",
		"",
		"plazo",
		"ftp://plazo",
		"http://",
		"http://:80",
		"http://plazo:",
		"http://plazo:123456",
		"http://plazo/o/x",
		"http://user@plazo",
		"http://pla zo",
		"http://[::1",
		"http://plazo?x",
		"https://plazo:8x",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_STR_EQ(ts, norm(bad[i]), "(none)");
}

static void listed(struct test_state *ts)
{
	const char *list =
		"http://127.0.0.1:8080 http://localhost:8080,https://Plazo.Entidad.gov.co";
	CHECK(ts, origin_listed("http://127.0.0.1:8080", list));
	CHECK(ts, origin_listed("http://localhost:8080", list));
	CHECK(ts, origin_listed("https://plazo.entidad.gov.co", list));
	CHECK(ts, origin_listed("https://plazo.entidad.gov.co:443", list));
	CHECK(ts, !origin_listed("http://plazo.entidad.gov.co", list));
	CHECK(ts, !origin_listed("http://localhost:8081", list));
	CHECK(ts, !origin_listed("http://localhost", list));
	CHECK(ts, !origin_listed("null", list));
	CHECK(ts, !origin_listed("null", "null"));
	CHECK(ts, !origin_listed(NULL, list));
	CHECK(ts, !origin_listed("http://a", NULL));
	CHECK(ts, !origin_listed("http://a", ""));
}

TEST_MAIN(TEST(normal_form), TEST(not_origins), TEST(listed))
