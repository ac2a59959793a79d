#include "feed.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "agenda.h"
#include "calendar.h"
#include "done.h"
#include "spanish.h"
#include "ics.h"
#include "page.h"
#include "log.h"
#include "hash.h"
#include "xalloc.h"

static int new_token(char token[static 33], struct pz_error *err)
{
	unsigned char raw[16];
	size_t got = 0;
	while (got < sizeof(raw)) {
		ssize_t n = getrandom(raw + got, sizeof(raw) - got, 0);
		if (n < 0 && errno != EINTR)
			return PZ_FAIL(err, PZ_EIO, "getrandom", "getrandom: %s", strerror(errno));
		got += n > 0 ? (size_t)n : 0;
	}
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(token + 2 * i, 3, "%02x", raw[i]);
	return 0;
}

int feed_csrf(struct store *st, const char *office, char csrf[static 33], struct pz_error *err)
{
	char key[96];
	bool found;
	snprintf(key, sizeof(key), "csrf:%s", office);
	if (store_meta(st, key, csrf, 33, &found, err) < 0)
		return -1;
	if (found)
		return 0;
	return new_token(csrf, err) < 0 ? -1 : store_set_meta(st, key, csrf, err);
}

int feed_token(struct store *st, const char *office, time_t now, char token[static 33],
	       struct pz_error *err)
{
	bool found;
	if (store_token(st, office, token, &found, err) < 0)
		return -1;
	return found ? 0 : feed_rotate_token(st, office, now, token, err);
}

int feed_rotate_token(struct store *st, const char *office, time_t now, char token[static 33],
		      struct pz_error *err)
{
	if (new_token(token, err) < 0)
		return -1;
	return store_set_token(st, office, token, now, err);
}

int feed_page_token(struct store *st, const char *office, time_t now, char token[static 33],
		    struct pz_error *err)
{
	bool found;
	if (store_page_token(st, office, token, &found, err) < 0)
		return -1;
	return found ? 0 : feed_rotate_page_token(st, office, now, token, err);
}

int feed_rotate_page_token(struct store *st, const char *office, time_t now,
			   char token[static 33], struct pz_error *err)
{
	if (new_token(token, err) < 0)
		return -1;
	return store_set_page_token(st, office, token, now, err);
}

int feed_office_urls(const struct config *cfg, struct store *st, const char *office,
		     time_t now, char **page_url, char **feed_https, struct pz_error *err)
{
	char feed[33], page[33];
	if (feed_token(st, office, now, feed, err) < 0 ||
	    feed_page_token(st, office, now, page, err) < 0)
		return -1;
	*page_url = feed_page_url(cfg, page);
	*feed_https = feed_url(cfg, feed, false);
	return 0;
}

char *feed_url(const struct config *cfg, const char *token, bool webcal)
{
	const char *rest = strstr(cfg->base_url, "://");
	rest = rest ? rest + 3 : cfg->base_url;
	size_t n = strlen(rest);
	const char *slash = n > 0 && rest[n - 1] == '/' ? "" : "/";
	if (webcal)
		return xasprintf("webcal://%s%sfeeds/%s.ics", rest, slash, token);
	return xasprintf("%s%sfeeds/%s.ics", cfg->base_url, slash, token);
}

char *feed_page_url(const struct config *cfg, const char *token)
{
	size_t n = strlen(cfg->base_url);
	const char *slash = n > 0 && cfg->base_url[n - 1] == '/' ? "" : "/";
	return xasprintf("%s%so/%s", cfg->base_url, slash, token);
}

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

static void options(const struct config *cfg, time_t now, struct ics_options *opt,
		    char *domain, size_t size)
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

/* The activities naming each office, built once per snapshot (counting sort over the plan's
 * office references) so that each office's feed does not scan the whole plan. */
struct by_office {
	size_t *acts;  /* activity indices, office by office, in plan order */
	size_t *first; /* office o's are acts[first[o] .. first[o + 1]) */
};

static void by_office_build(const struct plan *p, size_t n_offices, struct by_office *ix)
{
	ix->first = xcalloc(n_offices + 2, sizeof(*ix->first));
	ix->acts = xcalloc(p->n_office_refs ? p->n_office_refs : 1, sizeof(*ix->acts));
	for (size_t r = 0; r < p->n_office_refs; r++)
		ix->first[p->office_refs[r] + 2]++;
	for (size_t o = 0; o < n_offices; o++)
		ix->first[o + 2] += ix->first[o + 1];
	for (size_t a = 0; a < p->n_activities; a++) {
		const struct activity *act = &p->activities[a];
		for (size_t k = 0; k < act->office_count; k++)
			ix->acts[ix->first[p->office_refs[act->office_first + k] + 1]++] = a;
	}
}

