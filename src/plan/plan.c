#include "plan.h"

#include <ctype.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cell_cache.h"
#include "columns.h"
#include "doubt.h"
#include "office.h"
#include "workbook.h"
#include "strbuf.h"
#include "twin.h"
#include "xalloc.h"

/* The last cell written in a column, which an empty cell below it continues. */
struct carried {
	const char *text;
	unsigned line;
};

/* The cache keys of a row's cells, made KEYS_AHEAD rows before the row is read so that
 * their slots come meanwhile (cell_cache_prefetch); the reading takes the key made, so a
 * cell is hashed once. A ring of KEY_RING rows. */
enum key_cell { KEY_RESPONSIBLE, KEY_DATE, KEY_START, KEY_CELLS };
enum { KEYS_AHEAD = 4, KEY_RING = 8 };
static const enum table_field key_field[KEY_CELLS] = {TABLE_RESPONSIBLE, TABLE_DATE,
						      TABLE_START};

/* What carries from one row to the next: merged subcomponent cells, merged cells inside a
 * subcomponent (filled-down), and the activities' refs until the pool stops moving. */
struct row_state {
	unsigned subcomponent;
	const char *title;
	struct carried carry[TABLE_NFIELDS];
	struct date_cell dates;
	struct date_cell starts;
	struct office_pieces pieces;
	struct strbuf refs;
	uint32_t *ref_at; /* per activity: offset in refs, or UINT32_MAX */
	size_t cap_ref_at;
	struct date_context ctx; /* the file's date order and years */
	struct cell_cache offices; /* responsible cell -> office indices (cell_cache.h) */
	struct cell_cache date_cells; /* date cell -> struct date_item */
	size_t row; /* the index of the record being read */
	struct cell_key ahead[KEY_RING][KEY_CELLS]; /* record n's at n % KEY_RING; text NULL: none */
};

/* Distinct cells kept per table and kind; when full, a cache starts afresh. An entity's
 * offices repeat within its rows; dates repeat across the plan, and are fewer. The date
 * cache at 2^17 cells held ~7 MB more at the peak of a 1M-milestone load for no measured
 * gain (bench/README.md, h-rows). */
enum { OFFICE_CELLS_MAX = 1 << 16, DATE_CELLS_MAX = 1 << 16 };
/* Every so many rows, the memory of the records read is given back while the plan grows. */
enum { RECORDS_RELEASED = 1 << 12 };

void plan_init(struct plan *p)
{
	memset(p, 0, sizeof(*p));
	table_init(&p->table);
}

void plan_finish(struct plan *p)
{
	if (p == NULL)
		return;
	table_finish(&p->table);
	for (size_t i = 0; i < p->n_parts; i++) {
		free(p->parts[i].source);
		free(p->parts[i].where);
		table_finish(&p->parts[i].table);
		free(p->parts[i].refs);
		free(p->parts[i].keys);
	}
	free(p->parts);
	free(p->source);
	free(p->activities);
	free(p->milestones);
	free(p->office_refs);
	free(p->refs);
	free(p->keys);
	free(p->by_key);
	free(p->doubts);
	plan_init(p);
}

static void add_name(struct office_matcher *m, const struct config *cfg, const char *name,
		     size_t target, const char *kind, const char *id, unsigned line,
		     struct diag_list *diags)
{
	if (!office_matcher_add(m, name, target))
		diag_add(diags, DIAG_ERROR, "config-name-clash", cfg->path, line, 0,
			 "[%s %s]: the name '%s' already names another office or group", kind,
			 id, name);
}

/* What plans write for "every office", read as the first group of every office
 * (members = *) when the config has one. */
static const char *const everyone[] = {
	"Todas las dependencias", "Todas las áreas",  "Todas las oficinas",
	"Todos los procesos",     "Todos los líderes de proceso",
	"Todos los líderes de los procesos", "Líderes de proceso", "Cada dependencia",
	"Todas las dependencias de la entidad",
};

static void add_everyone(struct office_matcher *m, const struct config *cfg)
{
	for (size_t g = 0; g < cfg->n_groups; g++) {
		const struct config_list *mem = &cfg->groups[g].members;
		if (mem->len != 1 || strcmp(mem->items[0], "*") != 0)
			continue;
		for (size_t i = 0; i < sizeof(everyone) / sizeof(everyone[0]); i++)
			office_matcher_add(m, everyone[i], cfg->n_offices + g); /* a name the
				config already gave keeps its own target */
		return;
	}
}

/* Targets 0..n_offices-1 are offices; n_offices + g is group g. */
static struct office_matcher *build_matcher(const struct config *cfg, struct diag_list *diags)
{
	struct office_matcher *m = office_matcher_new();
	for (size_t i = 0; i < cfg->n_offices; i++) {
		const struct config_office *o = &cfg->offices[i];
		if (o->name)
			add_name(m, cfg, o->name, i, "office", o->id, o->line, diags);
		for (size_t a = 0; a < o->aliases.len; a++)
			add_name(m, cfg, o->aliases.items[a], i, "office", o->id, o->line, diags);
	}
	for (size_t g = 0; g < cfg->n_groups; g++) {
		const struct config_group *gr = &cfg->groups[g];
		size_t target = cfg->n_offices + g;
		if (gr->name)
			add_name(m, cfg, gr->name, target, "group", gr->id, gr->line, diags);
		for (size_t a = 0; a < gr->aliases.len; a++)
			add_name(m, cfg, gr->aliases.items[a], target, "group", gr->id, gr->line,
				 diags);
	}
	add_everyone(m, cfg);
	return m;
}

/* Skips "Subcomponente", "Componente", "Subcomponente/proceso" at the start of p. */
static const char *skip_component_word(const char *p)
{
	static const char *const words[] = {"subcomponente", "componente"};
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		size_t n = strlen(words[i]);
		if (strncasecmp(p, words[i], n) != 0)
			continue;
		p += n;
		if (strncasecmp(p, "/proceso", 8) == 0 || strncasecmp(p, " proceso", 8) == 0)
			p += 8;
		return p + strspn(p, " \t:.-");
	}
	return NULL;
}

/* "Subcomponente 3 Responsabilidad", "Subcomponente/proceso 2 Diálogo", "Componente 3:
 * Rendición", "2. Diálogo" -> the number and the title; other text keeps its place in order
 * (previous + 1) and stays whole as the title. */
static void read_subcomponent(const char *cell, struct row_state *st)
{
	const char *p = skip_component_word(cell);
	bool worded = p != NULL;
	p = worded ? p : cell;
	if (isdigit((unsigned char)*p)) {
		char *end;
		unsigned long n = strtoul(p, &end, 10);
		bool closed = *end == '.' || *end == ')' || *end == ':' || *end == '-' || *end == ' ';
		if (n > 0 && n < 1000 && (worded || (closed && end - p <= 2))) {
			st->subcomponent = (unsigned)n;
			st->title = end + strspn(end, " \t:.-)");
			return;
		}
	}
	st->subcomponent++;
	st->title = cell;
}

/* The ref of the row: its number cell ("1.1", "Actividad 2.3"), else a number at the start
 * of the activity text ("1.1 Publicar", "2. Publicar"), which is then cut from the text. A
 * plain integer in the number cell is the activity's number, as before refs existed. */
static unsigned read_ref(const struct plan *p, const struct table_record *r, struct activity *a,
			 struct row_state *st, struct diag_list *diags)
{
	const char *s = r->field[TABLE_NUMBER], *ref = NULL, *rest;
	size_t len = 0;
	bool marked;
	unsigned col = r->column[TABLE_NUMBER];
	size_t digits = strspn(s, "0123456789");
	if (digits > 0 && digits <= 6 && s[digits] == '\0') {
		ref = s, len = digits; /* a plain number cell, any size a plan has (1234) */
	} else if (*s != '\0' && !(columns_ref(s, &ref, &len, &rest, &marked) && *rest == '\0')) {
		diag_add(diags, DIAG_WARNING, "bad-number", p->source, r->line, col,
			 "'%s' is not an activity number", s);
		return 0;
	}
	if (*s == '\0' && columns_ref(a->text, &ref, &len, &rest, &marked) && marked &&
	    (unsigned char)*rest >= 'A') {
		a->text = rest;
	} else if (*s == '\0') {
		if (p->table.has_field[TABLE_NUMBER])
			diag_add(diags, DIAG_WARNING, "missing-number", p->source, r->line, col,
				 "activity has no number");
		return 0;
	}
	if (st->refs.len + len + 1 >= UINT32_MAX)
		return 0; /* refs past 4 GB (never in a real plan): the line key */
	st->ref_at[p->n_activities - 1] = (uint32_t)st->refs.len;
	strbuf_append(&st->refs, ref, len);
	strbuf_putc(&st->refs, '\0');
	if (memchr(ref, '.', len) != NULL || *s == '\0')
		return 0; /* a ref from the text keeps the line key it had (plan_activity_key) */
	unsigned long n = strtoul(ref, NULL, 10);
	return n > 0 && n <= 999999 ? (unsigned)n : 0;
}

