/* timestamp.h — the one way this program writes a point in time: RFC 3339 in UTC with
 * milliseconds, "2026-11-23T07:35:50.123Z" (the audit trail's items keep microseconds, as
 * the canonical form its hash covers does), whether the time comes from the clock, from
 * PostgreSQL or from the value engine; and the SQL formats that print the same text. */
#ifndef LOGBOOK_TIMESTAMP_H
#define LOGBOOK_TIMESTAMP_H

#include <stdint.h>

struct arena;

#define TS_TEXT_MAX 64

/* The to_char patterns, named, and the expression that renders a timestamptz column (or any
 * SQL expression, as a string literal) in UTC with them. */
#define TS_SQL_MS            "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'"
#define TS_SQL_US            "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'"
#define TS_SQL(col, pattern) "to_char(" col " AT TIME ZONE 'UTC', " pattern ")"
/* The same for arena_printf, the column as %s. */
#define TS_SQL_MS_FMT "to_char(%s AT TIME ZONE 'UTC', " TS_SQL_MS ")"

/* The text of a civil UTC time (ms: milliseconds). */
void ts_format(
    char out[TS_TEXT_MAX], int year, int month, int day, int hour, int min, int sec, int ms);

/* Now (CLOCK_REALTIME). */
void ts_now(char out[TS_TEXT_MAX]);

/* From microseconds since 0001-01-01T00:00:00Z (datetime_text.h's ordinal, >= 0). Truncates
 * to milliseconds, as to_char's MS does. */
void ts_from_usec(char out[TS_TEXT_MAX], int64_t usec);

/* From a timestamptz as the store's connections print it (TimeZone UTC, ISO DateStyle:
 * "2026-11-23 07:35:50.123456+00"), in the arena; NULL for NULL, a text too short to be one
 * as it is. */
const char *ts_from_pg(struct arena *a, const char *pg_text);

#endif
