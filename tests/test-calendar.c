/* test-calendar.c - Colombian holidays, working-day arithmetic and time zones.
 *
 * The holiday lists below are copied from the published official calendars, not produced by
 * the code under test.
 */
#include "calendar.h"

#include <stdint.h>
#include <string.h>

#include "test.h"

struct official {
	int year;
	size_t count;
	const char *days[CALENDAR_MAX_HOLIDAYS]; /* "MM-DD" */
};

static const struct official officials[] = {
	{2023,
	 18,
	 {"01-01", "01-09", "03-20", "04-06", "04-07", "05-01", "05-22", "06-12", "06-19", "07-03",
	  "07-20", "08-07", "08-21", "10-16", "11-06", "11-13", "12-08", "12-25"}},
	{2024,
	 18,
	 {"01-01", "01-08", "03-25", "03-28", "03-29", "05-01", "05-13", "06-03", "06-10", "07-01",
	  "07-20", "08-07", "08-19", "10-14", "11-04", "11-11", "12-08", "12-25"}},
	{2025,
	 17,
	 {"01-01", "01-06", "03-24", "04-17", "04-18", "05-01", "06-02", "06-23", "06-30", "07-20",
	  "08-07", "08-18", "10-13", "11-03", "11-17", "12-08", "12-25"}},
	{2026,
	 18,
	 {"01-01", "01-12", "03-23", "04-02", "04-03", "05-01", "05-18", "06-08", "06-15", "06-29",
	  "07-20", "08-07", "08-17", "10-12", "11-02", "11-16", "12-08", "12-25"}},
};

static const char *const names_2023[] = {
	"Año Nuevo",
	"Día de los Reyes Magos",
	"Día de San José",
	"Jueves Santo",
	"Viernes Santo",
	"Día del Trabajo",
	"Ascensión del Señor",
	"Corpus Christi",
	"Sagrado Corazón de Jesús",
	"San Pedro y San Pablo",
	"Día de la Independencia",
	"Batalla de Boyacá",
	"Asunción de la Virgen",
	"Día de la Raza",
	"Día de Todos los Santos",
	"Independencia de Cartagena",
	"Inmaculada Concepción",
	"Navidad",
};

static struct date ymd(int y, int m, int d)
{
	return (struct date){y, m, d};
}

static void check_date(struct test_state *ts, struct date got, struct date want)
{
	CHECK_INT_EQ(ts, got.year, want.year);
	CHECK_INT_EQ(ts, got.month, want.month);
	CHECK_INT_EQ(ts, got.day, want.day);
}

static void official_lists(struct test_state *ts)
{
	for (size_t k = 0; k < sizeof(officials) / sizeof(officials[0]); k++) {
		const struct official *o = &officials[k];
		struct holiday h[CALENDAR_MAX_HOLIDAYS];
		size_t n = calendar_holidays(o->year, h);
		CHECK_INT_EQ(ts, n, o->count);
		for (size_t i = 0; i < n && i < o->count; i++) {
			int m = 0, d = 0;
			CHECK(ts, sscanf(o->days[i], "%d-%d", &m, &d) == 2);
			check_date(ts, h[i].date, ymd(o->year, m, d));
			CHECK(ts, h[i].name != NULL);
		}
	}
}

static void names_of_2023(struct test_state *ts)
{
	struct holiday h[CALENDAR_MAX_HOLIDAYS];
	size_t n = calendar_holidays(2023, h);
	CHECK_INT_EQ(ts, n, 18);
	for (size_t i = 0; i < n && i < 18; i++) {
		CHECK_STR_EQ(ts, h[i].name, names_2023[i]);
		CHECK(ts, h[i].also == NULL);
	}
	CHECK_STR_EQ(ts, calendar_holiday_name(ymd(2023, 7, 20)), "Día de la Independencia");
	CHECK_STR_EQ(ts, calendar_holiday_name(ymd(2023, 11, 13)), "Independencia de Cartagena");
	CHECK(ts, calendar_holiday_name(ymd(2023, 11, 11)) == NULL); /* moved to the 13th */
	CHECK(ts, calendar_holiday_name(ymd(2023, 1, 6)) == NULL); /* moved to the 9th */
	CHECK(ts, calendar_holiday_name(ymd(2023, 1, 2)) == NULL);
}

