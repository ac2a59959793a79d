/* text.h - the small text primitives mail, pages and reports share: UTF-8 decoding, bidi
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
