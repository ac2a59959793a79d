/* test-table.c - the plan table reader: seed, fixtures, quoting, encodings, hostile input. */
#include "table.h"

#include <iconv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "columns.h"
#include "strbuf.h"
#include "test.h"
#include "twin.h"

#define SEED "estrategia-rendicion-cuentas-2023.tsv"
#define FFFD "\xEF\xBF\xBD"

static bool parse_bytes(struct table *t, struct diag_list *diags, const char *s, size_t len)
{
	char *data = malloc(len + 1);
	if (data == NULL)
		abort();
	memcpy(data, s, len);
	return table_parse(t, "mem.tsv", data, len, diags);
}

static bool parse_str(struct table *t, struct diag_list *diags, const char *s)
{
	return parse_bytes(t, diags, s, strlen(s));
}

static const struct diag *find_diag(const struct diag_list *diags, const char *code)
{
	for (size_t i = 0; i < diags->len; i++)
		if (strcmp(diags->items[i].code, code) == 0)
			return &diags->items[i];
	return NULL;
}

static size_t count_diag(const struct diag_list *diags, const char *code)
{
	size_t n = 0;
	for (size_t i = 0; i < diags->len; i++)
		n += strcmp(diags->items[i].code, code) == 0;
	return n;
}

static int load(struct table *t, struct diag_list *diags, const char *name)
{
	char *path = test_data_path(name);
	struct pz_error err = {0};
	int rc = table_load(t, path, TABLE_DEFAULT_MAX_SIZE, diags, &err);
	if (rc != 0)
		fprintf(stderr, "load %s: %s\n", path, err.msg);
	free(path);
	return rc;
}

static void setup(struct table *t, struct diag_list *d)
{
	table_init(t);
	diag_list_init(d);
}

static void teardown(struct table *t, struct diag_list *d)
{
	table_finish(t);
	diag_list_finish(d);
}

static void test_field_names(struct test_state *ts)
{
	CHECK_STR_EQ(ts, table_field_name(TABLE_SUBCOMPONENT), "subcomponent");
	CHECK_STR_EQ(ts, table_field_name(TABLE_NUMBER), "number");
	CHECK_STR_EQ(ts, table_field_name(TABLE_ACTIVITY), "activity");
	CHECK_STR_EQ(ts, table_field_name(TABLE_GOAL), "goal");
	CHECK_STR_EQ(ts, table_field_name(TABLE_RESPONSIBLE), "responsible");
	CHECK_STR_EQ(ts, table_field_name(TABLE_DATE), "date");
}

static void check_seed_records(struct test_state *ts, const struct table *t)
{
	CHECK_INT_EQ(ts, t->header_line, 5);
	CHECK_INT_EQ(ts, t->n_records, 65);
	if (t->n_records != 65)
		return;
	const struct table_record *r = &t->records[0];
	CHECK_INT_EQ(ts, r->line, 6);
	CHECK_STR_EQ(ts, r->field[TABLE_SUBCOMPONENT],
		     "Subcomponente 1 Información de calidad y en lenguaje comprensible");
	CHECK_STR_EQ(ts, r->field[TABLE_NUMBER], "1");
	CHECK_STR_EQ(ts, r->field[TABLE_ACTIVITY],
		     "Publicar en la sede electrónica Institucional el informe de evaluación anual "
		     "de la rendición de cuentas de la vigencia anterior.");
	CHECK_STR_EQ(ts, r->field[TABLE_RESPONSIBLE], "Secretaría General");
	CHECK_STR_EQ(ts, r->field[TABLE_DATE], "3/30/2023");
	r = &t->records[3];
	CHECK_INT_EQ(ts, r->line, 9);
	CHECK_STR_EQ(ts, r->field[TABLE_NUMBER], "4");
	CHECK_STR_EQ(ts, r->field[TABLE_SUBCOMPONENT], "");
	CHECK_STR_EQ(ts, r->field[TABLE_RESPONSIBLE],
		     "Equipo comunicaciones Oficina para la Transparencia de la Gestión Pública  "
		     "Oficina de Comunicaciones - Equipo de Redes");
	r = &t->records[5]; /* after a blank line (11) and a repeated header (12) */
	CHECK_INT_EQ(ts, r->line, 13);
	CHECK_STR_EQ(ts, r->field[TABLE_DATE], "01/02/2023 a 30/11/2023");
	CHECK(ts, strstr(t->records[8].field[TABLE_ACTIVITY], "\"Valle Invencible\"") != NULL);
	CHECK_INT_EQ(ts, t->records[19].line, 35);
	CHECK_STR_EQ(ts, t->records[19].field[TABLE_SUBCOMPONENT],
		     "Subcomponente 2 Diálogo de doble vía con la ciudadanía y sus organizaciones");
	CHECK_INT_EQ(ts, t->records[24].line, 44);
	CHECK_STR_EQ(ts, t->records[24].field[TABLE_SUBCOMPONENT],
		     "Subcomponente 3 Responsabilidad");
	r = &t->records[64];
	CHECK_INT_EQ(ts, r->line, 106); /* 105 newlines, the last line has none */
	CHECK_STR_EQ(ts, r->field[TABLE_NUMBER], "65");
	CHECK_STR_EQ(ts, r->field[TABLE_RESPONSIBLE], "Equipo comunicaciones Secretaría General");
	CHECK_STR_EQ(ts, r->field[TABLE_DATE], "31/10/2023");
	int numbered = 0;
	for (size_t i = 0; i < t->n_records; i++) {
		char want[24];
		snprintf(want, sizeof(want), "%zu", i + 1);
		numbered += strcmp(t->records[i].field[TABLE_NUMBER], want) == 0;
	}
	CHECK_INT_EQ(ts, numbered, 65);
}

static void test_seed(struct test_state *ts)
{
	struct table t;
	struct diag_list d;
	setup(&t, &d);
	CHECK_INT_EQ(ts, load(&t, &d, SEED), 0);
	CHECK_STR_EQ(ts, t.encoding, "UTF-8");
	CHECK_INT_EQ(ts, t.delimiter, '\t');
	CHECK_INT_EQ(ts, d.len, 0);
	for (int f = 0; f < TABLE_NFIELDS; f++)
		CHECK(ts, t.has_field[f] == (f != TABLE_START));
	check_seed_records(ts, &t);
	if (t.n_records > 0) {
		CHECK_INT_EQ(ts, t.records[0].column[TABLE_SUBCOMPONENT], 1);
		CHECK_INT_EQ(ts, t.records[0].column[TABLE_DATE], 6);
	}
	teardown(&t, &d);
}

/* Same records as the seed, field by field; same lines when same_lines. */
static void check_same_as_seed(struct test_state *ts, const struct table *t, bool same_lines)
{
	struct table seed;
	struct diag_list d;
	setup(&seed, &d);
	CHECK_INT_EQ(ts, load(&seed, &d, SEED), 0);
	CHECK_INT_EQ(ts, t->n_records, seed.n_records);
	size_t n = t->n_records < seed.n_records ? t->n_records : seed.n_records;
	int same = 0;
	for (size_t i = 0; i < n; i++) {
		bool eq = !same_lines || t->records[i].line == seed.records[i].line;
		for (int f = 0; f < TABLE_NFIELDS; f++)
			eq = eq && strcmp(t->records[i].field[f], seed.records[i].field[f]) == 0;
		if (!eq)
			fprintf(stderr, "record %zu (line %u) differs from the seed\n", i,
				t->records[i].line);
		same += eq;
	}
	CHECK_INT_EQ(ts, same, 65);
	teardown(&seed, &d);
}

static void test_seed_excel(struct test_state *ts)
{
	struct table t;
	struct diag_list d;
	setup(&t, &d);
	CHECK_INT_EQ(ts, load(&t, &d, "seed-excel-es.csv"), 0);
	CHECK_STR_EQ(ts, t.encoding, "Windows-1252");
	CHECK_INT_EQ(ts, t.delimiter, ';');
	CHECK_INT_EQ(ts, d.len, 1);
	const struct diag *n = find_diag(&d, "encoding-windows-1252");
	CHECK(ts, n != NULL && n->severity == DIAG_NOTE && n->line == 0);
	check_seed_records(ts, &t);
	check_same_as_seed(ts, &t, true);
	teardown(&t, &d);
}

