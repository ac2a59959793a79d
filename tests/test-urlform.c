/* test-urlform.c - form bodies: '=' inside values, +/%XX decoding, limits in characters,
 * refusals with their messages. */
#include <string.h>

#include "test.h"
#include "urlform.h"

struct form {
	char name[4 * 5 + 1];
	char item[8];
};

static bool parse(struct form *f, const char *body, char *why)
{
	memset(f, 0, sizeof(*f));
	const struct urlform_field fields[] = {
		{"nombre", f->name, sizeof(f->name), 5, "Su nombre"},
		{"item", f->item, sizeof(f->item), 7, "item"},
	};
	return urlform_parse(body, strlen(body), fields, 2, why, 256);
}

static void values(struct test_state *ts)
{
	struct form f;
	char why[256];
	CHECK(ts, parse(&f, "nombre=a=b&item=a1-1", why));
	CHECK_STR_EQ(ts, f.name, "a=b");
	CHECK_STR_EQ(ts, f.item, "a1-1");
	CHECK(ts, parse(&f, "x=1&nombre=A+%C3%B1%3D&&otro", why));
	CHECK_STR_EQ(ts, f.name, "A \xc3\xb1=");
	CHECK(ts, parse(&f, "nombre", why));
	CHECK_STR_EQ(ts, f.name, "");
	CHECK(ts, parse(&f, "averyveryveryverylongnamethatisnofieldofoursatall=1", why));
}

static void limits(struct test_state *ts)
{
	struct form f;
	char why[256];
	/* 5 characters of 2 bytes: 10 bytes, within a 5-character limit */
	CHECK(ts, parse(&f, "nombre=%C3%B1%C3%B1%C3%B1%C3%B1%C3%B1", why));
	CHECK_INT_EQ(ts, urlform_chars(f.name, strlen(f.name)), 5);
	CHECK(ts, !parse(&f, "nombre=%C3%B1%C3%B1%C3%B1%C3%B1%C3%B1%C3%B1", why));
	CHECK(ts, strstr(why, "máximo es 5") != NULL);
	CHECK(ts, !parse(&f, "nombre=abcdef", why));
	CHECK(ts, strstr(why, "Su nombre") != NULL);
}

static void refusals(struct test_state *ts)
{
	struct form f;
	char why[256];
	CHECK(ts, !parse(&f, "nombre=%ZZ", why));
	CHECK(ts, strstr(why, "dañado") != NULL);
	CHECK(ts, !parse(&f, "nombre=%4", why));
	CHECK(ts, !parse(&f, "nombre=a&nombre=b", why));
	CHECK(ts, strstr(why, "dos veces") != NULL);
	CHECK(ts, !parse(&f, "nombre=%FF", why));
	CHECK(ts, !parse(&f, "nombre=a%00b", why));
	CHECK(ts, strstr(why, "no válidos") != NULL);
	CHECK_INT_EQ(ts, urlform_chars("\xc3", 1), (long long)(size_t)-1);
}

TEST_MAIN(TEST(values), TEST(limits), TEST(refusals))
