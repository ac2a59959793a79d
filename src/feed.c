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

/* The activities naming each office, built once per plan (counting sort over the plan's
 * office references) so that each office's feed and page do not scan the whole plan. */
struct feed_index {
	size_t *acts;  /* activity indices, office by office, in plan order */
	size_t *first; /* office o's are acts[first[o] .. first[o + 1]) */
};

struct feed_index *feed_index_new(const struct plan *p, size_t n_offices)
{
	struct feed_index *ix = xcalloc(1, sizeof(*ix));
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
	return ix;
}

void feed_index_free(struct feed_index *ix)
{
	if (ix == NULL)
		return;
	free(ix->acts);
	free(ix->first);
	free(ix);
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
		  size_t office, const struct done_set *done, const struct feed_index *ix,
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

int feed_render_feed(const struct feed_index *ix, const struct plan *p,
		     const struct config *cfg, struct store *st, size_t office,
		     const struct done_set *done, time_t now, struct strbuf *out, time_t *modified,
		     struct pz_error *err)
{
	return render(p, cfg, st, office, done, ix, now, out, modified, err);
}

int feed_render_page(const struct feed_index *ix, const struct plan *p,
		     const struct config *cfg, size_t office, const struct feed_tokens *t,
		     const struct done_set *done, time_t now, struct strbuf *out,
		     struct pz_error *err)
{
	struct agenda ag = {0};
	size_t first = ix->first[office], n = ix->first[office + 1] - first;
	if (agenda_build_office(p, cfg, now, PAGE_WHOLE_PLAN, office, ix->acts + first, n, &ag,
				err) < 0)
		return -1;
	char form_base[64];
	snprintf(form_base, sizeof(form_base), "/o/%s", t->page);
	struct page_links links = {
		.form_base = form_base,
		.csrf = t->csrf,
		.done = done,
		.now = now,
		.undo_for = cfg->http.undo_for,
	};
	feed_links(cfg, t->feed, &links);
	page_render(p, cfg, office, &ag, &links, out);
	free_links(&links);
	agenda_free(&ag, 1);
	return 0;
}

void feed_render_moved(const struct config *cfg, size_t office, const char *feed_token,
		       struct strbuf *out)
{
	struct page_links links = {0};
	feed_links(cfg, feed_token, &links);
	page_render_moved(cfg, office, &links, out);
	free_links(&links);
}

/* ---- every office's tokens, read at once ---- */

struct token_read {
	const struct config *cfg;
	struct hash_index ids; /* hash of an office id -> its index */
	struct feed_tokens *out;
	size_t field; /* offsetof the token read in struct feed_tokens */
};

static void ids_build(struct hash_index *ids, const struct config *cfg)
{
	hash_index_init(ids);
	for (size_t o = 0; o < cfg->n_offices; o++)
		hash_index_put(ids, hash_str(HASH_FNV_BASIS, cfg->offices[o].id), o);
}

/* The index of office id (cfg->n_offices for FEED_ALL), HASH_NONE when unknown. */
static size_t id_office(const struct hash_index *ids, const struct config *cfg, const char *id)
{
	if (strcmp(id, FEED_ALL) == 0)
		return cfg->n_offices;
	struct hash_probe pr;
	for (size_t o = hash_index_first(ids, hash_str(HASH_FNV_BASIS, id), &pr); o != HASH_NONE;
	     o = hash_index_next(ids, &pr))
		if (strcmp(cfg->offices[o].id, id) == 0)
			return o;
	return HASH_NONE;
}

static size_t office_of(const struct token_read *r, const char *id)
{
	return id_office(&r->ids, r->cfg, id);
}

static void take_token(void *user, const char *office, const char *token)
{
	struct token_read *r = user;
	size_t o = office_of(r, office);
	if (o != HASH_NONE && strlen(token) == 32)
		memcpy((char *)&r->out[o] + r->field, token, 33);
}

/* The tokens still missing after the reads, created in one transaction. */
static int create_missing(struct store *st, const struct config *cfg, time_t now,
			  struct feed_tokens *out, struct pz_error *err)
{
	int rc = store_begin(st, err);
	for (size_t o = 0; o <= cfg->n_offices && rc == 0; o++) {
		const char *id = o < cfg->n_offices ? cfg->offices[o].id : FEED_ALL;
		if (out[o].feed[0] == '\0')
			rc = feed_rotate_token(st, id, now, out[o].feed, err);
		if (rc == 0 && o < cfg->n_offices && out[o].page[0] == '\0')
			rc = feed_rotate_page_token(st, id, now, out[o].page, err);
		if (rc == 0 && o < cfg->n_offices && out[o].csrf[0] == '\0')
			rc = feed_csrf(st, id, out[o].csrf, err);
	}
	if (rc == 0)
		return store_commit(st, err);
	store_rollback(st);
	return -1;
}

int feed_tokens_load(struct store *st, const struct config *cfg, time_t now,
		     struct feed_tokens *out, struct pz_error *err)
{
	struct token_read r = {.cfg = cfg, .out = out};
	memset(out, 0, (cfg->n_offices + 1) * sizeof(*out));
	ids_build(&r.ids, cfg);
	static const size_t fields[] = {offsetof(struct feed_tokens, feed),
					offsetof(struct feed_tokens, page),
					offsetof(struct feed_tokens, csrf)};
	static const enum store_token_kind kinds[] = {STORE_FEED_TOKEN, STORE_PAGE_TOKEN,
						      STORE_FORM_TOKEN};
	int rc = 0;
	for (size_t k = 0; k < 3 && rc == 0; k++) {
		r.field = fields[k];
		rc = store_all_tokens(st, kinds[k], take_token, &r, err);
	}
	hash_index_finish(&r.ids);
	return rc == 0 ? create_missing(st, cfg, now, out, err) : -1;
}

/* What of a mark an office's feed and page show. */
static uint64_t mark_hash(uint64_t h, const struct store_delivery *d)
{
	h = hash_str(h, d->activity);
	h = hash_bytes(h, &d->milestone, sizeof(d->milestone));
	h = hash_str(h, d->due);
	h = hash_bytes(h, &d->at, sizeof(d->at));
	h = hash_str(h, d->by_name);
	return hash_str(h, d->evidence);
}

static void fold_marks(const struct hash_index *ids, const struct config *cfg,
		       const struct store_delivery *d, size_t n, uint64_t *fp)
{
	for (size_t i = 0; i < n; i++) {
		size_t o = id_office(ids, cfg, d[i].office);
		if (o < cfg->n_offices)
			fp[o] = mark_hash(fp[o], &d[i]);
	}
}

struct heads {
	const struct hash_index *ids;
	const struct config *cfg;
	uint64_t *state;
};

static void fold_head(void *user, const char *office, long long id)
{
	struct heads *h = user;
	size_t o = id_office(h->ids, h->cfg, office);
	if (o != HASH_NONE)
		h->state[o] = hash_pair(h->state[o], (uint64_t)id);
}

int feed_states(struct store *st, const struct config *cfg, const struct feed_tokens *tokens,
		const struct done_set *done, uint64_t *state, struct pz_error *err)
{
	struct hash_index ids;
	ids_build(&ids, cfg);
	for (size_t o = 0; o <= cfg->n_offices; o++)
		state[o] = hash_bytes(HASH_FNV_BASIS, &tokens[o], sizeof(tokens[o]));
	fold_marks(&ids, cfg, done->items, done->n, state);
	fold_marks(&ids, cfg, done->later, done->n_later, state);
	struct heads h = {&ids, cfg, state};
	int rc = store_audit_heads(st, fold_head, &h, err);
	hash_index_finish(&ids);
	return rc;
}
