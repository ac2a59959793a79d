#include "office.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "starter_guess.h"
#include "text.h"
#include "test.h"

/* The offices and groups named in the seed plan, as a person would enter them. */
enum {
	SG, /* Secretaría General */
	COMMS, /* Oficina de Comunicaciones */
	REDES, /* Oficina de Comunicaciones - Equipo de Redes */
	TRANSP, /* Oficina para la Transparencia de la Gestión Pública */
	EQ_TRANSP, /* its communications team */
	PLAN, /* Departamento Administrativo de Planeación */
	EQ_PLAN,
	SDSP, /* Secretaría de Desarrollo Social y Participación */
	EQ_SDSP,
	EQ_SG,
	CI, /* Oficina de Control Interno */
	TIC, /* Secretaría de las Tecnologías de la Información y las Comunicaciones */
	PROTO,
	G_EQCOM, /* group: the communications team of every office */
	G_TIC, /* group: the ICT liaison of every office */
};

static const struct {
	const char *name;
	size_t target;
} directory[] = {
	{"Secretaría General", SG},
	{"Oficina de Comunicaciones", COMMS},
	{"Oficina Comunicaciones", COMMS},
	{"Oficina de Comunicaciones - Equipo de Redes", REDES},
	{"Oficina de Comunicaciones - Equipo Redes", REDES},
	{"Equipo Redes", REDES},
	{"Oficina para la Transparencia de la Gestión Pública", TRANSP},
	{"Oficina para la Transparencia", TRANSP},
	{"Equipo comunicaciones Oficina para la Transparencia de la Gestión Pública", EQ_TRANSP},
	{"Equipo comunicaciones Oficina para la Transparencia", EQ_TRANSP},
	{"Departamento Administrativo de Planeación", PLAN},
	{"Departamento de Planeación", PLAN},
	{"Planeación", PLAN},
	{"Equipo comunicaciones Planeación", EQ_PLAN},
	{"Secretaría de Desarrollo Social y Participación", SDSP},
	{"Equipo comunicaciones Secretaría de Desarrollo Social y Participación", EQ_SDSP},
	{"Equipo comunicaciones Secretaría General", EQ_SG},
	{"Oficina de Control Interno", CI},
	{"Secretaría de las Tecnologías de la Información y las Comunicaciones", TIC},
	{"Secretaría TIC", TIC},
	{"Protocolo Secretaría General", PROTO},
	{"Equipo comunicaciones de cada dependencia", G_EQCOM},
	{"Equipos comunicaciones de cada dependencia", G_EQCOM},
	{"Enlace Tics de cada dependencia", G_TIC},
};

static struct office_matcher *seed_directory(struct test_state *ts)
{
	struct office_matcher *m = office_matcher_new();
	for (size_t i = 0; i < sizeof(directory) / sizeof(directory[0]); i++)
		CHECK(ts, office_matcher_add(m, directory[i].name, directory[i].target));
	return m;
}

struct want {
	size_t target; /* NO_MATCH for an unmatched piece */
	const char *text;
};

#define NO_MATCH ((size_t)-1)
#define MAX_PIECES 6

static void check_split(struct test_state *ts, const struct office_matcher *m, const char *cell,
			const struct want *want)
{
	struct office_pieces p;
	office_pieces_init(&p);
	office_split(m, cell, &p);
	size_t n = 0;
	while (n < MAX_PIECES && want[n].text)
		n++;
	CHECK_INT_EQ(ts, p.len, n);
	for (size_t i = 0; i < n && i < p.len; i++) {
		CHECK_STR_EQ(ts, p.items[i].text, want[i].text);
		CHECK_INT_EQ(ts, p.items[i].matched, want[i].target != NO_MATCH);
		if (p.items[i].matched && want[i].target != NO_MATCH)
			CHECK_INT_EQ(ts, p.items[i].target, want[i].target);
	}
	if (p.len != n)
		fprintf(stderr, "  cell: %s\n", cell);
	office_pieces_finish(&p);
}

