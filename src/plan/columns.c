/* columns.c - header cells by meaning: folded words, then rules over the head word. */
#include "columns.h"

#include <stdint.h>
#include <string.h>

#include "table.h"
#include "text.h"

enum { WORDS_MAX = 8, WORD_MAX = 32 };

static const char *const stop_words[] = {"de", "la", "del", "y",   "el",   "los", "las",
					 "o",  "a",  "en",  "por", "para", "su",  "sus", "e", "u"};

static bool in(const char *w, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(w, *list) == 0)
			return true;
	return false;
}

static bool is_stop(const char *w)
{
	for (size_t i = 0; i < sizeof(stop_words) / sizeof(stop_words[0]); i++)
		if (strcmp(w, stop_words[i]) == 0)
			return true;
	return false;
}

/* Appends the word in w[0..n) to key unless it is a stop word; false when it does not fit. */
static bool put_word(char *key, size_t *k, size_t *words, const char *w, size_t n)
{
	char word[WORD_MAX + 1];
	if (n == 0)
		return true;
	if (n > WORD_MAX)
		return false;
	memcpy(word, w, n);
	word[n] = '\0';
	if (is_stop(word))
		return true;
	if (++*words > WORDS_MAX || *k + n + 2 > COLUMN_KEY_MAX)
		return false;
	if (*k > 0)
		key[(*k)++] = ' ';
	memcpy(key + *k, word, n + 1);
	*k += n;
	return true;
}

bool columns_fold(const char *s, size_t len, char key[static COLUMN_KEY_MAX])
{
	char word[WORD_MAX + TEXT_FOLD_MAX];
	size_t k = 0, words = 0, w = 0;
	key[0] = '\0';
	for (size_t i = 0; i < len;) {
		uint32_t cp = 0;
		size_t n = text_utf8_next((const unsigned char *)s + i, len - i, &cp);
		i += n ? n : 1;
		char f[TEXT_FOLD_MAX];
		bool symbol = n && (cp == '#' || cp == '%');
		int m = symbol ? 0 : n ? text_fold_char(cp, 0, f) : 0;
		if (m < 0)
			continue;
		if (m > 0 && w + (size_t)m <= WORD_MAX) {
			memcpy(word + w, f, (size_t)m);
			w += (size_t)m;
			continue;
		}
		if (m > 0 || !put_word(key, &k, &words, word, w))
			return false; /* a word too long for a column name */
		w = 0;
		char sym[1] = {(char)cp};
		if (symbol && !put_word(key, &k, &words, sym, 1))
			return false;
	}
	return put_word(key, &k, &words, word, w) && k > 0;
}

/* The words of key, split in place into a copy. */
struct words {
	char buf[COLUMN_KEY_MAX];
	const char *w[WORDS_MAX];
	size_t n;
};

static void split(const char *key, struct words *ws)
{
	strcpy(ws->buf, key);
	ws->n = 0;
	char *at = NULL; /* strtok_r: the loader reads a table's halves on two threads */
	for (char *p = strtok_r(ws->buf, " ", &at); p && ws->n < WORDS_MAX;
	     p = strtok_r(NULL, " ", &at))
		ws->w[ws->n++] = p;
}

static bool any(const struct words *ws, const char *const *list)
{
	for (size_t i = 0; i < ws->n; i++)
		if (in(ws->w[i], list))
			return true;
	return false;
}

static const char *const followup[] = {
	"avance",      "avances",	"seguimiento", "observacion", "observaciones", "evidencia",
	"evidencias",  "cuatrimestre", "porcentaje",  "%",	      "monitoreo",     "verificacion",
	"soporte",     "soportes",	"estado",      "calificacion", "recomendacion", "recomendaciones",
	"hallazgo",    "hallazgos",	"oci",	       "alerta",      "alertas",	"ejecutado",
	"ejecutada",   "real",		"reportado",   "comentarios", "comentario",	"analisis",
	NULL};
static const char *const date_heads[] = {"fecha",	 "fechas",	"plazo", "plazos",
					 "cronograma", "vencimiento", NULL};
static const char *const start_words[] = {"inicio", "inicial", "comienzo", "desde",
					  "apertura", "iniciacion", NULL};
static const char *const end_words[] = {"fin",	   "final", "finalizacion", "terminacion",
					"hasta",   "cierre", "limite",	     "entrega",
					"maxima", "programada", NULL};
static const char *const ref_heads[] = {"#",  "n",   "no",   "nro",	    "num",	   "numero",
					"item", "codigo", "cod", "consecutivo", "id", "ref",
					"referencia", NULL};
static const char *const sub_heads[] = {"componente", "componentes", "subcomponente",
					"subcomponentes", "estrategia", "estrategias",
					"objetivo", "objetivos", "eje", "linea", NULL};