/* 2025-06-29 (San Pedro, a Sunday) moves to 06-30, which is Easter (04-20) + 71. */
static void merged_day_2025(struct test_state *ts)
{
	struct holiday h[CALENDAR_MAX_HOLIDAYS];
	size_t n = calendar_holidays(2025, h);
	CHECK_INT_EQ(ts, n, 17);
	size_t merged = 0;
	for (size_t i = 0; i < n; i++) {
		if (h[i].also == NULL)
			continue;
		merged++;
		check_date(ts, h[i].date, ymd(2025, 6, 30));
		CHECK_STR_EQ(ts, h[i].name, "Sagrado Corazón de Jesús");
		CHECK_STR_EQ(ts, h[i].also, "San Pedro y San Pablo");
	}
	CHECK_INT_EQ(ts, merged, 1);
	CHECK_STR_EQ(ts, calendar_holiday_name(ymd(2025, 6, 30)), "Sagrado Corazón de Jesús");
}

/* Known Easter Sundays, seen through Jueves and Viernes Santo and Ascensión (+43). */
static void easter(struct test_state *ts)
{
	static const struct date sundays[] = {
		{2000, 4, 23}, {2019, 4, 21}, {2038, 4, 25}, {2011, 4, 24},
		{2008, 3, 23}, {1943, 4, 25}, {2285, 3, 22},
	};
	for (size_t i = 0; i < sizeof(sundays) / sizeof(sundays[0]); i++) {
		long e = date_to_days(sundays[i]);
		CHECK_STR_EQ(ts, calendar_holiday_name(date_from_days(e - 3)), "Jueves Santo");
		CHECK_STR_EQ(ts, calendar_holiday_name(date_from_days(e - 2)), "Viernes Santo");
		CHECK(ts, calendar_holiday_name(date_from_days(e)) == NULL);
		CHECK_STR_EQ(ts, calendar_holiday_name(date_from_days(e + 43)),
			     "Ascensión del Señor");
	}
	CHECK_STR_EQ(ts, calendar_holiday_name(ymd(2000, 4, 21)), "Viernes Santo");
	CHECK_STR_EQ(ts, calendar_holiday_name(ymd(2038, 4, 23)), "Viernes Santo");
	/* 2285-03-19 is Jueves Santo (a Thursday), so San José moves to Monday the 23rd. */
	CHECK_STR_EQ(ts, calendar_holiday_name(ymd(2285, 3, 19)), "Jueves Santo");
	CHECK_STR_EQ(ts, calendar_holiday_name(ymd(2285, 3, 23)), "Día de San José");
}

static void working_predicate(struct test_state *ts)
{
	struct workdays w;
	workdays_init(&w);
	for (int i = 0; i < 7; i++)
		CHECK(ts, w.weekday[i] == (i < 5));
	CHECK(ts, w.holidays);
	CHECK(ts, w.n_closed == 0 && w.n_open == 0);
	CHECK(ts, !workdays_is_working(&w, ymd(2024, 1, 1))); /* Año Nuevo, a Monday */
	CHECK(ts, workdays_is_working(&w, ymd(2024, 1, 2)));
	CHECK(ts, !workdays_is_working(&w, ymd(2024, 1, 6))); /* Saturday */
	CHECK(ts, !workdays_is_working(&w, ymd(2024, 1, 8))); /* Reyes, moved */
	w.holidays = false;
	CHECK(ts, workdays_is_working(&w, ymd(2024, 1, 1)));
	workdays_finish(&w);
	workdays_finish(&w);
}