static void check_guess(struct test_state *ts, const char *cell, const char *const *want)
{
	char **names = NULL;
	size_t n = 0, cap = 0, n_want = 0;
	starter_guess_split(cell, &names, &n, &cap);
	while (n_want < MAX_PIECES && want[n_want])
		n_want++;
	CHECK_INT_EQ(ts, n, n_want);
	for (size_t i = 0; i < n && i < n_want; i++)
		CHECK_STR_EQ(ts, names[i], want[i]);
	if (n != n_want)
		fprintf(stderr, "  cell: %s\n", cell);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static void test_normalize(struct test_state *ts)
{
	static const char *const cases[][2] = {
		{"Secretaría de Desarrollo Social y Participación.",
		 "secretaria desarrollo social participacion"},
		{"ÁÉÍÓÚÜÑ àèìòùüñ Çç", "aeiouun aeiouun cc"},
		{"EL DEPARTAMENTO DE LA CIUDAD", "departamento ciudad"},
		{"Oficina de Comunicaciones - Equipo de Redes",
		 "oficina comunicaciones equipo redes"},
		{"  Oficina,para;la/Transparencia  ", "oficina transparencia"},
		{"TIC's/2023", "tic s 2023"},
		{"Año Straße Æther", "ano strasse aether"},
		{"p×q÷r", "p q r"},
		{"de la -", ""},
		{"y e a en al el los las del para", ""},
		{"", ""},
		{"Oficina€Control😀Interno", "oficina control interno"},
		{"Secretari\xcc\x81"
		 "a",
		 "secretaria"}, /* NFD: i + combining acute */
		{"\xcc\x81"
		 "abc",
		 "abc"}, /* a leading combining mark is dropped */
		{"Ofi\xff"
		 "cina",
		 "ofi cina"},
		{"caf\xc3\xa9", "cafe"},
		{"\xc3", ""},
		{"\xc1\x81x", "x"}, /* overlong "A" */
		{"\xed\xa0\x80z", "z"}, /* surrogate */
		{"\xf4\x90\x80\x80q", "q"}, /* beyond U+10FFFF */
		{"ab\xe2\x82", "ab"}, /* truncated */
		{"Gesti\xc3\xb3n\xc2\xa0P\xc3\xba"
		 "blica",
		 "gestion publica"}, /* no-break space */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = office_normalize(cases[i][0]);
		CHECK_STR_EQ(ts, got, cases[i][1]);
		free(got);
	}
	char *a = office_normalize("Secretaría de Desarrollo Social y Participación");
	char *b = office_normalize("Secretaria Desarrollo Social y Participacion");
	CHECK_STR_EQ(ts, a, b);
	free(a);
	free(b);
	char *c = office_normalize(NULL);
	CHECK_STR_EQ(ts, c, "");
	free(c);
}

static void test_matcher_add(struct test_state *ts)
{
	struct office_matcher *m = office_matcher_new();
	CHECK(ts, !office_matcher_add(m, "de la -", 0));
	CHECK(ts, !office_matcher_add(m, "", 0));
	CHECK(ts, office_matcher_add(m, "Secretaría General", 0));
	CHECK(ts, office_matcher_add(m, "SECRETARIA general.", 0));
	CHECK(ts, !office_matcher_add(m, "Secretaria de General", 1));
	CHECK(ts, office_matcher_add(m, "Secretaría General Adjunta", 1));
	CHECK(ts, !office_matcher_add(m, "secretaria general adjunta", 2));
	/* the first spelling is kept: the same-target alias was not added again */
	CHECK_STR_EQ(ts, office_suggest(m, "secretaria generl"), "Secretaría General");
	const struct want w[] = {
		{0, "SECRETARIA GENERAL"}, {1, "Secretaria General Adjunta"}, {0, NULL}};
	check_split(ts, m, "SECRETARIA GENERAL, Secretaria General Adjunta", w);
	office_matcher_free(m);
	office_matcher_free(NULL);
}

#define W(...)                                                                                     \
	{                                                                                          \
		__VA_ARGS__,                                                                       \
		{                                                                                  \
			0, NULL                                                                    \
		}                                                                                  \
	}
#define G(...)                                                                                     \
	{                                                                                          \
		__VA_ARGS__, NULL                                                                  \
	}

static const char five[] =
	"Secretaría General Secretaría de las Tecnologías de la Información y las "
	"Comunicaciones Oficina para la Transparencia de la Gestión Pública "
	"Departamento de Planeación Secretaría Desarrollo Social y Participación";

static const struct seed_case {
	const char *cell;
	struct want split[MAX_PIECES];
	const char *guess[MAX_PIECES];
} seed_cases[] = {
	{"Departamento Administrativo de Planeación",
	 W({PLAN, "Departamento Administrativo de Planeación"}),
	 G("Departamento Administrativo de Planeación")},
	{"Enlace Tics de cada dependencia", W({G_TIC, "Enlace Tics de cada dependencia"}),
	 G("Enlace Tics de cada dependencia")},
	{"Equipo comunicaciones Oficina para la Transparencia",
	 W({EQ_TRANSP, "Equipo comunicaciones Oficina para la Transparencia"}),
	 G("Equipo comunicaciones Oficina para la Transparencia")},
	{"Equipo comunicaciones Oficina para la Transparencia  Oficina de Comunicaciones - Equipo "
	 "de Redes",
	 W({EQ_TRANSP, "Equipo comunicaciones Oficina para la Transparencia"},
	   {REDES, "Oficina de Comunicaciones - Equipo de Redes"}),
	 G("Equipo comunicaciones Oficina para la Transparencia",
	   "Oficina de Comunicaciones - Equipo de Redes")},
	{"Equipo comunicaciones Oficina para la Transparencia de la Gestión Publica",
	 W({EQ_TRANSP,
	    "Equipo comunicaciones Oficina para la Transparencia de la Gestión Publica"}),
	 G("Equipo comunicaciones Oficina para la Transparencia de la Gestión Publica")},
	{"Equipo comunicaciones Oficina para la Transparencia de la Gestión Pública",
	 W({EQ_TRANSP,
	    "Equipo comunicaciones Oficina para la Transparencia de la Gestión Pública"}),
	 G("Equipo comunicaciones Oficina para la Transparencia de la Gestión Pública")},
	{"Equipo comunicaciones Oficina para la Transparencia de la Gestión Pública  Oficina de "
	 "Comunicaciones - Equipo de Redes",
	 W({EQ_TRANSP, "Equipo comunicaciones Oficina para la Transparencia de la Gestión Pública"},
	   {REDES, "Oficina de Comunicaciones - Equipo de Redes"}),
	 G("Equipo comunicaciones Oficina para la Transparencia de la Gestión Pública",
	   "Oficina de Comunicaciones - Equipo de Redes")},
	{"Equipo comunicaciones Planeación Oficina Comunicaciones",
	 W({EQ_PLAN, "Equipo comunicaciones Planeación"}, {COMMS, "Oficina Comunicaciones"}),
	 G("Equipo comunicaciones Planeación", "Oficina Comunicaciones")},
	{"Equipo comunicaciones Secretaría Desarrollo Social y Participación",
	 W({EQ_SDSP, "Equipo comunicaciones Secretaría Desarrollo Social y Participación"}),
	 G("Equipo comunicaciones Secretaría Desarrollo Social y Participación")},
	{"Equipo comunicaciones Secretaría General",
	 W({EQ_SG, "Equipo comunicaciones Secretaría General"}),
	 G("Equipo comunicaciones Secretaría General")},
	{"Equipo comunicaciones Secretaría General Oficina Comunicaciones - Equipo Redes",
	 W({EQ_SG, "Equipo comunicaciones Secretaría General"},
	   {REDES, "Oficina Comunicaciones - Equipo Redes"}),
	 G("Equipo comunicaciones Secretaría General", "Oficina Comunicaciones - Equipo Redes")},
	{"Equipo comunicaciones Secretaría General Oficina de Comunicaciones - Equipo Redes",
	 W({EQ_SG, "Equipo comunicaciones Secretaría General"},
	   {REDES, "Oficina de Comunicaciones - Equipo Redes"}),
	 G("Equipo comunicaciones Secretaría General", "Oficina de Comunicaciones - Equipo Redes")},
	{"Equipo comunicaciones Secretaría General.",
	 W({EQ_SG, "Equipo comunicaciones Secretaría General"}),
	 G("Equipo comunicaciones Secretaría General")},
	{"Equipo comunicaciones Secretaría de Desarrollo Social y Participación",
	 W({EQ_SDSP, "Equipo comunicaciones Secretaría de Desarrollo Social y Participación"}),
	 G("Equipo comunicaciones Secretaría de Desarrollo Social y Participación")},
	{"Equipo comunicaciones de cada dependencia.",
	 W({G_EQCOM, "Equipo comunicaciones de cada dependencia"}),
	 G("Equipo comunicaciones de cada dependencia")},
	{"Oficina Comunicaciones", W({COMMS, "Oficina Comunicaciones"}),
	 G("Oficina Comunicaciones")},
	{"Oficina Comunicaciones Equipos comunicaciones de cada dependencia",
	 W({COMMS, "Oficina Comunicaciones"},
	   {G_EQCOM, "Equipos comunicaciones de cada dependencia"}),
	 G("Oficina Comunicaciones", "Equipos comunicaciones de cada dependencia")},
	{"Oficina Comunicaciones Secretaría General - Equipo Redes",
	 W({COMMS, "Oficina Comunicaciones"}, {SG, "Secretaría General"}, {REDES, "Equipo Redes"}),
	 G("Oficina Comunicaciones", "Secretaría General - Equipo Redes")},
	{"Oficina Control Interno", W({CI, "Oficina Control Interno"}),
	 G("Oficina Control Interno")},
	{"Oficina de Comunicaciones - Equipo de Redes",
	 W({REDES, "Oficina de Comunicaciones - Equipo de Redes"}),
	 G("Oficina de Comunicaciones - Equipo de Redes")},
	{"Oficina de Control Interno Oficina para la Transparencia de la Gestión Pública",
	 W({CI, "Oficina de Control Interno"},
	   {TRANSP, "Oficina para la Transparencia de la Gestión Pública"}),
	 G("Oficina de Control Interno", "Oficina para la Transparencia de la Gestión Pública")},
	{"Oficina para la Transparencia de la Gestión Publica",
	 W({TRANSP, "Oficina para la Transparencia de la Gestión Publica"}),
	 G("Oficina para la Transparencia de la Gestión Publica")},
	{"Oficina para la Transparencia de la Gestión Pública",
	 W({TRANSP, "Oficina para la Transparencia de la Gestión Pública"}),
	 G("Oficina para la Transparencia de la Gestión Pública")},
	{"Oficina para la Transparencia de la Gestión Pública  Secretaría General",
	 W({TRANSP, "Oficina para la Transparencia de la Gestión Pública"},
	   {SG, "Secretaría General"}),
	 G("Oficina para la Transparencia de la Gestión Pública", "Secretaría General")},
	{"Protocolo Secretaría General", W({PROTO, "Protocolo Secretaría General"}),
	 G("Protocolo Secretaría General")},
	{"Secretaría Desarrollo Social y Participación",
	 W({SDSP, "Secretaría Desarrollo Social y Participación"}),
	 G("Secretaría Desarrollo Social y Participación")},
	{"Secretaría General", W({SG, "Secretaría General"}), G("Secretaría General")},
	{five,
	 W({SG, "Secretaría General"},
	   {TIC, "Secretaría de las Tecnologías de la Información y las Comunicaciones"},
	   {TRANSP, "Oficina para la Transparencia de la Gestión Pública"},
	   {PLAN, "Departamento de Planeación"},
	   {SDSP, "Secretaría Desarrollo Social y Participación"}),
	 G("Secretaría General",
	   "Secretaría de las Tecnologías de la Información y las Comunicaciones",
	   "Oficina para la Transparencia de la Gestión Pública", "Departamento de Planeación",
	   "Secretaría Desarrollo Social y Participación")},
};

#define N_SEED (sizeof(seed_cases) / sizeof(seed_cases[0]))

/* Field 5 of a 6-field row of the seed TSV, in place; NULL for other rows. */
static char *responsible(char *line)
{
	line[strcspn(line, "\r\n")] = '\0';
	char *field[6];
	size_t n = 0;
	for (char *p = line; p != NULL; n++) {
		if (n == 6)
			return NULL;
		field[n] = p;
		p = strchr(p, '\t');
		if (p != NULL)
			*p++ = '\0';
	}
	return n == 6 ? field[4] : NULL;
}

static void test_seed_cells(struct test_state *ts)
{
	struct office_matcher *m = seed_directory(ts);
	char *path = test_data_path("estrategia-rendicion-cuentas-2023.tsv");
	FILE *f = fopen(path, "r");
	CHECK(ts, f != NULL);
	bool seen[N_SEED] = {false};
	char *line = NULL;
	size_t cap = 0, cells = 0;
	while (f && getline(&line, &cap, f) != -1) {
		char *cell = responsible(line);
		if (cell == NULL || strcmp(cell, "Responsable") == 0)
			continue;
		cells++;
		size_t k = 0;
		while (k < N_SEED && strcmp(seed_cases[k].cell, cell) != 0)
			k++;
		CHECK(ts, k < N_SEED);
		if (k == N_SEED) {
			fprintf(stderr, "  no expectation for cell: %s\n", cell);
		} else if (!seen[k]) {
			seen[k] = true;
			check_split(ts, m, cell, seed_cases[k].split);
			check_guess(ts, cell, seed_cases[k].guess);
		}
	}
	CHECK_INT_EQ(ts, cells, 65); /* 84 six-field rows less 19 header rows */
	for (size_t k = 0; k < N_SEED; k++)
		CHECK(ts, seen[k]);
	free(line);
	if (f)
		fclose(f);
	free(path);
	office_matcher_free(m);
}

static void test_split_unknown(struct test_state *ts)
{
	struct office_matcher *m = seed_directory(ts);
	const struct want w1[] =
		W({NO_MATCH, "Secretaría de Salud"}, {COMMS, "Oficina Comunicaciones"});
	check_split(ts, m, "Secretaría de Salud Oficina Comunicaciones", w1);
	const struct want w2[] =
		W({NO_MATCH, "Secretaria Generl"}, {CI, "Oficina de Control Interno"});
	check_split(ts, m, "Secretaria Generl y Oficina de Control Interno", w2);
	const struct want w3[] =
		W({CI, "Oficina de Control Interno"}, {NO_MATCH, "Secretaría de Salud"},
		  {SG, "Secretaría General"}, {NO_MATCH, "Oficina Jurídica (OAJ)"});
	check_split(ts, m,
		    "Oficina de Control Interno, Secretaría de Salud; Secretaría General / Oficina "
		    "Jurídica (OAJ).",
		    w3);
	const struct want w4[] = W({SG, "Secretaría General"}, {CI, "Oficina de Control Interno"},
				   {TIC, "Secretaría TIC"});
	check_split(ts, m, "- Secretaría General - Oficina de Control Interno, y Secretaría TIC.",
		    w4);
	const struct want w5[] = W({NO_MATCH, "Oficina Jurídica"});
	check_split(ts, m, "y la Oficina Jurídica de", w5);
	const struct want none[] = {{0, NULL}};
	check_split(ts, m, "- y de la , / ;", none);
	check_split(ts, m, "", none);
	/* en dash inside a known name: one piece, original text kept */
	const struct want w6[] = W({REDES, "Oficina de Comunicaciones – Equipo de Redes"});
	check_split(ts, m, "Oficina de Comunicaciones – Equipo de Redes", w6);
	/* '/', ';' and line breaks separate unknown offices too */
	const struct want w7[] = W({NO_MATCH, "Secretaría de Salud"},
				   {NO_MATCH, "Secretaría de Educación"}, {NO_MATCH, "Tránsito"},
				   {NO_MATCH, "Deportes"});
	check_split(ts, m, "Secretaría de Salud / Secretaría de Educación; Tránsito\nDeportes", w7);
	office_matcher_free(m);
}

/* plazo init's guesses: no two names fused, no committee split, no "A / B" kept as one. */
static void test_guess_real_offices(struct test_state *ts)
{
	const char *const fused[] = {"Todos los líderes de proceso y sus equipos de trabajo",
				     "Oficina Asesora de Planeación", NULL};
	check_guess(ts, "Todos los líderes de proceso y sus equipos de trabajo Oficina Asesora de "
			"Planeación", fused);
	const char *const committee[] = {"Comité Institucional de Coordinación de Control Interno",
					 NULL};
	check_guess(ts, "Comité Institucional de Coordinación de Control Interno", committee);
	const char *const slash[] = {"Planeación", "Oficina TIC", NULL};
	check_guess(ts, "Planeación / Oficina TIC", slash);
	const char *const semi[] = {"Oficina de Comunicaciones", "Oficina TIC", NULL};
	check_guess(ts, "Oficina de Comunicaciones; Oficina TIC", semi);
}

/* The distance decides between names the words leave tied, and without a shared word: a
 * later name closer than an earlier one wins, an equally close one does not, and a name
 * farther than half the longer length is never suggested (the distances computed only as
 * far as they could win must pick the same names as whole ones). */
static void test_suggest_by_distance(struct test_state *ts)
{
	struct office_matcher *m = office_matcher_new();
	const char *names[] = {"Gerencia Regional Norte Bajo", "Gerencia Regional Norte Alto",
			       "Gerencia Regional Norte Alza", "Tesorería", "Tesoro", "Tesora"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		CHECK(ts, office_matcher_add(m, names[i], i));
	/* 3 of 5 words each: "zeta" is 4 edits from "bajo", 3 from "alto" and "alza" */
	CHECK_STR_EQ(ts, office_suggest(m, "Gerencia Regional Norte Zeta"),
		     "Gerencia Regional Norte Alto");
	CHECK_STR_EQ(ts, office_suggest(m, "Gerencia Regional Norte Zbjo"),
		     "Gerencia Regional Norte Bajo");
	/* no close word: 4 edits from "tesoreria", 3 from "tesoro" and "tesora" */
	CHECK_STR_EQ(ts, office_suggest(m, "Tsrra"), "Tesora");
	CHECK_STR_EQ(ts, office_suggest(m, "Tsrro"), "Tesoro");
	CHECK(ts, office_suggest(m, "Txqzwk") == NULL);
	office_matcher_free(m);
}

/* Ties on the Jaccard index after the lead changed: the leader's distance, first needed at
 * the tie, decides as if it had been computed when it took the lead; equal distances keep
 * the earlier name; a leader too long to compare loses a tie to one that can be. */
static void test_suggest_tie(struct test_state *ts)
{
	struct office_matcher *m = office_matcher_new();
	char longest[300];
	snprintf(longest, sizeof(longest), "Alfa Beta %0240d", 7);
	const char *names[] = {"Oficina Beta", "Oficina Alfa Norte", "Oficina Alfa Sur",
			       "Oficina Alfa Sux", longest, "Alfa Beta Gamma", "Alfa Beta Delta"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		CHECK(ts, office_matcher_add(m, names[i], i));
	/* 1/4, then 2/4 three times: "zzz" is 5 edits from "norte", 3 from "sur" and "sux" */
	CHECK_STR_EQ(ts, office_suggest(m, "Oficina Alfa Zzz"), "Oficina Alfa Sur");
	CHECK_STR_EQ(ts, office_suggest(m, "Oficina Alfa Suxx"), "Oficina Alfa Sux");
	CHECK_STR_EQ(ts, office_suggest(m, "Oficina Alfa Nortx"), "Oficina Alfa Norte");
	/* 2/3 each: the 250-byte name has no distance, "gamma" is nearer "gamme" than "delta" */
	CHECK_STR_EQ(ts, office_suggest(m, "Alfa Beta Gamme"), "Alfa Beta Gamma");
	CHECK_STR_EQ(ts, office_suggest(m, "Alfa Beta Delte"), "Alfa Beta Delta");
	CHECK_STR_EQ(ts, office_suggest(m, "Alfa Beta Zzzzz"), "Alfa Beta Gamma");
	office_matcher_free(m);
}

static void test_suggest(struct test_state *ts)
{
	struct office_matcher *m = seed_directory(ts);
	CHECK_STR_EQ(ts, office_suggest(m, "Secretaria Generl"), "Secretaría General");
	CHECK_STR_EQ(ts, office_suggest(m, "Oficina de Comunicacion"), "Oficina de Comunicaciones");
	CHECK_STR_EQ(ts, office_suggest(m, "Ofcina Control Intrno"), "Oficina de Control Interno");
	CHECK_STR_EQ(ts, office_suggest(m, "secretaria tic"), "Secretaría TIC");
	CHECK_STR_EQ(ts, office_suggest(m, "Protocolo Secretaria"), "Protocolo Secretaría General");
	/* no shared word: edit distance on the joined words */
	CHECK_STR_EQ(ts, office_suggest(m, "SecretariaGeneral"), "Secretaría General");
	CHECK(ts, office_suggest(m, "Dirección de Tránsito") == NULL);
	CHECK(ts, office_suggest(m, "xyz") == NULL);
	CHECK(ts, office_suggest(m, "") == NULL);
	CHECK(ts, office_suggest(m, "- de la -") == NULL);
	office_matcher_free(m);
	struct office_matcher *empty = office_matcher_new();
	CHECK(ts, office_suggest(empty, "Secretaría General") == NULL);
	office_matcher_free(empty);
}

/* Greedy longest-first would take "Equipo comunicaciones Secretaría General" and leave
 * "Oficina Jurídica" unmatched; the segmentation that covers every word wins. */
static void test_split_prefers_coverage(struct test_state *ts)
{
	struct office_matcher *m = office_matcher_new();
	CHECK(ts, office_matcher_add(m, "Equipo comunicaciones Secretaría General", 0));
	CHECK(ts, office_matcher_add(m, "Secretaría General Oficina Jurídica", 1));
	CHECK(ts, office_matcher_add(m, "Equipo comunicaciones", 2));
	const struct want w1[] =
		W({2, "Equipo comunicaciones"}, {1, "Secretaría General Oficina Jurídica"});
	check_split(ts, m, "Equipo comunicaciones Secretaría General Oficina Jurídica", w1);
	const struct want w2[] = W({0, "Equipo comunicaciones Secretaría General"});
	check_split(ts, m, "Equipo comunicaciones Secretaría General", w2);
	office_matcher_free(m);

	/* equal cost either way: the earlier match wins over leaving its first word unmatched */
	m = office_matcher_new();
	CHECK(ts, office_matcher_add(m, "Secretaría General", 0));
	CHECK(ts, office_matcher_add(m, "General Oficina", 1));
	const struct want w5[] = W({0, "Secretaría General"}, {NO_MATCH, "Oficina"});
	check_split(ts, m, "Secretaría General Oficina", w5);
	office_matcher_free(m);

	/* the longer name wins over a shorter name plus another known name */
	m = office_matcher_new();
	CHECK(ts, office_matcher_add(m, "Oficina de Comunicaciones", 0));
	CHECK(ts, office_matcher_add(m, "Oficina de Comunicaciones - Equipo de Redes", 1));
	CHECK(ts, office_matcher_add(m, "Equipo de Redes", 2));
	const struct want w3[] = W({1, "Oficina de Comunicaciones - Equipo de Redes"});
	check_split(ts, m, "Oficina de Comunicaciones - Equipo de Redes", w3);
	const struct want w4[] = W({0, "Oficina de Comunicaciones"}, {NO_MATCH, "Equipo"});
	check_split(ts, m, "Oficina de Comunicaciones Equipo", w4);
	office_matcher_free(m);
}

static void test_guess_split(struct test_state *ts)
{
	static const struct {
		const char *cell;
		const char *want[MAX_PIECES];
	} cases[] = {
		{"Secretaría General y Oficina de Control Interno",
		 G("Secretaría General", "Oficina de Control Interno")},
		{"La Secretaría General.", G("Secretaría General")},
		{"Oficina Jurídica (OAJ) Secretaría General",
		 G("Oficina Jurídica (OAJ)", "Secretaría General")},
		{"SECRETARÍA GENERAL OFICINA DE CONTROL INTERNO",
		 G("SECRETARÍA GENERAL", "OFICINA DE CONTROL INTERNO")},
		{"secretaria general oficina de control interno",
		 G("secretaria general", "oficina de control interno")},
		{"Equipo de comunicaciones Dirección de Tránsito Unidad de Víctimas",
		 G("Equipo de comunicaciones Dirección de Tránsito", "Unidad de Víctimas")},
		{"Equipo Redes Equipo comunicaciones", G("Equipo Redes", "Equipo comunicaciones")},
		{"Protocolo Oficina Secretaría General",
		 G("Protocolo Oficina", "Secretaría General")},
		{"Foo Bar  Baz Qux", G("Foo Bar", "Baz Qux")},
		{"Gerencia X\nDespacho del Alcalde", G("Gerencia X", "Despacho del Alcalde")},
		{"Oficina de Comunicaciones – Equipo de Redes",
		 G("Oficina de Comunicaciones – Equipo de Redes")},
		{"Secretaría General - Oficina Jurídica",
		 G("Secretaría General", "Oficina Jurídica")},
		{"Área de Talento Humano Subdirección Financiera Comité de Conciliación",
		 G("Área de Talento Humano", "Subdirección Financiera", "Comité de Conciliación")},
		{"- . ; de la", {NULL}},
		{"", {NULL}},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_guess(ts, cases[i].cell, cases[i].want);

	/* appends to what the arrays already hold */
	char **names = NULL;
	size_t n = 0, cap = 0;
	starter_guess_split("Secretaría General", &names, &n, &cap);
	starter_guess_split("Oficina Control Interno Secretaría TIC", &names, &n, &cap);
	CHECK_INT_EQ(ts, n, 3);
	if (n == 3) {
		CHECK_STR_EQ(ts, names[0], "Secretaría General");
		CHECK_STR_EQ(ts, names[1], "Oficina Control Interno");
		CHECK_STR_EQ(ts, names[2], "Secretaría TIC");
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static char *repeat(const char *unit, size_t total)
{
	size_t len = strlen(unit), n = total / len;
	char *s = malloc(n * len + 1);
	if (s == NULL)
		abort();
	for (size_t i = 0; i < n; i++)
		memcpy(s + i * len, unit, len);
	s[n * len] = '\0';
	return s;
}

static size_t count_guess(const char *cell)
{
	char **names = NULL;
	size_t n = 0, cap = 0;
	starter_guess_split(cell, &names, &n, &cap);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return n;
}

/* One office_pieces through many splits: a second split appends its pieces, whose texts and
 * the first ones' stay readable however the pool grew; a clear keeps only what follows. */
static void test_split_reused(struct test_state *ts)
{
	struct office_matcher *m = seed_directory(ts);
	struct office_pieces p;
	office_pieces_init(&p);
	office_split(m, "Oficina Comunicaciones", &p);
	char *many = repeat("Oficina Comunicaciones / Oficina Nueva ", 1 << 14);
	office_split(m, many, &p);
	CHECK(ts, p.len > 2);
	if (p.len > 2) {
		CHECK_STR_EQ(ts, p.items[0].text, "Oficina Comunicaciones");
		CHECK_STR_EQ(ts, p.items[1].text, "Oficina Comunicaciones");
		CHECK_STR_EQ(ts, p.items[p.len - 1].text, "Oficina Nueva");
		CHECK(ts, !p.items[p.len - 1].matched && p.items[1].target == COMMS);
	}
	office_pieces_clear(&p);
	office_split(m, "Oficina Nueva", &p);
	CHECK_INT_EQ(ts, p.len, 1);
	if (p.len == 1)
		CHECK_STR_EQ(ts, p.items[0].text, "Oficina Nueva");
	office_pieces_clear(&p);
	office_split(m, "", &p);
	CHECK_INT_EQ(ts, p.len, 0);
	office_pieces_finish(&p);
	free(many);
	office_matcher_free(m);
}

/* office_words_reread against text_fold_char for each code point U+0080..U+024F: cold (the
 * memo of Latin-1 letters empty), warm (filled by the previous texts) and the letter twice
 * in one word; the words' bytes, offsets and lengths. */
static void check_folds_like_text(struct test_state *ts, struct office_words *w, uint32_t cp)
{
	char enc[8], want[TEXT_FOLD_MAX + 1] = {0}, s[64];
	size_t k = text_utf8_put(cp, enc);
	int n = text_fold_char(cp, 0, want);
	snprintf(s, sizeof(s), "x%.*s%.*sY %.*s", (int)k, enc, (int)k, enc, (int)k, enc);
	office_words_reread(s, w);
	if (n > 0) {
		char joined[64];
		snprintf(joined, sizeof(joined), "x%.*s%.*sy", n, want, n, want);
		CHECK_INT_EQ(ts, w->len, 2);
		CHECK_STR_EQ(ts, office_words_at(w, 0), joined);
		CHECK_INT_EQ(ts, office_words_len(w, 0), strlen(joined));
		CHECK_INT_EQ(ts, w->items[0].end, 2 + 2 * k);
		CHECK_INT_EQ(ts, w->items[1].start, 3 + 2 * k);
		CHECK_STR_EQ(ts, office_words_at(w, 1), want);
	} else if (n < 0) { /* a mark: kept in the word, dropped alone */
		CHECK_INT_EQ(ts, w->len, 1);
		CHECK_STR_EQ(ts, office_words_at(w, 0), "xy");
	} else {
		CHECK_INT_EQ(ts, w->len, 2);
		CHECK_STR_EQ(ts, office_words_at(w, 0), "x");
		CHECK_STR_EQ(ts, office_words_at(w, 1), "y");
	}
	CHECK_INT_EQ(ts, w->text_len, strlen(s));
}

static void test_words_fold(struct test_state *ts)
{
	struct office_words w;
	office_words_read("", &w);
	for (int round = 0; round < 2; round++)
		for (uint32_t cp = 0x80; cp < 0x250; cp++)
			check_folds_like_text(ts, &w, cp);
	/* a letter and the same byte & 63 elsewhere: U+00C1 and U+0101, U+00C0 and U+0100 */
	office_words_reread("\xc3\x81\xc4\x81\xc3\x80\xc4\x80 \xc3\x9f\xc3\x9f", &w);
	CHECK_INT_EQ(ts, w.len, 2);
	CHECK_STR_EQ(ts, office_words_at(&w, 0), "aaaa");
	CHECK_STR_EQ(ts, office_words_at(&w, 1), "ssss");
	/* only letters that fold longer than they are: the pool's room, one word */
	char *long_ss = repeat("\xc3\x9f\xc3\x86", 1 << 12); /* ß Æ */
	office_words_reread(long_ss, &w);
	CHECK_INT_EQ(ts, w.len, 1);
	CHECK_INT_EQ(ts, office_words_len(&w, 0), 1 << 12);
	CHECK(ts, strncmp(office_words_at(&w, 0), "ssaessae", 8) == 0);
	free(long_ss);
	/* stop words, digits, case and a word longer than 128 bytes */
	char *big = repeat("A", 300);
	char text[400];
	snprintf(text, sizeof(text), "De LA 2023 x%s.", big);
	office_words_reread(text, &w);
	CHECK_INT_EQ(ts, w.len, 4);
	CHECK(ts, w.items[0].stop && w.items[1].stop && !w.items[2].stop && !w.items[3].stop);
	CHECK_STR_EQ(ts, office_words_at(&w, 2), "2023");
	CHECK_INT_EQ(ts, office_words_len(&w, 3), 301);
	CHECK_INT_EQ(ts, w.items[3].end, strlen(text) - 1);
	free(big);
	office_words_reread(NULL, &w);
	CHECK_INT_EQ(ts, w.len, 0);
	office_words_finish(&w);
}

static void check_big_names(struct test_state *ts, const struct office_matcher *m)
{
	const size_t mb = 1 << 20, reps = mb / strlen("Oficina Comunicaciones ");
	char *s = repeat("Oficina Comunicaciones ", mb);
	struct office_pieces p;
	office_pieces_init(&p);
	office_split(m, s, &p);
	CHECK_INT_EQ(ts, p.len, reps);
	size_t good = 0;
	for (size_t i = 0; i < p.len; i++)
		good += p.items[i].matched && p.items[i].target == COMMS &&
			strcmp(p.items[i].text, "Oficina Comunicaciones") == 0;
	CHECK_INT_EQ(ts, good, reps);
	office_pieces_finish(&p);
	CHECK_INT_EQ(ts, count_guess(s), reps);
	CHECK_STR_EQ(ts, office_suggest(m, s), "Oficina de Comunicaciones");
	free(s);
}

static void check_big_junk(struct test_state *ts, const struct office_matcher *m, const char *unit,
			   size_t want_pieces, size_t want_guess, const char *want_suggest)
{
	char *s = repeat(unit, 1 << 20);
	struct office_pieces p;
	office_pieces_init(&p);
	office_split(m, s, &p);
	CHECK_INT_EQ(ts, p.len, want_pieces);
	if (p.len == 1)
		CHECK(ts, !p.items[0].matched);
	office_pieces_finish(&p);
	CHECK_INT_EQ(ts, count_guess(s), want_guess);
	const char *suggestion = office_suggest(m, s);
	if (want_suggest == NULL)
		CHECK(ts, suggestion == NULL);
	else
		CHECK_STR_EQ(ts, suggestion, want_suggest);
	char *norm = office_normalize(s);
	CHECK(ts, norm != NULL);
	free(norm);
	free(s);
}

static void test_hostile(struct test_state *ts)
{
	struct office_matcher *m = seed_directory(ts);
	/* Latin-1 byte inside a UTF-8 cell: "secretar" + stop word "a" */
	const struct want w1[] = W({NO_MATCH, "Secretar\xed"
					      "a General"});
	check_split(ts, m,
		    "Secretar\xed"
		    "a General",
		    w1);
	CHECK_STR_EQ(ts,
		     office_suggest(m, "Secretar\xed"
				       "a General"),
		     "Secretaría General");
	const struct want w2[] = W({SG, "Secretaría General"}, {CI, "Oficina Control Interno"});
	check_split(ts, m,
		    "\xff\xfe"
		    "Secretaría General\xc0\xaf"
		    "Oficina Control Interno\xe2\x82",
		    w2);
	const char *const g[] = G("Oficina\xff\xfeJurídica");
	check_guess(ts, "Oficina\xff\xfeJurídica\xf0\x9f\x98\x80 \xc3", g);
	check_big_names(ts, m);
	check_big_junk(ts, m, "-", 0, 0, NULL);
	check_big_junk(ts, m, "a", 1, 1, NULL);
	check_big_junk(ts, m, "\xff", 0, 0, NULL);
	/* every name starting with "secretaria" shares one of two words; the first added wins */
	check_big_junk(ts, m, "Secretaría ", 1, (1 << 20) / strlen("Secretaría "),
		       "Secretaría General");
	office_matcher_free(m);
}

/* One misspelt word close to many words of one name (here 34 of "casXa"/"casaX" against
 * "casaa", each one edit away): the name counts that query word once, not once per close
 * word of its own, so a count never passes the query's words (it indexed a histogram of
 * SUGGEST_WORDS + 1 entries past its end: 34 lands in AddressSanitizer's red zone, where
 * more would write unseen over the stack). */
static void test_suggest_many_close_words(struct test_state *ts)
{
	struct office_matcher *m = office_matcher_new();
	char name[512] = "Grupo";
	for (char c = 'b'; c <= 'r'; c++) {
		size_t n = strlen(name);
		snprintf(name + n, sizeof(name) - n, " casa%c cas%ca", c, c);
	}
	CHECK(ts, office_matcher_add(m, name, 0));
	CHECK(ts, office_matcher_add(m, "Oficina Jurídica", 1));
	const char *near = office_suggest(m, "casaa");
	CHECK(ts, near != NULL && strcmp(near, name) == 0);
	near = office_suggest(m, "casaa grupo");
	CHECK(ts, near != NULL && strcmp(near, name) == 0);
	office_matcher_free(m);
}

TEST_MAIN(TEST(test_normalize), TEST(test_guess_real_offices), TEST(test_matcher_add), TEST(test_seed_cells),
	  TEST(test_split_unknown), TEST(test_split_reused), TEST(test_suggest), TEST(test_suggest_by_distance), TEST(test_split_prefers_coverage),
	  TEST(test_guess_split), TEST(test_hostile), TEST(test_words_fold), TEST(test_suggest_tie),
	  TEST(test_suggest_many_close_words))
