/* done.h - the milestones offices marked delivered, looked up by (office, milestone).
 *
 * Built from store_deliveries once per pass or snapshot; the send pass skips reminders of
 * delivered milestones, and feeds and pages show them as delivered.
 */
#ifndef PLAZO_DONE_H
#define PLAZO_DONE_H

#include <stddef.h>

#include "plan.h"
#include "store.h"

struct done_set {
	struct store_delivery *items; /* owned, sorted by office, activity, milestone, due */
	size_t n;
	struct store_delivery *later; /* owned: later marks beside items' (store.h), sorted
				       * the same way, oldest first within a milestone */
	size_t n_later;
};

/* Reads every mark (and every later mark) from st. Returns 0, or -1 with err filled. */
int done_load(struct done_set *set, struct store *st, struct pz_error *err);
/* The same for one office's marks alone (office NULL: every office's). */
int done_load_office(struct done_set *set, struct store *st, const char *office,
		     struct pz_error *err);
/* Takes an array the caller built (ownership passes to the set); for tests. */
void done_adopt(struct done_set *set, struct store_delivery *items, size_t n);
void done_finish(struct done_set *set);

/* The mark of milestone m of activity a for office id, or NULL. */
const struct store_delivery *done_find(const struct done_set *set, const struct plan *p,
				       size_t a, size_t m, const char *office);

/* The later marks of that milestone (*count of them, oldest first), or NULL. */
const struct store_delivery *done_later(const struct done_set *set, const struct plan *p,
					size_t a, size_t m, const char *office, size_t *count);

/* Fills the key part of d (office, activity, milestone, due) for that milestone. */
void done_key(const struct plan *p, size_t a, size_t m, const char *office,
	      struct store_delivery *d);

#endif
