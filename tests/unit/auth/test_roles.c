/* Unit tests of app/roles.c: names <-> bits, CLI lists. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "logbook/auth/roles.h"

static const struct {
	const char *name;
	unsigned    bit;
} expected[] = {
	{ "admin", ROLE_ADMIN },
	{ "designer", ROLE_DESIGNER },
	{ "author", ROLE_AUTHOR },
	{ "reviewer", ROLE_REVIEWER },
	{ "approver", ROLE_APPROVER },
	{ "auditor", ROLE_AUDITOR },
};

static void
test_names_and_bits(void **state)
{
	unsigned all = 0;

	(void)state;
	assert_int_equal(sizeof(expected) / sizeof(expected[0]), ROLE_COUNT);
	for (size_t i = 0; i < ROLE_COUNT; i++) {
		assert_int_equal(role_from_name(expected[i].name), expected[i].bit);
		assert_string_equal(role_name(expected[i].bit), expected[i].name);
		all |= expected[i].bit;
	}
	assert_int_equal(all, ROLE_ALL_MASK);
}

static void
test_unknown_names_and_bits(void **state)
{
	(void)state;
	assert_int_equal(role_from_name("Admin"), 0);
	assert_int_equal(role_from_name("admin "), 0);
	assert_int_equal(role_from_name("admi"), 0);
	assert_int_equal(role_from_name("administrator"), 0);
	assert_int_equal(role_from_name(""), 0);
	assert_int_equal(role_from_name(NULL), 0);
	assert_null(role_name(0));
	assert_null(role_name(ROLE_ADMIN | ROLE_AUTHOR));
	assert_null(role_name(1u << 6));
	assert_null(role_name(~0u));
}

static void
test_parse_list_ok(void **state)
{
	unsigned    mask = 0xdead;
	const char *bad = NULL;

	(void)state;
	assert_int_equal(roles_parse_list("author,reviewer", &mask, &bad), 0);
	assert_int_equal(mask, ROLE_AUTHOR | ROLE_REVIEWER);
	assert_int_equal(roles_parse_list(" admin ,\tauditor", &mask, &bad), 0);
	assert_int_equal(mask, ROLE_ADMIN | ROLE_AUDITOR);
	assert_int_equal(roles_parse_list("designer,designer", &mask, NULL), 0);
	assert_int_equal(mask, ROLE_DESIGNER);
	assert_int_equal(
	    roles_parse_list("admin,designer,author,reviewer,approver,auditor", &mask, &bad), 0);
	assert_int_equal(mask, ROLE_ALL_MASK);
	/* no roles at all is a valid user */
	mask = 0xdead;
	assert_int_equal(roles_parse_list("", &mask, &bad), 0);
	assert_int_equal(mask, 0);
	mask = 0xdead;
	assert_int_equal(roles_parse_list("  ", &mask, &bad), 0);
	assert_int_equal(mask, 0);
	assert_null(bad);
}

static void
test_parse_list_bad(void **state)
{
	unsigned    mask = 0xbeef;
	const char *bad = NULL;
	char        longname[200];

	(void)state;
	assert_int_equal(roles_parse_list("author,wizard,reviewer", &mask, &bad), -1);
	assert_string_equal(bad, "wizard");
	assert_int_equal(mask, 0xbeef); /* untouched on failure */
	assert_int_equal(roles_parse_list("Author", &mask, &bad), -1);
	assert_string_equal(bad, "Author");
	assert_int_equal(roles_parse_list("author,,reviewer", &mask, &bad), -1);
	assert_string_equal(bad, "");
	assert_int_equal(roles_parse_list("author,", &mask, &bad), -1);
	assert_string_equal(bad, "");
	assert_int_equal(roles_parse_list(" sneaky , author", &mask, &bad), -1);
	assert_string_equal(bad, "sneaky");
	assert_int_equal(roles_parse_list(NULL, &mask, &bad), -1);
	assert_int_equal(roles_parse_list("x", &mask, NULL), -1);
	/* a long unknown name is reported truncated, not overflowed */
	memset(longname, 'z', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(roles_parse_list(longname, &mask, &bad), -1);
	assert_int_equal(strlen(bad), 63);
	assert_int_equal(mask, 0xbeef);
}

static void
test_mask_names(void **state)
{
	const char *names[ROLE_COUNT];

	(void)state;
	assert_int_equal(
	    roles_mask_names(ROLE_AUDITOR | ROLE_ADMIN | (1u << 9), names, ROLE_COUNT), 2);
	assert_string_equal(names[0], "admin");
	assert_string_equal(names[1], "auditor");
	assert_int_equal(roles_mask_names(ROLE_ALL_MASK, names, 3), 3);
	assert_string_equal(names[2], "author");
	assert_int_equal(roles_mask_names(0, names, ROLE_COUNT), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_and_bits),
		cmocka_unit_test(test_unknown_names_and_bits),
		cmocka_unit_test(test_parse_list_ok),
		cmocka_unit_test(test_parse_list_bad),
		cmocka_unit_test(test_mask_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
