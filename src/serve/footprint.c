#include "footprint.h"

#include <string.h>

#include "doubt.h"
#include "hash.h"

/* A string and its end, so that ("ab", "c") and ("a", "bc") differ. The footprint is never
 * persisted: a fast hash serves (the texts of a million milestones at national scale). */
static uint64_t put_str(uint64_t h, const char *s)
{
	return s ? hash_words(h, s, strlen(s)) : hash_pair(h, UINT64_MAX);
}

static uint64_t put_date(uint64_t h, struct date d)
{
	return hash_pair(h, (uint64_t)date_to_days(d));
}

static const char *base_name(const char *path)
{
	const char *slash = path ? strrchr(path, '/') : NULL;
	return slash ? slash + 1 : path;
}

/* A milestone's dates and what the plan check doubted about them (the page and feed say). */
static uint64_t put_milestone(uint64_t h, const struct plan *p, size_t m)
{
	const struct milestone *ms = &p->milestones[m];
	h = hash_pair(h, ms->has_start);
	if (ms->has_start)
		h = put_date(h, ms->start);
	h = put_date(h, ms->due);
	const struct plan_doubt *d = doubt_of(p, m);
	if (d == NULL)
		return hash_pair(h, 0);
	h = put_str(put_str(h, d->code), d->written);
	h = hash_pair(h, d->has_other);
	if (d->has_other)
		h = put_date(h, d->other);
	return hash_pair(hash_pair(h, (uint64_t)p->year_first), (uint64_t)p->year_last);
}

uint64_t footprint_activity(const struct plan *p, const struct activity *a)
{
	uint64_t h = put_str(HASH_FNV_BASIS, plan_activity_key(a));
	h = put_str(h, plan_activity_ref(a));
	h = hash_pair(hash_pair(h, a->number), a->number_shared);
	h = hash_pair(put_str(h, base_name(plan_activity_file(p, a))), a->line);
	h = put_str(hash_pair(h, a->subcomponent), a->subcomponent_title);
	h = put_str(put_str(put_str(h, a->text), a->goal), a->responsible_text);
	h = hash_pair(h, a->office_count);
	for (size_t k = 0; k < a->office_count; k++)
		h = hash_pair(h, p->office_refs[a->office_first + k]);
	h = hash_pair(h, a->milestone_count);
	for (size_t k = 0; k < a->milestone_count; k++)
		h = put_milestone(h, p, a->milestone_first + k);
	return h;
}

void footprint_offices(const struct plan *p, size_t n_offices, uint64_t *out)
{
	for (size_t o = 0; o <= n_offices; o++)
		out[o] = HASH_FNV_BASIS;
	for (size_t i = 0; i < p->n_activities; i++) {
		const struct activity *a = &p->activities[i];
		uint64_t h = footprint_activity(p, a);
		for (size_t k = 0; k < a->office_count; k++) {
			size_t o = p->office_refs[a->office_first + k];
			if (o < n_offices)
				out[o] = hash_pair(out[o], h);
		}
		out[n_offices] = hash_pair(out[n_offices], h);
	}
}
