/* test-plan-split.c - a plan whose rows are read on two threads (plan_set_split_min) is the
 * plan one thread reads: the same activities, keys, offices, milestones, doubts and
 * diagnostics in the same order, wherever the cut falls (inside a filled-down run, after a
 * subcomponent numbered by its place, between rows that share a ref); a table tokenized on
 * two threads (table_set_split_min) has the records and diagnostics of one, wherever the
 * middle falls (inside a quoted field over several lines, on a CR, a blank line). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "plan.h"
#include "strbuf.h"
#include "table.h"
#include "test.h"

struct reading {
	struct plan plan;
	struct diag_list diags;
	struct strbuf text; /* everything compared, one line per item */
};

static void put_activity(struct strbuf *s, const struct plan *p, const struct config *cfg,
			 const struct activity *a)
{
	strbuf_printf(s, "%s|%s|%s|%s|%s|%s|%u|%u|%u|%u|%d|", plan_activity_key(a), a->ref,
		      a->subcomponent_title, a->text, a->goal, a->responsible_text, a->number,
		      a->line, a->subcomponent, a->part, a->number_shared);
	for (size_t k = 0; k < a->office_count; k++)
		strbuf_printf(s, " %s", cfg->offices[p->office_refs[a->office_first + k]].id);
	for (size_t k = 0; k < a->milestone_count; k++) {
		const struct milestone *m = &p->milestones[a->milestone_first + k];
		strbuf_printf(s, " %d-%d-%d/%d:%d-%d-%d", m->due.year, m->due.month, m->due.day,
			      m->has_start, m->start.year, m->start.month, m->start.day);
	}
	strbuf_putc(s, '\n');
}

static void describe(struct reading *r, const struct config *cfg)
{
	const struct plan *p = &r->plan;
	strbuf_printf(&r->text, "%zu activities %zu milestones order %d years %d-%d\n",
		      p->n_activities, p->n_milestones, (int)p->date_order, p->year_first,
		      p->year_last);
	for (size_t i = 0; i < p->n_activities; i++)
		put_activity(&r->text, p, cfg, &p->activities[i]);
	for (size_t i = 0; i < p->n_activities; i++)
		strbuf_printf(&r->text, "by_key %zu\n", p->by_key[i]);
	for (size_t i = 0; i < p->n_doubts; i++)
		strbuf_printf(&r->text, "doubt %zu %s %s\n", p->doubts[i].milestone,
			      p->doubts[i].code ? p->doubts[i].code : "-", p->doubts[i].written);
	for (size_t i = 0; i < r->diags.len; i++)
		diag_format(&r->text, &r->diags.items[i]); /* in the order raised: unsorted */
}

/* data (copied) read with rows split from split_min records on. */
static void read_buffer(struct reading *r, const struct config *cfg, const char *data,
			size_t split_min)
{
	size_t len = strlen(data);
	char *copy = malloc(len + 1);
	memcpy(copy, data, len + 1);
	plan_init(&r->plan);
	diag_list_init(&r->diags);
	strbuf_init(&r->text);
	plan_set_split_min(split_min);
	plan_load_buffer(&r->plan, "split.tsv", copy, len, cfg, &r->diags);
	plan_set_split_min(0);
	describe(r, cfg);
}

static void read_file(struct reading *r, const struct config *cfg, const char *name,
		      size_t split_min)
{
	struct pz_error err = {0};
	char *path = test_data_path(name);
	plan_init(&r->plan);
	diag_list_init(&r->diags);
	strbuf_init(&r->text);
	plan_set_split_min(split_min);
	if (plan_load(&r->plan, path, cfg, &r->diags, &err) < 0)
		strbuf_printf(&r->text, "load failed: %s\n", err.msg);
	plan_set_split_min(0);
	free(path);
	describe(r, cfg);
}

static void reading_finish(struct reading *r)
{
	plan_finish(&r->plan);
	diag_list_finish(&r->diags);
	strbuf_finish(&r->text);
}

/* The first line where a and b differ, on stderr, so a failure says what moved. */
static void show_difference(const char *what, const char *a, const char *b)
{
	unsigned line = 1;
	while (*a && *a == *b) {
		line += *a == '\n';
		a++, b++;
	}
	fprintf(stderr, "%s: split reading differs at line %u:\n  one: %.200s\n  two: %.200s\n",
		what, line, a, b);
}

