/* text.h - the one place for text primitives: UTF-8 decoding, folding for comparison, bidi
 * control stripping and HTML escaping. */
#ifndef PLAZO_TEXT_H
#define PLAZO_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"

/* Length of the valid UTF-8 sequence at s (n > 0 bytes left) and its code point in *cp; 0
 * when the bytes there are not valid UTF-8 (overlong, surrogate, cut, over U+10FFFF). */
size_t text_utf8_next(const unsigned char *s, size_t n, uint32_t *cp);

/* Characters (code points) in the first n bytes of UTF-8 text: its display columns for the
 * plain-text tables and headings. */
size_t text_utf8_chars(const char *s, size_t n);
/* The largest character boundary at or below n in s (len bytes), so that a cut there never
 * splits a sequence. */
size_t text_utf8_floor(const char *s, size_t len, size_t n);

/* Folding for comparison: case folded, accents and other marks stripped (through utf8proc,
 * so NFC and NFD text fold alike), the Latin letters Unicode does not decompose spelt out
 * (æ ae, ø o, ð d, þ th). text_fold_char writes the folded form of cp as lower-case ASCII
 * letters and digits (UTF-8 with TEXT_FOLD_KEEP_ENYE, where ñ stays ñ) into out and returns
 * its length; 0 when cp separates words (space, punctuation, a symbol, a letter of another
 * script); -1 for a combining mark, which belongs to the letter before it. Allocates
 * nothing; ASCII takes a fast path. */
#define TEXT_FOLD_MAX 8
enum text_fold_flags {
	TEXT_FOLD_KEEP_ENYE = 1 << 0,
};
int text_fold_char(uint32_t cp, unsigned flags, char out[static TEXT_FOLD_MAX]);

/* text_fold_char's ASCII path, for loops that meet ASCII first: a letter lower-cased, a digit
 * kept (1), anything else a separator (0). */
static inline int text_fold_ascii(uint32_t cp, char *out)
{
	if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9'))
		return out[0] = (char)cp, 1;
	if (cp >= 'A' && cp <= 'Z')
		return out[0] = (char)(cp - 'A' + 'a'), 1;
	return 0;
}

/* Appends the UTF-8 encoding of cp (at most 4 bytes) to out; returns its length. */
size_t text_utf8_put(uint32_t cp, char out[static 4]);

/* The two bytes a bidi control's UTF-8 starts with (text_bidi_lead; a block scan compares
 * against them directly). */
enum { TEXT_BIDI_LEAD_1 = 0xD8, TEXT_BIDI_LEAD_2 = 0xE2 };

/* Whether byte b may start a bidi control (below): only 0xD8 (U+061C) and 0xE2 (U+200E to
 * U+2069) do, and neither can continue another sequence, so text without them has none. */
static inline bool text_bidi_lead(unsigned char b)
{
	return b == TEXT_BIDI_LEAD_1 || b == TEXT_BIDI_LEAD_2;
}

/* True for the invisible bidirectional controls (U+061C, U+200E, U+200F, U+202A..U+202E,
 * U+2066..U+2069) that can make text display in another order than it reads. */
bool text_is_bidi_control(uint32_t cp);
/* Removes those controls from the UTF-8 text s in place; returns the new length. */
size_t text_strip_bidi(char *s, size_t len);

/* Appends c, or its entity when it is one of & < > " '. */
void text_html_char(struct strbuf *out, char c);
/* Appends s with & < > " ' escaped; the bytes are otherwise copied as they are. */
void text_html(struct strbuf *out, const char *s);

#endif