static void test_seed_reordered_bom(struct test_state *ts)
{
	struct table t;
	struct diag_list d;
	setup(&t, &d);
	CHECK_INT_EQ(ts, load(&t, &d, "seed-reordered-bom.tsv"), 0);
	CHECK_STR_EQ(ts, t.encoding, "UTF-8 (BOM)");
	CHECK_INT_EQ(ts, t.delimiter, '\t');
	CHECK_INT_EQ(ts, d.len, 0);
	check_seed_records(ts, &t);
	check_same_as_seed(ts, &t, true);
	if (t.n_records > 0) {
		const unsigned *col = t.records[0].column;
		CHECK_INT_EQ(ts, col[TABLE_DATE], 1);
		CHECK_INT_EQ(ts, col[TABLE_RESPONSIBLE], 2);
		CHECK_INT_EQ(ts, col[TABLE_NUMBER], 3);
		CHECK_INT_EQ(ts, col[TABLE_ACTIVITY], 4);
		CHECK_INT_EQ(ts, col[TABLE_SUBCOMPONENT], 5);
		CHECK_INT_EQ(ts, col[TABLE_GOAL], 6);
	}
	teardown(&t, &d);
}

static void test_quoted_fixture(struct test_state *ts)
{
	struct table t;
	struct diag_list d;
	setup(&t, &d);
	CHECK_INT_EQ(ts, load(&t, &d, "table-quoted.csv"), 0);
	CHECK_INT_EQ(ts, t.delimiter, ',');
	CHECK_INT_EQ(ts, t.header_line, 3);
	CHECK_INT_EQ(ts, d.len, 0);
	CHECK(ts, !t.has_field[TABLE_GOAL] && t.has_field[TABLE_NUMBER]);
	CHECK_INT_EQ(ts, t.n_records, 4);
	if (t.n_records == 4) {
		CHECK_STR_EQ(ts, t.records[0].field[TABLE_ACTIVITY], "Revisar, aprobar y publicar");
		CHECK_STR_EQ(ts, t.records[1].field[TABLE_ACTIVITY], "Informe \"final\"");
		CHECK_STR_EQ(ts, t.records[2].field[TABLE_ACTIVITY],
			     "Primera línea\r\nSegunda línea");
		CHECK_STR_EQ(ts, t.records[3].field[TABLE_RESPONSIBLE], "Oficina D");
		CHECK_STR_EQ(ts, t.records[3].field[TABLE_DATE], "4/2/2024");
		CHECK_STR_EQ(ts, t.records[3].field[TABLE_GOAL], "");
		CHECK_INT_EQ(ts, t.records[0].line, 4);
		CHECK_INT_EQ(ts, t.records[1].line, 5);
		CHECK_INT_EQ(ts, t.records[2].line, 6);
		CHECK_INT_EQ(ts, t.records[3].line, 8);
	}
	teardown(&t, &d);
}

static void test_quoting(struct test_state *ts)
{
	struct table t;
	struct diag_list d;
	setup(&t, &d);
	CHECK(ts, parse_str(&t, &d,
			    "Actividad,Responsable,Fecha\n"
			    "\"Uno, dos\",Oficina A,1/2/2023\n"
			    "\"Dice \"\"hola\"\"\",Oficina B,2/2/2023\n"
			    "\"Línea uno\nLínea dos\",Oficina C,3/2/2023\n"
			    "Texto \"con\" comillas,Oficina D,4/2/2023\n"
			    "\"Cita\"final,Oficina E,5/2/2023\n"
			    ",,\n"
			    "\"\",Oficina F,\"\""));
	CHECK_INT_EQ(ts, d.len, 0);
	CHECK_INT_EQ(ts, t.n_records, 6);
	if (t.n_records == 6) {
		static const unsigned lines[] = {2, 3, 4, 6, 7, 9};
		for (int i = 0; i < 6; i++)
			CHECK_INT_EQ(ts, t.records[i].line, lines[i]);
		CHECK_STR_EQ(ts, t.records[0].field[TABLE_ACTIVITY], "Uno, dos");
		CHECK_STR_EQ(ts, t.records[1].field[TABLE_ACTIVITY], "Dice \"hola\"");
		CHECK_STR_EQ(ts, t.records[2].field[TABLE_ACTIVITY], "Línea uno\nLínea dos");
		CHECK_STR_EQ(ts, t.records[2].field[TABLE_RESPONSIBLE], "Oficina C");
		CHECK_STR_EQ(ts, t.records[3].field[TABLE_ACTIVITY], "Texto \"con\" comillas");
		CHECK_STR_EQ(ts, t.records[4].field[TABLE_ACTIVITY], "Citafinal");
		CHECK_STR_EQ(ts, t.records[5].field[TABLE_ACTIVITY], "");
		CHECK_STR_EQ(ts, t.records[5].field[TABLE_RESPONSIBLE], "Oficina F");
		CHECK_STR_EQ(ts, t.records[5].field[TABLE_DATE], "");
	}
	teardown(&t, &d);
}

static void test_line_endings(struct test_state *ts)
{
	struct table t;
	struct diag_list d;
	setup(&t, &d);
	CHECK(ts, parse_str(&t, &d,
			    "Actividad\tResponsable\tFecha\r\nA\tB\t1/1/2023\r\n\r\n"
			    "C\tD\t2/1/2023\r\n"));
	CHECK_INT_EQ(ts, t.n_records, 2);
	if (t.n_records == 2) {
		CHECK_INT_EQ(ts, t.records[0].line, 2);
		CHECK_STR_EQ(ts, t.records[0].field[TABLE_DATE], "1/1/2023");
		CHECK_INT_EQ(ts, t.records[1].line, 4);
		CHECK_STR_EQ(ts, t.records[1].field[TABLE_DATE], "2/1/2023");
	}
	/* Old Mac line ends: lone CR. */
	CHECK(ts, parse_str(&t, &d, "Actividad;Responsable;Fecha\rX;Y;Z\r\rW;V;U"));
	CHECK_INT_EQ(ts, t.delimiter, ';');
	CHECK_INT_EQ(ts, t.n_records, 2);
	if (t.n_records == 2) {
		CHECK_INT_EQ(ts, t.records[0].line, 2);
		CHECK_STR_EQ(ts, t.records[0].field[TABLE_DATE], "Z");
		CHECK_INT_EQ(ts, t.records[1].line, 4);
		CHECK_STR_EQ(ts, t.records[1].field[TABLE_ACTIVITY], "W");
	}
	CHECK_INT_EQ(ts, d.len, 0);
	teardown(&t, &d);
}

static void test_delimiters(struct test_state *ts)
{
	struct table t;
	struct diag_list d;
	setup(&t, &d);
	CHECK(ts,
	      parse_str(&t, &d, "Actividad;Responsable;Fecha\nHacer a, b, c;Oficina, sede;1/1\n"));
	CHECK_INT_EQ(ts, t.delimiter, ';');
	CHECK(ts,
	      t.n_records == 1 && strcmp(t.records[0].field[TABLE_ACTIVITY], "Hacer a, b, c") == 0);
	CHECK(ts, parse_str(&t, &d, "Actividad,Responsable,Fecha\nUno; dos,Oficina;sede,1/1\n"));
	CHECK_INT_EQ(ts, t.delimiter, ',');
	CHECK(ts, t.n_records == 1 && strcmp(t.records[0].field[TABLE_ACTIVITY], "Uno; dos") == 0);
	/* A header under both: equal column counts go to tab. */
	CHECK(ts,
	      parse_str(&t, &d, "Actividad\tResponsable\tFecha\nActividad;Responsable;Fecha\n"));
	CHECK_INT_EQ(ts, t.delimiter, '\t');
	CHECK_INT_EQ(ts, t.header_line, 1);
	/* ... but more known columns win. */
	CHECK(ts, parse_str(&t, &d,
			    "Actividad\tResponsable\tFecha\n#;Actividad;Meta;Responsable;Fecha\n"));
	CHECK_INT_EQ(ts, t.delimiter, ';');
	CHECK_INT_EQ(ts, t.header_line, 2);
	CHECK_INT_EQ(ts, d.len, 0);
	teardown(&t, &d);
}

static void test_bom(struct test_state *ts)
{
	struct table t;
	struct diag_list d;
	setup(&t, &d);
	CHECK(ts, parse_str(&t, &d,
			    "\xEF\xBB\xBF"
			    "Actividad,Responsable,Fecha\nA,B,C\n"));
	CHECK_STR_EQ(ts, t.encoding, "UTF-8 (BOM)");
	CHECK_INT_EQ(ts, t.header_line, 1);
	CHECK(ts, t.n_records == 1 && strcmp(t.records[0].field[TABLE_ACTIVITY], "A") == 0);
	CHECK(ts, t.n_records == 1 && t.records[0].column[TABLE_ACTIVITY] == 1);
	teardown(&t, &d);
}

