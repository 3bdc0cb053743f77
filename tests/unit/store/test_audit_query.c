/* Unit tests of the audit read path without a database: RFC 3339 filters, the SQL the filters
 * make (only the conditions given, parameters in order), the list body, and the chain hash. */
#include <json-c/json.h>
#include <libpq-fe.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "logbook/core/arena.h"
#include "logbook/store/audit_query.h"
#include "logbook/store/audit_verify.h"

static struct arena arena;

static int
setup(void **state)
{
	(void)state;
	arena_init(&arena);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	arena_destroy(&arena);
	return 0;
}

static void
test_rfc3339_accepts(void **state)
{
	static const char *const good[] = {
		"2026-11-23T07:35:50Z",
		"2026-11-23T07:35:50.123Z",
		"2026-11-23T07:35:50.123456789Z",
		"2026-11-23T07:35:50+02:00",
		"2026-11-23T07:35:50.5-11:30",
		"2024-02-29T00:00:00Z",
		"2000-02-29T23:59:59Z",
		"2016-12-31T23:59:60Z",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_string_equal(audit_rfc3339(&arena, good[i]), good[i]);
	/* lower-case t and z are RFC 3339 too; they are normalised for PostgreSQL */
	assert_string_equal(audit_rfc3339(&arena, "2026-11-23t07:35:50z"), "2026-11-23T07:35:50Z");
}

static void
test_rfc3339_refuses(void **state)
{
	static const char *const bad[] = {
		"",
		"2026-11-23",
		"2026-11-23T07:35:50",
		"2026-11-23 07:35:50Z",
		"2026-13-01T00:00:00Z",
		"2026-00-01T00:00:00Z",
		"2026-02-29T00:00:00Z",
		"1900-02-29T00:00:00Z",
		"2026-04-31T00:00:00Z",
		"2026-11-23T24:00:00Z",
		"2026-11-23T07:60:00Z",
		"2026-11-23T07:35:61Z",
		"2026-11-23T07:35:50.Z",
		"2026-11-23T07:35:50.1234567890Z",
		"2026-11-23T07:35:50+2:00",
		"2026-11-23T07:35:50+24:00",
		"2026-11-23T07:35:50+02:60",
		"2026-11-23T07:35:50+0200",
		"2026-11-23T07:35:50Z ",
		"2026-11-23T07:35:50ZZ",
		"0000-01-01T00:00:00Z",
		"-026-11-23T07:35:50Z",
		"2026-1a-23T07:35:50Z",
		"2026-11-23T07:35:50+02:00:00",
		"2026-11-23T07:35:50 UTC",
		"today",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (audit_rfc3339(&arena, bad[i]) != NULL)
			fail_msg("accepted '%s'", bad[i]);
}

static void
test_seq_valid(void **state)
{
	(void)state;
	assert_true(audit_seq_valid("0"));
	assert_true(audit_seq_valid("123456789012345678"));
	assert_false(audit_seq_valid(""));
	assert_false(audit_seq_valid("1234567890123456789")); /* beyond what 18 digits hold */
	assert_false(audit_seq_valid("-1"));
	assert_false(audit_seq_valid("1e3"));
	assert_false(audit_seq_valid(" 1"));
}

static void
test_sql_without_filters(void **state)
{
	struct audit_filter f = { 0 };
	const char         *values[AUDIT_QUERY_MAX_PARAMS];
	int                 n = -1;

	(void)state;
	assert_string_equal(audit_select_sql(&arena, &f, "seq", 0, values, &n),
	    "SELECT seq FROM audit_log WHERE TRUE ORDER BY seq");
	assert_int_equal(n, 0);
}

static void
test_sql_every_filter_in_order(void **state)
{
	struct audit_filter f = {
		.object_type = "entry",
		.object_id = "e1",
		.actor = "alice",
		.action = "save",
		.request_id = "r1",
		.from = "2026-01-01T00:00:00Z",
		.to = "2027-01-01T00:00:00Z",
		.after = "42",
		.public_only = 1,
	};
	const char *values[AUDIT_QUERY_MAX_PARAMS];
	int         n = -1;

	(void)state;
	assert_string_equal(audit_select_sql(&arena, &f, "seq", 51, values, &n),
	    "SELECT seq FROM audit_log WHERE seq > $1 AND object_type = $2 AND object_id = $3"
	    " AND actor = $4 AND action = $5 AND request_id = $6 AND at >= $7 AND at < $8"
	    " AND object_type IN ('template', 'entry', 'followup') ORDER BY seq LIMIT 51");
	assert_int_equal(n, 8);
	assert_string_equal(values[0], "42");
	assert_string_equal(values[1], "entry");
	assert_string_equal(values[3], "alice");
	assert_string_equal(values[7], "2027-01-01T00:00:00Z");
}

/* Values never enter the SQL text, whatever they hold. */
static void
test_sql_values_are_parameters(void **state)
{
	struct audit_filter f = { .actor = "x' OR '1'='1", .object_id = "$1" };
	const char         *values[AUDIT_QUERY_MAX_PARAMS];
	int                 n = -1;
	char               *sql = audit_items_sql(&arena, &f, 0, values, &n);

	(void)state;
	assert_null(strstr(sql, "OR '1'"));
	assert_string_equal(sql,
	    "SELECT i.seq, row_to_json(i)::text FROM (SELECT " AUDIT_ITEM_COLUMNS
	    " FROM audit_log WHERE object_id = $1 AND actor = $2 ORDER BY seq) i ORDER BY i.seq");
	assert_int_equal(n, 2);
	assert_string_equal(values[1], "x' OR '1'='1");
}

/* A result with the shape of audit_items_sql: seq, item JSON. */
static PGresult *
items_result(const char *const *items, int n)
{
	PGresAttDesc attrs[2] = {
		{ .name = (char *)"seq", .typid = 20, .typlen = 8, .atttypmod = -1 },
		{ .name = (char *)"row_to_json", .typid = 25, .typlen = -1, .atttypmod = -1 },
	};
	PGresult *res = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
	int       i;

	assert_non_null(res);
	assert_int_equal(PQsetResultAttrs(res, 2, attrs), 1);
	for (i = 0; i < n; i++) {
		char seq[16];

		snprintf(seq, sizeof(seq), "%d", i + 1);
		assert_int_equal(PQsetvalue(res, i, 0, seq, (int)strlen(seq)), 1);
		assert_int_equal(PQsetvalue(res, i, 1, (char *)items[i], (int)strlen(items[i])), 1);
	}
	return res;
}

static void
test_items_body(void **state)
{
	static const char *const items[] = { "{\"seq\":1}",
		"{\"seq\":2,\"after\":{\"a\": \"]\"}}" };
	PGresult                *res = items_result(items, 2);
	struct json_object      *doc;
	size_t                   len;
	char                    *body;

	(void)state;
	body = audit_items_body(&arena, res, 2, "Mg", &len);
	assert_string_equal(body,
	    "{\"items\":[{\"seq\":1},{\"seq\":2,\"after\":{\"a\": \"]\"}}],\"next_cursor\":\"Mg\"}");
	assert_int_equal(len, strlen(body));
	body = audit_items_body(&arena, res, 1, NULL, &len);
	assert_string_equal(body, "{\"items\":[{\"seq\":1}],\"next_cursor\":null}");
	body = audit_items_body(&arena, res, 0, "a\"b\\\n", &len);
	doc = json_tokener_parse(body);
	assert_non_null(doc);
	assert_string_equal(
	    json_object_get_string(json_object_object_get(doc, "next_cursor")), "a\"b\\\n");
	json_object_put(doc);
	PQclear(res);
}

/* Vectors from `printf '%s' '<prev><canonical>' | sha256sum`. */
static void
test_chain_hash(void **state)
{
	char hex[AUDIT_HASH_HEX];

	(void)state;
	audit_chain_hash(
	    "0000000000000000000000000000000000000000000000000000000000000000", "{\"a\": 1}", hex);
	assert_string_equal(
	    hex, "9d27932a33fa894b472945299c9ee10151537e3db754278107054f135c9ac310");
	audit_chain_hash("ab", "c", hex);
	assert_string_equal(
	    hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc3339_accepts),
		cmocka_unit_test(test_rfc3339_refuses),
		cmocka_unit_test(test_seq_valid),
		cmocka_unit_test(test_sql_without_filters),
		cmocka_unit_test(test_sql_every_filter_in_order),
		cmocka_unit_test(test_sql_values_are_parameters),
		cmocka_unit_test(test_items_body),
		cmocka_unit_test(test_chain_hash),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
