/* test-report.c - the follow-up report on the seed plan with the shipped config, with delivery
 * marks made by hand. Expected counts come from tests/data/seed-golden.txt (written by hand
 * from the table): Secretaría General appears in activities 1, 9, 13, 25, 30, 31, 32, 40, 48,
 * 52, 59, 63 and 64, with 16 milestones: 9 and 59 due 2023-02-28, 1 due 2023-03-30, 13 due
 * 2023-04-30, 2023-08-31 and 2023-12-31, 63 due 2023-05-01 and 2023-09-30, the rest later in
 * 2023. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "config.h"
#include "plan.h"
#include "report.h"
#include "store.h"
#include "test.h"

struct fixture {
	struct config cfg;
	struct plan plan;
	struct diag_list diags;
	struct report rep;
	long sg; /* index of secretaria-general */
};

static int load(struct fixture *f)
{
	struct pz_error err = {0};
	const char *cpath = getenv("PLAZO_CONFIG");
	f->sg = -1;
	config_init(&f->cfg);
	plan_init(&f->plan);
	diag_list_init(&f->diags);
	report_init(&f->rep);
	if (config_load(&f->cfg, cpath ? cpath : "config/plazo.ini", &f->diags, &err) < 0) {
		fprintf(stderr, "config: %s\n", err.msg);
		return -1;
	}
	f->sg = config_find_office(&f->cfg, "secretaria-general");
	if (f->sg < 0) {
		fprintf(stderr, "config: no [office secretaria-general]\n");
		return -1;
	}
	char *path = test_data_path("estrategia-rendicion-cuentas-2023.tsv");
	int rc = plan_load(&f->plan, path, &f->cfg, &f->diags, &err);
	free(path);
	if (rc < 0)
		fprintf(stderr, "plan: %s\n", err.msg);
	return rc;
}

static void unload(struct fixture *f)
{
	report_finish(&f->rep);
	plan_finish(&f->plan);
	config_finish(&f->cfg);
	diag_list_finish(&f->diags);
}

/* Loads the fixture, or counts a failure and releases it. */
static bool setup(struct test_state *ts, struct fixture *f)
{
	int rc = load(f);
	CHECK(ts, rc == 0);
	if (rc < 0)
		unload(f);
	return rc == 0;
}

static time_t instant(const char *s)
{
	time_t t = 0;
	struct pz_error err;
	if (calendar_parse_instant(s, "America/Bogota", &t, &err) < 0) {
		fprintf(stderr, "bad instant %s: %s\n", s, err.msg);
		abort();
	}
	return t;
}

static struct store_delivery mark(const char *office, const char *activity, int milestone,
				  const char *due, const char *at)
{
	struct store_delivery d;
	memset(&d, 0, sizeof(d));
	snprintf(d.office, sizeof(d.office), "%s", office);
	snprintf(d.activity, sizeof(d.activity), "%s", activity);
	d.milestone = milestone;
	snprintf(d.due, sizeof(d.due), "%s", due);
	d.at = (long long)instant(at);
	return d;
}

static int compute(struct fixture *f, const struct store_delivery *marks, size_t n, const char *at)
{
	struct pz_error err = {0};
	report_finish(&f->rep);
	report_init(&f->rep);
	int rc = report_compute(&f->rep, &f->plan, &f->cfg, marks, n, instant(at), &err);
	if (rc < 0)
		fprintf(stderr, "report: %s\n", err.msg);
	return rc;
}

#define CHECK_COUNTS(ts, c, a, b, o, p)                                                            \
	do {                                                                                       \
		CHECK_INT_EQ(ts, (c).on_time, a);                                                  \
		CHECK_INT_EQ(ts, (c).late, b);                                                     \
		CHECK_INT_EQ(ts, (c).overdue, o);                                                  \
		CHECK_INT_EQ(ts, (c).pending, p);                                                  \
	} while (0)

