/* test-doubt.c - the milestones of the seed plan whose date `plazo check` doubts, read from
 * the table by hand: #54 and #56 (lines 89, 91: 1/03/2023, day/month or 3 January), #10 and
 * #11 (lines 19, 20: 31/11/2023, corrected to 30 November), #23's three 2022 dates (line 40,
 * outside 2023-2024) - seven, and no other (the month/day notes of #3, #4, #5 are not doubts);
 * and the Spanish sentences that say so. */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "doubt.h"
#include "plan.h"
#include "test-seed.h"
#include "test.h"

struct fixture {
	struct config cfg;
	struct plan plan;
	struct diag_list diags;
};

static void load(struct test_state *ts, struct fixture *f)
{
	CHECK(ts, seed_load(&f->cfg, &f->plan, &f->diags));
}

static void unload(struct fixture *f)
{
	plan_finish(&f->plan);
	config_finish(&f->cfg);
	diag_list_finish(&f->diags);
}

/* The doubt of the k-th (1-based) milestone of the activity on line, or NULL. */
static const struct plan_doubt *at_line(const struct fixture *f, unsigned line, size_t k,
					struct date *due)
{
	for (size_t a = 0; a < f->plan.n_activities; a++) {
		const struct activity *act = &f->plan.activities[a];
		if (act->line != line || k > act->milestone_count)
			continue;
		*due = f->plan.milestones[act->milestone_first + k - 1].due;
		return doubt_of(&f->plan, act->milestone_first + k - 1);
	}
	return NULL;
}

static void seed_doubts(struct test_state *ts)
{
	struct fixture f;
	load(ts, &f);
	struct date due;
	size_t n = 0;
	for (size_t m = 0; m < f.plan.n_milestones; m++)
		n += doubt_of(&f.plan, m) != NULL;
	CHECK_INT_EQ(ts, n, 7);
	for (unsigned line = 89; line <= 91; line += 2) {
		const struct plan_doubt *d = at_line(&f, line, 1, &due);
		CHECK(ts, d != NULL && strcmp(d->code, "ambiguous-date") == 0);
		CHECK(ts, d != NULL && strcmp(d->written, "1/03/2023") == 0 && d->has_other &&
				  d->other.month == 1 && d->other.day == 3);
	}
	for (unsigned line = 19; line <= 20; line++) {
		const struct plan_doubt *d = at_line(&f, line, 1, &due);
		CHECK(ts, d != NULL && strcmp(d->code, "invalid-date") == 0 &&
				  strcmp(d->written, "31/11/2023") == 0 && due.day == 30);
	}
	for (size_t k = 1; k <= 3; k++) {
		const struct plan_doubt *d = at_line(&f, 40, k, &due);
		CHECK(ts, d != NULL && strcmp(d->code, "outside-plan-year") == 0 && due.year == 2022);
	}
	CHECK(ts, at_line(&f, 8, 1, &due) == NULL);  /* #3: 1/31/2023, month/day: no doubt */
	CHECK(ts, at_line(&f, 10, 1, &due) == NULL); /* #5 */
	unload(&f);
}

static void sentences(struct test_state *ts)
{
	struct fixture f;
	load(ts, &f);
	struct date due;
	struct strbuf s;
	strbuf_init(&s);
	doubt_describe(&s, &f.plan, at_line(&f, 89, 1, &due), due);
	CHECK_STR_EQ(ts, s.data, "La fecha del plan, 1/03/2023, también podría leerse 3 de enero "
				 "de 2023 (aquí se toma como 1 de marzo de 2023): pida que se "
				 "corrija en el plan.");
	strbuf_reset(&s);
	doubt_describe(&s, &f.plan, at_line(&f, 19, 1, &due), due);
	CHECK_STR_EQ(ts, s.data, "La fecha del plan, 31/11/2023, no existe (aquí se toma como 30 "
				 "de noviembre de 2023): pida que se corrija en el plan.");
	strbuf_reset(&s);
	doubt_describe(&s, &f.plan, at_line(&f, 40, 1, &due), due);
	CHECK_STR_EQ(ts, s.data, "La fecha del plan, 31 de mayo de 2022, está fuera de los años "
				 "del plan (2023–2024): pida que se revise en el plan.");
	strbuf_finish(&s);
	unload(&f);
}

TEST_MAIN(TEST(seed_doubts), TEST(sentences))
