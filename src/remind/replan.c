#include "replan.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "strbuf.h"
#include "xalloc.h"

/* ---- kept keys --------------------------------------------------------------------------- */

struct aliases {
	struct store_alias *items;
	size_t n, cap;
};

static int compare_key(const void *a, const void *b)
{
	return strcmp(((const struct store_key *)a)->key, ((const struct store_key *)b)->key);
}

static bool has_key(const struct store_key *keys, size_t n, const char *key)
{
	struct store_key probe;
	snprintf(probe.key, sizeof(probe.key), "%s", key);
	return n > 0 && bsearch(&probe, keys, n, sizeof(*keys), compare_key) != NULL;
}

/* The key an activity had before refs were read: its plain number, or its line. */
static void legacy_key(const struct activity *a, char *buf, size_t size)
{
	if (a->number > 0 && !a->number_shared)
		snprintf(buf, size, "%u", a->number);
	else
		snprintf(buf, size, "L%u", a->line);
}

/* Activities whose state is stored under their old line key and none under the new one. */
static void legacy_aliases(const struct plan *p, const struct store_key *keys, size_t n,
			   struct aliases *al)
{
	for (size_t i = 0; i < p->n_activities; i++) {
		const struct activity *a = &p->activities[i];
		char old[STORE_KEY_SIZE];
		legacy_key(a, old, sizeof(old));
		if (strcmp(old, a->key) == 0 || !has_key(keys, n, old) || has_key(keys, n, a->key))
			continue;
		al->items = xgrow(al->items, &al->cap, al->n + 1, sizeof(*al->items));
		struct store_alias *x = &al->items[al->n++];
		snprintf(x->activity, sizeof(x->activity), "%s", a->key);
		snprintf(x->stored, sizeof(x->stored), "%s", old);
	}
}

/* A state from before refs (meta 'identity' = 'legacy') adopts its old keys, once. */
static int adopt(const struct plan *p, struct store *st, bool write, struct aliases *al,
		 struct pz_error *err)
{
	char mode[16];
	bool found;
	if (store_meta(st, "identity", mode, sizeof(mode), &found, err) < 0)
		return -1;
	if (!found || strcmp(mode, "legacy") != 0)
		return 0;
	struct store_key *keys;
	size_t n, first = al->n;
	if (store_used_keys(st, &keys, &n, err) < 0)
		return -1;
	qsort(keys, n, sizeof(*keys), compare_key);
	legacy_aliases(p, keys, n, al);
	free(keys);
	if (!write)
		return 0;
	int rc = store_begin(st, err);
	for (size_t i = first; i < al->n && rc == 0; i++)
		rc = store_add_alias(st, al->items[i].activity, al->items[i].stored, err);
	if (rc == 0)
		rc = store_set_meta(st, "identity", "adopted", err);
	if (rc == 0)
		return store_commit(st, err);
	store_rollback(st);
	return -1;
}

/* Gives each aliased activity its stored key; a row whose own key another activity kept
 * ("L24" kept by the activity that was on line 24) becomes "n24". */
static void apply(struct plan *p, const struct aliases *al, struct diag_list *diags)
{
	const char **keys = xcalloc(p->n_activities + 1, sizeof(*keys));
	char(*moved)[PLAN_KEY_SIZE] = xcalloc(p->n_activities + 1, sizeof(*moved));
	struct store_key *stored = xcalloc(al->n + 1, sizeof(*stored));
	for (size_t i = 0; i < al->n; i++) {
		stored[i] = (struct store_key){{0}};
		snprintf(stored[i].key, sizeof(stored[i].key), "%s", al->items[i].stored);
		long a = plan_find_key(p, al->items[i].activity);
		if (a < 0 || strlen(al->items[i].stored) >= PLAN_KEY_SIZE)
			continue;
		keys[a] = al->items[i].stored;
		if (diags)
			diag_add(diags, DIAG_NOTE, "key-kept",
				 plan_activity_file(p, &p->activities[a]), p->activities[a].line, 0,
				 "activity %s keeps the key %s its state was stored under",
				 al->items[i].activity, al->items[i].stored);
	}
	qsort(stored, al->n, sizeof(*stored), compare_key);
	for (size_t j = 0; j < p->n_activities; j++) {
		if (keys[j] || !has_key(stored, al->n, p->activities[j].key))
			continue;
		snprintf(moved[j], PLAN_KEY_SIZE, "n%u", p->activities[j].line);
		keys[j] = moved[j];
	}
	plan_rekey(p, keys);
	free(stored);
	free(moved);
	free(keys);
}

