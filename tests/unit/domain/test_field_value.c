/* test_domain_field_value.c — the value engine: every type and constraint with valid,
 * invalid and edge values, and the normalized text each valid value becomes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "logbook/core/arena.h"
#include "logbook/domain/field_value.h"
#include "logbook/domain/json_number.h"

static struct arena     arena;
static struct verr_list errs;
static struct tpl_def  *def;

static int
setup(void **state)
{
	(void)state;
	arena_init(&arena);
	verr_init(&errs, &arena);
	def = NULL;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	tpl_def_free(def);
	arena_destroy(&arena);
	return 0;
}

static json_object *
parse(const char *text)
{
	enum json_tokener_error err;
	json_object            *o = json_number_parse(text, strlen(text), 32, 0, &err);

	if (o == NULL)
		fail_msg("bad test JSON (%s): %s", json_tokener_error_desc(err), text);
	return o;
}

/* Parses a template with one section holding the given field and returns that field. */
static const struct tpl_field *
field(const char *field_json)
{
	char         doc[4096];
	json_object *o;

	tpl_def_free(def);
	snprintf(doc, sizeof(doc), "{\"key\":\"t\",\"sections\":[{\"key\":\"s\",\"fields\":[%s]}]}",
	    field_json);
	o = parse(doc);
	def = tpl_def_parse(o, &errs);
	json_object_put(o);
	if (def == NULL)
		fail_msg("definition rejected: %s %s %s", errs.items[0].path, errs.items[0].code,
		    errs.items[0].message);
	return &def->sections[0].fields[0];
}

/* Validates the JSON value text (NULL = absent) against f at path "v"; returns the
 * normalized text or NULL, and leaves the errors in errs. */
static int
check(const struct tpl_field *f, const char *value_json, const char **out)
{
	json_object *holder = NULL, *v = NULL;
	int          rc;
	char        *buf;

	errs.count = 0;
	if (value_json != NULL) {
		buf = malloc(strlen(value_json) + 3);
		sprintf(buf, "[%s]", value_json);
		holder = parse(buf);
		free(buf);
		v = json_object_array_get_idx(holder, 0);
	}
	rc = field_value_check(f, v, value_json != NULL, VPATH_MEMBER(NULL, "v"), &errs, out);
	json_object_put(holder);
	return rc;
}

static void
ok(const struct tpl_field *f, const char *value_json, const char *want)
{
	const char *out;

	if (check(f, value_json, &out) != 0)
		fail_msg(
		    "%s rejected: %s %s", value_json, errs.items[0].code, errs.items[0].message);
	if (want == NULL)
		assert_null(out);
	else {
		assert_non_null(out);
		assert_string_equal(out, want);
	}
	assert_int_equal(errs.count, 0);
}

/* Expects exactly one error, at path, with code (and message unless NULL). */
static void
bad_at(const struct tpl_field *f, const char *value_json, const char *path, const char *code,
    const char *message)
{
	const char *out = "untouched";

	if (check(f, value_json, &out) == 0)
		fail_msg("%s accepted as %s, expected %s", value_json, out ? out : "NULL", code);
	assert_null(out);
	assert_int_equal(errs.count, 1);
	assert_string_equal(errs.items[0].path, path);
	assert_string_equal(errs.items[0].code, code);
	if (message != NULL)
		assert_string_equal(errs.items[0].message, message);
}

static void
bad(const struct tpl_field *f, const char *value_json, const char *code, const char *message)
{
	bad_at(f, value_json, "v", code, message);
}

static void
test_required_and_null(void **state)
{
	const struct tpl_field *f;

	(void)state;
	f = field("{\"key\":\"a\",\"type\":\"text\"}");
	ok(f, NULL, NULL);   /* absent optional */
	ok(f, "null", NULL); /* null optional */
	f = field("{\"key\":\"a\",\"type\":\"text\",\"required\":true}");
	bad(f, NULL, "required", "is required");
	bad(f, "null", "required", "is required");
	ok(f, "\"\"", ""); /* the empty string is a value */
	f = field("{\"key\":\"a\",\"type\":\"integer\",\"required\":true,\"default\":5}");
	ok(f, NULL, "5");                          /* absent takes the default */
	bad(f, "null", "required", "is required"); /* null does not */
	f = field("{\"key\":\"a\",\"type\":\"integer\",\"default\":5}");
	ok(f, "null", NULL);
}