static void test_header_forms(struct test_state *ts)
{
	struct table t;
	struct diag_list d;
	setup(&t, &d);
	CHECK(ts,
	      parse_str(
		      &t, &d,
		      "Informe de seguimiento\n\n"
		      "<b>NUMERO</b>\tACTIVIDADES\tRESPONSABLES\tFECHA PROGRAMADA\tObservaciones\n"
		      "1\tUno\tOficina A\t1/1/2023\tnada\n"
		      "numero\tactividades\tresponsables\tfecha programada\tObservaciones\n"
		      "2\tDos\tOficina B\t2/1/2023\n"
		      "Número\tActividades\tResponsables\tFecha Programada\n"
		      "3\tTres\tOficina C\n"));
	CHECK_INT_EQ(ts, t.header_line, 3);
	CHECK(ts, !t.has_field[TABLE_GOAL] && !t.has_field[TABLE_SUBCOMPONENT]);
	CHECK_INT_EQ(ts, t.n_records, 3);
	if (t.n_records == 3) {
		CHECK_INT_EQ(ts, t.records[0].line, 4);
		CHECK_INT_EQ(ts, t.records[1].line, 6);
		CHECK_INT_EQ(ts, t.records[2].line, 8);
		CHECK_STR_EQ(ts, t.records[2].field[TABLE_RESPONSIBLE], "Oficina C");
		CHECK_STR_EQ(ts, t.records[2].field[TABLE_DATE], "");
		CHECK_STR_EQ(ts, t.records[2].field[TABLE_GOAL], "");
		CHECK_INT_EQ(ts, t.records[2].column[TABLE_DATE], 4);
		CHECK_INT_EQ(ts, t.records[2].column[TABLE_GOAL], 0);
	}
	CHECK(ts, parse_str(&t, &d,
			    "No.\tActividad\tArea Responsable\tFecha limite\tMETA/PRODUCTO\tÍtem\n"
			    "1\tA\tR\tF\tM\t9\n"));
	const unsigned *col = t.n_records == 1 ? t.records[0].column : NULL;
	CHECK(ts, col != NULL && col[TABLE_NUMBER] == 1 && col[TABLE_RESPONSIBLE] == 3 &&
			  col[TABLE_DATE] == 4 && col[TABLE_GOAL] == 5);
	/* The same field twice: the first column wins. */
	CHECK(ts,
	      parse_str(&t, &d, "Fecha\tActividad\tFecha de entrega\tResponsable\nD1\tA\tD2\tR"));
	CHECK(ts, t.n_records == 1 && strcmp(t.records[0].field[TABLE_DATE], "D1") == 0);
	CHECK_INT_EQ(ts, d.len, 0);
	teardown(&t, &d);
}

/* Every column name of the Función Pública templates and their variants, folded. */
static void test_header_names(struct test_state *ts)
{
	static const struct {
		const char *name;
		int role;
	} names[] = {
		{"Componente", TABLE_SUBCOMPONENT}, {"Subcomponente", TABLE_SUBCOMPONENT},
		{"Subcomponente/proceso", TABLE_SUBCOMPONENT}, {"Estrategia", TABLE_SUBCOMPONENT},
		{"Objetivo", TABLE_SUBCOMPONENT}, {"No.", TABLE_NUMBER}, {"N°", TABLE_NUMBER},
		{"#", TABLE_NUMBER}, {"Ítem", TABLE_NUMBER}, {"Código", TABLE_NUMBER},
		{"Actividad(es)", TABLE_ACTIVITY}, {"Actividades programadas", TABLE_ACTIVITY},
		{"Acción", TABLE_ACTIVITY}, {"Tarea", TABLE_ACTIVITY}, {"Meta", TABLE_GOAL},
		{"Meta o producto", TABLE_GOAL}, {"Producto", TABLE_GOAL},
		{"Entregable", TABLE_GOAL}, {"Indicador", TABLE_GOAL},
		{"Responsable(s)", TABLE_RESPONSIBLE}, {"Dependencia (responsable)", TABLE_RESPONSIBLE},
		{"Área responsable", TABLE_RESPONSIBLE}, {"EJECUTOR", TABLE_RESPONSIBLE},
		{"Líder", TABLE_RESPONSIBLE}, {"Proceso responsable", TABLE_RESPONSIBLE},
		{"Fecha", TABLE_DATE}, {"Fecha programada", TABLE_DATE},
		{"FECHA LÍMITE", TABLE_DATE}, {"Fecha máxima", TABLE_DATE},
		{"FECHA MAXIMA DE EJECUCION", TABLE_DATE}, {"Fecha de entrega", TABLE_DATE},
		{"Fecha de terminación", TABLE_DATE}, {"Fecha fin", TABLE_DATE},
		{"Fecha final", TABLE_DATE}, {"Plazo", TABLE_DATE}, {"Cronograma", TABLE_DATE},
		{"Fecha inicio", TABLE_START}, {"Fecha de inicio", TABLE_START},
		{"% avance", COLUMN_IGNORED}, {"Seguimiento", COLUMN_IGNORED},
		{"Observaciones", COLUMN_IGNORED}, {"Evidencia", COLUMN_IGNORED},
		{"Seguimiento I cuatrimestre", COLUMN_IGNORED}, {"Fecha de seguimiento", COLUMN_IGNORED},
		{"Porcentaje de cumplimiento", COLUMN_IGNORED}, {"Presupuesto", COLUMN_NONE},
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char key[COLUMN_KEY_MAX];
		bool ok = columns_fold(names[i].name, strlen(names[i].name), key);
		int role = ok ? columns_classify(key) : COLUMN_NONE - 10;
		if (role != names[i].role)
			fprintf(stderr, "  '%s' (%s): %d, wanted %d\n", names[i].name, key, role,
				names[i].role);
		CHECK(ts, role == names[i].role);
	}
	char a[COLUMN_KEY_MAX], b[COLUMN_KEY_MAX];
	CHECK(ts, columns_fold("FECHA MAXIMA", 12, a) && columns_fold("Fecha máxima", 13, b));
	CHECK_STR_EQ(ts, a, b);
	CHECK(ts, columns_fold("Fecha de la entrega.", 20, a));
	CHECK_STR_EQ(ts, a, "fecha entrega");
}

/* columns_classify from two threads at once, as the loader's halves call it (a repeated
 * header's test): each gets the role it gets alone (a strtok shared by both would not). */
struct classify_job {
	const char *const *keys;
	const int *roles;
	size_t n, wrong;
};

static void *classify_many(void *arg)
{
	struct classify_job *j = arg;
	for (int round = 0; round < 100000; round++)
		for (size_t i = 0; i < j->n; i++)
			j->wrong += columns_classify(j->keys[i]) != j->roles[i];
	return NULL;
}

static void test_classify_threads(struct test_state *ts)
{
	static const char *const keys[] = {"fecha programada inicio", "area responsable proceso",
					   "porcentaje cumplimiento seguimiento",
					   "gestion riesgo corrupcion mapa",
					   "fecha terminacion actividad"};
	int roles[sizeof(keys) / sizeof(keys[0])];
	size_t n = sizeof(keys) / sizeof(keys[0]);
	for (size_t i = 0; i < n; i++)
		roles[i] = columns_classify(keys[i]);
	struct classify_job a = {keys, roles, n, 0}, b = {keys, roles, n, 0};
	twin_run(classify_many, &a, &b);
	CHECK_INT_EQ(ts, a.wrong + b.wrong, 0);
}

/* A header over two rows: a merged "Fecha" over Inicio | Fin, follow-up columns under a
 * merged "Seguimiento" (their "Fecha" is no due date), "Actividades" over No. and an empty
 * cell above the text. */
static void test_two_row_header(struct test_state *ts)
{
	struct table t;
	struct diag_list d;
	setup(&t, &d);
	CHECK(ts, parse_str(&t, &d,
			    "Seguimiento al Plan\n"
			    "Componente\tActividades\t\tResponsable\tFecha\t\tSeguimiento OCI\t\t\n"
			    "\tNo.\t\t\tInicio\tFin\tFecha\t% avance\tObservaciones\n"
			    "Gestión del riesgo\t1.1\tActualizar la política\tPlaneación\t1/02/2024"
			    "\t30/04/2024\t30/04/2024\t50%\tEn curso\n"));
	CHECK_INT_EQ(ts, t.header_line, 2);
	CHECK_INT_EQ(ts, t.header_rows, 2);
	CHECK_INT_EQ(ts, t.column[TABLE_SUBCOMPONENT], 1);
	CHECK_INT_EQ(ts, t.column[TABLE_NUMBER], 2);
	CHECK_INT_EQ(ts, t.column[TABLE_ACTIVITY], 3);
	CHECK_INT_EQ(ts, t.column[TABLE_RESPONSIBLE], 4);
	CHECK_INT_EQ(ts, t.column[TABLE_START], 5);
	CHECK_INT_EQ(ts, t.column[TABLE_DATE], 6);
	CHECK_STR_EQ(ts, t.column_name[TABLE_START], "Fecha / Inicio");
	CHECK_INT_EQ(ts, t.n_records, 1);
	if (t.n_records == 1) {
		CHECK_STR_EQ(ts, t.records[0].field[TABLE_NUMBER], "1.1");
		CHECK_STR_EQ(ts, t.records[0].field[TABLE_ACTIVITY], "Actualizar la política");
		CHECK_STR_EQ(ts, t.records[0].field[TABLE_START], "1/02/2024");
		CHECK_STR_EQ(ts, t.records[0].field[TABLE_DATE], "30/04/2024");
	}
	CHECK_INT_EQ(ts, d.len, 0);
	teardown(&t, &d);
}

