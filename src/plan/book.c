/* book.c - the in-memory workbook: sheets, cells and merged regions, every count bounded. */
#include "book.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

void book_init(struct book *b)
{
	memset(b, 0, sizeof(*b));
	strbuf_init(&b->pool);
}

void book_finish(struct book *b)
{
	for (size_t i = 0; i < b->n_sheets; i++) {
		free(b->sheets[i].name);
		free(b->sheets[i].cells);
		free(b->sheets[i].merges);
	}
	free(b->sheets);
	strbuf_finish(&b->pool);
	book_init(b);
}

int book_sheet_add(struct book *b, const char *name, struct pz_error *err)
{
	if (b->n_sheets >= BOOK_MAX_SHEETS)
		return PZ_FAIL(err, PZ_EDATA, name, "workbook has more than %d sheets",
			       BOOK_MAX_SHEETS);
	b->sheets = xgrow(b->sheets, &b->cap_sheets, b->n_sheets + 1, sizeof(*b->sheets));
	b->sheets[b->n_sheets++] = (struct book_sheet){.name = xstrdup(name)};
	return 0;
}

static bool blank(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
			return false;
	return true;
}

int book_cell_put(struct book *b, unsigned row, unsigned col, unsigned count, const char *text,
		  size_t len, struct pz_error *err)
{
	struct book_sheet *s = &b->sheets[b->n_sheets - 1];
	if (blank(text, len) || count == 0)
		return 0;
	if (row == 0 || row > BOOK_MAX_ROWS || col == 0 || col > BOOK_MAX_COLS ||
	    count > BOOK_MAX_COLS - col + 1)
		return PZ_FAIL(err, PZ_EDATA, s->name,
			       "sheet '%s': a cell lies outside %d rows by %d columns", s->name,
			       BOOK_MAX_ROWS, BOOK_MAX_COLS);
	if (b->n_cells + count > BOOK_MAX_CELLS ||
	    b->pool.len + (unsigned long long)(len + 1) * count > BOOK_MAX_TEXT)
		return PZ_FAIL(err, PZ_EDATA, s->name,
			       "sheet '%s': workbook holds more than %d cells or %llu MiB of text",
			       s->name, BOOK_MAX_CELLS, BOOK_MAX_TEXT >> 20);
	size_t off = b->pool.len;
	strbuf_append(&b->pool, text, len);
	strbuf_putc(&b->pool, '\0');
	s->cells = xgrow(s->cells, &s->cap_cells, s->n_cells + count, sizeof(*s->cells));
	for (unsigned i = 0; i < count; i++)
		s->cells[s->n_cells++] = (struct book_cell){row, col + i, off, len};
	b->n_cells += count;
	return 0;
}

int book_merge_add(struct book *b, struct book_merge m, struct pz_error *err)
{
	struct book_sheet *s = &b->sheets[b->n_sheets - 1];
	if (m.r1 == 0 || m.c1 == 0 || m.r2 < m.r1 || m.c2 < m.c1 || m.r2 > BOOK_MAX_ROWS ||
	    m.c2 > BOOK_MAX_COLS)
		return 0; /* a region that cannot be: ignored, its cells read as they are */
	if (s->n_merges >= BOOK_MAX_MERGES)
		return PZ_FAIL(err, PZ_EDATA, s->name, "sheet '%s' has more than %d merged regions",
			       s->name, BOOK_MAX_MERGES);
	s->merges = xgrow(s->merges, &s->cap_merges, s->n_merges + 1, sizeof(*s->merges));
	s->merges[s->n_merges++] = m;
	return 0;
}