static void
test_text(void **state)
{
	const struct tpl_field *f;
	char                    big[200];

	(void)state;
	f = field("{\"key\":\"a\",\"type\":\"text\",\"min_length\":2,\"max_length\":3}");
	ok(f, "\"ab\"", "ab");
	ok(f, "\"abc\"", "abc");
	bad(f, "\"a\"", "min_length", "must have at least 2 characters");
	bad(f, "\"abcd\"", "max_length", "must have at most 3 characters");
	bad(f, "\"\"", "min_length", NULL);
	/* Lengths count code points: three emoji are 3 characters, 12 bytes. */
	ok(f, "\"\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\"",
	    "\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80");
	ok(f, "\"\\ud83d\\ude00\\u00e9\"", "\xf0\x9f\x98\x80\xc3\xa9"); /* escaped pair + é */
	bad(f, "\"\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\"", "max_length",
	    NULL);
	/* Invalid bytes json-c lets through. */
	bad(f, "\"a\xff\"", "invalid_utf8", "must be valid UTF-8");
	bad(f, "\"\xc0\xaf\xc0\xaf\"", "invalid_utf8", NULL); /* overlong */
	bad(f, "\"\xed\xa0\x80\"", "invalid_utf8", NULL);     /* raw surrogate */
	bad(f, "\"a\\u0000b\"", "format", "must not contain U+0000");
	bad(f, "12", "type", "must be a string");
	bad(f, "true", "type", NULL);
	bad(f, "[\"ab\"]", "type", NULL);
	bad(f, "{}", "type", NULL);

	f = field("{\"key\":\"a\",\"type\":\"text\",\"pattern\":\"[A-Z]{2}-[0-9]+\"}");
	ok(f, "\"AB-12\"", "AB-12");
	bad(f, "\"AB-12x\"", "pattern", "must match the pattern [A-Z]{2}-[0-9]+"); /* anchored */
	bad(f, "\"xAB-12\"", "pattern", NULL);
	bad(f, "\"\"", "pattern", NULL);
	f = field("{\"key\":\"a\",\"type\":\"text\",\"pattern\":\"a|b\"}");
	ok(f, "\"a\"", "a");
	bad(f, "\"ab\"", "pattern", NULL); /* ^(a|b)$, not ^a|b$ */

	/* Without max_length the cap is TPL_LENGTH_MAX code points (with max_text_bytes above). */
	f = field("{\"key\":\"a\",\"type\":\"text\"}");
	field_value_set_max_text_bytes(1 << 20);
	{
		size_t n = TPL_LENGTH_MAX;
		char  *json = malloc(n + 4), *want = malloc(n + 1);

		json[0] = '"';
		memset(json + 1, 'x', n + 1);
		json[n + 2] = '"';
		json[n + 3] = '\0';
		bad(f, json, "too_long", "must have at most 100000 characters");
		json[n + 1] = '"';
		json[n + 2] = '\0';
		memset(want, 'x', n);
		want[n] = '\0';
		ok(f, json, want);
		free(json);
		free(want);
	}
	/* max_text_bytes bounds every text value in bytes, whatever max_length allows. */
	field_value_set_max_text_bytes(8);
	f = field("{\"key\":\"a\",\"type\":\"text\",\"max_length\":100,\"pattern\":\".*\"}");
	ok(f, "\"12345678\"", "12345678");
	bad(f, "\"123456789\"", "too_long", "must have at most 8 bytes (max_text_bytes)");
	bad(f, "\"\u00e9\u00e9\u00e9\u00e9\u00e9\"", "too_long", NULL); /* 5 characters, 10 bytes */
	field_value_set_max_text_bytes(FIELD_TEXT_MAX_BYTES_DEFAULT);
	f = field("{\"key\":\"a\",\"type\":\"text\"}");
	snprintf(big, sizeof(big), "\"%s\"", "O'Brien; DROP TABLE x; --");
	ok(f, big, "O'Brien; DROP TABLE x; --"); /* values are parameters, any text goes */
}

