#include "escalate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agenda.h"
#include "calendar.h"
#include "doubt.h"
#include "xalloc.h"

/* The weekly slot of the week that contains local day d, or of the next one. */
static int slot_of(const struct config *cfg, struct date day, time_t *slot, struct pz_error *err)
{
	const struct config_office *o = &cfg->offices[cfg->escalation.office_index];
	/* a closed day moves to the next working day (two weeks at most: an office that
	 * never works keeps the day) */
	for (int i = 0; i < 14 && !workdays_is_working(&o->workdays, day); i++)
		day = date_from_days(date_to_days(day) + 1);
	int m = cfg->policy.send_minute;
	return calendar_local_to_utc(o->timezone, day, m / 60, m % 60, slot, err);
}

int escalate_enqueue(const struct plan *p, const struct config *cfg, struct store *st,
		     time_t from, time_t to, size_t *added, struct pz_error *err)
{
	const struct config_escalation *e = &cfg->escalation;
	if (e->office_index < 0)
		return 0;
	const struct config_office *o = &cfg->offices[e->office_index];
	struct date first, last;
	int minutes;
	if (calendar_utc_to_local(o->timezone, from, &first, &minutes, err) < 0 ||
	    calendar_utc_to_local(o->timezone, to, &last, &minutes, err) < 0)
		return -1;
	for (long d = date_to_days(first) - 7; d <= date_to_days(last); d++) {
		struct date day = date_from_days(d);
		time_t slot;
		if (date_weekday(day) != e->weekday)
			continue;
		if (slot_of(cfg, day, &slot, err) < 0)
			return -1;
		if (slot <= from || slot > to)
			continue;
		struct store_reminder row = {.milestone = 0, .slot = slot, .next_attempt = to,
					     .late = to - slot > 1800, .state = STORE_PENDING};
		snprintf(row.office, sizeof(row.office), "%s", o->id);
		snprintf(row.activity, sizeof(row.activity), "%s", ESCALATE_ACTIVITY);
		date_format_iso(day, row.due);
		snprintf(row.stage, sizeof(row.stage), "escalation");
		bool fresh;
		if (store_enqueue(st, &row, &fresh, err) < 0)
			return -1;
		*added += fresh;
	}
	return 0;
}

static bool long_late(const struct config_lead *after, const struct agenda_item *it)
{
	long late = after->working ? -it->workdays : -it->days;
	return it->days < 0 && late >= (long)after->n;
}

static void add_item(struct escalate_items *e, size_t *cap, const struct plan *p,
		     const struct config *cfg, size_t office, const struct agenda_item *it)
{
	const struct activity *a = &p->activities[it->activity];
	const struct milestone *m = &p->milestones[it->milestone];
	size_t old = *cap;
	e->items = xgrow(e->items, cap, e->n + 1, sizeof(*e->items));
	e->texts = xrealloc(e->texts, 2 * *cap * sizeof(*e->texts));
	for (size_t i = 2 * old; i < 2 * *cap; i++)
		strbuf_init(&e->texts[i]);
	struct strbuf *source = &e->texts[2 * e->n], *doubt = &e->texts[2 * e->n + 1];
	const char *file = plan_activity_file(p, a), *base = strrchr(file, '/');
	strbuf_printf(source, "%s:%u", base ? base + 1 : file, a->line);
	const struct plan_doubt *dt = doubt_of(p, it->milestone);
	if (dt != NULL)
		doubt_describe(doubt, p, dt, m->due);
	e->items[e->n++] = (struct mail_item){
		.number = a->number,
		.ref = plan_activity_ref(a),
		.activity = a->text,
		.goal = a->goal,
		.due = m->due,
		.has_start = m->has_start,
		.start = m->start,
		.days = it->days,
		.workdays = it->workdays,
		.stage = "escalation",
		.others = "",
		.source = source->data,
		.responsible = cfg->offices[office].name,
		.doubt = dt != NULL ? doubt->data : NULL,
		.review = dt != NULL,
	};
}

int escalate_items(const struct plan *p, const struct config *cfg, const struct done_set *done,
		   time_t at, struct escalate_items *out, struct pz_error *err)
{
	memset(out, 0, sizeof(*out));
	struct agenda *ag = xcalloc(cfg->n_offices, sizeof(*ag));
	int rc = agenda_build(p, cfg, at, 0, ag, err);
	size_t cap = 0;
	for (size_t o = 0; o < cfg->n_offices && rc == 0; o++) {
		for (size_t i = 0; i < ag[o].n_overdue; i++) {
			const struct agenda_item *it = &ag[o].items[i];
			if (long_late(&cfg->escalation.after, it) &&
			    done_find(done, p, it->activity, it->milestone, cfg->offices[o].id) == NULL)
				add_item(out, &cap, p, cfg, o, it);
		}
	}
	agenda_free(ag, cfg->n_offices);
	free(ag);
	if (rc < 0)
		escalate_items_free(out);
	return rc;
}

/* Only the first 2n texts were written to; the others hold no memory. */
void escalate_items_free(struct escalate_items *e)
{
	if (e == NULL)
		return;
	for (size_t i = 0; e->texts && i < 2 * e->n; i++)
		strbuf_finish(&e->texts[i]);
	free(e->texts);
	free(e->items);
	memset(e, 0, sizeof(*e));
}

bool escalate_next(const struct config *cfg, time_t after, time_t *slot)
{
	const struct config_escalation *e = &cfg->escalation;
	if (e->office_index < 0)
		return false;
	const struct config_office *o = &cfg->offices[e->office_index];
	struct date today;
	int minutes;
	struct pz_error err;
	if (calendar_utc_to_local(o->timezone, after, &today, &minutes, &err) < 0)
		return false;
	for (long d = date_to_days(today) - 7; d <= date_to_days(today) + 14; d++) {
		struct date day = date_from_days(d);
		if (date_weekday(day) == e->weekday && slot_of(cfg, day, slot, &err) == 0 &&
		    *slot > after)
			return true;
	}
	return false;
}
