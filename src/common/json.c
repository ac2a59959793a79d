#include "json.h"

#include <stdio.h>

void json_string(struct strbuf *out, const char *s)
{
	if (s == NULL) {
		strbuf_puts(out, "null");
		return;
	}
	strbuf_putc(out, '"');
	const char *run = s;
	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		strbuf_append(out, run, (size_t)(p - run));
		run = p + 1;
		switch (c) {
		case '"':
			strbuf_puts(out, "\\\"");
			break;
		case '\\':
			strbuf_puts(out, "\\\\");
			break;
		case '\n':
			strbuf_puts(out, "\\n");
			break;
		case '\t':
			strbuf_puts(out, "\\t");
			break;
		case '\r':
			strbuf_puts(out, "\\r");
			break;
		default:
			strbuf_printf(out, "\\u%04x", c);
		}
	}
	strbuf_puts(out, run);
	strbuf_putc(out, '"');
}

void json_key(struct strbuf *out, bool first, const char *key)
{
	if (!first)
		strbuf_putc(out, ',');
	json_string(out, key);
	strbuf_putc(out, ':');
}

void json_diag(struct strbuf *out, const struct diag *d)
{
	strbuf_putc(out, '{');
	json_key(out, true, "code");
	json_string(out, d->code);
	json_key(out, false, "severity");
	json_string(out, diag_severity_name(d->severity));
	json_key(out, false, "path");
	json_string(out, d->path);
	json_key(out, false, "line");
	strbuf_printf(out, "%u", d->line);
	if (d->column > 0) {
		json_key(out, false, "column");
		strbuf_printf(out, "%u", d->column);
	}
	json_key(out, false, "message");
	json_string(out, d->message);
	strbuf_putc(out, '}');
}
