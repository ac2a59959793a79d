#include "calendar.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libical/ical.h>

#include "xalloc.h"

/* Searches for workdays_add stop after this many days (about 10000 years). */
#define MAX_SPAN 3660000L

enum rule_kind {
	FIXED, /* month/day, never moved */
	MONDAY, /* month/day, moved to the following Monday (Ley 51 de 1983) */
	EASTER, /* Easter + offset, never moved */
	EASTER_MONDAY, /* Easter + offset, moved to the following Monday */
};

struct rule {
	enum rule_kind kind;
	int month; /* or the offset from Easter Sunday */
	int day;
	const char *name;
};

static const struct rule rules[] = {
	{FIXED, 1, 1, "Año Nuevo"},
	{MONDAY, 1, 6, "Día de los Reyes Magos"},
	{MONDAY, 3, 19, "Día de San José"},
	{EASTER, -3, 0, "Jueves Santo"},
	{EASTER, -2, 0, "Viernes Santo"},
	{FIXED, 5, 1, "Día del Trabajo"},
	{EASTER_MONDAY, 39, 0, "Ascensión del Señor"},
	{EASTER_MONDAY, 60, 0, "Corpus Christi"},
	{EASTER_MONDAY, 68, 0, "Sagrado Corazón de Jesús"},
	{MONDAY, 6, 29, "San Pedro y San Pablo"},
	{FIXED, 7, 20, "Día de la Independencia"},
	{FIXED, 8, 7, "Batalla de Boyacá"},
	{MONDAY, 8, 15, "Asunción de la Virgen"},
	{MONDAY, 10, 12, "Día de la Raza"},
	{MONDAY, 11, 1, "Día de Todos los Santos"},
	{MONDAY, 11, 11, "Independencia de Cartagena"},
	{FIXED, 12, 8, "Inmaculada Concepción"},
	{FIXED, 12, 25, "Navidad"},
};

#define N_RULES (sizeof(rules) / sizeof(rules[0]))

static long floor_div(long a, long b)
{
	long q = a / b;
	if (a % b != 0 && ((a < 0) != (b < 0)))
		q--;
	return q;
}

/* 0 = Monday; day 0 (1970-01-01) was a Thursday. */
static int weekday_of(long days)
{
	return (int)(((days % 7) + 7 + 3) % 7);
}

static long next_monday(long days)
{
	return days + (7 - weekday_of(days)) % 7;
}

/* Easter Sunday of the Gregorian calendar (Meeus, the anonymous Gregorian algorithm). */
static long easter_days(int year)
{
	int a = year % 19, b = year / 100, c = year % 100;
	int d = b / 4, e = b % 4, f = (b + 8) / 25, g = (b - f + 1) / 3;
	int h = (19 * a + b - d - g + 15) % 30;
	int i = c / 4, k = c % 4;
	int l = (32 + 2 * e + 2 * i - h - k) % 7;
	int m = (a + 11 * h + 22 * l) / 451;
	int month = (h + l - 7 * m + 114) / 31;
	int day = (h + l - 7 * m + 114) % 31 + 1;
	return date_to_days((struct date){year, month, day});
}

/* The day a rule names in year before moving (*base) and after (the return value). */
static long rule_day(const struct rule *r, int year, long easter, long *base)
{
	if (r->kind == EASTER || r->kind == EASTER_MONDAY)
		*base = easter + r->month;
	else
		*base = date_to_days((struct date){year, r->month, r->day});
	if (r->kind == MONDAY || r->kind == EASTER_MONDAY)
		return next_monday(*base);
	return *base;
}

size_t calendar_holidays(int year, struct holiday out[static CALENDAR_MAX_HOLIDAYS])
{
	long easter = easter_days(year);
	long day[N_RULES], base[N_RULES];
	size_t order[N_RULES];
	/* Insertion sort by final day, then by the day before moving. */
	for (size_t i = 0; i < N_RULES; i++) {
		day[i] = rule_day(&rules[i], year, easter, &base[i]);
		size_t j = i;
		for (; j > 0; j--) {
			size_t p = order[j - 1];
			if (day[p] < day[i] || (day[p] == day[i] && base[p] <= base[i]))
				break;
			order[j] = p;
		}
		order[j] = i;
	}
	size_t n = 0;
	for (size_t i = 0; i < N_RULES; i++) {
		size_t r = order[i];
		if (n > 0 && date_to_days(out[n - 1].date) == day[r]) {
			if (out[n - 1].also == NULL)
				out[n - 1].also = rules[r].name;
			continue;
		}
		out[n++] = (struct holiday){date_from_days(day[r]), rules[r].name, NULL};
	}
	return n;
}

/* The name calendar_holidays would give d, without building and sorting the year's list
 * (the reminder queue asks this for every day it tests): of the rules falling on d, the one
 * moved from the earliest day, the first listed on a tie. */
