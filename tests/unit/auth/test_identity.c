/* Unit tests of app/auth/identity.c: canonical usernames and subs, sanitised text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "logbook/auth/identity.h"

static enum identity_class
cls(const char *s)
{
	return identity_classify(s, strlen(s));
}

static void
test_username_pattern(void **state)
{
	char long64[65], long65[66];

	(void)state;
	assert_true(identity_username_valid("alice"));
	assert_true(identity_username_valid("a"));
	assert_true(identity_username_valid("0.a_b-c"));
	assert_false(identity_username_valid(""));
	assert_false(identity_username_valid(NULL));
	assert_false(identity_username_valid("Alice")); /* one person, one spelling */
	assert_false(identity_username_valid("alice@example.org"));
	assert_false(identity_username_valid(".alice"));
	assert_false(identity_username_valid("-alice"));
	assert_false(identity_username_valid("al ice"));
	assert_false(identity_username_valid("jos\xc3\xa9"));
	memset(long64, 'a', 64);
	long64[64] = '\0';
	memset(long65, 'a', 65);
	long65[65] = '\0';
	assert_true(identity_username_valid(long64));
	assert_false(identity_username_valid(long65));
}

static void
test_classify(void **state)
{
	(void)state;
	assert_int_equal(cls("alice"), IDENTITY_ASCII_CANONICAL);
	assert_int_equal(cls("auth0|5f7c8e"), IDENTITY_ASCII_CANONICAL);
	assert_int_equal(cls("Alice"), IDENTITY_ASCII_UPPER);
	assert_int_equal(cls("jos\xc3\xa9"), IDENTITY_UNICODE);  /* é, NFC: the database decides */
	assert_int_equal(cls("jose\xcc\x81"), IDENTITY_UNICODE); /* e + combining acute */
	assert_int_equal(cls(""), IDENTITY_INVALID);
	assert_int_equal(cls("a\x01"), IDENTITY_INVALID);     /* C0 control */
	assert_int_equal(cls("a\x7f"), IDENTITY_INVALID);     /* DEL */
	assert_int_equal(cls("a\xc2\x85"), IDENTITY_INVALID); /* NEL, C1 control */
	assert_int_equal(cls("ali\xe2\x80\x8b"
			     "ce"),
	    IDENTITY_INVALID); /* zero-width space */
	assert_int_equal(cls("\xef\xbb\xbf"
			     "alice"),
	    IDENTITY_INVALID);                                        /* BOM */
	assert_int_equal(cls("a\xe2\x80\xae"), IDENTITY_INVALID);     /* RLO */
	assert_int_equal(cls("a\xe2\x81\xa0"), IDENTITY_INVALID);     /* word joiner */
	assert_int_equal(cls("a\xc2\xad"), IDENTITY_INVALID);         /* soft hyphen */
	assert_int_equal(cls("a\xf3\xa0\x80\x81"), IDENTITY_INVALID); /* tag character */
	assert_int_equal(cls("a\xff"), IDENTITY_INVALID);             /* not UTF-8 */
	assert_int_equal(cls("a\xed\xa0\x80"), IDENTITY_INVALID);     /* surrogate */
	assert_int_equal(cls("a\xc0\xaf"), IDENTITY_INVALID);         /* overlong */
}

static void
test_sanitize(void **state)
{
	char out[16];

	(void)state;
	assert_string_equal(identity_sanitize("curl/8.0", out, sizeof(out)), "curl/8.0");
	assert_string_equal(identity_sanitize("a\xff\xfe"
					      "b",
				out, sizeof(out)),
	    "a\xef\xbf\xbd\xef\xbf\xbd"
	    "b");
	assert_string_equal(identity_sanitize("a\nb\tc", out, sizeof(out)), "a?b?c");
	assert_string_equal(identity_sanitize(NULL, out, sizeof(out)), "");
	/* cut at 15 bytes, never inside a character */
	assert_string_equal(
	    identity_sanitize("0123456789abcd\xc3\xa9", out, sizeof(out)), "0123456789abcd");
	assert_string_equal(
	    identity_sanitize("0123456789abcdefgh", out, sizeof(out)), "0123456789abcde");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_username_pattern),
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_sanitize),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
