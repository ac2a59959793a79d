#include "daemon.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "backup.h"
#include "calendar.h"
#include "config.h"
#include "escalate.h"
#include "feed.h"
#include "footprint.h"
#include "form.h"
#include "hash.h"
#include "http.h"
#include "ics.h"
#include "log.h"
#include "page_office.h"
#include "plan.h"
#include "poke.h"
#include "replan.h"
#include "remind.h"
#include "send.h"
#include "site.h"
#include "store.h"
#include "twin.h"
#include "unread.h"
#include "xalloc.h"

/* A failed pass (the store locked or busy) is tried again after RETRY_FIRST seconds of real
 * time, doubling up to RETRY_MAX, until one succeeds. */
#define RETRY_FIRST 2.0
#define RETRY_MAX 300.0
/* The backup (backup.h) follows the changes, at most once per BACKUP_EVERY seconds of real
 * time: after a pass, a form or a poke, when the last one is that old; else the timer comes
 * back for it. Also at start (after the first pass: what it wrote is in it, so an idle
 * daemon has no backup left to write a minute later), and at stop. */
#define BACKUP_EVERY 60.0
/* Rows not read that a load logs one by one; the rest are counted. */
#define LOG_ROWS 50

/* What a reload replaces as one piece. */
struct world {
	struct config cfg;
	struct plan plan;
	struct remind_queue *queue;
	struct unread unread; /* the plan's rows not read */
	struct render_index *index; /* each office's activities, for rendering one office */
	uint64_t generation;      /* names the world in the validators (world_generation) */
	uint64_t *footprint;      /* [0 .. n_offices]: each slot's part of the plan (footprint.h),
				   * folded into its state; set once the keys are final (replan) */
	unsigned pins;            /* renderings using it outside the lock (render_pin) */
};

struct daemon {
	const struct daemon_options *opt;
	struct world *w;
	struct store *store;
	struct store_counts counts; /* the ledger's, as last counted (under lock) */
	struct http_server *http;
	int epoll_fd, signal_fd, timer_fd;
	int watchdog_fd;        /* pings systemd every half WatchdogSec; -1: no watchdog */
	struct timespec mono_start;
	time_t clock_start;
	time_t next_midnight;   /* every page is stale then */
	long today;             /* the local day (a day number) pages show */
	time_t wake_at;         /* the instant the timer was armed for */
	time_t last_pass;       /* the instant the last pass acted for */
	uint64_t watchdog_usec; /* 0: no watchdog */
	bool stopping;
	/* The page forms and the rendering, both in the HTTP threads: */
	pthread_mutex_t lock;   /* guards w (its swap and pins), site, tokens, states, forms */
	struct http_site *site; /* the published snapshot (the server owns it) */
	struct site_tokens *tokens; /* of the snapshot: [n_offices] is the all-offices feed */
	uint64_t *states;       /* each slot's state (site_states) as the snapshot holds it */
	struct http_version too_large; /* the all-offices feed's version found too large to
					* serve: not rendered again until it moves */
	struct form_office *forms; /* the page and form tokens of the snapshot */
	size_t n_forms;
	struct store *form_store; /* the forms' connection (used under lock) */
	/* Renderings run outside lock, on the world they pinned, each kind on its own
	 * connection under its own lock, so a form never waits for a rendering: */
	pthread_mutex_t feed_lock;  /* guards feed_store (feeds write their event stamps) */
	struct store *feed_store;
	pthread_mutex_t page_lock;  /* guards page_store (pages read the office's marks) */
	struct store *page_store;
	int event_fd;           /* a form or a feed's stamps changed the state: gauges, status,
				   backup */
	char origin[160];       /* of [plazo] base_url: where forms may come from */
	int lock_fd;            /* the sender's lock on the state directory */
	int pid_fd;             /* STATE_DIR/plazo.pid, locked while running (poke.h) */
	char *state_dir;        /* as opened at start (a reload does not move the state) */
	char *db_path;
	double retry_delay;     /* seconds before retrying a failed pass; 0: none failed */
	double retry_mono;      /* when to retry, on the monotonic clock */
	long long backed_changes; /* store changes covered by the last backup */
	double backup_mono;     /* when the last backup was attempted; 0: never */
};

/* Seconds on the monotonic clock: the real time that retries and backups are paced by. */
static double mono_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The daemon's clock: real time, or the --at instant moving at --speed. */
static time_t now_of(const struct daemon *d)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	double elapsed = (double)(ts.tv_sec - d->mono_start.tv_sec) +
			 (double)(ts.tv_nsec - d->mono_start.tv_nsec) / 1e9;
	return d->clock_start + (time_t)(elapsed * d->opt->speed);
}

static void world_free(struct world *w)
{
	if (w == NULL)
		return;
	remind_queue_free(w->queue);
	render_index_free(w->index);
	free(w->footprint);
	plan_finish(&w->plan);
	config_finish(&w->cfg);
	free(w);
}

/* Where d is, as check prints it ("plan.tsv:24", "plan.xlsx:Hoja!F24"); a static buffer
 * of the loop thread, valid until the next call. */
static const char *where(const struct diag *d)
{
	static struct strbuf buf;
	if (buf.cap == 0)
		strbuf_init(&buf);
	strbuf_reset(&buf);
	diag_where(&buf, d);
	return buf.data;
}

/* The blocking errors, one line each (the whole count is in the load's error). */
static void log_blocking(const struct diag_list *d)
{
	for (size_t i = 0; i < d->len; i++) {
		const struct diag *x = &d->items[i];
		if (plan_diag_blocks(x))
			log_error("%s: error[%s]: %s", where(x), x->code, x->message);
	}
}

/* Each row not read, one line with file:line and code, the first LOG_ROWS of them; then how
 * many in all. The rows are served without what they could not give. */
