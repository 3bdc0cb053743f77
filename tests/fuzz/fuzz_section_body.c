/* fuzz_section_body.c — a section save body as a worker reads it: strict, depth-limited JSON
 * with exact big numbers (json_number_parse, as request_json_body uses it), then every field,
 * table and row checked against a template of every type (section_values_check).
 * Invariant: a body that passes has a value slot for every field and row cell the definition
 * has; one that fails has at least one error with a path. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "logbook/domain/json_number.h"
#include "logbook/domain/section_values.h"

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct tpl_def   *def = fuzz_template();
	enum json_tokener_error jerr;
	json_object            *body;
	struct arena            a;
	struct verr_list        errs;
	struct section_values   out;

	body = json_number_parse((const char *)data, size, 32, JSON_TOKENER_VALIDATE_UTF8, &jerr);
	if (body == NULL)
		return 0;
	arena_init(&a);
	verr_init(&errs, &a);
	memset(&out, 0, sizeof(out));
	if (section_values_check(&def->sections[0], body, &errs, &out) == 0) {
		if (errs.count != 0)
			abort();
		for (size_t i = 0; i < def->sections[0].nfields; i++)
			if (out.fields[i] != NULL && strlen(out.fields[i]) > 1u << 20)
				abort();
	} else if (errs.count == 0) {
		abort();
	}
	for (size_t i = 0; i < errs.count; i++)
		if (errs.items[i].code == NULL || errs.items[i].message == NULL)
			abort();
	arena_destroy(&a);
	json_object_put(body);
	return 0;
}
