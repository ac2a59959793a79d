#include "report.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "spanish.h"
#include "text.h"
#include "xalloc.h"

void report_init(struct report *r)
{
	memset(r, 0, sizeof(*r));
}

void report_finish(struct report *r)
{
	if (r == NULL)
		return;
	free(r->offices);
	free(r->subcomponents);
	memset(r, 0, sizeof(*r));
}

size_t report_total(const struct report_counts *c)
{
	return c->on_time + c->late + c->overdue + c->pending;
}

size_t report_due(const struct report_counts *c)
{
	return c->on_time + c->late + c->overdue;
}

/* --- matching marks to milestones ------------------------------------------------------ */

/* The marks sorted by milestone key, and which of them some milestone claimed. */
struct mark_index {
	const struct store_delivery **items;
	bool *used;
	size_t n;
};

static int compare_key(const struct store_delivery *a, const struct store_delivery *b)
{
	int c = strcmp(a->office, b->office);
	if (c == 0)
		c = strcmp(a->activity, b->activity);
	if (c == 0)
		c = (a->milestone > b->milestone) - (a->milestone < b->milestone);
	if (c == 0)
		c = strcmp(a->due, b->due);
	return c;
}

static int compare_marks(const void *a, const void *b)
{
	return compare_key(*(const struct store_delivery *const *)a,
			   *(const struct store_delivery *const *)b);
}

static void index_build(struct mark_index *ix, const struct store_delivery *marks, size_t n)
{
	ix->items = xcalloc(n ? n : 1, sizeof(*ix->items));
	ix->used = xcalloc(n ? n : 1, sizeof(*ix->used));
	ix->n = n;
	for (size_t i = 0; i < n; i++)
		ix->items[i] = &marks[i];
	qsort(ix->items, n, sizeof(*ix->items), compare_marks);
}

static void index_free(struct mark_index *ix)
{
	free(ix->items);
	free(ix->used);
}

