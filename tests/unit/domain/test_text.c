/* test_domain_text.c — exact text handling under the value engine: UTF-8, decimals, int64,
 * dates and times, and what json-c 0.16 does to numbers (json_number.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "logbook/domain/datetime_text.h"
#include "logbook/domain/decimal.h"
#include "logbook/domain/json_number.h"
#include "logbook/domain/utf8.h"

#define S(lit) (lit), (sizeof(lit) - 1)

static void
test_utf8(void **state)
{
	(void)state;
	assert_true(utf8_valid(S("")));
	assert_true(utf8_valid(S("plain ascii")));
	assert_true(utf8_valid(S("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"))); /* é € 😀 */
	assert_true(utf8_valid(S("a\0b"))); /* U+0000 is well-formed: callers refuse it */
	assert_true(utf8_valid(S("\xf4\x8f\xbf\xbf"))); /* U+10FFFF */
	assert_true(utf8_valid(S("\xef\xbf\xbd")));     /* U+FFFD */
	assert_false(utf8_valid(S("\xff")));
	assert_false(utf8_valid(S("\x80")));             /* stray continuation */
	assert_false(utf8_valid(S("\xc0\xaf")));         /* overlong '/' */
	assert_false(utf8_valid(S("\xc1\xbf")));         /* overlong */
	assert_false(utf8_valid(S("\xe0\x80\xaf")));     /* overlong, 3 bytes */
	assert_false(utf8_valid(S("\xf0\x80\x80\xaf"))); /* overlong, 4 bytes */
	assert_false(utf8_valid(S("\xed\xa0\x80")));     /* surrogate U+D800 */
	assert_false(utf8_valid(S("\xed\xbf\xbf")));     /* surrogate U+DFFF */
	assert_false(utf8_valid(S("\xf4\x90\x80\x80"))); /* U+110000 */
	assert_false(utf8_valid(S("\xf5\x80\x80\x80")));
	assert_false(utf8_valid(S("\xe2\x82")));     /* truncated */
	assert_false(utf8_valid(S("ok\xc3")));       /* truncated at the end */
	assert_false(utf8_valid(S("\xe2\x28\xa1"))); /* bad continuation */

	assert_int_equal(utf8_count(S("")), 0);
	assert_int_equal(utf8_count(S("abc")), 3);
	assert_int_equal(utf8_count(S("\xf0\x9f\x98\x80\xf0\x9f\x98\x80")), 2); /* two emoji */
	assert_int_equal(utf8_count(S("e\xcc\x81")), 2); /* e + combining accent: 2 code points */
	assert_int_equal(utf8_char_len(S("\xf0\x9f\x98\x80")), 4);
	assert_int_equal(utf8_char_len(S("\xc3")), 0);
}

static void
dec_ok(const char *in, enum decimal_grammar g, const char *want)
{
	char out[DECIMAL_TEXT_MAX];

	assert_int_equal(decimal_normalize(in, strlen(in), g, out), DECIMAL_OK);
	assert_string_equal(out, want);
}

static void
dec_bad(const char *in, enum decimal_grammar g, enum decimal_status want)
{
	char out[DECIMAL_TEXT_MAX];

	assert_int_equal(decimal_normalize(in, strlen(in), g, out), want);
	assert_string_equal(out, "");
}

