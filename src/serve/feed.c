#include "feed.h"

#include <stdio.h>
#include <string.h>

#include "calendar.h"
#include "done.h"
#include "hash.h"
#include "ics.h"
#include "spanish.h"

/* The alarm matches the first (longest) reminder lead, in calendar days. */
static int alarm_days(const struct config *cfg)
{
	int best = -1;
	for (size_t i = 0; i < cfg->policy.n_leads; i++) {
		const struct config_lead *l = &cfg->policy.leads[i];
		int days = l->working ? (int)(l->n * 7 + 4) / 5 : (int)l->n;
		best = days > best ? days : best;
	}
	return best;
}

static void options(const struct config *cfg, time_t now, struct ics_options *opt, char *domain,
		    size_t size)
{
	const char *host = strstr(cfg->base_url, "://");
	host = host ? host + 3 : cfg->base_url;
	snprintf(domain, size, "%.*s", (int)strcspn(host, ":/"), host);
	opt->domain = domain;
	opt->window_start = date_from_days((long)(now / 86400) - (long)cfg->http.past_days);
	opt->window_end = (struct date){0, 0, 0};
	opt->refresh_minutes = cfg->http.refresh_minutes;
	opt->alarm_days = alarm_days(cfg);
	opt->activities = NULL;
	opt->n_activities = 0;
	opt->alarm_minute = cfg->policy.send_minute;
}

/* The administrators' all-offices feed shows what is current: due from 30 days ago to 90
 * days ahead, at most 20,000 events (calendar apps drop feeds of a few MB). */
enum { ALL_PAST_DAYS = 30, ALL_NEXT_DAYS = 90, ALL_MAX_EVENTS = 20000 };

/* "por Ana Pérez el martes 28 de febrero de 2023" for a delivered event; its hash then
 * changes with the mark, so SEQUENCE rises when it is marked or undone. */
static void mark_events(const struct plan *p, const struct config *cfg, size_t office,
			const struct done_set *done, struct ics_event *ev, size_t n)
{
	for (size_t i = 0; i < n && office != ICS_ALL_OFFICES; i++) {
		const struct store_delivery *d = done_find(done, p, ev[i].activity, ev[i].milestone,
							   cfg->offices[office].id);
		if (d == NULL)
			continue;
		struct date day;
		int minutes;
		struct pz_error err;
		struct strbuf note;
		strbuf_init(&note);
		strbuf_printf(&note, "por %s", d->by_name);
		if (calendar_utc_to_local(cfg->offices[office].timezone, (time_t)d->at, &day,
					  &minutes, &err) == 0) {
			strbuf_puts(&note, " el ");
			spanish_date(&note, day);
		}
		snprintf(ev[i].delivered, sizeof(ev[i].delivered), "%s", note.data);
		ev[i].hash = hash_bytes(ev[i].hash, note.data, note.len);
		strbuf_finish(&note);
	}
}

/* The domain of every UID: base_url's host the first time a feed is built, then kept in
 * the state, so that a changed base_url never re-creates subscribed events. */
static int uid_domain(struct store *st, char *domain, size_t size, struct pz_error *err)
{
	bool found;
	char kept[128];
	if (store_meta(st, "uid_domain", kept, sizeof(kept), &found, err) < 0)
		return -1;
	if (found) {
		snprintf(domain, size, "%s", kept);
		return 0;
	}
	return store_set_meta(st, "uid_domain", domain, err);
}

/* Keeps each event's SEQUENCE and LAST-MODIFIED in the store (one transaction);
 * *modified is the latest. */
static int stamp_events(struct store *st, struct ics_event *ev, size_t n, time_t now,
			time_t *modified, struct pz_error *err)
{
	int rc = store_begin(st, err);
	*modified = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		rc = store_feed_event(st, ev[i].uid, ev[i].hash, now, &ev[i].sequence,
				      &ev[i].modified, err);
		*modified = ev[i].modified > *modified ? ev[i].modified : *modified;
	}
	if (rc == 0)
		return store_commit(st, err);
	store_rollback(st);
	return -1;
}

int feed_render_office(const struct render_ctx *ctx, size_t office, struct strbuf *out,
		       time_t *modified, struct pz_error *err)
{
	struct ics_options opt;
	char domain[128];
	options(ctx->cfg, ctx->now, &opt, domain, sizeof(domain));
	if (uid_domain(ctx->st, domain, sizeof(domain), err) < 0)
		return -1;
	if (ctx->index != NULL && office != ICS_ALL_OFFICES)
		opt.activities = render_index_office(ctx->index, office, &opt.n_activities);
	if (office == ICS_ALL_OFFICES) { /* what is current across all offices, not all years */
		long today = (long)(ctx->now / 86400);
		opt.window_start = date_from_days(today - ALL_PAST_DAYS);
		opt.window_end = date_from_days(today + ALL_NEXT_DAYS);
	}
	struct ics_event *ev;
	size_t n;
	ics_events(ctx->plan, ctx->cfg, office, &opt, &ev, &n);
	if (office == ICS_ALL_OFFICES && n > ALL_MAX_EVENTS) {
		ics_events_free(ev, n);
		return PZ_FAIL(err, PZ_EDATA, "feed",
			       "the all-offices feed would hold %zu events "
			       "(at most %d); it is not built",
			       n, ALL_MAX_EVENTS);
	}
	mark_events(ctx->plan, ctx->cfg, office, ctx->done, ev, n);
	int rc = stamp_events(ctx->st, ev, n, ctx->now, modified, err);
	if (rc == 0)
		rc = ics_render(ctx->plan, ctx->cfg, office, &opt, ev, n, out, err);
	ics_events_free(ev, n);
	return rc;
}

int feed_render(const struct plan *p, const struct config *cfg, struct store *st, size_t office,
		time_t now, struct strbuf *out, time_t *modified, struct pz_error *err)
{
	struct done_set done;
	if (done_load(&done, st, err) < 0)
		return -1;
	struct render_ctx ctx = {.plan = p, .cfg = cfg, .done = &done, .st = st, .now = now};
	int rc = feed_render_office(&ctx, office, out, modified, err);
	done_finish(&done);
	return rc;
}
