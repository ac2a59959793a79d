/* workbook.c - a sheet as a TSV grid for the table reader: merged regions filled below the
 * header, lines mapped back to sheet rows, every plan sheet a table. */
#include "workbook.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "book.h"
#include "strbuf.h"
#include "xalloc.h"

static const unsigned char zip_magic[4] = {'P', 'K', 3, 4};
static const unsigned char zip_empty[4] = {'P', 'K', 5, 6};
static const unsigned char ole2_magic[8] = {0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1};

enum workbook_kind workbook_sniff(const void *data, size_t len)
{
	if (len >= 4 && (memcmp(data, zip_magic, 4) == 0 || memcmp(data, zip_empty, 4) == 0))
		return WORKBOOK_ZIP;
	if (len >= 8 && memcmp(data, ole2_magic, 8) == 0)
		return WORKBOOK_XLS;
	return WORKBOOK_NONE;
}

enum workbook_kind workbook_sniff_file(const char *path)
{
	unsigned char head[8];
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return WORKBOOK_NONE;
	ssize_t n = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? read(fd, head, sizeof(head)) : 0;
	close(fd);
	return n > 0 ? workbook_sniff(head, (size_t)n) : WORKBOOK_NONE;
}

/* ---- the grid as text ---- */

struct grid {
	struct strbuf text;
	unsigned *row_of; /* physical line - 1 -> sheet row */
	size_t n_lines, cap_lines;
};

static void end_line(struct grid *g, unsigned row)
{
	g->row_of = xgrow(g->row_of, &g->cap_lines, g->n_lines + 1, sizeof(*g->row_of));
	g->row_of[g->n_lines++] = row;
}

/* A cell, quoted when it holds a tab, a line break or opens with a quote; CR LF and lone CR
 * become LF, each a physical line of the same row. */
static void put_cell(struct grid *g, const char *s, size_t len, unsigned row)
{
	bool quote = memchr(s, '\t', len) || memchr(s, '\n', len) || memchr(s, '\r', len) ||
		     (len > 0 && s[0] == '"');
	if (!quote) {
		strbuf_append(&g->text, s, len);
		return;
	}
	strbuf_putc(&g->text, '"');
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\r' && i + 1 < len && s[i + 1] == '\n')
			continue;
		char c = s[i] == '\r' ? '\n' : s[i];
		if (c == '"')
			strbuf_putc(&g->text, '"');
		strbuf_putc(&g->text, c);
		if (c == '\n')
			end_line(g, row);
	}
	strbuf_putc(&g->text, '"');
}

static int compare_pos(const void *a, const void *b)
{
	const struct book_cell *x = a, *y = b;
	if (x->row != y->row)
		return x->row < y->row ? -1 : 1;
	return x->col < y->col ? -1 : x->col > y->col;
}

/* By position, then by text offset: the order is the same on every run. */
static int compare_cells(const void *a, const void *b)
{
	const struct book_cell *x = a, *y = b;
	int c = compare_pos(a, b);
	return c ? c : x->off < y->off ? -1 : x->off > y->off;
}

/* cells (sorted) as lines, one per sheet row from row 1. */
static void emit(const struct book *b, const struct book_cell *cells, size_t n, struct grid *g)
{
	unsigned row = 1;
	for (size_t i = 0; i < n;) {
		for (; row < cells[i].row; row++) {
			strbuf_putc(&g->text, '\n');
			end_line(g, row);
		}
		unsigned col = 1;
		for (; i < n && cells[i].row == row; i++) {
			if (i > 0 && cells[i - 1].row == row && cells[i - 1].col == cells[i].col)
				continue; /* a cell hidden under a merged region */
			for (; col < cells[i].col; col++)
				strbuf_putc(&g->text, '\t');
			put_cell(g, b->pool.data + cells[i].off, cells[i].len, row);
		}
		strbuf_putc(&g->text, '\n');
		end_line(g, row++);
	}
}