static void working_arithmetic(struct test_state *ts)
{
	struct workdays w;
	workdays_init(&w);
	check_date(ts, workdays_add(&w, ymd(2023, 12, 29), 1), ymd(2024, 1, 2));
	check_date(ts, workdays_add(&w, ymd(2024, 1, 2), -1), ymd(2023, 12, 29));
	CHECK_INT_EQ(ts, workdays_between(&w, ymd(2023, 12, 29), ymd(2024, 1, 2)), 1);
	CHECK_INT_EQ(ts, workdays_between(&w, ymd(2024, 1, 2), ymd(2023, 12, 29)), -1);
	/* Friday 2024-03-22, then San José (25th), Jueves and Viernes Santo (28th, 29th). */
	check_date(ts, workdays_add(&w, ymd(2024, 3, 22), 1), ymd(2024, 3, 26));
	check_date(ts, workdays_add(&w, ymd(2024, 3, 22), 2), ymd(2024, 3, 27));
	check_date(ts, workdays_add(&w, ymd(2024, 3, 22), 3), ymd(2024, 4, 1));
	check_date(ts, workdays_add(&w, ymd(2024, 4, 1), -3), ymd(2024, 3, 22));
	CHECK_INT_EQ(ts, workdays_between(&w, ymd(2024, 3, 22), ymd(2024, 4, 1)), 3);
	CHECK_INT_EQ(ts, workdays_between(&w, ymd(2024, 4, 1), ymd(2024, 3, 22)), -3);
	CHECK_INT_EQ(ts, workdays_between(&w, ymd(2024, 3, 22), ymd(2024, 3, 22)), 0);
	/* From a Saturday; Monday 2024-01-08 is Reyes. */
	check_date(ts, workdays_add(&w, ymd(2024, 1, 6), 1), ymd(2024, 1, 9));
	check_date(ts, workdays_add(&w, ymd(2024, 1, 6), -1), ymd(2024, 1, 5));
	check_date(ts, workdays_add(&w, ymd(2024, 1, 6), 0), ymd(2024, 1, 6));
	/* 2024: 262 weekdays, 16 holidays on weekdays (07-20 Sat, 12-08 Sun). */
	CHECK_INT_EQ(ts, workdays_between(&w, ymd(2023, 12, 31), ymd(2024, 12, 31)), 246);
	/* 2025: 261 weekdays, 16 distinct holidays on weekdays (07-20 Sun). */
	CHECK_INT_EQ(ts, workdays_between(&w, ymd(2024, 12, 31), ymd(2025, 12, 31)), 245);
	check_date(ts, workdays_add(&w, ymd(2023, 12, 31), 246), ymd(2024, 12, 31));
	check_date(ts, workdays_add(&w, ymd(2024, 12, 31), -245), ymd(2024, 1, 2));
	check_date(ts, workdays_add(&w, ymd(2024, 12, 31), -246), ymd(2023, 12, 29));
	workdays_finish(&w);
}

static void exceptions(struct test_state *ts)
{
	struct workdays w;
	workdays_init(&w);
	workdays_add_closed(&w, ymd(2024, 12, 24)); /* Tuesday */
	workdays_add_open(&w, ymd(2024, 12, 21)); /* Saturday */
	workdays_add_open(&w, ymd(2024, 12, 21)); /* duplicates are kept once */
	CHECK_INT_EQ(ts, w.n_open, 1);
	CHECK(ts, workdays_is_working(&w, ymd(2024, 12, 21)));
	CHECK(ts, !workdays_is_working(&w, ymd(2024, 12, 24)));
	check_date(ts, workdays_add(&w, ymd(2024, 12, 20), 1), ymd(2024, 12, 21));
	check_date(ts, workdays_add(&w, ymd(2024, 12, 20), 2), ymd(2024, 12, 23));
	check_date(ts, workdays_add(&w, ymd(2024, 12, 20), 3), ymd(2024, 12, 26));
	check_date(ts, workdays_add(&w, ymd(2024, 12, 26), -2), ymd(2024, 12, 21));
	CHECK_INT_EQ(ts, workdays_between(&w, ymd(2024, 12, 20), ymd(2024, 12, 31)), 6);
	/* An open holiday works; a day both closed and open is closed. */
	workdays_add_open(&w, ymd(2024, 12, 25));
	CHECK(ts, workdays_is_working(&w, ymd(2024, 12, 25)));
	workdays_add_open(&w, ymd(2024, 12, 24));
	CHECK(ts, !workdays_is_working(&w, ymd(2024, 12, 24)));
	CHECK_INT_EQ(ts, workdays_between(&w, ymd(2024, 12, 20), ymd(2024, 12, 31)), 7);
	workdays_finish(&w);
	/* An office open on Saturdays: 2024-01-06 (the unmoved Reyes date) works. */
	workdays_init(&w);
	w.weekday[5] = true;
	check_date(ts, workdays_add(&w, ymd(2024, 1, 5), 1), ymd(2024, 1, 6));
	check_date(ts, workdays_add(&w, ymd(2024, 1, 5), 2), ymd(2024, 1, 9));
	workdays_finish(&w);
}