static void
test_decimal_normalize(void **state)
{
	(void)state;
	dec_ok("12.50", DECIMAL_JSON_NUMBER, "12.50");
	dec_ok("0", DECIMAL_JSON_NUMBER, "0");
	dec_ok("-0", DECIMAL_JSON_NUMBER, "0");
	dec_ok("-0.0", DECIMAL_JSON_NUMBER, "0.0");
	dec_ok("-12.5", DECIMAL_JSON_NUMBER, "-12.5");
	dec_ok("1e2", DECIMAL_JSON_NUMBER, "100");
	dec_ok("1E+2", DECIMAL_JSON_NUMBER, "100");
	dec_ok("1.50e1", DECIMAL_JSON_NUMBER, "15.0");
	dec_ok("1.5e-3", DECIMAL_JSON_NUMBER, "0.0015");
	dec_ok("150e-1", DECIMAL_JSON_NUMBER, "15.0");
	dec_ok("0e400", DECIMAL_JSON_NUMBER, "0");
	dec_ok("0.100000000000000001", DECIMAL_JSON_NUMBER, "0.100000000000000001");
	/* 38 significant digits is the limit; 18 after the point. */
	dec_ok("12345678901234567890123456789012345678", DECIMAL_JSON_NUMBER,
	    "12345678901234567890123456789012345678");
	dec_ok("12345678901234567890.123456789012345678", DECIMAL_JSON_NUMBER,
	    "12345678901234567890.123456789012345678");
	dec_ok("-0.000000000000000001", DECIMAL_JSON_NUMBER, "-0.000000000000000001");
	dec_ok("007.50", DECIMAL_PLAIN, "7.50");
	dec_ok("-000", DECIMAL_PLAIN, "0");

	dec_bad("NaN", DECIMAL_JSON_NUMBER, DECIMAL_SYNTAX);
	dec_bad("Infinity", DECIMAL_JSON_NUMBER, DECIMAL_SYNTAX);
	dec_bad("-Infinity", DECIMAL_JSON_NUMBER, DECIMAL_SYNTAX);
	dec_bad("", DECIMAL_JSON_NUMBER, DECIMAL_SYNTAX);
	dec_bad("-", DECIMAL_JSON_NUMBER, DECIMAL_SYNTAX);
	dec_bad("1.", DECIMAL_JSON_NUMBER, DECIMAL_SYNTAX);
	dec_bad(".5", DECIMAL_JSON_NUMBER, DECIMAL_SYNTAX);
	dec_bad("01", DECIMAL_JSON_NUMBER, DECIMAL_SYNTAX);
	dec_bad("+1", DECIMAL_JSON_NUMBER, DECIMAL_SYNTAX);
	dec_bad("1e", DECIMAL_JSON_NUMBER, DECIMAL_SYNTAX);
	dec_bad("1e+", DECIMAL_JSON_NUMBER, DECIMAL_SYNTAX);
	dec_bad("0x10", DECIMAL_JSON_NUMBER, DECIMAL_SYNTAX);
	dec_bad("1e2", DECIMAL_PLAIN, DECIMAL_SYNTAX);
	dec_bad(" 1", DECIMAL_PLAIN, DECIMAL_SYNTAX);
	dec_bad("1 ", DECIMAL_PLAIN, DECIMAL_SYNTAX);
	dec_bad("1,5", DECIMAL_PLAIN, DECIMAL_SYNTAX);
	dec_bad("nan", DECIMAL_PLAIN, DECIMAL_SYNTAX);
	dec_bad("1e400", DECIMAL_JSON_NUMBER, DECIMAL_TOO_MANY_DIGITS);
	dec_bad("1e99999999999999999999999", DECIMAL_JSON_NUMBER, DECIMAL_TOO_MANY_DIGITS);
	dec_bad("1e-400", DECIMAL_JSON_NUMBER, DECIMAL_TOO_MANY_SCALE);
	dec_bad("1234567890123456789012345678901234567890", DECIMAL_JSON_NUMBER,
	    DECIMAL_TOO_MANY_DIGITS); /* 40 digits */
	dec_bad("1234567890123456789012345678901234567.89", DECIMAL_PLAIN, DECIMAL_TOO_MANY_DIGITS);
	dec_bad("0.1234567890123456789", DECIMAL_PLAIN, DECIMAL_TOO_MANY_SCALE);
}

static void
test_decimal_cmp(void **state)
{
	(void)state;
	assert_int_equal(decimal_cmp("1.50", "1.5"), 0);
	assert_int_equal(decimal_cmp("0", "0.000"), 0);
	assert_true(decimal_cmp("-1", "0") < 0);
	assert_true(decimal_cmp("0", "-0.1") > 0);
	assert_true(decimal_cmp("-2", "-10") > 0);
	assert_true(decimal_cmp("-10.5", "-10.25") < 0);
	assert_true(decimal_cmp("99", "100") < 0);
	assert_true(decimal_cmp("100.01", "100.001") > 0);
	assert_true(decimal_cmp("120", "120.000000000000000001") < 0);
	assert_true(decimal_cmp("12345678901234567890123456789012345678",
			"12345678901234567890123456789012345677") > 0);
}