static int adopt_labelled(const struct plan *p, struct store *st, bool write, struct aliases *al,
			  struct pz_error *err);

int replan_keep_keys(struct plan *p, struct store *st, bool write, struct diag_list *diags,
		     struct pz_error *err)
{
	struct aliases al = {0};
	int rc = store_aliases(st, &al.items, &al.n, err);
	al.cap = al.n;
	if (rc == 0)
		rc = adopt(p, st, write, &al, err);
	if (rc == 0)
		rc = adopt_labelled(p, st, write, &al, err);
	if (rc == 0 && al.n > 0)
		apply(p, &al, diags);
	free(al.items);
	return rc;
}

/* ---- what a reload changes --------------------------------------------------------------- */

struct seen {
	struct store_seen *rows; /* by activity, then milestone */
	size_t n;
	char source[1024]; /* the plan file recorded with them */
};

/* What a plan is to the state, worked out once for a compare and a record: each activity's
 * text hash (plan_seen.text_hash) and the fingerprint of what plan_seen would hold for it. */
struct print {
	unsigned long long *text_hash; /* by activity */
	char hex[17];
};

/* What plan_seen would hold for p, and its path, as 16 hex digits (meta "plan-seen-hash"). */
static void fingerprint(const struct plan *p, const unsigned long long *text_hash,
			char out[static 17])
{
	uint64_t h = hash_str(HASH_FNV_BASIS, p->source);
	for (size_t i = 0; i < p->n_activities; i++) {
		const struct activity *a = &p->activities[i];
		h = hash_str(hash_str(h, a->key), plan_activity_ref(a));
		h = hash_pair(hash_pair(h, a->line), text_hash[i]);
		for (size_t k = 0; k < a->milestone_count; k++)
			h = hash_pair(h, (uint64_t)date_to_days(
						 p->milestones[a->milestone_first + k].due));
		h = hash_pair(h, a->milestone_count);
	}
	snprintf(out, 17, "%016llx", (unsigned long long)h);
}

static void print_init(struct print *pr, const struct plan *p)
{
	pr->text_hash = xcalloc(p->n_activities + 1, sizeof(*pr->text_hash));
	for (size_t i = 0; i < p->n_activities; i++)
		pr->text_hash[i] = hash_str(HASH_FNV_BASIS, p->activities[i].text);
	fingerprint(p, pr->text_hash, pr->hex);
}

static void print_finish(struct print *pr)
{
	free(pr->text_hash);
	pr->text_hash = NULL;
}

/* Whether st recorded exactly the plan of pr (then there is nothing to compare, or to
 * record). */
static int recorded(const struct print *pr, struct store *st, bool *same, struct pz_error *err)
{
	char have[17];
	bool found;
	if (store_meta(st, "plan-seen-hash", have, sizeof(have), &found, err) < 0)
		return -1;
	*same = found && strcmp(have, pr->hex) == 0;
	return 0;
}

static int seen_load(struct seen *s, struct store *st, struct pz_error *err)
{
	bool found;
	if (store_meta(st, "plan-seen", s->source, sizeof(s->source), &found, err) < 0)
		return -1;
	if (!found)
		snprintf(s->source, sizeof(s->source), "(the plan last loaded)");
	return store_plan_seen(st, &s->rows, &s->n, err);
}

