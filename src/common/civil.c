/* civil.c - civil dates: the proleptic Gregorian calendar by Howard Hinnant's algorithms.
 *
 * Nothing here reads text a person wrote (date.c does) or knows a language (spanish.c).
 */
#include "civil.h"

#include <stddef.h>

static bool is_leap(long long y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int date_days_in_month(int year, int month)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (month < 1 || month > 12)
		return 0;
	if (month == 2 && is_leap(year))
		return 29;
	return days[month - 1];
}

bool date_valid(struct date d)
{
	return d.day >= 1 && d.day <= date_days_in_month(d.year, d.month);
}

long date_to_days(struct date d)
{
	long long m = d.month, day = d.day;
	long long y = (long long)d.year - (m <= 2);
	long long era = (y >= 0 ? y : y - 399) / 400;
	long long yoe = y - era * 400;
	long long doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + day - 1;
	long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (long)(era * 146097 + doe - 719468);
}

struct date date_from_days(long days)
{
	/* Beyond about a billion years the year would not fit an int anyway. */
	const long long limit = 1LL << 38;
	long long z = days > limit ? limit : days < -limit ? -limit : days;
	z += 719468;
	long long era = (z >= 0 ? z : z - 146096) / 146097;
	long long doe = z - era * 146097;
	long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long long mp = (5 * doy + 2) / 153;
	struct date d;
	d.day = (int)(doy - (153 * mp + 2) / 5 + 1);
	d.month = (int)(mp < 10 ? mp + 3 : mp - 9);
	d.year = (int)(yoe + era * 400 + (d.month <= 2));
	return d;
}

int date_weekday(struct date d)
{
	long long days = date_to_days(d);
	return (int)(((days % 7) + 7 + 3) % 7); /* 1970-01-01 was a Thursday */
}

int date_compare(struct date a, struct date b)
{
	if (a.year != b.year)
		return a.year < b.year ? -1 : 1;
	if (a.month != b.month)
		return a.month < b.month ? -1 : 1;
	if (a.day != b.day)
		return a.day < b.day ? -1 : 1;
	return 0;
}

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

bool date_parse_iso(const char *s, struct date *out)
{
	static const char shape[] = "dddd-dd-dd";
	int v[3] = {0, 0, 0};
	if (s == NULL)
		return false;
	for (size_t i = 0, f = 0; i < sizeof(shape) - 1; i++) {
		unsigned char c = (unsigned char)s[i];
		if (shape[i] == '-') {
			if (c != '-')
				return false;
			f++;
		} else if (!is_digit(c)) {
			return false;
		} else {
			v[f] = v[f] * 10 + (c - '0');
		}
	}
	struct date d = {v[0], v[1], v[2]};
	if (s[sizeof(shape) - 1] != '\0' || !date_valid(d))
		return false;
	if (out != NULL)
		*out = d;
	return true;
}

static void put_digits(char *p, int value, int width)
{
	for (int i = width - 1; i >= 0; i--) {
		p[i] = (char)('0' + value % 10);
		value /= 10;
	}
}

void date_format_iso(struct date d, char buf[static 11])
{
	/* Out-of-range fields are clamped so the output is always 10 characters. */
	put_digits(buf, d.year < 0 ? 0 : d.year > 9999 ? 9999 : d.year, 4);
	buf[4] = '-';
	put_digits(buf + 5, d.month < 0 ? 0 : d.month > 99 ? 99 : d.month, 2);
	buf[7] = '-';
	put_digits(buf + 8, d.day < 0 ? 0 : d.day > 99 ? 99 : d.day, 2);
	buf[10] = '\0';
}
