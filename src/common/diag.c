#include "diag.h"

#include <assert.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag_codes.h"
#include "xalloc.h"

static const struct diag_code codes[] = {
#define ROW(code, severity, meaning) {code, severity, meaning},
	DIAG_CODES(ROW)
#undef ROW
};

/* By address first: the literal a caller passes is usually the table's own (merged by the
 * linker), and diag_add asserts every code (230,000 at 1M plan rows). */
const struct diag_code *diag_code_find(const char *code)
{
	size_t n = sizeof(codes) / sizeof(codes[0]);
	for (size_t i = 0; i < n; i++)
		if (codes[i].code == code)
			return &codes[i];
	for (size_t i = 0; code != NULL && i < n; i++)
		if (strcmp(codes[i].code, code) == 0)
			return &codes[i];
	return NULL;
}

const struct diag_code *diag_code_at(size_t i)
{
	return i < sizeof(codes) / sizeof(codes[0]) ? &codes[i] : NULL;
}

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
		free(list->items[i].message); /* the path is in its block */
	}
	free(list->items);
	diag_list_init(list);
}

void diag_list_take(struct diag_list *list, struct diag_list *from)
{
	if (from->len > 0) {
		list->items = xgrow(list->items, &list->cap, list->len + from->len,
				    sizeof(*list->items));
		memcpy(list->items + list->len, from->items, from->len * sizeof(*from->items));
		list->len += from->len;
	}
	free(from->items);
	diag_list_init(from);
}

/* The message (len bytes), then the path, in one block of their size. */
static char *block_of(const char *message, size_t len, const char *path)
{
	size_t path_len = strlen(path);
	char *block = xmalloc(len + path_len + 2);
	memcpy(block, message, len);
	block[len] = '\0';
	memcpy(block + len + 1, path, path_len + 1);
	return block;
}

