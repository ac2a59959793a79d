/* office.h - office names: normalization, matching a responsible cell, suggesting the nearest.
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

#include "office_words.h"
#include "strbuf.h"

struct office_matcher;

/* One piece of a responsible cell. */
struct office_piece {
	bool matched;
	size_t target;  /* the target of the matched name, when matched */
	char *text;     /* the original text of the piece, trimmed, in the pieces' pool: lives
			 * until the next office_split into the same pieces (the pool may
			 * move), office_pieces_clear or office_pieces_finish */
	size_t text_at; /* its offset in the pool */
};

/* The pieces of the cells split into it, and what office_split keeps between calls so that
 * splitting many cells allocates nothing once warm. */
struct office_pieces {
	struct office_piece *items;
	size_t len;
	size_t cap;
	struct strbuf pool;         /* the pieces' texts, NUL-terminated */
	struct office_words words;  /* the last cell's words */
	size_t *scratch;            /* the segmentation's arrays */
	size_t cap_scratch;
};

/* Returns a newly allocated normalized key: lower case ASCII words without accents,
 * punctuation and stop words, separated by one space ("Secretaría de Desarrollo Social y
 * Participación." -> "secretaria desarrollo social participacion"). Latin-1 letters fold to
 * their base letter (ñ -> n, ß -> ss); combining marks are dropped; other code points and
 * invalid UTF-8 bytes separate words. NULL reads as "". The result may be "". */
char *office_normalize(const char *name);

struct office_matcher *office_matcher_new(void);
void office_matcher_free(struct office_matcher *m);
/* Adds a name for target. Returns false when the normalized name is empty or already
 * names a different target (the caller reports the clash); true, keeping the first
 * spelling, when it already names the same target. */
bool office_matcher_add(struct office_matcher *m, const char *name, size_t target);

void office_pieces_init(struct office_pieces *p);
void office_pieces_finish(struct office_pieces *p);
/* Drops the pieces, keeping the memory for the next split. */
void office_pieces_clear(struct office_pieces *p);

/* Appends the pieces of cell to out, in order: known names, and each run of unknown words
 * between them as one unmatched piece. Of all segmentations it picks the one leaving the
 * fewest words unmatched, then the one with the fewest names (so the longest names), then
 * the earliest match. A piece's text is the original substring from its first to its last
 * word: connecting punctuation ("-", ",", ";", "/") and stop words ("y", "e", "de") around
 * it are dropped, and so are pieces made only of them. */
void office_split(const struct office_matcher *m, const char *cell, struct office_pieces *out);

/* The known name closest to text, as it was added: the highest Jaccard index of normalized
 * words (a word one edit away, two from 8 letters, counts as shared), ties to the smallest
 * edit distance; with no shared word, the smallest edit distance if at most half the longer
 * length. NULL when nothing is close. Only the first 32 distinct words of text and strings
 * up to 200 bytes are compared. The pointer lives until office_matcher_free. */
const char *office_suggest(const struct office_matcher *m, const char *text);

#endif