static void
test_int64_parse(void **state)
{
	int64_t v = 7;

	(void)state;
	assert_int_equal(int64_parse(S("9223372036854775807"), &v), INT_OK);
	assert_true(v == INT64_MAX);
	assert_int_equal(int64_parse(S("-9223372036854775808"), &v), INT_OK);
	assert_true(v == INT64_MIN);
	assert_int_equal(int64_parse(S("9223372036854775808"), &v), INT_ABOVE);
	assert_int_equal(int64_parse(S("-9223372036854775809"), &v), INT_BELOW);
	assert_int_equal(int64_parse(S("99999999999999999999999999999"), &v), INT_ABOVE);
	assert_int_equal(int64_parse(S("-0"), &v), INT_OK);
	assert_true(v == 0);
	assert_int_equal(int64_parse(S("0007"), &v), INT_OK);
	assert_true(v == 7);
	assert_int_equal(int64_parse(S(""), &v), INT_SYNTAX);
	assert_int_equal(int64_parse(S("-"), &v), INT_SYNTAX);
	assert_int_equal(int64_parse(S("1.0"), &v), INT_SYNTAX);
	assert_int_equal(int64_parse(S("99999999999999999999x"), &v), INT_SYNTAX);
	assert_int_equal(int64_parse(S("+1"), &v), INT_SYNTAX);
}

static void
date_ok(const char *in, const char *want)
{
	char    out[DT_TEXT_MAX];
	int64_t ord;

	assert_true(dt_parse_date(in, strlen(in), out, &ord));
	assert_string_equal(out, want);
}

static void
date_bad(const char *in)
{
	char    out[DT_TEXT_MAX];
	int64_t ord;

	assert_false(dt_parse_date(in, strlen(in), out, &ord));
}

static void
test_dates(void **state)
{
	char    out[DT_TEXT_MAX];
	int64_t a, b;

	(void)state;
	date_ok("2026-11-23", "2026-11-23");
	date_ok("2024-02-29", "2024-02-29"); /* leap year */
	date_ok("2000-02-29", "2000-02-29"); /* divisible by 400 */
	date_ok("0001-01-01", "0001-01-01");
	date_ok("9999-12-31", "9999-12-31");
	date_bad("2023-02-29"); /* not a leap year */
	date_bad("1900-02-29"); /* divisible by 100, not 400 */
	date_bad("2026-02-30");
	date_bad("2026-04-31");
	date_bad("2026-13-01");
	date_bad("2026-00-10");
	date_bad("2026-01-00");
	date_bad("0000-01-01");
	date_bad("26-01-01");
	date_bad("2026-1-01");
	date_bad("2026/01/01");
	date_bad("2026-01-01T00:00:00Z");
	date_bad("");
	date_bad("２０２６-01-01"); /* full-width digits */

	assert_true(dt_parse_date(S("0001-01-01"), out, &a));
	assert_true(a == 0);
	assert_true(dt_parse_date(S("2024-03-01"), out, &a));
	assert_true(dt_parse_date(S("2024-02-28"), out, &b));
	assert_true(a - b == 2); /* across a leap day */
	assert_true(dt_parse_date(S("1970-01-01"), out, &a));
	assert_true(a == 719162); /* days from 0001-01-01 to the Unix epoch */
}