static void push_office(struct plan *p, size_t office)
{
	p->office_refs = xgrow(p->office_refs, &p->cap_office_refs, p->n_office_refs + 1,
			       sizeof(*p->office_refs));
	p->office_refs[p->n_office_refs++] = office;
}

static int compare_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	return x < y ? -1 : x > y;
}

/* Sorts the activity's offices and drops repeats. */
static void unique_offices(struct plan *p, struct activity *a)
{
	if (a->office_count < 2)
		return;
	size_t *refs = p->office_refs + a->office_first;
	qsort(refs, a->office_count, sizeof(*refs), compare_size);
	size_t n = 0;
	for (size_t i = 0; i < a->office_count; i++)
		if (n == 0 || refs[n - 1] != refs[i])
			refs[n++] = refs[i];
	a->office_count = n;
	p->n_office_refs = a->office_first + n;
}

static struct cell_cache *key_cache(struct row_state *st, enum key_cell k)
{
	return k == KEY_RESPONSIBLE ? &st->offices : &st->date_cells;
}

/* Record n's keys into the ring, their slots asked for. */
static void keys_ahead(struct row_state *st, const struct table_record *r, size_t n)
{
	struct cell_key *keys = st->ahead[n % KEY_RING];
	for (int k = 0; k < KEY_CELLS; k++) {
		const char *text = r->field[key_field[k]];
		keys[k].text = NULL;
		if (*text == '\0')
			continue;
		keys[k] = cell_cache_key(text, r->column[key_field[k]]);
		cell_cache_prefetch(key_cache(st, (enum key_cell)k), &keys[k]);
	}
}

/* The key of text in column for the row being read: the one made ahead when text is that
 * row's own cell (not one filled down from above it), else made now. */
static struct cell_key row_key(const struct row_state *st, enum key_cell k, const char *text,
			       unsigned column)
{
	const struct cell_key *ahead = &st->ahead[st->row % KEY_RING][k];
	if (ahead->text == text && ahead->column == column)
		return *ahead;
	return cell_cache_key(text, column);
}

/* Splits the responsible cell into offices (groups expanded, sorted, unique). */
static void split_offices(struct plan *p, const struct config *cfg,
			  const struct office_matcher *m, const struct table_record *r,
			  struct activity *a, struct row_state *st, struct diag_list *diags)
{
	unsigned col = r->column[TABLE_RESPONSIBLE];
	office_pieces_clear(&st->pieces);
	office_split(m, a->responsible_text, &st->pieces);
	for (size_t i = 0; i < st->pieces.len; i++) {
		const struct office_piece *piece = &st->pieces.items[i];
		if (!piece->matched) {
			const char *near = office_suggest(m, piece->text);
			diag_add(diags, DIAG_ERROR, "unknown-office", p->source, r->line, col,
				 "'%s' is not in the office directory%s%s%s", piece->text,
				 near ? "; did you mean '" : "", near ? near : "",
				 near ? "'?" : "");
		} else if (piece->target < cfg->n_offices) {
			push_office(p, piece->target);
		} else {
			const struct config_group *g = &cfg->groups[piece->target - cfg->n_offices];
			for (size_t k = 0; k < g->n_members; k++)
				push_office(p, g->member_index[k]);
		}
	}
	a->office_count = p->n_office_refs - a->office_first;
	unique_offices(p, a);
}

/* The activity's offices: a responsible cell already read gives the same offices and
 * diagnostics (at this row's line) without being split again. */
static void read_offices(struct plan *p, const struct config *cfg,
			 const struct office_matcher *m, const struct table_record *r,
			 struct activity *a, struct row_state *st, struct diag_list *diags)
{
	unsigned col = r->column[TABLE_RESPONSIBLE];
	const char *text = a->responsible_text;
	a->office_first = p->n_office_refs;
	if (*text == '\0') {
		diag_add(diags, DIAG_ERROR, "no-office", p->source, r->line, col,
			 "activity %u names no responsible office", a->number);
		return;
	}
	if (p->n_office_refs >= UINT32_MAX / 2) { /* one cell adds far fewer */
		diag_add(diags, DIAG_ERROR, "no-office", p->source, r->line, col,
			 "the plan names offices 2,147,483,647 times before this row: its offices "
			 "were not read");
		return;
	}
	struct cell_key key = row_key(st, KEY_RESPONSIBLE, text, col);
	const struct cell_entry *e = cell_cache_find(&st->offices, &key);
	if (e == NULL) {
		size_t first = diags->len;
		split_offices(p, cfg, m, r, a, st, diags);
		cell_cache_put(&st->offices, &key, NULL, a->office_first, a->office_count, diags,
			       first); /* a span of p->office_refs */
		return;
	}
	p->office_refs = xgrow(p->office_refs, &p->cap_office_refs,
			       p->n_office_refs + e->value_count + 1, sizeof(*p->office_refs));
	memcpy(p->office_refs + p->n_office_refs, p->office_refs + e->value_first,
	       e->value_count * sizeof(*p->office_refs));
	p->n_office_refs += e->value_count;
	a->office_count = e->value_count;
	cell_cache_replay(&st->offices, e, p->source, r->line, diags);
}

/* date_parse_cell_in into cell (emptied first), once per distinct text and column: the
 * reading depends on nothing else within a table (the context is the file's). */
static void read_date_cell(struct row_state *st, enum key_cell k, const char *text,
			   const struct date_where *w, struct date_cell *cell, struct diag_list *diags)
{
	struct cell_key key = row_key(st, k, text, w->column);
	const struct cell_entry *e = cell_cache_find(&st->date_cells, &key);
	cell->len = 0;
	if (e == NULL) {
		size_t first = diags->len;
		date_parse_cell_in(text, &st->ctx, w, cell, diags);
		cell_cache_put(&st->date_cells, &key, cell->items, 0, cell->len, diags, first);
		return;
	}
	cell->items = xgrow(cell->items, &cell->cap, e->value_count + 1, sizeof(*cell->items));
	memcpy(cell->items, cell_cache_values(&st->date_cells, e),
	       e->value_count * sizeof(*cell->items));
	cell->len = e->value_count;
	cell_cache_replay(&st->date_cells, e, w->path, w->line, diags);
}

/* The first date of the start cell, when it has one. */
static bool read_start(struct plan *p, const struct table_record *r, const char *text,
		       struct row_state *st, struct date *out, struct diag_list *diags)
{
	struct date_where where = {p->source, r->line, r->column[TABLE_START]};
	if (*text == '\0')
		return false;
	read_date_cell(st, KEY_START, text, &where, &st->starts, diags);
	if (st->starts.len == 0)
		return false;
	const struct date_item *it = &st->starts.items[0];
	*out = it->has_start ? it->start : it->due;
	return true;
}

/* A start column's date goes to the due dates that have no start of their own. */
static void apply_start(struct plan *p, const struct table_record *r, struct date start,
			struct date_item *it, struct diag_list *diags)
{
	if (it->has_start)
		return;
	if (date_compare(start, it->due) > 0) {
		char a[11], b[11];
		date_format_iso(start, a);
		date_format_iso(it->due, b);
		diag_add(diags, DIAG_WARNING, "start-after-due", p->source, r->line,
			 r->column[TABLE_START],
			 "the start %s is after the due date %s; the start was ignored", a, b);
		return;
	}
	it->has_start = true;
	it->start = start;
}

