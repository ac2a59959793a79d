/* render.c - the per-plan index of each office's activities. */
#include "render.h"

#include <stdlib.h>

#include "xalloc.h"

/* The activities naming each office, built once per plan (counting sort over the plan's
 * office references) so that each office's feed and page do not scan the whole plan. */
struct render_index {
	size_t *acts; /* activity indices, office by office, in plan order */
	size_t *first; /* office o's are acts[first[o] .. first[o + 1]) */
};

struct render_index *render_index_new(const struct plan *p, size_t n_offices)
{
	struct render_index *ix = xcalloc(1, sizeof(*ix));
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

void render_index_free(struct render_index *ix)
{
	if (ix == NULL)
		return;
	free(ix->acts);
	free(ix->first);
	free(ix);
}

const size_t *render_index_office(const struct render_index *ix, size_t office, size_t *n)
{
	*n = ix->first[office + 1] - ix->first[office];
	return ix->acts + ix->first[office];
}
