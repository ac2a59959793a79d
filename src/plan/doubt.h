/* doubt.h - milestones whose date the plan check doubted, and how to say so in Spanish.
 *
 * Three diagnostics put a milestone's date itself in question: ambiguous-date (1/03/2023
 * read as day/month, could be month/day), invalid-date (31/11/2023 does not exist and was
 * corrected to the month's last day) and outside-plan-year (a date outside the plan's span).
 * A periodic or month-only reading is not a doubt about the date. doubt_collect reads them
 * from the diagnostics plan_load wrote (by the row's line and the "read as YYYY-MM-DD" /
 * "could be YYYY-MM-DD" of date.c's messages, which tests/test-doubt.c pins) into
 * p->doubts, one entry per doubted milestone. Digests, the page and the escalation digest say it.
 */
#ifndef PLAZO_DOUBT_H
#define PLAZO_DOUBT_H

#include "diag.h"
#include "plan.h"
#include "strbuf.h"

/* Fills p->doubts (allocated, one entry per doubted milestone in milestone order; freed by
 * plan_finish) from the diagnostics of p's file in diags (may be NULL: only
 * outside-plan-year is found). */
void doubt_collect(struct plan *p, const struct diag_list *diags);

/* The doubt about milestone m's date, or NULL when there is none. */
const struct plan_doubt *doubt_of(const struct plan *p, size_t m);

/* Appends one Spanish sentence about it: "La fecha del plan, 1/03/2023, también podría
 * leerse 3 de enero de 2023 (aquí se toma como 1 de marzo de 2023): pida que se corrija en
 * el plan." due is the date plazo uses. */
void doubt_describe(struct strbuf *out, const struct plan *p, const struct plan_doubt *d,
		    struct date due);

#endif