/* The first row of key, or s->n. */
static size_t seen_first(const struct seen *s, const char *key)
{
	size_t lo = 0, hi = s->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (strcmp(s->rows[mid].activity, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < s->n && strcmp(s->rows[lo].activity, key) == 0 ? lo : s->n;
}

static const struct store_seen *seen_row(const struct seen *s, const char *key, int milestone)
{
	for (size_t i = seen_first(s, key); i < s->n && strcmp(s->rows[i].activity, key) == 0; i++)
		if (s->rows[i].milestone == milestone)
			return &s->rows[i];
	return NULL;
}

/* ---- a key labelled once another table shares it ---------------------------------------- */

static bool aliased(const struct aliases *al, const char *key)
{
	for (size_t i = 0; i < al->n; i++)
		if (strcmp(al->items[i].activity, key) == 0)
			return true;
	return false;
}

/* The labelled activity that was key's (its text is the one the recorded plan gave key), or
 * -1: none, or two that could be (then neither takes it). */
static long claimant(const struct plan *p, const struct seen *s, const char *key, size_t from)
{
	const struct store_seen *r = seen_row(s, key, 1);
	r = r ? r : seen_row(s, key, 0);
	long found = -1;
	for (size_t i = from; r && i < p->n_activities; i++) {
		const struct activity *a = &p->activities[i];
		if (a->label_len == 0 || strcmp(a->key + a->label_len, key) != 0 ||
		    hash_str(HASH_FNV_BASIS, a->text) != r->text_hash)
			continue;
		if (found >= 0)
			return -1;
		found = (long)i;
	}
	return found;
}

/* An activity whose key took its component's label because another table came to share its
 * ref keeps the plain key its state was stored under, for good (activity_alias): adding a
 * table to a plan re-sends no reminder and orphans no mark. */
static void labelled_aliases(const struct plan *p, const struct store_key *keys, size_t n,
			     const struct seen *s, struct aliases *al)
{
	for (size_t i = 0; i < p->n_activities; i++) {
		const struct activity *a = &p->activities[i];
		const char *plain = a->key + a->label_len;
		if (a->label_len == 0 || !has_key(keys, n, plain) || has_key(keys, n, a->key) ||
		    aliased(al, a->key) || plan_find_key(p, plain) >= 0 ||
		    claimant(p, s, plain, 0) != (long)i)
			continue;
		al->items = xgrow(al->items, &al->cap, al->n + 1, sizeof(*al->items));
		struct store_alias *x = &al->items[al->n++];
		snprintf(x->activity, sizeof(x->activity), "%s", a->key);
		snprintf(x->stored, sizeof(x->stored), "%s", plain);
	}
}

static int adopt_labelled(const struct plan *p, struct store *st, bool write, struct aliases *al,
			  struct pz_error *err)
{
	bool any = false;
	for (size_t i = 0; i < p->n_activities && !any; i++)
		any = p->activities[i].label_len > 0;
	if (!any)
		return 0;
	struct store_key *keys;
	struct seen s = {0};
	size_t n, first = al->n;
	if (store_used_keys(st, &keys, &n, err) < 0)
		return -1;
	int rc = seen_load(&s, st, err);
	qsort(keys, n, sizeof(*keys), compare_key);
	if (rc == 0)
		labelled_aliases(p, keys, n, &s, al);
	free(keys);
	free(s.rows);
	if (rc < 0 || !write || al->n == first)
		return rc;
	rc = store_begin(st, err);
	for (size_t i = first; i < al->n && rc == 0; i++)
		rc = store_add_alias(st, al->items[i].activity, al->items[i].stored, err);
	if (rc == 0)
		return store_commit(st, err);
	store_rollback(st);
	return -1;
}

static const char *shown_ref(const struct activity *a)
{
	return *plan_activity_ref(a) ? plan_activity_ref(a) : plan_activity_key(a);
}

/* Dates moved, milestones added or gone, of an activity the last plan had too. */
static void compare_dates(const struct plan *p, const struct activity *a, const struct seen *s,
			  struct diag_list *diags)
{
	for (size_t k = 1; k <= a->milestone_count; k++) {
		const struct store_seen *r = seen_row(s, a->key, (int)k);
		char iso[11];
		date_format_iso(p->milestones[a->milestone_first + k - 1].due, iso);
		if (r == NULL)
			diag_add(diags, DIAG_NOTE, "date-moved", plan_activity_file(p, a), a->line,
				 0, "activity %s: new date %s (milestone %zu)", shown_ref(a), iso,
				 k);
		else if (strcmp(r->due, iso) != 0)
			diag_add(diags, DIAG_NOTE, "date-moved", plan_activity_file(p, a), a->line,
				 0, "activity %s: milestone %zu moved from %s to %s", shown_ref(a),
				 k, r->due, iso);
	}
	for (size_t i = seen_first(s, a->key); i < s->n && strcmp(s->rows[i].activity, a->key) == 0;
	     i++)
		if (s->rows[i].milestone > (int)a->milestone_count)
			diag_add(diags, DIAG_NOTE, "date-moved", plan_activity_file(p, a), a->line,
				 0, "activity %s: the date %s (milestone %d) is gone", shown_ref(a),
				 s->rows[i].due, s->rows[i].milestone);
}

/* The activities the last plan did not have, by the hash of their text. */
struct added {
	struct added_one {
		unsigned long long hash;
		size_t index;
		bool taken; /* a renumbering explains it */
	} * items;
	size_t n;
};

static int compare_added(const void *a, const void *b)
{
	const struct added_one *x = a, *y = b;
	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

static void added_init(struct added *ad, const struct plan *p, const struct seen *s)
{
	ad->items = xcalloc(p->n_activities + 1, sizeof(*ad->items));
	ad->n = 0;
	for (size_t i = 0; i < p->n_activities; i++)
		if (seen_first(s, p->activities[i].key) == s->n)
			ad->items[ad->n++] = (struct added_one){
				hash_str(HASH_FNV_BASIS, p->activities[i].text), i, false};
	qsort(ad->items, ad->n, sizeof(*ad->items), compare_added);
}

/* The first activity not yet taken whose text hashes to h, or NULL. */
static struct added_one *added_with_text(struct added *ad, unsigned long long h)
{
	size_t lo = 0, hi = ad->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (ad->items[mid].hash < h)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < ad->n && ad->items[lo].hash == h; lo++)
		if (!ad->items[lo].taken)
			return &ad->items[lo];
	return NULL;
}

/* Keys the last plan had that p has not: renumbered (the same text under a new key) or
 * removed. taken marks p's activities that a renumbering explains. */
static void compare_removed(const struct plan *p, const struct seen *s, struct added *ad,
			    bool *taken, struct diag_list *diags)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct store_seen *r = &s->rows[i];
		if ((i > 0 && strcmp(s->rows[i - 1].activity, r->activity) == 0) ||
		    plan_find_key(p, r->activity) >= 0)
			continue;
		const char *was = *r->ref ? r->ref : r->activity;
		struct added_one *one = added_with_text(ad, r->text_hash);
		size_t a = one ? one->index : 0;
		if (one != NULL) {
			one->taken = taken[a] = true;
			diag_add(diags, DIAG_NOTE, "ref-renumbered",
				 plan_activity_file(p, &p->activities[a]), p->activities[a].line, 0,
				 "activity %s (line %u before) is now %s; its reminders and marks "
				 "stay under %s",
				 was, r->line, shown_ref(&p->activities[a]), r->activity);
		} else {
			diag_add(diags, DIAG_NOTE, "plan-removed", s->source, r->line, 0,
				 "activity %s is no longer in the plan", was);
		}
	}
}