/* "Actividades" merged over the number and the text beside it, in a one-row header: the data
 * show which column holds the numbers. */
static void test_number_under_activities(struct test_state *ts)
{
	struct table t;
	struct diag_list d;
	setup(&t, &d);
	CHECK(ts, parse_str(&t, &d,
			    "Subcomponente;Actividades;;Meta o producto;Responsable;Fecha programada\n"
			    "1. Política;1.1;Revisar la política de riesgos;Política;Planeación;"
			    "31/03/2024\n"
			    ";1.2;Socializar la política revisada;Acta;Planeación;30/04/2024\n"));
	CHECK_INT_EQ(ts, t.column[TABLE_NUMBER], 2);
	CHECK_INT_EQ(ts, t.column[TABLE_ACTIVITY], 3);
	CHECK_INT_EQ(ts, t.n_records, 2);
	if (t.n_records == 2)
		CHECK_STR_EQ(ts, t.records[1].field[TABLE_ACTIVITY],
			     "Socializar la política revisada");
	teardown(&t, &d);
}

/* n title rows, then a header. */
static bool parse_after_titles(struct table *t, struct diag_list *d, int n)
{
	struct strbuf b;
	strbuf_init(&b);
	for (int i = 0; i < n; i++)
		strbuf_puts(&b, "x\n");
	strbuf_puts(&b, "Actividad,Responsable,Fecha\n");
	bool ok = parse_bytes(t, d, b.data, b.len);
	strbuf_finish(&b);
	return ok;
}

static void test_header_row_limit(struct test_state *ts)
{
	struct table t;
	struct diag_list d;
	setup(&t, &d);
	CHECK(ts, parse_after_titles(&t, &d, 199));
	CHECK_INT_EQ(ts, t.header_line, 200);
	CHECK_INT_EQ(ts, d.len, 0);
	CHECK(ts, !parse_after_titles(&t, &d, 200));
	CHECK_INT_EQ(ts, count_diag(&d, "no-header"), 1);
	teardown(&t, &d);
}

static void test_markup(struct test_state *ts)
{
	struct table t;
	struct diag_list d;
	setup(&t, &d);
	CHECK(ts,
	      parse_str(&t, &d,
			"Actividad\tResponsable\tFecha\n"
			"<b>Hacer</b> &amp; publicar &lt;informe&gt; &quot;final&quot; &#39;ya&#39;"
			"\t&nbsp; Oficina  de  Control &nbsp;\t&#49;/&#x31;/2023\n"
			"a < b y c<d\t<br/>Ofi<span class=\"x\">cina</span>\tx &unknown; &#; &\n"
			"&#233;xito&#0;\t\xC2\xA0"
			"A\xC2\xA0\tB\n"));
	CHECK_INT_EQ(ts, t.n_records, 3);
	if (t.n_records == 3) {
		CHECK_STR_EQ(ts, t.records[0].field[TABLE_ACTIVITY],
			     "Hacer & publicar <informe> \"final\" 'ya'");
		CHECK_STR_EQ(ts, t.records[0].field[TABLE_RESPONSIBLE], "Oficina  de  Control");
		CHECK_STR_EQ(ts, t.records[0].field[TABLE_DATE], "1/1/2023");
		CHECK_STR_EQ(ts, t.records[1].field[TABLE_ACTIVITY], "a < b y c<d");
		CHECK_STR_EQ(ts, t.records[1].field[TABLE_RESPONSIBLE], "Oficina");
		CHECK_STR_EQ(ts, t.records[1].field[TABLE_DATE], "x &unknown; &#; &");
		CHECK_STR_EQ(ts, t.records[2].field[TABLE_ACTIVITY], "éxito" FFFD);
		CHECK_STR_EQ(ts, t.records[2].field[TABLE_RESPONSIBLE], "A");
	}
	teardown(&t, &d);
}

/* Bidi controls (here RLO/PDF, RLM, an isolate and one as an entity) never reach a
 * Subject, page or feed; right-to-left letters themselves are text and stay. */
static void test_bidi_controls(struct test_state *ts)
{
	struct table t;
	struct diag_list d;
	setup(&t, &d);
	CHECK(ts, parse_str(&t, &d,
			    "Actividad\tResponsable\tFecha\n"
			    "Informe \xE2\x80\xAE" "fdp.exe\xE2\x80\xAC\tOficina\xE2\x80\x8F de "
			    "\xE2\x81\xA6" "Control\xE2\x81\xA9\t1/2/2023&#x202E;\n"
			    "\xD7\xA9\xD7\x9C\xD7\x95\xD7\x9D \xD8\x9C" "x\tB\t1/2/2023\n"));
	CHECK_INT_EQ(ts, t.n_records, 2);
	if (t.n_records == 2) {
		CHECK_STR_EQ(ts, t.records[0].field[TABLE_ACTIVITY], "Informe fdp.exe");
		CHECK_STR_EQ(ts, t.records[0].field[TABLE_RESPONSIBLE], "Oficina de Control");
		CHECK_STR_EQ(ts, t.records[0].field[TABLE_DATE], "1/2/2023");
		CHECK_STR_EQ(ts, t.records[1].field[TABLE_ACTIVITY],
			     "\xD7\xA9\xD7\x9C\xD7\x95\xD7\x9D x");
	}
	teardown(&t, &d);
}

static void test_missing_column(struct test_state *ts)
{
	struct table t;
	struct diag_list d;
	setup(&t, &d);
	CHECK(ts, parse_str(&t, &d, "Actividad;Meta;Fecha\nA;B;C\n"));
	const struct diag *m = find_diag(&d, "missing-column");
	CHECK(ts, m != NULL && m->severity == DIAG_ERROR && m->line == 1 &&
			  strstr(m->message, "responsible") != NULL);
	CHECK_INT_EQ(ts, d.len, 1);
	CHECK(ts, !t.has_field[TABLE_RESPONSIBLE] && t.n_records == 1);
	diag_list_finish(&d);
	CHECK(ts, !parse_str(&t, &d,
			     "Titulo\nSubcomponente;#;Actividad;Meta;Responsable\nS;1;A;M;R\n"));
	m = find_diag(&d, "missing-column");
	CHECK(ts, m != NULL && m->line == 2 && strstr(m->message, "date") != NULL);
	CHECK_INT_EQ(ts, d.len, 1);
	CHECK_INT_EQ(ts, t.header_line, 2);
	CHECK_INT_EQ(ts, t.n_records, 0);
	diag_list_finish(&d);
	CHECK(ts, !parse_str(&t, &d, "Subcomponente;#;Meta;Fecha\nS;1;M;F\n"));
	CHECK_INT_EQ(ts, count_diag(&d, "missing-column"), 2);
	CHECK_INT_EQ(ts, d.len, 2);
	teardown(&t, &d);
}

static void test_no_header(struct test_state *ts)
{
	struct table t;
	struct diag_list d;
	setup(&t, &d);
	CHECK(ts, !parse_str(&t, &d, "Tema,Quién,Cuándo\nx,y,1/2/2023\n"));
	const struct diag *m = find_diag(&d, "no-header");
	/* the likeliest row's cells are listed, with how to map them */
	CHECK(ts, m != NULL && m->severity == DIAG_ERROR && m->line == 1 &&
			  strstr(m->message, "Fecha Programada") != NULL &&
			  strstr(m->message, "'Tema', 'Quién', 'Cuándo'") != NULL &&
			  strstr(m->message, "[columns] due = ") != NULL);
	CHECK_INT_EQ(ts, d.len, 1);
	CHECK_INT_EQ(ts, t.header_line, 0);
	CHECK_INT_EQ(ts, t.n_records, 0);
	teardown(&t, &d);
}

static void test_empty(struct test_state *ts)
{
	struct table t;
	struct diag_list d;
	setup(&t, &d);
	CHECK(ts, !parse_str(&t, &d, ""));
	CHECK(ts, !parse_str(&t, &d, "  \r\n\t\n"));
	CHECK(ts, !parse_str(&t, &d, "\xEF\xBB\xBF\n"));
	CHECK_INT_EQ(ts, count_diag(&d, "empty-input"), 3);
	CHECK_INT_EQ(ts, d.len, 3);
	CHECK(ts, d.len > 0 && d.items[0].severity == DIAG_ERROR && d.items[0].line == 0);
	teardown(&t, &d);
}

/* Deterministic pseudo-random bytes. */
static unsigned char next_byte(uint32_t *s)
{
	*s = *s * 1103515245u + 12345u;
	return (unsigned char)(*s >> 16);
}

