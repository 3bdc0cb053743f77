/* test_search_query.c — parsing ?q= into terms (search_query.h) and the text a save makes
 * searchable: words, prefixes, phrases, what is refused, and hostile input that must come
 * out as plain terms. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "logbook/domain/search_query.h"
#include "logbook/domain/section_values.h"
#include "logbook/domain/template_def.h"

static struct arena a;

static int
setup(void **state)
{
	(void)state;
	arena_init(&a);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	arena_destroy(&a);
	return 0;
}

/* Parses q and checks the terms against "kind:text" strings. */
static void
expect_terms(const char *q, const char *const *want, size_t n)
{
	struct search_query sq;
	size_t              i;

	assert_int_equal(search_query_parse(&a, q, &sq), SEARCH_OK);
	if (sq.nterms != n)
		fail_msg("%s: %zu terms, want %zu", q, sq.nterms, n);
	for (i = 0; i < n; i++) {
		char got[1100];

		snprintf(got, sizeof(got), "%c:%s", (char)sq.terms[i].kind, sq.terms[i].text);
		if (strcmp(got, want[i]) != 0)
			fail_msg("%s: term %zu is '%s', want '%s'", q, i, got, want[i]);
	}
}

#define TERMS(q, ...)                                            \
	do {                                                     \
		static const char *const w_[] = { __VA_ARGS__ }; \
		expect_terms(q, w_, sizeof(w_) / sizeof(w_[0])); \
	} while (0)

static void
test_words_prefixes_phrases(void **state)
{
	(void)state;
	TERMS("pump", "w:pump");
	TERMS("  pump \t leak  ", "w:pump", "w:leak");
	TERMS("pum*", "p:pum");
	TERMS("pum***", "p:pum");
	TERMS("\"pump leak\"", "x:pump leak");
	TERMS("north \"pump leak\" val*", "w:north", "x:pump leak", "p:val");
	TERMS("a\"b c\"d", "w:a", "x:b c", "w:d");
	/* A star inside a phrase is text, not a prefix mark. */
	TERMS("\"pum*\"", "x:pum*");
	/* Unbalanced: the phrase runs to the end. */
	TERMS("\"pump leak", "x:pump leak");
	TERMS("pump\"", "w:pump");
	/* Operators are text for the database's parser, which drops them. */
	TERMS("a&b|!c", "w:a&b|!c");
	TERMS("(a) :* <->", "w:(a)", "p::", "w:<->");
	TERMS("'x'; DROP TABLE entries;--", "w:'x';", "w:DROP", "w:TABLE", "w:entries;--");
	TERMS("ä 中文 👍", "w:ä", "w:中文", "w:👍");
}

static void
test_nothing_to_look_for(void **state)
{
	struct search_query sq;
	const char *const empty[] = { "", " ", "\t\t", "*", "* ** ***", "\"\"", "\"", "\"\"\"\"" };
	size_t            i;

	(void)state;
	for (i = 0; i < sizeof(empty) / sizeof(empty[0]); i++) {
		assert_int_equal(search_query_parse(&a, empty[i], &sq), SEARCH_OK);
		assert_int_equal(sq.nterms, 0);
	}
}

static void
test_refused(void **state)
{
	struct search_query sq;
	char                big[SEARCH_Q_MAX + 2], many[200];
	size_t              i;

	(void)state;
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(search_query_parse(&a, big, &sq), SEARCH_TOO_LONG);
	big[SEARCH_Q_MAX] = '\0';
	assert_int_equal(search_query_parse(&a, big, &sq), SEARCH_OK);
	assert_int_equal(search_query_parse(&a, "\xff", &sq), SEARCH_BAD_UTF8);
	assert_int_equal(search_query_parse(&a, "\xc3\x28", &sq), SEARCH_BAD_UTF8);
	assert_int_equal(search_query_parse(&a, "\xed\xa0\x80", &sq), SEARCH_BAD_UTF8);
	assert_int_equal(search_query_parse(&a, "a\x01", &sq), SEARCH_CONTROL);
	assert_int_equal(search_query_parse(&a, "a\nb", &sq), SEARCH_CONTROL);
	assert_int_equal(search_query_parse(&a, "\x7f", &sq), SEARCH_CONTROL);
	assert_int_equal(search_query_parse(&a, "\x1b[31m", &sq), SEARCH_CONTROL);
	for (i = 0; i < 33; i++) {
		many[2 * i] = 'a';
		many[2 * i + 1] = ' ';
	}
	many[66] = '\0';
	assert_int_equal(search_query_parse(&a, many, &sq), SEARCH_TOO_MANY);
	many[64] = '\0'; /* 32 terms */
	assert_int_equal(search_query_parse(&a, many, &sq), SEARCH_OK);
	assert_int_equal(sq.nterms, 32);
	assert_string_equal(search_error_text(SEARCH_TOO_LONG), "q is longer than 1000 bytes");
}

static void
test_section_text(void **state)
{
	struct tpl_field   fields[3] = { { .key = "note", .type = FIELD_TEXT },
		  { .key = "n", .type = FIELD_INTEGER }, { .key = "who", .type = FIELD_TEXT } };
	struct tpl_field   cols[2] = { { .key = "label", .type = FIELD_TEXT },
		  { .key = "v", .type = FIELD_DECIMAL } };
	struct tpl_table   table = { .key = "rows", .columns = cols, .ncolumns = 2 };
	struct tpl_section s = {
		.key = "s", .fields = fields, .nfields = 3, .tables = &table, .ntables = 1
	};
	const char           *fv[3] = { "pump leak", "42", NULL };
	const char           *cells[4] = { "row one", "1.5", NULL, "2" };
	struct table_values   tv = { .nrows = 2, .cells = cells };
	struct section_values vals = { .fields = fv, .tables = &tv };
	char                 *big;
	const char           *text;

	(void)state;
	assert_string_equal(search_section_text(&a, &s, &vals), "pump leak\nrow one\n");
	fv[0] = NULL;
	cells[0] = NULL;
	assert_string_equal(search_section_text(&a, &s, &vals), "");
	/* Capped, and never in the middle of a character. */
	big = arena_alloc(&a, 3 * SEARCH_SECTION_TEXT_MAX + 1);
	for (size_t i = 0; i < SEARCH_SECTION_TEXT_MAX; i++)
		memcpy(big + 3 * i, "\xe2\x82\xac", 3); /* U+20AC */
	big[3 * SEARCH_SECTION_TEXT_MAX] = '\0';
	fv[0] = big;
	text = search_section_text(&a, &s, &vals);
	assert_true(strlen(text) <= SEARCH_SECTION_TEXT_MAX);
	assert_int_equal((strlen(text) - 1) % 3, 0);
	assert_int_equal(text[strlen(text) - 1], '\n');
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_words_prefixes_phrases, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nothing_to_look_for, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_section_text, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