static void read_dates(struct plan *p, const struct table_record *r, struct activity *a,
		       const char *due, const char *start_text, struct row_state *st,
		       struct diag_list *diags)
{
	struct date_where where = {p->source, r->line, r->column[TABLE_DATE]};
	struct date start;
	read_date_cell(st, KEY_DATE, due, &where, &st->dates, diags);
	bool has_start = read_start(p, r, start_text, st, &start, diags);
	if (p->n_milestones + st->dates.len >= UINT32_MAX) {
		diag_add(diags, DIAG_ERROR, "no-date", p->source, r->line, where.column,
			 "the plan has 4,294,967,295 milestones before this row: its dates were "
			 "not read");
		st->dates.len = 0;
	}
	a->milestone_first = p->n_milestones;
	a->milestone_count = st->dates.len;
	p->milestones = xgrow(p->milestones, &p->cap_milestones,
			      p->n_milestones + st->dates.len, sizeof(*p->milestones));
	for (size_t i = 0; i < st->dates.len; i++) {
		struct date_item *it = &st->dates.items[i];
		if (has_start)
			apply_start(p, r, start, it, diags);
		p->milestones[p->n_milestones++] = (struct milestone){
			.has_start = it->has_start, .start = it->start, .due = it->due};
	}
}

static bool only_subcomponent(const struct table_record *r)
{
	for (int f = 0; f < TABLE_NFIELDS; f++)
		if (f != TABLE_SUBCOMPONENT && r->field[f][0] != '\0')
			return false;
	return true;
}

/* An empty cell inside a subcomponent continues the last one written above it (a merged
 * cell, as spreadsheets export it: the value on its first row only). A TSV cannot tell a
 * merge from a forgotten cell, so it is a warning. */
static const char *filled_down(const struct plan *p, const struct table_record *r,
			       enum table_field f, struct row_state *st, struct diag_list *diags)
{
	struct carried *c = &st->carry[f];
	const char *s = r->field[f];
	if (*s != '\0') {
		c->text = s;
		c->line = r->line;
		return s;
	}
	if (c->text == NULL || !p->table.has_field[f])
		return s;
	diag_add(diags, DIAG_WARNING, "filled-down", p->source, r->line, r->column[f],
		 "empty %s cell read as the one at line %u above it (a merged cell?); write it "
		 "in this row if it is not the same", table_role_name(f), c->line);
	return c->text;
}

static void new_activity(struct plan *p, struct row_state *st)
{
	p->activities = xgrow(p->activities, &p->cap_activities, p->n_activities + 1,
			      sizeof(*p->activities));
	st->ref_at = xgrow(st->ref_at, &st->cap_ref_at, p->n_activities + 1, sizeof(*st->ref_at));
	st->ref_at[p->n_activities++] = UINT32_MAX;
}

static void add_row(struct plan *p, const struct config *cfg, const struct office_matcher *m,
		    const struct table_record *r, struct row_state *st, struct diag_list *diags)
{
	if (r->field[TABLE_SUBCOMPONENT][0] != '\0') {
		read_subcomponent(r->field[TABLE_SUBCOMPONENT], st);
		memset(st->carry, 0, sizeof(st->carry)); /* never across a new subcomponent */
	}
	if (only_subcomponent(r))
		return;
	new_activity(p, st);
	struct activity *a = &p->activities[p->n_activities - 1];
	*a = (struct activity){
		.line = r->line,
		.ref = "",
		.subcomponent = st->subcomponent,
		.subcomponent_title = st->title,
		.text = r->field[TABLE_ACTIVITY],
		.goal = filled_down(p, r, TABLE_GOAL, st, diags),
		.responsible_text = filled_down(p, r, TABLE_RESPONSIBLE, st, diags),
	};
	a->number = read_ref(p, r, a, st, diags);
	if (*a->text == '\0' && p->table.has_field[TABLE_ACTIVITY])
		diag_add(diags, DIAG_WARNING, "empty-activity", p->source, r->line,
			 r->column[TABLE_ACTIVITY], "row has no activity text");
	read_offices(p, cfg, m, r, a, st, diags);
	bool due_empty = r->field[TABLE_DATE][0] == '\0';
	const char *due = filled_down(p, r, TABLE_DATE, st, diags);
	const char *start = r->field[TABLE_START];
	if (due_empty && *start == '\0')
		start = filled_down(p, r, TABLE_START, st, diags);
	else if (*start != '\0')
		filled_down(p, r, TABLE_START, st, diags);
	read_dates(p, r, a, due, start, st, diags);
}

enum { YEAR_BASE = 1900, YEAR_SLOTS = 300 };

/* The plan's span: from the first to the last year holding at least a tenth of the dates,
 * plus the following year (plans close with reports due early the next year). */
static void find_span(struct plan *p)
{
	size_t *count = xcalloc(YEAR_SLOTS, sizeof(*count));
	size_t total = 0;
	for (size_t i = 0; i < p->n_milestones; i++) {
		int y = p->milestones[i].due.year - YEAR_BASE;
		if (y >= 0 && y < YEAR_SLOTS) {
			count[y]++;
			total++;
		}
	}
	p->year_first = p->year_last = 0;
	for (int y = 0; y < YEAR_SLOTS && total > 0; y++) {
		if (count[y] * 10 < total)
			continue;
		if (p->year_first == 0)
			p->year_first = YEAR_BASE + y;
		p->year_last = YEAR_BASE + y + 1;
	}
	free(count);
}

static bool in_span(const struct plan *p, struct date d)
{
	return d.year >= p->year_first && d.year <= p->year_last;
}

static void append_outside(struct strbuf *list, const struct plan *p, struct date d)
{
	if (in_span(p, d))
		return;
	char iso[11];
	date_format_iso(d, iso);
	strbuf_printf(list, "%s%s", list->len ? ", " : "", iso);
}

static void check_years(struct plan *p, struct diag_list *diags)
{
	find_span(p);
	if (p->year_first == 0)
		return;
	struct strbuf list;
	strbuf_init(&list);
	for (size_t i = 0; i < p->n_activities; i++) {
		const struct activity *a = &p->activities[i];
		strbuf_reset(&list);
		for (size_t k = 0; k < a->milestone_count; k++) {
			const struct milestone *m = &p->milestones[a->milestone_first + k];
			if (m->has_start)
				append_outside(&list, p, m->start);
			append_outside(&list, p, m->due);
		}
		if (list.len > 0)
			diag_add(diags, DIAG_WARNING, "outside-plan-year", p->source, a->line,
				 0,
				 "%s outside the plan's years %d-%d", list.data, p->year_first,
				 p->year_last);
	}
	strbuf_finish(&list);
}

struct numbered {
	unsigned number;
	unsigned line;
	size_t index;
};