/* 9 on time, 59 late, 1 not marked: as of 2023-03-15 only 9 and 59 are due. */
static void secretaria_general(struct test_state *ts)
{
	struct fixture f;
	if (!setup(ts, &f))
		return;
	struct store_delivery m[] = {
		mark("secretaria-general", "9", 1, "2023-02-28", "2023-02-27T10:00"),
		mark("secretaria-general", "59", 1, "2023-02-28", "2023-03-02T09:00-05:00"),
	};
	CHECK(ts, compute(&f, m, 2, "2023-03-15T12:00") == 0);
	CHECK_COUNTS(ts, f.rep.offices[f.sg], 1, 1, 0, 14);
	CHECK_INT_EQ(ts, report_total(&f.rep.offices[f.sg]), 16);
	CHECK_INT_EQ(ts, f.rep.stale, 0);
	CHECK_INT_EQ(ts, f.rep.later, 0);
	/* 2023-04-05: activity 1 (2023-03-30) is overdue now */
	CHECK(ts, compute(&f, m, 2, "2023-04-05T08:00") == 0);
	CHECK_COUNTS(ts, f.rep.offices[f.sg], 1, 1, 1, 13);
	/* activity 1's due day ends at 2023-03-31T00:00: overdue from that instant on */
	CHECK(ts, compute(&f, m, 2, "2023-03-30T23:59") == 0);
	CHECK_COUNTS(ts, f.rep.offices[f.sg], 1, 1, 0, 14);
	CHECK(ts, compute(&f, m, 2, "2023-03-31T00:00") == 0);
	CHECK_COUNTS(ts, f.rep.offices[f.sg], 1, 1, 1, 13);
	/* 2023-05-02 noon: also 13's 2023-04-30 and 63's 2023-05-01 */
	CHECK(ts, compute(&f, m, 2, "2023-05-02T12:00") == 0);
	CHECK_COUNTS(ts, f.rep.offices[f.sg], 1, 1, 3, 11);
	/* at 2023-05-01T23:59 the 2023-05-01 milestone is still pending */
	CHECK(ts, compute(&f, m, 2, "2023-05-01T23:59") == 0);
	CHECK_COUNTS(ts, f.rep.offices[f.sg], 1, 1, 2, 12);
	unload(&f);
}

/* The due day ends at midnight in the office's zone. */
static void boundary(struct test_state *ts)
{
	struct fixture f;
	if (!setup(ts, &f))
		return;
	struct store_delivery m[] = {
		mark("secretaria-general", "9", 1, "2023-02-28", "2023-02-28T23:59"),
		mark("secretaria-general", "59", 1, "2023-02-28", "2023-03-01T00:00"),
	};
	CHECK(ts, compute(&f, m, 2, "2023-03-15T12:00") == 0);
	CHECK_COUNTS(ts, f.rep.offices[f.sg], 1, 1, 0, 14);
	/* in Tokyo (UTC+9) 2023-02-28 ends at 10:00 in Bogotá */
	free(f.cfg.offices[f.sg].timezone);
	f.cfg.offices[f.sg].timezone = strdup("Asia/Tokyo");
	struct store_delivery t[] = {
		mark("secretaria-general", "9", 1, "2023-02-28", "2023-02-28T09:59"),
		mark("secretaria-general", "59", 1, "2023-02-28", "2023-02-28T10:00"),
	};
	CHECK(ts, compute(&f, t, 2, "2023-03-15T12:00") == 0);
	CHECK_COUNTS(ts, f.rep.offices[f.sg], 1, 1, 0, 14);
	unload(&f);
}

/* A report as of at ignores later marks; marks of milestones the plan no longer has are
 * stale (a changed due date, an unknown activity or office, a position past the last). */
static void later_and_stale(struct test_state *ts)
{
	struct fixture f;
	if (!setup(ts, &f))
		return;
	struct store_delivery m[] = {
		mark("secretaria-general", "59", 1, "2023-02-28", "2023-03-20T09:00"),
		mark("secretaria-general", "9", 1, "2023-02-27", "2023-02-27T10:00"),
		mark("secretaria-general", "999", 1, "2023-02-28", "2023-02-27T10:00"),
		mark("no-such-office", "9", 1, "2023-02-28", "2023-02-27T10:00"),
		mark("secretaria-general", "9", 2, "2023-02-28", "2023-02-27T10:00"),
		mark("transparencia", "9", 1, "2023-02-28", "2023-02-27T10:00"),
	};
	CHECK(ts, compute(&f, m, 6, "2023-03-15T12:00") == 0);
	CHECK_COUNTS(ts, f.rep.offices[f.sg], 0, 0, 2, 14);
	CHECK_INT_EQ(ts, f.rep.later, 1);
	CHECK_INT_EQ(ts, f.rep.stale, 5);
	/* as of 2023-03-21 the mark of 59 counts (late) */
	CHECK(ts, compute(&f, m, 6, "2023-03-21T00:00") == 0);
	CHECK_COUNTS(ts, f.rep.offices[f.sg], 0, 1, 1, 14);
	CHECK_INT_EQ(ts, f.rep.later, 0);
	unload(&f);
}

/* Expected overdue/pending per office and subcomponent without marks, from the golden file:
 * as of 2023-03-15 noon a milestone is overdue when its due day is before 2023-03-15. */