static void log_unread(const struct diag_list *d, const struct unread *u)
{
	size_t shown = 0;
	for (size_t i = 0; i < d->len && shown < LOG_ROWS; i++) {
		const struct diag *x = &d->items[i];
		if (x->severity != DIAG_ERROR || plan_diag_blocks(x))
			continue;
		log_warn("%s: row not read: error[%s]: %s", where(x), x->code, x->message);
		shown++;
	}
	if (u->errors > shown)
		log_warn("... and %zu more row errors ('plazo check' lists them all)",
			 u->errors - shown);
	if (u->rows > 0)
		log_warn("plan rows not read=%zu errors=%zu; the rest of the plan is served",
			 u->rows, u->errors);
}

/* A name for a world, from what may change anything it serves: this build and the
 * configuration's bytes (office names, zones, the policy, the plan files named). The plan
 * itself is not in it: each slot's state carries its own part of the plan (footprint.h), so
 * a reload of an unchanged plan keeps every validator and an edited activity moves only the
 * slots of its offices and the all-offices feed. */
static uint64_t world_generation(const char *config_path)
{
	uint64_t h = hash_str(HASH_FNV_BASIS, PLAZO_VERSION);
	FILE *f = fopen(config_path, "rb");
	char chunk[4096];
	size_t n;
	while (f != NULL && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		h = hash_bytes(h, chunk, n);
	if (f != NULL)
		fclose(f);
	return h;
}

/* Loads config and plan as `plazo check` would (join_state adds the reminder queue and the
 * footprints once the keys are final). A row that cannot be read is logged and kept out of
 * what it could not give (unread.h); NULL (logged) when the file cannot be read or an error
 * leaves nothing to serve (no header, a broken config). */
static struct world *world_load(const char *config_path)
{
	struct world *w = xcalloc(1, sizeof(*w));
	struct diag_list diags;
	struct pz_error err = {0};
	config_init(&w->cfg);
	plan_init(&w->plan);
	diag_list_init(&diags);
	int rc = config_load(&w->cfg, config_path, &diags, &err);
	if (rc == 0 && w->cfg.plan_file == NULL)
		rc = PZ_FAIL(&err, PZ_ECONFIG, config_path, "%s: no [plan] file", config_path);
	if (rc == 0)
		rc = plan_load_files(&w->plan, (const char *const *)w->cfg.plan_files.items,
				     w->cfg.plan_files.len, &w->cfg, &diags, &err);
	diag_sort(&diags);
	unread_collect(&w->unread, &diags);
	size_t blocking = unread_blocking(&diags);
	log_blocking(&diags);
	if (rc == 0 && blocking > 0)
		rc = PZ_FAIL(&err, PZ_ECONFIG, config_path,
			     "%zu errors leave nothing to serve ('plazo check' lists them)",
			     blocking);
	if (rc == 0)
		log_unread(&diags, &w->unread);
	if (rc == 0) {
		w->index = render_index_new(&w->plan, w->cfg.n_offices);
		w->generation = world_generation(config_path);
	}
	diag_list_finish(&diags);
	if (rc < 0) {
		log_error("load %s: %s", config_path, err.msg);
		world_free(w);
		return NULL;
	}
	return w;
}

/* What `plazo status` shows of the rows not read: the world being served. */
static void save_unread(struct daemon *d)
{
	struct pz_error err = {0};
	if (unread_save(d->store, &d->w->unread, &err) < 0)
		log_error("save the plan rows not read for plazo status: %s", err.msg);
}

static void notify_status(struct daemon *d)
{
	pthread_mutex_lock(&d->lock);
	struct store_counts c = d->counts;
	pthread_mutex_unlock(&d->lock);
	sd_notifyf(0, "STATUS=%zu offices, %zu milestones; reminders %ld pending, %ld sent, "
		      "%ld failed; %zu plan rows not read",
		   d->w->cfg.n_offices, d->w->plan.n_milestones, c.pending, c.sent, c.failed,
		   d->w->unread.rows);
}

/* The page and form tokens of every office, for the forms' handler (called under lock). */
static void load_forms(struct daemon *d)
{
	const struct config *cfg = &d->w->cfg;
	d->forms = xrealloc(d->forms, (cfg->n_offices + 1) * sizeof(*d->forms));
	d->n_forms = cfg->n_offices;
	for (size_t o = 0; o < cfg->n_offices; o++) {
		struct form_office *f = &d->forms[o];
		f->office = o;
		memcpy(f->token, d->tokens[o].page, sizeof(f->token));
		memcpy(f->csrf, d->tokens[o].csrf, sizeof(f->csrf));
	}
}

/* The reminder gauges /metrics shows, from st (the calling thread's connection; under
 * lock): every state counted, or (after a mark, which moves no row to or from 'sent') the
 * pending and failed alone, through their indexes, and the sent as last counted. */
static void set_gauges(struct daemon *d, struct store *st, struct http_site *site, bool all)
{
	struct store_counts c = d->counts;
	struct store_hold hold;
	struct pz_error err = {0};
	int rc = all ? store_counts(st, &c, &err) : store_counts_due(st, &c, &err);
	if (rc < 0 || store_hold(st, &hold, &err) < 0) {
		log_warn("reminder counts for /metrics: %s", err.msg);
		return;
	}
	d->counts = c;
	http_site_set_counts(site, c.pending, c.sent, c.failed);
	http_site_set_held(site, hold.held, c.pending);
	http_site_set_plan(site, d->w->unread.rows, d->w->unread.severity);
}

/* A snapshot of the world under d->tokens: an office's feed token serves its feed and the
 * page saying where its page went, its page token its page; slot n_offices is the
 * all-offices feed. The versions are carried from old when it is of the same world. */
static struct http_site *site_new(struct daemon *d, struct store *st, time_t now,
				  const struct http_site *old)
{
	size_t n = d->w->cfg.n_offices;
	struct http_site *site = http_site_new(d->w->generation, n + 1, d->today, now);
	for (size_t o = 0; o < n; o++) {
		http_site_add(site, d->tokens[o].feed, o, HTTP_BIT(HTTP_FEED) | HTTP_BIT(HTTP_MOVED));
		http_site_add(site, d->tokens[o].page, o, HTTP_BIT(HTTP_PAGE));
	}
	http_site_add(site, d->tokens[n].feed, n, HTTP_BIT(HTTP_FEED));
	http_site_carry(site, old);
	set_gauges(d, st, site, true);
	return site;
}

static bool tokens_changed(const struct daemon *d, const struct site_tokens *tokens)
{
	size_t n = d->w->cfg.n_offices + 1;
	return d->tokens == NULL || memcmp(d->tokens, tokens, n * sizeof(*tokens)) != 0;
}

/* Reads every office's tokens and marks from st and hands the snapshot each office's state,
 * its part of the plan (w->footprint) folded in: the parts of those whose state moved are
 * stale (nothing is rendered here). New tokens publish a new snapshot, carrying the states.
 * Called with d->lock held. */
static int refresh(struct daemon *d, struct store *st, time_t now)
{
	size_t n = d->w->cfg.n_offices;
	struct site_tokens *tokens = xcalloc(n + 1, sizeof(*tokens));
	uint64_t *states = xcalloc(n + 1, sizeof(*states));
	struct done_set done = {0};
	struct pz_error err = {0};
	int rc = site_tokens_load(st, &d->w->cfg, now, tokens, &err);
	if (rc == 0 && (rc = done_load(&done, st, &err)) == 0) {
		rc = site_states(st, &d->w->cfg, tokens, &done, states, &err);
		done_finish(&done);
	}
	for (size_t o = 0; rc == 0 && o <= n; o++)
		states[o] = hash_pair(states[o], d->w->footprint[o]);
	if (rc < 0) {
		log_error("read the offices' tokens and marks: %s", err.msg);
		free(tokens);
		free(states);
		return -1;
	}
	bool retoken = tokens_changed(d, tokens);
	free(d->tokens);
	free(d->states);
	d->tokens = tokens;
	d->states = states;
	if (retoken) {
		struct http_site *site = site_new(d, st, now, d->site);
		http_publish(d->http, site);
		d->site = site;
	}
	unsigned all = HTTP_BIT(HTTP_FEED) | HTTP_BIT(HTTP_PAGE) | HTTP_BIT(HTTP_MOVED);
	for (size_t o = 0; o <= n; o++)
		http_site_set(d->site, o, all, states[o], now);
	load_forms(d);
	return 0;
}

/* After a form: reads the state of office o alone (its marks and audit head; its tokens do
 * not change) and moves its versions when it moved. Called with d->lock held. */
static void refresh_office(struct daemon *d, struct store *st, size_t o, time_t now)
{
	uint64_t state;
	struct pz_error err = {0};
	if (site_state_of(st, &d->w->cfg, o, &d->tokens[o], &state, &err) < 0) {
		log_error("read the marks of office %s: %s", d->w->cfg.offices[o].id, err.msg);
		refresh(d, st, now); /* the whole state then, as a poke reads it */
		return;
	}
	d->states[o] = hash_pair(state, d->w->footprint[o]);
	unsigned all = HTTP_BIT(HTTP_FEED) | HTTP_BIT(HTTP_PAGE) | HTTP_BIT(HTTP_MOVED);
	http_site_set(d->site, o, all, d->states[o], now);
}

/* When the next local day starts after now. */
static void set_next_midnight(struct daemon *d, time_t now)
{
	struct pz_error err = {0};
	struct date today;
	int minutes;
	time_t midnight;
	if (calendar_utc_to_local(d->w->cfg.timezone, now, &today, &minutes, &err) == 0 &&
	    calendar_local_to_utc(d->w->cfg.timezone,
				  date_from_days(date_to_days(today) + 1), 0, 0, &midnight,
				  &err) == 0) {
		d->next_midnight = midnight;
		d->today = date_to_days(today);
	} else {
		d->next_midnight = now + 86400;
		d->today = (long)(now / 86400);
	}
}

/* Local midnight: every page is stale (its "today" moved), none is rendered and the state
 * is not touched. Called with d->lock held. */
static void new_day(struct daemon *d, time_t now)
{
	set_next_midnight(d, now);
	http_site_new_day(d->site, d->today, now);
	log_debug("a new day: every page stale day=%ld", d->today);
}

/* Publishes a snapshot of a world just loaded: its tokens, every version new, nothing
 * rendered. Called with d->lock held. */
static int publish(struct daemon *d, time_t now)
{
	free(d->tokens);
	free(d->states);
	d->tokens = NULL;
	d->states = NULL;
	set_next_midnight(d, now);
	if (refresh(d, d->store, now) < 0)
		return -1;
	log_debug("snapshot published offices=%zu", d->w->cfg.n_offices);
	return 0;
}

/* What a rendering holds while it runs outside d->lock: the world (pinned), the version it
 * renders and the slot's tokens, as the snapshot had them. */
struct render_pin {
	struct world *w;
	size_t slot;
	struct http_version v;
	struct site_tokens tokens;
	bool refused; /* the all-offices feed at a version found too large */
};

/* Pins the world and reads part's version of slot, when site is still the published one. */
static bool render_pin(struct daemon *d, struct http_site *site, size_t slot,
		       enum http_part part, struct render_pin *p)
{
	pthread_mutex_lock(&d->lock);
	bool ok = site == d->site && slot <= d->w->cfg.n_offices;
	if (ok) {
		p->w = d->w;
		p->w->pins++;
		p->slot = slot;
		http_site_version(site, slot, part, &p->v);
		p->tokens = d->tokens[slot];
		p->refused = slot == p->w->cfg.n_offices &&
			     memcmp(&p->v, &d->too_large, sizeof(p->v)) == 0;
	}
	pthread_mutex_unlock(&d->lock);
	return ok;
}

/* Lets the world go (freed by its last pinner once replaced); true when the version is
 * still the one rendered, so what was rendered and the version agree. */
static bool render_unpin(struct daemon *d, struct http_site *site, enum http_part part,
			 const struct render_pin *p, unsigned status)
{
	pthread_mutex_lock(&d->lock);
	struct http_version now;
	bool same = site == d->site && p->w == d->w;
	if (same) {
		http_site_version(site, p->slot, part, &now);
		same = memcmp(&now, &p->v, sizeof(now)) == 0;
	}
	if (same && status == 404 && p->slot == p->w->cfg.n_offices)
		d->too_large = p->v;
	bool gone = --p->w->pins == 0 && p->w != d->w;
	pthread_mutex_unlock(&d->lock);
	if (gone)
		world_free(p->w);
	return same;
}

/* Renders a feed or page of the pinned world on conn (under its lock), from the marks of
 * its office (none for the all-offices feed, which has no page and shows no marks). */
static unsigned part_on_store(const struct render_pin *p, enum http_part part, struct store *conn,
			      struct strbuf *out)
{
	const struct world *w = p->w;
	size_t n = w->cfg.n_offices;
	struct done_set done = {0};
	struct pz_error err = {0};
	time_t modified;
	if (p->slot < n && done_load_office(&done, conn, w->cfg.offices[p->slot].id, &err) < 0) {
		log_error("render: %s", err.msg);
		return 503;
	}
	struct render_ctx ctx = {.plan = &w->plan,
				 .cfg = &w->cfg,
				 .index = w->index,
				 .done = &done,
				 .st = conn,
				 .now = p->v.modified};
	int rc = part == HTTP_FEED
			 ? feed_render_office(&ctx, p->slot == n ? ICS_ALL_OFFICES : p->slot, out,
					      &modified, &err)
			 : page_office_render(&ctx, p->slot, &p->tokens, out, &err);
	done_finish(&done);
	if (rc == 0)
		return 0;
	if (err.code == PZ_EDATA) {
		log_warn("%s", err.msg); /* too large to serve: the offices' feeds still are */
		return 404;
	}
	log_error("render %s of office %s: %s", part == HTTP_FEED ? "feed" : "page",
		  p->slot < n ? w->cfg.offices[p->slot].id : SITE_ALL, err.msg);
	return 503;
}

/* Tells the loop, from another thread, that the state changed (on_event: gauges, status and
 * the backup's schedule). */
static void wake_loop(struct daemon *d)
{
	uint64_t one = 1;
	if (write(d->event_fd, &one, sizeof(one)) < 0)
		log_warn("eventfd: %s", strerror(errno));
}

/* One part of one office at the instant its version was stamped, so that the same version
 * always gives the same bytes. */
static unsigned pinned_part(struct daemon *d, const struct render_pin *p, enum http_part part,
			    struct strbuf *out)
{
	if (p->refused)
		return 404;
	if (part == HTTP_MOVED) {
		page_office_render_moved(&p->w->cfg, p->slot, p->tokens.feed, out);
		return 0;
	}
	pthread_mutex_t *lock = part == HTTP_FEED ? &d->feed_lock : &d->page_lock;
	struct store *st = part == HTTP_FEED ? d->feed_store : d->page_store;
	pthread_mutex_lock(lock);
	long long before = store_changes(st);
	unsigned status = part_on_store(p, part, st, out);
	bool wrote = store_changes(st) != before; /* a feed's event stamps */
	pthread_mutex_unlock(lock);
	if (wrote)
		wake_loop(d); /* the loop schedules the backup of what was written */
	return status;
}

/* The renderer (http.h), in an HTTP thread, outside d->lock: a version that moved while
 * rendering (a form, a refresh) is rendered again at its new version, a few times at most. */
static unsigned render_part(void *user, struct http_site *site, size_t slot, enum http_part part,
			    struct strbuf *out, struct http_version *v)
{
	struct daemon *d = user;
	for (int tries = 0; tries < 3; tries++) {
		struct render_pin p;
		if (!render_pin(d, site, slot, part, &p))
			break;
		unsigned status = pinned_part(d, &p, part, out);
		if (render_unpin(d, site, part, &p, status)) {
			*v = p.v;
			return status;
		}
		strbuf_reset(out);
	}
	return 503; /* a snapshot replaced meanwhile: the client comes back */
}

/* A signal waiting in the signalfd stops a long send pass between digests. */
static bool stop_requested(void *user)
{
	struct daemon *d = user;
	if (d->watchdog_usec) /* a long pass must not look like a hang */
		sd_notify(0, "WATCHDOG=1");
	sigset_t pending;
	sigpending(&pending);
	d->stopping = d->stopping || sigismember(&pending, SIGTERM) || sigismember(&pending, SIGINT);
	return d->stopping;
}

static int publish_locked(struct daemon *d, time_t now)
{
	pthread_mutex_lock(&d->lock);
	int rc = publish(d, now);
	pthread_mutex_unlock(&d->lock);
	return rc;
}

static long long changes(struct daemon *d)
{
	pthread_mutex_lock(&d->lock); /* the form store belongs to the HTTP thread */
	long long n = store_changes(d->store) + store_changes(d->form_store);
	pthread_mutex_unlock(&d->lock);
	pthread_mutex_lock(&d->feed_lock);
	n += store_changes(d->feed_store);
	pthread_mutex_unlock(&d->feed_lock);
	return n;
}

static bool backup_wanted(struct daemon *d)
{
	time_t made;
	return changes(d) != d->backed_changes || !backup_info(d->db_path, &made);
}

/* Writes the backup when something changed since the last one and (unless force) the last
 * attempt is BACKUP_EVERY old; a failure is logged and tried again after BACKUP_EVERY. */
static void backup_maybe(struct daemon *d, bool force)
{
	double t = mono_seconds();
	if (!backup_wanted(d) || (!force && d->backup_mono > 0 && t - d->backup_mono < BACKUP_EVERY))
		return;
	long long n = changes(d);
	struct pz_error err = {0};
	d->backup_mono = t;
	if (backup_write(d->db_path, &err) < 0) {
		log_error("%s; trying again in %.0f s", err.msg, BACKUP_EVERY);
		return;
	}
	d->backed_changes = n;
	log_debug("backup written path=%s.backup", d->db_path);
}

/* Sends what is due at now (its due set taken from the queue, send.h), republishes what
 * changed. */
static void pass(struct daemon *d, time_t now)
{
	d->last_pass = now;
	struct send_report rep = {.event = send_log_event, .user = d, .stop = stop_requested,
				  .unread = &d->w->unread, .queue = d->w->queue};
	struct pz_error err = {0};
	if (d->retry_delay > 0)
		log_notice("retrying the send pass that failed");
	if (send_run(&d->w->plan, &d->w->cfg, d->store, now, false, NULL, &rep, &err) < 0) {
		d->retry_delay = d->retry_delay > 0 ? d->retry_delay * 2 : RETRY_FIRST;
		if (d->retry_delay > RETRY_MAX)
			d->retry_delay = RETRY_MAX;
		d->retry_mono = mono_seconds() + d->retry_delay;
		log_error("send pass failed (%s): %s; retrying in %.0f s", pz_errc_name(err.code),
			  err.msg, d->retry_delay);
	} else if (d->retry_delay > 0) {
		log_notice("send pass succeeded after the retries");
		d->retry_delay = 0;
	}
	log_debug("send pass at=%lld due_set=%s reminders=%zu", (long long)now,
		  rep.scanned ? "scan" : "queue", rep.enqueued);
	http_count_pass(d->http);
	/* sending changes no feed or page (they show the plan and the marks): the gauges and,
	 * when a day started, every page's "today" */
	if (rep.digests || rep.failed || rep.retrying || rep.held || now >= d->next_midnight) {
		pthread_mutex_lock(&d->lock);
		set_gauges(d, d->store, d->site, true);
		if (now >= d->next_midnight)
			new_day(d, now);
		pthread_mutex_unlock(&d->lock);
		notify_status(d);
	}
	if (rep.enqueued)
		log_notice("send pass reminders=%zu digests=%zu deferred=%zu failed=%zu",
			   rep.enqueued, rep.digests, rep.retrying, rep.failed);
	backup_maybe(d, false);
}

/* The earliest instant a pass has work for, on the daemon's clock: a reminder's slot (the
 * queue), an escalation, a pending row's next attempt. False when there is none. */
static bool next_work(struct daemon *d, time_t *at)
{
	time_t t[3];
	bool has[3], any = false;
	struct pz_error err;
	has[0] = remind_queue_next(d->w->queue, &t[0]);
	/* from the last instant handled, not from now: on a busy machine (or a fast simulated
	 * clock) now may already be past the slot, which must still be handled */
	has[1] = escalate_next(&d->w->cfg, d->last_pass, &t[1]);
	if (store_next_attempt(d->store, &has[2], &t[2], &err) < 0)
		has[2] = false;
	for (int i = 0; i < 3; i++) {
		if (has[i] && (!any || t[i] < *at))
			*at = t[i];
		any |= has[i];
	}
	return any;
}

/* The next instant worth waking for: work for a pass, or local midnight (pages move their
 * "today"). May be in the past: the timer then fires at once. */
static time_t next_wake(struct daemon *d)
{
	time_t t;
	return next_work(d, &t) && t < d->next_midnight ? t : d->next_midnight;
}

/* Whether a pass has work at now: something came due, or a failed pass is to be retried. A
 * wake for anything else (midnight, a backup) runs no pass and writes nothing. */
static bool work_due(struct daemon *d, time_t now)
{
	time_t t;
	if (d->retry_delay > 0 && mono_seconds() + 0.01 >= d->retry_mono)
		return true;
	return next_work(d, &t) && t <= now;
}

/* real, shortened to the next retry of a failed pass or the next backup, when sooner. */
static double pace(struct daemon *d, double real)
{
	double t = mono_seconds(), until;
	if (d->retry_delay > 0 && (until = d->retry_mono - t) < real)
		real = until > 0 ? until : 0;
	if (backup_wanted(d) && (until = d->backup_mono + BACKUP_EVERY - t) < real)
		real = until > 0 ? until : 0;
	return real;
}

/* Arms the timer for the next wake, in real time (the watchdog has a timer of its own). */
static void arm(struct daemon *d, time_t now)
{
	d->wake_at = next_wake(d);
	double real = d->wake_at > now ? (double)(d->wake_at - now) / d->opt->speed : 0;
	/* something still due at an instant already handled (a stopped pass, a row that could
	 * not go): try again in a second rather than spin */
	if (d->wake_at <= d->last_pass) {
		d->wake_at = d->last_pass + (time_t)d->opt->speed;
		real = 1;
	}
	real = pace(d, real);
	if (real < 0.001)
		real = 0.001;
	struct itimerspec its = {0};
	its.it_value.tv_sec = (time_t)real;
	its.it_value.tv_nsec = (long)((real - (double)(time_t)real) * 1e9);
	if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
		its.it_value.tv_nsec = 1000000;
	timerfd_settime(d->timer_fd, 0, &its, NULL);
}

/* A pass acts for the instant the timer was armed for: on a simulated clock (--speed)
 * always, so a busy machine cannot shift what a simulated day sends; in real time when it
 * fires less than a second late (digests then say 08:00:00), else for now. */
static time_t pass_instant(const struct daemon *d)
{
	time_t now = now_of(d);
	if (now < d->wake_at)
		return now;
	return d->opt->speed > 1 || now - d->wake_at < 1 ? d->wake_at : now;
}

/* The timer: a pass when work is due; at local midnight only a republish (its "today" moved;
 * the state is not written for it). */
static void on_timer(struct daemon *d)
{
	uint64_t expirations;
	if (read(d->timer_fd, &expirations, sizeof(expirations)) < 0 && errno != EAGAIN)
		log_warn("timerfd: %s", strerror(errno));
	if (d->stopping)
		return;
	time_t now = pass_instant(d);
	if (work_due(d, now)) {
		pass(d, now);
		return;
	}
	if (now >= d->next_midnight) {
		pthread_mutex_lock(&d->lock);
		new_day(d, now);
		pthread_mutex_unlock(&d->lock);
	}
	backup_maybe(d, false);
}

/* The watchdog's own timer: only tells systemd the loop is alive; never a pass. */
static void on_watchdog(struct daemon *d)
{
	uint64_t expirations;
	if (read(d->watchdog_fd, &expirations, sizeof(expirations)) < 0 && errno != EAGAIN)
		log_warn("watchdog timerfd: %s", strerror(errno));
	sd_notify(0, "WATCHDOG=1");
}

/* With WatchdogSec (WATCHDOG_USEC), a periodic timer at half of it pings systemd. */
static int start_watchdog(struct daemon *d)
{
	if (sd_watchdog_enabled(0, &d->watchdog_usec) <= 0 || d->watchdog_usec == 0) {
		d->watchdog_usec = 0;
		return 0;
	}
	uint64_t half = d->watchdog_usec / 2;
	struct itimerspec its = {0};
	its.it_value.tv_sec = its.it_interval.tv_sec = (time_t)(half / 1000000);
	its.it_value.tv_nsec = its.it_interval.tv_nsec = (long)(half % 1000000) * 1000;
	if (half == 0)
		its.it_value.tv_nsec = its.it_interval.tv_nsec = 1000;
	d->watchdog_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = d->watchdog_fd};
	if (d->watchdog_fd < 0 || timerfd_settime(d->watchdog_fd, 0, &its, NULL) < 0 ||
	    epoll_ctl(d->epoll_fd, EPOLL_CTL_ADD, d->watchdog_fd, &ev) < 0) {
		log_error("set up the watchdog timer: %s", strerror(errno));
		return -1;
	}
	log_info("watchdog pinged every %.3f s", (double)half / 1e6);
	return 0;
}

