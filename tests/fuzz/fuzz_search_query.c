/* fuzz_search_query.c — the ?q= parser (search_query_parse). Whatever the bytes: no crash;
 * refused exactly when too long, not UTF-8 or holding a control character, or over the term
 * limit; otherwise at most SEARCH_TERMS_MAX non-empty terms, each a run of the input, valid
 * UTF-8, and a word or prefix term has no quote, no blank and no trailing star. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "logbook/core/arena.h"
#include "logbook/domain/search_query.h"
#include "logbook/domain/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena        a;
	struct search_query sq;
	enum search_error   err;
	char               *q = malloc(size + 1);
	size_t              len, i;
	int                 control = 0;

	if (q == NULL)
		abort();
	memcpy(q, data, size);
	q[size] = '\0';
	len = strlen(q); /* the parser sees a C string, as the query decoder gives it */
	for (i = 0; i < len; i++)
		if (((unsigned char)q[i] < 0x20 && q[i] != '\t') || q[i] == 0x7f)
			control = 1;
	arena_init(&a);
	err = search_query_parse(&a, q, &sq);
	if (len > SEARCH_Q_MAX) {
		if (err != SEARCH_TOO_LONG)
			abort();
	} else if (!utf8_valid(q, len)) {
		if (err != SEARCH_BAD_UTF8)
			abort();
	} else if (control) {
		if (err != SEARCH_CONTROL)
			abort();
	} else if (err == SEARCH_OK) {
		if (sq.nterms > SEARCH_TERMS_MAX)
			abort();
		for (i = 0; i < sq.nterms; i++) {
			const char *t = sq.terms[i].text;
			size_t      n = strlen(t);

			if (n == 0 || strstr(q, t) == NULL || !utf8_valid(t, n))
				abort();
			if (sq.terms[i].kind != SEARCH_PHRASE &&
			    (strchr(t, '"') != NULL || strchr(t, ' ') != NULL ||
				strchr(t, '\t') != NULL || t[n - 1] == '*'))
				abort();
			if (sq.terms[i].kind == SEARCH_PHRASE && strchr(t, '"') != NULL)
				abort();
		}
	} else if (err != SEARCH_TOO_MANY)
		abort();
	arena_destroy(&a);
	free(q);
	return 0;
}