static void compare_activities(const struct plan *p, const struct seen *s, struct diag_list *diags)
{
	bool *taken = xcalloc(p->n_activities + 1, sizeof(*taken));
	struct added ad;
	added_init(&ad, p, s);
	compare_removed(p, s, &ad, taken, diags);
	free(ad.items);
	for (size_t i = 0; i < p->n_activities; i++) {
		const struct activity *a = &p->activities[i];
		if (seen_first(s, a->key) < s->n)
			compare_dates(p, a, s, diags);
		else if (!taken[i])
			diag_add(diags, DIAG_NOTE, "plan-added", plan_activity_file(p, a), a->line,
				 0, "activity %s is new", shown_ref(a));
	}
	free(taken);
}

static bool names_office(const struct plan *p, const struct activity *a, long office)
{
	for (size_t i = 0; office >= 0 && i < a->office_count; i++)
		if (p->office_refs[a->office_first + i] == (size_t)office)
			return true;
	return false;
}

/* Why p does not name the marked milestone, or NULL when it does. */
static const char *orphan_reason(const struct plan *p, const struct config *cfg,
				 const struct store_delivery *d)
{
	long i = plan_find_key(p, d->activity);
	if (i < 0)
		return "the plan has no such activity";
	const struct activity *a = &p->activities[i];
	if (d->milestone < 1 || (size_t)d->milestone > a->milestone_count)
		return "the activity has no such milestone";
	char iso[11];
	date_format_iso(p->milestones[a->milestone_first + (size_t)d->milestone - 1].due, iso);
	if (strcmp(iso, d->due) != 0)
		return "the milestone's date moved";
	if (!names_office(p, a, config_find_office(cfg, d->office)))
		return "the activity no longer names the office";
	return NULL;
}

