/* columns.h - what a header cell means: the column names entities give their plan tables.
 *
 * A header cell is compared by its folded words (case, accents and punctuation ignored, and
 * the words de, la, del, y, el, los, las, o, a, en, por, para, su, sus dropped), so
 * "FECHA MÁXIMA DE EJECUCIÓN" and "Fecha máxima ejecución" are one name. Roles are the
 * table's fields (table.h); the follow-up columns a control office adds (% avance,
 * Seguimiento, Observaciones, Evidencia, cuatrimestre columns) are recognized as such so they
 * are never taken for a date or an activity.
 */
#ifndef PLAZO_COLUMNS_H
#define PLAZO_COLUMNS_H

#include <stdbool.h>
#include <stddef.h>

enum {
	COLUMN_NONE = -1,    /* not a column name plazo knows */
	COLUMN_IGNORED = -2, /* a follow-up column: recognized, never read */
	COLUMN_KEY_MAX = 96, /* folded name, NUL included */
};

/* The folded words of the len bytes at s (UTF-8, already cleaned), joined by one space, into
 * key. False when there is no word, more than 8 significant words or the key would not fit:
 * such a cell is not a column name. */
bool columns_fold(const char *s, size_t len, char key[static COLUMN_KEY_MAX]);

/* The role of a folded name: an enum table_field, COLUMN_IGNORED or COLUMN_NONE. */
int columns_classify(const char *key);

/* The role of a lower header cell (folded, "" when empty) under the parent role of the cell
 * merged above it, in a two-row header: "Inicio" under "Fecha" is the start, anything under
 * "Seguimiento" is ignored, "No." under "Actividades" is the ref. */
int columns_under(int parent, const char *sub_key);

/* An activity number as printed at the start of s: "1", "1.1", "1.1.1", "Actividad 2.3",
 * "N° 4", "2.3.", "3)". True with its digits and dots at *ref (*ref_len bytes), *rest after
 * it and the punctuation and spaces that close it, and *marked when it cannot be a plain
 * count ("1.1", "1.", "1)", a label before it): a text that starts with "5 talleres" does
 * not start with a ref. Numbers of four digits or more (years, amounts) are not refs. */
bool columns_ref(const char *s, const char **ref, size_t *ref_len, const char **rest,
		 bool *marked);

#endif
