#include "starter.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "office.h"
#include "starter_guess.h"
#include "table.h"
#include "workbook.h"
#include "xalloc.h"

/* One spelling seen in the plan. */
struct sighting {
	char *key;  /* office_normalize of name */
	char *name; /* as written */
	unsigned line;
	unsigned pieces; /* how many names its cell was split into */
};

/* One inferred office: sightings[first .. first+count) share its key. */
struct inferred {
	size_t first;
	size_t count;
	unsigned first_line;
	bool group;
	char *id;
};

struct sightings {
	struct sighting *items;
	size_t len;
	size_t cap;
};

static void collect(const struct table *t, struct sightings *out)
{
	char **names = NULL;
	size_t n = 0, cap = 0;
	for (size_t r = 0; r < t->n_records; r++) {
		n = 0;
		starter_guess_split(t->records[r].field[TABLE_RESPONSIBLE], &names, &n, &cap);
		for (size_t i = 0; i < n; i++) {
			char *key = office_normalize(names[i]);
			if (*key == '\0') {
				free(key);
				free(names[i]);
				continue;
			}
			out->items = xgrow(out->items, &out->cap, out->len + 1, sizeof(*out->items));
			out->items[out->len++] =
				(struct sighting){key, names[i], t->records[r].line, (unsigned)n};
		}
	}
	free(names);
}

static int compare_sighting(const void *a, const void *b)
{
	const struct sighting *x = a, *y = b;
	int c = strcmp(x->key, y->key);
	if (c != 0)
		return c;
	return x->line < y->line ? -1 : x->line > y->line;
}

static int compare_inferred(const void *a, const void *b)
{
	const struct inferred *x = a, *y = b;
	return x->first_line < y->first_line ? -1 : x->first_line > y->first_line;
}

static bool is_group_key(const char *key)
{
	static const char *const everyone[] = {"cada dependencia", "todas dependencias",
					       "todos lideres proceso", "todas areas",
					       "todos procesos"};
	for (size_t i = 0; i < sizeof(everyone) / sizeof(everyone[0]); i++)
		if (strstr(key, everyone[i]) != NULL)
			return true;
	return false;
}

/* "equipo comunicaciones secretaria general" -> "equipo-comunicaciones-secretaria-general",
 * cut at a word boundary within 36 characters (a section name "office ID" must fit inih's
 * 50 bytes, suffix included), made unique with a suffix. */
static char *make_id(const char *key, const struct inferred *done, size_t n_done)
{
	size_t len = strlen(key);
	if (len > 36) {
		const char *cut = memrchr(key, ' ', 37);
		len = cut ? (size_t)(cut - key) : 36;
	}
	char *base = xstrndup(key, len);
	for (char *p = base; *p; p++)
		if (*p == ' ')
			*p = '-';
	char *id = xstrdup(base);
	for (unsigned k = 2;; k++) {
		bool taken = false;
		for (size_t i = 0; i < n_done && !taken; i++)
			taken = strcmp(done[i].id, id) == 0;
		if (!taken)
			break;
		free(id);
		id = xasprintf("%s-%u", base, k);
	}
	free(base);
	return id;
}

static size_t infer(struct sightings *s, struct inferred **out)
{
	if (s->len > 1)
		qsort(s->items, s->len, sizeof(*s->items), compare_sighting);
	struct inferred *v = xcalloc(s->len, sizeof(*v));
	size_t n = 0;
	for (size_t i = 0; i < s->len; i++) {
		if (n > 0 && strcmp(s->items[v[n - 1].first].key, s->items[i].key) == 0) {
			v[n - 1].count++;
			continue;
		}
		v[n] = (struct inferred){i, 1, s->items[i].line, is_group_key(s->items[i].key),
					 NULL};
		v[n].id = make_id(s->items[i].key, v, n);
		n++;
	}
	qsort(v, n, sizeof(*v), compare_inferred);
	*out = v;
	return n;
}

/* Lines where the office appears, then its distinct spellings. */
static void write_entry(struct strbuf *out, const struct sightings *s, const struct inferred *e)
{
	const struct sighting *first = &s->items[e->first];
	strbuf_printf(out, "\n# seen %zu time%s, first at line %u\n[%s %s]\nname = %s\n",
		      e->count, e->count == 1 ? "" : "s", first->line,
		      e->group ? "group" : "office", e->id, first->name);
	for (size_t i = 1; i < e->count; i++) {
		const char *name = s->items[e->first + i].name;
		bool seen = false;
		for (size_t k = 0; k < i && !seen; k++)
			seen = strcmp(s->items[e->first + k].name, name) == 0;
		if (!seen)
			strbuf_printf(out, "alias = %s\n", name);
	}
	for (size_t i = 0; i < e->count; i++) {
		const struct sighting *x = &s->items[e->first + i];
		if (x->pieces > 1) {
			strbuf_printf(out, "# unsure: cut from a cell naming %u offices at line %u; "
					   "check the cut\n", x->pieces, x->line);
			break;
		}
	}
	if (e->group)
		strbuf_puts(out, "# every office; or list office ids\nmembers = *\n");
	else
		strbuf_puts(out, "email =\n");
}

/* The responsible cells of every plan table of the file (every plan sheet of a workbook). */
static size_t collect_parts(const struct workbook_parts *w, struct sightings *s)
{
	size_t used = 0;
	for (size_t i = 0; i < w->len; i++) {
		const struct table *t = &w->items[i].table;
		if (t->header_line == 0 || !t->has_field[TABLE_RESPONSIBLE])
			continue;
		collect(t, s);
		used++;
	}
	return used;
}

int starter_config(const char *plan_path, struct strbuf *out, struct diag_list *diags,
		   struct pz_error *err)
{
	struct workbook_parts w = {0};
	int rc = workbook_table_load_parts(plan_path, TABLE_DEFAULT_MAX_SIZE, NULL, 0, &w, diags,
					   err);
	struct sightings s = {NULL, 0, 0};
	size_t used = rc < 0 ? 0 : collect_parts(&w, &s);
	workbook_parts_finish(&w);
	if (rc < 0)
		return -1;
	if (used == 0)
		return PZ_FAIL(err, PZ_EDATA, plan_path,
			       "%s: no plan table with a responsible column was found (see the "
			       "diagnostics above); nothing to start a configuration from",
			       plan_path);
	struct inferred *v;
	size_t n = infer(&s, &v);
	/* the config resolves relative paths against its own folder, wherever it is saved */
	char *abs = realpath(plan_path, NULL);
	strbuf_printf(out,
		      "# plazo configuration started by `plazo init` from %s.\n"
		      "# The offices below were inferred from the responsible cells: merge the\n"
		      "# ones that are the same office (move a name to `alias =`), fill in every\n"
		      "# `email =`, then run `plazo -c THIS_FILE check`.\n"
		      "\n[plan]\nfile = %s\ntimezone = America/Bogota\n",
		      plan_path, abs ? abs : plan_path);
	free(abs);
	for (size_t i = 0; i < n; i++)
		write_entry(out, &s, &v[i]);
	for (size_t i = 0; i < n; i++)
		free(v[i].id);
	free(v);
	for (size_t i = 0; i < s.len; i++) {
		free(s.items[i].key);
		free(s.items[i].name);
	}
	free(s.items);
	return 0;
}
