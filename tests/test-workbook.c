/* test-workbook.c - workbooks read as plans: a package written by hand to the shape Excel
 * produces, typed dates (1900 quirk, 1904 system), merged regions, and the hostile ones
 * (zip bomb, entity declarations, a missing part, a huge shared-string count, a million rows,
 * a legacy .xls), each a clear error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "component.h"
#include "config.h"
#include "plan.h"
#include "starter.h"
#include "strbuf.h"
#include "test.h"
#include "unread.h"
#include "workbook.h"
#include "xalloc.h"

struct fixture {
	struct config cfg;
	struct plan plan;
	struct diag_list diags;
	struct pz_error err;
};

static int load(struct fixture *f, const char *name)
{
	const char *cpath = getenv("PLAZO_CONFIG");
	memset(&f->err, 0, sizeof(f->err));
	config_init(&f->cfg);
	plan_init(&f->plan);
	diag_list_init(&f->diags);
	if (config_load(&f->cfg, cpath ? cpath : "config/plazo.ini", &f->diags, &f->err) < 0)
		return -2;
	char *path = test_data_path(name);
	int rc = plan_load(&f->plan, path, &f->cfg, &f->diags, &f->err);
	free(path);
	diag_sort(&f->diags);
	return rc;
}

static void unload(struct fixture *f)
{
	plan_finish(&f->plan);
	config_finish(&f->cfg);
	diag_list_finish(&f->diags);
}

static const char *due(const struct fixture *f, size_t activity, size_t k, char buf[11])
{
	const struct activity *a = &f->plan.activities[activity];
	if (k >= a->milestone_count)
		return "none";
	date_format_iso(f->plan.milestones[a->milestone_first + k].due, buf);
	return buf;
}

static const char *office(const struct fixture *f, size_t activity, size_t k)
{
	const struct activity *a = &f->plan.activities[activity];
	if (k >= a->office_count)
		return "none";
	return f->cfg.offices[f->plan.office_refs[a->office_first + k]].id;
}

static size_t count_code(const struct fixture *f, const char *code)
{
	size_t n = 0;
	for (size_t i = 0; i < f->diags.len; i++)
		n += strcmp(f->diags.items[i].code, code) == 0;
	return n;
}

static void check_formatted(struct test_state *ts, const struct fixture *f, const char *code,
			    const char *want)
{
	struct strbuf out;
	strbuf_init(&out);
	for (size_t i = 0; i < f->diags.len; i++)
		if (strcmp(f->diags.items[i].code, code) == 0)
			diag_format(&out, &f->diags.items[i]);
	CHECK(ts, strstr(out.data, want) != NULL);
	if (!strstr(out.data, want))
		fprintf(stderr, "  want %s in: %s\n", want, out.data);
	strbuf_finish(&out);
}

/* Parts under other names reached through the relationships; an instructions sheet first;
 * shared strings with rich-text runs, a phonetic run and a line break; inline strings; a
 * formula's cached string; dates by numFmtId 14 and by a custom code; a number in the date
 * column; cells with no reference; a responsible merged over two rows. */
