#include "text.h"

#include <string.h>

#include <utf8proc.h>

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

static bool is_continuation(char c)
{
	return ((unsigned char)c & 0xC0) == 0x80;
}

size_t text_utf8_chars(const char *s, size_t n)
{
	size_t chars = 0;
	for (size_t i = 0; i < n; i++)
		chars += !is_continuation(s[i]);
	return chars;
}

size_t text_utf8_floor(const char *s, size_t len, size_t n)
{
	if (n >= len)
		return len;
	while (n > 0 && is_continuation(s[n]))
		n--;
	return n;
}

size_t text_utf8_put(uint32_t cp, char out[static 4])
{
	if (cp < 0x80)
		return out[0] = (char)cp, 1;
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | cp >> 12);
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | cp >> 18);
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* Lower-case letters utf8proc leaves whole that read as Latin ones. */
static const char *spelt_out(int32_t cp)
{
	switch (cp) {
	case 0xE6: return "ae";
	case 0xF0: return "d";
	case 0xF8: return "o";
	case 0xFE: return "th";
	default: return NULL;
	}
}

int text_fold_char(uint32_t cp, unsigned flags, char out[static TEXT_FOLD_MAX])
{
	if (cp < 0x80)
		return text_fold_ascii(cp, out);
	if ((flags & TEXT_FOLD_KEEP_ENYE) && (cp == 0xD1 || cp == 0xF1))
		return (int)text_utf8_put(0xF1, out);
	utf8proc_int32_t f[TEXT_FOLD_MAX];
	int boundclass = 0;
	utf8proc_ssize_t n = utf8proc_decompose_char((utf8proc_int32_t)cp, f, TEXT_FOLD_MAX,
						     UTF8PROC_DECOMPOSE | UTF8PROC_CASEFOLD |
							     UTF8PROC_STRIPMARK,
						     &boundclass);
	if (n == 0)
		return -1; /* a mark, stripped */
	if (n < 0 || n > TEXT_FOLD_MAX)
		return 0;
	int len = 0;
	for (utf8proc_ssize_t i = 0; i < n; i++) {
		const char *spelt = spelt_out(f[i]);
		int k = spelt ? (int)strlen(spelt) : f[i] < 0x80 ? text_fold_ascii((uint32_t)f[i], out + len)
								   : 0;
		if (k == 0 || len + k > TEXT_FOLD_MAX)
			return 0; /* not a Latin letter or digit: it separates */
		if (spelt)
			memcpy(out + len, spelt, (size_t)k);
		len += k;
	}
	return len;
}

bool text_is_bidi_control(uint32_t cp)
{
	return cp == 0x061C || cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

/* Where the next bidi control starts in s[r, len), or len (text_bidi_lead). */
static size_t next_bidi(const char *s, size_t r, size_t len, size_t *k)
{
	for (; r < len; r++) {
		unsigned char b = (unsigned char)s[r];
		if (!text_bidi_lead(b))
			continue;
		uint32_t cp;
		*k = text_utf8_next((const unsigned char *)s + r, len - r, &cp);
		if (*k != 0 && text_is_bidi_control(cp))
			return r;
	}
	return len;
}

size_t text_strip_bidi(char *s, size_t len)
{
	size_t k = 0, r = next_bidi(s, 0, len, &k), w = r;
	while (r < len) {
		r += k;
		size_t next = next_bidi(s, r, len, &k);
		memmove(s + w, s + r, next - r);
		w += next - r;
		r = next;
	}
	return w;
}

/* The characters text_html_char escapes; every other byte goes as it is. */
#define HTML_SPECIAL "&<>\"'"

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
	while (*s != '\0') {
		size_t plain = strcspn(s, HTML_SPECIAL); /* a run that needs no escape, at once */
		strbuf_append(out, s, plain);
		s += plain;
		if (*s != '\0')
			text_html_char(out, *s++);
	}
}
