/* fuzz_decimal.c — exact decimals and 64-bit integers as the value engine reads them
 * (decimal_normalize in both grammars, int64_parse). Invariants: a normalized decimal is a
 * fixed point of the plain grammar and compares equal to itself; an accepted integer prints
 * back to a text that parses to the same value. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logbook/domain/decimal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	char        out[DECIMAL_TEXT_MAX], again[DECIMAL_TEXT_MAX];
	int64_t     v, w;

	for (int g = DECIMAL_JSON_NUMBER; g <= DECIMAL_PLAIN; g++) {
		if (decimal_normalize(s, size, (enum decimal_grammar)g, out) != DECIMAL_OK)
			continue;
		if (decimal_normalize(out, strlen(out), DECIMAL_PLAIN, again) != DECIMAL_OK ||
		    strcmp(out, again) != 0 || decimal_cmp(out, again) != 0)
			abort();
	}
	if (int64_parse(s, size, &v) == INT_OK) {
		char text[32];
		int  n = snprintf(text, sizeof(text), "%" PRId64, v);

		if (int64_parse(text, (size_t)n, &w) != INT_OK || v != w)
			abort();
	}
	return 0;
}
