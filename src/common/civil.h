/* civil.h - civil dates: days from civil, weekdays, month lengths, ISO 8601 text.
 *
 * The proleptic Gregorian calendar, with no time zone and no language: reading a plan's date
 * cells is date.h, Spanish words for a date are spanish.h, local time is calendar.h. The
 * functions keep the `date_` prefix of the type they work on (struct date), which every
 * layer uses.
 */
#ifndef PLAZO_CIVIL_H
#define PLAZO_CIVIL_H

#include <stdbool.h>

struct date {
	int year;
	int month; /* 1..12 */
	int day;   /* 1..31 */
};

bool date_valid(struct date d);
int date_days_in_month(int year, int month);
/* Days since 1970-01-01 (negative before), proleptic Gregorian; and back. */
long date_to_days(struct date d);
struct date date_from_days(long days);
/* 0 = Monday .. 6 = Sunday. */
int date_weekday(struct date d);
/* strcmp-like ordering. */
int date_compare(struct date a, struct date b);
/* Parses exactly "YYYY-MM-DD" (a real date, nothing after it). */
bool date_parse_iso(const char *s, struct date *out);
/* Writes "YYYY-MM-DD" into buf (at least 11 bytes); fields out of range are clamped. */
void date_format_iso(struct date d, char buf[static 11]);

#endif