static void
test_integer(void **state)
{
	const struct tpl_field *f;

	(void)state;
	f = field("{\"key\":\"a\",\"type\":\"integer\"}");
	ok(f, "0", "0");
	ok(f, "-0", "0");
	ok(f, "42", "42");
	ok(f, "9223372036854775807", "9223372036854775807");
	ok(f, "-9223372036854775808", "-9223372036854775808");
	bad(f, "9223372036854775808", "max", "must be <= 9223372036854775807");
	bad(f, "-9223372036854775809", "min", "must be >= -9223372036854775808");
	bad(f, "18446744073709551616", "max", NULL);
	bad(f, "123456789012345678901234567890", "max", NULL);
	bad(f, "1.0", "type", "must be an integer");
	bad(f, "1e2", "type", NULL);
	bad(f, "1.5", "type", NULL);
	bad(f, "NaN", "type", NULL);
	bad(f, "Infinity", "type", NULL);
	bad(f, "\"12\"", "type", NULL);
	bad(f, "true", "type", NULL);
	bad(f, "5e0", "type", NULL); /* an exponent, even one that looks like the protected form */

	f = field("{\"key\":\"a\",\"type\":\"integer\",\"min\":-5,\"max\":120}");
	ok(f, "-5", "-5");
	ok(f, "120", "120");
	bad(f, "121", "max", "must be <= 120");
	bad(f, "-6", "min", "must be >= -5");
	bad(f, "99999999999999999999", "max", "must be <= 120"); /* the field's own bound */
	bad(f, "-99999999999999999999", "min", "must be >= -5");
}

static void
test_decimal(void **state)
{
	const struct tpl_field *f;

	(void)state;
	f = field("{\"key\":\"a\",\"type\":\"decimal\"}");
	ok(f, "12.50", "12.50");
	ok(f, "\"12.50\"", "12.50");
	ok(f, "12", "12");
	ok(f, "-0", "0");
	ok(f, "-0.0", "0.0");
	ok(f, "\"-0\"", "0");
	ok(f, "1e2", "100");
	ok(f, "2.5E-3", "0.0025");
	ok(f, "0.1000000000000000", "0.1000000000000000");
	ok(f, "12345678901234567890123456789012345678", "12345678901234567890123456789012345678");
	ok(f, "\"12345678901234567890.123456789012345678\"",
	    "12345678901234567890.123456789012345678");
	ok(f, "9223372036854775808", "9223372036854775808"); /* above int64, exact */
	ok(f, "-99999999999999999999999", "-99999999999999999999999");
	bad(f, "1234567890123456789012345678901234567890", "too_long",
	    "must have at most 38 significant digits"); /* 40 digits */
	bad(f, "\"1234567890123456789012345678901234567890\"", "too_long", NULL);
	bad(f, "1e400", "too_long", NULL);
	bad(f, "1e-400", "too_long", "must have at most 18 digits after the decimal point");
	bad(f, "NaN", "type", NULL);
	bad(f, "Infinity", "type", NULL);
	bad(f, "-Infinity", "type", NULL);
	bad(f, "\"NaN\"", "format", NULL);
	bad(f, "\"1e2\"", "format", NULL);
	bad(f, "\"12,5\"", "format", NULL);
	bad(f, "\"\"", "format", NULL);
	bad(f, "\" 1\"", "format", NULL);
	bad(f, "true", "type", NULL);
	bad(f, "[1]", "type", NULL);

	f = field("{\"key\":\"a\",\"type\":\"decimal\",\"min\":\"-1.5\",\"max\":120.25}");
	ok(f, "120.25", "120.25");
	ok(f, "\"120.250000\"", "120.250000");
	ok(f, "-1.5", "-1.5");
	bad(f, "120.250000000000000001", "max", "must be <= 120.25");
	bad(f, "-1.500000000000000001", "min", "must be >= -1.5");
	bad(f, "1e3", "max", NULL);
}

static void
test_boolean(void **state)
{
	const struct tpl_field *f;

	(void)state;
	f = field("{\"key\":\"a\",\"type\":\"boolean\"}");
	ok(f, "true", "true");
	ok(f, "false", "false");
	bad(f, "0", "type", "must be true or false");
	bad(f, "1", "type", NULL);
	bad(f, "\"true\"", "type", NULL);
	bad(f, "[]", "type", NULL);
}