static void compare_marks(const struct plan *p, const struct config *cfg, const struct seen *s,
			  const struct store_delivery *marks, size_t n, struct diag_list *diags,
			  size_t *orphans)
{
	for (size_t i = 0; i < n; i++) {
		const struct store_delivery *d = &marks[i];
		const char *why = orphan_reason(p, cfg, d);
		if (why == NULL)
			continue;
		(*orphans)++;
		long a = plan_find_key(p, d->activity);
		const struct store_seen *r = seen_row(s, d->activity, d->milestone);
		const char *path = a >= 0      ? plan_activity_file(p, &p->activities[a])
				   : r == NULL ? p->source
					       : s->source;
		unsigned line = a >= 0 ? p->activities[a].line : r ? r->line : 0;
		diag_add(diags, DIAG_NOTE, "mark-orphaned", path, line, 0,
			 "the mark of office %s on activity %s, milestone %d due %s, would be "
			 "orphaned (%s); it is kept in the state",
			 d->office, d->activity, d->milestone, d->due, why);
	}
}

/* *same: whether p is the plan recorded already. */
static int compare_print(const struct plan *p, const struct print *pr, const struct config *cfg,
			 struct store *st, struct diag_list *diags, size_t *orphans, bool *same,
			 struct pz_error *err)
{
	struct seen s = {0};
	struct store_delivery *marks = NULL;
	size_t n = 0, none = 0;
	*same = false;
	orphans = orphans ? orphans : &none;
	*orphans = 0;
	if (recorded(pr, st, same, err) < 0 || (!*same && seen_load(&s, st, err) < 0) ||
	    store_deliveries(st, &marks, &n, err) < 0) {
		free(s.rows);
		return -1;
	}
	if (s.n > 0)
		compare_activities(p, &s, diags);
	compare_marks(p, cfg, &s, marks, n, diags, orphans);
	free(marks);
	free(s.rows);
	return 0;
}

int replan_compare(const struct plan *p, const struct config *cfg, struct store *st,
		   struct diag_list *diags, size_t *orphans, struct pz_error *err)
{
	struct print pr;
	bool same;
	print_init(&pr, p);
	int rc = compare_print(p, &pr, cfg, st, diags, orphans, &same, err);
	print_finish(&pr);
	return rc;
}

