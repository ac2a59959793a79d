/* workbook.h - a plan table read straight from a spreadsheet: .xlsx (Office Open XML) or
 * .ods (OpenDocument), through book.h.
 *
 * Each sheet becomes a tab-separated grid in memory (one line per sheet row, cells quoted
 * when they hold line breaks) handed to the table reader (table.h), which finds the header
 * as in a TSV; the records' lines are then the sheet's row numbers and their columns the
 * sheet's columns. Merged regions below the header give their value to every row they
 * cover (a fact, not a filled-down guess). Typed dates arrive as ISO text (YYYY-MM-DD).
 * Every sheet holding a plan table is read, each a table of its own (one per PAAC
 * component); sheets without one are skipped with note[sheet-skipped].
 *
 * (Longer than 80 lines: the sheet-to-table mapping and its row table are shared by the plan
 * reader and the fuzz target.)
 */
#ifndef PLAZO_WORKBOOK_H
#define PLAZO_WORKBOOK_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "error.h"
#include "table.h"

enum workbook_kind {
	WORKBOOK_NONE, /* not a workbook: a text table */
	WORKBOOK_ZIP, /* PK: .xlsx or .ods */
	WORKBOOK_XLS, /* OLE2 compound file: a legacy .xls */
};

/* What the first bytes say. */
enum workbook_kind workbook_sniff(const void *data, size_t len);
/* The same for the file at path; WORKBOOK_NONE when it cannot be opened or is not a regular
 * file (the table reader then says why). */
enum workbook_kind workbook_sniff_file(const char *path);

/* A plan table of a workbook's sheet, or of a text file (where == NULL). */
struct workbook_part {
	struct table table;
	char *where; /* malloc'ed: "plan.xlsx:Rendición de cuentas!" (diag_format); or NULL */
};

struct workbook_parts {
	struct workbook_part *items;
	size_t len, cap;
};

void workbook_parts_finish(struct workbook_parts *w);

/* Reads every plan table of the workbook at path (data == NULL) or in len bytes at data
 * (borrowed), appending one part per sheet holding one, in the workbook's order; none when
 * no sheet does (then no-header is reported). Errors as workbook_load. */
int workbook_load_parts(const char *path, const void *data, size_t len,
			const struct table_mapping *maps, size_t n, struct workbook_parts *out,
			struct diag_list *diags, struct pz_error *err);

/* The same for path whatever it holds: a text table is one part (even when -1 is returned,
 * so its diagnostics' table is there). Bounded by max_size as workbook_table_load. */
int workbook_table_load_parts(const char *path, unsigned long long max_size,
			      const struct table_mapping *maps, size_t n,
			      struct workbook_parts *out, struct diag_list *diags,
			      struct pz_error *err);

/* Reads the first plan table of the workbook at path (data == NULL) or in len bytes at data
 * (borrowed) into t, replacing what it held. *where gets the malloc'ed diagnostic path of the sheet
 * read
 * ("plan.xlsx:Rendición de cuentas!", see diag_format), or NULL when no sheet holds a plan
 * table (then no-header is reported); later plan sheets are dropped (plazo init, the fuzzer).
 * Returns -1 with err (PZ_EDATA) for a legacy .xls, an archive that is not a workbook, a missing or
 * damaged part, or a bound hit (BOOK_MAX_BYTES inflated, cells, shared strings, entity
 * declarations); diagnostics are doubts. */
int workbook_load(struct table *t, const char *path, const void *data, size_t len,
		  const struct table_mapping *maps, size_t n, char **where, struct diag_list *diags,
		  struct pz_error *err);

/* Reads path as a workbook when its first bytes say so (workbook_load), else as a text table
 * (table_load_mapped with max_size); *where as workbook_load sets it, NULL for a text table.
 * The loader plan_load and plazo init share. */
int workbook_table_load(struct table *t, const char *path, unsigned long long max_size,
			const struct table_mapping *maps, size_t n, char **where,
			struct diag_list *diags, struct pz_error *err);

/* Gives the diagnostics from index first on that name a line of path the sheet's path where
 * (a whole-file diagnostic keeps path). */
void workbook_diag_paths(struct diag_list *diags, size_t first, const char *path,
			 const char *where);

#endif