static void hand_excel_shape(struct test_state *ts)
{
	struct fixture f;
	char b[11];
	CHECK(ts, load(&f, "workbooks/hand-excel-shape.xlsx") == 0);
	CHECK_INT_EQ(ts, f.plan.n_activities, 6);
	if (f.plan.n_activities != 6) {
		unload(&f);
		return;
	}
	CHECK_STR_EQ(ts, f.plan.activities[0].text, "Publicar el informe");
	CHECK_INT_EQ(ts, f.plan.activities[0].line, 3);
	CHECK_STR_EQ(ts, due(&f, 0, 0, b), "2023-03-31"); /* serial 45016 */
	CHECK_INT_EQ(ts, f.plan.activities[0].office_count, 2);
	CHECK_STR_EQ(ts, office(&f, 0, 0), "secretaria-general");
	CHECK_STR_EQ(ts, office(&f, 0, 1), "comunicaciones");
	CHECK_STR_EQ(ts, office(&f, 1, 0), "desarrollo-social");
	CHECK_STR_EQ(ts, due(&f, 1, 0, b), "2023-12-31");
	CHECK_STR_EQ(ts, office(&f, 2, 0), "protocolo");
	CHECK_INT_EQ(ts, f.plan.activities[2].milestone_count, 0); /* 2023 is no date */
	CHECK_STR_EQ(ts, f.plan.activities[3].text, "Mesa de trabajo");
	CHECK_STR_EQ(ts, due(&f, 3, 0, b), "2023-06-30");
	CHECK_STR_EQ(ts, office(&f, 4, 0), "transparencia");
	CHECK_STR_EQ(ts, office(&f, 5, 0), "transparencia");
	CHECK_STR_EQ(ts, due(&f, 5, 0, b), "2023-12-15");
	CHECK_INT_EQ(ts, count_code(&f, "filled-down"), 0);
	CHECK_INT_EQ(ts, count_code(&f, "sheet-skipped"), 1);
	CHECK_INT_EQ(ts, count_code(&f, "no-date"), 1);
	CHECK_INT_EQ(ts, f.diags.len, 2);
	check_formatted(ts, &f, "no-date", "hand-excel-shape.xlsx:Seguimiento!D5: error[no-date]");
	check_formatted(ts, &f, "sheet-skipped", "'Instrucciones'");
	unload(&f);
}

/* An OpenDocument sheet after a lists sheet: empty rows and cells repeated (a million rows at
 * the end cost nothing), header rows in table:table-header-rows, text:s runs, spans, an
 * annotation left out, a line break between offices, paragraphs, typed and text dates, and
 * content hidden under a span left out. */
static void hand_ods(struct test_state *ts)
{
	struct fixture f;
	char b[11];
	CHECK(ts, load(&f, "workbooks/hand.ods") == 0);
	CHECK_INT_EQ(ts, f.plan.n_activities, 5);
	if (f.plan.n_activities != 5) {
		unload(&f);
		return;
	}
	CHECK_STR_EQ(ts, f.plan.activities[0].text, "Informe anual   de gestión");
	CHECK_INT_EQ(ts, f.plan.activities[0].line, 4);
	CHECK_STR_EQ(ts, f.plan.activities[0].responsible_text,
		     "Secretaría General\nOficina Comunicaciones");
	CHECK_STR_EQ(ts, office(&f, 0, 1), "comunicaciones");
	CHECK_STR_EQ(ts, due(&f, 0, 0, b), "2023-03-31");
	CHECK_INT_EQ(ts, f.plan.activities[1].milestone_count, 0); /* the float 2023 */
	CHECK_STR_EQ(ts, office(&f, 2, 0), "transparencia"); /* under the span */
	CHECK_STR_EQ(ts, due(&f, 2, 0, b), "2023-12-15");
	CHECK_STR_EQ(ts, f.plan.activities[3].text, "Primera parte\nsegunda parte");
	CHECK_STR_EQ(ts, due(&f, 3, 0, b), "2023-06-30");
	/* the date hidden under the responsible's span (31/12/2023) is not shown, so not read:
	 * the cell is empty as a TSV export shows it, and filled down with a warning */
	CHECK_STR_EQ(ts, due(&f, 4, 0, b), "2023-06-30");
	CHECK_INT_EQ(ts, count_code(&f, "filled-down"), 1);
	CHECK_INT_EQ(ts, f.diags.len, 3);
	check_formatted(ts, &f, "no-date", "hand.ods:Plan de acción!E5: error[no-date]");
	check_formatted(ts, &f, "filled-down", "hand.ods:Plan de acción!E8: warning[filled-down]");
	check_formatted(ts, &f, "sheet-skipped", "'Listas'");
	unload(&f);
}

/* ---- several tables ---- */

/* The part of s after its last '/'. */
static const char *base(const char *s)
{
	const char *slash = strrchr(s, '/');
	return slash ? slash + 1 : s;
}