/* No working weekday: only the open days work; too far returns d. */
static void no_weekdays(struct test_state *ts)
{
	struct workdays w;
	workdays_init(&w);
	for (int i = 0; i < 7; i++)
		w.weekday[i] = false;
	check_date(ts, workdays_add(&w, ymd(2024, 1, 1), 1), ymd(2024, 1, 1));
	workdays_add_open(&w, ymd(2024, 2, 10));
	workdays_add_open(&w, ymd(2024, 2, 3));
	workdays_add_open(&w, ymd(2024, 2, 17));
	workdays_add_closed(&w, ymd(2024, 2, 17));
	check_date(ts, workdays_add(&w, ymd(2024, 1, 1), 2), ymd(2024, 2, 10));
	check_date(ts, workdays_add(&w, ymd(2024, 3, 1), -1), ymd(2024, 2, 10));
	check_date(ts, workdays_add(&w, ymd(2024, 1, 1), 3), ymd(2024, 1, 1));
	CHECK_INT_EQ(ts, workdays_between(&w, ymd(2024, 1, 1), ymd(2024, 3, 1)), 2);
	workdays_finish(&w);
	workdays_init(&w);
	check_date(ts, workdays_add(&w, ymd(2024, 1, 1), 100000000L), ymd(2024, 1, 1));
	workdays_finish(&w);
}

