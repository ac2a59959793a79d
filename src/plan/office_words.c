/* office_words.c - the words of a text as office names are compared: folded, stop words flagged. */
#include "office_words.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"
#include "xalloc.h"

/* The stop words: de, del, la, las, el, los, para, y, e, a, en, al; by length and letters
 * instead of a string compare per word (the office matcher's hot path). */
static bool is_stop(const char *w, size_t n)
{
	switch (n) {
	case 1:
		return w[0] == 'y' || w[0] == 'e' || w[0] == 'a';
	case 2:
		return (w[0] == 'd' && w[1] == 'e') || (w[0] == 'l' && w[1] == 'a') ||
		       (w[0] == 'e' && (w[1] == 'l' || w[1] == 'n')) || (w[0] == 'a' && w[1] == 'l');
	case 3:
		return (w[0] == 'd' && w[1] == 'e' && w[2] == 'l') ||
		       (w[0] == 'l' && (w[1] == 'a' || w[1] == 'o') && w[2] == 's');
	case 4:
		return memcmp(w, "para", 4) == 0;
	default:
		return false;
	}
}

void office_words_finish(struct office_words *t)
{
	free(t->items);
	strbuf_finish(&t->pool);
}

const char *office_words_at(const struct office_words *t, size_t i)
{
	return t->pool.data + t->items[i].norm;
}

size_t office_words_len(const struct office_words *t, size_t i)
{
	return t->items[i].len;
}

static void begin_word(struct office_words *t, size_t at, size_t norm)
{
	if (t->len == t->cap)
		t->items = xgrow(t->items, &t->cap, t->len + 1, sizeof(*t->items));
	t->items[t->len++] = (struct office_word){.start = at, .norm = norm};
}

/* Closes the open word: its NUL at out[o] (the pool's bytes), its end and length. Returns
 * where the next word's bytes go. */
static size_t end_word(struct office_words *t, char *out, size_t o, size_t at)
{
	out[o] = '\0';
	struct office_word *tok = &t->items[t->len - 1];
	tok->end = at;
	tok->len = o - tok->norm;
	tok->stop = is_stop(out + tok->norm, tok->len);
	return o + 1;
}

/* text_fold_char of a non-ASCII cp, through the memo of Latin-1's letters (cp & 63 tells
 * U+00C0..U+00FF apart: the accented letters of most cells, each folded once). */
static int fold_memo(struct office_words *t, uint32_t cp, char buf[TEXT_FOLD_MAX])
{
	if (cp < 0xC0 || cp > 0xFF)
		return text_fold_char(cp, 0, buf);
	struct office_fold *f = &t->memo[cp & 63];
	if (f->cp != cp) {
		f->n = (signed char)text_fold_char(cp, 0, f->bytes);
		f->cp = cp;
	}
	memcpy(buf, f->bytes, TEXT_FOLD_MAX);
	return f->n;
}

/* The folded form of the non-ASCII character at u (len bytes, 0 when ill-formed). */
static int fold_at(struct office_words *t, const unsigned char *u, size_t *len, size_t left,
		   char buf[TEXT_FOLD_MAX])
{
	uint32_t cp;
	*len = text_utf8_next(u, left, &cp);
	return *len ? fold_memo(t, cp, buf) : 0;
}

/* Splits s into folded words, stop words included and flagged. */
void office_words_read(const char *s, struct office_words *t)
{
	*t = (struct office_words){0};
	strbuf_init(&t->pool);
	office_words_reread(s, t);
}

/* An ASCII letter lower-cased, a digit as it is; 0 for every other byte (the NUL too). */
#define LOWER8(c) c + 32, c + 33, c + 34, c + 35, c + 36, c + 37, c + 38, c + 39
/* clang-format off */
static const unsigned char ascii_folded[256] = {
	['0'] = '0', '1', '2', '3', '4', '5', '6', '7', '8', '9',
	['A'] = LOWER8('A'), LOWER8('I'), LOWER8('Q'), 'y', 'z',
	['a'] = LOWER8('a' - 32), LOWER8('i' - 32), LOWER8('q' - 32), 'y', 'z',
};
/* clang-format on */
#undef LOWER8

/* The pool's room for the words of a text of total bytes: an ASCII byte folds to at most
 * one byte, a character of k >= 2 bytes to at most TEXT_FOLD_MAX (4 a byte), and each word
 * of at least one byte ends in a NUL. */
static char *pool_room(struct office_words *t, size_t total)
{
	strbuf_reset(&t->pool); /* no overflow: total bytes are in memory, far below 2^61 */
	strbuf_reserve(&t->pool, total * (TEXT_FOLD_MAX / 2 + 1) + 1);
	return t->pool.data;
}

/* The folded bytes go straight to the pool, reserved once (the matcher reads every distinct
 * responsible cell: no copy per word, no call per letter). */
void office_words_reread(const char *s, struct office_words *t)
{
	const unsigned char *u = (const unsigned char *)(s ? s : "");
	size_t i = 0, len, total = strlen((const char *)u), o = 0;
	bool in_word = false;
	char *out = pool_room(t, total);
	t->len = 0;
	while (i < total) {
		if (ascii_folded[u[i]]) {
			if (!in_word)
				begin_word(t, i, o);
			in_word = true;
			/* stops at the NUL at u[total] at the latest */
			for (; ascii_folded[u[i]]; i++)
				out[o++] = (char)ascii_folded[u[i]];
			continue;
		}
		char buf[TEXT_FOLD_MAX];
		int n = u[i] < 0x80 ? 0 : fold_at(t, u + i, &len, total - i, buf);
		len = u[i] < 0x80 || len == 0 ? 1 : len;
		if (n == 0 || (n < 0 && !in_word)) {
			if (in_word)
				o = end_word(t, out, o, i);
			in_word = false;
		} else if (n > 0) {
			if (!in_word)
				begin_word(t, i, o);
			in_word = true;
			memcpy(out + o, buf, (size_t)n);
			o += (size_t)n;
		}
		i += len;
	}
	if (in_word)
		o = end_word(t, out, o, i);
	out[o] = '\0';
	t->pool.len = o;
	t->text_len = i;
}

/* Where the original text from token first to token last is. A ")" right after the last word
 * is kept when the piece opened more parentheses than it closed: "Oficina Jurídica (OAJ)". */
void office_words_span(const char *text, const struct office_words *t, size_t first, size_t last,
		       size_t *start_out, size_t *end_out)
{
	size_t start = t->items[first].start, end = t->items[last].end;
	size_t limit = last + 1 < t->len ? t->items[last + 1].start : t->text_len;
	long open = 0;
	const char *paren = memchr(text + start, '(', end - start); /* most pieces have none */
	for (size_t i = paren ? (size_t)(paren - text) : end; i < end; i++)
		open += text[i] == '(' ? 1 : text[i] == ')' ? -1 : 0;
	size_t j = end;
	while (open > 0 && j < limit && (text[j] == ' ' || text[j] == ')')) {
		if (text[j++] == ')') {
			end = j;
			open--;
		}
	}
	*start_out = start;
	*end_out = end;
}

char *office_words_slice(const char *text, const struct office_words *t, size_t first, size_t last)
{
	size_t start, end;
	office_words_span(text, t, first, last, &start, &end);
	return xstrndup(text + start, end - start);
}
