/* fuzz_datetime.c — dates, times and RFC 3339 datetimes (dt_parse_*). Invariant: the
 * normalized text of an accepted value is accepted again with the same text and order key. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "logbook/domain/datetime_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef bool (*dt_parser)(const char *, size_t, char[DT_TEXT_MAX], int64_t *);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const dt_parser parsers[] = { dt_parse_date, dt_parse_time, dt_parse_datetime };
	char                   out[DT_TEXT_MAX], again[DT_TEXT_MAX];
	int64_t                ord, ord2;

	for (size_t i = 0; i < sizeof(parsers) / sizeof(parsers[0]); i++) {
		if (!parsers[i]((const char *)data, size, out, &ord))
			continue;
		if (!parsers[i](out, strlen(out), again, &ord2) || strcmp(out, again) != 0 ||
		    ord != ord2)
			abort();
	}
	return 0;
}
