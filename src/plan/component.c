/* component.c - the component a table's title names, read from the text above its header. */
#include "component.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "text.h"

static const char word[] = "componente";

/* The first "componente" in [s, e) that starts a word ("Subcomponente" does not). */
static const char *find_word(const char *s, const char *e)
{
	size_t n = sizeof(word) - 1;
	for (const char *p = s; p + n <= e; p++)
		if (strncasecmp(p, word, n) == 0 && (p == s || !isalpha((unsigned char)p[-1])) &&
		    (p + n == e || !isalpha((unsigned char)p[n])))
			return p + n;
	return NULL;
}

/* The name's folded words joined by '-', cut at a word boundary to fit out. */
static void slug(const char *s, const char *e, char out[static COMPONENT_LABEL_SIZE])
{
	size_t k = 0, word_start = 0;
	bool cut = false;
	out[0] = '\0';
	while (s < e && !cut) {
		uint32_t cp = 0;
		size_t n = text_utf8_next((const unsigned char *)s, (size_t)(e - s), &cp);
		s += n ? n : 1;
		char f[TEXT_FOLD_MAX];
		int m = n ? text_fold_char(cp, 0, f) : 0;
		if (m < 0)
			continue;
		if (m == 0) {
			if (k > 0 && out[k - 1] != '-')
				out[k++] = '-', word_start = k;
			continue;
		}
		cut = k + (size_t)m >= COMPONENT_LABEL_SIZE;
		if (!cut)
			memcpy(out + k, f, (size_t)m), k += (size_t)m;
	}
	if (cut)
		k = word_start;
	while (k > 0 && out[k - 1] == '-')
		k--;
	out[k] = '\0';
}

/* The label of one title line [s, e), or false when it names no component. */
static bool line_label(const char *s, const char *e, char delim,
		       char out[static COMPONENT_LABEL_SIZE])
{
	const char *p = find_word(s, e);
	if (p == NULL)
		return false;
	p += strspn(p, " \t");
	if (p < e && isdigit((unsigned char)*p)) {
		unsigned long n = strtoul(p, NULL, 10);
		if (n > 0 && n < 1000) {
			snprintf(out, COMPONENT_LABEL_SIZE, "comp%lu", n);
			return true;
		}
	}
	p += strspn(p, " \t:.-");
	const char *end = p;
	while (end < e && *end != '\t' && *end != '"' && *end != '<' && *end != delim)
		end++;
	slug(p, end, out);
	return out[0] != '\0';
}

const char *component_label(const struct table *t, char out[static COMPONENT_LABEL_SIZE])
{
	out[0] = '\0';
	const char *s = t->text;
	for (unsigned line = 1; s && *s && line < t->header_line; line++) {
		const char *e = s + strcspn(s, "\r\n");
		if (line_label(s, e, t->delimiter ? t->delimiter : '\t', out))
			return out;
		s = *e == '\0' ? e : e + 1 + (e[0] == '\r' && e[1] == '\n');
	}
	out[0] = '\0';
	return out;
}
