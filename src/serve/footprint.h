/* footprint.h - what of the plan each office's feed and page show, as one number per office,
 * so that a reload changes the validators of the offices whose part of the plan changed
 * and no other's.
 *
 * An activity's footprint covers everything ics.c, agenda.c and page.c read of it: its key,
 * ref, number, line and file name, subcomponent and its title, text, goal, responsible cell,
 * offices, and each milestone's dates and doubt (doubt.h; with the plan's years for an
 * outside-plan-year one). An office's footprint folds those of its activities in plan order;
 * the all-offices feed's folds every activity's. What the config says (office names, zones,
 * the policy) is not in it: the world's generation covers the config.
 */
#ifndef PLAZO_FOOTPRINT_H
#define PLAZO_FOOTPRINT_H

#include <stddef.h>
#include <stdint.h>

#include "plan.h"

/* The footprint of one activity of p. */
uint64_t footprint_activity(const struct plan *p, const struct activity *a);

/* Fills out[0 .. n_offices] (the last: the all-offices feed's) for p's final keys (after
 * replan.h), one pass over the plan. */
void footprint_offices(const struct plan *p, size_t n_offices, uint64_t *out);

#endif