static void check_same(struct test_state *ts, const char *what, struct reading *one,
		       struct reading *two)
{
	bool same = strcmp(one->text.data, two->text.data) == 0;
	if (!same)
		show_difference(what, one->text.data, two->text.data);
	CHECK(ts, same);
	CHECK(ts, one->plan.n_activities > 0);
	reading_finish(one);
	reading_finish(two);
}

static int load_config(struct config *cfg, const char *path)
{
	struct diag_list diags;
	struct pz_error err = {0};
	diag_list_init(&diags);
	config_init(cfg);
	int rc = config_load(cfg, path, &diags, &err);
	if (rc < 0)
		fprintf(stderr, "config %s: %s\n", path, err.msg);
	diag_list_finish(&diags);
	return rc;
}

/* A plan of rows rows: subcomponents by number and by place, refs repeated across them,
 * merged (empty) goal, responsible and date cells, unknown offices, bad and ambiguous dates. */
static char *synthetic(size_t rows)
{
	static const char *const offices[] = {
		"Secretaría General", "", "Oficina de Asuntos Lunares",
		"Secretaría General y Oficina para la Transparencia de la Gestión Pública",
	};
	static const char *const dates[] = {"30/03/2023", "", "3/4/2023", "31/02/2023",
					    "15/05/2023 al 30/06/2023", "mayo 2023", ""};
	struct strbuf s;
	strbuf_init(&s);
	strbuf_puts(&s, "Plan partido\n\nSubcomponente\t#\tActividades\tMeta\tResponsable\t"
			"Fecha Programada\n");
	for (size_t i = 0; i < rows; i++) {
		if (i % 7 == 0)
			strbuf_printf(&s, i % 14 ? "Otro título %zu\t\t\t\t\t\n"
						 : "Subcomponente %zu Título\t\t\t\t\t\n",
				      i / 7 + 1);
		strbuf_printf(&s, "\t1.%zu\tActividad %zu\t%s\t%s\t%s\n", i % 3 + 1, i,
			      i % 5 == 2 ? "" : "Meta", offices[i % 4], dates[i % 7]);
	}
	return strbuf_steal(&s);
}

static void split_synthetic(struct test_state *ts)
{
	struct config cfg;
	char *cpath = getenv("PLAZO_CONFIG");
	CHECK(ts, load_config(&cfg, cpath ? cpath : "config/plazo.ini") == 0);
	for (size_t rows = 3; rows < 60; rows++) { /* every place of the cut over 7 rows */
		char *data = synthetic(rows);
		struct reading one, two;
		read_buffer(&one, &cfg, data, SIZE_MAX);
		read_buffer(&two, &cfg, data, 2);
		char what[32];
		snprintf(what, sizeof(what), "synthetic %zu rows", rows);
		check_same(ts, what, &one, &two);
		free(data);
	}
	config_finish(&cfg);
}

