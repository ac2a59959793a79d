/* date.h - civil dates and the date cells of a plan.
 *
 * A date cell holds one date, several dates (separated by spaces, ";", ",", "y") or ranges
 * ("A a B", "A - B", "del A al B"). Numeric dates are D/M/Y or M/D/Y: a component over 12
 * decides; otherwise the other dates of the same cell decide; otherwise the order that
 * dominates the file (warning ambiguous-date naming both readings). Two-digit years are 20YY.
 * ISO dates (2023-03-30) and Spanish month names ("30 de noviembre de 2023", "30-nov-2023")
 * are read too. Reading a file is two passes: date_vote over every cell, then date_parse_cell
 * with the winning order.
 */
#ifndef PLAZO_DATE_H
#define PLAZO_DATE_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"

struct date {
	int year;
	int month; /* 1..12 */
	int day;   /* 1..31 */
};

enum date_order {
	DATE_ORDER_UNKNOWN,
	DATE_ORDER_DMY,
	DATE_ORDER_MDY,
};

/* Counts of numeric dates whose order was decided by a component over 12. */
struct date_votes {
	size_t dmy;
	size_t mdy;
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

bool date_valid(struct date d);
int date_days_in_month(int year, int month);
/* Days since 1970-01-01 (negative before); and back. */
long date_to_days(struct date d);
struct date date_from_days(long days);
/* 0 = Monday .. 6 = Sunday. */
int date_weekday(struct date d);
/* strcmp-like ordering. */
int date_compare(struct date a, struct date b);
/* Parses exactly "YYYY-MM-DD". */
bool date_parse_iso(const char *s, struct date *out);
/* Writes "YYYY-MM-DD" into buf (at least 11 bytes). */
void date_format_iso(struct date d, char buf[static 11]);

/* Adds the order votes of the numeric dates in cell to votes. */
void date_vote(const char *cell, struct date_votes *votes);
/* The order the votes decide: DATE_ORDER_DMY on a tie or with no votes (Colombian usage). */
enum date_order date_votes_winner(const struct date_votes *votes);

void date_cell_init(struct date_cell *cell);
void date_cell_finish(struct date_cell *cell);

/* Reads every date of text into cell (appending), resolving ambiguous numeric dates with
 * file_order. Doubts go to diags: ambiguous-date and invalid-date (warnings; an impossible
 * day becomes the last day of its month), no-date (error: nothing readable),
 * unreadable-date-text (warning: part of the cell is not a date and was ignored),
 * reversed-range (warning: the start is after the end; the two are swapped).
 * Returns the number of items appended. */
size_t date_parse_cell(const char *text, enum date_order file_order, const struct date_where *where,
		       struct date_cell *cell, struct diag_list *diags);

#endif