/* The HTTP thread's form handler: acts under the lock (the world cannot be swapped
 * meanwhile), then moves the versions of the office it changed, so the redirect shows the
 * change; the daemon's thread then updates the gauges and the backup. */
static void on_form(void *user, const char *token, const char *action,
		    const struct http_form *form, struct http_form_reply *reply)
{
	struct daemon *d = user;
	pthread_mutex_lock(&d->lock);
	struct form_ctx c = {&d->w->plan, &d->w->cfg, d->forms, d->n_forms, d->form_store,
			     now_of(d)};
	if (form_handle(&c, token, action, form, reply)) {
		log_info("form %s office_token=%.4s… item=%s", action, token, form->item);
		const struct form_office *fo = form_find_office(&c, token);
		if (fo != NULL) /* its office alone: a mark costs what its office holds */
			refresh_office(d, d->form_store, fo->office, c.now);
		else
			refresh(d, d->form_store, c.now);
		wake_loop(d);
	}
	pthread_mutex_unlock(&d->lock);
}

static void on_event(struct daemon *d)
{
	uint64_t n;
	if (read(d->event_fd, &n, sizeof(n)) == (ssize_t)sizeof(n)) {
		pthread_mutex_lock(&d->lock);
		set_gauges(d, d->store, d->site, false);
		pthread_mutex_unlock(&d->lock);
		notify_status(d);
		backup_maybe(d, false);
	}
}

