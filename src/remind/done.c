#include "done.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int compare(const void *a, const void *b)
{
	const struct store_delivery *x = a, *y = b;
	int c = strcmp(x->office, y->office);
	if (c == 0)
		c = strcmp(x->activity, y->activity);
	if (c == 0)
		c = (x->milestone > y->milestone) - (x->milestone < y->milestone);
	if (c == 0)
		c = strcmp(x->due, y->due);
	return c;
}

static int compare_later(const void *a, const void *b)
{
	const struct store_delivery *x = a, *y = b;
	int c = compare(a, b);
	return c != 0 ? c : (x->at > y->at) - (x->at < y->at);
}

void done_adopt(struct done_set *set, struct store_delivery *items, size_t n)
{
	set->later = NULL;
	set->n_later = 0;
	set->items = items;
	set->n = n;
	if (n > 1)
		qsort(items, n, sizeof(*items), compare);
}

int done_load_office(struct done_set *set, struct store *st, const char *office,
		     struct pz_error *err)
{
	struct store_delivery *items;
	size_t n;
	set->items = NULL;
	set->n = 0;
	set->later = NULL;
	set->n_later = 0;
	int rc = office ? store_office_deliveries(st, office, &items, &n, err)
			: store_deliveries(st, &items, &n, err);
	if (rc < 0)
		return -1;
	done_adopt(set, items, n);
	rc = office ? store_office_deliveries_later(st, office, &set->later, &set->n_later, err)
		    : store_deliveries_later(st, &set->later, &set->n_later, err);
	if (rc < 0) {
		done_finish(set);
		return -1;
	}
	if (set->n_later > 1)
		qsort(set->later, set->n_later, sizeof(*set->later), compare_later);
	return 0;
}

int done_load(struct done_set *set, struct store *st, struct pz_error *err)
{
	return done_load_office(set, st, NULL, err);
}

void done_finish(struct done_set *set)
{
	if (set == NULL)
		return;
	free(set->items);
	free(set->later);
	set->items = NULL;
	set->later = NULL;
	set->n = 0;
	set->n_later = 0;
}

void done_key(const struct plan *p, size_t a, size_t m, const char *office,
	      struct store_delivery *d)
{
	const struct activity *act = &p->activities[a];
	memset(d, 0, sizeof(*d));
	snprintf(d->office, sizeof(d->office), "%s", office);
	_Static_assert(PLAN_KEY_SIZE <= sizeof(d->activity), "a plan key fits a mark's");
	snprintf(d->activity, sizeof(d->activity), "%s", plan_activity_key(act));
	d->milestone = (int)(m - act->milestone_first + 1);
	date_format_iso(p->milestones[m].due, d->due);
}

const struct store_delivery *done_find(const struct done_set *set, const struct plan *p,
				       size_t a, size_t m, const char *office)
{
	if (set == NULL || set->n == 0)
		return NULL;
	struct store_delivery key;
	done_key(p, a, m, office, &key);
	return bsearch(&key, set->items, set->n, sizeof(*set->items), compare);
}

const struct store_delivery *done_later(const struct done_set *set, const struct plan *p,
					size_t a, size_t m, const char *office, size_t *count)
{
	*count = 0;
	if (set == NULL || set->n_later == 0)
		return NULL;
	struct store_delivery key;
	done_key(p, a, m, office, &key);
	size_t i = 0;
	while (i < set->n_later && compare(&set->later[i], &key) < 0)
		i++;
	while (i + *count < set->n_later && compare(&set->later[i + *count], &key) == 0)
		(*count)++;
	return *count > 0 ? &set->later[i] : NULL;
}
