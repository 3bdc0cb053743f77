/* test_pattern.c — the field pattern engine: POSIX ERE read, rewritten for RE2, matched
 * against the whole value in linear time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "logbook/domain/pattern.h"

static struct pattern *
compiled(const char *text)
{
	struct pattern *p;
	char            why[300];
	const char     *bad = pattern_compile(text, &p, why, sizeof(why));

	if (bad != NULL)
		fail_msg("%s: %s", text, bad);
	return p;
}

static bool
matches(const char *pattern, const char *s)
{
	struct pattern *p = compiled(pattern);
	bool            m = pattern_match(p, s, strlen(s));

	pattern_free(p);
	return m;
}

static void
refused(const char *pattern, const char *expect)
{
	struct pattern *p;
	char            why[300];
	const char     *bad = pattern_compile(pattern, &p, why, sizeof(why));

	if (bad == NULL)
		fail_msg("%s was accepted", pattern);
	assert_null(p);
	if (expect != NULL && strstr(bad, expect) == NULL)
		fail_msg("%s: '%s' does not say '%s'", pattern, bad, expect);
}

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void
test_anchored_whole_value(void **state)
{
	(void)state;
	assert_true(matches("abc", "abc"));
	assert_false(matches("abc", "xabc"));
	assert_false(matches("abc", "abcx"));
	assert_true(matches("a|b", "b"));
	assert_false(matches("a|b", "ab")); /* ^(a|b)$, not ^a|b$ */
	assert_true(matches("^a$", "a"));   /* explicit anchors are harmless */
	assert_true(matches("", ""));
	assert_false(matches("", "x"));
	assert_false(matches("a", "a\nb")); /* $ is the end of the value, not of a line */
}

static void
test_ere_features(void **state)
{
	(void)state;
	/* alternation and groups */
	assert_true(matches("(ab|cd)+", "abcdab"));
	assert_false(matches("(ab|cd)+", "abc"));
	assert_true(matches("(a|ab)(c|bcd)", "abcd"));
	/* bounds */
	assert_true(matches("[A-Z]{2}-[0-9]{1,3}", "AB-123"));
	assert_false(matches("[A-Z]{2}-[0-9]{1,3}", "AB-1234"));
	assert_true(matches("x{2,}", "xxxx"));
	assert_false(matches("x{2,}", "x"));
	assert_true(matches("(ab){3}", "ababab"));
	/* ? * + . */
	assert_true(matches("colou?r", "color"));
	assert_true(matches("a.c", "a-c"));
	assert_true(
	    matches("a.c", "a\nc")); /* . matches a newline, as an ERE without REG_NEWLINE */
	assert_true(matches("a*b+", "bb"));
	/* POSIX classes and bracket expressions */
	assert_true(matches("[[:digit:]]+", "0123"));
	assert_false(matches("[[:digit:]]+", "01a"));
	assert_true(matches("[[:alpha:]_][[:alnum:]_]*", "_x9"));
	assert_true(matches("[[:upper:]][[:lower:]]+", "Hello"));
	assert_true(matches("[[:space:]]", "\t"));
	assert_true(matches("[[:xdigit:]]{4}", "beEF"));
	assert_true(matches("[^0-9]+", "abc"));
	assert_false(matches("[^0-9]+", "ab1"));
	assert_true(matches("[]a]+", "]a]")); /* a leading ] is a member */
	assert_true(matches("[^]a]", "b"));
	assert_true(matches("[a\\]+", "a\\a")); /* a backslash in brackets is a member */
	assert_true(matches("[)(]x", "(x"));
	assert_true(matches("[a-]+", "a-"));
	assert_true(matches("[[]", "["));
	/* escapes of special characters */
	assert_true(matches("a\\.b", "a.b"));
	assert_false(matches("a\\.b", "axb"));
	assert_true(matches("\\(x\\)", "(x)"));
	assert_true(matches("1\\+1", "1+1"));
	assert_true(matches("\\{", "{"));
	/* a { that starts no bound is a literal, as in glibc; } too */
	assert_true(matches("a{", "a{"));
	assert_true(matches("a{x}", "a{x}"));
	assert_true(matches("a}", "a}"));
	/* glibc's {,n} is {0,n} (found by tests/fuzz/fuzz_pattern.c against glibc) */
	assert_true(matches("a{,2}b", "b"));
	assert_true(matches("a{,2}b", "aab"));
	assert_false(matches("a{,2}b", "aaab"));
	assert_false(matches("a{,2}b", "a{,2}b"));
	assert_true(matches("a{,}", "aaaa"));
	refused("a{,1001}", "above 1000");
	/* characters, not bytes */
	assert_true(matches("caf.", "café"));
	assert_true(matches("[éü]+", "üé"));
	assert_true(matches(".{3}", "€€€"));
}

static void
test_refused(void **state)
{
	(void)state;
	refused("(a)\\1", "back-references");
	refused("a(", "unbalanced");
	refused("a)|(b", "unbalanced");
	refused("x)", "unbalanced");
	refused("[a-", "unterminated");
	refused("a\\", "backslash");
	refused("\\d+", "[[:digit:]]");
	refused("\\w", "POSIX");
	refused("[[.a.]]", "collating");
	refused("[[=a=]]", "equivalence");
	refused("[[:word:]]", "character class");
	refused("*a", "not a valid POSIX");
	refused("(?i)a", "not a valid POSIX");
	refused("[z-a]", "not a valid POSIX");
	refused("a{1001}", "1000");
	refused("(a{1,255}){1,255}", "too large");
	refused("((a{1,50}){1,50})", "too large");
}

/* The attack: glibc took ~41 s for one match. RE2 is linear: well under a second
 * even for a hundred such matches. */
static void
test_hostile_patterns_are_linear(void **state)
{
	static const char *const hostile[] = { ".*a.{20}", "(a|aa)*b", "(a*)*b", "(.*)*x",
		"(a|b|ab)*c", "([ab]*)*[ab]{20}c", "(x+x+)+y", ".*.*.*.*.*.*=.*" };
	size_t                   n = 40000, i, k;
	char                    *s = malloc(n + 1);
	double                   t0;

	(void)state;
	srand(7);
	for (i = 0; i < n; i++)
		s[i] = (rand() & 1) ? 'a' : 'b';
	s[n] = '\0';
	for (k = 0; k < sizeof(hostile) / sizeof(hostile[0]); k++) {
		struct pattern *p = compiled(hostile[k]);

		t0 = now();
		(void)pattern_match(p, s, n);
		if (now() - t0 > 0.5)
			fail_msg("%s: %.3f s for 40,000 characters", hostile[k], now() - t0);
		pattern_free(p);
	}
	/* The exact case: the last 21 characters decide. */
	memset(s, 'b', n);
	s[n - 21] = 'a';
	assert_true(matches(".*a.{20}", s));
	s[n - 21] = 'b';
	assert_false(matches(".*a.{20}", s));
	free(s);
}

static void
test_rewritten_for_re2(void **state)
{
	struct pattern *p = compiled("[\\]a{x\\.");

	(void)state;
	assert_string_equal(pattern_re2_text(p), "[\\\\]a\\{x\\.");
	pattern_free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_anchored_whole_value),
		cmocka_unit_test(test_ere_features),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_hostile_patterns_are_linear),
		cmocka_unit_test(test_rewritten_for_re2),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
