/* test-cell-cache.c - the readings kept per distinct cell: found by text and column, their
 * diagnostics replayed at another line in the order raised, nothing kept once full; and a
 * plan whose rows repeat the same cells reads each row as if it were the only one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cell_cache.h"
#include "config.h"
#include "plan.h"
#include "strbuf.h"
#include "test.h"

static void found_by_text_and_column(struct test_state *ts)
{
	struct cell_cache c;
	struct diag_list raised, out;
	cell_cache_init(&c, sizeof(size_t), 8);
	diag_list_init(&raised);
	diag_list_init(&out);
	diag_add(&raised, DIAG_NOTE, "no-deadline", "p.tsv", 3, 6, "before");
	diag_add(&raised, DIAG_ERROR, "unknown-office", "p.tsv", 7, 5, "'X' first");
	diag_add(&raised, DIAG_WARNING, "filled-down", "p.tsv", 7, 5, "second");
	size_t v[2] = {4, 9};
	char text[] = "Oficina X";
	struct cell_key k = cell_cache_key(text, 5);
	CHECK(ts, cell_cache_find(&c, &k) == NULL);
	CHECK(ts, cell_cache_put(&c, &k, v, 0, 2, &raised, 1));
	char copy[] = "Oficina X";
	struct cell_key same = cell_cache_key(copy, 5), other_column = cell_cache_key(text, 6);
	const struct cell_entry *e = cell_cache_find(&c, &same);
	CHECK(ts, e != NULL);
	CHECK(ts, cell_cache_find(&c, &other_column) == NULL);
	if (e != NULL) {
		const size_t *got = cell_cache_values(&c, e);
		CHECK_INT_EQ(ts, e->value_count, 2);
		CHECK_INT_EQ(ts, got[0], 4);
		CHECK_INT_EQ(ts, got[1], 9);
		cell_cache_replay(&c, e, "q.tsv", 42, &out);
	}
	CHECK_INT_EQ(ts, out.len, 2);
	if (out.len == 2) {
		CHECK_STR_EQ(ts, out.items[0].message, "'X' first");
		CHECK_STR_EQ(ts, out.items[0].code, "unknown-office");
		CHECK_STR_EQ(ts, out.items[1].message, "second");
		CHECK_STR_EQ(ts, out.items[1].path, "q.tsv");
		CHECK_INT_EQ(ts, out.items[1].line, 42);
		CHECK_INT_EQ(ts, out.items[1].column, 5);
		CHECK_INT_EQ(ts, out.items[1].severity, DIAG_WARNING);
	}
	diag_list_finish(&out);
	diag_list_finish(&raised);
	cell_cache_finish(&c);
}

static void bounded(struct test_state *ts)
{
	struct cell_cache c;
	struct diag_list none;
	cell_cache_init(&c, sizeof(size_t), 2);
	diag_list_init(&none);
	const char *texts[] = {"a", "b", "c"};
	size_t v = 1;
	struct cell_key k[3], a = cell_cache_key("a", 1), b = cell_cache_key("b", 1);
	for (int i = 0; i < 3; i++)
		k[i] = cell_cache_key(texts[i], 1);
	CHECK(ts, cell_cache_put(&c, &k[0], &v, 0, 1, &none, 0));
	CHECK(ts, cell_cache_put(&c, &k[1], &v, 0, 0, &none, 0));
	const struct cell_entry *e = cell_cache_find(&c, &b);
	CHECK(ts, e != NULL && e->value_count == 0);
	CHECK(ts, cell_cache_put(&c, &k[2], &v, 0, 1, &none, 0));
	e = cell_cache_find(&c, &k[2]);
	CHECK(ts, e != NULL && e->value_count == 1 && c.n_entries == 1); /* full: afresh */
	CHECK(ts, cell_cache_find(&c, &a) == NULL);
	CHECK(ts, cell_cache_find(&c, &b) == NULL);
	cell_cache_finish(&c);
}

/* cell_cache_prefetch is a hint: before any put, between puts, across a start afresh at the
 * bound and through the index's growth, what find returns is what it would without it. */