static const struct book_cell *find_cell(const struct book_cell *cells, size_t n, unsigned row,
					 unsigned col)
{
	struct book_cell key = {row, col, 0, 0};
	const struct book_cell *c = bsearch(&key, cells, n, sizeof(*cells), compare_pos);
	while (c && c > cells && c[-1].row == row && c[-1].col == col)
		c--;
	return c;
}

/* Where merged regions give their value: below the header, and across the date columns. */
struct fill {
	unsigned header_end; /* 0: nowhere (the first parse, which finds the header) */
	unsigned start_col, due_col; /* the table's date columns, 0 when absent */
};

/* A region's value goes along its row only where every column it spans is a date column (one
 * date merged over Inicio and Fin is both); elsewhere (a title merged across the table, text
 * over two columns) it stays in its first column, as an export shows it. */
static unsigned last_col(const struct book_merge *r, const struct fill *f)
{
	for (unsigned c = r->c1; c <= r->c2; c++)
		if (c != f->start_col && c != f->due_col)
			return r->c1;
	return r->c2;
}

/* The sheet's cells, sorted, with each merged region below the header giving its value to
 * the rows it covers (in its first column, and along date columns: last_col). */
static struct book_cell *filled(const struct book_sheet *s, const struct fill *f, size_t *n)
{
	size_t cap = s->n_cells + 1;
	struct book_cell *cells = xmalloc(cap * sizeof(*cells));
	memcpy(cells, s->cells, s->n_cells * sizeof(*cells));
	qsort(cells, s->n_cells, sizeof(*cells), compare_cells);
	*n = s->n_cells;
	for (size_t m = 0; f->header_end > 0 && m < s->n_merges; m++) {
		const struct book_merge *r = &s->merges[m];
		const struct book_cell *top = find_cell(cells, s->n_cells, r->r1, r->c1);
		if (r->r1 <= f->header_end || top == NULL)
			continue;
		struct book_cell from = *top;
		unsigned c2 = last_col(r, f);
		for (unsigned row = r->r1; row <= r->r2 && *n < BOOK_MAX_CELLS; row++)
			for (unsigned col = r->c1; col <= c2 && *n < BOOK_MAX_CELLS; col++) {
				if (row == r->r1 && col == r->c1)
					continue;
				cells = xgrow(cells, &cap, *n + 1, sizeof(*cells));
				cells[(*n)++] = (struct book_cell){row, col, from.off, from.len};
			}
	}
	qsort(cells, *n, sizeof(*cells), compare_cells);
	return cells;
}

/* ---- a sheet through the table reader ---- */

static unsigned row_at(const struct grid *g, unsigned line)
{
	return line >= 1 && line <= g->n_lines ? g->row_of[line - 1] : line;
}

static void remap(const struct grid *g, struct table *t, struct diag_list *d, size_t first)
{
	t->header_line = row_at(g, t->header_line);
	for (size_t i = 0; i < t->n_records; i++)
		t->records[i].line = row_at(g, t->records[i].line);
	for (size_t i = first; i < d->len; i++)
		d->items[i].line = row_at(g, d->items[i].line);
}

struct sheet_read {
	const struct book *b;
	const struct book_sheet *s;
	const char *where;
	const struct table_mapping *maps;
	size_t n_maps;
};

static bool parse_grid(const struct sheet_read *r, const struct fill *f, struct table *t,
		       struct diag_list *d)
{
	struct grid g = {.row_of = NULL};
	size_t n;
	struct book_cell *cells = filled(r->s, f, &n);
	strbuf_init(&g.text);
	emit(r->b, cells, n, &g);
	free(cells);
	size_t len = g.text.len, first = d->len;
	bool ok =
		table_parse_mapped(t, r->where, strbuf_steal(&g.text), len, r->maps, r->n_maps, d);
	remap(&g, t, d, first);
	free(g.row_of);
	return ok;
}

static bool has_fill(const struct book_sheet *s, unsigned header_end)
{
	for (size_t m = 0; m < s->n_merges; m++)
		if (s->merges[m].r1 > header_end &&
		    (s->merges[m].r2 > s->merges[m].r1 || s->merges[m].c2 > s->merges[m].c1))
			return true;
	return false;
}

