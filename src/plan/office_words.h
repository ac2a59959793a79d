/* office_words.h - the words of a text as office names are compared: folded, stop words flagged.
 *
 * Shared by office.c (normalizing, matching, suggesting) and starter_guess.c (`plazo init`'s
 * split), so that both read a cell's words alike. Stop words: de, del, la, las, el, los,
 * para, y, e, a, en, al.
 */
#ifndef PLAZO_OFFICE_WORDS_H
#define PLAZO_OFFICE_WORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"
#include "text.h"

/* One word of a text: where it is in the original and its folded form. */
struct office_word {
	size_t start; /* byte offsets of the word in the original */
	size_t end;
	size_t norm; /* offset of the NUL-terminated folded word in pool */
	size_t len;  /* its length */
	bool stop;
};

/* A Latin-1 letter's folded form, as text_fold_char gives it (cp 0: not yet folded). */
struct office_fold {
	uint32_t cp;
	signed char n;
	char bytes[TEXT_FOLD_MAX];
};

/* The words of one text; init by office_words_read, released by office_words_finish. */
struct office_words {
	struct office_word *items;
	size_t len;
	size_t cap;
	size_t text_len; /* strlen of the original */
	struct strbuf pool;
	struct office_fold memo[64]; /* U+00C0..U+00FF by cp & 63, filled as they come */
};

/* Splits s (NULL reads as "") into folded words (text.h folding: lower case, no accents),
 * stop words included and flagged; other code points and invalid bytes separate words. */
void office_words_read(const char *s, struct office_words *w);
/* The same into words already read (or zeroed, with an initialized pool), reusing their
 * memory: for a caller splitting many texts. */
void office_words_reread(const char *s, struct office_words *w);
void office_words_finish(struct office_words *w);
/* The folded form of word i, living until office_words_finish (or the next reread). */
const char *office_words_at(const struct office_words *w, size_t i);
/* Its length. */
size_t office_words_len(const struct office_words *w, size_t i);
/* A copy of text from word first to word last, the caller's to free. A ")" right after the
 * last word is kept when the piece opened more parentheses than it closed. */
char *office_words_slice(const char *text, const struct office_words *w, size_t first,
			 size_t last);
/* Where that copy starts and ends in text: [*start, *end). */
void office_words_span(const char *text, const struct office_words *w, size_t first, size_t last,
		       size_t *start, size_t *end);

#endif