static const char *const goal_heads[] = {"meta",	 "metas",	 "producto",
					 "productos",	 "entregable",	 "entregables",
					 "indicador",	 "indicadores", "resultado",
					 "resultados", NULL};
static const char *const activity_heads[] = {"actividad", "actividades", "accion", "acciones",
					     "tarea",     "tareas",	 NULL};
static const char *const responsible_words[] = {
	"responsable", "responsables", "ejecutor",  "ejecutora", "ejecutores", "lider",
	"lideres",     "encargado",    "encargados", "encargada", "dependencia", "dependencias",
	NULL};
static const char *const execution[] = {"ejecucion", NULL};

static int classify_dates(const struct words *ws)
{
	const char *head = ws->w[0];
	if (in(head, date_heads))
		return any(ws, start_words) ? TABLE_START : TABLE_DATE;
	if (ws->n <= 2 && in(head, start_words))
		return TABLE_START;
	if (ws->n <= 2 && in(head, end_words))
		return TABLE_DATE;
	if (ws->n == 2 && (strcmp(head, "periodo") == 0 || strcmp(head, "tiempo") == 0) &&
	    any(ws, execution))
		return TABLE_DATE;
	return COLUMN_NONE;
}

int columns_classify(const char *key)
{
	struct words ws;
	split(key, &ws);
	if (ws.n == 0)
		return COLUMN_NONE;
	bool dated = in(ws.w[0], date_heads);
	if (any(&ws, followup) || (!dated && strstr(key, "cumplimiento") != NULL))
		return COLUMN_IGNORED;
	int role = classify_dates(&ws);
	if (role != COLUMN_NONE)
		return role;
	if (in(ws.w[0], ref_heads))
		return TABLE_NUMBER;
	if (in(ws.w[0], sub_heads))
		return TABLE_SUBCOMPONENT;
	if (in(ws.w[0], goal_heads))
		return TABLE_GOAL;
	if (in(ws.w[0], activity_heads))
		return TABLE_ACTIVITY;
	if (any(&ws, responsible_words))
		return TABLE_RESPONSIBLE;
	if (any(&ws, activity_heads) || (ws.n == 1 && strcmp(ws.w[0], "descripcion") == 0))
		return TABLE_ACTIVITY;
	if (any(&ws, goal_heads))
		return TABLE_GOAL;
	return COLUMN_NONE;
}

int columns_under(int parent, const char *sub_key)
{
	int sub = *sub_key ? columns_classify(sub_key) : COLUMN_NONE;
	if (parent == COLUMN_IGNORED || sub == COLUMN_IGNORED)
		return COLUMN_IGNORED;
	if (parent == TABLE_DATE || parent == TABLE_START) {
		if (sub == TABLE_START || sub == TABLE_DATE)
			return sub;
		return *sub_key ? COLUMN_NONE : parent;
	}
	if (parent == TABLE_ACTIVITY && (sub == TABLE_NUMBER || sub == TABLE_ACTIVITY))
		return sub;
	if (sub != COLUMN_NONE)
		return sub;
	return parent;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Skips a label word before a ref ("Actividad", "Act.", "No.", "N°", "#"); false when the
 * word at *p is not one. */
static bool skip_label(const char **p)
{
	static const char *const labels[] = {"actividad", "act", "accion", "no", "n",
					     "nro",	  "numero", "item", "tarea", NULL};
	const char *s = *p;
	if (*s == '#') {
		*p = s + 1;
		return true;
	}
	size_t n = 0;
	while (s[n] && s[n] != ' ' && s[n] != '.' && !is_digit(s[n]) && n < 24)
		n++;
	char key[COLUMN_KEY_MAX];
	if (n == 0 || !columns_fold(s, n, key) || !in(key, labels))
		return false;
	*p = s + n;
	return true;
}

bool columns_ref(const char *s, const char **ref, size_t *ref_len, const char **rest,
		 bool *marked)
{
	const char *p = s + strspn(s, " \t");
	bool label = !is_digit(*p) && skip_label(&p);
	while (label && (*p == ' ' || *p == '.' || *p == ':'))
		p++; /* "No. 3", "Actividad: 2.3" */
	const char *start = p, *end = p;
	unsigned parts = 0;
	while (is_digit(*p) && parts < 6) {
		size_t d = strspn(p, "0123456789");
		if (d > 3)
			return false; /* a year or an amount: not an activity number */
		p += d;
		end = p;
		parts++;
		if (*p != '.' || !is_digit(p[1]))
			break;
		p++;
	}
	if (parts == 0)
		return false;
	bool punct = *p == '.' || *p == ')' || *p == ':' || *p == '-';
	p += punct;
	p += strspn(p, " \t");
	if (!punct && *p == '-')
		p += 1 + strspn(p + 1, " \t"), punct = true;
	*ref = start;
	*ref_len = (size_t)(end - start);
	*rest = p;
	*marked = label || punct || parts > 1;
	return true;
}
