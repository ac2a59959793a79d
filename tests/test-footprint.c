/* test-footprint.c - what of the seed plan each office is shown, as one number per office:
 * the same plan loaded twice gives the same numbers; a date, a text, a doubt's wording or a
 * line of one activity moved changes the numbers of that activity's offices and of the
 * all-offices feed, and no other office's. */
#include <stdlib.h>
#include <string.h>

#include "doubt.h"
#include "footprint.h"
#include "plan.h"
#include "test-seed.h"
#include "test.h"

struct fixture {
	struct config cfg;
	struct plan plan;
	struct diag_list diags;
	uint64_t *fp;
};

static void load(struct test_state *ts, struct fixture *f)
{
	CHECK(ts, seed_load(&f->cfg, &f->plan, &f->diags));
	f->fp = calloc(f->cfg.n_offices + 1, sizeof(*f->fp));
	footprint_offices(&f->plan, f->cfg.n_offices, f->fp);
}

static void unload(struct fixture *f)
{
	free(f->fp);
	plan_finish(&f->plan);
	config_finish(&f->cfg);
	diag_list_finish(&f->diags);
}

static struct activity *numbered(struct fixture *f, unsigned number)
{
	for (size_t a = 0; a < f->plan.n_activities; a++)
		if (f->plan.activities[a].number == number)
			return &f->plan.activities[a];
	return NULL;
}

static bool names(const struct plan *p, const struct activity *a, size_t o)
{
	for (size_t k = 0; k < a->office_count; k++)
		if (p->office_refs[a->office_first + k] == o)
			return true;
	return false;
}

/* After a change to activity a of f, recomputed: exactly a's offices and the last slot
 * differ from before. */
static void only_its_offices(struct test_state *ts, struct fixture *f, const struct activity *a)
{
	size_t n = f->cfg.n_offices;
	uint64_t *now = calloc(n + 1, sizeof(*now));
	footprint_offices(&f->plan, n, now);
	for (size_t o = 0; o < n; o++)
		CHECK(ts, (now[o] != f->fp[o]) == names(&f->plan, a, o));
	CHECK(ts, now[n] != f->fp[n]);
	memcpy(f->fp, now, (n + 1) * sizeof(*now));
	free(now);
}

static void same_plan_same_numbers(struct test_state *ts)
{
	struct fixture a, b;
	load(ts, &a);
	load(ts, &b);
	CHECK(ts, a.cfg.n_offices == b.cfg.n_offices && a.cfg.n_offices > 5);
	CHECK(ts, memcmp(a.fp, b.fp, (a.cfg.n_offices + 1) * sizeof(*a.fp)) == 0);
	size_t distinct = 0;
	for (size_t o = 1; o < a.cfg.n_offices; o++)
		distinct += a.fp[o] != a.fp[0];
	CHECK(ts, distinct > 0);
	unload(&a);
	unload(&b);
}

static void one_activity_moves_its_offices(struct test_state *ts)
{
	struct fixture f;
	load(ts, &f);
	struct activity *a = numbered(&f, 24), *shared = numbered(&f, 63);
	CHECK(ts, a != NULL && a->office_count == 1 && a->milestone_count == 1);
	CHECK(ts, shared != NULL && shared->office_count > 2);
	if (a == NULL || shared == NULL) {
		unload(&f);
		return;
	}
	f.plan.milestones[a->milestone_first].due.day = 28;
	only_its_offices(ts, &f, a);
	shared->text = "otro texto";
	only_its_offices(ts, &f, shared);
	shared->line++;
	only_its_offices(ts, &f, shared);
	struct activity *doubted = numbered(&f, 54); /* 1/03/2023: ambiguous-date */
	/* the plan's own doubt entry, changed in place as a different wording of the plan would */
	struct plan_doubt *d =
		doubted ? (struct plan_doubt *)doubt_of(&f.plan, doubted->milestone_first) : NULL;
	CHECK(ts, d != NULL);
	if (d != NULL) {
		d->written[0] = 'X';
		only_its_offices(ts, &f, doubted);
	}
	unload(&f);
}

TEST_MAIN(TEST(same_plan_same_numbers), TEST(one_activity_moves_its_offices))
