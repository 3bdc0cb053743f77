/* fuzz_template_def.c — a template definition as a designer sends it: definition validation
 * (tpl_def_parse) and, when it is valid, the schema planner twice: creating it from nothing,
 * and evolving the every-type template of fuzz_util.h into it (type changes, new and removed
 * fields, new tables). Quoting is a plain double-quote wrapper, so the planner's text is built
 * exactly as in a worker. Invariant: a valid definition plans from nothing without errors. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logbook/domain/json_number.h"
#include "logbook/domain/schema_plan.h"

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *
quote(void *ctx, const char *s, char q)
{
	size_t n = strlen(s), o = 0;
	char  *out = malloc(2 * n + 3);

	(void)ctx;
	if (out == NULL)
		abort();
	out[o++] = q;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == q)
			out[o++] = q;
		out[o++] = s[i];
	}
	out[o++] = q;
	out[o] = '\0';
	return out;
}

static char *
quote_ident(void *ctx, const char *s)
{
	return quote(ctx, s, '"');
}

static char *
quote_literal(void *ctx, const char *s)
{
	return quote(ctx, s, '\'');
}

static void
release(void *ctx, char *quoted)
{
	(void)ctx;
	free(quoted);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct sql_quoter q = { quote_ident, quote_literal, release, NULL };
	const struct tpl_def   *base = fuzz_template();
	enum json_tokener_error jerr;
	struct verr_list        errs;
	struct schema_plan      plan;
	struct tpl_def         *def;
	struct arena            a;
	json_object            *doc;

	doc = json_number_parse((const char *)data, size, 32, JSON_TOKENER_VALIDATE_UTF8, &jerr);
	if (doc == NULL)
		return 0;
	arena_init(&a);
	verr_init(&errs, &a);
	def = tpl_def_parse(doc, &errs);
	if (def != NULL) {
		if (errs.count != 0)
			abort();
		if (schema_plan_build(NULL, 0, def, &q, &a, &errs, &plan) != 0)
			abort();
		json_object_put(schema_plan_operations_json(&plan));
		if (strcmp(def->key, base->key) == 0) {
			const struct tpl_def *published[1] = { base };

			if (schema_plan_build(published, 1, def, &q, &a, &errs, &plan) == 0)
				json_object_put(schema_plan_operations_json(&plan));
		}
		tpl_def_free(def);
	} else if (errs.count == 0) {
		abort();
	}
	arena_destroy(&a);
	json_object_put(doc);
	return 0;
}
