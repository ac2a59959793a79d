/* text.h - the small text primitives mail, pages and reports share: UTF-8 decoding and HTML
 * escaping. */
#ifndef PLAZO_TEXT_H
#define PLAZO_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"

/* Length of the valid UTF-8 sequence at s (n > 0 bytes left) and its code point in *cp; 0
 * when the bytes there are not valid UTF-8 (overlong, surrogate, cut, over U+10FFFF). */
size_t text_utf8_next(const unsigned char *s, size_t n, uint32_t *cp);

/* Appends c, or its entity when it is one of & < > " '. */
void text_html_char(struct strbuf *out, char c);
/* Appends s with & < > " ' escaped; the bytes are otherwise copied as they are. */
void text_html(struct strbuf *out, const char *s);

#endif
