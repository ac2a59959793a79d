/* feed.h - one office's iCalendar feed (ics.h), with SEQUENCE and LAST-MODIFIED kept in the store.
 *
 * An office's feed holds the events of the activities naming it, each marked delivered
 * when it is ("por Ana Pérez el ..."), so that SEQUENCE rises with a mark or an undo. The
 * all-offices feed for administrators (office ICS_ALL_OFFICES) shows what is current: due
 * from 30 days ago to 90 days ahead, at most 20,000 events. Event UIDs take the domain
 * base_url had when the first feed was built (kept in the store), so that a changed
 * base_url never re-creates subscribed events.
 */
#ifndef PLAZO_FEED_H
#define PLAZO_FEED_H

#include <stddef.h>
#include <time.h>

#include "config.h"
#include "error.h"
#include "plan.h"
#include "render.h"
#include "store.h"
#include "strbuf.h"

/* Appends the feed of office (an index, or ICS_ALL_OFFICES) from ctx to out; *modified is
 * when its content last changed. Event states are kept in ctx->st, so ctx->now only stamps
 * what changed: the same state and now give the same bytes. PZ_EDATA when the all-offices
 * feed would be too large to serve; a store failure's code otherwise. */
int feed_render_office(const struct render_ctx *ctx, size_t office, struct strbuf *out,
		       time_t *modified, struct pz_error *err);
/* The same, with the marks read from st and no index (`plazo feed`). */
int feed_render(const struct plan *p, const struct config *cfg, struct store *st,
		size_t office, time_t now, struct strbuf *out, time_t *modified,
		struct pz_error *err);

#endif
