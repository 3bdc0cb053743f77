/* Unit tests of app/domain/csv.c: RFC 4180 quoting, NULL versus empty, buffer reuse. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "logbook/domain/csv.h"

/* The record built from n fields, as a NUL-terminated copy the caller frees. */
static char *
record(struct csv_line *l, const char *const *fields, int n)
{
	char *s;
	int   i;

	csv_line_reset(l);
	for (i = 0; i < n; i++)
		assert_int_equal(csv_line_add(l, fields[i]), 0);
	assert_int_equal(csv_line_end(l), 0);
	s = malloc(l->len + 1);
	assert_non_null(s);
	memcpy(s, l->data, l->len);
	s[l->len] = '\0';
	return s;
}

static void
test_plain_fields_stay_bare(void **state)
{
	struct csv_line   l = { 0 };
	const char *const f[] = { "1", "admin", "2026-11-23T07:35:50.123456Z", "with space" };
	char             *s = record(&l, f, 4);

	(void)state;
	assert_string_equal(s, "1,admin,2026-11-23T07:35:50.123456Z,with space\r\n");
	free(s);
	csv_line_free(&l);
}

static void
test_special_characters_are_quoted(void **state)
{
	struct csv_line   l = { 0 };
	const char *const f[] = { "a,b", "say \"hi\"", "two\nlines", "cr\r", "\"" };
	char             *s = record(&l, f, 5);

	(void)state;
	assert_string_equal(s, "\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\"cr\r\",\"\"\"\"\r\n");
	free(s);
	csv_line_free(&l);
}

static void
test_null_and_empty_differ(void **state)
{
	struct csv_line   l = { 0 };
	const char *const f[] = { NULL, "", NULL };
	char             *s = record(&l, f, 3);

	(void)state;
	assert_string_equal(s, ",\"\",\r\n");
	free(s);
	csv_line_free(&l);
}

static void
test_json_cell(void **state)
{
	struct csv_line   l = { 0 };
	const char *const f[] = { "{\"a\": \"x,y\", \"b\": [1, 2]}" };
	char             *s = record(&l, f, 1);

	(void)state;
	assert_string_equal(s, "\"{\"\"a\"\": \"\"x,y\"\", \"\"b\"\": [1, 2]}\"\r\n");
	free(s);
	csv_line_free(&l);
}

/* A long field grows the buffer; the next record reuses it from the start. */
static void
test_buffer_grows_and_is_reused(void **state)
{
	struct csv_line l = { 0 };
	char           *big = malloc(100001), *s;
	const char     *f[2];
	size_t          cap;

	(void)state;
	assert_non_null(big);
	memset(big, '"', 100000);
	big[100000] = '\0';
	f[0] = big;
	f[1] = "x";
	s = record(&l, f, 2);
	/* every quote doubled, plus the enclosing pair, a comma, x and CRLF */
	assert_int_equal(strlen(s), 200000 + 2 + 1 + 1 + 2);
	free(s);
	cap = l.cap;
	f[0] = "small";
	s = record(&l, f, 2);
	assert_string_equal(s, "small,x\r\n");
	assert_int_equal(l.cap, cap);
	free(s);
	free(big);
	csv_line_free(&l);
	assert_null(l.data);
}

static void
test_needs_quotes(void **state)
{
	(void)state;
	assert_true(csv_needs_quotes(""));
	assert_true(csv_needs_quotes(","));
	assert_true(csv_needs_quotes("\n"));
	assert_false(csv_needs_quotes("é ü"));
	assert_false(csv_needs_quotes("=1+1")); /* quoting is about commas; formulas: below */
}

static void
test_formulas_are_neutralised(void **state)
{
	struct csv_line   l = { 0 };
	const char *const f[] = { "=HYPERLINK(\"http://x\",\"y\")", "@SUM(A1)",
		"+cmd|' /C calc'!A0", "-1+1", "\tx", "\rx", "a=b", "'" };
	char             *s = record(&l, f, 8);

	(void)state;
	assert_string_equal(s,
	    "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",'@SUM(A1),'+cmd|' /C "
	    "calc'!A0,'-1+1,'\tx,\"'\rx\",a=b,'\r\n");
	assert_true(csv_formula_like("=1"));
	assert_false(csv_formula_like(""));
	assert_false(csv_formula_like("1=1"));
	free(s);
	csv_line_free(&l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_fields_stay_bare),
		cmocka_unit_test(test_special_characters_are_quoted),
		cmocka_unit_test(test_null_and_empty_differ),
		cmocka_unit_test(test_json_cell),
		cmocka_unit_test(test_buffer_grows_and_is_reused),
		cmocka_unit_test(test_needs_quotes),
		cmocka_unit_test(test_formulas_are_neutralised),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