/* A reload is how the operator says a held queue's cause is fixed: try it at once. */
static void release_hold(struct daemon *d, time_t now)
{
	struct pz_error err = {0};
	bool was = false;
	if (send_release(d->store, now, "configuration reloaded", &was, &err) < 0)
		log_error("release the held queue: %s", err.msg);
	else if (was)
		log_notice("held queue released by the reload; its reminders go at once");
}

/* What a world works out from its plan alone once the keys are final: the reminder queue of
 * every stage after `after` and each slot's footprint. Only reads the plan, as replan_join
 * does, so the two run side by side. */
struct prepare {
	struct world *w;
	time_t after;
	int rc;
	struct pz_error err;
};

static void *prepare_world(void *arg)
{
	struct prepare *p = arg;
	struct world *w = p->w;
	w->queue = remind_queue_new(&w->plan, &w->cfg, p->after, &p->err);
	p->rc = w->queue != NULL ? 0 : -1;
	w->footprint = xrealloc(w->footprint, (w->cfg.n_offices + 1) * sizeof(uint64_t));
	footprint_offices(&w->plan, w->cfg.n_offices, w->footprint);
	return NULL;
}

/* The world's preparation, waited for before the plan is recorded: a plan whose world cannot
 * be prepared is not recorded (replan_join's proceed). */