static void golden_expect(struct test_state *ts, const struct fixture *f, size_t *ov, size_t *pe,
			  size_t sub_ov[4], size_t sub_pe[4])
{
	char *path = test_data_path("seed-golden.txt");
	FILE *g = fopen(path, "r");
	free(path);
	CHECK(ts, g != NULL);
	char buf[1024];
	while (g && fgets(buf, sizeof(buf), g)) {
		unsigned number, line, sub;
		char offices[512], dates[256];
		if (buf[0] == '#' ||
		    sscanf(buf, "%u|%u|%u|%511[^|]|%255[^\n]", &number, &line, &sub, offices,
			   dates) != 5 ||
		    sub > 3)
			continue;
		for (char *o = strtok(offices, " "); o; o = strtok(NULL, " ")) {
			long i = config_find_office(&f->cfg, o);
			CHECK(ts, i >= 0);
			for (const char *d = dates; i >= 0 && *d;
			     d += strcspn(d, " "), d += strspn(d, " ")) {
				const char *due = d + strcspn(d, " ") - 10; /* START..DUE */
				bool over = strncmp(due, "2023-03-15", 10) < 0;
				(over ? ov : pe)[i]++;
				(over ? sub_ov : sub_pe)[sub]++;
			}
		}
	}
	if (g)
		fclose(g);
}

static void totals(struct test_state *ts)
{
	struct fixture f;
	if (!setup(ts, &f))
		return;
	CHECK(ts, compute(&f, NULL, 0, "2023-03-15T12:00") == 0);
	size_t ov[64] = {0}, pe[64] = {0}, sub_ov[4] = {0}, sub_pe[4] = {0};
	CHECK(ts, f.cfg.n_offices <= 64);
	golden_expect(ts, &f, ov, pe, sub_ov, sub_pe);
	struct report_counts sum = {0};
	for (size_t i = 0; i < f.rep.n_offices; i++) {
		CHECK_COUNTS(ts, f.rep.offices[i], 0, 0, ov[i], pe[i]);
		sum.overdue += f.rep.offices[i].overdue;
		sum.pending += f.rep.offices[i].pending;
	}
	CHECK_COUNTS(ts, f.rep.total, 0, 0, sum.overdue, sum.pending);
	CHECK_INT_EQ(ts, f.rep.n_subcomponents, 3);
	struct report_counts subs = {0};
	for (size_t i = 0; i < f.rep.n_subcomponents && i < 3; i++) {
		const struct report_subcomponent *s = &f.rep.subcomponents[i];
		CHECK_INT_EQ(ts, s->number, i + 1);
		CHECK_COUNTS(ts, s->counts, 0, 0, sub_ov[i + 1], sub_pe[i + 1]);
		subs.overdue += s->counts.overdue;
		subs.pending += s->counts.pending;
	}
	CHECK_COUNTS(ts, subs, 0, 0, f.rep.total.overdue, f.rep.total.pending);
	CHECK_STR_EQ(ts, f.rep.subcomponents[2].title, "Responsabilidad");
	/* control-interno: 54 and 56 due 2023-03-01 overdue; 13 x3, 61 x3 pending */
	CHECK_COUNTS(ts, f.rep.offices[config_find_office(&f.cfg, "control-interno")], 0, 0, 2, 6);
	unload(&f);
}

static void render(struct fixture *f,
		   void (*fn)(const struct report *, const struct config *, struct strbuf *),
		   struct strbuf *out)
{
	strbuf_reset(out);
	fn(&f->rep, &f->cfg, out);
}

static void csv(struct test_state *ts)
{
	struct fixture f;
	if (!setup(ts, &f))
		return;
	free(f.cfg.offices[f.sg].name);
	f.cfg.offices[f.sg].name = strdup("Secretaría General, \"SG\"");
	struct store_delivery m[] = {
		mark("secretaria-general", "9", 1, "2023-02-28", "2023-02-27T10:00"),
		mark("secretaria-general", "59", 1, "2023-02-28", "2023-03-02T09:00"),
	};
	CHECK(ts, compute(&f, m, 2, "2023-03-15T12:00") == 0);
	struct strbuf s;
	strbuf_init(&s);
	render(&f, report_write_csv, &s);
	static const char head[] = "\xEF\xBB\xBFscope,id,name,on_time,late,overdue,pending,"
				   "total,compliance\r\noffice,secretaria-general,";
	CHECK(ts, strncmp(s.data, head, strlen(head)) == 0);
	CHECK(ts, strstr(s.data, "office,secretaria-general,\"Secretaría General, \"\"SG\"\"\","
				 "1,1,0,14,16,0.500\r\n") != NULL);
	CHECK(ts, strstr(s.data, "\r\nsubcomponent,3,Responsabilidad,") != NULL);
	CHECK(ts, strstr(s.data, "\r\ntotal,,Total,1,1,") != NULL);
	/* control-interno: 2 overdue of 2 due -> 0.000 */
	CHECK(ts, strstr(s.data, "\r\noffice,control-interno,Oficina de Control Interno,0,0,2,6,"
				 "8,0.000\r\n") != NULL);
	/* nothing due: empty compliance */
	CHECK(ts, compute(&f, NULL, 0, "2023-01-15T12:00") == 0);
	render(&f, report_write_csv, &s);
	CHECK(ts, strstr(s.data, "SG\"\"\",0,0,0,16,16,\r\n") != NULL);
	for (size_t i = 0; i < s.len; i++)
		if (s.data[i] == '\n' && (i == 0 || s.data[i - 1] != '\r'))
			CHECK(ts, !"bare LF in CSV");
	/* cells a spreadsheet would run as formulas are neutralized (OWASP CSV injection) */
	static const char *const formulas[][2] = {
		{"=HYPERLINK(\"http://x.example/\")", "\"'=HYPERLINK(\"\"http://x.example/\"\")\""},
		{"+1", "\"'+1\""}, {"-2+3", "\"'-2+3\""}, {"@SUM(A1)", "\"'@SUM(A1)\""},
		{"\tx", "\"'\tx\""}, {"\rx", "\"'\rx\""}};
	for (size_t i = 0; i < sizeof(formulas) / sizeof(formulas[0]); i++) {
		free(f.cfg.offices[f.sg].name);
		f.cfg.offices[f.sg].name = strdup(formulas[i][0]);
		render(&f, report_write_csv, &s);
		char want[96];
		snprintf(want, sizeof(want), "office,secretaria-general,%s,", formulas[i][1]);
		CHECK(ts, strstr(s.data, want) != NULL);
	}
	strbuf_finish(&s);
	unload(&f);
}