static void
test_times(void **state)
{
	char    out[DT_TEXT_MAX];
	int64_t ord;

	(void)state;
	assert_true(dt_parse_time(S("07:35"), out, &ord));
	assert_string_equal(out, "07:35:00");
	assert_true(ord == (7 * 3600 + 35 * 60) * 1000000LL);
	assert_true(dt_parse_time(S("00:00"), out, &ord));
	assert_true(ord == 0);
	assert_true(dt_parse_time(S("23:59:59.999999"), out, &ord));
	assert_string_equal(out, "23:59:59.999999");
	assert_true(ord == 86399999999LL);
	assert_true(dt_parse_time(S("12:00:01.5"), out, &ord));
	assert_true(ord == 43201500000LL);
	assert_false(dt_parse_time(S("24:00"), out, &ord));
	assert_false(dt_parse_time(S("23:60"), out, &ord));
	assert_false(dt_parse_time(S("23:59:60"), out, &ord)); /* no leap second */
	assert_false(dt_parse_time(S("7:35"), out, &ord));
	assert_false(dt_parse_time(S("07:35:"), out, &ord));
	assert_false(dt_parse_time(S("07:35:00."), out, &ord));
	assert_false(dt_parse_time(S("07:35:00.1234567"), out, &ord)); /* > 6 digits */
	assert_false(dt_parse_time(S("07:35:00Z"), out, &ord));
	assert_false(dt_parse_time(S(""), out, &ord));
}

static void
test_datetimes(void **state)
{
	char    out[DT_TEXT_MAX];
	int64_t a, b;

	(void)state;
	assert_true(dt_parse_datetime(S("2026-11-23T07:35:50.123Z"), out, &a));
	assert_string_equal(out, "2026-11-23T07:35:50.123Z");
	assert_true(dt_parse_datetime(S("2026-11-23t07:35:50z"), out, &a));
	assert_string_equal(out, "2026-11-23T07:35:50Z");
	assert_true(dt_parse_datetime(S("2026-11-23T08:35:50+01:00"), out, &b));
	assert_string_equal(out, "2026-11-23T07:35:50Z"); /* normalized to UTC */
	assert_true(a == b);                              /* the same instant */
	assert_true(dt_parse_datetime(S("2026-11-23T02:35:50-05:00"), out, &b));
	assert_true(a == b);
	/* Offsets RFC 3339 allows but PostgreSQL refuses (beyond ±15:59) arrive as UTC. */
	assert_true(dt_parse_datetime(S("2026-11-23T23:30:00.25+23:30"), out, &b));
	assert_string_equal(out, "2026-11-23T00:00:00.25Z");
	assert_true(dt_parse_datetime(S("2024-02-28T23:00:00-23:00"), out, &b));
	assert_string_equal(out, "2024-02-29T22:00:00Z"); /* across a leap day */
	assert_true(dt_parse_datetime(S("2026-12-31T23:59:59.999999-01:00"), out, &b));
	assert_string_equal(out, "2027-01-01T00:59:59.999999Z"); /* across a year */
	assert_true(dt_parse_datetime(S("1970-01-01T00:00:00Z"), out, &a));
	assert_true(a == 719162LL * 86400 * 1000000);
	assert_true(dt_parse_datetime(S("2024-02-29T23:59:59.999999-00:00"), out, &a));
	/* The instant must stay within 0001..9999 UTC. */
	assert_true(dt_parse_datetime(S("0001-01-01T00:00:00Z"), out, &a));
	assert_true(a == 0);
	assert_true(dt_parse_datetime(S("0001-01-01T00:00:00-01:00"), out, &a));
	assert_false(dt_parse_datetime(S("0001-01-01T00:00:00+01:00"), out, &a));
	assert_true(dt_parse_datetime(S("9999-12-31T23:59:59.999999Z"), out, &a));
	assert_true(dt_parse_datetime(S("9999-12-31T10:00:00-13:59"), out, &a));
	assert_false(dt_parse_datetime(S("9999-12-31T23:59:59-14:00"), out, &a));

	assert_false(dt_parse_datetime(S("2026-11-23T07:35Z"), out, &a)); /* seconds required */
	assert_false(dt_parse_datetime(S("2026-11-23 07:35:50Z"), out, &a));
	assert_false(dt_parse_datetime(S("2026-11-23T07:35:50"), out, &a)); /* offset required */
	assert_false(dt_parse_datetime(S("2026-11-23T07:35:50+0100"), out, &a));
	assert_false(dt_parse_datetime(S("2026-11-23T07:35:50+24:00"), out, &a));
	assert_false(dt_parse_datetime(S("2026-11-23T07:35:50+01:60"), out, &a));
	assert_false(dt_parse_datetime(S("2026-02-30T07:35:50Z"), out, &a));
	assert_false(dt_parse_datetime(S("2026-11-23T24:00:00Z"), out, &a));
	assert_false(dt_parse_datetime(S("2026-11-23T07:35:50ZZ"), out, &a));
	assert_false(dt_parse_datetime(S("2026-11-23T07:35:50.Z"), out, &a));
	assert_false(dt_parse_datetime(S(""), out, &a));
}

