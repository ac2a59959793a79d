/* test-diag.c - the one table of diagnostic codes (diag_codes.h) against docs/diagnostics.md,
 * both ways: every code of the table is a row of the page with the table's severity, every
 * row of the page is a code of the table, and plazo-plan(5) names every code. Also the
 * table lookups and what diag_add records. (tests/integration/docs.sh checks that every code
 * the sources pass is in the table.) */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "strbuf.h"
#include "test.h"

static char *doc(const char *name)
{
	const char *dir = getenv("PLAZO_DOCS");
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir ? dir : "docs", name);
	char *text = test_slurp(path, NULL);
	if (text == NULL) {
		fprintf(stderr, "cannot read %s\n", path);
		exit(EXIT_FAILURE);
	}
	return text;
}

/* The severity column of code's row ("| `code` | SEVERITY | meaning |"), or NULL (no row);
 * written into buf. */
static const char *documented(const char *page, const char *code, char *buf, size_t size)
{
	char want[96];
	snprintf(want, sizeof(want), "\n| `%s` | ", code);
	const char *p = strstr(page, want);
	if (p == NULL)
		return NULL;
	p += strlen(want);
	size_t n = strcspn(p, " |\n");
	snprintf(buf, size, "%.*s", (int)(n < size ? n : size - 1), p);
	return buf;
}

static void table_rows_documented(struct test_state *ts)
{
	char *page = doc("diagnostics.md");
	size_t n = 0;
	for (const struct diag_code *c; (c = diag_code_at(n)) != NULL; n++) {
		char sev[16];
		const char *got = documented(page, c->code, sev, sizeof(sev));
		if (got == NULL)
			fprintf(stderr, "code %s: no row in docs/diagnostics.md\n", c->code);
		CHECK(ts, got != NULL);
		if (got != NULL)
			CHECK_STR_EQ(ts, got, diag_severity_name(c->severity));
		CHECK(ts, c->meaning != NULL && c->meaning[0] != '\0');
		CHECK(ts, diag_code_find(c->code) == c); /* no code twice */
	}
	CHECK(ts, n >= 50);
	free(page);
}

static void documented_rows_in_table(struct test_state *ts)
{
	char *page = doc("diagnostics.md");
	size_t rows = 0;
	for (const char *p = page; (p = strstr(p, "\n| `")) != NULL; p++) {
		char code[64];
		size_t n = strcspn(p + 4, "`\n");
		snprintf(code, sizeof(code), "%.*s", (int)(n < sizeof(code) ? n : sizeof(code) - 1),
			 p + 4);
		if (diag_code_find(code) == NULL)
			fprintf(stderr, "docs/diagnostics.md: %s is not in src/common/diag_codes.h\n",
				code);
		CHECK(ts, diag_code_find(code) != NULL);
		rows++;
	}
	size_t n = 0;
	while (diag_code_at(n) != NULL)
		n++;
	CHECK_INT_EQ(ts, rows, n);
	free(page);
}

static void man_page_names_codes(struct test_state *ts)
{
	char *page = doc("plazo-plan.5.scd");
	for (size_t i = 0; diag_code_at(i) != NULL; i++) {
		const char *code = diag_code_at(i)->code;
		if (strstr(page, code) == NULL)
			fprintf(stderr, "code %s: not in docs/plazo-plan.5.scd\n", code);
		CHECK(ts, strstr(page, code) != NULL);
	}
	free(page);
}

static void lookups(struct test_state *ts)
{
	const struct diag_code *c = diag_code_find("invalid-date");
	CHECK(ts, c != NULL && c->severity == DIAG_WARNING);
	CHECK(ts, diag_code_find("no-such-code") == NULL);
	CHECK(ts, diag_code_find(NULL) == NULL);
	CHECK(ts, diag_code_find("invalid-dat") == NULL);
	CHECK(ts, diag_code_at((size_t)-1) == NULL);

	struct diag_list list;
	diag_list_init(&list);
	diag_add(&list, DIAG_NOTE, "month-only-date", "plan.tsv", 3, 2, "read as %d", 31);
	CHECK_INT_EQ(ts, list.len, 1);
	CHECK_STR_EQ(ts, list.items[0].code, "month-only-date");
	CHECK_INT_EQ(ts, list.items[0].severity, DIAG_NOTE); /* the call's, not the table's */
	CHECK_STR_EQ(ts, list.items[0].message, "read as 31");
	diag_list_finish(&list);
}

/* Sorted by path, line, column; ties keep their order, whether the list came in order with
 * a tail added at the end (as a plan's does), in no order, or already sorted. */
static void check_sorted(struct test_state *ts, const unsigned *lines, size_t n,
			 const char *want)
{
	struct diag_list l;
	struct strbuf got;
	diag_list_init(&l);
	strbuf_init(&got);
	for (size_t i = 0; i < n; i++)
		diag_add(&l, DIAG_NOTE, "no-deadline", lines[i] == 0 ? "a.ini" : "p.tsv", lines[i],
			 1, "%zu", i);
	diag_sort(&l);
	for (size_t i = 0; i < l.len; i++)
		strbuf_printf(&got, "%u:%s ", l.items[i].line, l.items[i].message);
	CHECK_STR_EQ(ts, got.data, want);
	strbuf_finish(&got);
	diag_list_finish(&l);
}

static void sorted_stably(struct test_state *ts)
{
	const unsigned tail[] = {1, 2, 2, 5, 7, 2, 1, 7, 9, 0};
	check_sorted(ts, tail, 10, "0:9 1:0 1:6 2:1 2:2 2:5 5:3 7:4 7:7 9:8 ");
	const unsigned mixed[] = {4, 3, 4, 1, 3};
	check_sorted(ts, mixed, 5, "1:3 3:1 3:4 4:0 4:2 ");
	const unsigned in_order[] = {1, 1, 2};
	check_sorted(ts, in_order, 3, "1:0 1:1 2:2 ");
}

TEST_MAIN(TEST(table_rows_documented), TEST(documented_rows_in_table), TEST(man_page_names_codes),
	  TEST(lookups), TEST(sorted_stably))
