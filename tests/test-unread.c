/* test-unread.c - the plan's rows not read: which errors are rows and which block (on
 * tests/data/plan-bad.tsv with the shipped config: lines 5 and 9 name unknown offices), the
 * bound on what is kept, the text kept in the store and read back through a real store, and
 * the escalation digest's Spanish section. */
#include "unread.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "mail.h"
#include "plan.h"
#include "store.h"
#include "test.h"

static bool ends_with(const char *s, const char *end)
{
	size_t n = strlen(s), k = strlen(end);
	return n >= k && strcmp(s + n - k, end) == 0;
}

static void load_bad(struct test_state *ts, struct unread *u, struct diag_list *diags)
{
	struct config cfg;
	struct plan plan;
	struct pz_error err = {0};
	const char *cpath = getenv("PLAZO_CONFIG");
	config_init(&cfg);
	plan_init(&plan);
	CHECK(ts, config_load(&cfg, cpath ? cpath : "config/plazo.ini", diags, &err) == 0);
	char *path = test_data_path("plan-bad.tsv");
	CHECK(ts, plan_load(&plan, path, &cfg, diags, &err) == 0);
	free(path);
	diag_sort(diags);
	unread_collect(u, diags);
	plan_finish(&plan);
	config_finish(&cfg);
}

static void test_plan_bad(struct test_state *ts)
{
	struct unread u;
	struct diag_list diags;
	diag_list_init(&diags);
	load_bad(ts, &u, &diags);
	CHECK_INT_EQ(ts, unread_blocking(&diags), 0);
	CHECK_INT_EQ(ts, u.rows, 2);
	CHECK_INT_EQ(ts, u.errors, 2);
	CHECK_INT_EQ(ts, u.n, 2);
	CHECK_INT_EQ(ts, u.severity[DIAG_ERROR], 2);
	CHECK_INT_EQ(ts, u.severity[DIAG_WARNING], 2);
	CHECK_INT_EQ(ts, u.severity[DIAG_NOTE], 1);
	CHECK(ts, ends_with(u.row[0].where, "/plan-bad.tsv:5"));
	CHECK(ts, ends_with(u.row[1].where, "/plan-bad.tsv:9"));
	CHECK_STR_EQ(ts, u.row[0].code, "unknown-office");
	CHECK(ts, strstr(u.row[1].message, "Secretaria Generl") != NULL);
	diag_list_finish(&diags);
}

/* 30 row errors on 25 lines and one blocking error: 25 rows, 20 kept, 1 blocking. */
static void test_bounds(struct test_state *ts)
{
	struct diag_list d;
	diag_list_init(&d);
	diag_add(&d, DIAG_ERROR, "no-header", "p.tsv", 0, 0, "no header");
	for (unsigned line = 1; line <= 25; line++) {
		diag_add(&d, DIAG_ERROR, "no-date", "p.tsv", line, 6, "row %u\twith a\ntab", line);
		if (line % 5 == 0)
			diag_add(&d, DIAG_ERROR, "no-office", "p.tsv", line, 5, "empty");
		diag_add(&d, DIAG_WARNING, "filled-down", "p.tsv", line, 5, "filled");
	}
	diag_sort(&d);
	struct unread u;
	unread_collect(&u, &d);
	CHECK_INT_EQ(ts, unread_blocking(&d), 1);
	CHECK_INT_EQ(ts, u.rows, 25);
	CHECK_INT_EQ(ts, u.errors, 30);
	CHECK_INT_EQ(ts, u.n, UNREAD_KEEP);
	CHECK_INT_EQ(ts, u.severity[DIAG_ERROR], 31);
	CHECK_INT_EQ(ts, u.severity[DIAG_WARNING], 25);
	CHECK_STR_EQ(ts, u.row[0].where, "p.tsv:1");
	CHECK_STR_EQ(ts, u.row[0].message, "row 1 with a tab");
	diag_list_finish(&d);
}