static void golden_activity(struct test_state *ts, const struct fixture *f, size_t i, char *line)
{
	char *field[7];
	size_t n = 0;
	for (char *p = strtok(line, "|\n"); p && n < 7; p = strtok(NULL, "|\n"))
		field[n++] = p;
	CHECK_INT_EQ(ts, n, 7);
	CHECK(ts, i < f->plan.n_activities);
	if (n != 7 || i >= f->plan.n_activities)
		return;
	const struct activity *a = &f->plan.activities[i];
	struct strbuf where, dates;
	strbuf_init(&where);
	strbuf_init(&dates);
	plan_activity_where(&f->plan, a, &where);
	for (size_t k = 0; k < a->milestone_count; k++) {
		char b[11];
		strbuf_printf(&dates, "%s%s", k ? " " : "", due(f, i, k, b));
	}
	CHECK_STR_EQ(ts, plan_activity_key(a), field[0]);
	CHECK_STR_EQ(ts, base(where.data), field[1]);
	CHECK_STR_EQ(ts, plan_activity_ref(a), field[2]);
	CHECK_INT_EQ(ts, a->subcomponent, (unsigned)atoi(field[3]));
	CHECK_STR_EQ(ts, a->subcomponent_title, field[4]);
	CHECK_INT_EQ(ts, a->office_count, 1);
	CHECK_STR_EQ(ts, office(f, i, 0), field[5]);
	CHECK_STR_EQ(ts, dates.data ? dates.data : "", field[6]);
	strbuf_finish(&where);
	strbuf_finish(&dates);
}

/* Diagnostic k formatted, from its file's base name up to its code's ']'. */
static void golden_diag(struct test_state *ts, const struct fixture *f, size_t k, const char *want)
{
	CHECK(ts, k < f->diags.len);
	if (k >= f->diags.len)
		return;
	struct strbuf out;
	strbuf_init(&out);
	diag_format(&out, &f->diags.items[k]);
	char *close = strchr(out.data, ']');
	if (close)
		close[1] = '\0';
	CHECK_STR_EQ(ts, base(out.data), want);
	strbuf_finish(&out);
}

/* One sheet per PAAC component, the same refs in both: every plan sheet is read, each with
 * its own header, and the repeated refs' keys carry the component its title names; against
 * the golden reading written by hand. */
static void paac_components(struct test_state *ts)
{
	struct fixture f;
	CHECK(ts, load(&f, "workbooks/paac-componentes.xlsx") == 0);
	char *path = test_data_path("workbooks/paac-componentes.golden");
	FILE *g = fopen(path, "r");
	free(path);
	CHECK(ts, g != NULL);
	char buf[1024];
	size_t i = 0, k = 0;
	while (g && fgets(buf, sizeof(buf), g)) {
		buf[strcspn(buf, "\n")] = '\0';
		if (buf[0] == '!')
			golden_diag(ts, &f, k++, buf + 1);
		else if (buf[0] != '#')
			golden_activity(ts, &f, i++, buf);
	}
	if (g)
		fclose(g);
	CHECK_INT_EQ(ts, f.plan.n_activities, i);
	CHECK_INT_EQ(ts, f.diags.len, k);
	CHECK_INT_EQ(ts, f.plan.n_parts, 2);
	CHECK_INT_EQ(ts, plan_find_key(&f.plan, "comp3:1.2"), 3);
	CHECK_INT_EQ(ts, plan_find_key(&f.plan, "1.1"), -1);
	struct strbuf anchor;
	strbuf_init(&anchor);
	plan_item_anchor(&anchor, &f.plan.activities[2], 1);
	CHECK_STR_EQ(ts, anchor.data, "rcomp3:1.1-1");
	char key[PLAN_KEY_SIZE];
	unsigned m;
	CHECK(ts, plan_item_parse(anchor.data, key, &m) && strcmp(key, "comp3:1.1") == 0);
	strbuf_finish(&anchor);
	unload(&f);
}

