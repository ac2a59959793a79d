/* report.h - the follow-up report (informe de seguimiento) of the Oficina de Control Interno.
 *
 * Every (office, milestone) pair of the plan - each milestone of each activity naming the
 * office - is, as of an instant `at`: on time (marked delivered before its due day ended in
 * the office's zone), late (marked after that), overdue (not marked by `at` and its due day
 * ended before `at`) or pending (not marked, not yet due). Marks made after `at` are ignored;
 * marks that match no current milestone (the plan changed) are counted as stale. Counts are
 * kept per office (config order), per subcomponent (by number) and in total. Compliance is
 * on time / (on time + late + overdue). Pure: no clock, no I/O.
 */
#ifndef PLAZO_REPORT_H
#define PLAZO_REPORT_H

#include <stddef.h>
#include <time.h>

#include "config.h"
#include "date.h"
#include "error.h"
#include "plan.h"
#include "store.h"
#include "strbuf.h"

struct report_counts {
	size_t on_time, late, overdue, pending;
};

struct report_subcomponent {
	unsigned number;   /* 0: rows before any subcomponent heading */
	const char *title; /* borrowed from the plan; "" when none */
	struct report_counts counts;
};

struct report {
	time_t at;                     /* the cut-off instant */
	struct date date;              /* its local date in the [plan] zone */
	int minutes;                   /* and local minutes since midnight */
	const char *timezone;          /* borrowed: the [plan] zone */
	struct report_counts *offices; /* owned; parallel to cfg->offices */
	size_t n_offices;
	struct report_subcomponent *subcomponents; /* owned; sorted by number */
	size_t n_subcomponents;
	struct report_counts total;
	size_t stale; /* marks at or before `at` that match no current milestone */
	size_t later; /* marks made after `at`, ignored */
};

void report_init(struct report *r);
void report_finish(struct report *r);

/* Fills r (initialized, empty) from plan p, cfg (both borrowed: r points into them and must
 * not outlive them) and the n marks (borrowed, any order; as store_deliveries gives them),
 * as of at. Returns -1 with err filled (PZ_ECONFIG) when a time zone is unknown. */
int report_compute(struct report *r, const struct plan *p, const struct config *cfg,
		   const struct store_delivery *marks, size_t n, time_t at, struct pz_error *err);

/* Pairs of the counts; the denominators of the percentages and of compliance. */
size_t report_total(const struct report_counts *c);
size_t report_due(const struct report_counts *c);

/* Appends the report as aligned Spanish text tables (offices, then subcomponents). */
void report_write_text(const struct report *r, const struct config *cfg, struct strbuf *out);
/* Appends RFC 4180 CSV (UTF-8 with a byte order mark so that spreadsheets read the accents,
 * CRLF): scope,id,name,on_time,late,overdue,pending,total,compliance; compliance 0..1 with
 * three decimals, empty when nothing is due. */
void report_write_csv(const struct report *r, const struct config *cfg, struct strbuf *out);
/* Appends a standalone printable HTML page in Spanish (no script, everything escaped). */
void report_write_html(const struct report *r, const struct config *cfg, struct strbuf *out);

#endif
