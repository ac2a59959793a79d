/* plan.h - the normalized plan: activities with their offices and milestones.
 *
 * plan_load reads the table (table.h), resolves each responsible cell against the office
 * directory of the config (office.h) and each date cell (date.h) in two passes: first the
 * day/month order the file's unambiguous dates vote for, then every cell with that order.
 * Activities are never dropped: a row whose dates or offices cannot be read is kept with an
 * error diagnostic on its line. Strings point into the table's text and live as long as
 * the plan.
 *
 * (Longer than 80 lines: the normalized plan is plain data every later stage reads; each
 * field says what it holds and who owns it.)
 */
#ifndef PLAZO_PLAN_H
#define PLAZO_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "component.h"
#include "config.h"
#include "date.h"
#include "diag.h"
#include "error.h"
#include "strbuf.h"
#include "table.h"

struct milestone {
	bool has_start;
	struct date start; /* valid when has_start: a range's first day */
	struct date due;   /* the deadline: the end of this day in the office's zone */
};

/* An activity's key's bound, NUL included: a component label and ':' (component.h), then
 * "c999:" and a ref of 6 parts of 3 digits. */
enum { PLAN_KEY_SIZE = 56 };
/* A doubt the plan check raised about a milestone's date itself (doubt.h). */
struct plan_doubt {
	size_t milestone;  /* its milestone: plan->milestones[milestone] */
	const char *code;  /* "ambiguous-date", "invalid-date", "outside-plan-year"; NULL: none */
	char written[40];  /* the date as the plan wrote it ("1/03/2023"); "" when unknown */
	bool has_other;    /* ambiguous-date: the other reading is known */
	struct date other;
};

struct activity {
	const char *key;                /* its identity in the state (plan_activity_key) */
	const char *ref;                /* the number as printed ("1.1.1"); "" when none */
	const char *subcomponent_title; /* "Responsabilidad"; "" when none */
	const char *text;               /* the activity */
	const char *goal;               /* "Meta" */
	const char *responsible_text;   /* the responsible cell as written */
	unsigned number;                /* the plan's "#" when a plain integer; else 0 */
	unsigned label_len;             /* key's component label and ':' ("comp2:"); 0: none */
	unsigned line;                  /* the row's line in its table's file (or sheet row) */
	unsigned part;                  /* its table: plan->parts[part] */
	unsigned subcomponent;          /* "Subcomponente 3 ..." -> 3; 0 when none */
	bool number_shared;             /* another activity has the same number */
	/* 32 bits each (a plan file is bounded far below 4G rows): 88 bytes an activity */
	uint32_t office_first;          /* offices: plan->office_refs[first .. first+count) */
	uint32_t office_count;
	uint32_t milestone_first;       /* plan->milestones[first .. first+count) */
	uint32_t milestone_count;
};

/* One table of the plan: a text file, or a sheet of a workbook. */
struct plan_part {
	char *source;                 /* its file's path */
	char *where;                  /* a sheet's diagnostic path ("plan.xlsx:Hoja1!"); or NULL */
	char label[COMPONENT_LABEL_SIZE]; /* what its title names (component.h); or "" */
	struct table table;           /* its table; empty for part 0, whose is plan->table */
	char *refs;                   /* owned: its activities' refs */
	char *keys;                   /* its own keys until the plan's are made */
	unsigned header_line;
};

struct plan {
	char *source;                 /* the first plan file's path */
	struct table table;           /* the first table: owns the text its activities point into */
	struct plan_part *parts;      /* every table read, in order (at least one once loaded) */
	size_t n_parts;
	size_t cap_parts;
	struct activity *activities;
	size_t n_activities;
	size_t cap_activities;
	struct milestone *milestones;
	size_t n_milestones;
	size_t cap_milestones;
	size_t *office_refs;          /* indices into config->offices, sorted per activity */
	size_t n_office_refs;
	size_t cap_office_refs;
	char *refs;                   /* owned: the activities' refs, NUL-separated */
	char *keys;                   /* owned: the activities' keys, NUL-separated */
	size_t *by_key;               /* activity indices sorted by key (plan_find_key) */
	enum date_order date_order;   /* the order the file's dates vote for */
	int year_first;               /* the plan's span (years outside get outside-plan-year) */
	int year_last;
	struct plan_doubt *doubts;    /* owned: the doubted milestones, by index (doubt.h) */
	size_t n_doubts;
};