static void prefetch_hint(struct test_state *ts)
{
	struct cell_cache c;
	struct diag_list none;
	cell_cache_init(&c, sizeof(size_t), 40);
	diag_list_init(&none);
	char texts[41][8];
	struct cell_key k[41];
	for (int i = 0; i < 41; i++) {
		snprintf(texts[i], sizeof(texts[i]), "t%d", i);
		k[i] = cell_cache_key(texts[i], 3);
	}
	cell_cache_prefetch(&c, &k[0]);
	CHECK(ts, cell_cache_find(&c, &k[0]) == NULL);
	int ok = 1;
	for (size_t i = 0; i < 40; i++) { /* 40 entries: the index grows past its first 16 slots */
		cell_cache_prefetch(&c, &k[i]);
		ok &= cell_cache_put(&c, &k[i], &i, 0, 1, &none, 0);
		cell_cache_prefetch(&c, &k[0]);
		const struct cell_entry *e = cell_cache_find(&c, &k[0]);
		ok &= e != NULL && *(const size_t *)cell_cache_values(&c, e) == 0;
	}
	CHECK(ts, ok);
	size_t v = 40;
	cell_cache_prefetch(&c, &k[40]);
	CHECK(ts, cell_cache_put(&c, &k[40], &v, 0, 1, &none, 0)); /* at the bound: afresh */
	cell_cache_prefetch(&c, &k[0]);
	CHECK(ts, cell_cache_find(&c, &k[0]) == NULL);
	CHECK(ts, cell_cache_find(&c, &k[40]) != NULL && c.n_entries == 1);
	cell_cache_finish(&c);
}

/* A key is its whole text: a prefix, a longer text and a text differing in one byte past the
 * first eight are other keys (hashes, lengths and bytes are all compared). */
static void whole_text(struct test_state *ts)
{
	struct cell_cache c;
	struct diag_list none;
	cell_cache_init(&c, sizeof(size_t), 8);
	diag_list_init(&none);
	size_t v = 7;
	struct cell_key kept = cell_cache_key("30/06/2025 y 31/12/2025", 6);
	CHECK(ts, cell_cache_put(&c, &kept, &v, 0, 1, &none, 0));
	const char *others[] = {"30/06/2025 y 31/12/202", "30/06/2025 y 31/12/20255",
				"30/06/2025 y 31/12/2026", "", "30/06/2025"};
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		struct cell_key k = cell_cache_key(others[i], 6);
		CHECK(ts, cell_cache_find(&c, &k) == NULL);
	}
	char copy[] = "30/06/2025 y 31/12/2025";
	struct cell_key same = cell_cache_key(copy, 6);
	const struct cell_entry *e = cell_cache_find(&c, &same);
	CHECK(ts, e != NULL && e->len == strlen(copy));
	diag_list_finish(&none);
	cell_cache_finish(&c);
}

/* With value_size 0 the entry is the caller's span, and a message is the one first raised. */
static void caller_span(struct test_state *ts)
{
	struct cell_cache c;
	struct diag_list raised;
	cell_cache_init(&c, 0, 4);
	diag_list_init(&raised);
	diag_add(&raised, DIAG_ERROR, "unknown-office", "p.tsv", 7, 5, "'X' is unknown");
	struct cell_key k = cell_cache_key("x", 5);
	CHECK(ts, cell_cache_put(&c, &k, NULL, 1234, 3, &raised, 0));
	const struct cell_entry *e = cell_cache_find(&c, &k);
	CHECK(ts, e != NULL && e->value_first == 1234 && e->value_count == 3);
	CHECK(ts, c.n_diags == 1 && c.diags[0].message == raised.items[0].message);
	diag_list_finish(&raised);
	cell_cache_finish(&c);
}

static const char config_text[] = "[plan]\nfile = p.tsv\n[mail]\nfrom = a@example.org\n"
				   "[office sg]\nname = Secretaría General\nemail = sg@example.org\n"
				   "[office ha]\nname = Secretaría de Hacienda\n"
				   "email = ha@example.org\n";