/* Merged regions across columns: the "Fecha" header over Inicio and Fin stays a two-row
 * header; a subcomponent title merged across the whole table stays a title row (no
 * activity); a date merged over Inicio and Fin is both, so the row has its due date. */
static void merges_across(struct test_state *ts)
{
	struct fixture f;
	char b[11];
	CHECK(ts, load(&f, "workbooks/merges-across.xlsx") == 0);
	CHECK_INT_EQ(ts, f.plan.table.header_rows, 2);
	CHECK_INT_EQ(ts, f.plan.table.column[TABLE_START], 5);
	CHECK_INT_EQ(ts, f.plan.table.column[TABLE_DATE], 6);
	CHECK_INT_EQ(ts, f.plan.n_activities, 2);
	if (f.plan.n_activities == 2) {
		const struct activity *a = &f.plan.activities[0];
		CHECK_INT_EQ(ts, a->line, 5);
		CHECK_INT_EQ(ts, a->subcomponent, 1);
		CHECK_STR_EQ(ts, a->subcomponent_title, "Planeación");
		CHECK_STR_EQ(ts, due(&f, 0, 0, b), "2024-01-31");
		CHECK_INT_EQ(ts, a->milestone_count, 1);
		CHECK_STR_EQ(ts, due(&f, 1, 0, b), "2024-04-30");
		const struct milestone *m =
			&f.plan.milestones[f.plan.activities[1].milestone_first];
		CHECK(ts, m->has_start && m->start.month == 2 && m->start.day == 1);
	}
	CHECK_INT_EQ(ts, count_code(&f, "no-date"), 0);
	CHECK_INT_EQ(ts, f.diags.len, 0);
	unload(&f);
}

/* The label a table's title gives: a number wins, else the name's folded words; the word
 * must be "Componente" itself (not "Subcomponente"), above the header (not in the rows). */
static void component_labels(struct test_state *ts)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{"Componente 2: Racionalización de trámites\n", "comp2"},
		{"PAAC 2024\t<b>COMPONENTE 4 - Atención al ciudadano</b>\n", "comp4"},
		{"Componente: Transparencia y acceso a la información\n", "transparencia-y-acceso"},
		{"Subcomponente 1 Política\n", ""},
		{"Plan 2024\n", ""},
		{"", ""},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct table t;
		struct diag_list d;
		char label[COMPONENT_LABEL_SIZE];
		char *text =
			xasprintf("%s%sComponente 9: en las filas\t\t\t\n", cases[i].text,
				  "#\tActividad\tResponsable\tFecha\n1\tx\tSecretaría General\t"
				  "31/01/2024\n");
		table_init(&t);
		diag_list_init(&d);
		table_parse(&t, "t.tsv", text, strlen(text), &d);
		CHECK_STR_EQ(ts, component_label(&t, label), cases[i].want);
		table_finish(&t);
		diag_list_finish(&d);
	}
}

/* Writes text to dir/name; returns the malloc'ed path. */
static char *write_file(const char *dir, const char *name, const char *text)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *path = malloc(n);
	snprintf(path, n, "%s/%s", dir, name);
	FILE *fp = fopen(path, "w");
	if (fp) {
		fputs(text, fp);
		fclose(fp);
	}
	return path;
}

static int load_files(struct fixture *f, const char *const *paths, size_t n)
{
	const char *cpath = getenv("PLAZO_CONFIG");
	memset(&f->err, 0, sizeof(f->err));
	config_init(&f->cfg);
	plan_init(&f->plan);
	diag_list_init(&f->diags);
	if (config_load(&f->cfg, cpath ? cpath : "config/plazo.ini", &f->diags, &f->err) < 0)
		return -2;
	int rc = plan_load_files(&f->plan, paths, n, &f->cfg, &f->diags, &f->err);
	diag_sort(&f->diags);
	return rc;
}

static const char header[] = "#\tActividad\tResponsable\tFecha programada\n";

/* Several files: a title naming the component by name gives its folded words; a table
 * without one, whose refs repeat, is known by its place (with a warning); refs that repeat
 * nowhere keep their keys; each file keeps its own lines in its diagnostics. */
