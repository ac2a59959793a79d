#include "doubt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spanish.h"
#include "xalloc.h"

/* The date in ISO form that follows the first `after` in message, if any. */
static bool date_after(const char *message, const char *after, struct date *out)
{
	const char *p = strstr(message, after);
	char iso[11];
	if (p == NULL)
		return false;
	p += strlen(after);
	if (strlen(p) < 10)
		return false;
	memcpy(iso, p, 10);
	iso[10] = '\0';
	return date_parse_iso(iso, out);
}

/* The activity on that line of the plan, or -1 (activities are in line order). */
static long activity_on(const struct plan *p, unsigned line)
{
	size_t lo = 0, hi = p->n_activities;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (p->activities[mid].line < line)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < p->n_activities && p->activities[lo].line == line ? (long)lo : -1;
}

/* The doubts being collected: the list, and which milestones have one (a bit each). */
struct collecting {
	struct plan_doubt *items;
	size_t len, cap;
	unsigned char *has;
};

static struct plan_doubt *add(struct collecting *c, size_t m, const char *code)
{
	c->items = xgrow(c->items, &c->cap, c->len + 1, sizeof(*c->items));
	c->has[m / 8] |= (unsigned char)(1u << (m % 8));
	struct plan_doubt *t = &c->items[c->len++];
	*t = (struct plan_doubt){.milestone = m, .code = code};
	return t;
}

static bool has(const struct collecting *c, size_t m)
{
	return c->has[m / 8] & (1u << (m % 8));
}

/* Records a date diagnostic (ambiguous-date, invalid-date) on the milestone it names. */
static void note(const struct plan *p, struct collecting *c, const struct diag *d,
		 const char *code, const char *cut)
{
	struct date read, other;
	long a = activity_on(p, d->line);
	if (a < 0 || !date_after(d->message, " read as ", &read))
		return;
	const struct activity *act = &p->activities[a];
	for (size_t k = 0; k < act->milestone_count; k++) {
		size_t m = act->milestone_first + k;
		if (date_compare(p->milestones[m].due, read) != 0 || has(c, m))
			continue;
		struct plan_doubt *t = add(c, m, code);
		const char *end = strstr(d->message, cut);
		int len = end ? (int)(end - d->message) : 0;
		snprintf(t->written, sizeof(t->written), "%.*s", len, d->message);
		t->has_other = date_after(d->message, "could be ", &other);
		t->other = other;
		return;
	}
}

static int by_milestone(const void *a, const void *b)
{
	size_t x = ((const struct plan_doubt *)a)->milestone;
	size_t y = ((const struct plan_doubt *)b)->milestone;
	return x < y ? -1 : x > y;
}

void doubt_collect(struct plan *p, const struct diag_list *diags)
{
	struct collecting c = {.has = xcalloc(p->n_milestones / 8 + 1, 1)};
	for (size_t i = 0; diags != NULL && i < diags->len; i++) {
		const struct diag *d = &diags->items[i];
		bool ambiguous = strcmp(d->code, "ambiguous-date") == 0;
		if (!ambiguous && strcmp(d->code, "invalid-date") != 0)
			continue; /* the code first: the path is in the message's block, a cache
				     miss each at 1M rows (230,000 diagnostics) */
		if (d->path == NULL || p->source == NULL || strcmp(d->path, p->source) != 0)
			continue;
		if (ambiguous)
			note(p, &c, d, "ambiguous-date", " read as ");
		else
			note(p, &c, d, "invalid-date", " does not exist");
	}
	for (size_t m = 0; p->year_first != 0 && m < p->n_milestones; m++) {
		struct date due = p->milestones[m].due;
		if (!has(&c, m) && (due.year < p->year_first || due.year > p->year_last))
			add(&c, m, "outside-plan-year");
	}
	if (c.len > 1)
		qsort(c.items, c.len, sizeof(*c.items), by_milestone);
	free(c.has);
	free(p->doubts);
	p->doubts = c.items;
	p->n_doubts = c.len;
}

const struct plan_doubt *doubt_of(const struct plan *p, size_t m)
{
	size_t lo = 0, hi = p->n_doubts;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (p->doubts[mid].milestone < m)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < p->n_doubts && p->doubts[lo].milestone == m ? &p->doubts[lo] : NULL;
}

static void put_day(struct strbuf *out, struct date d)
{
	strbuf_printf(out, "%d de %s de %d", d.day, spanish_month(d.month), d.year);
}

void doubt_describe(struct strbuf *out, const struct plan *p, const struct plan_doubt *d,
		    struct date due)
{
	if (strcmp(d->code, "outside-plan-year") == 0) {
		strbuf_puts(out, "La fecha del plan, ");
		put_day(out, due);
		strbuf_printf(out, ", está fuera de los años del plan (%d", p->year_first);
		if (p->year_last != p->year_first)
			strbuf_printf(out, "–%d", p->year_last);
		strbuf_puts(out, "): pida que se revise en el plan.");
		return;
	}
	strbuf_printf(out, "La fecha del plan, %s, ", d->written[0] ? d->written : "?");
	if (strcmp(d->code, "ambiguous-date") == 0 && d->has_other) {
		strbuf_puts(out, "también podría leerse ");
		put_day(out, d->other);
	} else {
		strbuf_puts(out, "no existe");
	}
	strbuf_puts(out, " (aquí se toma como ");
	put_day(out, due);
	strbuf_puts(out, "): pida que se corrija en el plan.");
}