static void text(struct test_state *ts)
{
	struct fixture f;
	if (!setup(ts, &f))
		return;
	struct store_delivery m[] = {
		mark("secretaria-general", "9", 1, "2023-02-28", "2023-02-27T10:00"),
		mark("secretaria-general", "59", 1, "2023-02-28", "2023-03-02T09:00"),
		mark("secretaria-general", "9", 1, "2023-01-01", "2023-02-27T10:00"),
	};
	CHECK(ts, compute(&f, m, 3, "2023-03-15T12:00") == 0);
	struct strbuf s;
	strbuf_init(&s);
	render(&f, report_write_text, &s);
	CHECK(ts,
	      strncmp(s.data, "Informe de seguimiento — corte miércoles 15 de marzo de 2023\n",
		      strlen("Informe de seguimiento — corte miércoles 15 de marzo de 2023\n")) ==
		      0);
	const char *line = strstr(s.data, "\nSecretaría General ");
	CHECK(ts, line != NULL);
	if (line) {
		char row[256];
		sscanf(line + 1, "%255[^\n]", row);
		/* 1/16 = 6.25 % rounds to 6,3; compliance 1/2 */
		CHECK(ts, strstr(row, "  1 (6,3 %)  ") != NULL);
		CHECK(ts, strstr(row, "  14 (87,5 %)  ") != NULL);
		CHECK(ts, strstr(row, "  16  ") != NULL);
		CHECK(ts, strcmp(row + strlen(row) - strlen("50,0 %"), "50,0 %") == 0);
	}
	CHECK(ts, strstr(s.data, "Oficina ") != NULL && strstr(s.data, "Cumplimiento\n"));
	CHECK(ts, strstr(s.data, "\nSubcomponente ") != NULL);
	CHECK(ts, strstr(s.data, "\n3. Responsabilidad ") != NULL);
	CHECK(ts, strstr(s.data, "1 marca de entrega no corresponde") != NULL);
	strbuf_finish(&s);
	unload(&f);
}

static void html(struct test_state *ts)
{
	struct fixture f;
	if (!setup(ts, &f))
		return;
	free(f.cfg.offices[f.sg].name);
	f.cfg.offices[f.sg].name = strdup("A & B <script>x</script> \"q\"");
	CHECK(ts, compute(&f, NULL, 0, "2023-03-15T12:00") == 0);
	struct strbuf s;
	strbuf_init(&s);
	render(&f, report_write_html, &s);
	CHECK(ts, strncmp(s.data, "<!DOCTYPE html>", 15) == 0);
	CHECK(ts, strstr(s.data, "<html lang=\"es\">") != NULL);
	CHECK(ts, strstr(s.data, "<title>Informe de seguimiento — miércoles 15 de marzo de "
				 "2023</title>") != NULL);
	CHECK(ts, strstr(s.data, "@media print") != NULL);
	CHECK(ts, strstr(s.data, "<caption>") != NULL);
	CHECK(ts, strstr(s.data, "A &amp; B &lt;script&gt;x&lt;/script&gt; &quot;q&quot;") != NULL);
	CHECK(ts, strstr(s.data, "<script") == NULL);
	CHECK(ts, strstr(s.data, "</html>\n") != NULL);
	strbuf_finish(&s);
	unload(&f);
}

TEST_MAIN(TEST(secretaria_general), TEST(boundary), TEST(later_and_stale), TEST(totals), TEST(csv),
	  TEST(text), TEST(html))