const char *calendar_holiday_name(struct date d)
{
	long target = date_to_days(d), easter = easter_days(d.year), best = 0;
	const char *name = NULL;
	for (size_t i = 0; i < N_RULES; i++) {
		long base, day = rule_day(&rules[i], d.year, easter, &base);
		if (day == target && (name == NULL || base < best)) {
			name = rules[i].name;
			best = base;
		}
	}
	return name;
}

void workdays_init(struct workdays *w)
{
	for (int i = 0; i < 7; i++)
		w->weekday[i] = i < 5;
	w->holidays = true;
	w->closed = NULL;
	w->n_closed = 0;
	w->open = NULL;
	w->n_open = 0;
}

void workdays_finish(struct workdays *w)
{
	if (w == NULL)
		return;
	free(w->closed);
	free(w->open);
	w->closed = NULL;
	w->open = NULL;
	w->n_closed = 0;
	w->n_open = 0;
}

/* Index of the first element of the sorted v later than day days. */
static size_t first_after(const struct date *v, size_t n, long days)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (date_to_days(v[mid]) <= days)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool contains(const struct date *v, size_t n, long days)
{
	size_t i = first_after(v, n, days - 1);
	return i < n && date_to_days(v[i]) == days;
}

static void insert_sorted(struct date **v, size_t *n, struct date d)
{
	long days = date_to_days(d);
	if (contains(*v, *n, days))
		return;
	size_t i = first_after(*v, *n, days);
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	memmove(*v + i + 1, *v + i, (*n - i) * sizeof(**v));
	(*v)[i] = d;
	(*n)++;
}

void workdays_add_closed(struct workdays *w, struct date d)
{
	insert_sorted(&w->closed, &w->n_closed, d);
}

void workdays_add_open(struct workdays *w, struct date d)
{
	insert_sorted(&w->open, &w->n_open, d);
}

static bool is_holiday(const struct workdays *w, long days)
{
	return w->holidays && calendar_holiday_name(date_from_days(days)) != NULL;
}

static bool working_day(const struct workdays *w, long days)
{
	if (contains(w->closed, w->n_closed, days))
		return false;
	if (contains(w->open, w->n_open, days))
		return true;
	if (is_holiday(w, days))
		return false;
	return w->weekday[weekday_of(days)];
}

bool workdays_is_working(const struct workdays *w, struct date d)
{
	return working_day(w, date_to_days(d));
}

static long per_week(const struct workdays *w)
{
	long k = 0;
	for (int i = 0; i < 7; i++)
		k += w->weekday[i];
	return k;
}

/* How much the final answer for a day differs from its weekday alone: -1, 0 or 1. */
static long delta(const struct workdays *w, long days)
{
	return (long)working_day(w, days) - (long)w->weekday[weekday_of(days)];
}

/* Days in (a, b] whose weekday is a working one. */
static long weekday_count(const struct workdays *w, long a, long b)
{
	long n = b - a;
	long count = n / 7 * per_week(w);
	for (long x = a + 1; x <= a + n % 7; x++)
		count += w->weekday[weekday_of(x)];
	return count;
}

/* Corrections for the national holidays in (a, b]. */
static long holiday_adjust(const struct workdays *w, long a, long b)
{
	if (!w->holidays)
		return 0;
	long adjust = 0;
	int last = date_from_days(b).year;
	for (int y = date_from_days(a + 1).year; y <= last; y++) {
		struct holiday h[CALENDAR_MAX_HOLIDAYS];
		size_t n = calendar_holidays(y, h);
		for (size_t i = 0; i < n; i++) {
			long x = date_to_days(h[i].date);
			if (x <= a || x > b)
				continue;
			/* A holiday works only when listed open and not closed. */
			bool works = !contains(w->closed, w->n_closed, x) &&
				     contains(w->open, w->n_open, x);
			adjust += (long)works - (long)w->weekday[weekday_of(x)];
		}
	}
	return adjust;
}

/* Corrections for the exceptions in (a, b] that holiday_adjust did not already count. */
static long exception_adjust(const struct workdays *w, long a, long b)
{
	long adjust = 0;
	for (size_t i = first_after(w->closed, w->n_closed, a); i < w->n_closed; i++) {
		long x = date_to_days(w->closed[i]);
		if (x > b)
			break;
		if (!is_holiday(w, x))
			adjust += delta(w, x);
	}
	for (size_t i = first_after(w->open, w->n_open, a); i < w->n_open; i++) {
		long x = date_to_days(w->open[i]);
		if (x > b)
			break;
		if (!is_holiday(w, x) && !contains(w->closed, w->n_closed, x))
			adjust += delta(w, x);
	}
	return adjust;
}

/* Working days in (a, b], a <= b. */
static long count_range(const struct workdays *w, long a, long b)
{
	return weekday_count(w, a, b) + holiday_adjust(w, a, b) + exception_adjust(w, a, b);
}

