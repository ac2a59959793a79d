/* replan.h - what a re-published plan changes against the state, and the keys it keeps.
 *
 * An activity's key (plan_activity_key) is (component, ref); before refs were read, a row
 * without a plain number was known by its line ("L24"). replan_keep_keys makes a plan use
 * the keys its state already has: at the first load of an install whose state predates refs
 * (meta 'identity' = 'legacy', set by the schema 6 migration), each activity whose state is
 * stored under its old line key, and none under its new key, keeps the old one for good
 * (activity_alias); so does an activity whose key took its component's label (plan.h) because
 * a table added to the plan shares its ref, when its state is under the plain key. Every load
 * then applies the kept keys, so no UID, mark or ledger row of a plan that worked before
 * changes. replan_compare tells, as notes, what loading a plan changes
 * against the plan recorded at the last load (replan_record): activities added and removed,
 * dates moved, refs renumbered, and the marks it orphans. Marks are never dropped: an
 * orphaned mark stays in the state (a later plan may name its milestone again).
 */
#ifndef PLAZO_REPLAN_H
#define PLAZO_REPLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "diag.h"
#include "error.h"
#include "plan.h"
#include "store.h"

/* Applies the keys st kept to p; adopts the old line keys first when the state predates
 * refs (written to st only when write: `plazo check` previews without writing). Each key
 * kept is a note[key-kept] in diags (may be NULL). */
int replan_keep_keys(struct plan *p, struct store *st, bool write, struct diag_list *diags,
		     struct pz_error *err);

/* What loading p (with its kept keys applied) changes against the plan st recorded last:
 * note[plan-added], note[plan-removed], note[date-moved], note[ref-renumbered] and
 * note[mark-orphaned], at the line of the plan that has the activity. Only marks are
 * compared when nothing was recorded yet. *orphans (may be NULL) counts the marks. */
int replan_compare(const struct plan *p, const struct config *cfg, struct store *st,
		   struct diag_list *diags, size_t *orphans, struct pz_error *err);

/* Records p as the plan loaded (for the next replan_compare and for replan_orphans);
 * writes nothing when it is the plan recorded already (a fingerprint in meta), and then
 * replan_compare compares only the marks. */
int replan_record(const struct plan *p, const struct config *cfg, struct store *st,
		  struct pz_error *err);

/* replan_compare then replan_record, the plan's fingerprint and text hashes worked out once
 * (what the daemon does at each load). Between the two, proceed(ctx) (may be NULL) says
 * whether the plan is taken: when it returns nonzero nothing is recorded, so a plan the
 * caller rejects leaves the recorded plan as it was. */
int replan_join(const struct plan *p, const struct config *cfg, struct store *st,
		struct diag_list *diags, size_t *orphans, int (*proceed)(void *), void *ctx,
		struct pz_error *err);

/* The marks whose milestone (activity, place, date) the plan recorded last does not have
 * (kept, shown by `plazo status`);
 * *out is allocated (free() it); none when no plan was recorded. */
int replan_orphans(struct store *st, struct store_delivery **out, size_t *n, struct pz_error *err);

#endif