static int prepared(void *arg)
{
	struct twin *t = arg;
	twin_wait(t);
	return ((struct prepare *)t->arg)->rc;
}

/* The plan takes the keys its state kept (replan.h); what the load changes is logged, an
 * orphaned mark as a warning (it stays in the state), and the plan is recorded once the
 * world, prepared meanwhile on a second thread (or on this one), is known to be whole. */
static int join_state(struct daemon *d, struct world *w, time_t after)
{
	struct pz_error err = {0};
	struct diag_list diags;
	size_t orphans = 0;
	diag_list_init(&diags);
	int rc = replan_keep_keys(&w->plan, d->store, true, &diags, &err);
	struct prepare prep = {w, after, 0, {0}};
	struct twin helper = {0};
	if (rc == 0) {
		twin_start(&helper, prepare_world, &prep);
		rc = replan_join(&w->plan, &w->cfg, d->store, &diags, &orphans, prepared, &helper,
				 &err);
		twin_wait(&helper); /* a no-op: replan_join waited through prepared() */
	}
	for (size_t i = 0; i < diags.len; i++) {
		const struct diag *x = &diags.items[i];
		if (strcmp(x->code, "mark-orphaned") == 0)
			log_warn("%s: %s", where(x), x->message);
		else
			log_info("%s: note[%s]: %s", where(x), x->code, x->message);
	}
	diag_list_finish(&diags);
	if (rc < 0)
		log_error("compare the plan with the state: %s", err.msg);
	else if (prep.rc < 0)
		log_error("load %s: %s", d->opt->config_path, prep.err.msg);
	else if (orphans > 0)
		log_warn("marks orphaned=%zu (kept; 'plazo status' lists them)", orphans);
	return rc < 0 ? rc : prep.rc;
}