/* The message, then the path, in one block of their size (a 1M-row plan keeps 230,000). */
static char *message_and_path(const char *path, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

static char *message_and_path(const char *path, const char *fmt, va_list ap)
{
	char small[256];
	struct strbuf big;
	va_list again;
	va_copy(again, ap);
	int n = vsnprintf(small, sizeof(small), fmt, ap);
	strbuf_init(&big);
	if (n < 0 || (size_t)n >= sizeof(small))
		strbuf_vprintf(&big, fmt, again);
	va_end(again);
	const char *text = big.len > 0 ? big.data : small;
	char *block = block_of(text, big.len > 0 ? big.len : (n > 0 ? (size_t)n : 0), path);
	strbuf_finish(&big);
	return block;
}

static void put_text(struct diag *d, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void put_text(struct diag *d, const char *path, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	d->message = message_and_path(path, fmt, ap);
	d->path = d->message + strlen(d->message) + 1;
	va_end(ap);
}

void diag_set_path(struct diag *d, const char *path)
{
	char *old = d->message;
	put_text(d, path, "%s", old);
	free(old);
}

void diag_add(struct diag_list *list, enum diag_severity severity, const char *code,
	      const char *path, unsigned line, unsigned column, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_vadd(list, severity, code, path, line, column, fmt, ap);
	va_end(ap);
}

/* Appends a diagnostic whose message block (block_of) is block, its message len bytes. */
static void push(struct diag_list *list, enum diag_severity severity, const char *code,
		 unsigned line, unsigned column, char *block, size_t len)
{
	assert(diag_code_find(code) != NULL && "diagnostic code missing in diag_codes.h");
	list->items = xgrow(list->items, &list->cap, list->len + 1, sizeof(*list->items));
	list->items[list->len++] = (struct diag){.code = code,
						 .severity = severity,
						 .line = line,
						 .column = column,
						 .message = block,
						 .path = block + len + 1};
}

void diag_vadd(struct diag_list *list, enum diag_severity severity, const char *code,
	       const char *path, unsigned line, unsigned column, const char *fmt, va_list ap)
{
	char *block = message_and_path(path ? path : "", fmt, ap);
	push(list, severity, code, line, column, block, strlen(block));
}

void diag_add_text(struct diag_list *list, enum diag_severity severity, const char *code,
		   const char *path, unsigned line, unsigned column, const char *message)
{
	size_t len = strlen(message);
	push(list, severity, code, line, column, block_of(message, len, path ? path : ""), len);
}

size_t diag_count(const struct diag_list *list, enum diag_severity severity)
{
	size_t n = 0;
	for (size_t i = 0; i < list->len; i++)
		n += list->items[i].severity == severity;
	return n;
}

static int compare_diag(const struct diag *x, const struct diag *y)
{
	int c = strcmp(x->path, y->path);
	if (c != 0)
		return c;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->column < y->column ? -1 : x->column > y->column;
}

/* By place; equal ones by their position in the list (qsort is not stable). */
static int compare_at(const void *a, const void *b, void *items)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	const struct diag *d = items;
	int c = compare_diag(&d[x], &d[y]);
	return c != 0 ? c : (x < y ? -1 : x > y);
}

/* How many items from the first on are in order. */
static size_t sorted_prefix(const struct diag *d, size_t n)
{
	size_t i = 1;
	while (i < n && compare_diag(&d[i - 1], &d[i]) <= 0)
		i++;
	return i;
}

/* Sorts d[0, n) by sorting positions (ties by position) and moving the items once. */
static void sort_positions(struct diag *d, size_t n)
{
	size_t *at = xcalloc(n, sizeof(*at));
	for (size_t i = 0; i < n; i++)
		at[i] = i;
	qsort_r(at, n, sizeof(*at), compare_at, d);
	struct diag *sorted = xcalloc(n, sizeof(*sorted));
	for (size_t i = 0; i < n; i++)
		sorted[i] = d[at[i]];
	memcpy(d, sorted, n * sizeof(*d));
	free(sorted);
	free(at);
}

/* Merges the sorted runs d[0, k) and d[k, n) from the back through a copy of the second;
 * on a tie the first run's item stays first. */
static void merge_tail(struct diag *d, size_t k, size_t n)
{
	size_t i = k, j = n - k, out = n;
	struct diag *b = xcalloc(j, sizeof(*b));
	memcpy(b, d + k, j * sizeof(*b));
	while (j > 0) {
		if (i > 0 && compare_diag(&d[i - 1], &b[j - 1]) > 0)
			d[--out] = d[--i];
		else
			d[--out] = b[--j];
	}
	free(b);
}

void diag_sort(struct diag_list *list)
{
	/* O(n log n) and stable. A plan's diagnostics come mostly in order, with what a pass
	 * over the whole plan adds (duplicate numbers, plan years) at the end: only that tail
	 * is sorted and copied, so a 1M-row plan's 230,000 diagnostics are not copied whole. */
	if (list->len < 2)
		return;
	size_t k = sorted_prefix(list->items, list->len);
	if (k == list->len)
		return;
	sort_positions(list->items + k, list->len - k);
	merge_tail(list->items, k, list->len);
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

/* Spreadsheet column letters: 1 -> A, 27 -> AA; nothing for 0. */
static void put_column(struct strbuf *out, unsigned column)
{
	char letters[8];
	size_t n = 0;
	for (; column > 0 && n < sizeof(letters); column = (column - 1) / 26)
		letters[n++] = (char)('A' + (column - 1) % 26);
	while (n > 0)
		strbuf_putc(out, letters[--n]);
}

void diag_where(struct strbuf *out, const struct diag *d)
{
	size_t n = strlen(d->path);
	bool sheet = n > 0 && d->path[n - 1] == '!'; /* "plan.xlsx:Sheet!": a cell reference */
	if (sheet && d->line > 0) {
		strbuf_puts(out, d->path);
		put_column(out, d->column);
		strbuf_put_uint(out, d->line);
	} else if (d->line > 0) {
		strbuf_append(out, d->path, n);
		strbuf_putc(out, ':');
		strbuf_put_uint(out, d->line);
	} else {
		strbuf_append(out, d->path, sheet ? n - 1 : n);
	}
}

/* WHERE: SEVERITY[CODE]: MESSAGE and a line feed, without printf (a 1M-row plan prints
 * 230,000 of them). */
void diag_format(struct strbuf *out, const struct diag *d)
{
	diag_where(out, d);
	strbuf_puts(out, ": ");
	strbuf_puts(out, diag_severity_name(d->severity));
	strbuf_putc(out, '[');
	strbuf_puts(out, d->code);
	strbuf_puts(out, "]: ");
	strbuf_puts(out, d->message);
	strbuf_putc(out, '\n');
}
