/* fuzz_url_decode.c — percent-decoding of path segments (http_url_decode). Invariants: the
 * result is never longer than the input, and input without '%' comes back unchanged. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "logbook/core/arena.h"
#include "logbook/http/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena a;
	char        *out;

	arena_init(&a);
	out = http_url_decode(&a, (const char *)data, size);
	if (out != NULL) {
		if (strlen(out) > size)
			abort();
		if (memchr(data, '%', size) == NULL && memchr(data, '\0', size) == NULL &&
		    (strlen(out) != size || memcmp(out, data, size) != 0))
			abort();
	}
	arena_destroy(&a);
	return 0;
}
