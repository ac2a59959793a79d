#include "agenda.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

struct ctx {
	const struct plan *p;
	const struct config *cfg;
	unsigned days;
};

static void consider(const struct ctx *c, struct agenda *ag, size_t office, size_t a, size_t m)
{
	const struct milestone *ms = &c->p->milestones[m];
	const struct workdays *w = &c->cfg->offices[office].workdays;
	long left = date_to_days(ms->due) - date_to_days(ag->today);
	if (left > (long)c->days)
		return;
	ag->items = xgrow(ag->items, &ag->cap, ag->len + 1, sizeof(*ag->items));
	ag->items[ag->len++] = (struct agenda_item){
		.activity = a,
		.milestone = m,
		.days = left,
		.workdays = workdays_between(w, ag->today, ms->due),
		.due_closed = !workdays_is_working(w, ms->due),
	};
	ag->n_overdue += left < 0;
}

static int compare_items(const void *a, const void *b)
{
	const struct agenda_item *x = a, *y = b;
	if (x->days != y->days)
		return x->days < y->days ? -1 : 1;
	if (x->activity != y->activity)
		return x->activity < y->activity ? -1 : 1;
	return x->milestone < y->milestone ? -1 : x->milestone > y->milestone;
}

int agenda_build(const struct plan *p, const struct config *cfg, time_t now, unsigned days,
		 struct agenda *out, struct pz_error *err)
{
	struct ctx c = {p, cfg, days};
	for (size_t o = 0; o < cfg->n_offices; o++) {
		int minutes;
		if (calendar_utc_to_local(cfg->offices[o].timezone, now, &out[o].today, &minutes,
					  err) < 0) {
			pz_error_prefix(err, "office %s", cfg->offices[o].id);
			return -1;
		}
	}
	for (size_t a = 0; a < p->n_activities; a++) {
		const struct activity *act = &p->activities[a];
		for (size_t k = 0; k < act->office_count; k++) {
			size_t o = p->office_refs[act->office_first + k];
			for (size_t m = 0; m < act->milestone_count; m++)
				consider(&c, &out[o], o, a, act->milestone_first + m);
		}
	}
	for (size_t o = 0; o < cfg->n_offices; o++)
		if (out[o].len > 1)
			qsort(out[o].items, out[o].len, sizeof(*out[o].items), compare_items);
	return 0;
}

int agenda_build_office(const struct plan *p, const struct config *cfg, time_t now,
			unsigned days, size_t office, const size_t *acts, size_t n_acts,
			struct agenda *out, struct pz_error *err)
{
	struct ctx c = {p, cfg, days};
	int minutes;
	if (calendar_utc_to_local(cfg->offices[office].timezone, now, &out->today, &minutes,
				  err) < 0) {
		pz_error_prefix(err, "office %s", cfg->offices[office].id);
		return -1;
	}
	for (size_t i = 0; i < n_acts; i++) {
		const struct activity *act = &p->activities[acts[i]];
		for (size_t m = 0; m < act->milestone_count; m++)
			consider(&c, out, office, acts[i], act->milestone_first + m);
	}
	if (out->len > 1)
		qsort(out->items, out->len, sizeof(*out->items), compare_items);
	return 0;
}

void agenda_free(struct agenda *out, size_t n)
{
	for (size_t i = 0; out && i < n; i++) {
		free(out[i].items);
		memset(&out[i], 0, sizeof(out[i]));
	}
}