static uint32_t next_random(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

#define NAIVE_FIRST 7305L /* 1990-01-01 */
#define NAIVE_DAYS 25932L /* to 2060-12-31 */
#define N_EXCEPTIONS 40

struct naive {
	struct date closed[N_EXCEPTIONS], open[N_EXCEPTIONS];
	long prefix[NAIVE_DAYS + 1]; /* working days among the first i days */
};

static bool listed(const struct date *v, size_t n, struct date d)
{
	for (size_t i = 0; i < n; i++) {
		if (date_compare(v[i], d) == 0)
			return true;
	}
	return false;
}

/* Day-by-day reference, written from the rules in calendar.h. */
static bool naive_working(const struct workdays *w, const struct naive *nv, struct date d)
{
	if (listed(nv->closed, N_EXCEPTIONS, d))
		return false;
	if (listed(nv->open, N_EXCEPTIONS, d))
		return true;
	if (w->holidays && calendar_holiday_name(d) != NULL)
		return false;
	return w->weekday[date_weekday(d)];
}

static void naive_setup(struct workdays *w, struct naive *nv, uint32_t *seed)
{
	workdays_init(w);
	for (int i = 0; i < 7; i++)
		w->weekday[i] = next_random(seed) % 4 != 0;
	w->weekday[next_random(seed) % 5] = true;
	w->holidays = next_random(seed) % 4 != 0;
	for (int i = 0; i < N_EXCEPTIONS; i++) {
		nv->closed[i] = date_from_days(NAIVE_FIRST + next_random(seed) % NAIVE_DAYS);
		nv->open[i] = date_from_days(NAIVE_FIRST + next_random(seed) % NAIVE_DAYS);
		if (i % 8 == 0) /* on a holiday */
			nv->open[i] = ymd(1990 + (int)(next_random(seed) % 70), 12, 25);
		if (i % 10 == 1) /* both closed and open */
			nv->open[i] = nv->closed[i];
		workdays_add_closed(w, nv->closed[i]);
		workdays_add_open(w, nv->open[i]);
	}
	nv->prefix[0] = 0;
	for (long i = 0; i < NAIVE_DAYS; i++) {
		struct date d = date_from_days(NAIVE_FIRST + i);
		nv->prefix[i + 1] = nv->prefix[i] + naive_working(w, nv, d);
	}
}

/* Index of the day n working days after (n > 0) or before (n < 0) index i, or -1. */
static long naive_add(const struct naive *nv, long i, long n)
{
	long step = n > 0 ? 1 : -1, j = i;
	while (n != 0) {
		j += step;
		if (j < 0 || j >= NAIVE_DAYS)
			return -1;
		if (nv->prefix[j + 1] - nv->prefix[j])
			n -= step;
	}
	return j;
}

static void naive_pairs(struct test_state *ts, const struct workdays *w, const struct naive *nv,
			uint32_t *seed)
{
	for (int k = 0; k < 150; k++) {
		long i = next_random(seed) % NAIVE_DAYS, j = next_random(seed) % NAIVE_DAYS;
		if (k % 3 == 0)
			j = i + (long)(next_random(seed) % 60) - 30;
		if (j < 0 || j >= NAIVE_DAYS)
			j = i;
		struct date a = date_from_days(NAIVE_FIRST + i),
			    b = date_from_days(NAIVE_FIRST + j);
		long want = nv->prefix[j + 1] - nv->prefix[i + 1];
		long got = workdays_between(w, a, b);
		CHECK_INT_EQ(ts, got, want);
		CHECK(ts, workdays_is_working(w, b) == naive_working(w, nv, b));
		long n = want != 0 ? want : 1 + (long)(next_random(seed) % 15);
		long r = naive_add(nv, i, n);
		if (r >= 0)
			CHECK_INT_EQ(ts, date_to_days(workdays_add(w, a, n)), NAIVE_FIRST + r);
	}
}

static void against_naive(struct test_state *ts)
{
	static struct naive nv;
	uint32_t seed = 20240601;
	for (int round = 0; round < 6; round++) {
		struct workdays w;
		naive_setup(&w, &nv, &seed);
		naive_pairs(ts, &w, &nv, &seed);
		workdays_finish(&w);
	}
}

static time_t utc(int y, int mo, int d, int h, int mi)
{
	return (time_t)(date_to_days(ymd(y, mo, d)) * 86400 + h * 3600 + mi * 60);
}

static void check_to_utc(struct test_state *ts, const char *tz, struct date d, int h, int mi,
			 time_t want)
{
	struct pz_error err = {0};
	time_t got = 0;
	CHECK_INT_EQ(ts, calendar_local_to_utc(tz, d, h, mi, &got, &err), 0);
	CHECK_INT_EQ(ts, got, want);
}

static void check_to_local(struct test_state *ts, const char *tz, time_t t, struct date want,
			   int want_minutes)
{
	struct pz_error err = {0};
	struct date d = {0, 0, 0};
	int minutes = -1;
	CHECK_INT_EQ(ts, calendar_utc_to_local(tz, t, &d, &minutes, &err), 0);
	check_date(ts, d, want);
	CHECK_INT_EQ(ts, minutes, want_minutes);
}

static void tz_names(struct test_state *ts)
{
	static const char *const bad[] = {"Mars/Olympus",
					  "",
					  "../../etc/passwd",
					  "/etc/passwd",
					  "America",
					  "America/Bogota ",
					  "Europe/../Europe/Madrid"};
	struct pz_error err = {0};
	CHECK_INT_EQ(ts, calendar_tz_check("America/Bogota", &err), 0);
	CHECK_INT_EQ(ts, calendar_tz_check("Europe/Madrid", &err), 0);
	CHECK_INT_EQ(ts, calendar_tz_check("UTC", &err), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&err, 0, sizeof(err));
		CHECK_INT_EQ(ts, calendar_tz_check(bad[i], &err), -1);
		CHECK_INT_EQ(ts, err.code, PZ_ECONFIG);
	}
	memset(&err, 0, sizeof(err));
	calendar_tz_check("Mars/Olympus", &err);
	CHECK_STR_EQ(ts, err.msg, "unknown time zone 'Mars/Olympus'");
	time_t t = 0;
	memset(&err, 0, sizeof(err));
	CHECK_INT_EQ(ts, calendar_local_to_utc("Mars/Olympus", ymd(2024, 1, 1), 9, 0, &t, &err),
		     -1);
	CHECK_INT_EQ(ts, err.code, PZ_ECONFIG);
	struct date d;
	int m;
	CHECK_INT_EQ(ts, calendar_utc_to_local("", 0, &d, &m, &err), -1);
	CHECK_INT_EQ(ts, err.code, PZ_ECONFIG);
	CHECK_INT_EQ(ts, calendar_local_to_utc("UTC", ymd(2024, 2, 30), 9, 0, &t, &err), -1);
	CHECK_INT_EQ(ts, err.code, PZ_EUSAGE);
	CHECK_INT_EQ(ts, calendar_local_to_utc("UTC", ymd(2024, 2, 1), 24, 0, &t, &err), -1);
	CHECK_INT_EQ(ts, err.code, PZ_EUSAGE);
}

static void tz_bogota(struct test_state *ts)
{
	const char *tz = "America/Bogota"; /* UTC-5 without DST since 1993 */
	check_to_utc(ts, tz, ymd(2024, 3, 15), 9, 0, utc(2024, 3, 15, 14, 0));
	check_to_utc(ts, tz, ymd(2024, 7, 15), 23, 30, utc(2024, 7, 16, 4, 30));
	check_to_utc(ts, tz, ymd(2024, 1, 1), 0, 0, utc(2024, 1, 1, 5, 0));
	/* 1992-05 .. 1993-04 Colombia kept UTC-4 ("la hora Gaviria"). */
	check_to_utc(ts, tz, ymd(1992, 6, 1), 12, 0, utc(1992, 6, 1, 16, 0));
	check_to_local(ts, tz, utc(2024, 1, 1, 3, 0), ymd(2023, 12, 31), 22 * 60);
	check_to_local(ts, tz, utc(2024, 3, 15, 14, 0), ymd(2024, 3, 15), 9 * 60);
	check_to_local(ts, tz, -60, ymd(1969, 12, 31), 18 * 60 + 59);
}