/* Parses the sheet once to find its header, again with the regions below it filled. */
static bool parse_sheet(const struct sheet_read *r, struct table *t, struct diag_list *d)
{
	if (r->s->n_cells == 0)
		return false;
	struct fill f = {0, 0, 0};
	bool ok = parse_grid(r, &f, t, d);
	f.header_end = t->header_line + (t->header_rows ? t->header_rows - 1 : 0);
	f.start_col = t->column[TABLE_START];
	f.due_col = t->column[TABLE_DATE];
	if (!ok || !has_fill(r->s, f.header_end))
		return ok;
	diag_list_finish(d);
	diag_list_init(d);
	return parse_grid(r, &f, t, d);
}

/* ---- the workbook ---- */

struct choice {
	const char *path;
	struct workbook_parts *parts;
	struct strbuf skipped; /* names of the sheets without a plan table */
	struct diag_list weak; /* the first weak header's diagnostics (missing-column) */
	bool have_weak;
};

static void keep_part(struct choice *c, const struct sheet_read *r, struct table *t)
{
	struct workbook_parts *w = c->parts;
	w->items = xgrow(w->items, &w->cap, w->len + 1, sizeof(*w->items));
	w->items[w->len++] = (struct workbook_part){*t, xstrdup(r->where)};
	table_init(t);
}

static void consider_sheet(struct choice *c, const struct sheet_read *r, struct diag_list *diags)
{
	struct table cand;
	struct diag_list d;
	table_init(&cand);
	diag_list_init(&d);
	bool ok = parse_sheet(r, &cand, &d);
	if (ok) {
		keep_part(c, r, &cand);
		diag_list_take(diags, &d);
		return;
	}
	diag_add(diags, DIAG_NOTE, "sheet-skipped", c->path, 0, 0,
		 "sheet '%s' holds no plan table (no header row): skipped", r->s->name);
	if (!c->have_weak && cand.header_line > 0) {
		c->weak = d;
		c->have_weak = true;
		diag_list_init(&d);
	}
	strbuf_printf(&c->skipped, "%s'%s'", c->skipped.len ? ", " : "", r->s->name);
	table_finish(&cand);
	diag_list_finish(&d);
}

static void choose(const struct book *b, const char *path, const struct table_mapping *maps,
		   size_t n, struct workbook_parts *parts, struct diag_list *diags)
{
	struct choice c = {.path = path, .parts = parts};
	strbuf_init(&c.skipped);
	diag_list_init(&c.weak);
	for (size_t i = 0; i < b->n_sheets; i++) {
		char *sheet_where = xasprintf("%s:%s!", path, b->sheets[i].name);
		struct sheet_read r = {b, &b->sheets[i], sheet_where, maps, n};
		consider_sheet(&c, &r, diags);
		free(sheet_where);
	}
	if (parts->len == 0 && c.have_weak)
		diag_list_take(diags, &c.weak);
	else if (parts->len == 0)
		diag_add(diags, DIAG_ERROR, "no-header", path, 0, 0,
			 "no sheet of the workbook holds a plan table (sheets: %s): none has a "
			 "header "
			 "row naming a due date column (Fecha, Fecha Programada, Fecha límite...) "
			 "and "
			 "an activity or responsible column",
			 c.skipped.len ? c.skipped.data : "none");
	diag_list_finish(&c.weak);
	strbuf_finish(&c.skipped);
}

static int read_book(const char *path, const void *data, size_t len, struct book *b,
		     struct pz_error *err)
{
	struct book_zip *z = data ? book_zip_open_buffer(data, len, err) : book_zip_open(path, err);
	if (z == NULL)
		return -1;
	int rc;
	if (book_zip_has(z, "_rels/.rels"))
		rc = book_xlsx_read(z, b, err);
	else if (book_zip_has(z, "content.xml"))
		rc = book_ods_read(z, b, err);
	else
		rc = PZ_FAIL(err, PZ_EDATA, path,
			     "a zip archive but not a workbook: it has neither _rels/.rels (.xlsx) "
			     "nor content.xml (.ods)");
	book_zip_close(z);
	if (rc < 0)
		pz_error_prefix(err, "%s", path);
	return rc;
}