static void test_binary(struct test_state *ts)
{
	struct table t;
	struct diag_list d;
	setup(&t, &d);
	static const char text[] = "Actividad\tResponsable\tFecha\nabc\0def\n";
	CHECK(ts, !parse_bytes(&t, &d, text, sizeof(text) - 1));
	const struct diag *m = find_diag(&d, "binary-input");
	CHECK(ts, m != NULL && m->severity == DIAG_ERROR && m->line == 2);
	diag_list_finish(&d);
	static const char crs[] = "a\r\nb\rc\n\r\0";
	CHECK(ts, !parse_bytes(&t, &d, crs, sizeof(crs) - 1));
	m = find_diag(&d, "binary-input");
	CHECK(ts, m != NULL && m->line == 5);
	diag_list_finish(&d);
	unsigned char garbage[8192];
	uint32_t seed = 42;
	for (size_t i = 0; i < sizeof(garbage); i++)
		garbage[i] = next_byte(&seed);
	garbage[100] = 0;
	CHECK(ts, !parse_bytes(&t, &d, (const char *)garbage, sizeof(garbage)));
	CHECK_INT_EQ(ts, count_diag(&d, "binary-input"), 1);
	CHECK_INT_EQ(ts, t.n_records, 0);
	teardown(&t, &d);
}

/* The census reads ASCII eight bytes at a time: wherever the characters fall in those words, a
 * text of as many bad bytes as good sequences reads as Windows-1252 and one more good
 * sequence makes it UTF-8 (é C3 A9 and Ó C3 93 and € E2 82 AC good, the overlong C1 A1 and a
 * lone E9 bad); a NUL is found at every offset, its line and offset those of the file. */
static void test_census_words(struct test_state *ts)
{
	static const char head[] = "Actividad;Responsable;Fecha\n";
	static const char row[] = "\xC3\xA9\xC3\xA9\xC3\xA9 \xC3\x93\xE2\x82\xAC         \xC1\xA1"
				  "         \xE9x\xE9y\xE9z";
	bool ok = true;
	for (int shift = 0; shift < 24; shift++) {
		for (int extra = 0; extra < 2; extra++) {
			char text[256];
			snprintf(text, sizeof(text), "%s%*s%s%s;Oficina;1/1/2023\n", head, shift, "",
				 row, extra ? "\xC3\xB1" : "");
			struct table t;
			struct diag_list d;
			setup(&t, &d);
			parse_str(&t, &d, text);
			ok = ok && strcmp(t.encoding, extra ? "UTF-8" : "Windows-1252") == 0;
			teardown(&t, &d);
		}
	}
	CHECK(ts, ok);
	for (size_t at = 0; at < 48; at++) {
		for (int bom = 0; bom < 2; bom++) {
			char text[128];
			int n = snprintf(text, sizeof(text), "%sActividad\tResponsable\tFecha\nAcci\xC3\xB3n\t"
					 "Secretar\xC3\xAD" "a\t1/2/2023\n", bom ? "\xEF\xBB\xBF" : "");
			size_t pos = (size_t)bom * 3 + at;
			text[pos] = '\0';
			struct table t;
			struct diag_list d;
			setup(&t, &d);
			CHECK(ts, !parse_bytes(&t, &d, text, (size_t)n));
			const struct diag *m = find_diag(&d, "binary-input");
			char want[64];
			snprintf(want, sizeof(want), "NUL byte at offset %zu:", pos);
			ok = ok && m != NULL && m->line == (pos < (size_t)bom * 3 + 28 ? 1u : 2u) &&
			     strncmp(m->message, want, strlen(want)) == 0;
			teardown(&t, &d);
		}
	}
	CHECK(ts, ok);
}

static void test_high_bytes(struct test_state *ts)
{
	struct table t;
	struct diag_list d;
	setup(&t, &d);
	char buf[4096];
	uint32_t seed = 7;
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (char)(i % 64 == 63 ? '\n' : 0x80 | next_byte(&seed));
	CHECK(ts, !parse_bytes(&t, &d, buf, sizeof(buf)));
	CHECK_STR_EQ(ts, t.encoding, "Windows-1252");
	CHECK_INT_EQ(ts, count_diag(&d, "no-header"), 1);
	size_t undefined = count_diag(&d, "undefined-byte");
	CHECK(ts, undefined >= 1 && undefined <= 64);
	for (size_t i = 1; i < d.len; i++)
		CHECK(ts, strcmp(d.items[i].code, "undefined-byte") != 0 ||
				  d.items[i].line > d.items[i - 1].line);
	teardown(&t, &d);
}

static void test_long_line(struct test_state *ts)
{
	struct table t;
	struct diag_list d;
	setup(&t, &d);
	size_t n = 1u << 20;
	char *buf = malloc(n + 64);
	memset(buf, 'x', n);
	CHECK(ts, !parse_bytes(&t, &d, buf, n));
	CHECK_INT_EQ(ts, count_diag(&d, "no-header"), 1);
	diag_list_finish(&d);
	static const char head[] = "Actividad\tResponsable\tFecha\n";
	memcpy(buf, head, sizeof(head) - 1);
	memset(buf + sizeof(head) - 1, 'y', n);
	memcpy(buf + sizeof(head) - 1 + n, "\tR\tF\n", 5);
	CHECK(ts, parse_bytes(&t, &d, buf, sizeof(head) - 1 + n + 5));
	const struct diag *m = find_diag(&d, "long-cell");
	CHECK(ts, m != NULL && m->severity == DIAG_WARNING && m->line == 2 && m->column == 1);
	CHECK(ts, t.n_records == 1 && strlen(t.records[0].field[TABLE_ACTIVITY]) == n);
	CHECK(ts, t.n_records == 1 && strcmp(t.records[0].field[TABLE_DATE], "F") == 0);
	free(buf);
	teardown(&t, &d);
}

static void test_unterminated_quote(struct test_state *ts)
{
	struct table t;
	struct diag_list d;
	setup(&t, &d);
	CHECK(ts,
	      parse_str(
		      &t, &d,
		      "Actividad,Responsable,Fecha\nA,B,1/1/2023\n\"C,D,2/1/2023\nE,F,3/1/2023\n"));
	const struct diag *m = find_diag(&d, "unterminated-quote");
	CHECK(ts, m != NULL && m->severity == DIAG_ERROR && m->line == 3);
	CHECK_INT_EQ(ts, d.len, 1);
	CHECK_INT_EQ(ts, t.n_records, 2);
	if (t.n_records == 2) {
		CHECK_INT_EQ(ts, t.records[1].line, 3);
		CHECK_STR_EQ(ts, t.records[1].field[TABLE_ACTIVITY], "C,D,2/1/2023\nE,F,3/1/2023");
		CHECK_STR_EQ(ts, t.records[1].field[TABLE_DATE], "");
	}
	teardown(&t, &d);
}

static void test_many_columns(struct test_state *ts)
{
	struct table t;
	struct diag_list d;
	setup(&t, &d);
	enum { COLS = 100000 };
	struct strbuf b;
	strbuf_init(&b);
	strbuf_puts(&b, "Actividad\tResponsable");
	for (int i = 3; i < COLS; i++)
		strbuf_printf(&b, "\tc%d", i);
	strbuf_puts(&b, "\tFecha\n");
	for (int row = 0; row < 2; row++) {
		strbuf_puts(&b, "A\tB");
		for (int i = 3; i < COLS; i++)
			strbuf_puts(&b, "\tx");
		strbuf_puts(&b, "\t1/1/2023\n");
	}
	CHECK(ts, parse_bytes(&t, &d, b.data, b.len));
	CHECK_INT_EQ(ts, t.n_records, 2);
	if (t.n_records == 2) {
		CHECK_INT_EQ(ts, t.records[1].column[TABLE_DATE], COLS);
		CHECK_STR_EQ(ts, t.records[1].field[TABLE_DATE], "1/1/2023");
		CHECK_INT_EQ(ts, t.records[1].line, 3);
	}
	strbuf_finish(&b);
	teardown(&t, &d);
}

