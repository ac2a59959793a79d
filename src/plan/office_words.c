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

static void begin_word(struct office_words *t, size_t at)
{
	if (t->len == t->cap)
		t->items = xgrow(t->items, &t->cap, t->len + 1, sizeof(*t->items));
	t->items[t->len++] = (struct office_word){.start = at, .norm = t->pool.len};
}

/* A word's folded bytes gathered before they go to the pool in one append (the matcher
 * reads every responsible cell: one call per word, not per letter). */
struct pending {
	char buf[128 + 1]; /* and the NUL that ends a word */
	size_t len;
};

static void flush(struct office_words *t, struct pending *w)
{
	strbuf_append(&t->pool, w->buf, w->len);
	w->len = 0;
}

static void put_folded(struct office_words *t, struct pending *w, const char *b, size_t n)
{
	if (w->len + n > sizeof(w->buf) - 1)
		flush(t, w);
	if (n == 1) /* ASCII: most letters */
		w->buf[w->len] = b[0];
	else
		memcpy(w->buf + w->len, b, n);
	w->len += n;
}

static void end_word(struct office_words *t, struct pending *w, size_t at)
{
	w->buf[w->len++] = '\0';
	flush(t, w);
	struct office_word *tok = &t->items[t->len - 1];
	tok->end = at;
	tok->len = t->pool.len - 1 - tok->norm;
	tok->stop = is_stop(t->pool.data + tok->norm, tok->len);
}

/* The folded form of the character at u (len bytes, 0 when ill-formed) as text_fold_char
 * gives it, ASCII without the call: a letter lower-cased, a digit kept, else nothing. */
static int fold_at(const unsigned char *u, size_t *len, size_t left, char buf[TEXT_FOLD_MAX])
{
	unsigned char c = u[0];
	if (c < 0x80) {
		*len = 1;
		return text_fold_ascii(c, buf);
	}
	uint32_t cp;
	*len = text_utf8_next(u, left, &cp);
	return *len ? text_fold_char(cp, 0, buf) : 0;
}

/* Splits s into folded words, stop words included and flagged. */
void office_words_read(const char *s, struct office_words *t)
{
	*t = (struct office_words){0};
	strbuf_init(&t->pool);
	office_words_reread(s, t);
}

static bool ascii_alnum(unsigned char c)
{
	return (unsigned)((c | 0x20) - 'a') < 26 || (unsigned)(c - '0') < 10;
}

/* Folds the ASCII letters and digits from u[i] on into w, as its room allows (most of a
 * cell: one test a byte instead of fold_at's and put_folded's); returns where they end. */
static size_t put_ascii_run(const unsigned char *u, size_t i, size_t total, struct pending *w)
{
	size_t room = sizeof(w->buf) - 1 - w->len;
	size_t end = total - i < room ? total : i + room;
	for (; i < end && ascii_alnum(u[i]); i++)
		w->buf[w->len++] = (char)(u[i] >= 'A' ? u[i] | 0x20 : u[i]); /* a digit as it is */
	return i;
}

void office_words_reread(const char *s, struct office_words *t)
{
	const unsigned char *u = (const unsigned char *)(s ? s : "");
	size_t i = 0, len, total = strlen((const char *)u);
	bool in_word = false;
	struct pending w = {.len = 0};
	t->len = 0;
	strbuf_reset(&t->pool);
	while (i < total) {
		if (ascii_alnum(u[i])) {
			if (!in_word)
				begin_word(t, i);
			in_word = true;
			size_t end = put_ascii_run(u, i, total, &w);
			if (end > i) {
				i = end;
				continue;
			}
		}
		char buf[TEXT_FOLD_MAX];
		int n = fold_at(u + i, &len, total - i, buf);
		len = len ? len : 1;
		if (n == 0 || (n < 0 && !in_word)) {
			if (in_word)
				end_word(t, &w, i);
			in_word = false;
		} else if (n > 0) {
			if (!in_word)
				begin_word(t, i);
			in_word = true;
			put_folded(t, &w, buf, (size_t)n);
		}
		i += len;
	}
	if (in_word)
		end_word(t, &w, i);
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