static void by_office_free(struct by_office *ix)
{
	free(ix->acts);
	free(ix->first);
}

/* "por Ana Pérez el martes 28 de febrero de 2023" for a delivered event; its hash then
 * changes with the mark, so SEQUENCE rises when it is marked or undone. */
static void mark_events(const struct plan *p, const struct config *cfg, size_t office,
			const struct done_set *done, struct ics_event *ev, size_t n)
{
	for (size_t i = 0; i < n && office != ICS_ALL_OFFICES; i++) {
		const struct store_delivery *d =
			done_find(done, p, ev[i].activity, ev[i].milestone, cfg->offices[office].id);
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

static int render(const struct plan *p, const struct config *cfg, struct store *st,
		  size_t office, const struct done_set *done, const struct by_office *ix,
		  time_t now, struct strbuf *out, time_t *modified, struct pz_error *err)
{
	struct ics_options opt;
	char domain[128];
	options(cfg, now, &opt, domain, sizeof(domain));
	if (uid_domain(st, domain, sizeof(domain), err) < 0)
		return -1;
	if (ix != NULL && office != ICS_ALL_OFFICES) {
		opt.activities = ix->acts + ix->first[office];
		opt.n_activities = ix->first[office + 1] - ix->first[office];
	}
	if (office == ICS_ALL_OFFICES) { /* what is current across all offices, not all years */
		long today = (long)(now / 86400);
		opt.window_start = date_from_days(today - ALL_PAST_DAYS);
		opt.window_end = date_from_days(today + ALL_NEXT_DAYS);
	}
	struct ics_event *ev;
	size_t n;
	ics_events(p, cfg, office, &opt, &ev, &n);
	if (office == ICS_ALL_OFFICES && n > ALL_MAX_EVENTS) {
		ics_events_free(ev, n);
		return PZ_FAIL(err, PZ_EDATA, "feed", "the all-offices feed would hold %zu events "
			       "(at most %d); it is not built", n, ALL_MAX_EVENTS);
	}
	mark_events(p, cfg, office, done, ev, n);
	int rc = store_begin(st, err);
	*modified = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		rc = store_feed_event(st, ev[i].uid, ev[i].hash, now, &ev[i].sequence,
				      &ev[i].modified, err);
		*modified = ev[i].modified > *modified ? ev[i].modified : *modified;
	}
	if (rc == 0)
		rc = store_commit(st, err);
	else
		store_rollback(st);
	if (rc == 0)
		rc = ics_render(p, cfg, office, &opt, ev, n, out, err);
	ics_events_free(ev, n);
	return rc;
}

int feed_render(const struct plan *p, const struct config *cfg, struct store *st,
		size_t office, time_t now, struct strbuf *out, time_t *modified,
		struct pz_error *err)
{
	struct done_set done;
	if (done_load(&done, st, err) < 0)
		return -1;
	int rc = render(p, cfg, st, office, &done, NULL, now, out, modified, err);
	done_finish(&done);
	return rc;
}

/* "https://calendar.google.com/calendar/r?cid=" + the webcal URL, percent-encoded. */
char *feed_google_url(const char *webcal)
{
	struct strbuf s;
	strbuf_init(&s);
	strbuf_puts(&s, "https://calendar.google.com/calendar/r?cid=");
	for (const unsigned char *c = (const unsigned char *)webcal; *c; c++) {
		if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		    (*c >= '0' && *c <= '9') || strchr("-._~", *c))
			strbuf_putc(&s, (char)*c);
		else
			strbuf_printf(&s, "%%%02X", *c);
	}
	return strbuf_steal(&s);
}

/* The subscribe links of a page: the feed under its token, over https, webcal and Google. */
static void feed_links(const struct config *cfg, const char *feed_token,
		       struct page_links *links)
{
	links->feed_https = feed_url(cfg, feed_token, false);
	links->feed_webcal = feed_url(cfg, feed_token, true);
	links->google = feed_google_url(links->feed_webcal);
}

static void free_links(struct page_links *links)
{
	free((char *)links->feed_https);
	free((char *)links->feed_webcal);
	free((char *)links->google);
}