static int compare_numbered(const void *a, const void *b, void *ctx)
{
	const struct numbered *x = a, *y = b;
	if (x->number != y->number)
		return x->number < y->number ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

/* Whether the activities' numbers (0: none) rise strictly in their order, as a plan's "#"
 * column counts: then no two are the same. */
static bool numbers_rise(const struct plan *p)
{
	unsigned last = 0;
	for (size_t i = 0; i < p->n_activities; i++) {
		unsigned k = p->activities[i].number;
		if (k != 0 && k <= last)
			return false;
		last = k != 0 ? k : last;
	}
	return true;
}

static void check_numbers(struct plan *p, struct diag_list *diags)
{
	if (numbers_rise(p))
		return; /* at 1M rows, no array of 17 MB to sort */
	struct numbered *v = xcalloc(p->n_activities, sizeof(*v));
	size_t n = 0;
	for (size_t i = 0; i < p->n_activities; i++)
		if (p->activities[i].number != 0)
			v[n++] = (struct numbered){p->activities[i].number, p->activities[i].line, i};
	twin_sort(v, n, sizeof(*v), compare_numbered, NULL);
	for (size_t i = 1; i < n; i++) {
		if (v[i].number != v[i - 1].number)
			continue;
		diag_add(diags, DIAG_WARNING, "duplicate-number", p->source, v[i].line, 0,
			 "activity number %u is also used at line %u; both are known by their "
			 "line", v[i].number, v[i - 1].line);
		p->activities[v[i].index].number_shared = true;
		p->activities[v[i - 1].index].number_shared = true;
	}
	free(v);
}

/* The refs' pool stops moving once every row is read: point the activities into it. */
static void keep_refs(struct plan *p, struct row_state *st)
{
	p->refs = st->refs.len ? strbuf_steal(&st->refs) : NULL;
	for (size_t i = 0; i < p->n_activities; i++)
		if (st->ref_at[i] != UINT32_MAX)
			p->activities[i].ref = p->refs + st->ref_at[i];
	free(st->ref_at);
}

/* Activities with the same ref by (subcomponent, line): rows that share a ref, then a
 * component, come together. */
static int compare_same_ref(const struct activity *x, const struct activity *y)
{
	if (x->subcomponent != y->subcomponent)
		return x->subcomponent < y->subcomponent ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

/* An activity index with the first 8 bytes of its sort text (big-endian, NULs after the
 * text's end), which order most pairs without a look at the activities. */
struct prefixed {
	uint64_t head;
	size_t at;
};

struct prefixed_by {
	const struct plan *p;
	bool by_ref; /* (ref, subcomponent, line), else the key */
};

static uint64_t text_head(const char *s)
{
	uint64_t h = 0;
	int k = 0;
	for (; k < 8 && s[k] != '\0'; k++)
		h = h << 8 | (unsigned char)s[k];
	return k == 0 ? 0 : h << (8 * (8 - k)); /* k == 0: no shift by 64 */
}

static const char *sort_text(const struct activity *a, bool by_ref)
{
	return by_ref ? a->ref : a->key;
}

/* strcmp's order of the texts, then (by ref) compare_same_ref's, then the index's: no two
 * elements tie, as twin_sort wants (and a stable sort of the indices in order would give).
 * Equal heads hold the same first 8 bytes, and the whole texts when shorter (a NUL last). */
static int compare_prefixed(const void *a, const void *b, void *ctx)
{
	const struct prefixed *x = a, *y = b;
	const struct prefixed_by *by = ctx;
	if (x->head != y->head)
		return x->head < y->head ? -1 : 1;
	const struct activity *ax = &by->p->activities[x->at], *ay = &by->p->activities[y->at];
	int c = (x->head & 0xff) == 0 ? 0
				       : strcmp(sort_text(ax, by->by_ref) + 8,
						sort_text(ay, by->by_ref) + 8);
	if (c == 0 && by->by_ref)
		c = compare_same_ref(ax, ay);
	return c != 0 ? c : x->at < y->at ? -1 : x->at > y->at;
}

/* Below this many pairs a range is sorted by comparison. */
enum { RADIX_MIN = 64 };

static unsigned head_byte(const struct prefixed *x, int byte)
{
	return (unsigned)(x->head >> (8 * byte)) & 0xff;
}

/* Moves w's n pairs into the runs of their byte (American flag sort: in place, a cycle of
 * swaps per run); next[c] starts as where byte c's run begins, end[c] where it ends. */
static void split_by_byte(struct prefixed *w, int byte, size_t *next, const size_t *end)
{
	for (unsigned c = 0; c < 256; c++)
		while (next[c] < end[c]) {
			struct prefixed x = w[next[c]];
			for (unsigned d; (d = head_byte(&x, byte)) != c;) {
				struct prefixed t = w[next[d]];
				w[next[d]++] = x;
				x = t;
			}
			w[next[c]++] = x;
		}
}

static void sort_prefixed(struct prefixed *w, size_t n, int byte, struct prefixed_by *by,
			  bool twice);

/* Runs [from, to) of the byte's split of w: run c's pairs end at end[c], count[c] of them. */
struct radix_runs {
	struct prefixed *w;
	const size_t *count, *end;
	unsigned from, to;
	int byte;
	struct prefixed_by *by;
};

static void *sort_runs(void *arg)
{
	const struct radix_runs *r = arg;
	for (unsigned c = r->from; c < r->to; c++)
		if (r->count[c] > 1) /* most of the 256 runs are empty */
			sort_prefixed(r->w + r->end[c] - r->count[c], r->count[c], r->byte - 1,
				      r->by, false);
	return NULL;
}

/* Sorts the runs, on two threads when twice (each half of the pairs on one). */
static void sort_split(const struct radix_runs *all, size_t n, bool twice)
{
	struct radix_runs a = *all, b = *all;
	unsigned c = 0;
	while (twice && c < 256 && all->end[c] < n / 2)
		c++;
	if (!twice || c >= 255) {
		sort_runs(&a);
		return;
	}
	a.to = b.from = c + 1;
	twin_run(sort_runs, &a, &b);
}

/* Sorts w's n pairs as compare_prefixed orders them: by the heads' bytes from the most
 * significant on (in place, by radix), then each small range or run of equal heads by the
 * whole comparison; on two threads when twice. The order is the same from any start (no two
 * pairs tie). At 1M rows a comparison sort's calls took 70 ms (bench/README.md, h-keys). */
static void sort_prefixed(struct prefixed *w, size_t n, int byte, struct prefixed_by *by,
			  bool twice)
{
	for (; n >= RADIX_MIN && byte >= 0; byte--) {
		size_t count[256] = {0}, next[256], end[256], at = 0;
		for (size_t i = 0; i < n; i++)
			count[head_byte(&w[i], byte)]++;
		if (count[head_byte(&w[0], byte)] == n)
			continue; /* the same byte in every head: the next one */
		for (unsigned c = 0; c < 256; c++)
			next[c] = at, at += count[c], end[c] = at;
		split_by_byte(w, byte, next, end);
		struct radix_runs runs = {w, count, end, 0, 256, byte, by};
		sort_split(&runs, n, twice);
		return;
	}
	if (n > 1)
		twin_sort(w, n, sizeof(*w), compare_prefixed, by);
}

/* The activities' indices sorted by (ref, subcomponent, line) (by_ref) or key, in a block
 * of n + 1 pairs' size (the caller frees it). The indices are written over the sorted pairs;
 * the block keeps the pairs' size (a shrunk block's free tail in the heap is a hole later
 * arrays do not fit). With from (NULL: 0..n-1), a block sort_by_text returned, the pairs
 * start in its order and are written over it: no second block is held. */
static size_t *sort_by_text(const struct plan *p, bool by_ref, size_t *from)
{
	size_t n = p->n_activities;
	struct prefixed *w = from ? (struct prefixed *)(void *)from : xcalloc(n + 1, sizeof(*w));
	for (size_t i = n; i-- > 0;) { /* pair i lands on indices from i on, read already */
		size_t at = from ? from[i] : i;
		w[i] = (struct prefixed){text_head(sort_text(&p->activities[at], by_ref)), at};
	}
	struct prefixed_by by = {p, by_ref};
	if (!twin_in_order(w, n, sizeof(*w), compare_prefixed, &by))
		sort_prefixed(w, n, 7, &by, n >= TWIN_SORT_MIN && twin_cores()); /* in order
										    often: keys made in their refs' order */
	for (size_t i = 0; i < n; i++) { /* index i lands on bytes of pairs already read */
		size_t at = w[i].at;
		memcpy((char *)w + i * sizeof(at), &at, sizeof(at));
	}
	return (size_t *)(void *)w;
}

/* How many activities from v[i] on (sorted by ref) share its ref, and, when
 * within_component, its subcomponent too. */
static size_t run_length(const struct plan *p, const size_t *v, size_t n, size_t i,
			 bool within_component)
{
	const struct activity *a = &p->activities[v[i]];
	size_t j = i + 1;
	while (j < n && strcmp(p->activities[v[j]].ref, a->ref) == 0 &&
	       (!within_component || p->activities[v[j]].subcomponent == a->subcomponent))
		j++;
	return j - i;
}

/* The key plan_activity_key documents, written to keys (NUL-terminated). */
static void write_key(const struct activity *a, size_t same_ref, size_t same_component,
		      struct strbuf *keys)
{
	if (a->number > 0 && !a->number_shared) {
		strbuf_put_uint(keys, a->number);
	} else if (*a->ref != '\0' && same_ref == 1) {
		strbuf_puts(keys, a->ref);
	} else if (*a->ref != '\0' && same_component == 1) {
		strbuf_printf(keys, "c%u:%s", a->subcomponent, a->ref);
	} else {
		strbuf_putc(keys, 'L');
		strbuf_put_uint(keys, a->line);
	}
	strbuf_putc(keys, '\0');
}

/* Keys that still collide ("01" printed where another row's number is 1) fall back to the
 * line, except a plain number's, which keeps the key it always had: written to more, whose
 * offsets follow the base bytes of p->keys. */
static bool demote_collisions(struct plan *p, size_t *at, size_t base, struct strbuf *more)
{
	bool demoted = false;
	for (size_t i = 0; i + 1 < p->n_activities; i++) {
		size_t j = i + 1;
		while (j < p->n_activities &&
		       strcmp(p->activities[p->by_key[i]].key, p->activities[p->by_key[j]].key) == 0)
			j++;
		for (size_t k = i; j - i > 1 && k < j; k++) {
			struct activity *a = &p->activities[p->by_key[k]];
			if (a->number > 0 && !a->number_shared)
				continue;
			at[p->by_key[k]] = base + more->len;
			strbuf_printf(more, "L%u", a->line);
			strbuf_putc(more, '\0');
			demoted = true;
		}
		i = j - 1;
	}
	return demoted;
}

/* Makes keys (taken) the plan's and points the activities at their offsets in it; by_key
 * is sorted from the order from (taken: a block sort_by_text returned; or NULL). */
static void point_keys(struct plan *p, const size_t *at, char *keys, size_t *from)
{
	free(p->keys);
	p->keys = keys;
	for (size_t i = 0; i < p->n_activities; i++)
		p->activities[i].key = p->keys + at[i];
	free(p->by_key); /* before the sort's pairs: the old order and those are not both held */
	p->by_key = xrealloc(sort_by_text(p, false, from), (p->n_activities + 1) * sizeof(size_t));
}

static void assign_keys(struct plan *p)
{
	size_t n = p->n_activities, *v = sort_by_text(p, true, NULL);
	size_t *at = xcalloc(n + 1, sizeof(*at));
	struct strbuf keys;
	strbuf_init(&keys);
	for (size_t i = 0; i < n; i++) {
		size_t same_ref = run_length(p, v, n, i, false);
		for (size_t j = i; j < i + same_ref;) {
			size_t same_component = same_ref == 1 ? 1 : run_length(p, v, n, j, true);
			for (size_t k = j; k < j + same_component; k++) {
				at[v[k]] = keys.len;
				write_key(&p->activities[v[k]], same_ref, same_component, &keys);
			}
			j += same_component;
		}
		i += same_ref - 1;
	}
	size_t base = keys.len;
	/* keys taken, not copied (5 MB at 1M rows); sorted from the refs' order, which a plan
	 * whose keys are its refs or numbers has them in already */
	point_keys(p, at, strbuf_steal(&keys), v);
	if (demote_collisions(p, at, base, &keys)) {
		char *all = xmalloc(base + keys.len + 1);
		memcpy(all, p->keys, base);
		memcpy(all + base, keys.data, keys.len);
		point_keys(p, at, all, NULL);
	}
	strbuf_finish(&keys);
	free(at);
}

/* ---- the rows, on one thread or two ---- */

static size_t split_min = PLAN_SPLIT_MIN;

void plan_set_split_min(size_t records)
{
	split_min = records ? records : PLAN_SPLIT_MIN;
}

/* The state before the first row: the file's date order and years, empty caches (of
 * 1/ways the entries: two threads hold no more of them than one). */
static void state_init(struct row_state *st, const struct date_votes *votes,
		       enum date_order order, size_t ways)
{
	*st = (struct row_state){.subcomponent = 0, .title = ""};
	st->ctx.order = order;
	st->ctx.voted = votes->dmy + votes->mdy > 0;
	date_votes_span(votes, &st->ctx.span_first, &st->ctx.span_last, &st->ctx.year);
	date_cell_init(&st->dates);
	date_cell_init(&st->starts);
	office_pieces_init(&st->pieces);
	cell_cache_init(&st->offices, 0, OFFICE_CELLS_MAX / ways);
	cell_cache_init(&st->date_cells, sizeof(struct date_item), DATE_CELLS_MAX / ways);
	strbuf_init(&st->refs);
}

/* What the caches and buffers held; refs and ref_at stay for keep_refs. */
static void state_finish(struct row_state *st)
{
	date_cell_finish(&st->dates);
	date_cell_finish(&st->starts);
	office_pieces_finish(&st->pieces);
	cell_cache_finish(&st->offices);
	cell_cache_finish(&st->date_cells);
}

/* What add_row carries over rows [0, n) without reading them: the subcomponent, its title
 * and the last cell written in each filled-down column (filled_down's writes). Returns how
 * many of the rows are activities. */
static size_t carry_over(const struct plan *p, size_t n, struct row_state *st)
{
	size_t activities = 0;
	static const enum table_field carried[] = {TABLE_GOAL, TABLE_RESPONSIBLE, TABLE_DATE,
						   TABLE_START};
	for (size_t i = 0; i < n; i++) {
		const struct table_record *r = &p->table.records[i];
		if (r->field[TABLE_SUBCOMPONENT][0] != '\0') {
			read_subcomponent(r->field[TABLE_SUBCOMPONENT], st);
			memset(st->carry, 0, sizeof(st->carry));
		}
		if (only_subcomponent(r))
			continue;
		activities++;
		for (size_t k = 0; k < sizeof(carried) / sizeof(carried[0]); k++) {
			enum table_field f = carried[k];
			if (r->field[f][0] != '\0')
				st->carry[f] = (struct carried){r->field[f], r->line};
		}
	}
	return activities;
}

/* How many of rows [first, last) are activities (add_row's new_activity). */
static size_t count_activities(const struct plan *p, size_t first, size_t last)
{
	size_t n = 0;
	for (size_t i = first; i < last; i++)
		n += !only_subcomponent(&p->table.records[i]);
	return n;
}

/* Rows [first, last) of p's table into rows (p itself, or the second half's plan). */
struct rows_job {
	struct plan *rows;
	struct plan *p; /* read, but for the records each half gives back as it goes */
	const struct config *cfg;
	const struct office_matcher *m;
	const struct date_votes *votes;
	size_t first, last;
	struct row_state st;
	struct diag_list *diags;
};

/* A row's cells are asked for this many rows ahead of their reading: in a big table they
 * are far from the last ones read, and out of every cache. */
enum { ROWS_AHEAD = 8 };

static void prefetch_cells(const struct table_record *r)
{
	for (int f = 0; f < TABLE_NFIELDS; f++)
		__builtin_prefetch(r->field[f]);
}

static void *add_rows(void *arg)
{
	struct rows_job *j = arg;
	const struct table_record *rec = j->p->table.records;
	for (size_t n = j->first; n < j->first + KEYS_AHEAD && n < j->last; n++)
		keys_ahead(&j->st, &rec[n], n);
	for (size_t i = j->first; i < j->last; i++) {
		if (i + ROWS_AHEAD < j->last)
			prefetch_cells(&rec[i + ROWS_AHEAD]);
		if (i + KEYS_AHEAD < j->last)
			keys_ahead(&j->st, &rec[i + KEYS_AHEAD], i + KEYS_AHEAD);
		j->st.row = i;
		add_row(j->rows, j->cfg, j->m, &j->p->table.records[i], &j->st, j->diags);
		if ((i + 1 - j->first) % RECORDS_RELEASED == 0) /* the rows read: none is reread */
			table_release_records(&j->p->table, j->first, i + 1);
	}
	state_finish(&j->st);
	return NULL;
}

/* Appends the second half's rows to p's, as if one thread had read them all. */
static void append_rows(struct plan *p, struct row_state *st, struct plan *half,
			struct row_state *hst)
{
	size_t a0 = p->n_activities, m0 = p->n_milestones, o0 = p->n_office_refs;
	for (size_t i = 0; i < half->n_activities; i++) {
		half->activities[i].milestone_first += (uint32_t)m0;
		half->activities[i].office_first += (uint32_t)o0;
		if (hst->ref_at[i] != UINT32_MAX)
			hst->ref_at[i] += (uint32_t)st->refs.len;
	}
	p->n_activities += half->n_activities; /* written in place, after p's own */
	p->cap_activities += half->cap_activities;
	p->milestones = xgrow(p->milestones, &p->cap_milestones, m0 + half->n_milestones + 1,
			      sizeof(*p->milestones));
	twin_copy(p->milestones + m0, half->milestones,
		  half->n_milestones * sizeof(*p->milestones));
	p->n_milestones += half->n_milestones;
	free(half->milestones);
	p->office_refs = xgrow(p->office_refs, &p->cap_office_refs, o0 + half->n_office_refs + 1,
			       sizeof(*p->office_refs));
	twin_copy(p->office_refs + o0, half->office_refs,
		  half->n_office_refs * sizeof(*p->office_refs));
	p->n_office_refs += half->n_office_refs;
	free(half->office_refs);
	st->ref_at = xgrow(st->ref_at, &st->cap_ref_at, p->n_activities + 1, sizeof(*st->ref_at));
	memcpy(st->ref_at + a0, hst->ref_at, half->n_activities * sizeof(*st->ref_at));
	free(hst->ref_at);
	strbuf_append(&st->refs, hst->refs.data, hst->refs.len);
	strbuf_finish(&hst->refs);
}

/* Where the rows split: the middle, when there are enough of them and two cores. */
static size_t split_at(const struct plan *p)
{
	size_t n = p->table.n_records;
	bool one_core = split_min == PLAN_SPLIT_MIN && !twin_cores();
	if (n < split_min || n < 2 || one_core)
		return 0;
	return n / 2;
}

/* Every row of the table: the second half on a thread of its own (with its own caches and
 * diagnostics, which follow the first half's), from the state carried over the first. */
static void read_rows(struct plan *p, struct rows_job *first, struct diag_list *diags)
{
	size_t cut = split_at(p);
	state_init(&first->st, first->votes, p->date_order, cut ? 2 : 1);
	if (cut == 0) {
		add_rows(first);
		return;
	}
	struct plan half = {.source = p->source, .table = p->table};
	struct diag_list half_diags;
	diag_list_init(&half_diags);
	struct rows_job second = *first;
	second.rows = &half, second.first = cut, second.diags = &half_diags;
	state_init(&second.st, first->votes, p->date_order, 2);
	size_t before = carry_over(p, cut, &second.st);
	size_t after = count_activities(p, cut, p->table.n_records);
	/* one array, each half writing its own part: at 1M rows a copy would be 30 MB more */
	p->activities = xmalloc((before + after + 1) * sizeof(*p->activities));
	p->cap_activities = before;
	half.activities = p->activities + before;
	half.cap_activities = after + 1;
	first->last = cut;
	twin_run(add_rows, first, &second);
	malloc_trim(0); /* what the second thread's caches held, in an arena of its own */
	diag_list_take(diags, &half_diags);
	append_rows(p, &first->st, &half, &second.st);
}

/* The date votes of rows [first, last). */
struct votes_job {
	const struct plan *p;
	size_t first, last;
	struct date_votes votes;
};

/* A half's date cells read for their votes: each distinct text is lexed once, its marks
 * counted again where it repeats (a 1M-row plan has 1.7M date cells, 90,000 distinct). */
struct vote_memo {
	struct cell_cache marks; /* text -> struct date_mark values */
	struct date_mark *scratch;
	size_t cap_scratch;
	struct diag_list none; /* a vote raises no diagnostics */
	struct cell_key ahead[KEY_RING][2]; /* the date and start keys, as in struct row_state */
};

/* Record n's date and start keys into the ring, their slots asked for. */
static void vote_keys_ahead(struct vote_memo *vm, const struct table_record *r, size_t n)
{
	struct cell_key *keys = vm->ahead[n % KEY_RING];
	for (int k = 0; k < 2; k++) {
		const char *text = r->field[k ? TABLE_START : TABLE_DATE];
		keys[k].text = NULL;
		if (*text == '\0')
			continue;
		keys[k] = cell_cache_key(text, 0);
		cell_cache_prefetch(&vm->marks, &keys[k]);
	}
}

static void vote_cell(const char *text, const struct cell_key *ahead, struct vote_memo *vm,
		      struct date_votes *votes)
{
	if (*text == '\0')
		return; /* no dates, no votes */
	struct cell_key key = ahead->text == text ? *ahead : cell_cache_key(text, 0);
	const struct cell_entry *e = cell_cache_find(&vm->marks, &key);
	if (e != NULL) {
		date_votes_mark(votes, cell_cache_values(&vm->marks, e), e->value_count);
		return;
	}
	size_t n = date_vote_marks(text, &vm->scratch, &vm->cap_scratch);
	date_votes_mark(votes, vm->scratch, n);
	cell_cache_put(&vm->marks, &key, vm->scratch, 0, n, &vm->none, 0);
}

static void *vote_rows(void *arg)
{
	struct votes_job *j = arg;
	struct vote_memo vm = {.scratch = NULL, .cap_scratch = 0};
	const struct table_record *rec = j->p->table.records;
	cell_cache_init(&vm.marks, sizeof(struct date_mark), DATE_CELLS_MAX / 2);
	diag_list_init(&vm.none);
	for (size_t n = j->first; n < j->first + KEYS_AHEAD && n < j->last; n++)
		vote_keys_ahead(&vm, &rec[n], n);
	for (size_t i = j->first; i < j->last; i++) {
		if (i + ROWS_AHEAD < j->last) {
			__builtin_prefetch(rec[i + ROWS_AHEAD].field[TABLE_DATE]);
			__builtin_prefetch(rec[i + ROWS_AHEAD].field[TABLE_START]);
		}
		if (i + KEYS_AHEAD < j->last)
			vote_keys_ahead(&vm, &rec[i + KEYS_AHEAD], i + KEYS_AHEAD);
		const struct cell_key *keys = vm.ahead[i % KEY_RING];
		vote_cell(rec[i].field[TABLE_DATE], &keys[0], &vm, &j->votes);
		vote_cell(rec[i].field[TABLE_START], &keys[1], &vm, &j->votes);
	}
	cell_cache_finish(&vm.marks);
	diag_list_finish(&vm.none);
	free(vm.scratch);
	return NULL;
}

/* The votes of every row, the halves counted apart where the rows split (split_at). */
static struct date_votes *vote(const struct plan *p)
{
	size_t n = p->table.n_records, cut = split_at(p);
	struct votes_job *j = xcalloc(2, sizeof(*j));
	j[0] = (struct votes_job){.p = p, .first = 0, .last = cut ? cut : n};
	j[1] = (struct votes_job){.p = p, .first = cut ? cut : n, .last = n};
	if (cut > 0)
		twin_run(vote_rows, &j[0], &j[1]);
	else
		vote_rows(&j[0]);
	struct date_votes *votes = xmalloc(sizeof(*votes));
	*votes = j[0].votes;
	date_votes_add(votes, &j[1].votes);
	free(j);
	return votes;
}

static void build(struct plan *p, const struct config *cfg, struct diag_list *diags)
{
	struct date_votes *votes = vote(p);
	p->date_order = date_votes_winner(votes);
	struct office_matcher *m = build_matcher(cfg, diags);
	struct rows_job job = {.rows = p, .p = p, .cfg = cfg, .m = m, .votes = votes,
			       .first = 0, .last = p->table.n_records, .diags = diags};
	read_rows(p, &job, diags);
	free(votes);
	table_drop_records(&p->table); /* the activities point into the text, not at records */
	keep_refs(p, &job.st);
	strbuf_finish(&job.st.refs);
	office_matcher_free(m);
	check_years(p, diags);
	check_numbers(p, diags);
	malloc_trim(0); /* check_numbers' array, likely in the heap: give its pages back */
	assign_keys(p);
	malloc_trim(0); /* assign_keys' arrays, likewise */
}

/* Whether mapping m chose the table's column of its role: the column's header (as kept,
 * perhaps "Fecha / Inicio" over two rows, perhaps cut) folds to hold the mapped name. */
static bool mapping_used(const struct table *t, const struct table_mapping *m)
{
	char want[COLUMN_KEY_MAX], got[COLUMN_KEY_MAX];
	const char *name = t->column_name[m->field];
	if (t->column[m->field] == 0 || !columns_fold(m->header, strlen(m->header), want) ||
	    !columns_fold(name, strlen(name), got))
		return false;
	size_t n = strlen(got);
	bool cut = strlen(name) + 1 >= sizeof(t->column_name[m->field]) - 16;
	return strstr(got, want) != NULL || (cut && strncmp(want, got, n) == 0);
}

/* A [columns] line whose header the table does not have: said on the config's line. */
static void check_mappings(const struct table *t, const struct config *cfg,
			   const struct table_mapping *maps, const unsigned *lines, size_t n,
			   const char *path, struct diag_list *diags)
{
	for (size_t i = 0; t->header_line > 0 && i < n; i++)
		if (!mapping_used(t, &maps[i]))
			diag_add(diags, DIAG_WARNING, "columns-unused", cfg->path, lines[i], 0,
				 "[columns] %s = %s: %s has no header cell '%s'; the %s column is "
				 "'%s'",
				 table_role_name(maps[i].field), maps[i].header, path, maps[i].header,
				 table_role_name(maps[i].field),
				 t->column[maps[i].field] ? t->column_name[maps[i].field] : "none");
}

/* ---- a plan of several tables ---- */

/* Moves the arrays of sub, the plan's first table, into p as they are: at 1M rows they
 * are most of the plan's memory, and a copy would hold them twice. */
static void adopt_activities(struct plan *p, struct plan *sub)
{
	p->activities = sub->activities, p->n_activities = sub->n_activities;
	p->cap_activities = sub->cap_activities;
	p->milestones = sub->milestones, p->n_milestones = sub->n_milestones;
	p->cap_milestones = sub->cap_milestones;
	p->office_refs = sub->office_refs, p->n_office_refs = sub->n_office_refs;
	p->cap_office_refs = sub->cap_office_refs;
	p->doubts = sub->doubts, p->n_doubts = sub->n_doubts;
	sub->activities = NULL, sub->milestones = NULL, sub->office_refs = NULL;
	sub->doubts = NULL;
	sub->n_activities = sub->n_milestones = sub->n_office_refs = sub->n_doubts = 0;
}

static void append_activities(struct plan *p, struct plan *sub, unsigned part)
{
	if (p->n_activities == 0 && p->n_milestones == 0 && p->n_office_refs == 0 &&
	    p->activities == NULL && p->milestones == NULL && p->office_refs == NULL &&
	    p->doubts == NULL && p->n_doubts == 0) {
		adopt_activities(p, sub); /* part 0: every activity's part is 0 already */
		free(p->by_key);
		p->by_key = sub->by_key; /* by its own keys, which plan_keys may keep */
		sub->by_key = NULL;
		return;
	}
	size_t m0 = p->n_milestones, o0 = p->n_office_refs;
	for (size_t i = 0; i < sub->n_activities; i++) {
		p->activities = xgrow(p->activities, &p->cap_activities, p->n_activities + 1,
				      sizeof(*p->activities));
		struct activity *a = &p->activities[p->n_activities++];
		*a = sub->activities[i];
		a->part = part;
		a->milestone_first += m0;
		a->office_first += o0;
	}
	p->milestones = xgrow(p->milestones, &p->cap_milestones, m0 + sub->n_milestones + 1,
			      sizeof(*p->milestones));
	if (sub->n_milestones)
		memcpy(p->milestones + m0, sub->milestones,
		       sub->n_milestones * sizeof(*p->milestones));
	p->n_milestones += sub->n_milestones;
	p->office_refs = xgrow(p->office_refs, &p->cap_office_refs, o0 + sub->n_office_refs + 1,
			       sizeof(*p->office_refs));
	if (sub->n_office_refs)
		memcpy(p->office_refs + o0, sub->office_refs,
		       sub->n_office_refs * sizeof(*p->office_refs));
	p->n_office_refs += sub->n_office_refs;
	p->doubts = xrealloc(p->doubts, (p->n_doubts + sub->n_doubts + 1) * sizeof(*p->doubts));
	for (size_t i = 0; i < sub->n_doubts; i++) {
		p->doubts[p->n_doubts] = sub->doubts[i];
		p->doubts[p->n_doubts++].milestone += m0;
	}
}

static void merge_years(struct plan *p, const struct plan *sub)
{
	if (sub->year_first != 0 && (p->year_first == 0 || sub->year_first < p->year_first))
		p->year_first = sub->year_first;
	if (sub->year_last > p->year_last)
		p->year_last = sub->year_last;
}

/* Moves the table sub was built from, with its activities, into p as its next part. */
static void merge(struct plan *p, struct plan *sub, const char *where)
{
	unsigned part = (unsigned)p->n_parts;
	p->parts = xgrow(p->parts, &p->cap_parts, p->n_parts + 1, sizeof(*p->parts));
	struct plan_part *pp = &p->parts[p->n_parts++];
	*pp = (struct plan_part){.source = sub->source,
				 .where = where ? xstrdup(where) : NULL,
				 .refs = sub->refs,
				 .keys = sub->keys,
				 .header_line = sub->table.header_line};
	component_label(&sub->table, pp->label);
	sub->source = sub->refs = sub->keys = NULL;
	if (part == 0) {
		table_finish(&p->table);
		p->table = sub->table;
		p->date_order = sub->date_order;
	} else {
		pp->table = sub->table;
	}
	table_init(&sub->table);
	append_activities(p, sub, part);
	merge_years(p, sub);
	plan_finish(sub);
}

/* Builds each table of one file into p, each with its own vote, rows, keys and doubts. */
static void add_parts(struct plan *p, const char *path, struct workbook_parts *w,
		      const struct config *cfg, struct diag_list *diags)
{
	for (size_t i = 0; i < w->len; i++) {
		size_t first = diags->len;
		struct plan sub;
		plan_init(&sub);
		sub.source = xstrdup(path);
		sub.table = w->items[i].table;
		table_init(&w->items[i].table);
		build(&sub, cfg, diags);
		doubt_collect(&sub, diags); /* by the table's own lines: before they name cells */
		workbook_diag_paths(diags, first, path, w->items[i].where);
		merge(p, &sub, w->items[i].where);
	}
}

/* Marks the activities whose key another table's activity has too (each table's keys are
 * unique, so a run of equal keys spans tables). */
static void mark_shared(const struct plan *p, bool *shared, bool *part_shared)
{
	size_t n = p->n_activities, *v = sort_by_text(p, false, NULL);
	for (size_t i = 0; i < n;) {
		size_t j = i + 1;
		while (j < n && strcmp(p->activities[v[i]].key, p->activities[v[j]].key) == 0)
			j++;
		for (size_t k = i; j - i > 1 && k < j; k++) {
			shared[v[k]] = true;
			part_shared[p->activities[v[k]].part] = true;
		}
		i = j;
	}
	free(v);
}

/* A labelled table without a label of its own, or with another's, is known by its place. */
static void settle_labels(struct plan *p, const bool *part_shared, struct diag_list *diags)
{
	for (size_t i = 0; i < p->n_parts; i++) {
		struct plan_part *pp = &p->parts[i];
		bool twin = false;
		for (size_t j = 0; j < p->n_parts && pp->label[0]; j++)
			twin |= j != i && part_shared[j] &&
				strcmp(p->parts[j].label, pp->label) == 0;
		if (!part_shared[i] || (pp->label[0] && !twin))
			continue;
		diag_add(diags, DIAG_WARNING, "no-component-label",
			 pp->where ? pp->where : pp->source, pp->header_line, 0,
			 "this table's refs repeat in another table of the plan and its title %s: "
			 "its activities are known by its place in the plan (t%zu), which changes "
			 "if the tables are reordered; put a title line such as 'Componente 2: "
			 "Racionalización de trámites' above the header",
			 pp->label[0] ? "names the same component as another's"
				      : "names no component",
			 i + 1);
		snprintf(pp->label, sizeof(pp->label), "t%zu", i + 1);
	}
}

/* The plan's keys: each table's own, prefixed by its component label where another table's
 * activity has the same one. */
static void plan_keys(struct plan *p, struct diag_list *diags)
{
	if (p->n_parts == 1 && p->by_key != NULL && p->keys == NULL) {
		p->keys = p->parts[0].keys; /* one table: its keys are the plan's, sorted already */
		p->parts[0].keys = NULL;
		for (size_t i = 0; i < p->n_activities; i++)
			p->activities[i].label_len = 0;
		return;
	}
	size_t n = p->n_activities, *at = xcalloc(n + 1, sizeof(*at));
	bool *shared = xcalloc(n + 1, sizeof(*shared));
	bool *part_shared = xcalloc(p->n_parts + 1, sizeof(*part_shared));
	struct strbuf keys;
	strbuf_init(&keys);
	if (p->n_parts > 1) {
		mark_shared(p, shared, part_shared);
		settle_labels(p, part_shared, diags);
	}
	for (size_t i = 0; i < n; i++) {
		at[i] = keys.len;
		if (shared[i])
			strbuf_printf(&keys, "%s:", p->parts[p->activities[i].part].label);
		p->activities[i].label_len = (unsigned)(keys.len - at[i]);
		strbuf_puts(&keys, p->activities[i].key);
		strbuf_putc(&keys, '\0');
	}
	point_keys(p, at, strbuf_steal(&keys), NULL);
	for (size_t i = 0; i < p->n_parts; i++) {
		free(p->parts[i].keys);
		p->parts[i].keys = NULL;
	}
	strbuf_finish(&keys);
	free(part_shared);
	free(shared);
	free(at);
}

/* An empty table, so that a plan always has a part (a workbook without a plan sheet). */
static void add_empty(struct plan *p, const char *path, const struct config *cfg,
		      struct diag_list *diags)
{
	struct workbook_parts w = {0};
	w.items = xcalloc(1, sizeof(*w.items));
	w.len = w.cap = 1;
	table_init(&w.items[0].table);
	add_parts(p, path, &w, cfg, diags);
	workbook_parts_finish(&w);
}

static int load_file(struct plan *p, const char *path, const struct config *cfg,
		     struct diag_list *diags, struct pz_error *err)
{
	struct table_mapping *maps;
	unsigned *lines;
	size_t n = config_columns_for(cfg, path, &maps, &lines);
	struct workbook_parts w = {0};
	int rc = workbook_table_load_parts(path, cfg->plan_max_size, maps, n, &w, diags, err);
	if (rc == 0 && w.len > 0)
		check_mappings(&w.items[0].table, cfg, maps, lines, n, path, diags);
	free(maps);
	free(lines);
	if (rc == 0)
		add_parts(p, path, &w, cfg, diags);
	workbook_parts_finish(&w);
	return rc < 0 ? -1 : 0;
}

int plan_load_files(struct plan *p, const char *const *paths, size_t n, const struct config *cfg,
		    struct diag_list *diags, struct pz_error *err)
{
	free(p->source);
	p->source = xstrdup(n > 0 ? paths[0] : "");
	for (size_t f = 0; f < n; f++)
		if (load_file(p, paths[f], cfg, diags, err) < 0)
			return -1;
	if (p->n_parts == 0)
		add_empty(p, p->source, cfg, diags);
	plan_keys(p, diags);
	return 0;
}

int plan_load(struct plan *p, const char *path, const struct config *cfg, struct diag_list *diags,
	      struct pz_error *err)
{
	return plan_load_files(p, &path, 1, cfg, diags, err);
}

void plan_load_buffer(struct plan *p, const char *path, char *data, size_t len,
		      const struct config *cfg, struct diag_list *diags)
{
	struct pz_error err;
	struct workbook_parts w = {0};
	free(p->source);
	p->source = xstrdup(path);
	if (workbook_sniff(data, len) == WORKBOOK_NONE) {
		w.items = xcalloc(1, sizeof(*w.items));
		w.len = w.cap = 1;
		table_init(&w.items[0].table);
		table_parse(&w.items[0].table, path, data, len, diags); /* takes data */
	} else {
		if (workbook_load_parts(path, data, len, NULL, 0, &w, diags, &err) < 0)
			diag_add(diags, DIAG_ERROR, "unreadable-workbook", path, 0, 0, "%s",
				 err.msg);
		free(data);
	}
	add_parts(p, path, &w, cfg, diags);
	workbook_parts_finish(&w);
	if (p->n_parts == 0)
		add_empty(p, path, cfg, diags);
	plan_keys(p, diags);
}

const char *plan_activity_key(const struct activity *a)
{
	return a->key ? a->key : "";
}

void plan_rekey(struct plan *p, const char *const *keys)
{
	size_t *at = xcalloc(p->n_activities + 1, sizeof(*at));
	struct strbuf s;
	strbuf_init(&s);
	for (size_t i = 0; i < p->n_activities; i++) {
		at[i] = s.len;
		strbuf_puts(&s, keys[i] ? keys[i] : p->activities[i].key);
		if (keys[i])
			p->activities[i].label_len = 0;
		strbuf_putc(&s, '\0');
	}
	point_keys(p, at, strbuf_steal(&s), NULL);
	free(at);
}

const char *plan_activity_file(const struct plan *p, const struct activity *a)
{
	return a->part < p->n_parts ? p->parts[a->part].source : p->source;
}

void plan_activity_where(const struct plan *p, const struct activity *a, struct strbuf *out)
{
	const struct plan_part *pp = a->part < p->n_parts ? &p->parts[a->part] : NULL;
	const char *path = pp ? (pp->where ? pp->where : pp->source) : p->source;
	struct diag at = {.path = (char *)(path ? path : ""), .line = a->line};
	diag_where(out, &at);
}

long plan_find_key(const struct plan *p, const char *key)
{
	size_t lo = 0, hi = p->n_activities;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(p->activities[p->by_key[mid]].key, key);
		if (c == 0)
			return (long)p->by_key[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static bool all_digits(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

void plan_item_anchor(struct strbuf *out, const struct activity *a, size_t k)
{
	const char *key = plan_activity_key(a);
	if (all_digits(key))
		strbuf_printf(out, "a%s-%zu", key, k);
	else if (key[0] == 'L')
		strbuf_printf(out, "l%s-%zu", key + 1, k);
	else
		strbuf_printf(out, "r%s-%zu", key, k);
}

/* A ref key's characters: the ref's digits and dots, the subcomponent's 'c' and ':', a
 * moved line key's 'n', a table's component label (lower-case letters, digits, '-') and the
 * line key 'L' after it. */
static bool ref_key(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]) && !(s[i] >= 'a' && s[i] <= 'z') && s[i] != '.' &&
		    s[i] != ':' && s[i] != '-' && s[i] != 'L')
			return false;
	return n > 0;
}

bool plan_item_parse(const char *item, char *key, unsigned *k)
{
	const char *dash = strrchr(item, '-');
	if (dash == NULL || dash == item + 1 || !isdigit((unsigned char)dash[1]))
		return false;
	size_t n = (size_t)(dash - item - 1);
	const char *body = item + 1;
	bool digits = strspn(body, "0123456789") == n;
	if (n + 2 > PLAN_KEY_SIZE || (item[0] == 'r' ? !ref_key(body, n) || digits : !digits))
		return false;
	char *end;
	unsigned long w = strtoul(dash + 1, &end, 10);
	if (*end != '\0' || w == 0 || w > 100000 || strspn(dash + 1, "0123456789") > 6)
		return false;
	if (item[0] == 'l')
		snprintf(key, PLAN_KEY_SIZE, "L%.*s", (int)n, body);
	else if (item[0] == 'a' || item[0] == 'r')
		snprintf(key, PLAN_KEY_SIZE, "%.*s", (int)n, body);
	else
		return false;
	*k = (unsigned)w;
	return true;
}

const char *plan_activity_ref(const struct activity *a)
{
	return a->ref ? a->ref : "";
}

bool plan_diag_blocks(const struct diag *d)
{
	static const char *const whole_file[] = {"empty-input", "binary-input", "no-header",
						 "unreadable-workbook",
						 "missing-column"};
	if (d->severity != DIAG_ERROR)
		return false;
	if (strncmp(d->code, "config-", 7) == 0)
		return true;
	for (size_t i = 0; i < sizeof(whole_file) / sizeof(whole_file[0]); i++)
		if (strcmp(d->code, whole_file[i]) == 0)
			return true;
	return false;
}
