/* escalate.h - the supervising office's weekly digest of what is long overdue.
 *
 * With [escalation] office set, every week on `day` at the send time (in that office's zone
 * and working days: a closed day moves it to the next working day) a ledger row
 * (office, "escalation", 0, date, "escalation") is enqueued like any reminder, so it goes
 * out once, after downtime too. Its digest lists, grouped by the late office, every
 * milestone not marked delivered that is at least `after` late at delivery time; those whose
 * date the plan check doubts (doubt.h) are flagged `review` with the doubt in words, and the
 * digest lists them apart ("Fechas para revisar en el plan") instead of as late.
 */
#ifndef PLAZO_ESCALATE_H
#define PLAZO_ESCALATE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "config.h"
#include "done.h"
#include "error.h"
#include "mail.h"
#include "plan.h"
#include "store.h"
#include "strbuf.h"

#define ESCALATE_ACTIVITY "escalation"

/* Enqueues the weekly rows whose slot is in (from, to]; adds the new ones to *added. */
int escalate_enqueue(const struct plan *p, const struct config *cfg, struct store *st,
		     time_t from, time_t to, size_t *added, struct pz_error *err);

/* The first weekly slot after `after`; false when there is no escalation. */
bool escalate_next(const struct config *cfg, time_t after, time_t *slot);

/* The escalation digest's items at instant at: long-overdue milestones, grouped by office
 * (in config order), most late first. items and texts are allocated (texts: two per item,
 * source and doubt, the strings the items point to); free with escalate_items_free. */
struct escalate_items {
	struct mail_item *items;
	size_t n;
	struct strbuf *texts;
};

int escalate_items(const struct plan *p, const struct config *cfg, const struct done_set *done,
		   time_t at, struct escalate_items *out, struct pz_error *err);
void escalate_items_free(struct escalate_items *e);

#endif
