/* book_ods.c - OpenDocument spreadsheets: content.xml's tables, rows and cells with their
 * repeats (bounded), spans as merged regions, office:date-value as the date, text:p
 * paragraphs joined by line breaks, text:s runs of spaces, annotations left out. */
#include "book.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

enum { MAX_SPACES = 1024 };

struct pending {
	unsigned col, count;
	size_t off, len; /* in row_text */
};

struct ods {
	struct book *b;
	struct pz_error *err;
	bool failed;
	int tables; /* depth of table:table */
	unsigned row, col; /* next row; next column, 1-based */
	unsigned row_repeat;
	struct pending *cells; /* the cells of the current row */
	size_t n_cells, cap_cells;
	struct strbuf row_text;
	struct strbuf text; /* the current cell's text */
	unsigned cell_repeat;
	char date[11];
	bool in_cell;
	bool covered; /* a cell under a span: its content is hidden, the span's value counts */
	int paragraphs;
	int in_p, skip; /* inside text:p; inside office:annotation */
};

static unsigned attr_count(const char **attrs, const char *name)
{
	const char *v = book_xml_attr(attrs, name);
	unsigned long n = v ? strtoul(v, NULL, 10) : 1;
	return n == 0 ? 1 : n > BOOK_MAX_ROWS ? BOOK_MAX_ROWS + 1U : (unsigned)n;
}

static void table_start(struct ods *o, const char **attrs)
{
	const char *name = book_xml_attr(attrs, "name");
	if (o->tables++ > 0)
		return;
	o->row = 1;
	if (book_sheet_add(o->b, name ? name : "", o->err) < 0)
		o->failed = true;
}

static void cell_start(struct ods *o, const char **attrs, bool covered)
{
	const char *type = book_xml_attr(attrs, "value-type");
	const char *date = book_xml_attr(attrs, "date-value");
	unsigned rows = attr_count(attrs, "number-rows-spanned");
	unsigned cols = attr_count(attrs, "number-columns-spanned");
	o->cell_repeat = attr_count(attrs, "number-columns-repeated");
	o->in_cell = true;
	o->covered = covered;
	o->paragraphs = 0;
	strbuf_reset(&o->text);
	o->date[0] = '\0';
	if (!covered && type && strcmp(type, "date") == 0 && date && strlen(date) >= 10)
		snprintf(o->date, sizeof(o->date), "%.10s", date);
	if (!covered && (rows > 1 || cols > 1) && o->row <= BOOK_MAX_ROWS &&
	    o->col <= BOOK_MAX_COLS &&
	    book_merge_add(
		    o->b, (struct book_merge){o->row, o->col, o->row + rows - 1, o->col + cols - 1},
		    o->err) < 0)
		o->failed = true;
}

static void cell_end(struct ods *o)
{
	const char *s = o->date[0] ? o->date : o->text.data;
	size_t len = o->date[0] ? 10 : o->text.len;
	o->in_cell = false;
	if (len > 0 && !o->covered && o->col <= BOOK_MAX_COLS) {
		o->cells = xgrow(o->cells, &o->cap_cells, o->n_cells + 1, sizeof(*o->cells));
		o->cells[o->n_cells++] =
			(struct pending){o->col, o->cell_repeat, o->row_text.len, len};
		strbuf_append(&o->row_text, s, len);
	}
	o->col = o->col + o->cell_repeat > BOOK_MAX_COLS ? BOOK_MAX_COLS + 1
							 : o->col + o->cell_repeat;
}

/* The row's cells, once per repeat; an empty row repeated only moves the row counter. */
static void row_end(struct ods *o)
{
	for (unsigned r = 0; o->n_cells > 0 && r < o->row_repeat && !o->failed; r++) {
		for (size_t i = 0; i < o->n_cells && !o->failed; i++) {
			const struct pending *c = &o->cells[i];
			unsigned count = c->count;
			if (count > BOOK_MAX_COLS - c->col + 1)
				count = BOOK_MAX_COLS - c->col + 1;
			if (book_cell_put(o->b, o->row + r, c->col, count,
					  o->row_text.data + c->off, c->len, o->err) < 0)
				o->failed = true;
		}
	}
	o->row =
		o->row + o->row_repeat > BOOK_MAX_ROWS ? BOOK_MAX_ROWS + 1 : o->row + o->row_repeat;
}

static void text_start(struct ods *o, const char *name, const char **attrs)
{
	if (strcmp(name, "annotation") == 0) {
		o->skip++;
	} else if (o->skip > 0) {
		return;
	} else if (strcmp(name, "p") == 0 || strcmp(name, "h") == 0) {
		if (o->paragraphs++ > 0)
			strbuf_putc(&o->text, '\n');
		o->in_p++;
	} else if (strcmp(name, "s") == 0) {
		const char *c = book_xml_attr(attrs, "c");
		unsigned long n = c ? strtoul(c, NULL, 10) : 1;
		for (unsigned long i = 0; i < n && i < MAX_SPACES; i++)
			strbuf_putc(&o->text, ' ');
	} else if (strcmp(name, "line-break") == 0) {
		strbuf_putc(&o->text, '\n');
	} else if (strcmp(name, "tab") == 0) {
		strbuf_putc(&o->text, '\t');
	}
}

static void ods_start(void *user, const char *name, const char **attrs)
{
	struct ods *o = user;
	if (strcmp(name, "table") == 0) {
		table_start(o, attrs);
	} else if (o->tables != 1) {
		return;
	} else if (strcmp(name, "table-row") == 0) {
		o->row_repeat = attr_count(attrs, "number-rows-repeated");
		o->col = 1;
		o->n_cells = 0;
		strbuf_reset(&o->row_text);
	} else if (strcmp(name, "table-cell") == 0 || strcmp(name, "covered-table-cell") == 0) {
		cell_start(o, attrs, name[0] == 'c');
	} else if (o->in_cell) {
		text_start(o, name, attrs);
	}
}

static void ods_end(void *user, const char *name)
{
	struct ods *o = user;
	if (strcmp(name, "table") == 0 && o->tables > 0)
		o->tables--;
	else if (o->tables != 1)
		return;
	else if (strcmp(name, "table-row") == 0)
		row_end(o);
	else if (strcmp(name, "table-cell") == 0 || strcmp(name, "covered-table-cell") == 0)
		cell_end(o);
	else if (strcmp(name, "annotation") == 0 && o->skip > 0)
		o->skip--;
	else if ((strcmp(name, "p") == 0 || strcmp(name, "h") == 0) && o->in_p > 0 && !o->skip)
		o->in_p--;
}

static void ods_text(void *user, const char *s, int len)
{
	struct ods *o = user;
	if (o->in_cell && o->in_p > 0 && o->skip == 0) {
		strbuf_append(&o->text, s, (size_t)len);
		if (o->text.len > BOOK_MAX_TEXT) {
			PZ_FAIL(o->err, PZ_EDATA, "content.xml",
				"a cell of content.xml is too long");
			o->failed = true;
		}
	}
}

int book_ods_read(struct book_zip *z, struct book *b, struct pz_error *err)
{
	struct ods o = {.b = b, .err = err};
	struct book_xml h = {ods_start, ods_end, ods_text, &o, &o.failed};
	strbuf_init(&o.row_text);
	strbuf_init(&o.text);
	int rc = book_zip_parse(z, "content.xml", "the spreadsheet's content", &h, err);
	free(o.cells);
	strbuf_finish(&o.row_text);
	strbuf_finish(&o.text);
	return rc;
}
