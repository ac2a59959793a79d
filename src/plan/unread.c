#include "unread.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"

size_t unread_blocking(const struct diag_list *diags)
{
	size_t n = 0;
	for (size_t i = 0; i < diags->len; i++)
		n += plan_diag_blocks(&diags->items[i]);
	return n;
}

static bool row_error(const struct diag *d)
{
	return d->severity == DIAG_ERROR && !plan_diag_blocks(d);
}

/* Copies s into out (size bytes), control characters (tab, CR, LF) as spaces. */
static void copy_flat(char *out, size_t size, const char *s)
{
	size_t i = 0;
	for (; s[i] != '\0' && i + 1 < size; i++)
		out[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? ' ' : s[i];
	out[i] = '\0';
}

static void keep(struct unread *u, const struct diag *d)
{
	struct unread_row *r = &u->row[u->n++];
	struct strbuf where;
	strbuf_init(&where);
	diag_where(&where, d); /* "plan.tsv:24", or "plan.xlsx:Sheet!F24" */
	copy_flat(r->where, sizeof(r->where), where.data);
	strbuf_finish(&where);
	copy_flat(r->code, sizeof(r->code), d->code);
	copy_flat(r->message, sizeof(r->message), d->message);
}

void unread_collect(struct unread *u, const struct diag_list *diags)
{
	memset(u, 0, sizeof(*u));
	const struct diag *last = NULL;
	for (size_t i = 0; i < diags->len; i++) {
		const struct diag *d = &diags->items[i];
		if ((size_t)d->severity < sizeof(u->severity) / sizeof(u->severity[0]))
			u->severity[d->severity]++;
		if (!row_error(d))
			continue;
		u->errors++;
		u->rows +=
			last == NULL || last->line != d->line || strcmp(last->path, d->path) != 0;
		last = d;
		if (u->n < UNREAD_KEEP)
			keep(u, d);
	}
}

void unread_format(const struct unread *u, struct strbuf *out)
{
	strbuf_printf(out, "rows=%zu errors=%zu error=%zu warning=%zu note=%zu\n", u->rows,
		      u->errors, u->severity[DIAG_ERROR], u->severity[DIAG_WARNING],
		      u->severity[DIAG_NOTE]);
	for (size_t i = 0; i < u->n; i++)
		strbuf_printf(out, "%s\t%s\t%s\n", u->row[i].where, u->row[i].code,
			      u->row[i].message);
}

/* One "where\tcode\tmessage" line of len bytes at s. */
static bool parse_row(struct unread_row *r, const char *s, size_t len)
{
	const char *tab1 = memchr(s, '\t', len);
	const char *tab2 = tab1 ? memchr(tab1 + 1, '\t', len - (size_t)(tab1 + 1 - s)) : NULL;
	if (tab2 == NULL)
		return false;
	snprintf(r->where, sizeof(r->where), "%.*s", (int)(tab1 - s), s);
	snprintf(r->code, sizeof(r->code), "%.*s", (int)(tab2 - tab1 - 1), tab1 + 1);
	snprintf(r->message, sizeof(r->message), "%.*s", (int)(len - (size_t)(tab2 + 1 - s)),
		 tab2 + 1);
	return true;
}

bool unread_parse(struct unread *u, const char *text)
{
	memset(u, 0, sizeof(*u));
	int used = 0;
	if (sscanf(text, "rows=%zu errors=%zu error=%zu warning=%zu note=%zu\n%n", &u->rows,
		   &u->errors, &u->severity[DIAG_ERROR], &u->severity[DIAG_WARNING],
		   &u->severity[DIAG_NOTE], &used) != 5 ||
	    used == 0) {
		memset(u, 0, sizeof(*u));
		return false;
	}
	for (const char *s = text + used; *s != '\0' && u->n < UNREAD_KEEP;) {
		size_t len = strcspn(s, "\n");
		if (!parse_row(&u->row[u->n], s, len)) {
			memset(u, 0, sizeof(*u));
			return false;
		}
		u->n++;
		s += len + (s[len] == '\n');
	}
	return true;
}
