/* starter_guess.c - splitting a responsible cell into office names with no directory (`plazo
 * init`). */
#include "starter_guess.h"

#include <stdint.h>
#include <string.h>

#include "office_words.h"
#include "xalloc.h"

#define NONE SIZE_MAX

static bool in_list(const char *w, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(w, list[i]) == 0)
			return true;
	return false;
}

/* Words that name a team inside an organisation rather than the organisation itself. */
static bool is_team(const char *w)
{
	static const char *const team[] = {"equipo", "equipos", "grupo",    "grupos",
					   "enlace", "enlaces", "protocolo"};
	return in_list(w, team, sizeof(team) / sizeof(team[0]));
}

/* Words that start an office name. */
static bool is_head(const char *w)
{
	static const char *const head[] = {
		"secretaria",  "subsecretaria", "oficina",	"departamento",
		"direccion",   "subdireccion",	"gerencia",	"despacho",
		"unidad",      "area",		"coordinacion", "comite",
		"gobernacion", "alcaldia",	"jefatura",	"instituto"};
	return is_team(w) || in_list(w, head, sizeof(head) / sizeof(head[0]));
}

/* A run of two white-space characters, or a line break, between two words. */
static bool strong_gap(const char *s, size_t from, size_t to)
{
	int run = 0;
	for (size_t i = from; i < to; i++) {
		if (s[i] == '\n' || s[i] == '\r')
			return true;
		run = s[i] == ' ' || s[i] == '\t' ? run + 1 : 0;
		if (run >= 2)
			return true;
	}
	return false;
}

/* A hyphen, en dash or em dash between two words. */
static bool dash_gap(const char *s, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++) {
		if (s[i] == '-')
			return true;
		if (i + 2 < to && memcmp(s + i, "\xe2\x80", 2) == 0 &&
		    (s[i + 2] == '\x93' || s[i + 2] == '\x94'))
			return true;
	}
	return false;
}

/* A '/' or ';' between two words. */
static bool slash_gap(const char *s, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		if (s[i] == '/' || s[i] == ';')
			return true;
	return false;
}

struct guess {
	size_t first, last; /* token indices of the segment's first and last words */
	size_t words;
	bool team; /* the segment starts with a team word */
	bool absorbed; /* ... and already took in the organisation after it */
};

/* Whether the word at token i starts a new name after the segment g. */
static bool starts_name(const char *cell, const struct office_words *t, size_t i, struct guess *g)
{
	const char *w = office_words_at(t, i);
	size_t from = t->items[g->last].end, to = t->items[i].start;
	if (is_team(w) && dash_gap(cell, from, to))
		return false;
	if (strong_gap(cell, from, to) || slash_gap(cell, from, to))
		return true;
	if (i > 0 && t->items[i - 1].stop && strcmp(office_words_at(t, i - 1), "y") != 0 &&
	    strcmp(office_words_at(t, i - 1), "e") != 0)
		return false; /* "Comité ... de Coordinación de Control Interno" */
	if (is_team(w) && i > 0 && strcmp(office_words_at(t, i - 1), "sus") == 0)
		return false; /* "líderes de proceso y sus equipos de trabajo" */
	if (!is_head(w))
		return false;
	if (g->team && !g->absorbed && g->words <= 2 && !is_team(w)) {
		g->absorbed = true;
		return false;
	}
	return true;
}

static void push_name(char ***out, size_t *n_out, size_t *cap_out, char *name)
{
	*out = xgrow(*out, cap_out, *n_out + 1, sizeof(**out));
	(*out)[(*n_out)++] = name;
}

void starter_guess_split(const char *cell, char ***out, size_t *n_out, size_t *cap_out)
{
	struct office_words t;
	struct guess g = {.first = NONE};
	office_words_read(cell, &t);
	for (size_t i = 0; i < t.len; i++) {
		if (t.items[i].stop)
			continue;
		if (g.first != NONE && starts_name(cell, &t, i, &g)) {
			push_name(out, n_out, cap_out,
				  office_words_slice(cell, &t, g.first, g.last));
			g.first = NONE;
		}
		if (g.first == NONE)
			g = (struct guess){.first = i, .team = is_team(office_words_at(&t, i))};
		g.last = i;
		g.words++;
	}
	if (g.first != NONE)
		push_name(out, n_out, cap_out, office_words_slice(cell, &t, g.first, g.last));
	office_words_finish(&t);
}