/* Rows 3..8 repeat two responsible cells and two date cells (one ambiguous, one with an
 * impossible day); each row must get its own diagnostics, at its own line. */
static const char plan_text[] =
	"Plan\n\n"
	"Subcomponente\t#\tActividad\tMeta\tResponsable\tFecha\n"
	"Subcomponente 1 Uno\t1\tA\tM\tSecretaría General Oficina Perdida\t05/03/2025\n"
	"\t2\tB\tM\tSecretaría de Hacienda y Secretaría General\t31/11/2025\n"
	"\t3\tC\tM\tSecretaría General Oficina Perdida\t05/03/2025\n"
	"\t4\tD\tM\tSecretaría de Hacienda y Secretaría General\t31/11/2025\n"
	"\t5\tE\tM\tSecretaría General Oficina Perdida\t31/11/2025\n"
	"\t6\tF\tM\tSecretaría de Hacienda y Secretaría General\t05/03/2025\n"
	"\t7\tG\tM\tSecretaría de Hacienda\t20/12/2025\n";

static void diags_of_line(const struct diag_list *d, unsigned line, struct strbuf *out)
{
	strbuf_reset(out);
	for (size_t i = 0; i < d->len; i++)
		if (d->items[i].line == line)
			strbuf_printf(out, "%s %u %s|", d->items[i].code, d->items[i].column,
				      d->items[i].message);
}

static void check_rows(struct test_state *ts, const struct plan *p, const struct diag_list *d)
{
	struct strbuf a, b;
	strbuf_init(&a);
	strbuf_init(&b);
	CHECK_INT_EQ(ts, p->n_activities, 7);
	for (unsigned i = 0; i < 6 && p->n_activities == 7; i++) {
		const struct activity *x = &p->activities[i % 2], *y = &p->activities[i];
		CHECK_INT_EQ(ts, y->office_count, x->office_count);
		CHECK(ts, memcmp(p->office_refs + x->office_first, p->office_refs + y->office_first,
				 x->office_count * sizeof(size_t)) == 0);
		diags_of_line(d, x->line, &a); /* line 4 or 5 */
		diags_of_line(d, y->line, &b);
		if (i < 4)
			CHECK_STR_EQ(ts, b.data ? b.data : "", a.data ? a.data : "");
	}
	diags_of_line(d, 8, &b); /* the office cell of row 4, the date cell of row 5 */
	CHECK(ts, b.data && strstr(b.data, "unknown-office 5 'Oficina Perdida'") != NULL);
	CHECK(ts, b.data && strstr(b.data, "invalid-date 6") != NULL);
	diags_of_line(d, 9, &b);
	CHECK(ts, b.data == NULL || strstr(b.data, "unknown-office") == NULL);
	diags_of_line(d, 6, &a);
	CHECK(ts, a.data && strstr(a.data, "unknown-office") && strstr(a.data, "ambiguous"));
	strbuf_finish(&a);
	strbuf_finish(&b);
}

static void repeated_cells(struct test_state *ts)
{
	struct config cfg;
	struct plan p;
	struct diag_list d;
	struct pz_error err = {0};
	config_init(&cfg);
	plan_init(&p);
	diag_list_init(&d);
	FILE *f = fmemopen((void *)config_text, strlen(config_text), "r");
	CHECK_INT_EQ(ts, config_read(&cfg, "plazo.ini", f, &d, &err), 0);
	fclose(f);
	size_t n = strlen(plan_text);
	char *data = malloc(n + 1);
	memcpy(data, plan_text, n + 1);
	diag_list_finish(&d);
	plan_load_buffer(&p, "p.tsv", data, n, &cfg, &d);
	check_rows(ts, &p, &d);
	plan_finish(&p);
	diag_list_finish(&d);
	config_finish(&cfg);
}

int main(void)
{
	static const struct test_case cases[] = {
		TEST(found_by_text_and_column),
		TEST(bounded),
		TEST(prefetch_hint),
		TEST(caller_span),
		TEST(whole_text),
		TEST(repeated_cells),
	};
	return test_run(cases, sizeof(cases) / sizeof(cases[0]));
}