static void several_files(struct test_state *ts)
{
	char dir[] = "/tmp/plazo-tables-XXXXXX";
	CHECK(ts, mkdtemp(dir) != NULL);
	char *a = write_file(dir, "a.tsv",
			     "Componente: Rendición de cuentas y diálogo ciudadano con la gente\n"
			     "\n#\tActividad\tResponsable\tFecha programada\n"
			     "1\tPublicar\tSecretaría General\t31/01/2024\n"
			     "7\tInformar\tSecretaría General\t28/02/2024\n");
	char *b = write_file(dir, "b.tsv",
			     "Plan 2024\n#\tActividad\tResponsable\tFecha programada\n"
			     "1\tRevisar\tSecretaría General\t31/03/2024\n"
			     "8\tCerrar\tSecretaría General\t30/04/2024\n"
			     "9\tCerrar\tSecretaría General\t31/13/2024\n");
	char *c = write_file(dir, "c.tsv", header);
	const char *paths[] = {a, b, c};
	struct fixture f;
	CHECK(ts, load_files(&f, paths, 3) == 0);
	CHECK_INT_EQ(ts, f.plan.n_parts, 3);
	CHECK_INT_EQ(ts, f.plan.n_activities, 5);
	if (f.plan.n_activities == 5) {
		CHECK_STR_EQ(ts, f.plan.activities[0].key,
			     "rendicion-de-cuentas-y:1"); /* cut at a word */
		CHECK_STR_EQ(ts, f.plan.activities[1].key, "7");
		CHECK_STR_EQ(ts, f.plan.activities[2].key, "t2:1");
		CHECK_STR_EQ(ts, f.plan.activities[3].key, "8");
		CHECK_INT_EQ(ts, f.plan.activities[4].part, 1);
		CHECK_INT_EQ(ts, f.plan.activities[4].line, 5);
	}
	CHECK_INT_EQ(ts, count_code(&f, "no-component-label"), 1);
	check_formatted(ts, &f, "no-component-label", "b.tsv:2: warning[no-component-label]");
	check_formatted(ts, &f, "no-date", "b.tsv:5: error[no-date]");
	unload(&f);
	/* One file alone: no label, whatever its title says. */
	CHECK(ts, load_files(&f, paths, 1) == 0);
	CHECK_STR_EQ(ts, f.plan.n_activities ? f.plan.activities[0].key : "", "1");
	unload(&f);
	for (size_t i = 0; i < 3; i++) {
		unlink(paths[i]);
		free((char *)paths[i]);
	}
	rmdir(dir);
}

/* Serial days of the 1900 system: 59 is 28 February 1900, 60 the day that never was (left
 * as a number and flagged), 61 is 1 March; the time of day is dropped. */
static void serials_1900(struct test_state *ts)
{
	struct fixture f;
	char b[11];
	CHECK(ts, load(&f, "workbooks/serials-1900.xlsx") == 0);
	CHECK_INT_EQ(ts, f.plan.n_activities, 5);
	if (f.plan.n_activities == 5) {
		CHECK_STR_EQ(ts, due(&f, 0, 0, b), "1900-02-28");
		CHECK_INT_EQ(ts, f.plan.activities[1].milestone_count, 0);
		CHECK_STR_EQ(ts, due(&f, 2, 0, b), "1900-03-01");
		CHECK_STR_EQ(ts, due(&f, 3, 0, b), "1900-01-01");
		CHECK_STR_EQ(ts, due(&f, 4, 0, b), "2023-03-31"); /* 45016.75 */
	}
	check_formatted(ts, &f, "no-date", "Seguimiento!C3: error[no-date]: no date in \"60\"");
	unload(&f);
}