/* Whether cfg names an office that before did not (its welcome digest is due). */
static bool offices_added(const struct config *before, const struct config *cfg)
{
	for (size_t i = 0; i < cfg->n_offices; i++) {
		size_t j = 0;
		while (j < before->n_offices && strcmp(before->offices[j].id, cfg->offices[i].id) != 0)
			j++;
		if (j == before->n_offices)
			return true;
	}
	return false;
}

static void reload(struct daemon *d)
{
	sd_notify(0, "RELOADING=1");
	time_t now = now_of(d);
	bool welcome = false;
	log_notice("reloading %s", d->opt->config_path);
	/* the new queue starts where the last pass ended: the next pass takes from it what
	 * came due meanwhile, no scan needed */
	struct world *w = world_load(d->opt->config_path);
	if (w != NULL && join_state(d, w, d->last_pass) < 0) {
		world_free(w);
		w = NULL;
	}
	if (w == NULL) {
		log_error("reload failed; still serving the previous configuration and plan");
	} else {
		pthread_mutex_lock(&d->lock);
		struct world *old = d->w;
		d->w = w;
		bool ok = publish(d, now) == 0;
		if (!ok) { /* the old world again, under the snapshot it had */
			d->w = old;
			publish(d, now);
		}
		welcome = ok && w->cfg.policy.welcome && offices_added(&old->cfg, &w->cfg);
		bool pinned = ok && old->pins > 0; /* its last rendering frees it */
		pthread_mutex_unlock(&d->lock);
		if (!pinned)
			world_free(ok ? old : w);
		if (ok) {
			log_notice("reloaded plan=%s activities=%zu rows_not_read=%zu",
				   w->cfg.plan_file, w->plan.n_activities, w->unread.rows);
			save_unread(d);
			release_hold(d, now);
		}
	}
	sd_notify(0, "READY=1");
	notify_status(d);
	if (welcome) /* a new office hears from plazo now, not at its first reminder */
		pass(d, now > d->last_pass ? now : d->last_pass);
}

