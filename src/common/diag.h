/* diag.h - diagnostics: doubts about the input, reported with file:line and a stable code.
 *
 * Readers (table, date, office, config, plan) append to a struct diag_list and never print.
 * Codes are stable kebab-case words, every one a row of diag_codes.h and of
 * docs/diagnostics.md. A diagnostic is not an error return: the reader keeps going and the caller decides what the severities mean.
 *
 * (Longer than 80 lines: the diagnostic type, its list and the code table's lookup are one
 * contract every reader shares.)
 */
#ifndef PLAZO_DIAG_H
#define PLAZO_DIAG_H

#include <stdarg.h>
#include <stddef.h>

#include "strbuf.h"

enum diag_severity {
	DIAG_NOTE,
	DIAG_WARNING,
	DIAG_ERROR,
};

struct diag {
	const char *code;            /* static string, e.g. "invalid-date" */
	enum diag_severity severity;
	char *path;                  /* the file it is about: in message's block */
	unsigned line;               /* 1-based; 0 when about the whole file */
	unsigned column;             /* 1-based field index in the row; 0 when unknown */
	char *message;               /* owned (with path), English, no trailing period */
};

struct diag_list {
	struct diag *items;
	size_t len;
	size_t cap;
};

void diag_list_init(struct diag_list *list);
void diag_list_finish(struct diag_list *list);
/* Moves the diagnostics of from, in order, to the end of list; from is left empty. */
void diag_list_take(struct diag_list *list, struct diag_list *from);

/* One row of the code table (diag_codes.h). */
struct diag_code {
	const char *code;              /* "invalid-date" */
	enum diag_severity severity;   /* as docs/diagnostics.md gives it */
	const char *meaning;           /* one line, English */
};

/* The table's row for code, or NULL when the table has none. */
const struct diag_code *diag_code_find(const char *code);

/* The table's i-th row (0-based), or NULL past the end: for walking the table. */
const struct diag_code *diag_code_at(size_t i);

/* Appends a diagnostic; code must be a string literal (it is not copied) and a row of
 * diag_codes.h (asserted: a code missing there fails every test that reaches it). */
void diag_add(struct diag_list *list, enum diag_severity severity, const char *code,
	      const char *path, unsigned line, unsigned column, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));

/* Same with a message already written (copied as it is, no format read): the cheap way to
 * repeat a diagnostic recorded before (cell_cache.h replays 200,000 at 1M rows). */
void diag_add_text(struct diag_list *list, enum diag_severity severity, const char *code,
		   const char *path, unsigned line, unsigned column, const char *message);

/* Same, with a va_list. */
void diag_vadd(struct diag_list *list, enum diag_severity severity, const char *code,
	       const char *path, unsigned line, unsigned column, const char *fmt, va_list ap)
	__attribute__((format(printf, 7, 0)));

/* Makes path the file d (in a list) is about. */
void diag_set_path(struct diag *d, const char *path);

/* Number of diagnostics of exactly that severity. */
size_t diag_count(const struct diag_list *list, enum diag_severity severity);

/* Sorts by path, then line, then column; equal items keep their order. */
void diag_sort(struct diag_list *list);

/* "error", "warning" or "note". */
const char *diag_severity_name(enum diag_severity severity);

/* Appends where d is: "FILE:LINE", "FILE" when line is 0, "plan.xlsx:Sheet!F24" for a
 * workbook sheet (below). */
void diag_where(struct strbuf *out, const struct diag *d);

/* Appends "FILE:LINE: SEVERITY[CODE]: message\n" (FILE: alone when line is 0). A path
 * ending in '!' names a workbook sheet ("plan.xlsx:Rendición de cuentas!"): the line is its
 * row and the column its letters, "plan.xlsx:Rendición de cuentas!F24: ...". */
void diag_format(struct strbuf *out, const struct diag *d);

#endif
