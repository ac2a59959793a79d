/* remind.h - the reminder policy: which reminders are due, for whom, and when.
 *
 * Pure: given the plan, the config (offices with their zone and working days, and the
 * policy) and instants, it yields reminders identified by (office, activity, milestone,
 * stage). Nothing here reads the clock or does I/O. The stages of a milestone, for each of
 * its offices, at the policy's local send time (cfg->policy.send_minute):
 *   start        a range's first day (when announce_start); moved to the next working day
 *   lead-15d     15 calendar days before the due date; lead-3wd: 3 working days before;
 *                moved back to the previous working day when working_days_only
 *   due          the due day itself, or the working day before it when it is not a
 *                working day (the due date itself never moves: the plan is the authority)
 *   overdue-K    K * overdue_every days after the due date, K = 1..overdue_max; moved to the
 *                next working day
 * Stages whose slot is not after the previous stage's slot are still kept: each fires once.
 * Leads are ordered by n, longest first, "wd" before "d" at equal n; a repeated lead counts
 * once. A day with no working day within ten years is not moved.
 *
 * (Longer than 80 lines: the stages and the queue are one contract, used by the send pass,
 * the daemon's timer and the tests that hold them equal.)
 */
#ifndef PLAZO_REMIND_H
#define PLAZO_REMIND_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "config.h"
#include "error.h"
#include "plan.h"

enum remind_kind {
	REMIND_START,
	REMIND_LEAD,
	REMIND_DUE,
	REMIND_OVERDUE,
};

struct remind_stage {
	enum remind_kind kind;
	unsigned n;   /* LEAD: days of lead; OVERDUE: 1-based repetition; else 0 */
	bool working; /* LEAD: n counts working days */
};

struct reminder {
	size_t office;    /* index into cfg->offices */
	size_t activity;  /* index into plan->activities */
	size_t milestone; /* index into plan->milestones */
	struct remind_stage stage;
	time_t at;        /* the send slot */
	struct date day;  /* the slot's local day in the office's zone */
};

#define REMIND_MAX_STAGES (2 + CONFIG_MAX_LEADS + CONFIG_MAX_OVERDUE)

/* Writes the stage's stable key, "start", "lead-15d", "lead-3wd", "due", "overdue-2". */
void remind_stage_key(struct remind_stage s, char buf[static 24]);

/* The reminders of milestone m of activity a for office o, sorted by slot (ties keep the
 * order start, leads from longest to shortest, due, overdue). Returns how many were written
 * to out, or -1 with err filled when the office's zone cannot be used. */
int remind_stages(const struct plan *p, const struct config *cfg, size_t a, size_t m,
		  size_t o, struct reminder out[static REMIND_MAX_STAGES], struct pz_error *err);

/* Calls fn for every reminder whose slot is in (from, to], in no particular order; stops
 * and returns fn's value when it is non-zero. Returns 0, or -1 with err filled. Linear in
 * the plan's size. */
int remind_due(const struct plan *p, const struct config *cfg, time_t from, time_t to,
	       int (*fn)(const struct reminder *r, void *user), void *user,
	       struct pz_error *err);

/* A min-heap of each (milestone, office) pair's next stage: the daemon's engine (send.h
 * takes a pass's due set from it). Finding the next slot is O(1), taking the due ones
 * O(k log n); nothing scans the plan per pass. It holds exactly the stages whose slot is
 * after its mark, so taking (mark, upto] hands out what remind_due(mark, upto) finds. */
struct remind_queue;

/* Builds the queue with every stage whose slot is after `after` (its mark). Borrows p and
 * cfg, which must outlive the queue. NULL with err filled on failure. */
struct remind_queue *remind_queue_new(const struct plan *p, const struct config *cfg,
				      time_t after, struct pz_error *err);
void remind_queue_free(struct remind_queue *q);
/* The instant the queue's content starts after: every stage with a later slot is in it. */
time_t remind_queue_mark(const struct remind_queue *q);
/* The next slot; false when no reminder is left. */
bool remind_queue_next(const struct remind_queue *q, time_t *at);
/* Removes every reminder with slot <= upto into (*out)[0..n), in slot order, growing *out
 * and *cap with xgrow; each pair then waits on its following stage, and the mark becomes
 * upto when that is later. Returns n. */
size_t remind_queue_take(struct remind_queue *q, time_t upto, struct reminder **out,
			 size_t *cap);

#endif