/* ---- the plan recorded ------------------------------------------------------------------- */

/* The rows of p for plan_seen, handed out one at a time (store_seen_next), in the order of
 * their keys (p->by_key; plan_seen's primary key), so that the rows go into its index in
 * order: inserted as the plan has them ("1", "2", ..., "10") each lands elsewhere in it. */
struct seen_rows {
	const struct plan *p;
	const struct print *pr;
	size_t at; /* into p->by_key */
	size_t k;  /* the milestone of order[at] to hand out next */
};

static bool seen_next(void *user, struct store_seen *r)
{
	struct seen_rows *w = user;
	const struct plan *p = w->p;
	if (w->at == p->n_activities)
		return false;
	size_t i = p->by_key[w->at];
	const struct activity *a = &p->activities[i];
	size_t k = w->k == 0 && a->milestone_count > 0 ? 1 : w->k;
	memset(r, 0, sizeof(*r));
	snprintf(r->activity, sizeof(r->activity), "%s", a->key);
	r->milestone = (int)k;
	if (k > 0)
		date_format_iso(p->milestones[a->milestone_first + k - 1].due, r->due);
	snprintf(r->ref, sizeof(r->ref), "%s", plan_activity_ref(a));
	r->line = a->line;
	r->text_hash = w->pr->text_hash[i];
	if (k >= a->milestone_count) {
		w->at++;
		w->k = 0;
	} else {
		w->k = k + 1;
	}
	return true;
}

static int write_print(const struct plan *p, const struct print *pr, struct store *st,
		       struct pz_error *err)
{
	struct seen_rows w = {p, pr, 0, 0};
	return store_set_plan_seen(st, seen_next, &w, p->source, pr->hex, err);
}

static int record_print(const struct plan *p, const struct print *pr, struct store *st,
			struct pz_error *err)
{
	bool same;
	if (recorded(pr, st, &same, err) < 0)
		return -1;
	return same ? 0 : write_print(p, pr, st, err);
}

int replan_record(const struct plan *p, const struct config *cfg, struct store *st,
		  struct pz_error *err)
{
	struct print pr;
	print_init(&pr, p);
	int rc = record_print(p, &pr, st, err);
	print_finish(&pr);
	return rc;
}

int replan_join(const struct plan *p, const struct config *cfg, struct store *st,
		struct diag_list *diags, size_t *orphans, int (*proceed)(void *), void *ctx,
		struct pz_error *err)
{
	struct print pr;
	bool same;
	print_init(&pr, p);
	int rc = compare_print(p, &pr, cfg, st, diags, orphans, &same, err);
	int taken = proceed != NULL ? proceed(ctx) : 0;
	if (rc == 0 && taken == 0 && !same) /* the hash compare_print read is still the one kept */
		rc = write_print(p, &pr, st, err);
	print_finish(&pr);
	return rc;
}

/* Whether the recorded plan has the marked milestone (activity, place, date). */
static bool seen_names(const struct seen *s, const struct store_delivery *d)
{
	const struct store_seen *r = seen_row(s, d->activity, d->milestone);
	return r != NULL && strcmp(r->due, d->due) == 0;
}

int replan_orphans(struct store *st, struct store_delivery **out, size_t *n, struct pz_error *err)
{
	struct seen s = {0};
	*out = NULL;
	*n = 0;
	if (seen_load(&s, st, err) < 0)
		return -1;
	if (s.n > 0 && store_deliveries(st, out, n, err) < 0) {
		free(s.rows);
		return -1;
	}
	size_t kept = 0;
	for (size_t i = 0; i < *n; i++)
		if (!seen_names(&s, &(*out)[i]))
			(*out)[kept++] = (*out)[i];
	*n = kept;
	free(s.rows);
	return 0;
}