/* The daemon's four connections to path (main loop, forms, feeds, pages): all of them, or
 * none with err set. */
static int open_stores(const char *path, struct store **main, struct store **forms,
		       struct store **feeds, struct store **pages, struct pz_error *err)
{
	*main = *forms = *feeds = *pages = NULL;
	if (store_open(main, path, err) == 0 && store_open(forms, path, err) == 0 &&
	    store_open(feeds, path, err) == 0 && store_open(pages, path, err) == 0)
		return 0;
	store_close(*main);
	store_close(*forms);
	store_close(*feeds);
	store_close(*pages);
	*main = *forms = *feeds = *pages = NULL;
	return -1;
}

/* Opens the four connections anew (a restore may have replaced the file); keeps the old
 * ones when that fails. */
static void reopen_store(struct daemon *d)
{
	struct store *main, *forms, *feeds, *pages;
	struct pz_error err = {0};
	if (open_stores(d->db_path, &main, &forms, &feeds, &pages, &err) < 0) {
		log_error("reopen the state: %s; keeping the open database", err.msg);
		return;
	}
	pthread_mutex_lock(&d->lock);
	struct store *old_main = d->store, *old_forms = d->form_store;
	d->store = main;
	d->form_store = forms;
	d->backed_changes = -1; /* new connections count from 0: back up what they read */
	pthread_mutex_unlock(&d->lock);
	pthread_mutex_lock(&d->feed_lock);
	struct store *old_feeds = d->feed_store;
	d->feed_store = feeds;
	pthread_mutex_unlock(&d->feed_lock);
	pthread_mutex_lock(&d->page_lock);
	struct store *old_pages = d->page_store;
	d->page_store = pages;
	pthread_mutex_unlock(&d->page_lock);
	store_close(old_main);
	store_close(old_forms);
	store_close(old_feeds);
	store_close(old_pages);
}

/* SIGUSR1: a command changed the state (token rotate, retry, restore): re-read it, republish
 * and send what became due, now. */
static void on_poke(struct daemon *d)
{
	log_notice("the state changed outside the daemon; re-reading it");
	reopen_store(d);
	time_t now = now_of(d);
	pthread_mutex_lock(&d->lock);
	if (refresh(d, d->store, now) == 0)
		set_gauges(d, d->store, d->site, true);
	pthread_mutex_unlock(&d->lock);
	notify_status(d);
	pass(d, now > d->last_pass ? now : d->last_pass);
}

static void on_signal(struct daemon *d)
{
	struct signalfd_siginfo si;
	bool poked = false;
	while (read(d->signal_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP)
			reload(d);
		else if (si.ssi_signo == SIGUSR1)
			poked = true; /* a burst of pokes is one re-read */
		else
			d->stopping = true;
	}
	if (poked && !d->stopping)
		on_poke(d);
}

static int setup_fds(struct daemon *d)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGPIPE);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -1;
	sigdelset(&set, SIGPIPE);
	d->signal_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	d->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	d->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	d->event_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (d->signal_fd < 0 || d->timer_fd < 0 || d->epoll_fd < 0 || d->event_fd < 0)
		return -1;
	struct epoll_event sev = {.events = EPOLLIN, .data.fd = d->signal_fd};
	struct epoll_event tev = {.events = EPOLLIN, .data.fd = d->timer_fd};
	struct epoll_event eev = {.events = EPOLLIN, .data.fd = d->event_fd};
	if (epoll_ctl(d->epoll_fd, EPOLL_CTL_ADD, d->signal_fd, &sev) < 0 ||
	    epoll_ctl(d->epoll_fd, EPOLL_CTL_ADD, d->timer_fd, &tev) < 0 ||
	    epoll_ctl(d->epoll_fd, EPOLL_CTL_ADD, d->event_fd, &eev) < 0)
		return -1;
	return 0;
}

/* What came due while plazo was not running, then the backup at start with what it wrote
 * (so that none is left for the idle minute after). A state without a backup gets one
 * before the pass as well: a long first pass cut short must not leave it without one. */
