#include "urlform.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "text.h"

/* The longest field name worth decoding: longer names are no field of ours. */
#define NAME_MAX_BYTES 32

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

enum decoded { DECODED, BROKEN, TOO_LONG };

/* Decodes s[0..len) into out (cap bytes, NUL-terminated); *out_len is the decoded length,
 * which may hold NUL bytes (%00). */
static enum decoded decode(const char *s, size_t len, char *out, size_t cap, size_t *out_len)
{
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (c == '%') {
			int hi = i + 1 < len ? hex_value(s[i + 1]) : -1;
			int lo = i + 2 < len ? hex_value(s[i + 2]) : -1;
			if (hi < 0 || lo < 0) {
				out[o] = '\0';
				return BROKEN;
			}
			c = (char)(hi << 4 | lo);
			i += 2;
		} else if (c == '+') {
			c = ' ';
		}
		if (o + 1 >= cap) {
			out[o] = '\0';
			return TOO_LONG;
		}
		out[o++] = c;
	}
	out[o] = '\0';
	*out_len = o;
	return DECODED;
}

size_t urlform_chars(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t chars = 0;
	for (size_t i = 0; i < len; chars++) {
		uint32_t cp;
		size_t n = text_utf8_next(p + i, len - i, &cp);
		if (n == 0)
			return (size_t)-1;
		i += n;
	}
	return chars;
}

/* Control characters a typed value may not hold (tab and line breaks may: a textarea). */
static bool has_control(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
			return true;
	}
	return false;
}

/* Checks the decoded value of f, already in f->dst (len bytes). */
static bool check_value(const struct urlform_field *f, size_t len, char *why, size_t cap)
{
	size_t chars = urlform_chars(f->dst, len);
	if (chars == (size_t)-1 || has_control(f->dst, len)) {
		snprintf(why, cap, "El campo «%s» llegó con caracteres no válidos; escríbalo de "
			 "nuevo.", f->label);
		return false;
	}
	if (chars > f->max_chars) {
		snprintf(why, cap, "El campo «%s» tiene %zu caracteres; el máximo es %zu.",
			 f->label, chars, f->max_chars);
		return false;
	}
	return true;
}

/* Takes one "name=value" pair (the value after the first '='). */
static bool take_pair(const char *s, size_t len, const struct urlform_field *fields, size_t n,
		      bool *seen, char *why, size_t cap)
{
	const char *eq = memchr(s, '=', len);
	size_t name_len = eq != NULL ? (size_t)(eq - s) : len, dlen;
	char name[NAME_MAX_BYTES + 1];
	enum decoded d = decode(s, name_len, name, sizeof(name), &dlen);
	if (d == TOO_LONG)
		return true; /* no field of ours */
	if (d == BROKEN)
		goto broken;
	for (size_t i = 0; i < n; i++) {
		const struct urlform_field *f = &fields[i];
		if (strlen(name) != dlen || strcmp(name, f->name) != 0)
			continue;
		if (seen[i]) {
			snprintf(why, cap, "El campo «%s» llegó dos veces; envíe el formulario "
				 "de nuevo desde la página.", f->label);
			return false;
		}
		seen[i] = true;
		const char *v = eq != NULL ? eq + 1 : s + len;
		d = decode(v, (size_t)(s + len - v), f->dst, f->cap, &dlen);
		if (d == TOO_LONG) {
			snprintf(why, cap, "El campo «%s» es demasiado largo; el máximo es %zu "
				 "caracteres.", f->label, f->max_chars);
			return false;
		}
		if (d == BROKEN)
			goto broken;
		return check_value(f, dlen, why, cap);
	}
	return true;
broken:
	snprintf(why, cap, "El formulario llegó dañado (un «%%» sin dos cifras hexadecimales); "
		 "envíelo de nuevo desde la página.");
	return false;
}

bool urlform_parse(const char *body, size_t len, const struct urlform_field *fields,
		   size_t n_fields, char *why, size_t why_cap)
{
	bool seen[16] = {false};
	if (n_fields > sizeof(seen) / sizeof(seen[0])) {
		snprintf(why, why_cap, "Formulario no válido.");
		return false;
	}
	for (size_t i = 0; i < len;) {
		const char *amp = memchr(body + i, '&', len - i);
		size_t end = amp != NULL ? (size_t)(amp - body) : len;
		if (end > i && !take_pair(body + i, end - i, fields, n_fields, seen, why, why_cap))
			return false;
		i = end + 1;
	}
	return true;
}