long workdays_between(const struct workdays *w, struct date from, struct date to)
{
	long a = date_to_days(from), b = date_to_days(to);
	return b >= a ? count_range(w, a, b) : -count_range(w, b, a);
}

/* Working days among the len days next to s: (s, s + len] forward, [s - len, s) back. */
static long span_count(const struct workdays *w, long s, long len, int dir)
{
	return dir > 0 ? count_range(w, s, s + len) : count_range(w, s - 1 - len, s - 1);
}

/* Days from s, in direction dir, to the end of the year of the next day. */
static long to_year_edge(long s, int dir)
{
	int year = date_from_days(s + dir).year;
	if (dir > 0)
		return date_to_days((struct date){year, 12, 31}) - s;
	return s - date_to_days((struct date){year, 1, 1});
}

/* The smallest len with span_count(s, len) >= n, knowing that hi is one. */
static long bisect_span(const struct workdays *w, long s, long n, int dir, long hi)
{
	long lo = 0; /* span_count(lo) < n <= span_count(hi) */
	while (hi - lo > 1) {
		long mid = lo + (hi - lo) / 2;
		if (span_count(w, s, mid, dir) >= n)
			hi = mid;
		else
			lo = mid;
	}
	return hi;
}

/* Days from s to the n-th working day in direction dir, or 0 if none within MAX_SPAN. Whole
 * years are counted in one step each; the last one is bisected. */
static long find_span(const struct workdays *w, long s, long n, int dir)
{
	long done = 0;
	while (done < MAX_SPAN) {
		long cur = s + dir * done;
		long len = to_year_edge(cur, dir);
		long c = span_count(w, cur, len, dir);
		if (c >= n)
			return done + bisect_span(w, cur, n, dir, len);
		n -= c;
		done += len;
	}
	return 0;
}

/* With no working weekday, only the open days that are not closed work. */
static long find_open_span(const struct workdays *w, long s, long n, int dir)
{
	size_t i = first_after(w->open, w->n_open, dir > 0 ? s : s - 1);
	while (dir > 0 ? i < w->n_open : i > 0) {
		long x = date_to_days(w->open[dir > 0 ? i++ : --i]);
		if (!contains(w->closed, w->n_closed, x) && --n == 0)
			return dir > 0 ? x - s : s - x;
	}
	return 0;
}

struct date workdays_add(const struct workdays *w, struct date d, long n)
{
	if (n == 0 || n >= MAX_SPAN || n <= -MAX_SPAN)
		return d;
	long s = date_to_days(d);
	int dir = n > 0 ? 1 : -1;
	long count = n > 0 ? n : -n;
	long span =
		per_week(w) > 0 ? find_span(w, s, count, dir) : find_open_span(w, s, count, dir);
	if (span == 0)
		return d;
	return date_from_days(s + dir * span);
}

/* The zone last found on this thread: libical finds a builtin zone by a linear search of
 * the ~400 names of zone.tab, and a pass asks for the same one or two zones once per digest. Builtin
 * zones live as long as the process. */
static _Thread_local struct {
	char name[64];
	icaltimezone *zone;
} last_zone;

/* A tz database name: ASCII letters, digits and "/_-+", no leading "/", no "." at all. */
static icaltimezone *find_zone(const char *tz)
{
	if (tz == NULL || tz[0] == '\0' || tz[0] == '/')
		return NULL;
	if (last_zone.zone != NULL && strcmp(last_zone.name, tz) == 0)
		return last_zone.zone;
	for (const char *p = tz; *p != '\0'; p++) {
		char c = *p;
		bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			  (c >= '0' && c <= '9') || strchr("/_-+", c) != NULL;
		if (!ok)
			return NULL;
	}
	icaltimezone *zone = icaltimezone_get_builtin_timezone(tz);
	size_t len = strlen(tz);
	if (zone != NULL && len < sizeof(last_zone.name)) {
		memcpy(last_zone.name, tz, len + 1);
		last_zone.zone = zone;
	}
	return zone;
}

static icaltimezone *zone_or_fail(const char *tz, struct pz_error *err)
{
	icaltimezone *zone = find_zone(tz);
	if (zone == NULL)
		PZ_FAIL(err, PZ_ECONFIG, NULL, "unknown time zone '%s'", tz ? tz : "(null)");
	return zone;
}

int calendar_tz_check(const char *tz, struct pz_error *err)
{
	return zone_or_fail(tz, err) == NULL ? -1 : 0;
}

/* Seconds east of UTC in zone at instant t. */
static long utc_offset(icaltimezone *zone, time_t t)
{
	struct icaltimetype u =
		icaltime_from_timet_with_zone(t, 0, icaltimezone_get_utc_timezone());
	int is_daylight = 0;
	return icaltimezone_get_utc_offset_of_utc_time(zone, &u, &is_daylight);
}