static void split_fixtures(struct test_state *ts)
{
	static const struct {
		const char *config, *plan;
	} cases[] = {
		{NULL, "estrategia-rendicion-cuentas-2023.tsv"},
		{NULL, "plan-bad.tsv"},
		{NULL, "seed-excel-es.csv"},
		{"config-entidades.ini", "paac-riesgos-2024.tsv"},
		{"config-entidades.ini", "plan-accion-2024-excel-es.csv"},
		{"config-entidades.ini", "seguimiento-oci-2024.tsv"},
		{"config-entidades.ini", "cronograma-rendicion-2024.tsv"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct config cfg;
		char *cpath = cases[i].config ? test_data_path(cases[i].config) : NULL;
		const char *env = getenv("PLAZO_CONFIG");
		CHECK(ts, load_config(&cfg, cpath ? cpath : env ? env : "config/plazo.ini") == 0);
		struct reading one, two;
		read_file(&one, &cfg, cases[i].plan, SIZE_MAX);
		read_file(&two, &cfg, cases[i].plan, 2);
		check_same(ts, cases[i].plan, &one, &two);
		config_finish(&cfg);
		free(cpath);
	}
}

/* ---- the table's records, tokenized on one thread or two ---- */

static void describe_table(struct strbuf *s, const struct table *t, const struct diag_list *d)
{
	strbuf_printf(s, "%zu records header %u delim %d\n", t->n_records, t->header_line,
		      t->delimiter);
	for (size_t i = 0; i < t->n_records; i++) {
		const struct table_record *r = &t->records[i];
		strbuf_printf(s, "%u", r->line);
		for (int f = 0; f < TABLE_NFIELDS; f++)
			strbuf_printf(s, "|%u:%s", r->column[f], r->field[f]);
		strbuf_putc(s, '\n');
	}
	for (size_t i = 0; i < d->len; i++)
		diag_format(s, &d->items[i]);
}

static void parse_both(struct test_state *ts, const char *what, const char *data)
{
	struct strbuf text[2];
	for (int k = 0; k < 2; k++) {
		size_t len = strlen(data);
		char *copy = malloc(len + 1);
		memcpy(copy, data, len + 1);
		struct table t;
		struct diag_list d;
		table_init(&t);
		diag_list_init(&d);
		strbuf_init(&text[k]);
		table_set_split_min(k == 0 ? SIZE_MAX : 1);
		table_parse(&t, "split.csv", copy, len, &d);
		table_set_split_min(0);
		describe_table(&text[k], &t, &d);
		table_finish(&t);
		diag_list_finish(&d);
	}
	bool same = strcmp(text[0].data, text[1].data) == 0;
	if (!same)
		show_difference(what, text[0].data, text[1].data);
	CHECK(ts, same);
	strbuf_finish(&text[0]);
	strbuf_finish(&text[1]);
}

/* Rows where a line break is not a record's end: quoted fields over several lines (with ""
 * and the delimiter inside), quotes inside a cell, CRLF and lone CR, blank lines, a repeated
 * header, a tag and a bidi control; the middle falls on each of them in turn. */
static void split_table(struct test_state *ts)
{
	static const char *const rows[] = {
		"1;1.1;\"Publicar\nel plan\";Meta;Secretaría General;30/03/2023\n",
		("1;1.2;Dice \"hola\" y sigue;\"Meta \"\"doble\"\"\r\nsegunda\";Secretaría "
		 "General;1/4/2023\r\n"),
		"\n",
		"Subcomponente;#;Actividades;Meta;Responsable;Fecha Programada\n",
		"2;2.1;<b>Negrita</b> &amp; más;\"a;b\";\"Oficina\rJurídica\";\"15/05/2023\"\r",
		"2;2.2;\"\";\"\";x\xE2\x80\x8Fy;\n",
		"3;3.1;\"abre \"\"\n\"\"\n cierra\";M;Secretaría General;2023-06-01\n",
	};
	size_t n = sizeof(rows) / sizeof(rows[0]);
	for (size_t start = 0; start < 3 * n; start++) {
		struct strbuf s;
		strbuf_init(&s);
		strbuf_puts(&s, "Plan\n");
		strbuf_puts(&s, "Subcomponente;#;Actividades;Meta;Responsable;Fecha Programada\n");
		for (size_t i = 0; i < 2 * n + start % n; i++)
			strbuf_puts(&s, rows[(start + i) % n]);
		if (start >= 2 * n)
			strbuf_puts(&s, "4;4.1;\"nunca cierra\n;x;y;z\n"); /* unterminated-quote */
		char what[32];
		snprintf(what, sizeof(what), "table %zu", start);
		parse_both(ts, what, s.data);
		strbuf_finish(&s);
	}
}

/* The 1M-row path in small: a synthetic plan over a forced tokenizer split and a forced row
 * split, against one thread for both. */
static void split_both(struct test_state *ts)
{
	struct config cfg;
	char *cpath = getenv("PLAZO_CONFIG");
	CHECK(ts, load_config(&cfg, cpath ? cpath : "config/plazo.ini") == 0);
	for (size_t rows = 3; rows < 40; rows += 3) {
		char *data = synthetic(rows);
		struct reading one, two;
		table_set_split_min(SIZE_MAX);
		read_buffer(&one, &cfg, data, SIZE_MAX);
		table_set_split_min(1);
		read_buffer(&two, &cfg, data, 2);
		table_set_split_min(0);
		check_same(ts, "synthetic, both split", &one, &two);
		free(data);
	}
	config_finish(&cfg);
}

TEST_MAIN(TEST(split_synthetic), TEST(split_fixtures), TEST(split_table), TEST(split_both))
