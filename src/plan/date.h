/* date.h - the date cells of a plan: what dates a person wrote in one, and the doubts.
 *
 * A date cell holds one date, several dates (separated by spaces, line breaks, ";", ",", "y",
 * "e") or ranges ("A a B", "A al B", "del A al B", "desde A hasta B", "entre A y B", "A - B",
 * "A – B"; a range start may omit what the end gives: "del 1 al 30 de noviembre de 2023",
 * "enero a diciembre de 2023"). Numeric dates use '/', '-' or '.' inside; D/M/Y or M/D/Y: a
 * component over 12 decides; otherwise the other dates of the same cell decide; otherwise the
 * order that dominates the file (warning ambiguous-date naming both readings), except when
 * both readings are the same date. Two-digit years are 20YY; a date without a year is not a
 * date. ISO dates (2023-03-30) and Spanish month names ("30 de noviembre de 2023",
 * "30-nov-2023", "noviembre 30 de 2023"; case and accents ignored) are read too. A month and
 * year alone ("diciembre de 2023") is due on the last day of that month (a range start: the
 * first day), with a month-only-date note. Reading a file is two passes: date_vote over every
 * cell, then date_parse_cell with the winning order. struct date and its arithmetic are
 * civil.h, included here for the readers' callers. (Longer than 80 lines: the comments are
 * the grammar of a cell and its diagnostics, which callers and plazo-plan(5) rely on.)
 */
#ifndef PLAZO_DATE_H
#define PLAZO_DATE_H

#include <stdbool.h>
#include <stddef.h>

#include "civil.h"
#include "diag.h"

enum date_order {
	DATE_ORDER_UNKNOWN,
	DATE_ORDER_DMY,
	DATE_ORDER_MDY,
};

#define DATE_VOTE_YEAR0 1990
#define DATE_VOTE_YEARS 120

/* Counts of numeric dates whose order was decided by a component over 12, and of the years
 * of every full date (1990..2109). Zero it to start. */
struct date_votes {
	size_t dmy;
	size_t mdy;
	size_t years[DATE_VOTE_YEARS];
};

/* How a plan reads its cells: the order its dates vote for, and the years they fall in. */
struct date_context {
	enum date_order order;
	bool voted;     /* order came from the file's votes: a date against it is noted */
	int year;       /* the most common year, for "30 de junio"; 0: such text is no date */
	int span_first; /* the years most dates fall in, for periodic cells; */
	int span_last;  /* 0: a periodic cell is an error */
};

/* One milestone read from a cell: a due date, and a start when the cell gave a range. */
struct date_item {
	bool has_start;
	struct date start;
	struct date due;
};

struct date_cell {
	struct date_item *items; /* owned; in cell order */
	size_t len;
	size_t cap;
};

/* Where a cell sits, for diagnostics. */
struct date_where {
	const char *path;
	unsigned line;
	unsigned column;
};

/* Adds the order votes of the numeric dates in cell to votes. */
void date_vote(const char *cell, struct date_votes *votes);
/* What one date of a cell gives the votes: its year's slot (-1: none counted) and the order
 * it decides by itself. A cell's marks are its votes, to count again for the same text. */
struct date_mark {
	short year_slot;
	unsigned char order; /* enum date_order */
};
/* The marks of cell's dates into *marks (grown, *cap its room, as xgrow keeps them);
 * returns how many. date_vote(cell) adds what date_votes_mark adds of them. */
size_t date_vote_marks(const char *cell, struct date_mark **marks, size_t *cap);
/* Adds n marks to votes. */
void date_votes_mark(struct date_votes *votes, const struct date_mark *marks, size_t n);
/* Adds the votes of more to votes (the votes of two runs of cells, counted apart). */
void date_votes_add(struct date_votes *votes, const struct date_votes *more);
/* The order the votes decide: DATE_ORDER_DMY on a tie or with no votes (Colombian usage). */
enum date_order date_votes_winner(const struct date_votes *votes);
/* The years holding at least half as many voted dates as the most common one, and that one
 * (0 when there are none). */
void date_votes_span(const struct date_votes *votes, int *first, int *last, int *common);

void date_cell_init(struct date_cell *cell);
void date_cell_finish(struct date_cell *cell);

/* Reads every date of text into cell (appending), resolving ambiguous numeric dates with
 * file_order (DATE_ORDER_UNKNOWN counts as DMY). Doubts go to diags (NULL: dropped), each at
 * where (may be NULL): ambiguous-date and invalid-date (warnings; an impossible day becomes
 * the last day of its month), no-date (error: empty cell or nothing readable),
 * unreadable-date-text (warning: part of the cell is not a date and was ignored; one per
 * cell), reversed-range (warning: the start is after the end; the two are swapped),
 * month-only-date (note: no day given). Linear in the length of text; text may be NULL.
 * Returns the number of items appended. */
size_t date_parse_cell(const char *text, enum date_order file_order, const struct date_where *where,
		       struct date_cell *cell, struct diag_list *diags);

/* The same in a plan's context, which also reads: "19 y 20 de abril de 2017" (two dates),
 * "30 de junio" (the context's year, warning no-year-date), periodic cells ("Mensual",
 * "Trimestral", "Cuatrimestral", "Semestral", "Anual", "Cada mes": the last day of each
 * period over the span, warning periodic-date), cells without deadline ("Permanente",
 * "Continuo", "A demanda": no item, note no-deadline), deadlines relative to an event
 * ("dentro de los 10 días hábiles siguientes a ...": no item, error no-date saying why);
 * month/day dates in a voted day/month file are noted (month-first-date). */
size_t date_parse_cell_in(const char *text, const struct date_context *ctx,
			  const struct date_where *where, struct date_cell *cell,
			  struct diag_list *diags);

#endif