static void dates_1904(struct test_state *ts)
{
	struct fixture f;
	char b[11];
	CHECK(ts, load(&f, "workbooks/dates-1904.xlsx") == 0);
	CHECK_INT_EQ(ts, f.plan.n_activities, 3);
	if (f.plan.n_activities == 3) {
		CHECK_STR_EQ(ts, due(&f, 0, 0, b), "2024-01-31");
		CHECK_STR_EQ(ts, due(&f, 1, 0, b), "2024-04-30");
		CHECK_STR_EQ(ts, due(&f, 2, 0, b), "2024-12-20");
	}
	CHECK_INT_EQ(ts, f.diags.len, 0);
	unload(&f);
}

static void refused(struct test_state *ts, const char *name, const char *want)
{
	struct fixture f;
	CHECK_INT_EQ(ts, load(&f, name), -1);
	CHECK(ts, strstr(f.err.msg, want) != NULL);
	if (!strstr(f.err.msg, want))
		fprintf(stderr, "  %s: want '%s' in '%s'\n", name, want, f.err.msg);
	CHECK_INT_EQ(ts, f.plan.n_activities, 0);
	unload(&f);
}

static void hostile(struct test_state *ts)
{
	struct table t;
	struct diag_list d;
	struct pz_error err;
	char *where, *path = test_data_path("workbooks/seed-openpyxl.xlsx");
	table_init(&t);
	diag_list_init(&d);
	CHECK_INT_EQ(ts, workbook_table_load(&t, path, 1000, NULL, 0, &where, &d, &err), -1);
	CHECK(ts, strstr(err.msg, "max_size") != NULL); /* [plan] max_size holds for workbooks */
	free(path);
	table_finish(&t);
	diag_list_finish(&d);
	refused(ts, "workbooks-hostile/bomb.xlsx", "inflates past 256 MiB");
	refused(ts, "workbooks-hostile/bomb-lying-sizes.xlsx", "inflates past 256 MiB");
	refused(ts, "workbooks-hostile/entities.xlsx", "DOCTYPE");
	refused(ts, "workbooks-hostile/missing-part.xlsx", "no part tabs/t2.xml");
	refused(ts, "workbooks-hostile/huge-sst.xlsx", "4294967295 shared strings");
	refused(ts, "workbooks-hostile/million-rows.ods", "more than 2000000 cells");
	refused(ts, "workbooks-hostile/legacy.xls", "save it as .xlsx");
}

/* The buffer entry point (the fuzzer's) reports the same faults as a blocking diagnostic. */
static void buffer_errors(struct test_state *ts)
{
	static const char xls[] = "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1 rest";
	static const char zip[] = "PK\x03\x04 not really a zip";
	const char *inputs[] = {xls, zip};
	size_t lens[] = {sizeof(xls) - 1, sizeof(zip) - 1};
	struct fixture f;
	CHECK(ts, load(&f, "workbooks/dates-1904.xlsx") == 0);
	for (size_t i = 0; i < 2; i++) {
		struct plan p;
		struct diag_list d;
		char *buf = malloc(lens[i] + 1);
		memcpy(buf, inputs[i], lens[i]);
		plan_init(&p);
		diag_list_init(&d);
		plan_load_buffer(&p, "plan.xlsx", buf, lens[i], &f.cfg, &d);
		CHECK_INT_EQ(ts, d.len, 1);
		CHECK(ts, d.len == 1 && strcmp(d.items[0].code, "unreadable-workbook") == 0);
		CHECK(ts, d.len == 1 && plan_diag_blocks(&d.items[0]));
		plan_finish(&p);
		diag_list_finish(&d);
	}
	/* a text table the reader re-encodes (Windows-1252): the buffer is the table's then */
	static const char cp1252[] = "Actividad\tResponsable\tFecha\nPublicaci\xf3n\tSecretar\xed"
				     "a "
				     "General\t30/04/2023\n";
	struct plan p;
	struct diag_list d;
	char *buf = malloc(sizeof(cp1252));
	memcpy(buf, cp1252, sizeof(cp1252));
	plan_init(&p);
	diag_list_init(&d);
	plan_load_buffer(&p, "plan.tsv", buf, sizeof(cp1252) - 1, &f.cfg, &d);
	CHECK_INT_EQ(ts, p.n_activities, 1);
	plan_finish(&p);
	diag_list_finish(&d);
	CHECK_INT_EQ(ts, workbook_sniff("PK\x03\x04", 4), WORKBOOK_ZIP);
	CHECK_INT_EQ(ts, workbook_sniff(xls, 8), WORKBOOK_XLS);
	CHECK_INT_EQ(ts, workbook_sniff("Subcomponente\t#", 15), WORKBOOK_NONE);
	unload(&f);
}

