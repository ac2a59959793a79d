/* book.h - a workbook read into memory: sheets of cells and merged regions, as the .xlsx
 * (book_xlsx.c) and .ods (book_ods.c) readers fill it and workbook.c turns it into tables.
 * Every count is bounded; a bound hit is an error (PZ_EDATA) naming the sheet.
 */
#ifndef PLAZO_BOOK_H
#define PLAZO_BOOK_H

#include <stdbool.h>
#include <stddef.h>

#include "book_zip.h"
#include "error.h"
#include "strbuf.h"

enum {
	BOOK_MAX_ROWS = 1048576, /* Excel's own limits */
	BOOK_MAX_COLS = 16384,
	BOOK_MAX_CELLS = 2000000, /* non-empty cells in one workbook */
	BOOK_MAX_SHEETS = 256,
	BOOK_MAX_MERGES = 65536, /* per sheet */
	BOOK_MAX_STRINGS = 4000000, /* shared strings */
};
#define BOOK_MAX_TEXT (256ULL << 20) /* bytes of cell text kept, repeats included */

struct book_cell {
	unsigned row, col; /* 1-based */
	size_t off, len; /* text in the book's pool */
};

struct book_merge {
	unsigned r1, c1, r2, c2; /* 1-based, inclusive */
};

struct book_sheet {
	char *name;
	struct book_cell *cells;
	size_t n_cells, cap_cells;
	struct book_merge *merges;
	size_t n_merges, cap_merges;
};

struct book {
	struct book_sheet *sheets;
	size_t n_sheets, cap_sheets;
	struct strbuf pool; /* all cell text, NUL-separated */
	size_t n_cells;
};

void book_init(struct book *b);
void book_finish(struct book *b);

/* Adds a sheet; -1 with err past BOOK_MAX_SHEETS. */
int book_sheet_add(struct book *b, const char *name, struct pz_error *err);
/* Puts text (UTF-8, len bytes) at row/col of the last sheet, count times along the row
 * (ODS repeats); empty text is skipped. -1 with err when a bound is hit. */
int book_cell_put(struct book *b, unsigned row, unsigned col, unsigned count, const char *text,
		  size_t len, struct pz_error *err);
/* Adds a merged region to the last sheet; regions past BOOK_MAX_MERGES are an error. */
int book_merge_add(struct book *b, struct book_merge m, struct pz_error *err);

/* Readers: fill b from the package. -1 with err (PZ_EDATA) naming the part at fault. */
int book_xlsx_read(struct book_zip *z, struct book *b, struct pz_error *err);
int book_ods_read(struct book_zip *z, struct book *b, struct pz_error *err);

#endif