static void test_invalid_utf8(struct test_state *ts)
{
	struct table t;
	struct diag_list d;
	setup(&t, &d);
	CHECK(ts, parse_str(&t, &d,
			    "Actividad\tResponsable\tFecha\nPublicación\tSecretaría\t1/1/2023\n"
			    "Bad\xFF byte\xFE\tInformación\t2/1/2023\n"
			    "Over\xE0\x80\x80long\tÁrea de Niñez y Educación\t3/1/2023\n"));
	/* 6 well-formed multibyte sequences, 5 bad bytes (E0 80 80 is overlong): UTF-8. */
	CHECK_STR_EQ(ts, t.encoding, "UTF-8");
	CHECK_INT_EQ(ts, count_diag(&d, "invalid-utf8"), 2);
	const struct diag *m = find_diag(&d, "invalid-utf8");
	CHECK(ts, m != NULL && m->severity == DIAG_WARNING && m->line == 3);
	CHECK(ts, d.len == 2 && d.items[1].line == 4);
	CHECK_INT_EQ(ts, t.n_records, 3);
	if (t.n_records == 3) {
		CHECK_STR_EQ(ts, t.records[0].field[TABLE_RESPONSIBLE], "Secretaría");
		CHECK_STR_EQ(ts, t.records[1].field[TABLE_ACTIVITY], "Bad" FFFD " byte" FFFD);
		CHECK_STR_EQ(ts, t.records[2].field[TABLE_ACTIVITY], "Over" FFFD FFFD FFFD "long");
	}
	diag_list_finish(&d);
	/* As many bad bytes as good sequences: the file reads as Windows-1252. */
	CHECK(ts, parse_str(&t, &d, "Actividad,Responsable,Fecha\nA\xE9,Educación,1\n"));
	CHECK_STR_EQ(ts, t.encoding, "Windows-1252");
	CHECK(ts, t.n_records == 1 && strcmp(t.records[0].field[TABLE_ACTIVITY], "Aé") == 0);
	CHECK(ts,
	      t.n_records == 1 && strcmp(t.records[0].field[TABLE_RESPONSIBLE], "EducaciÃ³n") == 0);
	teardown(&t, &d);
}

/* Every byte 0x80-0xFF reads as glibc's iconv reads it from WINDOWS-1252 (the table the
 * reader carries instead), U+FFFD where iconv refuses the byte. */
static void test_windows_1252_bytes(struct test_state *ts)
{
	char text[512] = "Actividad;Responsable;Fecha\na", want[1024] = "a";
	size_t n = strlen(text), w = 1;
	iconv_t cd = iconv_open("UTF-8", "WINDOWS-1252");
	CHECK(ts, cd != (iconv_t)-1);
	for (unsigned b = 0x80; b <= 0xFF && cd != (iconv_t)-1; b++) {
		char in = (char)b, *ip = &in, *op = want + w;
		size_t il = 1, ol = 4;
		text[n++] = (char)b;
		if (iconv(cd, &ip, &il, &op, &ol) == (size_t)-1)
			memcpy(op, FFFD, 3), op += 3;
		w = (size_t)(op - want);
	}
	if (cd != (iconv_t)-1)
		iconv_close(cd);
	snprintf(text + n, sizeof(text) - n, "z;Oficina;1/1/2023\n");
	memcpy(want + w, "z", 2);
	struct table t;
	struct diag_list d;
	setup(&t, &d);
	CHECK(ts, parse_str(&t, &d, text));
	CHECK_STR_EQ(ts, t.encoding, "Windows-1252");
	CHECK_INT_EQ(ts, count_diag(&d, "undefined-byte"), 1); /* once per line */
	CHECK(ts, t.n_records == 1);
	if (t.n_records == 1)
		CHECK_STR_EQ(ts, t.records[0].field[TABLE_ACTIVITY], want);
	teardown(&t, &d);
}

/* The activity cells of a Windows-1252 text read with the census's halves forced (split_min
 * bytes; SIZE_MAX: one thread), joined with '|'. */
static void cp1252_cells(const char *text, size_t split_min, struct strbuf *out)
{
	struct table t;
	struct diag_list d;
	setup(&t, &d);
	table_set_split_min(split_min);
	parse_str(&t, &d, text);
	table_set_split_min(0);
	for (size_t i = 0; i < t.n_records; i++)
		strbuf_printf(out, "%s|", t.records[i].field[TABLE_ACTIVITY]);
	teardown(&t, &d);
}

/* A Windows-1252 text converted on two threads, each half to its own place in one buffer
 * (the second's found from the census's count of the first), reads as on one: the cut is
 * moved through every byte of rows holding every defined byte 0x80-0xFF (two and three
 * bytes of UTF-8 each) and pairs a UTF-8 reading would take for one character, so a
 * miscounted width shows as a shifted or torn cell. */
static void test_windows_1252_halves(struct test_state *ts)
{
	char row[160];
	size_t n = 0;
	for (unsigned b = 0x80; b <= 0xFF; b++)
		if (b != 0x81 && b != 0x8D && b != 0x8F && b != 0x90 && b != 0x9D && b != ';')
			row[n++] = (char)b;
	memcpy(row + n, "\xC3\xA9\xC2\x80\xC5\x93", 7); /* pairs that are UTF-8 too (Ã©, Â€, Å“) */
	bool same = true;
	for (unsigned pad = 0; pad < 2 * n && same; pad++) {
		struct strbuf text, one, two;
		strbuf_init(&text), strbuf_init(&one), strbuf_init(&two);
		strbuf_printf(&text, "%*s\nActividad;Responsable;Fecha\n", (int)pad, "x");
		for (int r = 0; r < 4; r++)
			strbuf_printf(&text, "a%s%d;Oficina;1/1/2023\n", row, r);
		cp1252_cells(text.data, SIZE_MAX, &one);
		cp1252_cells(text.data, 1, &two);
		same = one.len > 0 && one.len == two.len && memcmp(one.data, two.data, one.len) == 0;
		strbuf_finish(&text), strbuf_finish(&one), strbuf_finish(&two);
	}
	CHECK(ts, same);
}

/* The k bytes of a cell, none of them a stop or markup byte: a, b, c, ... */
static void fill_cell(char *out, size_t k)
{
	for (size_t i = 0; i < k; i++)
		out[i] = (char)('a' + i % 26);
	out[k] = '\0';
}

/* Unquoted cells are scanned 16 bytes at a time (SSE2): a cell of every length 0..40 ends at
 * its delimiter (tab, ';', ','), CR, LF or CRLF wherever that falls in a block or at its
 * edge, and the line count and the next cell go on from there. */
static void test_cell_scan_stops(struct test_state *ts)
{
	static const char delims[] = {'\t', ';', ','};
	static const char *const breaks[] = {"\n", "\r", "\r\n"};
	bool ok = true;
	for (size_t di = 0; di < sizeof(delims); di++) {
		char dl = delims[di];
		for (size_t k = 0; k <= 40; k++) {
			char cell[48], text[256];
			fill_cell(cell, k);
			for (int b = -1; b < 3; b++) {
				if (b < 0)
					snprintf(text, sizeof(text),
						 "Actividad%cResponsable%cFecha\n%s%cOficina%c1/1/2023\n",
						 dl, dl, cell, dl, dl);
				else
					snprintf(text, sizeof(text),
						 "Actividad%cResponsable%cFecha\nA%cB%c%s%sC%cD%c2/2/2023\n",
						 dl, dl, dl, dl, cell, breaks[b], dl, dl);
				struct table t;
				struct diag_list d;
				setup(&t, &d);
				bool parsed = parse_str(&t, &d, text);
				ok = ok && parsed && t.delimiter == dl && d.len == 0;
				if (b < 0)
					ok = ok && t.n_records == 1 &&
					     strcmp(t.records[0].field[TABLE_ACTIVITY], cell) == 0 &&
					     strcmp(t.records[0].field[TABLE_RESPONSIBLE], "Oficina") == 0;
				else
					ok = ok && t.n_records == 2 &&
					     strcmp(t.records[0].field[TABLE_DATE], cell) == 0 &&
					     t.records[1].line == 3 &&
					     strcmp(t.records[1].field[TABLE_ACTIVITY], "C") == 0;
				if (!ok)
					fprintf(stderr, "stops: delimiter %d, length %zu, break %d\n",
						dl, k, b);
				teardown(&t, &d);
				if (!ok)
					break;
			}
		}
	}
	CHECK(ts, ok);
}

/* The scan notes '<', '&' and the bidi lead bytes so that cells without them skip the
 * cleaning: a tag, an entity or a bidi control at every position 0..40 of a cell (so at
 * every place in a 16-byte block and at its edges), last before the delimiter or not, is
 * still stripped or decoded, as is one in the next cell of the same block. */
static void test_cell_scan_markup(struct test_state *ts)
{
	static const struct {
		const char *in, *out;
	} marks[] = {{"&amp;", "&"}, {"<b>", ""}, {"\xE2\x80\x8E", ""}, {"&#233;", "\xC3\xA9"},
		     {"\xD8\xA8", "\xD8\xA8"}};
	bool ok = true;
	for (size_t m = 0; m < sizeof(marks) / sizeof(marks[0]) && ok; m++) {
		for (size_t k = 0; k <= 40 && ok; k++) {
			for (int tail = 0; tail < 2 && ok; tail++) {
				char cell[48], text[256], want[64];
				fill_cell(cell, k);
				snprintf(text, sizeof(text),
					 "Actividad\tResponsable\tFecha\nx%s%s%s\t%s\t1/1/2023\n", cell,
					 marks[m].in, tail ? "z" : "", marks[m].in);
				snprintf(want, sizeof(want), "x%s%s%s", cell, marks[m].out, tail ? "z" : "");
				struct table t;
				struct diag_list d;
				setup(&t, &d);
				ok = parse_str(&t, &d, text) && t.n_records == 1 &&
				     strcmp(t.records[0].field[TABLE_ACTIVITY], want) == 0 &&
				     strcmp(t.records[0].field[TABLE_RESPONSIBLE], marks[m].out) == 0;
				if (!ok)
					fprintf(stderr, "markup %zu at %zu, tail %d\n", m, k + 1, tail);
				teardown(&t, &d);
			}
		}
	}
	CHECK(ts, ok);
}