static void test_text(struct test_state *ts)
{
	struct diag_list d;
	diag_list_init(&d);
	diag_add(&d, DIAG_ERROR, "no-date", "/etc/plazo/plan.tsv", 7, 6, "cell\t'x'\r\nempty");
	diag_add(&d, DIAG_NOTE, "no-deadline", "/etc/plazo/plan.tsv", 8, 6, "Permanente");
	struct unread u, back;
	unread_collect(&u, &d);
	struct strbuf s;
	strbuf_init(&s);
	unread_format(&u, &s);
	CHECK_STR_EQ(ts, s.data,
		     "rows=1 errors=1 error=1 warning=0 note=1\n"
		     "/etc/plazo/plan.tsv:7\tno-date\tcell 'x'  empty\n");
	CHECK(ts, unread_parse(&back, s.data));
	CHECK(ts, memcmp(&back.severity, &u.severity, sizeof(u.severity)) == 0);
	CHECK_INT_EQ(ts, back.rows, 1);
	CHECK_INT_EQ(ts, back.n, 1);
	CHECK_STR_EQ(ts, back.row[0].where, "/etc/plazo/plan.tsv:7");
	CHECK_STR_EQ(ts, back.row[0].code, "no-date");
	CHECK_STR_EQ(ts, back.row[0].message, "cell 'x'  empty");
	CHECK(ts, !unread_parse(&back, "rows=x\n"));
	CHECK(ts, !unread_parse(&back, "rows=1 errors=1 error=1 warning=0 note=0\nno tabs\n"));
	CHECK_INT_EQ(ts, back.rows, 0);
	strbuf_finish(&s);
	diag_list_finish(&d);
}

static void test_store(struct test_state *ts)
{
	char dir[] = "/tmp/plazo-unread-XXXXXX";
	if (mkdtemp(dir) == NULL)
		abort();
	char path[64];
	snprintf(path, sizeof(path), "%s/plazo.db", dir);
	struct store *st = NULL;
	struct pz_error err = {0};
	struct unread u, back;
	struct diag_list d;
	bool found = true;
	diag_list_init(&d);
	CHECK(ts, store_open(&st, path, &err) == 0);
	CHECK(ts, unread_load(st, &back, &found, &err) == 0 && !found);
	load_bad(ts, &u, &d);
	CHECK(ts, unread_save(st, &u, &err) == 0);
	long long changed = store_changes(st);
	CHECK(ts, unread_save(st, &u, &err) == 0); /* the same: no write */
	CHECK_INT_EQ(ts, store_changes(st), changed);
	CHECK(ts, unread_load(st, &back, &found, &err) == 0 && found);
	CHECK_INT_EQ(ts, back.rows, 2);
	CHECK_STR_EQ(ts, back.row[1].where, u.row[1].where);
	CHECK_STR_EQ(ts, back.row[1].message, u.row[1].message);
	store_close(st);
	diag_list_finish(&d);
	unlink(path);
	rmdir(dir);
}

/* The escalation digest's section, in both parts, from the rows of plan-bad.tsv. */
static void test_mail_section(struct test_state *ts)
{
	struct unread u;
	struct diag_list diags;
	diag_list_init(&diags);
	load_bad(ts, &u, &diags);
	static const char *const to[] = {"control@example.gov.co"};
	struct mail_digest md = {
		.office_id = "control-interno",
		.office_name = "Seguimiento de vencidas",
		.from = "plazo@example.gov.co",
		.to = to,
		.n_to = 1,
		.list_domain = "example.gov.co",
		.identity = "control-interno:escalation:1",
		.date = 1677675600,
		.timezone = "America/Bogota",
		.today = {2023, 3, 1},
		.unread = &u,
	};
	struct strbuf with, without;
	strbuf_init(&with);
	strbuf_init(&without);
	struct pz_error err = {0};
	CHECK(ts, mail_compose(&md, &with, &err) == 0);
	md.unread = NULL;
	CHECK(ts, mail_compose(&md, &without, &err) == 0);
	/* quoted-printable: the words below hold no byte it would encode */
	CHECK(ts, strstr(with.data, "Filas del plan que no se pudieron leer (2)\r\n") != NULL);
	CHECK(ts, strstr(with.data, "  plan-bad.tsv:5: el responsable no corresponde a ") != NULL);
	CHECK(ts, strstr(with.data, "  plan-bad.tsv:9: el responsable") != NULL);
	CHECK(ts, strstr(with.data, "<li>plan-bad.tsv:9: el responsable") != NULL);
	CHECK(ts, strstr(without.data, "Filas del plan") == NULL);
	strbuf_finish(&with);
	strbuf_finish(&without);
	diag_list_finish(&diags);
}

TEST_MAIN(TEST(test_plan_bad), TEST(test_bounds), TEST(test_text), TEST(test_store),
	  TEST(test_mail_section))