static json_object *
parse(const char *text)
{
	enum json_tokener_error err;
	json_object            *o = json_number_parse(text, strlen(text), 32, 0, &err);

	assert_non_null(o);
	assert_int_equal(err, json_tokener_success);
	return o;
}

static void
number_text_is(const char *json, const char *want)
{
	json_object *o = parse(json);

	assert_string_equal(json_number_text(json_object_array_get_idx(o, 0)), want);
	json_object_put(o);
}

static void
test_json_number(void **state)
{
	enum json_tokener_error err;
	json_object            *o;

	(void)state;
	/* Doubles keep their source text. */
	number_text_is("[12.50]", "12.50");
	number_text_is("[1e400]", "1e400");
	number_text_is("[0.1000000000000000000000000000001]", "0.1000000000000000000000000000001");
	number_text_is("[NaN]", "NaN"); /* json-c takes it even when strict: the engine refuses */
	/* Integers inside int64 are exact; outside they are protected with "e0". */
	number_text_is("[9223372036854775807]", "9223372036854775807");
	number_text_is("[-9223372036854775808]", "-9223372036854775808");
	number_text_is("[9223372036854775808]", "9223372036854775808e0");
	number_text_is("[-9223372036854775809]", "-9223372036854775809e0");
	number_text_is("[1234567890123456789012345678901234567890]",
	    "1234567890123456789012345678901234567890e0");
	number_text_is("[-0]", "0");
	/* Digits in strings and keys are left alone. */
	o = parse(
	    "{\"99999999999999999999\": \"99999999999999999999\", \"n\": [1, 99999999999999999999]}");
	assert_string_equal(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
	    "{\"99999999999999999999\":\"99999999999999999999\",\"n\":[1,99999999999999999999e0]}");
	json_object_put(o);
	o = parse("[\"a\\\"99999999999999999999\"]");
	assert_string_equal(
	    json_object_get_string(json_object_array_get_idx(o, 0)), "a\"99999999999999999999");
	json_object_put(o);

	/* Strict: trailing bytes, NUL, leading zeros, depth. */
	assert_null(json_number_parse(S("[1] x"), 32, 0, &err));
	assert_int_equal(err, json_tokener_error_parse_unexpected);
	assert_null(json_number_parse(S("[1]\0"), 32, 0, &err));
	assert_null(json_number_parse(S("[01]"), 32, 0, &err));
	assert_null(json_number_parse(S("[1,]"), 32, 0, &err));
	assert_null(json_number_parse(S("[[[[1]]]]"), 3, 0, &err));
	assert_int_equal(err, json_tokener_error_depth);
	assert_null(json_number_parse(S("[1"), 32, 0, &err));
	assert_int_equal(err, json_tokener_error_parse_eof);
	assert_null(json_number_parse(S(""), 32, 0, &err));
	/* Caller flags pass through: json-c's own UTF-8 validation on request. */
	assert_null(json_number_parse(S("[\"\xff\"]"), 32, JSON_TOKENER_VALIDATE_UTF8, &err));
	assert_int_equal(err, json_tokener_error_parse_utf8_string);
	o = json_number_parse(S("[\"\xff\"]"), 32, 0, &err);
	assert_non_null(o); /* without it the bytes pass: the value engine refuses them */
	json_object_put(o);
	/* Not numbers. */
	o = parse("[\"1\", true]");
	assert_null(json_number_text(json_object_array_get_idx(o, 0)));
	assert_null(json_number_text(json_object_array_get_idx(o, 1)));
	json_object_put(o);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_decimal_normalize),
		cmocka_unit_test(test_decimal_cmp),
		cmocka_unit_test(test_int64_parse),
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_times),
		cmocka_unit_test(test_datetimes),
		cmocka_unit_test(test_json_number),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
