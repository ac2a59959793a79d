/* calendar.h - working days, Colombian public holidays and time zones.
 *
 * Holidays follow Ley 51 de 1983 (Ley Emiliani): fixed days; days moved to the following
 * Monday; and Easter-based days (some moved to Monday). A day with two holidays is listed once.
 * Time zones come from the system tz database (IANA names such as "America/Bogota"); no offset
 * is ever written by hand. Nothing here reads the clock.
 */
#ifndef PLAZO_CALENDAR_H
#define PLAZO_CALENDAR_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "civil.h"
#include "error.h"

struct holiday {
	struct date date;
	const char *name; /* static Spanish name, e.g. "Día de la Independencia" */
	const char *also; /* static name of a second holiday on the same day, or NULL */
};

#define CALENDAR_MAX_HOLIDAYS 24

/* Fills out with the holidays of year (1984..9999 meaningful), sorted by date, one entry per
 * day (a second holiday on the same day goes in .also; .name is the one whose date before
 * moving is earlier, e.g. 2025-06-30 Sagrado Corazón also San Pedro), and returns how many. */
size_t calendar_holidays(int year, struct holiday out[static CALENDAR_MAX_HOLIDAYS]);

/* Name of the holiday on d, or NULL. */
const char *calendar_holiday_name(struct date d);

/* An office's working days: weekdays plus exceptions. Embedded by callers. A closed day never
 * works; else an open day works; else a day works when its weekday does and it is not a
 * national holiday (when holidays is set). The add functions keep closed and open sorted and
 * without duplicates; add to them only through those. */
struct workdays {
	bool weekday[7];          /* index 0 = Monday; default Monday..Friday */
	bool holidays;            /* national holidays are closed (default true) */
	struct date *closed;      /* owned: extra closed days */
	size_t n_closed;
	struct date *open;        /* owned: extra open days (a working Saturday) */
	size_t n_open;
};

void workdays_init(struct workdays *w);   /* Monday..Friday, holidays closed, no exceptions */
void workdays_finish(struct workdays *w);
void workdays_add_closed(struct workdays *w, struct date d);
void workdays_add_open(struct workdays *w, struct date d);

bool workdays_is_working(const struct workdays *w, struct date d);
/* Working days strictly after from up to and including to (negative when to < from). */
long workdays_between(const struct workdays *w, struct date from, struct date to);
/* The date n working days after d (n > 0), or before it (n < 0); n == 0 returns d, and so
 * does a date that lies beyond about 10000 years (a week without working days). */
struct date workdays_add(const struct workdays *w, struct date d, long n);

/* Checks that tz names a zone of the system tz database (through libical, which reads
 * /usr/share/zoneinfo). PZ_ECONFIG "unknown time zone 'X'" otherwise; the tz functions below
 * fail the same way. */
int calendar_tz_check(const char *tz, struct pz_error *err);
/* The instant of local date d at hour:minute in zone tz. A local time that does not exist
 * (spring-forward gap) maps to the first instant after the gap; an ambiguous one to the
 * earlier instant. PZ_EUSAGE for an invalid date, hour (0..23) or minute (0..59). */
int calendar_local_to_utc(const char *tz, struct date d, int hour, int minute, time_t *out,
			  struct pz_error *err);
/* The local date and minutes since midnight of instant t in zone tz. */
int calendar_utc_to_local(const char *tz, time_t t, struct date *d, int *minutes,
			  struct pz_error *err);

/* Reads an ISO 8601 instant for --at: "2023-03-01", "2023-03-01T08:00", "...T08:00:30",
 * local to zone tz, or with an offset ("...Z", "...-05:00") that then wins. PZ_EUSAGE when
 * s is not such a date-time. */
int calendar_parse_instant(const char *s, const char *tz, time_t *out, struct pz_error *err);

#endif