static void
test_temporal(void **state)
{
	const struct tpl_field *f;

	(void)state;
	f = field(
	    "{\"key\":\"a\",\"type\":\"date\",\"min\":\"2024-01-01\",\"max\":\"2026-12-31\"}");
	ok(f, "\"2024-02-29\"", "2024-02-29");
	ok(f, "\"2026-12-31\"", "2026-12-31");
	bad(f, "\"2023-12-31\"", "min", "must be >= 2024-01-01");
	bad(f, "\"2027-01-01\"", "max", "must be <= 2026-12-31");
	bad(f, "\"2026-02-30\"", "format", "must be a date string YYYY-MM-DD");
	bad(f, "\"2023-02-29\"", "format", NULL);
	bad(f, "20260101", "type", NULL);

	f = field("{\"key\":\"a\",\"type\":\"time\",\"min\":\"06:00\",\"max\":\"18:00:00\"}");
	ok(f, "\"06:00\"", "06:00:00");
	ok(f, "\"17:59:59.999999\"", "17:59:59.999999");
	ok(f, "\"18:00\"", "18:00:00");
	bad(f, "\"18:00:00.000001\"", "max", "must be <= 18:00:00");
	bad(f, "\"05:59:59\"", "min", "must be >= 06:00:00");
	bad(f, "\"24:00\"", "format", NULL);
	bad(f, "\"6:00\"", "format", NULL);

	f = field("{\"key\":\"a\",\"type\":\"datetime\",\"min\":\"2026-01-01T00:00:00Z\"}");
	ok(f, "\"2026-01-01T00:00:00Z\"", "2026-01-01T00:00:00Z");
	ok(f, "\"2026-01-01t01:00:00.5+01:00\"",
	    "2026-01-01T00:00:00.5Z"); /* same instant, in UTC */
	bad(f, "\"2026-01-01T00:59:59+01:00\"", "min", "must be >= 2026-01-01T00:00:00Z");
	bad(f, "\"2026-01-01T00:00:00\"", "format", "must be an RFC 3339 date-time string");
	bad(f, "\"2026-01-01\"", "format", NULL);
	bad(f, "1767225600", "type", NULL);
}

static void
test_choice(void **state)
{
	const struct tpl_field *f;

	(void)state;
	f = field(
	    "{\"key\":\"a\",\"type\":\"choice\",\"choices\":[\"low\",\"high\",\"say \\\"hi\\\"\"]}");
	ok(f, "\"low\"", "low");
	ok(f, "\"say \\\"hi\\\"\"", "say \"hi\"");
	bad(f, "\"LOW\"", "choice", "must be one of: low, high, say \"hi\"");
	bad(f, "\"\"", "choice", NULL);
	bad(f, "1", "type", "must be a string");
	bad(f, "[\"low\"]", "type", NULL);

	f = field(
	    "{\"key\":\"a\",\"type\":\"multichoice\",\"choices\":[\"a\",\"b,c\",\"d\\\\e\",\"f\\\"g\",\"NULL\"]}");
	ok(f, "[]", "{}");
	ok(f, "[\"a\"]", "{\"a\"}");
	/* text[] literal: every element quoted, quote and backslash escaped, NULL a string. */
	ok(f, "[\"NULL\",\"b,c\",\"d\\\\e\",\"f\\\"g\"]",
	    "{\"NULL\",\"b,c\",\"d\\\\e\",\"f\\\"g\"}");
	bad_at(f, "[\"a\",\"a\"]", "v[1]", "duplicate", "lists a twice");
	bad_at(f, "[\"z\"]", "v[0]", "choice", "must be one of: a, b,c, d\\e, f\"g, NULL");
	bad(f, "\"a\"", "type", "must be an array of strings");
	bad_at(f, "[1]", "v[0]", "type", "must be a string");
	bad(f, "[\"a\",\"b\",\"NULL\",\"d\\\\e\",\"f\\\"g\",\"a\"]", "too_long",
	    "must have at most 5 items");
	{
		const char *out;

		assert_int_equal(check(f, "[\"x\", 2, \"a\", \"a\"]", &out), -1);
		assert_int_equal(errs.count, 3); /* every bad element, each at its index */
		assert_string_equal(errs.items[0].path, "v[0]");
		assert_string_equal(errs.items[0].code, "choice");
		assert_string_equal(errs.items[1].path, "v[1]");
		assert_string_equal(errs.items[1].code, "type");
		assert_string_equal(errs.items[2].path, "v[3]");
		assert_string_equal(errs.items[2].code, "duplicate");
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_required_and_null, setup, teardown),
		cmocka_unit_test_setup_teardown(test_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_integer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_decimal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_boolean, setup, teardown),
		cmocka_unit_test_setup_teardown(test_temporal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_choice, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