/* The earliest mark of key made at or before at; claims every mark of key. */
static bool index_find(struct mark_index *ix, const struct store_delivery *key, time_t at,
		       long long *when)
{
	size_t lo = 0, hi = ix->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (compare_key(ix->items[mid], key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	bool found = false;
	for (size_t i = lo; i < ix->n && compare_key(ix->items[i], key) == 0; i++) {
		ix->used[i] = true;
		if (ix->items[i]->at <= (long long)at && (!found || ix->items[i]->at < *when)) {
			*when = ix->items[i]->at;
			found = true;
		}
	}
	return found;
}

/* --- counting -------------------------------------------------------------------------- */

enum pair_state { PAIR_ON_TIME, PAIR_LATE, PAIR_OVERDUE, PAIR_PENDING };

static void count(struct report_counts *c, enum pair_state s)
{
	switch (s) {
	case PAIR_ON_TIME:
		c->on_time++;
		break;
	case PAIR_LATE:
		c->late++;
		break;
	case PAIR_OVERDUE:
		c->overdue++;
		break;
	case PAIR_PENDING:
		c->pending++;
		break;
	}
}

/* The report's entry for subcomponent number, added on first sight. */
static struct report_subcomponent *subcomponent(struct report *r, const struct activity *a)
{
	for (size_t i = 0; i < r->n_subcomponents; i++)
		if (r->subcomponents[i].number == a->subcomponent)
			return &r->subcomponents[i];
	struct report_subcomponent *s = &r->subcomponents[r->n_subcomponents++];
	s->number = a->subcomponent;
	s->title = a->subcomponent_title ? a->subcomponent_title : "";
	return s;
}

static int compare_subcomponents(const void *a, const void *b)
{
	unsigned x = ((const struct report_subcomponent *)a)->number;
	unsigned y = ((const struct report_subcomponent *)b)->number;
	return (x > y) - (x < y);
}

/* What pair (office o, milestone position k of activity key) is as of r->at. */
static int classify(struct report *r, struct mark_index *ix, const struct config_office *o,
		    const char *key, size_t k, struct date due, enum pair_state *out,
		    struct pz_error *err)
{
	struct store_delivery probe;
	memset(&probe, 0, sizeof(probe));
	snprintf(probe.office, sizeof(probe.office), "%s", o->id);
	snprintf(probe.activity, sizeof(probe.activity), "%s", key);
	probe.milestone = (int)k + 1;
	date_format_iso(due, probe.due);
	time_t end;
	const char *tz = o->timezone ? o->timezone : r->timezone;
	if (calendar_local_to_utc(tz, date_from_days(date_to_days(due) + 1), 0, 0, &end, err) < 0)
		return -1;
	long long when = 0;
	if (index_find(ix, &probe, r->at, &when))
		*out = when < (long long)end ? PAIR_ON_TIME : PAIR_LATE;
	else
		*out = end <= r->at ? PAIR_OVERDUE : PAIR_PENDING;
	return 0;
}

static int count_activity(struct report *r, struct mark_index *ix, const struct plan *p,
			  const struct config *cfg, const struct activity *a, struct pz_error *err)
{
	const char *key = plan_activity_key(a);
	struct report_subcomponent *sub = subcomponent(r, a);
	for (size_t j = 0; j < a->office_count; j++) {
		size_t o = p->office_refs[a->office_first + j];
		for (size_t k = 0; k < a->milestone_count; k++) {
			enum pair_state s;
			struct date due = p->milestones[a->milestone_first + k].due;
			if (classify(r, ix, &cfg->offices[o], key, k, due, &s, err) < 0)
				return -1;
			count(&r->offices[o], s);
			count(&sub->counts, s);
			count(&r->total, s);
		}
	}
	return 0;
}

static void count_marks(struct report *r, const struct mark_index *ix)
{
	for (size_t i = 0; i < ix->n; i++) {
		if (ix->items[i]->at > (long long)r->at)
			r->later++;
		else if (!ix->used[i])
			r->stale++;
	}
}

int report_compute(struct report *r, const struct plan *p, const struct config *cfg,
		   const struct store_delivery *marks, size_t n, time_t at, struct pz_error *err)
{
	r->at = at;
	r->timezone = cfg->timezone ? cfg->timezone : "America/Bogota";
	if (calendar_utc_to_local(r->timezone, at, &r->date, &r->minutes, err) < 0)
		return -1;
	r->n_offices = cfg->n_offices;
	r->offices = xcalloc(cfg->n_offices ? cfg->n_offices : 1, sizeof(*r->offices));
	r->subcomponents =
		xcalloc(p->n_activities ? p->n_activities : 1, sizeof(*r->subcomponents));
	struct mark_index ix;
	index_build(&ix, marks, n);
	int rc = 0;
	for (size_t i = 0; i < p->n_activities && rc == 0; i++)
		rc = count_activity(r, &ix, p, cfg, &p->activities[i], err);
	count_marks(r, &ix);
	index_free(&ix);
	qsort(r->subcomponents, r->n_subcomponents, sizeof(*r->subcomponents),
	      compare_subcomponents);
	return rc;
}

/* --- cells shared by the text and HTML tables ------------------------------------------ */

#define N_COLS 7

static const char *const headers[N_COLS] = {
	"Oficina", "A tiempo", "Con retraso", "Vencidas", "Pendientes", "Total", "Cumplimiento",
};

struct row {
	char *cell[N_COLS]; /* owned */
};

/* "66,7 %" for part/whole rounded half up to one decimal; "—" when whole is 0. */
static char *percent(size_t part, size_t whole)
{
	if (whole == 0)
		return xstrdup("—");
	size_t tenths = (part * 1000 + whole / 2) / whole;
	return xasprintf("%zu,%zu %%", tenths / 10, tenths % 10);
}

static char *share(size_t part, size_t whole)
{
	char *pc = percent(part, whole);
	char *s = xasprintf("%zu (%s)", part, pc);
	free(pc);
	return s;
}

static void row_fill(struct row *row, char *name, const struct report_counts *c)
{
	size_t total = report_total(c);
	row->cell[0] = name;
	row->cell[1] = share(c->on_time, total);
	row->cell[2] = share(c->late, total);
	row->cell[3] = share(c->overdue, total);
	row->cell[4] = share(c->pending, total);
	row->cell[5] = xasprintf("%zu", total);
	row->cell[6] = percent(c->on_time, report_due(c));
}

static char *subcomponent_name(const struct report_subcomponent *s)
{
	if (s->number == 0)
		return xstrdup(*s->title ? s->title : "Sin subcomponente");
	if (*s->title == '\0')
		return xasprintf("Subcomponente %u", s->number);
	return xasprintf("%u. %s", s->number, s->title);
}

/* The rows of the office table (by_office) or the subcomponent table, the total last. */
static struct row *rows_build(const struct report *r, const struct config *cfg, bool by_office,
			      size_t *n)
{
	size_t len = by_office ? r->n_offices : r->n_subcomponents;
	struct row *rows = xcalloc(len + 1, sizeof(*rows));
	for (size_t i = 0; i < len; i++)
		if (by_office)
			row_fill(&rows[i], xstrdup(cfg->offices[i].name), &r->offices[i]);
		else
			row_fill(&rows[i], subcomponent_name(&r->subcomponents[i]),
				 &r->subcomponents[i].counts);
	row_fill(&rows[len], xstrdup("Total"), &r->total);
	*n = len + 1;
	return rows;
}

static void rows_free(struct row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (size_t c = 0; c < N_COLS; c++)
			free(rows[i].cell[c]);
	free(rows);
}

static void cutoff_line(const struct report *r, struct strbuf *out)
{
	char iso[11];
	date_format_iso(r->date, iso);
	strbuf_printf(out, "Corte: %s %02d:%02d (%s)", iso, r->minutes / 60, r->minutes % 60,
		      r->timezone);
}

/* Footnotes, one per line, each line prefixed by pre and ended by post. */
static void notes(const struct report *r, struct strbuf *out, const char *pre, const char *post)
{
	strbuf_printf(out,
		      "%sA tiempo: marcada como entregada antes de terminar el día de "
		      "vencimiento (hora de la oficina).%s",
		      pre, post);
	strbuf_printf(out, "%sCumplimiento = a tiempo / (a tiempo + con retraso + vencidas).%s",
		      pre, post);
	if (r->stale > 0)
		strbuf_printf(out,
			      "%s%zu marca%s de entrega no corresponde%s a ningún hito del "
			      "plan actual (el plan cambió) y no se contó.%s",
			      pre, r->stale, r->stale == 1 ? "" : "s", r->stale == 1 ? "" : "n",
			      post);
	if (r->later > 0)
		strbuf_printf(out, "%s%zu marca%s posterior%s al corte no se tuvo en cuenta.%s",
			      pre, r->later, r->later == 1 ? "" : "s", r->later == 1 ? "" : "es",
			      post);
}

/* --- text ------------------------------------------------------------------------------ */

#define NAME_MAX_COLS 44

/* Display columns of UTF-8 text: its code points. */
static size_t display_width(const char *s)
{
	return text_utf8_chars(s, strlen(s));
}

/* Cuts s in place to at most max columns, ending it with "…" when cut. */
static void cut_columns(char **s, size_t max)
{
	if (display_width(*s) <= max)
		return;
	size_t n = 0, i = 0;
	for (; (*s)[i]; i++) {
		if (text_utf8_chars(*s + i, 1) == 1 && ++n == max)
			break; /* i: where the max-th character starts, replaced by the ellipsis */
	}
	char *cut = xasprintf("%.*s…", (int)i, *s);
	free(*s);
	*s = cut;
}

static void pad(struct strbuf *out, size_t n)
{
	while (n-- > 0)
		strbuf_putc(out, ' ');
}

static void text_row(struct strbuf *out, char *const cell[N_COLS], const size_t width[N_COLS])
{
	for (size_t c = 0; c < N_COLS; c++) {
		size_t w = display_width(cell[c]);
		if (c > 0)
			pad(out, 2 + width[c] - w);
		strbuf_puts(out, cell[c]);
		if (c == 0)
			pad(out, width[c] - w);
	}
	strbuf_putc(out, '\n');
}

static void text_table(struct strbuf *out, const char *first, struct row *rows, size_t n)
{
	struct row head;
	size_t width[N_COLS];
	for (size_t c = 0; c < N_COLS; c++) {
		head.cell[c] = xstrdup(c == 0 ? first : headers[c]);
		width[c] = display_width(head.cell[c]);
	}
	for (size_t i = 0; i < n; i++) {
		cut_columns(&rows[i].cell[0], NAME_MAX_COLS);
		for (size_t c = 0; c < N_COLS; c++)
			if (display_width(rows[i].cell[c]) > width[c])
				width[c] = display_width(rows[i].cell[c]);
	}
	text_row(out, head.cell, width);
	for (size_t i = 0; i < n; i++)
		text_row(out, rows[i].cell, width);
	for (size_t c = 0; c < N_COLS; c++)
		free(head.cell[c]);
}

void report_write_text(const struct report *r, const struct config *cfg, struct strbuf *out)
{
	strbuf_puts(out, "Informe de seguimiento — corte ");
	spanish_date(out, r->date);
	strbuf_putc(out, '\n');
	cutoff_line(r, out);
	strbuf_puts(out, "\n\n");
	for (int by_office = 1; by_office >= 0; by_office--) {
		size_t n;
		struct row *rows = rows_build(r, cfg, by_office, &n);
		text_table(out, by_office ? "Oficina" : "Subcomponente", rows, n);
		strbuf_putc(out, '\n');
		rows_free(rows, n);
	}
	notes(r, out, "", "\n");
}

/* --- CSV ------------------------------------------------------------------------------- */

/* A spreadsheet runs a cell that starts with = + - @ (or tab, CR) as a formula, so such a
 * cell gets a leading ' and quotes, as OWASP's CSV injection advice says. */
static void csv_field(struct strbuf *out, const char *s, bool first)
{
	if (!first)
		strbuf_putc(out, ',');
	bool formula = s[0] != '\0' && strchr("=+-@\t\r", s[0]) != NULL;
	if (!formula && strpbrk(s, ",\"\r\n") == NULL) {
		strbuf_puts(out, s);
		return;
	}
	strbuf_putc(out, '"');
	if (formula)
		strbuf_putc(out, '\'');
	for (; *s; s++) {
		if (*s == '"')
			strbuf_putc(out, '"');
		strbuf_putc(out, *s);
	}
	strbuf_putc(out, '"');
}

static void csv_row(struct strbuf *out, const char *scope, const char *id, const char *name,
		    const struct report_counts *c)
{
	csv_field(out, scope, true);
	csv_field(out, id, false);
	csv_field(out, name, false);
	strbuf_printf(out, ",%zu,%zu,%zu,%zu,%zu,", c->on_time, c->late, c->overdue, c->pending,
		      report_total(c));
	size_t due = report_due(c);
	if (due > 0) {
		size_t milli = (c->on_time * 1000 + due / 2) / due;
		strbuf_printf(out, "%zu.%03zu", milli / 1000, milli % 1000);
	}
	strbuf_puts(out, "\r\n");
}

void report_write_csv(const struct report *r, const struct config *cfg, struct strbuf *out)
{
	strbuf_puts(out, "\xEF\xBB\xBF"
			 "scope,id,name,on_time,late,overdue,pending,total,compliance\r\n");
	for (size_t i = 0; i < r->n_offices; i++)
		csv_row(out, "office", cfg->offices[i].id, cfg->offices[i].name, &r->offices[i]);
	for (size_t i = 0; i < r->n_subcomponents; i++) {
		const struct report_subcomponent *s = &r->subcomponents[i];
		char id[16];
		snprintf(id, sizeof(id), "%u", s->number);
		csv_row(out, "subcomponent", id, s->title, &s->counts);
	}
	csv_row(out, "total", "", "Total", &r->total);
}

/* --- HTML ------------------------------------------------------------------------------ */


static const char html_style[] =
	"body{font-family:system-ui,sans-serif;color:#111;margin:2em;max-width:72em}\n"
	"h1{font-size:1.5em;margin-bottom:.2em}\n"
	"table{border-collapse:collapse;margin:1.5em 0;width:100%}\n"
	"caption{text-align:left;font-weight:bold;font-size:1.1em;padding:.4em 0}\n"
	"th,td{border:1px solid #999;padding:.3em .5em;text-align:left}\n"
	"thead th{background:#e8e8e8}\n"
	"tbody th{font-weight:normal}\n"
	".n{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}\n"
	"tfoot th,tfoot td{font-weight:bold;background:#f4f4f4}\n"
	".nota{font-size:.9em;color:#333}\n"
	"@media print{body{margin:0;font-size:10pt;max-width:none}"
	"thead{display:table-header-group}tr{break-inside:avoid}"
	"@page{size:landscape;margin:1.5cm}}\n";

static void html_cells(struct strbuf *out, char *const cell[N_COLS], const char *tag)
{
	strbuf_printf(out, "<tr><%s scope=\"row\">", tag);
	text_html(out, cell[0]);
	strbuf_printf(out, "</%s>", tag);
	for (size_t c = 1; c < N_COLS; c++) {
		strbuf_puts(out, "<td class=\"n\">");
		text_html(out, cell[c]);
		strbuf_puts(out, "</td>");
	}
	strbuf_puts(out, "</tr>\n");
}

static void html_table(struct strbuf *out, const char *caption, const char *first, struct row *rows,
		       size_t n)
{
	strbuf_puts(out, "<table>\n<caption>");
	text_html(out, caption);
	strbuf_puts(out, "</caption>\n<thead><tr>");
	for (size_t c = 0; c < N_COLS; c++) {
		strbuf_printf(out, "<th scope=\"col\"%s>", c ? " class=\"n\"" : "");
		text_html(out, c ? headers[c] : first);
		strbuf_puts(out, "</th>");
	}
	strbuf_puts(out, "</tr></thead>\n<tbody>\n");
	for (size_t i = 0; i + 1 < n; i++)
		html_cells(out, rows[i].cell, "th");
	strbuf_puts(out, "</tbody>\n<tfoot>\n");
	html_cells(out, rows[n - 1].cell, "th");
	strbuf_puts(out, "</tfoot>\n</table>\n");
}

static void html_head(const struct report *r, struct strbuf *out)
{
	struct strbuf date;
	strbuf_init(&date);
	spanish_date(&date, r->date);
	strbuf_puts(out,
		    "<!DOCTYPE html>\n<html lang=\"es\">\n<head>\n<meta charset=\"utf-8\">\n"
		    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		    "<title>Informe de seguimiento — ");
	text_html(out, date.data);
	strbuf_printf(out,
		      "</title>\n<style>\n%s</style>\n</head>\n<body>\n"
		      "<h1>Informe de seguimiento</h1>\n<p>Corte: ",
		      html_style);
	text_html(out, date.data);
	strbuf_finish(&date);
	strbuf_printf(out, ", %02d:%02d (", r->minutes / 60, r->minutes % 60);
	text_html(out, r->timezone);
	strbuf_puts(out, ")</p>\n");
}

void report_write_html(const struct report *r, const struct config *cfg, struct strbuf *out)
{
	html_head(r, out);
	for (int by_office = 1; by_office >= 0; by_office--) {
		size_t n;
		struct row *rows = rows_build(r, cfg, by_office, &n);
		html_table(out,
			   by_office ? "Cumplimiento por oficina"
				     : "Cumplimiento por subcomponente",
			   by_office ? "Oficina" : "Subcomponente", rows, n);
		rows_free(rows, n);
	}
	struct strbuf text;
	strbuf_init(&text);
	notes(r, &text, "", "\n");
	strbuf_puts(out, "<footer class=\"nota\">\n");
	for (char *line = text.data, *nl; (nl = strchr(line, '\n')) != NULL; line = nl + 1) {
		*nl = '\0';
		strbuf_puts(out, "<p>");
		text_html(out, line);
		strbuf_puts(out, "</p>\n");
	}
	strbuf_puts(out, "</footer>\n</body>\n</html>\n");
	strbuf_finish(&text);
}