/* A last cell of every length 0..40 with no line break after it ends the text: the buffer
 * has just the one spare byte (parse_bytes), and the scan reads nothing past it (ASan would
 * report it); the same with an entity as its last bytes. */
static void test_cell_at_end(struct test_state *ts)
{
	bool ok = true;
	for (size_t k = 0; k <= 40 && ok; k++) {
		for (int entity = 0; entity < 2 && ok; entity++) {
			char cell[48], text[128], want[64];
			fill_cell(cell, k);
			int n = snprintf(text, sizeof(text), "Actividad\tResponsable\tFecha\nA\tB\t%s%s",
					 cell, entity ? "&lt;" : "");
			snprintf(want, sizeof(want), "%s%s", cell, entity ? "<" : "");
			struct table t;
			struct diag_list d;
			setup(&t, &d);
			ok = parse_bytes(&t, &d, text, (size_t)n) && t.n_records == 1 &&
			     strcmp(t.records[0].field[TABLE_DATE], want) == 0;
			if (!ok)
				fprintf(stderr, "at end: length %zu, entity %d\n", k, entity);
			teardown(&t, &d);
		}
	}
	CHECK(ts, ok);
}

/* The census reads ASCII in blocks: one non-ASCII character at every position 0..63 of the
 * text (so at each place of a 16- or 32-byte block and across its edges) is counted: é as
 * UTF-8, a lone E9 as Windows-1252, and a lone E9 beside two é as one invalid-utf8 byte. */
static void test_census_blocks(struct test_state *ts)
{
	static const struct {
		const char *bytes, *encoding;
		size_t warnings;
	} cases[] = {{"\xC3\xA9", "UTF-8", 0}, {"\xE9", "Windows-1252", 0},
		     {"\xC3\xA9\xE9\xC3\xA9", "UTF-8", 1}};
	bool ok = true;
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]) && ok; c++) {
		for (int at = 0; at < 64 && ok; at++) {
			char text[192];
			snprintf(text, sizeof(text), "%*s%s\nActividad;Responsable;Fecha\na;b;c\n", at,
				 at ? "x" : "", cases[c].bytes);
			struct table t;
			struct diag_list d;
			setup(&t, &d);
			ok = parse_str(&t, &d, text) && strcmp(t.encoding, cases[c].encoding) == 0 &&
			     count_diag(&d, "invalid-utf8") == cases[c].warnings && t.n_records == 1;
			if (!ok)
				fprintf(stderr, "census: case %zu at %d\n", c, at);
			teardown(&t, &d);
		}
	}
	CHECK(ts, ok);
}

/* Windows-1252 is converted with its ASCII copied 16 bytes at a time: a byte of two UTF-8
 * bytes (E9) or of three (0x80, U+20AC) at every position 0..40 of a cell, and two of them
 * side by side, read as they should, the cells after them unshifted. */
static void test_cp1252_blocks(struct test_state *ts)
{
	static const struct {
		const char *in, *out;
	} bytes[] = {{"\xE9", "\xC3\xA9"}, {"\x80", "\xE2\x82\xAC"}, {"\x80\xE9", "\xE2\x82\xAC\xC3\xA9"}};
	bool ok = true;
	for (size_t b = 0; b < sizeof(bytes) / sizeof(bytes[0]) && ok; b++) {
		for (size_t k = 0; k <= 40 && ok; k++) {
			char cell[48], text[256], want[64];
			fill_cell(cell, k);
			snprintf(text, sizeof(text),
				 "Actividad;Responsable;Fecha\r\n%s%sz;Oficina%s;1/1/2023\r\n", cell,
				 bytes[b].in, bytes[b].in);
			snprintf(want, sizeof(want), "%s%sz", cell, bytes[b].out);
			char resp[32];
			snprintf(resp, sizeof(resp), "Oficina%s", bytes[b].out);
			struct table t;
			struct diag_list d;
			setup(&t, &d);
			ok = parse_str(&t, &d, text) && strcmp(t.encoding, "Windows-1252") == 0 &&
			     t.n_records == 1 && strcmp(t.records[0].field[TABLE_ACTIVITY], want) == 0 &&
			     strcmp(t.records[0].field[TABLE_RESPONSIBLE], resp) == 0 &&
			     strcmp(t.records[0].field[TABLE_DATE], "1/1/2023") == 0;
			if (!ok)
				fprintf(stderr, "cp1252: bytes %zu at %zu\n", b, k);
			teardown(&t, &d);
		}
	}
	CHECK(ts, ok);
}

/* What a text reads as, with the halves forced (split_min bytes; SIZE_MAX: one thread): its
 * encoding, every diagnostic's code and line, every record's line and cells. */
static void read_summary(const char *text, size_t split_min, struct strbuf *out)
{
	struct table t;
	struct diag_list d;
	setup(&t, &d);
	table_set_split_min(split_min);
	parse_str(&t, &d, text);
	table_set_split_min(0);
	strbuf_printf(out, "%s|", t.encoding);
	for (size_t i = 0; i < d.len; i++)
		strbuf_printf(out, "%s:%u|", d.items[i].code, d.items[i].line);
	for (size_t i = 0; i < t.n_records; i++) {
		strbuf_printf(out, "%u", t.records[i].line);
		for (int f = 0; f < TABLE_NFIELDS; f++)
			strbuf_printf(out, "|%s", t.records[i].field[f]);
		strbuf_puts(out, "\n");
	}
	teardown(&t, &d);
}

/* The same text read on one thread and on two, the middle moved through every byte of rows
 * with CRLF line ends beside bytes that take 3 bytes of UTF-8 as Windows-1252 (0x80: U+20AC),
 * and of rows with invalid UTF-8 (a lone byte, a truncated sequence, an overlong) among good
 * sequences, so the cut falls inside a CRLF, next to the 0x80 and on the bad bytes. */
static void test_halves_at_every_byte(struct test_state *ts)
{
	static const char *const rows[] = {
		"\x80\x80;Oficina\x80;1/1/2023\x80\r\n\x80z;\x80;2/1/2023\r\n",
		"\xC3\xA9\xFF\xC3\xA9;\xE2\x82;1/1/2023\xC3\xA9\n\xC3\xA9\xC0\xAF;\xC3\xA9\xE9;x\n",
	};
	bool same = true;
	for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]) && same; r++) {
		for (unsigned pad = 0; pad < 3 * strlen(rows[r]) && same; pad++) {
			struct strbuf text, one, two;
			strbuf_init(&text), strbuf_init(&one), strbuf_init(&two);
			strbuf_printf(&text, "%*s\nActividad;Responsable;Fecha\n", (int)pad, "x");
			for (int k = 0; k < 4; k++)
				strbuf_puts(&text, rows[r]);
			read_summary(text.data, SIZE_MAX, &one);
			read_summary(text.data, 1, &two);
			same = one.len > 0 && one.len == two.len && memcmp(one.data, two.data, one.len) == 0;
			if (!same)
				fprintf(stderr, "halves: rows %zu, pad %u\n%s----\n%s", r, pad, one.data,
					two.data);
			strbuf_finish(&text), strbuf_finish(&one), strbuf_finish(&two);
		}
	}
	CHECK(ts, same);
}

static void test_windows_1252(struct test_state *ts)
{
	struct table t;
	struct diag_list d;
	setup(&t, &d);
	CHECK(ts, parse_str(&t, &d,
			    "Actividad;Responsable;Fecha\r\nPublicaci\xF3n;Secretar\xED"
			    "a;1/1/2023\r\n"
			    "Costo \x80 5\x81;Oficina;2/1/2023\r\n\r\r\x8D;Oficina;3/1/2023"));
	CHECK_STR_EQ(ts, t.encoding, "Windows-1252");
	CHECK_INT_EQ(ts, count_diag(&d, "encoding-windows-1252"), 1);
	const struct diag *m = find_diag(&d, "undefined-byte");
	CHECK(ts, m != NULL && m->severity == DIAG_WARNING && m->line == 3);
	CHECK_INT_EQ(ts, count_diag(&d, "undefined-byte"), 2);
	CHECK(ts, m != NULL && m + 1 < d.items + d.len && m[1].line == 6); /* lone CRs count */
	CHECK_INT_EQ(ts, d.len, 3);
	CHECK_INT_EQ(ts, t.n_records, 3);
	if (t.n_records == 3) {
		CHECK_INT_EQ(ts, t.records[2].line, 6);
		CHECK_STR_EQ(ts, t.records[2].field[TABLE_ACTIVITY], FFFD);
		CHECK_STR_EQ(ts, t.records[0].field[TABLE_ACTIVITY], "Publicación");
		CHECK_STR_EQ(ts, t.records[0].field[TABLE_RESPONSIBLE], "Secretaría");
		CHECK_STR_EQ(ts, t.records[1].field[TABLE_ACTIVITY], "Costo € 5" FFFD);
	}
	teardown(&t, &d);
}