/* The office's page at now, with its subscribe links and its forms (under the page token). */
static char *office_page(const struct plan *p, const struct config *cfg, size_t office,
			 const struct agenda *ag, const char *const tokens[2], const char *csrf,
			 const struct done_set *done, time_t now, size_t *len)
{
	char form_base[64];
	snprintf(form_base, sizeof(form_base), "/o/%s", tokens[1]);
	struct page_links links = {
		.form_base = form_base,
		.csrf = csrf,
		.done = done,
		.now = now,
		.undo_for = cfg->http.undo_for,
	};
	feed_links(cfg, tokens[0], &links);
	struct strbuf out;
	strbuf_init(&out);
	page_render(p, cfg, office, ag, &links, &out);
	free_links(&links);
	*len = out.len;
	return strbuf_steal(&out);
}

/* What /o/FEED_TOKEN shows since pages have their own token: no forms, where the page went. */
static char *moved_page(const struct config *cfg, size_t office, const char *feed_token,
			size_t *len)
{
	struct page_links links = {0};
	feed_links(cfg, feed_token, &links);
	struct strbuf out;
	strbuf_init(&out);
	page_render_moved(cfg, office, &links, &out);
	free_links(&links);
	*len = out.len;
	return strbuf_steal(&out);
}

/* The office's tokens: [0] its feed's, [1] its page's (office pages only). */
static int office_tokens(struct store *st, const char *id, bool page, time_t now,
			 char tokens[2][33], char csrf[33], struct pz_error *err)
{
	if (feed_token(st, id, now, tokens[0], err) < 0)
		return -1;
	if (!page)
		return 0;
	return feed_page_token(st, id, now, tokens[1], err) < 0 ||
			       feed_csrf(st, id, csrf, err) < 0
		       ? -1
		       : 0;
}

/* An office's two entries: its feed token with the feed and a read-only page saying where
 * the page went (the links of digests sent before page tokens), its page token with the
 * page and its forms. The all-offices feed (ag NULL) has only the first, without a page. */
static int add_office(struct http_site *site, const struct plan *p, const struct config *cfg,
		      struct store *st, size_t office, const struct agenda *ag,
		      const struct done_set *done, const struct by_office *ix, time_t now,
		      struct pz_error *err)
{
	const char *id = office == ICS_ALL_OFFICES ? FEED_ALL : cfg->offices[office].id;
	char tokens[2][33], csrf[33] = "";
	time_t modified;
	struct strbuf feed;
	strbuf_init(&feed);
	if (office_tokens(st, id, ag != NULL, now, tokens, csrf, err) < 0 ||
	    render(p, cfg, st, office, done, ix, now, &feed, &modified, err) < 0) {
		strbuf_finish(&feed);
		return -1;
	}
	size_t feed_len = feed.len, moved_len = 0, page_len = 0;
	char *moved = ag ? moved_page(cfg, office, tokens[0], &moved_len) : NULL;
	/* a page changes with the day; its date is the day's start */
	time_t page_modified = now - now % 86400;
	http_site_add(site, tokens[0], strbuf_steal(&feed), feed_len, modified, moved, moved_len,
		      page_modified, false);
	if (ag != NULL) {
		const char *const t[2] = {tokens[0], tokens[1]};
		char *page = office_page(p, cfg, office, ag, t, csrf, done, now, &page_len);
		http_site_add(site, tokens[1], NULL, 0, 0, page, page_len, page_modified, true);
	}
	return 0;
}

struct http_site *feed_site(const struct plan *p, const struct config *cfg, struct store *st,
			    time_t now, struct pz_error *err)
{
	struct store_counts c;
	struct store_hold hold;
	if (store_counts(st, &c, err) < 0 || store_hold(st, &hold, err) < 0)
		return NULL;
	struct done_set done;
	if (done_load(&done, st, err) < 0)
		return NULL;
	struct agenda *ag = xcalloc(cfg->n_offices, sizeof(*ag));
	struct http_site *site = http_site_new(c.pending, c.sent, c.failed);
	http_site_set_held(site, hold.held, c.pending);
	struct by_office ix;
	by_office_build(p, cfg->n_offices, &ix);
	int rc = agenda_build(p, cfg, now, PAGE_WHOLE_PLAN, ag, err);
	for (size_t o = 0; o < cfg->n_offices && rc == 0; o++)
		rc = add_office(site, p, cfg, st, o, &ag[o], &done, &ix, now, err);
	if (rc == 0 && add_office(site, p, cfg, st, ICS_ALL_OFFICES, NULL, &done, &ix, now,
				  err) < 0 && err->code == PZ_EDATA) {
		log_warn("%s", err->msg); /* too large to serve: the offices' feeds still are */
		rc = 0;
	}
	by_office_free(&ix);
	done_finish(&done);
	agenda_free(ag, cfg->n_offices);
	free(ag);
	if (rc < 0) {
		http_site_free(site);
		return NULL;
	}
	return site;
}
