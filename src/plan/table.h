/* table.h - the plan table as organizations export it: TSV or CSV, found by its header.
 *
 * Detects, never configured: encoding (UTF-8 with or without byte-order mark, else
 * Windows-1252), delimiter (tab, ';' or ','), RFC 4180 quoting (delimiters, doubled quotes and
 * line breaks inside quoted fields), CRLF or LF. The header row is found by its column names
 * in any order, case- and accent-insensitive, with Spanish synonyms; title lines before it,
 * blank lines and repeated header rows are skipped; unknown columns are ignored; HTML tags
 * such as <b> are stripped and the common entities decoded; fields are trimmed.
 *
 * (Longer than 80 lines: the record and header types are plain data the plan reader and the
 * workbook reader both fill and read.)
 */
#ifndef PLAZO_TABLE_H
#define PLAZO_TABLE_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "error.h"

enum table_field {
	TABLE_SUBCOMPONENT, /* "Subcomponente" */
	TABLE_NUMBER,       /* "#", "N°", "No.", "Número" */
	TABLE_ACTIVITY,     /* "Actividad(es)" */
	TABLE_GOAL,         /* "Meta", "Meta / Producto", "Producto" */
	TABLE_RESPONSIBLE,  /* "Responsable(s)", "Dependencia responsable" */
	TABLE_DATE,         /* the due date: "Fecha Programada", "Fecha límite", "Fecha fin" */
	TABLE_START,        /* "Fecha inicio", "Inicio" under a merged "Fecha" */
	TABLE_NFIELDS,
};

/* A header the configuration maps to a field ([columns] due = FECHA MÁXIMA DE EJECUCIÓN):
 * compared by folded words, before plazo's own names. */
struct table_mapping {
	enum table_field field;
	const char *header;
};

/* A data row below the header: neither blank nor a repeated header. */
struct table_record {
	unsigned line;                      /* physical line where the row starts, 1-based */
	const char *field[TABLE_NFIELDS];   /* UTF-8, NUL-terminated, "" when absent or empty */
	unsigned column[TABLE_NFIELDS];     /* 1-based column of each field; 0 when absent */
};

struct table {
	char *text;                    /* owned UTF-8 text; record fields point into it */
	size_t text_map;               /* bytes mapped at text, 0 when malloc'ed */
	struct table_record *records;  /* owned */
	size_t n_records;
	size_t cap_records;
	size_t records_map;            /* bytes of address space at records (xmap_reserve) */
	const char *encoding;          /* "UTF-8", "UTF-8 (BOM)" or "Windows-1252"; static */
	char delimiter;                /* '\t', ';' or ',' */
	unsigned header_line;          /* 0 when no header was found */
	unsigned header_rows;          /* 1, or 2 for a header with merged cells over a second row */
	bool has_field[TABLE_NFIELDS]; /* columns present in the header */
	unsigned column[TABLE_NFIELDS]; /* 1-based column of each field; 0 when absent */
	char column_name[TABLE_NFIELDS][64]; /* the header text taken ("Fecha / Inicio") */
};

void table_init(struct table *t);
void table_finish(struct table *t);
/* Frees the records once they have been read; the text (what they pointed to) stays. */
void table_drop_records(struct table *t);
/* Gives back the memory of records [first, n) (the whole pages inside), which must not be
 * read again, while the rest stay: for a reader going through the rows once, in order (two
 * readers may release disjoint ranges at once). */
void table_release_records(struct table *t, size_t first, size_t n);

/* Parses len bytes of data, replacing whatever t held. Takes ownership of data, which must
 * come from malloc and have room for len + 1 bytes (the text is decoded and unquoted in place
 * where possible). Diagnostics (path:line) go to diags: empty-input, binary-input, no-header
 * and missing-column (errors: no usable table), unterminated-quote (error), invalid-utf8
 * (warning: bytes replaced by U+FFFD), undefined-byte (warning: a byte Windows-1252 leaves
 * undefined, replaced by U+FFFD), encoding-windows-1252 (note), long-cell (warning).
 * Returns true when a header was found and records can be used; when false, n_records is 0. */
bool table_parse(struct table *t, const char *path, char *data, size_t len,
		 struct diag_list *diags);
/* The same with n header mappings (borrowed, read during the call only). */
bool table_parse_mapped(struct table *t, const char *path, char *data, size_t len,
			const struct table_mapping *maps, size_t n, struct diag_list *diags);

/* Text of at least this many bytes below the header is read on two threads, split at a record
 * boundary near its middle (the same records and diagnostics as one thread reads). */
enum { TABLE_SPLIT_MIN = 1 << 20 };
/* Sets that bound (0: TABLE_SPLIT_MIN), for the tests that read small tables both ways; not
 * thread-safe against a parse in progress. */
void table_set_split_min(size_t bytes);

/* The largest plan file read unless [plan] max_size says otherwise (1 GiB). */
#define TABLE_DEFAULT_MAX_SIZE (1ULL << 30)

/* Reads the file at path and parses it. Returns 0, or -1 with err filled when the file cannot
 * be read (PZ_EIO), is not a regular file (a FIFO, a device such as /dev/zero, a folder) or
 * holds more than max_size bytes (PZ_ECONFIG: nothing is read past the limit, so a growing or
 * huge file cannot exhaust memory); the table's own doubts are diagnostics, not errors. */
int table_load(struct table *t, const char *path, unsigned long long max_size,
	       struct diag_list *diags, struct pz_error *err);
int table_load_mapped(struct table *t, const char *path, unsigned long long max_size,
		      const struct table_mapping *maps, size_t n, struct diag_list *diags,
		      struct pz_error *err);

/* Field name for messages and JSON: "subcomponent", "number", ... */
const char *table_field_name(enum table_field field);
/* Role name as [columns] keys and `plazo check` notes spell it: "subcomponent", "ref",
 * "activity", "goal", "responsible", "due", "start"; table_role_parse is the inverse. */
const char *table_role_name(enum table_field field);
bool table_role_parse(const char *name, enum table_field *out);

#endif