static void test_load_errors(struct test_state *ts)
{
	struct table t;
	struct diag_list d;
	setup(&t, &d);
	struct pz_error err = {0};
	const unsigned long long max = TABLE_DEFAULT_MAX_SIZE;
	CHECK_INT_EQ(ts, table_load(&t, "/nonexistent/plan.tsv", max, &d, &err), -1);
	CHECK_INT_EQ(ts, err.code, PZ_EIO);
	CHECK(ts, strstr(err.msg, "/nonexistent/plan.tsv") != NULL);
	CHECK(ts, strstr(err.msg, "No such file") != NULL);
	/* a folder, a device that never ends, a FIFO without a writer: refused, never read */
	const char *odd[] = {"/", "/dev/zero", NULL};
	char fifo[] = "/tmp/plazo-test-fifoXXXXXX";
	CHECK(ts, mkdtemp(fifo) != NULL);
	char fifo_path[64];
	snprintf(fifo_path, sizeof(fifo_path), "%s/plan.tsv", fifo);
	CHECK_INT_EQ(ts, mkfifo(fifo_path, 0600), 0);
	odd[2] = fifo_path;
	for (size_t i = 0; i < 3; i++) {
		err = (struct pz_error){0};
		CHECK_INT_EQ(ts, table_load(&t, odd[i], max, &d, &err), -1);
		CHECK_INT_EQ(ts, err.code, PZ_EDATA);
		CHECK(ts, strstr(err.msg, "not a regular file") != NULL);
	}
	unlink(fifo_path);
	rmdir(fifo);
	CHECK_INT_EQ(ts, d.len, 0);
	teardown(&t, &d);
}

/* [plan] max_size: a file one byte over is refused before anything is parsed; at the
 * limit it loads. */
static void test_load_max_size(struct test_state *ts)
{
	char path[] = "/tmp/plazo-test-planXXXXXX";
	int fd = mkstemp(path);
	CHECK(ts, fd >= 0);
	static const char plan[] = "Actividad\tResponsable\tFecha\nA\tB\t1/2/2023\n";
	CHECK_INT_EQ(ts, (int)write(fd, plan, sizeof(plan) - 1), (int)sizeof(plan) - 1);
	close(fd);
	struct table t;
	struct diag_list d;
	setup(&t, &d);
	struct pz_error err = {0};
	CHECK_INT_EQ(ts, table_load(&t, path, sizeof(plan) - 2, &d, &err), -1);
	CHECK_INT_EQ(ts, err.code, PZ_EDATA);
	CHECK(ts, strstr(err.msg, "max_size") != NULL);
	CHECK_INT_EQ(ts, (int)t.n_records, 0);
	CHECK_INT_EQ(ts, table_load(&t, path, sizeof(plan) - 1, &d, &err), 0);
	CHECK_INT_EQ(ts, (int)t.n_records, 1);
	teardown(&t, &d);
	unlink(path);
}

/* A mapped file whose size is a whole number of pages: the last field ends on the page
 * boundary and its terminating NUL goes into the spare page, not past the mapping; a
 * Windows-1252 file of the same size is decoded out of the mapping. */
static void test_load_page_sized(struct test_state *ts)
{
	static const char head[] = "Actividad\tResponsable\tFecha\n";
	long page = sysconf(_SC_PAGESIZE);
	for (int cp1252 = 0; cp1252 < 2; cp1252++) {
		char path[] = "/tmp/plazo-test-pageXXXXXX";
		int fd = mkstemp(path);
		CHECK(ts, fd >= 0);
		char *data = malloc((size_t)page);
		size_t n = sizeof(head) - 1;
		memcpy(data, head, n);
		while (n + 32 < (size_t)page)
			n += (size_t)snprintf(data + n, 32, "A%s\tB\t1/2/2023\n", cp1252 ? "\xE9" : "");
		memset(data + n, 'z', (size_t)page - n - 8);
		memcpy(data + page - 8, "\tB\t1/2/3", 8); /* the last field ends the page */
		CHECK_INT_EQ(ts, (int)write(fd, data, (size_t)page), (int)page);
		close(fd);
		struct table t;
		struct diag_list d;
		struct pz_error err = {0};
		setup(&t, &d);
		CHECK_INT_EQ(ts, table_load(&t, path, TABLE_DEFAULT_MAX_SIZE, &d, &err), 0);
		CHECK(ts, t.n_records > 10);
		if (t.n_records > 0)
			CHECK_STR_EQ(ts, t.records[t.n_records - 1].field[TABLE_DATE], "1/2/3");
		CHECK_STR_EQ(ts, t.encoding, cp1252 ? "Windows-1252" : "UTF-8");
		teardown(&t, &d);
		free(data);
		unlink(path);
	}
}

/* A mapped Windows-1252 file of several 1 MiB decoding pieces, its pages given back as they
 * are decoded: every row reads the same, and an undefined byte past the first piece is
 * reported on its line. Under ASan, a read of a page given back would be caught as wrong text. */
static void test_load_cp1252_pieces(struct test_state *ts)
{
	static const char head[] = "Actividad\tResponsable\tFecha\n";
	char path[] = "/tmp/plazo-test-cp1252XXXXXX";
	int fd = mkstemp(path);
	CHECK(ts, fd >= 0);
	FILE *f = fdopen(fd, "w");
	fputs(head, f);
	unsigned rows = 120000; /* ~3.3 MB */
	for (unsigned i = 1; i <= rows; i++)
		fprintf(f, "Acci\xF3n %u\tSecretar\xED" "a%s\t1/2/2023\n", i, i == 90000 ? "\x81" : "");
	fclose(f);
	struct table t;
	struct diag_list d;
	struct pz_error err = {0};
	setup(&t, &d);
	CHECK_INT_EQ(ts, table_load(&t, path, TABLE_DEFAULT_MAX_SIZE, &d, &err), 0);
	CHECK_STR_EQ(ts, t.encoding, "Windows-1252");
	CHECK_INT_EQ(ts, (int)t.n_records, (int)rows);
	char want[32];
	bool same = true;
	for (unsigned i = 0; i < t.n_records && same; i++) {
		snprintf(want, sizeof(want), "Acción %u", i + 1);
		same = strcmp(t.records[i].field[TABLE_ACTIVITY], want) == 0 &&
		       strncmp(t.records[i].field[TABLE_RESPONSIBLE], "Secretaría", 11) == 0;
	}
	CHECK(ts, same);
	bool warned = false;
	for (size_t i = 0; i < d.len; i++)
		warned |= strcmp(d.items[i].code, "undefined-byte") == 0 && d.items[i].line == 90001;
	CHECK(ts, warned);
	teardown(&t, &d);
	unlink(path);
}

TEST_MAIN(TEST(test_field_names), TEST(test_header_names), TEST(test_classify_threads), TEST(test_two_row_header),
	  TEST(test_number_under_activities), TEST(test_seed), TEST(test_seed_excel),
	  TEST(test_seed_reordered_bom), TEST(test_quoted_fixture), TEST(test_quoting),
	  TEST(test_line_endings), TEST(test_delimiters), TEST(test_bom), TEST(test_header_forms),
	  TEST(test_header_row_limit), TEST(test_markup), TEST(test_bidi_controls),
	  TEST(test_missing_column),
	  TEST(test_no_header), TEST(test_empty), TEST(test_binary), TEST(test_high_bytes),
	  TEST(test_long_line), TEST(test_unterminated_quote), TEST(test_many_columns),
	  TEST(test_invalid_utf8), TEST(test_census_words), TEST(test_windows_1252_halves),
	  TEST(test_windows_1252), TEST(test_windows_1252_bytes),
	  TEST(test_load_errors),
	  TEST(test_load_max_size), TEST(test_load_page_sized), TEST(test_load_cp1252_pieces),
	  TEST(test_cell_scan_stops), TEST(test_cell_scan_markup), TEST(test_cell_at_end),
	  TEST(test_census_blocks), TEST(test_cp1252_blocks), TEST(test_halves_at_every_byte))
