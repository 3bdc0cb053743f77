/* test_config.c — settings file, environment overrides, and one clear line per bad setting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "logbook/core/config.h"

static char dir[64], conf[128], secret[128];

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* Writes the config file: a valid base plus extra lines. */
static void
write_conf(const char *extra)
{
	char text[2048];

	snprintf(text, sizeof(text),
	    "# comment line\n"
	    "db_conninfo = host=/tmp dbname=logbook   # trailing comment\n"
	    "\n"
	    "jwt_alg = HS256\n"
	    "jwt_secret_file = %s\n"
	    "%s",
	    secret, extra);
	write_file(conf, text);
}

static int
load(struct config *c, char *err, size_t len)
{
	int rc = config_load(c, conf, err, len);

	return rc;
}

static int
setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/logbook-test-config-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(conf, sizeof(conf), "%s/logbook.conf", dir);
	snprintf(secret, sizeof(secret), "%s/secret", dir);
	write_file(secret, "0123456789abcdef0123456789abcdef-long-enough\n");
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	unlink(conf);
	unlink(secret);
	rmdir(dir);
	unsetenv("LOGBOOK_JWT_LEEWAY");
	unsetenv("LOGBOOK_DB_CONNINFO");
	return 0;
}

static void
test_valid_defaults(void **state)
{
	struct config c;
	char          err[256] = "";

	(void)state;
	write_conf("");
	assert_int_equal(load(&c, err, sizeof(err)), 0);
	assert_string_equal(c.db_conninfo, "host=/tmp dbname=logbook");
	assert_string_equal(c.db_migrate_conninfo, c.db_conninfo); /* defaults to db_conninfo */
	assert_int_equal(c.jwt_leeway, 60);
	assert_int_equal(c.token_ttl, 3600);
	assert_int_equal(c.jwt_max_ttl, 86400);
	assert_int_equal(c.jwt.max_ttl, 86400); /* what the verifier uses */
	assert_int_equal(c.login_throttle_window, 900);
	assert_int_equal(c.login_throttle_addr_window, 60);
	assert_int_equal(c.max_body_bytes, 1048576);
	assert_int_equal(c.alg, JWT_PIN_HS256);
	/* Trailing newline of the secret file is not part of the secret. */
	assert_int_equal(c.verify_key_len, strlen("0123456789abcdef0123456789abcdef-long-enough"));
	assert_null(c.jwt_issuer);
	config_free(&c);
}

static void
test_environment_overrides(void **state)
{
	struct config c;
	char          err[256] = "";

	(void)state;
	write_conf("jwt_leeway = 10\n");
	setenv("LOGBOOK_JWT_LEEWAY", "30", 1);
	setenv("LOGBOOK_DB_CONNINFO", "host=/elsewhere", 1);
	assert_int_equal(load(&c, err, sizeof(err)), 0);
	assert_int_equal(c.jwt_leeway, 30);
	assert_string_equal(c.db_conninfo, "host=/elsewhere");
	config_free(&c);
	unsetenv("LOGBOOK_JWT_LEEWAY");
	unsetenv("LOGBOOK_DB_CONNINFO");
}

/* Each bad setting is refused with a message that names it. */
static void
test_bad_settings_named(void **state)
{
	static const struct {
		const char *extra;
		const char *named;
	} cases[] = {
		{ "jwt_leeway = abc\n", "jwt_leeway" },
		{ "jwt_leeway = -1\n", "jwt_leeway" },
		{ "token_ttl = 99999999999999999999\n", "token_ttl" },
		{ "max_body_bytes = 12\n", "max_body_bytes" },
		{ "jwt_max_ttl = 10\n", "jwt_max_ttl" },
		{ "jwt_max_ttl = 3000\n", "token_ttl" }, /* logins would mint refused tokens */
		{ "token_ttl = 90000\n", "token_ttl" },
		{ "login_throttle_window = 0\n", "login_throttle_window" },
		{ "login_throttle_addr_window = x\n", "login_throttle_addr_window" },
		{ "jwt_alg = none\n", "jwt_alg" },
		{ "jwt_alg = RS256\n", "jwt_public_key_file" },
		{ "no_such_key = 1\n", "no_such_key" },
		{ "just words\n", "key = value" },
		{ "jwt_secret_file = /nonexistent/secret\n", "jwt_secret_file" },
		{ "db_conninfo =\n", "db_conninfo" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct config c;
		char          err[256] = "";

		write_conf(cases[i].extra);
		assert_int_equal(load(&c, err, sizeof(err)), -1);
		if (strstr(err, cases[i].named) == NULL)
			fail_msg("case %zu: '%s' does not name %s", i, err, cases[i].named);
		assert_null(strchr(err, '\n'));
		config_free(&c);
	}
}

static void
test_short_secret_refused(void **state)
{
	struct config c;
	char          err[256] = "";

	(void)state;
	write_file(secret, "too-short\n");
	write_conf("");
	assert_int_equal(load(&c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "jwt_secret_file"));
	config_free(&c);
	write_file(secret, "0123456789abcdef0123456789abcdef-long-enough\n");
}

static void
test_missing_file(void **state)
{
	struct config c;
	char          err[256] = "";

	(void)state;
	assert_int_equal(config_load(&c, "/nonexistent/logbook.conf", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent/logbook.conf"));
	config_free(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_defaults),
		cmocka_unit_test(test_environment_overrides),
		cmocka_unit_test(test_bad_settings_named),
		cmocka_unit_test(test_short_secret_refused),
		cmocka_unit_test(test_missing_file),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