/* The first instant in (lo, hi] whose offset is that of hi (the zone changed in between). */
static time_t transition(icaltimezone *zone, time_t lo, time_t hi)
{
	long after = utc_offset(zone, hi);
	while (hi - lo > 1) {
		time_t mid = lo + (hi - lo) / 2;
		if (utc_offset(zone, mid) == after)
			hi = mid;
		else
			lo = mid;
	}
	return hi;
}

/* The instant of local wall-clock seconds local (counted like UTC seconds since the epoch). */
static time_t resolve_local(icaltimezone *zone, long local)
{
	/* The offsets in force a day before and a day after cover any single change. */
	long before = utc_offset(zone, (time_t)(local - 86400));
	long after = utc_offset(zone, (time_t)(local + 86400));
	time_t u1 = (time_t)(local - before), u2 = (time_t)(local - after);
	bool ok1 = utc_offset(zone, u1) == before, ok2 = utc_offset(zone, u2) == after;
	if (ok1 && ok2)
		return u1 < u2 ? u1 : u2; /* ambiguous: the earlier instant */
	if (ok1)
		return u1;
	if (ok2)
		return u2;
	/* In a gap: u2 falls before the change and u1 after it; answer the change itself. */
	if (u2 < u1 && utc_offset(zone, u2) != utc_offset(zone, u1))
		return transition(zone, u2, u1);
	return u1;
}

int calendar_local_to_utc(const char *tz, struct date d, int hour, int minute, time_t *out,
			  struct pz_error *err)
{
	icaltimezone *zone = zone_or_fail(tz, err);
	if (zone == NULL)
		return -1;
	if (!date_valid(d) || hour < 0 || hour > 23 || minute < 0 || minute > 59)
		return PZ_FAIL(err, PZ_EUSAGE, NULL, "invalid local time %04d-%02d-%02d %02d:%02d",
			       d.year, d.month, d.day, hour, minute);
	long local = date_to_days(d) * 86400 + hour * 3600L + minute * 60L;
	*out = resolve_local(zone, local);
	return 0;
}

int calendar_utc_to_local(const char *tz, time_t t, struct date *d, int *minutes,
			  struct pz_error *err)
{
	icaltimezone *zone = zone_or_fail(tz, err);
	if (zone == NULL)
		return -1;
	long local = (long)t + utc_offset(zone, t);
	long days = floor_div(local, 86400);
	*d = date_from_days(days);
	*minutes = (int)((local - days * 86400) / 60);
	return 0;
}

/* "+05:00", "-0500", "Z" -> seconds east of UTC; false when s is not an offset. */
static bool parse_offset(const char *s, long *out)
{
	if (strcmp(s, "Z") == 0 || strcmp(s, "z") == 0)
		return *out = 0, true;
	unsigned h, m;
	int used = 0;
	if ((s[0] != '+' && s[0] != '-') ||
	    (sscanf(s + 1, "%2u:%2u%n", &h, &m, &used) != 2 &&
	     sscanf(s + 1, "%2u%2u%n", &h, &m, &used) != 2) ||
	    s[1 + used] != '\0' || h > 23 || m > 59)
		return false;
	*out = (s[0] == '-' ? -1 : 1) * (long)(h * 3600 + m * 60);
	return true;
}

int calendar_parse_instant(const char *s, const char *tz, time_t *out, struct pz_error *err)
{
	char day[11];
	struct date d;
	unsigned h = 0, m = 0, sec = 0;
	int used = 0;
	if (strlen(s) < 10 || (memcpy(day, s, 10), day[10] = '\0', !date_parse_iso(day, &d)))
		return PZ_FAIL(err, PZ_EUSAGE, s, "'%s' is not a date-time such as 2023-03-01T08:00",
			       s);
	const char *rest = s + 10;
	if ((*rest == 'T' || *rest == ' ') &&
	    sscanf(rest + 1, "%2u:%2u%n", &h, &m, &used) == 2) {
		rest += 1 + used;
		if (*rest == ':' && sscanf(rest + 1, "%2u%n", &sec, &used) == 1)
			rest += 1 + used;
	}
	long offset = 0;
	bool zoned = *rest != '\0' && parse_offset(rest, &offset);
	if ((*rest != '\0' && !zoned) || h > 23 || m > 59 || sec > 59)
		return PZ_FAIL(err, PZ_EUSAGE, s, "'%s' is not a date-time such as 2023-03-01T08:00",
			       s);
	if (zoned) {
		*out = (time_t)(date_to_days(d) * 86400L + h * 3600L + m * 60L + sec - offset);
		return 0;
	}
	if (calendar_local_to_utc(tz, d, (int)h, (int)m, out, err) < 0)
		return -1;
	*out += sec;
	return 0;
}
