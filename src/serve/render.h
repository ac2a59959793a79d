/* render.h - what one office's feed or page is rendered from, and each office's activities.
 *
 * Nothing renders more than the one office asked for: the index lists, once per plan, the
 * activities naming each office, so that one office's feed (feed.h) or page (page.h) does
 * not scan the whole plan.
 */
#ifndef PLAZO_RENDER_H
#define PLAZO_RENDER_H

#include <stddef.h>
#include <time.h>

#include "config.h"
#include "done.h"
#include "plan.h"
#include "store.h"

/* The activities naming each office, built once per plan. */
struct render_index;
struct render_index *render_index_new(const struct plan *p, size_t n_offices);
void render_index_free(struct render_index *ix);
/* Office office's activities (indices into p->activities, in plan order): *n of them. */
const size_t *render_index_office(const struct render_index *ix, size_t office, size_t *n);

/* Everything borrowed: what a feed or page shows at now. */
struct render_ctx {
	const struct plan *plan;
	const struct config *cfg;
	const struct render_index *index; /* NULL: a feed scans the plan (pages need one) */
	const struct done_set *done;      /* the marks */
	struct store *st;                 /* the events' SEQUENCE and LAST-MODIFIED (feeds) */
	time_t now;                       /* the same state and now give the same bytes */
};

#endif
