#include "strbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

static char empty[1];

void strbuf_init(struct strbuf *s)
{
	s->data = empty;
	s->len = 0;
	s->cap = 0;
}

void strbuf_finish(struct strbuf *s)
{
	if (s->cap)
		free(s->data);
	strbuf_init(s);
}

void strbuf_reset(struct strbuf *s)
{
	s->len = 0;
	if (s->cap)
		s->data[0] = '\0';
}

static void reserve(struct strbuf *s, size_t extra)
{
	size_t need = s->len + extra + 1;
	if (need <= s->cap)
		return;
	size_t cap = s->cap ? s->cap : 64;
	while (cap < need)
		cap *= 2;
	s->data = s->cap ? xrealloc(s->data, cap) : xmalloc(cap);
	if (s->len == 0)
		s->data[0] = '\0';
	s->cap = cap;
}

void strbuf_reserve(struct strbuf *s, size_t extra)
{
	reserve(s, extra);
}

void strbuf_append(struct strbuf *s, const char *data, size_t len)
{
	reserve(s, len);
	memcpy(s->data + s->len, data, len);
	s->len += len;
	s->data[s->len] = '\0';
}

void strbuf_puts(struct strbuf *s, const char *str)
{
	strbuf_append(s, str, strlen(str));
}

void strbuf_putc(struct strbuf *s, char c)
{
	if (s->len + 2 > s->cap)
		reserve(s, 1);
	s->data[s->len++] = c;
	s->data[s->len] = '\0';
}

void strbuf_truncate(struct strbuf *s, size_t len)
{
	if (len < s->len) {
		s->len = len;
		s->data[len] = '\0';
	}
}

void strbuf_put_uint(struct strbuf *s, unsigned long long v)
{
	char digits[24], *d = digits + sizeof(digits);
	do
		*--d = (char)('0' + v % 10);
	while ((v /= 10) > 0);
	strbuf_append(s, d, (size_t)(digits + sizeof(digits) - d));
}

void strbuf_put_int(struct strbuf *s, long long v)
{
	if (v < 0)
		strbuf_putc(s, '-');
	strbuf_put_uint(s, v < 0 ? 0 - (unsigned long long)v : (unsigned long long)v);
}

/* Prints into the spare room first; only a text that does not fit is printed twice. */
void strbuf_vprintf(struct strbuf *s, const char *fmt, va_list ap)
{
	if (fmt == NULL)
		return;
	reserve(s, 0);
	va_list copy;
	va_copy(copy, ap);
	size_t room = s->cap - s->len;
	int n = vsnprintf(s->data + s->len, room, fmt, copy);
	va_end(copy);
	if (n <= 0) {
		s->data[s->len] = '\0';
		return;
	}
	if ((size_t)n >= room) {
		reserve(s, (size_t)n);
		vsnprintf(s->data + s->len, (size_t)n + 1, fmt, ap);
	}
	s->len += (size_t)n;
}

void strbuf_printf(struct strbuf *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	strbuf_vprintf(s, fmt, ap);
	va_end(ap);
}

char *strbuf_steal(struct strbuf *s)
{
	char *out = s->cap ? s->data : xstrdup("");
	strbuf_init(s);
	return out;
}