void workbook_parts_finish(struct workbook_parts *w)
{
	for (size_t i = 0; w && i < w->len; i++) {
		table_finish(&w->items[i].table);
		free(w->items[i].where);
	}
	if (w) {
		free(w->items);
		memset(w, 0, sizeof(*w));
	}
}

int workbook_load_parts(const char *path, const void *data, size_t len,
			const struct table_mapping *maps, size_t n, struct workbook_parts *out,
			struct diag_list *diags, struct pz_error *err)
{
	bool xls = data ? workbook_sniff(data, len) == WORKBOOK_XLS
			: workbook_sniff_file(path) == WORKBOOK_XLS;
	if (xls)
		return PZ_FAIL(
			err, PZ_EDATA, path,
			"%s is a legacy Excel .xls workbook, which plazo does not read: open "
			"it and save it as .xlsx (Excel Workbook), or export the plan sheet "
			"as CSV",
			path);
	struct book b;
	book_init(&b);
	int rc = read_book(path, data, len, &b, err);
	if (rc == 0)
		choose(&b, path, maps, n, out, diags);
	book_finish(&b);
	return rc;
}

/* The first part into t, *where its place; the others dropped. */
static void take_first(struct workbook_parts *w, struct table *t, char **where)
{
	if (w->len > 0) {
		*t = w->items[0].table;
		*where = w->items[0].where;
		table_init(&w->items[0].table);
		w->items[0].where = NULL;
	}
	workbook_parts_finish(w);
}

int workbook_load(struct table *t, const char *path, const void *data, size_t len,
		  const struct table_mapping *maps, size_t n, char **where, struct diag_list *diags,
		  struct pz_error *err)
{
	struct workbook_parts w = {0};
	*where = NULL;
	table_finish(t);
	int rc = workbook_load_parts(path, data, len, maps, n, &w, diags, err);
	take_first(&w, t, where);
	return rc;
}

static int check_size(const char *path, unsigned long long max_size, struct pz_error *err)
{
	struct stat st;
	if (stat(path, &st) == 0 && (unsigned long long)st.st_size > max_size)
		return PZ_FAIL(err, PZ_EDATA, path,
			       "%s is larger than [plan] max_size (%llu bytes); raise max_size if "
			       "the plan really is this large",
			       path, max_size);
	return 0;
}

int workbook_table_load(struct table *t, const char *path, unsigned long long max_size,
			const struct table_mapping *maps, size_t n, char **where,
			struct diag_list *diags, struct pz_error *err)
{
	*where = NULL;
	if (workbook_sniff_file(path) == WORKBOOK_NONE)
		return table_load_mapped(t, path, max_size, maps, n, diags, err);
	if (check_size(path, max_size, err) < 0)
		return -1;
	return workbook_load(t, path, NULL, 0, maps, n, where, diags, err);
}

int workbook_table_load_parts(const char *path, unsigned long long max_size,
			      const struct table_mapping *maps, size_t n,
			      struct workbook_parts *out, struct diag_list *diags,
			      struct pz_error *err)
{
	if (workbook_sniff_file(path) != WORKBOOK_NONE)
		return check_size(path, max_size, err) < 0
			       ? -1
			       : workbook_load_parts(path, NULL, 0, maps, n, out, diags, err);
	struct table t;
	table_init(&t);
	int rc = table_load_mapped(&t, path, max_size, maps, n, diags, err);
	out->items = xgrow(out->items, &out->cap, out->len + 1, sizeof(*out->items));
	out->items[out->len++] = (struct workbook_part){t, NULL};
	return rc;
}

void workbook_diag_paths(struct diag_list *diags, size_t first, const char *path, const char *where)
{
	for (size_t i = first; where && i < diags->len; i++) {
		struct diag *d = &diags->items[i];
		if (d->line > 0 && strcmp(d->path, path) == 0) {
			diag_set_path(d, where);
		}
	}
}
