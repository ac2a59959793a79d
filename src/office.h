/* office.h - office names: normalization, matching a responsible cell, guessing offices.
 *
 * Names compare case-, accent- and punctuation-insensitively, ignoring the words de, del, la,
 * las, el, los, para, y, e, a, en, al (office_normalize). A responsible cell often names several
 * offices with no delimiter; office_split segments it against a directory of known names by
 * longest match over normalized words. The directory is generic: each name maps to a target
 * number chosen by the caller (an office or a group index).
 */
#ifndef PLAZO_OFFICE_H
#define PLAZO_OFFICE_H

#include <stdbool.h>
#include <stddef.h>

struct office_matcher;

/* One piece of a responsible cell. */
struct office_piece {
	bool matched;
	size_t target;  /* the target of the matched name, when matched */
	char *text;     /* owned: the original text of the piece, trimmed */
};

struct office_pieces {
	struct office_piece *items;
	size_t len;
	size_t cap;
};

/* Returns a newly allocated normalized key: lower case ASCII words without accents,
 * punctuation and stop words, separated by one space ("Secretaría de Desarrollo Social y
 * Participación." -> "secretaria desarrollo social participacion"). */
char *office_normalize(const char *name);

struct office_matcher *office_matcher_new(void);
void office_matcher_free(struct office_matcher *m);
/* Adds a name for target. Returns false when the normalized name is empty or already
 * names a different target (the caller reports the clash). */
bool office_matcher_add(struct office_matcher *m, const char *name, size_t target);

void office_pieces_init(struct office_pieces *p);
void office_pieces_finish(struct office_pieces *p);

/* Segments cell into pieces, in order: the longest known name at each word, and runs of
 * unknown words between them as unmatched pieces. Connecting punctuation ("-", ",", ";",
 * "/", "y", "e") between names is dropped. */
void office_split(const struct office_matcher *m, const char *cell, struct office_pieces *out);

/* The known name closest to text (by word overlap and edit distance), as it was added;
 * NULL when nothing is reasonably close. The pointer lives until office_matcher_free. */
const char *office_suggest(const struct office_matcher *m, const char *text);

/* Heuristic segmentation without a directory, for `plazo init`: splits a cell at the words
 * that start an office name (Secretaría, Oficina, Departamento, Dirección, Equipo, ...),
 * keeping "Equipo comunicaciones X" as one name. Appends owned strings to out. */
void office_guess_split(const char *cell, char ***out, size_t *n_out, size_t *cap_out);

#endif