/* plazo init on the workbook writes the offices it writes on the TSV (all but the header
 * lines naming the file). */
static void init_same_as_tsv(struct test_state *ts)
{
	struct strbuf out[2];
	const char *names[2] = {"workbooks/seed-openpyxl.xlsx",
				"estrategia-rendicion-cuentas-2023.tsv"};
	for (int i = 0; i < 2; i++) {
		struct diag_list d;
		struct pz_error err;
		char *path = test_data_path(names[i]);
		strbuf_init(&out[i]);
		diag_list_init(&d);
		CHECK_INT_EQ(ts, starter_config(path, &out[i], &d, &err), 0);
		free(path);
		diag_list_finish(&d);
	}
	const char *a = strstr(out[0].data, "\n[office "), *b = strstr(out[1].data, "\n[office ");
	CHECK(ts, a != NULL && b != NULL);
	if (a && b)
		CHECK_STR_EQ(ts, a, b);
	strbuf_finish(&out[0]);
	strbuf_finish(&out[1]);
}

/* plazo init on a workbook of one sheet per component: the offices of every plan sheet. */
static void init_every_sheet(struct test_state *ts)
{
	struct strbuf out;
	struct diag_list d;
	struct pz_error err;
	char *path = test_data_path("workbooks/paac-componentes.xlsx");
	strbuf_init(&out);
	diag_list_init(&d);
	CHECK_INT_EQ(ts, starter_config(path, &out, &d, &err), 0);
	CHECK(ts,
	      out.data && strstr(out.data, "\nname = Departamento Administrativo de Planeación\n"));
	CHECK(ts, out.data && strstr(out.data, "\nname = Secretaría General\n")); /* sheet 2 */
	free(path);
	diag_list_finish(&d);
	strbuf_finish(&out);
}

/* Where a workbook diagnostic is, as check, the log's rows not read and the digest show it. */
static void cell_names(struct test_state *ts)
{
	struct diag_list d;
	struct strbuf out;
	struct unread *u = calloc(1, sizeof(*u));
	diag_list_init(&d);
	strbuf_init(&out);
	diag_add(&d, DIAG_ERROR, "no-office", "plan.xlsx:Rendición de cuentas!", 24, 28, "x");
	diag_add(&d, DIAG_WARNING, "outside-plan-year", "plan.xlsx:Hoja 1!", 40, 0, "y");
	diag_add(&d, DIAG_NOTE, "sheet-skipped", "plan.xlsx:Hoja 1!", 0, 0, "z");
	for (size_t i = 0; i < d.len; i++)
		diag_format(&out, &d.items[i]);
	CHECK_STR_EQ(ts, out.data,
		     "plan.xlsx:Rendición de cuentas!AB24: error[no-office]: x\n"
		     "plan.xlsx:Hoja 1!40: warning[outside-plan-year]: y\n"
		     "plan.xlsx:Hoja 1: note[sheet-skipped]: z\n");
	unread_collect(u, &d);
	CHECK_INT_EQ(ts, u->n, 1);
	CHECK_STR_EQ(ts, u->row[0].where, "plan.xlsx:Rendición de cuentas!AB24");
	free(u);
	strbuf_finish(&out);
	diag_list_finish(&d);
}

TEST_MAIN(TEST(hand_excel_shape), TEST(hand_ods), TEST(paac_components), TEST(several_files),
	  TEST(merges_across), TEST(component_labels), TEST(serials_1900), TEST(dates_1904),
	  TEST(hostile), TEST(buffer_errors), TEST(init_same_as_tsv), TEST(init_every_sheet),
	  TEST(cell_names))
