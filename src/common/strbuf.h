/* strbuf.h - growable NUL-terminated byte buffer.
 *
 * Embedded by callers: strbuf_init/strbuf_finish. Allocation failure exits (xalloc.h).
 * s->data is always NUL-terminated once anything was appended (or after strbuf_init, "").
 */
#ifndef PLAZO_STRBUF_H
#define PLAZO_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

struct strbuf {
	char *data;
	size_t len;
	size_t cap;
};

void strbuf_init(struct strbuf *s);
void strbuf_finish(struct strbuf *s);
void strbuf_reset(struct strbuf *s);
void strbuf_append(struct strbuf *s, const char *data, size_t len);
/* Room for extra more bytes (and the NUL) without another allocation. */
void strbuf_reserve(struct strbuf *s, size_t extra);
void strbuf_puts(struct strbuf *s, const char *str);
void strbuf_putc(struct strbuf *s, char c);
/* Drops what follows the first len bytes (nothing when s is not longer). */
void strbuf_truncate(struct strbuf *s, size_t len);
/* v in decimal, as "%llu" prints it, without printf. */
void strbuf_put_uint(struct strbuf *s, unsigned long long v);
/* v in decimal, as "%lld" prints it, without printf. */
void strbuf_put_int(struct strbuf *s, long long v);
void strbuf_printf(struct strbuf *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strbuf_vprintf(struct strbuf *s, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
/* Hands the buffer to the caller (free() it) and leaves s empty. */
char *strbuf_steal(struct strbuf *s);

#endif
