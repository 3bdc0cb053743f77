/* timestamp.c — see timestamp.h. */
#include "logbook/core/timestamp.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "logbook/core/arena.h"

#define USEC_PER_DAY      INT64_C(86400000000)
#define DAYS_0001_TO_1970 719162

void
ts_format(char out[TS_TEXT_MAX], int year, int month, int day, int hour, int min, int sec, int ms)
{
	snprintf(out, TS_TEXT_MAX, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", year, month, day, hour,
	    min, sec, ms);
}

void
ts_now(char out[TS_TEXT_MAX])
{
	struct timespec ts;
	struct tm       tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	ts_format(out, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
	    tm.tm_sec, (int)(ts.tv_nsec / 1000000) % 1000);
}

void
ts_from_usec(char out[TS_TEXT_MAX], int64_t ord)
{
	int64_t z, era, doe, yoe, doy, mp, y, m, d, usec = ord % USEC_PER_DAY;

	/* Civil date from days since 1970-01-01 (H. Hinnant); ord >= 0, so z > 0 here. */
	z = ord / USEC_PER_DAY - DAYS_0001_TO_1970 + 719468;
	era = z / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y = yoe + era * 400 + (m <= 2);
	ts_format(out, (int)y, (int)m, (int)d, (int)(usec / INT64_C(3600000000)),
	    (int)(usec / 60000000 % 60), (int)(usec / 1000000 % 60), (int)(usec / 1000 % 1000));
}

const char *
ts_from_pg(struct arena *a, const char *t)
{
	/* "2026-11-23 07:35:50.123456+00" -> "2026-11-23T07:35:50.123Z". */
	char   frac[4] = "000";
	size_t i;

	if (t == NULL)
		return NULL;
	if (strlen(t) < 19)
		return arena_strdup(a, t);
	if (t[19] == '.')
		for (i = 0; i < 3 && t[20 + i] >= '0' && t[20 + i] <= '9'; i++)
			frac[i] = t[20 + i];
	return arena_printf(a, "%.10sT%.8s.%sZ", t, t + 11, frac);
}