static void tz_madrid(struct test_state *ts)
{
	const char *tz = "Europe/Madrid";
	check_to_utc(ts, tz, ymd(2024, 1, 15), 10, 0, utc(2024, 1, 15, 9, 0));
	check_to_utc(ts, tz, ymd(2024, 7, 15), 10, 0, utc(2024, 7, 15, 8, 0));
	/* 2024-03-31: 02:00 CET jumps to 03:00 CEST (01:00Z); 02:00-02:59 do not exist. */
	check_to_utc(ts, tz, ymd(2024, 3, 31), 1, 59, utc(2024, 3, 31, 0, 59));
	check_to_utc(ts, tz, ymd(2024, 3, 31), 2, 0, utc(2024, 3, 31, 1, 0));
	check_to_utc(ts, tz, ymd(2024, 3, 31), 2, 30, utc(2024, 3, 31, 1, 0));
	check_to_utc(ts, tz, ymd(2024, 3, 31), 3, 0, utc(2024, 3, 31, 1, 0));
	check_to_utc(ts, tz, ymd(2024, 3, 31), 3, 30, utc(2024, 3, 31, 1, 30));
	/* 2024-10-27: 03:00 CEST falls back to 02:00 CET (01:00Z); 02:00-02:59 happen twice. */
	check_to_utc(ts, tz, ymd(2024, 10, 27), 1, 59, utc(2024, 10, 26, 23, 59));
	check_to_utc(ts, tz, ymd(2024, 10, 27), 2, 30, utc(2024, 10, 27, 0, 30));
	check_to_utc(ts, tz, ymd(2024, 10, 27), 3, 0, utc(2024, 10, 27, 2, 0));
	check_to_local(ts, tz, utc(2024, 10, 27, 0, 30), ymd(2024, 10, 27), 150);
	check_to_local(ts, tz, utc(2024, 10, 27, 1, 30), ymd(2024, 10, 27), 150);
	check_to_local(ts, tz, utc(2024, 3, 31, 0, 59), ymd(2024, 3, 31), 1 * 60 + 59);
	check_to_local(ts, tz, utc(2024, 3, 31, 1, 0), ymd(2024, 3, 31), 3 * 60);
	/* New York, west of UTC: 2024-03-10 02:00 EST -> 03:00 EDT; 2024-11-03 01:xx twice. */
	check_to_utc(ts, "America/New_York", ymd(2024, 3, 10), 2, 30, utc(2024, 3, 10, 7, 0));
	check_to_utc(ts, "America/New_York", ymd(2024, 11, 3), 1, 30, utc(2024, 11, 3, 5, 30));
}

/* calendar_holiday_name (rule by rule, for speed) names every day of 1900-2199 exactly as
 * the year's sorted list does, shared days included. */
static void name_agrees_with_list(struct test_state *ts)
{
	size_t wrong = 0, named = 0;
	for (int y = 1900; y < 2200; y++) {
		struct holiday h[CALENDAR_MAX_HOLIDAYS];
		size_t n = calendar_holidays(y, h), k = 0;
		long first = date_to_days((struct date){y, 1, 1});
		long last = date_to_days((struct date){y, 12, 31});
		for (long x = first; x <= last; x++) {
			struct date d = date_from_days(x);
			const char *want = k < n && date_compare(h[k].date, d) == 0 ? h[k++].name : NULL;
			const char *got = calendar_holiday_name(d);
			named += got != NULL;
			wrong += !(got == want || (got && want && strcmp(got, want) == 0));
		}
	}
	CHECK_INT_EQ(ts, wrong, 0);
	CHECK(ts, named > 300 * 17);
}

TEST_MAIN(TEST(official_lists), TEST(names_of_2023), TEST(merged_day_2025), TEST(easter),
	  TEST(working_predicate), TEST(working_arithmetic), TEST(exceptions), TEST(no_weekdays),
	  TEST(against_naive), TEST(tz_names), TEST(tz_bogota), TEST(tz_madrid), TEST(name_agrees_with_list))