static void first_pass(struct daemon *d)
{
	time_t made;
	if (!backup_info(d->db_path, &made))
		backup_maybe(d, true);
	pass(d, now_of(d));
	backup_maybe(d, true);
}

/* The loop re-arms the timer after every wake but the watchdog's alone (a ping changes no
 * due moment: an idle daemon only pings). */
static void loop(struct daemon *d)
{
	bool rearm = true;
	while (!d->stopping) {
		if (rearm)
			arm(d, now_of(d));
		struct epoll_event ev[4];
		int n = epoll_wait(d->epoll_fd, ev, 4, -1);
		if (n < 0 && errno != EINTR) {
			log_error("epoll_wait: %s", strerror(errno));
			break;
		}
		rearm = n <= 0;
		for (int i = 0; i < n; i++) {
			rearm |= ev[i].data.fd != d->watchdog_fd;
			if (ev[i].data.fd == d->signal_fd) {
				on_signal(d);
			} else if (ev[i].data.fd == d->event_fd) {
				on_event(d);
			} else if (ev[i].data.fd == d->watchdog_fd) {
				on_watchdog(d);
			} else {
				on_timer(d);
			}
		}
	}
}

static int open_state(struct daemon *d)
{
	struct pz_error err = {0};
	const char *dir = d->w->cfg.state_dir;
	if (mkdir(dir, 0750) < 0 && errno != EEXIST) {
		log_error("create state directory %s: %s", dir, strerror(errno));
		return -1;
	}
	if (store_lock_sender(dir, &d->lock_fd, &err) < 0) {
		log_error("%s", err.msg);
		return -1;
	}
	d->state_dir = xstrdup(dir);
	d->db_path = xasprintf("%s/plazo.db", dir);
	int rc = open_stores(d->db_path, &d->store, &d->form_store, &d->feed_store, &d->page_store,
			     &err);
	if (rc == 0)
		rc = poke_pidfile_create(dir, &d->pid_fd, &err);
	if (rc < 0)
		log_error("%s", err.msg);
	return rc;
}

/* "https://plazo.example.gov.co" from "https://plazo.example.gov.co/base/". */
static void origin_of(const char *url, char *out, size_t size)
{
	const char *host = strstr(url, "://");
	size_t n = host ? (size_t)(host + 3 - url) + strcspn(host + 3, "/") : strlen(url);
	snprintf(out, size, "%.*s", (int)n, url);
}

static int start_http(struct daemon *d)
{
	origin_of(d->w->cfg.base_url, d->origin, sizeof(d->origin));
	const struct config_http *h = &d->w->cfg.http;
	struct http_options o = {
		.address = h->address,
		.port = (unsigned short)h->port,
		.connection_limit = h->connection_limit,
		.per_client_limit = h->per_client_limit,
		.reserve = h->connection_reserve,
		.header_timeout = h->header_timeout,
		.trusted_proxies = h->trusted_proxies,
		.timeout = h->timeout,
		.threads = 4,
		.metrics_address = h->metrics_address,
		.metrics_port = (unsigned short)h->metrics_port,
		.origin = d->origin,
		.origins = h->origins,
		.on_form = on_form,
		.form_user = d,
		.render = render_part,
		.cache = h->cache,
	};
	struct pz_error err = {0};
	if (http_start(&d->http, &o, &err) < 0) {
		log_error("%s", err.msg);
		return -1;
	}
	log_notice("serving feeds on %s port %u", h->address, http_port(d->http));
	if (h->metrics_address != NULL)
		log_notice("serving metrics on %s port %u", h->metrics_address,
			   http_metrics_port(d->http));
	return 0;
}

static int start(struct daemon *d)
{
	clock_gettime(CLOCK_MONOTONIC, &d->mono_start);
	d->clock_start = d->opt->has_at ? d->opt->at : time(NULL);
	if (setup_fds(d) < 0) {
		log_error("set up signals and timer: %s", strerror(errno));
		return -1;
	}
	time_t after = now_of(d); /* the queue holds what comes after the load started */
	if ((d->w = world_load(d->opt->config_path)) == NULL || open_state(d) < 0 ||
	    join_state(d, d->w, after) < 0 || start_http(d) < 0 ||
	    publish_locked(d, now_of(d)) < 0)
		return -1;
	save_unread(d);
	if (start_watchdog(d) < 0)
		return -1;
	sd_notify(0, "READY=1");
	notify_status(d);
	log_notice("ready offices=%zu milestones=%zu", d->w->cfg.n_offices,
		   d->w->plan.n_milestones);
	return 0; /* the backup at start comes after the first pass, with what it wrote */
}

int daemon_run(const struct daemon_options *opt)
{
	struct daemon d = {.opt = opt, .epoll_fd = -1, .signal_fd = -1, .timer_fd = -1,
			   .watchdog_fd = -1, .event_fd = -1, .lock_fd = -1, .pid_fd = -1};
	pthread_mutex_init(&d.lock, NULL);
	pthread_mutex_init(&d.feed_lock, NULL);
	pthread_mutex_init(&d.page_lock, NULL);
	int status = 1;
	if (start(&d) == 0) {
		first_pass(&d);
		loop(&d);
		status = 0;
	}
	sd_notify(0, "STOPPING=1");
	log_notice("stopping");
	http_stop(d.http);
	if (d.store && d.form_store)
		backup_maybe(&d, true);
	if (d.state_dir)
		poke_pidfile_remove(d.state_dir, d.pid_fd);
	store_close(d.page_store);
	store_close(d.feed_store);
	store_close(d.form_store);
	store_close(d.store);
	world_free(d.w);
	free(d.forms);
	free(d.tokens);
	free(d.states);
	free(d.db_path);
	free(d.state_dir);
	pthread_mutex_destroy(&d.page_lock);
	pthread_mutex_destroy(&d.feed_lock);
	pthread_mutex_destroy(&d.lock);
	int fds[] = {d.epoll_fd, d.signal_fd, d.timer_fd, d.watchdog_fd, d.event_fd, d.lock_fd};
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return status;
}
