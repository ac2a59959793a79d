#include "plan.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "office.h"
#include "strbuf.h"
#include "xalloc.h"

/* What carries from one row to the next: merged subcomponent cells. */
struct row_state {
	unsigned subcomponent;
	const char *title;
	struct date_cell dates;
	struct office_pieces pieces;
};

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
	free(p->source);
	free(p->activities);
	free(p->milestones);
	free(p->office_refs);
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
	return m;
}

/* "Subcomponente 3 Responsabilidad" -> 3 and "Responsabilidad"; other text keeps its
 * place in order (previous + 1) and stays whole as the title. */
static void read_subcomponent(const char *cell, struct row_state *st)
{
	static const char word[] = "subcomponente";
	const char *p = cell;
	if (strncasecmp(p, word, sizeof(word) - 1) == 0) {
		p += sizeof(word) - 1;
		p += strspn(p, " \t:.-");
		if (isdigit((unsigned char)*p)) {
			char *end;
			unsigned long n = strtoul(p, &end, 10);
			st->subcomponent = n < 1000 ? (unsigned)n : 0;
			st->title = end + strspn(end, " \t:.-");
			return;
		}
	}
	st->subcomponent++;
	st->title = cell;
}

static unsigned read_number(const struct plan *p, const struct table_record *r,
			    struct diag_list *diags)
{
	const char *s = r->field[TABLE_NUMBER];
	unsigned col = r->column[TABLE_NUMBER];
	if (*s == '\0') {
		if (p->table.has_field[TABLE_NUMBER])
			diag_add(diags, DIAG_WARNING, "missing-number", p->source, r->line, col,
				 "activity has no number");
		return 0;
	}
	char *end;
	unsigned long n = strtoul(s, &end, 10);
	end += strspn(end, ". ");
	if (!isdigit((unsigned char)*s) || *end != '\0' || n == 0 || n > 999999) {
		diag_add(diags, DIAG_WARNING, "bad-number", p->source, r->line, col,
			 "'%s' is not an activity number", s);
		return 0;
	}
	return (unsigned)n;
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

static void read_offices(struct plan *p, const struct config *cfg,
			 const struct office_matcher *m, const struct table_record *r,
			 struct activity *a, struct row_state *st, struct diag_list *diags)
{
	unsigned col = r->column[TABLE_RESPONSIBLE];
	a->office_first = p->n_office_refs;
	if (*a->responsible_text == '\0') {
		diag_add(diags, DIAG_ERROR, "no-office", p->source, r->line, col,
			 "activity %u names no responsible office", a->number);
		return;
	}
	office_pieces_finish(&st->pieces);
	office_pieces_init(&st->pieces);
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

static void read_dates(struct plan *p, const struct table_record *r, struct activity *a,
		       struct row_state *st, struct diag_list *diags)
{
	struct date_where where = {p->source, r->line, r->column[TABLE_DATE]};
	st->dates.len = 0;
	date_parse_cell(r->field[TABLE_DATE], p->date_order, &where, &st->dates, diags);
	a->milestone_first = p->n_milestones;
	a->milestone_count = st->dates.len;
	p->milestones = xgrow(p->milestones, &p->cap_milestones,
			      p->n_milestones + st->dates.len, sizeof(*p->milestones));
	for (size_t i = 0; i < st->dates.len; i++) {
		const struct date_item *it = &st->dates.items[i];
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

static void add_row(struct plan *p, const struct config *cfg, const struct office_matcher *m,
		    const struct table_record *r, struct row_state *st, struct diag_list *diags)
{
	if (r->field[TABLE_SUBCOMPONENT][0] != '\0')
		read_subcomponent(r->field[TABLE_SUBCOMPONENT], st);
	if (only_subcomponent(r))
		return;
	p->activities = xgrow(p->activities, &p->cap_activities, p->n_activities + 1,
			      sizeof(*p->activities));
	struct activity *a = &p->activities[p->n_activities++];
	*a = (struct activity){
		.number = read_number(p, r, diags),
		.line = r->line,
		.subcomponent = st->subcomponent,
		.subcomponent_title = st->title,
		.text = r->field[TABLE_ACTIVITY],
		.goal = r->field[TABLE_GOAL],
		.responsible_text = r->field[TABLE_RESPONSIBLE],
	};
	if (*a->text == '\0' && p->table.has_field[TABLE_ACTIVITY])
		diag_add(diags, DIAG_WARNING, "empty-activity", p->source, r->line,
			 r->column[TABLE_ACTIVITY], "row has no activity text");
	read_offices(p, cfg, m, r, a, st, diags);
	read_dates(p, r, a, st, diags);
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

static int compare_numbered(const void *a, const void *b)
{
	const struct numbered *x = a, *y = b;
	if (x->number != y->number)
		return x->number < y->number ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

static void check_numbers(struct plan *p, struct diag_list *diags)
{
	struct numbered *v = xcalloc(p->n_activities, sizeof(*v));
	size_t n = 0;
	for (size_t i = 0; i < p->n_activities; i++)
		if (p->activities[i].number != 0)
			v[n++] = (struct numbered){p->activities[i].number, p->activities[i].line, i};
	qsort(v, n, sizeof(*v), compare_numbered);
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

static void build(struct plan *p, const struct config *cfg, struct diag_list *diags)
{
	struct date_votes votes = {0, 0};
	for (size_t i = 0; i < p->table.n_records; i++)
		date_vote(p->table.records[i].field[TABLE_DATE], &votes);
	p->date_order = date_votes_winner(&votes);
	struct office_matcher *m = build_matcher(cfg, diags);
	struct row_state st = {.subcomponent = 0, .title = ""};
	date_cell_init(&st.dates);
	office_pieces_init(&st.pieces);
	for (size_t i = 0; i < p->table.n_records; i++)
		add_row(p, cfg, m, &p->table.records[i], &st, diags);
	date_cell_finish(&st.dates);
	office_pieces_finish(&st.pieces);
	office_matcher_free(m);
	check_years(p, diags);
	check_numbers(p, diags);
}

int plan_load(struct plan *p, const char *path, const struct config *cfg,
	      struct diag_list *diags, struct pz_error *err)
{
	p->source = xstrdup(path);
	if (table_load(&p->table, path, cfg->plan_max_size, diags, err) < 0)
		return -1;
	build(p, cfg, diags);
	return 0;
}

void plan_load_buffer(struct plan *p, const char *path, char *data, size_t len,
		      const struct config *cfg, struct diag_list *diags)
{
	p->source = xstrdup(path);
	table_parse(&p->table, path, data, len, diags);
	build(p, cfg, diags);
}

void plan_activity_key(const struct activity *a, char buf[static 24])
{
	if (a->number > 0 && !a->number_shared)
		snprintf(buf, 24, "%u", a->number);
	else
		snprintf(buf, 24, "L%u", a->line);
}
