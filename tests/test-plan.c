/* test-plan.c - the seed plan read with the shipped config, against a golden reading written
 * by hand; the same plan in other shapes (Excel CSV, reordered TSV with BOM) reads alike. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "plan.h"
#include "strbuf.h"
#include "test.h"

struct fixture {
	struct config cfg;
	struct plan plan;
	struct diag_list diags;
};

static char *config_path(void)
{
	const char *p = getenv("PLAZO_CONFIG");
	return strdup(p ? p : "config/plazo.ini");
}

static int load(struct fixture *f, const char *plan_name)
{
	struct pz_error err = {0};
	char *cpath = config_path();
	config_init(&f->cfg);
	plan_init(&f->plan);
	diag_list_init(&f->diags);
	int rc = config_load(&f->cfg, cpath, &f->diags, &err);
	free(cpath);
	if (rc < 0) {
		fprintf(stderr, "config: %s\n", err.msg);
		return -1;
	}
	char *path = test_data_path(plan_name);
	rc = plan_load(&f->plan, path, &f->cfg, &f->diags, &err);
	free(path);
	if (rc < 0)
		fprintf(stderr, "plan: %s\n", err.msg);
	diag_sort(&f->diags);
	return rc;
}

static void unload(struct fixture *f)
{
	plan_finish(&f->plan);
	config_finish(&f->cfg);
	diag_list_finish(&f->diags);
}

/* "a c b" and the activity's offices as sorted ids must hold the same set. */
static int compare_words(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void sorted_words(char *s, char **words, size_t *n)
{
	*n = 0;
	for (char *w = strtok(s, " "); w && *n < 16; w = strtok(NULL, " "))
		words[(*n)++] = w;
	qsort(words, *n, sizeof(*words), compare_words);
}

static void check_offices(struct test_state *ts, const struct fixture *f,
			  const struct activity *a, char *expected)
{
	char *want[16], *got[16];
	size_t n_want, n_got = 0;
	sorted_words(expected, want, &n_want);
	for (size_t k = 0; k < a->office_count && n_got < 16; k++)
		got[n_got++] = f->cfg.offices[f->plan.office_refs[a->office_first + k]].id;
	qsort(got, n_got, sizeof(*got), compare_words);
	CHECK_INT_EQ(ts, n_got, n_want);
	for (size_t k = 0; k < n_want && k < n_got; k++)
		CHECK_STR_EQ(ts, got[k], want[k]);
}

static void check_milestones(struct test_state *ts, const struct fixture *f,
			     const struct activity *a, char *expected)
{
	size_t k = 0;
	for (char *w = strtok(expected, " \n"); w; w = strtok(NULL, " \n"), k++) {
		if (k >= a->milestone_count)
			break;
		const struct milestone *m = &f->plan.milestones[a->milestone_first + k];
		char got[32], due[11], start[11];
		date_format_iso(m->due, due);
		date_format_iso(m->start, start);
		snprintf(got, sizeof(got), "%s%s%s", m->has_start ? start : "",
			 m->has_start ? ".." : "", due);
		CHECK_STR_EQ(ts, got, w);
	}
	CHECK_INT_EQ(ts, a->milestone_count, k);
}

static void check_golden(struct test_state *ts, const struct fixture *f, bool lines)
{
	char *path = test_data_path("seed-golden.txt");
	FILE *g = fopen(path, "r");
	free(path);
	CHECK(ts, g != NULL);
	if (g == NULL)
		return;
	char buf[1024];
	size_t i = 0;
	while (fgets(buf, sizeof(buf), g)) {
		if (buf[0] == '#')
			continue;
		unsigned number, line, sub;
		char offices[512], dates[256];
		if (sscanf(buf, "%u|%u|%u|%511[^|]|%255[^\n]", &number, &line, &sub, offices,
			   dates) != 5) {
			CHECK(ts, !"malformed golden line");
			continue;
		}
		CHECK(ts, i < f->plan.n_activities);
		if (i >= f->plan.n_activities)
			break;
		const struct activity *a = &f->plan.activities[i++];
		CHECK_INT_EQ(ts, a->number, number);
		if (lines)
			CHECK_INT_EQ(ts, a->line, line);
		CHECK_INT_EQ(ts, a->subcomponent, sub);
		check_offices(ts, f, a, offices);
		check_milestones(ts, f, a, dates);
	}
	fclose(g);
	CHECK_INT_EQ(ts, f->plan.n_activities, i);
}

static void seed_golden(struct test_state *ts)
{
	struct fixture f;
	CHECK(ts, load(&f, "estrategia-rendicion-cuentas-2023.tsv") == 0);
	CHECK_INT_EQ(ts, f.plan.n_activities, 65);
	check_golden(ts, &f, true);
	const struct activity *a = &f.plan.activities[0];
	CHECK_STR_EQ(ts, a->subcomponent_title, "Información de calidad y en lenguaje comprensible");
	CHECK_STR_EQ(ts, f.plan.activities[24].subcomponent_title, "Responsabilidad");
	CHECK_STR_EQ(ts, f.plan.activities[0].responsible_text, "Secretaría General");
	CHECK_INT_EQ(ts, f.plan.year_first, 2023);
	CHECK_INT_EQ(ts, f.plan.year_last, 2024);
	unload(&f);
}

/* The diagnostics are exactly the hand-written list: the plan's three doubtful cells (five
 * warnings), and notes where the severity column says so. */
static void seed_diagnostics(struct test_state *ts)
{
	struct fixture f;
	CHECK(ts, load(&f, "estrategia-rendicion-cuentas-2023.tsv") == 0);
	char *path = test_data_path("seed-diagnostics.txt");
	FILE *g = fopen(path, "r");
	free(path);
	CHECK(ts, g != NULL);
	char buf[256];
	size_t i = 0;
	while (g && fgets(buf, sizeof(buf), g)) {
		unsigned line;
		char code[64], sev[16] = "warning";
		if (buf[0] == '#' || sscanf(buf, "%u %63s %15s", &line, code, sev) < 2)
			continue;
		CHECK(ts, i < f.diags.len);
		if (i >= f.diags.len)
			break;
		CHECK_INT_EQ(ts, f.diags.items[i].line, line);
		CHECK_STR_EQ(ts, f.diags.items[i].code, code);
		CHECK_STR_EQ(ts, diag_severity_name(f.diags.items[i].severity), sev);
		i++;
	}
	if (g)
		fclose(g);
	CHECK_INT_EQ(ts, f.diags.len, i);
	CHECK_INT_EQ(ts, diag_count(&f.diags, DIAG_WARNING), 5);
	for (size_t k = 0; k < f.diags.len; k++)
		fprintf(stderr, "  seen: %s:%u %s %s\n", f.diags.items[k].path,
			f.diags.items[k].line, f.diags.items[k].code, f.diags.items[k].message);
	unload(&f);
}

/* Another shape of the same table gives the same activities, texts included. */
static void same_as_seed(struct test_state *ts, const char *name, bool same_lines)
{
	struct fixture seed, other;
	CHECK(ts, load(&seed, "estrategia-rendicion-cuentas-2023.tsv") == 0);
	CHECK(ts, load(&other, name) == 0);
	CHECK_INT_EQ(ts, other.plan.n_activities, seed.plan.n_activities);
	check_golden(ts, &other, same_lines);
	size_t n = seed.plan.n_activities < other.plan.n_activities ? seed.plan.n_activities
								    : other.plan.n_activities;
	for (size_t i = 0; i < n; i++) {
		const struct activity *a = &seed.plan.activities[i], *b = &other.plan.activities[i];
		CHECK_STR_EQ(ts, b->text, a->text);
		CHECK_STR_EQ(ts, b->goal, a->goal);
		CHECK_STR_EQ(ts, b->responsible_text, a->responsible_text);
		CHECK_STR_EQ(ts, b->subcomponent_title, a->subcomponent_title);
	}
	size_t warnings = diag_count(&other.diags, DIAG_WARNING);
	CHECK_INT_EQ(ts, warnings, diag_count(&seed.diags, DIAG_WARNING));
	CHECK_INT_EQ(ts, diag_count(&other.diags, DIAG_ERROR), 0);
	unload(&seed);
	unload(&other);
}

/* The responsible cell with its line breaks read as the TSV's " / ". */
static void check_same_responsible(struct test_state *ts, const char *book, const char *tsv)
{
	struct strbuf want;
	strbuf_init(&want);
	for (const char *p = book; *p; p++)
		if (*p == '\n')
			strbuf_puts(&want, " / ");
		else
			strbuf_putc(&want, *p);
	CHECK_STR_EQ(ts, want.data, tsv);
	strbuf_finish(&want);
}

/* The diagnostics are exactly the hand-written list of the workbook (no more, no less). */
static void check_book_diags(struct test_state *ts, const struct fixture *f)
{
	char *path = test_data_path("workbooks/seed-diagnostics.txt");
	FILE *g = fopen(path, "r");
	free(path);
	CHECK(ts, g != NULL);
	char buf[256];
	size_t i = 0;
	while (g && fgets(buf, sizeof(buf), g)) {
		unsigned line;
		char code[64], sev[16] = "warning";
		if (buf[0] == '#' || sscanf(buf, "%u %63s %15s", &line, code, sev) < 2)
			continue;
		CHECK(ts, i < f->diags.len);
		if (i >= f->diags.len)
			break;
		CHECK_INT_EQ(ts, f->diags.items[i].line, line);
		CHECK_STR_EQ(ts, f->diags.items[i].code, code);
		CHECK_STR_EQ(ts, diag_severity_name(f->diags.items[i].severity), sev);
		i++;
	}
	if (g)
		fclose(g);
	CHECK_INT_EQ(ts, f->diags.len, i);
}

/* The seed plan saved as a workbook (cover sheet, plan sheet with the subcomponent merged,
 * single dates typed, offices on lines of their own) reads as the TSV, field by field. */
static void same_as_seed_book(struct test_state *ts, const char *name)
{
	struct fixture seed, book;
	CHECK(ts, load(&seed, "estrategia-rendicion-cuentas-2023.tsv") == 0);
	CHECK(ts, load(&book, name) == 0);
	CHECK_INT_EQ(ts, book.plan.n_activities, 65);
	check_golden(ts, &book, true);
	size_t n = seed.plan.n_activities < book.plan.n_activities ? seed.plan.n_activities
								   : book.plan.n_activities;
	for (size_t i = 0; i < n; i++) {
		const struct activity *a = &seed.plan.activities[i], *b = &book.plan.activities[i];
		CHECK_STR_EQ(ts, b->text, a->text);
		CHECK_STR_EQ(ts, b->goal, a->goal);
		check_same_responsible(ts, b->responsible_text, a->responsible_text);
		CHECK_STR_EQ(ts, b->subcomponent_title, a->subcomponent_title);
		/* the state's names: marks and reminders carry over */
		CHECK_STR_EQ(ts, plan_activity_key(b), plan_activity_key(a));
	}
	check_book_diags(ts, &book);
	struct strbuf line;
	strbuf_init(&line);
	for (size_t i = 0; i < book.diags.len; i++)
		if (book.diags.items[i].line == 19)
			diag_format(&line, &book.diags.items[i]);
	CHECK(ts, strstr(line.data, ".xlsx:Rendición de cuentas!F19: warning[invalid-date]") ||
		      strstr(line.data, ".ods:Rendición de cuentas!F19: warning[invalid-date]"));
	strbuf_finish(&line);
	unload(&seed);
	unload(&book);
}

static void book_openpyxl(struct test_state *ts)
{
	same_as_seed_book(ts, "workbooks/seed-openpyxl.xlsx");
}

static void book_libreoffice_xlsx(struct test_state *ts)
{
	same_as_seed_book(ts, "workbooks/seed-libreoffice.xlsx");
}

static void book_libreoffice_ods(struct test_state *ts)
{
	same_as_seed_book(ts, "workbooks/seed-libreoffice.ods");
}

static void excel_csv(struct test_state *ts)
{
	same_as_seed(ts, "seed-excel-es.csv", true);
}

static void reordered_bom(struct test_state *ts)
{
	same_as_seed(ts, "seed-reordered-bom.tsv", false);
}

/* ---- other entities' plans, each against a golden reading written by hand ---- */

static int load_with(struct fixture *f, const char *config, const char *plan_name)
{
	struct pz_error err = {0};
	char *cpath = test_data_path(config), *path = test_data_path(plan_name);
	config_init(&f->cfg);
	plan_init(&f->plan);
	diag_list_init(&f->diags);
	int rc = config_load(&f->cfg, cpath, &f->diags, &err);
	if (rc == 0)
		rc = plan_load(&f->plan, path, &f->cfg, &f->diags, &err);
	if (rc < 0)
		fprintf(stderr, "%s: %s\n", plan_name, err.msg);
	free(cpath);
	free(path);
	diag_sort(&f->diags);
	return rc;
}

static void check_entity_activity(struct test_state *ts, const struct fixture *f, size_t i,
				  char *line)
{
	char ref[32], offices[512], dates[1024];
	unsigned at, sub;
	if (sscanf(line, "%31[^|]|%u|%u|%511[^|]|%1023[^\n]", ref, &at, &sub, offices, dates) !=
	    5) {
		CHECK(ts, !"malformed golden line");
		return;
	}
	CHECK(ts, i < f->plan.n_activities);
	if (i >= f->plan.n_activities)
		return;
	const struct activity *a = &f->plan.activities[i];
	int before = ts->failures;
	CHECK_STR_EQ(ts, plan_activity_ref(a), ref);
	CHECK_INT_EQ(ts, a->line, at);
	CHECK_INT_EQ(ts, a->subcomponent, sub);
	check_offices(ts, f, a, offices);
	if (strcmp(dates, "-") == 0)
		CHECK_INT_EQ(ts, a->milestone_count, 0);
	else
		check_milestones(ts, f, a, dates);
	if (ts->failures != before)
		fprintf(stderr, "    at activity %s (line %u)\n", ref, at);
}

/* Diagnostics about the whole file (the encoding note) are not the golden's business. */
static size_t next_row_diag(const struct fixture *f, size_t k)
{
	while (k < f->diags.len && f->diags.items[k].line == 0)
		k++;
	return k;
}

static void check_entity(struct test_state *ts, const char *plan_name, const char *golden)
{
	struct fixture f;
	CHECK(ts, load_with(&f, "config-entidades.ini", plan_name) == 0);
	char *path = test_data_path(golden);
	FILE *g = fopen(path, "r");
	free(path);
	CHECK(ts, g != NULL);
	char buf[2048];
	size_t i = 0, k = next_row_diag(&f, 0);
	while (g && fgets(buf, sizeof(buf), g)) {
		unsigned line;
		char code[64];
		if (buf[0] == '#')
			continue;
		if (buf[0] != '!') {
			check_entity_activity(ts, &f, i++, buf);
			continue;
		}
		CHECK(ts, sscanf(buf + 1, "%u %63s", &line, code) == 2);
		CHECK(ts, k < f.diags.len);
		if (k < f.diags.len) {
			CHECK_INT_EQ(ts, f.diags.items[k].line, line);
			CHECK_STR_EQ(ts, f.diags.items[k].code, code);
		}
		k = next_row_diag(&f, k + 1);
	}
	if (g)
		fclose(g);
	CHECK_INT_EQ(ts, f.plan.n_activities, i);
	CHECK_INT_EQ(ts, k, f.diags.len);
	for (size_t d = 0; d < f.diags.len; d++)
		fprintf(stderr, "  %s: %u %s %s\n", plan_name, f.diags.items[d].line,
			f.diags.items[d].code, f.diags.items[d].message);
	unload(&f);
}

/* Row errors never block a plan; only what leaves nothing to serve does. */
static void blocking_errors(struct test_state *ts)
{
	struct fixture f;
	CHECK(ts, load(&f, "plan-bad.tsv") == 0);
	size_t errors = 0, blocking = 0;
	for (size_t i = 0; i < f.diags.len; i++) {
		errors += f.diags.items[i].severity == DIAG_ERROR;
		blocking += plan_diag_blocks(&f.diags.items[i]);
	}
	CHECK(ts, errors >= 2);
	CHECK_INT_EQ(ts, blocking, 0);
	CHECK_INT_EQ(ts, f.plan.n_activities, 6);
	unload(&f);
	struct diag no_header = {"no-header", DIAG_ERROR, NULL, 0, 0, NULL};
	struct diag config = {"config-unknown-key", DIAG_ERROR, NULL, 3, 0, NULL};
	struct diag warn = {"filled-down", DIAG_WARNING, NULL, 3, 0, NULL};
	CHECK(ts, plan_diag_blocks(&no_header) && plan_diag_blocks(&config));
	CHECK(ts, !plan_diag_blocks(&warn));
}

static void paac_component(struct test_state *ts)
{
	check_entity(ts, "paac-riesgos-2024.tsv", "paac-riesgos-2024.golden");
	check_entity(ts, "paac-riesgos-2024-excel-es.csv", "paac-riesgos-2024.golden");
}

static void action_plan(struct test_state *ts)
{
	check_entity(ts, "plan-accion-2024.tsv", "plan-accion-2024.golden");
	check_entity(ts, "plan-accion-2024-excel-es.csv", "plan-accion-2024.golden");
}

static void followup_sheet(struct test_state *ts)
{
	check_entity(ts, "seguimiento-oci-2024.tsv", "seguimiento-oci-2024.golden");
	check_entity(ts, "seguimiento-oci-2024-excel-es.csv", "seguimiento-oci-2024.golden");
}

static void periodic_dates(struct test_state *ts)
{
	check_entity(ts, "cronograma-rendicion-2024.tsv", "cronograma-rendicion-2024.golden");
	check_entity(ts, "cronograma-rendicion-2024-excel-es.csv",
		     "cronograma-rendicion-2024.golden");
}

/* [columns] maps headers plazo does not know (a hospital's own), read by hand: 3
 * activities, their offices and dates; a mapping to a header the table lacks is a warning
 * on the config's line; [columns otro-plan] does not apply to this file. */
static void columns_mapped(struct test_state *ts)
{
	struct fixture f;
	if (load_with(&f, "config-columnas.ini", "plan-encabezados-propios.tsv") < 0) {
		CHECK(ts, !"load");
		return;
	}
	CHECK_INT_EQ(ts, f.plan.n_activities, 3);
	static const struct {
		const char *ref, *office, *start, *due;
	} want[] = {
		{"1", "planeacion", "2024-02-01", "2024-02-29"},
		{"2", "gobierno", "2024-07-01", "2024-07-31"},
		{"3", "control-interno", NULL, "2024-09-30"},
	};
	for (size_t i = 0; i < 3 && i < f.plan.n_activities; i++) {
		const struct activity *a = &f.plan.activities[i];
		CHECK_STR_EQ(ts, plan_activity_ref(a), want[i].ref);
		CHECK_INT_EQ(ts, a->office_count, 1);
		CHECK_STR_EQ(ts, f.cfg.offices[f.plan.office_refs[a->office_first]].id, want[i].office);
		CHECK_INT_EQ(ts, a->milestone_count, 1);
		if (a->milestone_count != 1)
			continue;
		const struct milestone *m = &f.plan.milestones[a->milestone_first];
		char due[11], start[11] = "";
		date_format_iso(m->due, due);
		if (m->has_start)
			date_format_iso(m->start, start);
		CHECK_STR_EQ(ts, due, want[i].due);
		CHECK_STR_EQ(ts, start, want[i].start ? want[i].start : "");
	}
	size_t unused = 0, errors = 0;
	for (size_t i = 0; i < f.diags.len; i++) {
		const struct diag *d = &f.diags.items[i];
		errors += d->severity == DIAG_ERROR;
		if (strcmp(d->code, "columns-unused") == 0) {
			unused++;
			CHECK_INT_EQ(ts, d->line, 10); /* goal = Producto esperado */
			CHECK(ts, strstr(d->path, "config-columnas.ini") != NULL);
		}
	}
	CHECK_INT_EQ(ts, unused, 1);
	CHECK_INT_EQ(ts, errors, 0);
	unload(&f);
}

TEST_MAIN(TEST(seed_golden), TEST(seed_diagnostics), TEST(excel_csv), TEST(book_openpyxl),
	  TEST(book_libreoffice_xlsx), TEST(book_libreoffice_ods), TEST(reordered_bom), TEST(blocking_errors),
	  TEST(paac_component), TEST(action_plan), TEST(followup_sheet), TEST(periodic_dates),
	  TEST(columns_mapped))
