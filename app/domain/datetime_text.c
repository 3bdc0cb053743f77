/* datetime_text.c — RFC 3339-style date/time parsing and normalization; see datetime_text.h. */
#include "logbook/domain/datetime_text.h"

#include <stdio.h>
#include <string.h>

#define USEC_PER_SEC 1000000LL
#define SEC_PER_DAY  86400LL

/* Reads exactly n digits at s into *v. */
static bool
digits(const char *s, size_t n, int *v)
{
	size_t i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		*v = *v * 10 + (s[i] - '0');
	}
	return true;
}

static bool
is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
days_in_month(int y, int m)
{
	static const int dim[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

/* Days from 0001-01-01 to y-m-d (proleptic Gregorian), y >= 1. */
static int64_t
days_from_civil(int y, int m, int d)
{
	static const int before[12] = { 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334 };
	int64_t          py = y - 1;

	return py * 365 + py / 4 - py / 100 + py / 400 + before[m - 1] +
	    (m > 2 && is_leap(y) ? 1 : 0) + (d - 1);
}

/* The inverse of days_from_civil. */
static void
civil_from_days(int64_t days, int *y, int *m, int *d)
{
	int year = (int)(days / 366) + 1, month = 1;

	while (days_from_civil(year + 1, 1, 1) <= days)
		year++;
	days -= days_from_civil(year, 1, 1);
	while (days >= days_in_month(year, month)) {
		days -= days_in_month(year, month);
		month++;
	}
	*y = year;
	*m = month;
	*d = (int)days + 1;
}

/* Reads YYYY-MM-DD at s (10 bytes available). */
static bool
read_date(const char *s, int64_t *days)
{
	int y, m, d;

	if (!digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &m) || s[7] != '-' ||
	    !digits(s + 8, 2, &d))
		return false;
	if (y < 1 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
		return false;
	*days = days_from_civil(y, m, d);
	return true;
}

/* Reads HH:MM[:SS[.f]] (f 1..6 digits; SS mandatory when seconds_required) from the start
 * of s[0..len); returns the bytes used (0 on error) and the microseconds in *usec. */
static size_t
read_time(const char *s, size_t len, bool seconds_required, int64_t *usec)
{
	int    h, mi, sec = 0, f = 0;
	size_t i = 5, nf = 0;

	if (len < 5 || !digits(s, 2, &h) || s[2] != ':' || !digits(s + 3, 2, &mi))
		return 0;
	if (h > 23 || mi > 59)
		return 0;
	if (i < len && s[i] == ':') {
		if (len < 8 || !digits(s + 6, 2, &sec) || sec > 59)
			return 0;
		i = 8;
		if (i < len && s[i] == '.') {
			for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++, nf++) {
				if (nf == 6)
					return 0;
				f = f * 10 + (s[i] - '0');
			}
			if (nf == 0)
				return 0;
			for (size_t k = nf; k < 6; k++)
				f *= 10;
		}
	} else if (seconds_required)
		return 0;
	*usec = ((int64_t)h * 3600 + mi * 60 + sec) * USEC_PER_SEC + f;
	return i;
}

/* Writes HH:MM:SS followed by the fraction exactly as written (if any). */
static size_t
write_time(char *out, const char *s, size_t used)
{
	size_t n = 0;

	memcpy(out, s, 5);
	n = 5;
	if (used >= 8) {
		memcpy(out + n, s + 5, used - 5);
		n += used - 5;
	} else {
		memcpy(out + n, ":00", 3);
		n += 3;
	}
	return n;
}

bool
dt_parse_date(const char *s, size_t len, char out[DT_TEXT_MAX], int64_t *ord)
{
	out[0] = '\0';
	if (len != 10 || !read_date(s, ord))
		return false;
	memcpy(out, s, 10);
	out[10] = '\0';
	return true;
}

bool
dt_parse_time(const char *s, size_t len, char out[DT_TEXT_MAX], int64_t *ord)
{
	size_t used, n;

	out[0] = '\0';
	if ((used = read_time(s, len, false, ord)) == 0 || used != len)
		return false;
	n = write_time(out, s, used);
	out[n] = '\0';
	return true;
}

bool
dt_parse_datetime(const char *s, size_t len, char out[DT_TEXT_MAX], int64_t *ord)
{
	int64_t days, usec, offset_sec = 0;
	size_t  used, i, n;
	int     oh, om;

	out[0] = '\0';
	if (len < 20 || !read_date(s, &days) || (s[10] != 'T' && s[10] != 't'))
		return false;
	if ((used = read_time(s + 11, len - 11, true, &usec)) == 0)
		return false;
	i = 11 + used;
	if (i < len && (s[i] == 'Z' || s[i] == 'z')) {
		if (i + 1 != len)
			return false;
	} else if (i < len && (s[i] == '+' || s[i] == '-')) {
		if (len - i != 6 || !digits(s + i + 1, 2, &oh) || s[i + 3] != ':' ||
		    !digits(s + i + 4, 2, &om) || oh > 23 || om > 59)
			return false;
		offset_sec = ((int64_t)oh * 3600 + om * 60) * (s[i] == '-' ? -1 : 1);
	} else
		return false;
	*ord = (days * SEC_PER_DAY - offset_sec) * USEC_PER_SEC + usec;
	/* The instant itself must lie in years 0001..9999 UTC, or it could not be written
	 * back in RFC 3339 (PostgreSQL would show "10000-01-01" or a BC date). */
	if (*ord < 0 || *ord >= days_from_civil(10000, 1, 1) * SEC_PER_DAY * USEC_PER_SEC) {
		out[0] = '\0';
		return false;
	}
	/* Stored as the UTC instant: PostgreSQL takes offsets only up to ±15:59, RFC 3339 up to
	 * ±23:59, and the API answers in UTC anyway. The fraction stays as written. */
	{
		int64_t sec = *ord / USEC_PER_SEC, day = sec / SEC_PER_DAY, tod = sec % SEC_PER_DAY;
		int     y, mo, d;

		civil_from_days(day, &y, &mo, &d);
		n = (size_t)snprintf(out, DT_TEXT_MAX, "%04d-%02d-%02dT%02d:%02d:%02d", y, mo, d,
		    (int)(tod / 3600), (int)(tod / 60 % 60), (int)(tod % 60));
		if (used > 8) /* ".f" as written */
			n += (size_t)snprintf(
			    out + n, DT_TEXT_MAX - n, "%.*s", (int)(used - 8), s + 11 + 8);
		out[n++] = 'Z';
		out[n] = '\0';
	}
	return true;
}
