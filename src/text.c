#include "text.h"

#include <string.h>

size_t text_utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t len;
	uint32_t v, min;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		len = 2, v = s[0] & 0x1F, min = 0x80;
	else if ((s[0] & 0xF0) == 0xE0)
		len = 3, v = s[0] & 0x0F, min = 0x800;
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
		len = 4, v = s[0] & 0x07, min = 0x10000;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		v = v << 6 | (s[i] & 0x3F);
	}
	if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		return 0;
	*cp = v;
	return len;
}

bool text_is_bidi_control(uint32_t cp)
{
	return cp == 0x061C || cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

size_t text_strip_bidi(char *s, size_t len)
{
	size_t r = 0, w = 0;
	while (r < len) {
		uint32_t cp;
		size_t k = text_utf8_next((const unsigned char *)s + r, len - r, &cp);
		if (k == 0)
			k = 1; /* not UTF-8: copied as it is */
		else if (text_is_bidi_control(cp)) {
			r += k;
			continue;
		}
		memmove(s + w, s + r, k);
		w += k, r += k;
	}
	return w;
}

void text_html_char(struct strbuf *out, char c)
{
	switch (c) {
	case '&':
		strbuf_puts(out, "&amp;");
		break;
	case '<':
		strbuf_puts(out, "&lt;");
		break;
	case '>':
		strbuf_puts(out, "&gt;");
		break;
	case '"':
		strbuf_puts(out, "&quot;");
		break;
	case '\'':
		strbuf_puts(out, "&#39;");
		break;
	default:
		strbuf_putc(out, c);
	}
}

void text_html(struct strbuf *out, const char *s)
{
	for (; *s != '\0'; s++)
		text_html_char(out, *s);
}
