/* agenda.h - what each office has overdue and coming up at an instant.
 *
 * A milestone is overdue once its due day has ended in the office's zone, and upcoming when
 * its due day is today or within the next `days` days there. Counts are in calendar days
 * and in the office's working days. One pass over the plan fills every office's agenda.
 */
#ifndef PLAZO_AGENDA_H
#define PLAZO_AGENDA_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "config.h"
#include "error.h"
#include "plan.h"

struct agenda_item {
	size_t activity;   /* index into plan->activities */
	size_t milestone;  /* index into plan->milestones */
	long days;         /* days left (>= 0) or late (< 0: -days late) */
	long workdays;     /* the same in the office's working days */
	bool due_closed;   /* the due date is not a working day of the office */
};

struct agenda {
	struct date today;          /* the office's local date at the instant */
	struct agenda_item *items;  /* overdue first (most late first), then upcoming by date */
	size_t len;
	size_t cap;
	size_t n_overdue;           /* items[0 .. n_overdue) are overdue */
};

/* Fills out[0 .. cfg->n_offices) (which the caller has zeroed) for instant now. Returns 0,
 * or -1 with err filled when an office's zone cannot be used. */
int agenda_build(const struct plan *p, const struct config *cfg, time_t now, unsigned days,
		 struct agenda *out, struct pz_error *err);

/* Fills *out (zeroed) for the one office, from the activities acts[0 .. n_acts) that name
 * it (in plan order): the same agenda agenda_build gives it, without scanning the plan. */
int agenda_build_office(const struct plan *p, const struct config *cfg, time_t now,
			unsigned days, size_t office, const size_t *acts, size_t n_acts,
			struct agenda *out, struct pz_error *err);

/* Frees the items of out[0 .. n). */
void agenda_free(struct agenda *out, size_t n);

#endif
