#include "diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

void diag_list_init(struct diag_list *list)
{
	list->items = NULL;
	list->len = 0;
	list->cap = 0;
}

void diag_list_finish(struct diag_list *list)
{
	if (list == NULL)
		return;
	for (size_t i = 0; i < list->len; i++) {
		free(list->items[i].path);
		free(list->items[i].message);
	}
	free(list->items);
	diag_list_init(list);
}

void diag_add(struct diag_list *list, enum diag_severity severity, const char *code,
	      const char *path, unsigned line, unsigned column, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_vadd(list, severity, code, path, line, column, fmt, ap);
	va_end(ap);
}

void diag_vadd(struct diag_list *list, enum diag_severity severity, const char *code,
	       const char *path, unsigned line, unsigned column, const char *fmt, va_list ap)
{
	list->items = xgrow(list->items, &list->cap, list->len + 1, sizeof(*list->items));
	struct diag *d = &list->items[list->len++];
	d->code = code;
	d->severity = severity;
	d->path = xstrdup(path ? path : "");
	d->line = line;
	d->column = column;
	struct strbuf msg;
	strbuf_init(&msg);
	strbuf_vprintf(&msg, fmt, ap);
	d->message = strbuf_steal(&msg);
}

size_t diag_count(const struct diag_list *list, enum diag_severity severity)
{
	size_t n = 0;
	for (size_t i = 0; i < list->len; i++)
		n += list->items[i].severity == severity;
	return n;
}

static int compare(const void *a, const void *b)
{
	const struct diag *x = a, *y = b;
	int c = strcmp(x->path, y->path);
	if (c != 0)
		return c;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->column != y->column)
		return x->column < y->column ? -1 : 1;
	return 0;
}

void diag_sort(struct diag_list *list)
{
	/* Insertion sort keeps equal items in insertion order; lists are short and mostly
	 * sorted already because readers go top to bottom. */
	for (size_t i = 1; i < list->len; i++) {
		struct diag d = list->items[i];
		size_t j = i;
		while (j > 0 && compare(&list->items[j - 1], &d) > 0) {
			list->items[j] = list->items[j - 1];
			j--;
		}
		list->items[j] = d;
	}
}

const char *diag_severity_name(enum diag_severity severity)
{
	switch (severity) {
	case DIAG_NOTE:
		return "note";
	case DIAG_WARNING:
		return "warning";
	case DIAG_ERROR:
		return "error";
	}
	return "error";
}

void diag_format(struct strbuf *out, const struct diag *d)
{
	if (d->line > 0)
		strbuf_printf(out, "%s:%u: ", d->path, d->line);
	else
		strbuf_printf(out, "%s: ", d->path);
	strbuf_printf(out, "%s[%s]: %s\n", diag_severity_name(d->severity), d->code, d->message);
}
