/* fuzz_utf8.c — UTF-8 validation and code point counting (utf8_valid, utf8_count), against
 * a reference written from RFC 3629's table (no overlongs, no surrogates, at most U+10FFFF). */
#include <stdint.h>
#include <stdlib.h>

#include "logbook/domain/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Length of the sequence at s[0..n), 0 when it is not well formed. */
static size_t
ref_seq(const uint8_t *s, size_t n)
{
	uint8_t c = s[0];
	size_t  len;
	uint8_t lo = 0x80, hi = 0xBF;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		len = 2;
	else if (c >= 0xE0 && c <= 0xEF)
		len = 3;
	else if (c >= 0xF0 && c <= 0xF4)
		len = 4;
	else
		return 0;
	if (c == 0xE0)
		lo = 0xA0;
	else if (c == 0xED)
		hi = 0x9F;
	else if (c == 0xF0)
		lo = 0x90;
	else if (c == 0xF4)
		hi = 0x8F;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xBF)
			return 0;
	return len;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t i = 0, count = 0;
	bool   valid = true;

	while (i < size) {
		size_t len = ref_seq(data + i, size - i);

		if (len == 0) {
			valid = false;
			break;
		}
		i += len;
		count++;
	}
	if (utf8_valid((const char *)data, size) != valid)
		abort();
	if (valid && utf8_count((const char *)data, size) != count)
		abort();
	return 0;
}
