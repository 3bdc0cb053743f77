/* datetime_text.h — strict parsing of the date, time and datetime texts the API accepts,
 * normalized to text PostgreSQL reads exactly, plus an ordinal for exact comparisons.
 *
 *   date      YYYY-MM-DD, a real calendar day, years 0001..9999 (proleptic Gregorian).
 *   time      HH:MM[:SS[.f]] from 00:00 to 23:59:59.999999, f 1..6 digits (no leap second:
 *             PostgreSQL would silently roll 23:59:60 over). Normalized to HH:MM:SS[.f].
 *   datetime  RFC 3339: date, `T` or `t`, HH:MM:SS[.f] (seconds required, f 1..6 digits),
 *             then `Z`, `z` or ±HH:MM (hours 00..23). Normalized to the UTC instant with the
 *             fraction as written, e.g. "2026-11-23T08:35:50.123+01:00" ->
 *             "2026-11-23T07:35:50.123Z" (PostgreSQL refuses offsets beyond ±15:59). The instant must
 *             also lie in 0001..9999 UTC (9999-12-31T23:59:59-14:00 is refused), so every
 *             stored value can be written back in RFC 3339.
 *
 * Ordinals: date = days since 0001-01-01; time = microseconds since midnight; datetime =
 * microseconds since 0001-01-01T00:00:00Z (the offset applied), so instants compare
 * correctly whatever offsets they were written with. */
#ifndef LOGBOOK_DOMAIN_DATETIME_TEXT_H
#define LOGBOOK_DOMAIN_DATETIME_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DT_TEXT_MAX 40 /* holds any normalized text and its NUL */

/* Each reads s[0..len); on success writes the normalized text to out and the ordinal to
 * *ord and returns true; returns false (out = "") for anything else. */
bool dt_parse_date(const char *s, size_t len, char out[DT_TEXT_MAX], int64_t *ord);
bool dt_parse_time(const char *s, size_t len, char out[DT_TEXT_MAX], int64_t *ord);
bool dt_parse_datetime(const char *s, size_t len, char out[DT_TEXT_MAX], int64_t *ord);

#endif