void plan_init(struct plan *p);
void plan_finish(struct plan *p);

/* Loads the tables of the n files at paths (a workbook gives one per plan sheet) as one plan,
 * each table with its own header, date-order vote and diagnostics (path:line or
 * FILE:SHEET!CELL). Errors as plan_load, for the first file that cannot be read. */
int plan_load_files(struct plan *p, const char *const *paths, size_t n,
		    const struct config *cfg, struct diag_list *diags, struct pz_error *err);

/* Loads the plan at path, matching offices against cfg (borrowed; offices are indices into
 * cfg->offices). Doubts go to diags, with path and line. Returns -1 with err filled (PZ_EIO)
 * only when the file cannot be read; a table without a usable header loads as an empty plan
 * with an error diagnostic. */
int plan_load(struct plan *p, const char *path, const struct config *cfg,
	      struct diag_list *diags, struct pz_error *err);

/* Same, from a malloc'ed buffer of len bytes (room for len + 1) whose ownership passes to
 * the plan. For tests and the fuzzer. */
void plan_load_buffer(struct plan *p, const char *path, char *data, size_t len,
		      const struct config *cfg, struct diag_list *diags);

/* A table of at least this many records has its rows read on two threads, each half from
 * the state the rows before it carry (the same plan and diagnostics as one thread reads). */
enum { PLAN_SPLIT_MIN = 4096 };
/* Sets that bound (0: PLAN_SPLIT_MIN), for the tests that read small plans both ways; not
 * thread-safe against a load in progress. */
void plan_set_split_min(size_t records);

/* The name the state database gives an activity (the ledger, the marks, the feed events'
 * UIDs, the page's anchors), (component, ref) as the plan prints it: its plain number
 * ("13") when it has one no other row has, as before refs existed; else its ref ("1.1",
 * "2.3") when no other row has that ref; else "c<subcomponent>:<ref>" ("c2:1.1") when the
 * ref repeats across components but not within one; else "L<line>". In a plan of several
 * tables, a key another table's activity also has is prefixed by its table's component
 * label ("comp2:1.1", "rendicion-de-cuentas:1.1"; "t<n>:" by its place when the title names
 * no component, with warning[no-component-label]). Unique in the plan,
 * shorter than PLAN_KEY_SIZE; lives as long as the plan. A milestone is then (key, 1-based
 * position in the activity, due date). */
const char *plan_activity_key(const struct activity *a);

/* Gives activity i the key keys[i] (NULL: the one it has; a key given has no label), for
 * keys the state kept (replan.h); the caller keeps them unique and shorter than
 * PLAN_KEY_SIZE. */
void plan_rekey(struct plan *p, const char *const *keys);

/* The path of the file the activity's table is in (the plan's first file when it has one
 * table); lives as long as the plan. */
const char *plan_activity_file(const struct plan *p, const struct activity *a);

/* Appends where a person finds the activity's row: "plan.tsv:24", "plan.xlsx:Hoja1!24". */
void plan_activity_where(const struct plan *p, const struct activity *a, struct strbuf *out);

/* The activity whose key is key, or -1. */
long plan_find_key(const struct plan *p, const char *key);

/* The page anchor (and form item) of milestone k (1-based) of a: "a13-2" for a plain number,
 * "l24-1" for a line key, "r1.1-2", "rc2:1.1-2" or "rcomp2:1.1-2" for a ref key (and
 * "rn24-1" for the line key "n24" that replan.h gives a row whose "L24" another activity
 * kept). */
void plan_item_anchor(struct strbuf *out, const struct activity *a, size_t k);

/* Reads an anchor back: the activity's key (a buffer of PLAN_KEY_SIZE) and k. False when
 * item is not one plan_item_anchor writes. */
bool plan_item_parse(const char *item, char *key, unsigned *k);

/* True for a diagnostic that leaves nothing to serve (an unreadable file, no header, a broken
 * config: empty-input, binary-input, no-header, missing-column, config-* errors); false for
 * doubts about one row (no-date, no-office, unknown-office, ...), which never stop a plan. */
bool plan_diag_blocks(const struct diag *d);

/* The activity's number as printed in the plan ("1", "1.1.1", "2.3" from "Actividad 2.3"),
 * "" when it has none; lives as long as the plan. Not an identity key (see above). */
const char *plan_activity_ref(const struct activity *a);

#endif
