/* test_problem_db.c — problem_from_db (app/http/problem.c), the one place where the store's
 * error classes become HTTP statuses; the server's own message for an internal error stays in
 * the log. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "logbook/core/arena.h"
#include "logbook/http/http.h"
#include "logbook/store/db_error.h"

static struct arena   arena;
static struct request r;

static void
fail_with(enum db_class cls, const char *sqlstate, const char *summary)
{
	struct db_error e;

	memset(&r, 0, sizeof(r));
	r.arena = &arena;
	r.request_id = "rid-1";
	db_error_clear(&e);
	e.cls = cls;
	e.what = "stmt";
	e.summary = summary;
	strcpy(e.sqlstate, sqlstate);
	assert_int_equal(problem_from_db(&r, &e), -1);
}

static void
test_classes(void **state)
{
	static const struct {
		enum db_class cls;
		const char   *sqlstate;
		int           status;
		const char   *slug;
	} cases[] = {
		{ DB_NOT_FOUND, "LB404", 404, "not-found" },
		{ DB_INVALID_STATE, "LB409", 409, "invalid-state" },
		{ DB_PRECONDITION, "LB412", 412, "precondition-failed" },
		{ DB_DUPLICATE, "23505", 409, "duplicate" },
		{ DB_CONFLICT, "23503", 409, "conflict" },
		{ DB_CONSTRAINT, "23514", 422, "validation" },
		{ DB_SERIALIZATION, "40001", 409, "serialization-conflict" },
		{ DB_TIMEOUT, "57014", 503, "database-timeout" },
		{ DB_INVALID_VALUE, "22007", 422, "invalid-value" },
		{ DB_UNAVAILABLE, "08006", 503, "database-unavailable" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fail_with(cases[i].cls, cases[i].sqlstate, "what happened");
		assert_int_equal(r.problem.status, cases[i].status);
		assert_string_equal(r.problem.slug, cases[i].slug);
		assert_string_equal(r.problem.detail, "what happened");
		assert_string_equal(r.problem.sqlstate, cases[i].sqlstate);
	}
}

static void
test_internal_hides_the_server(void **state)
{
	(void)state;
	/* From the server: its message may name tables; the client gets the request id. */
	fail_with(DB_INTERNAL, "42703", NULL);
	assert_int_equal(r.problem.status, 500);
	assert_string_equal(r.problem.slug, "internal");
	assert_string_equal(r.problem.detail, "an internal error occurred (request rid-1)");
	assert_string_equal(r.problem.sqlstate, "42703");
	/* Raised by the store itself: its sentence is meant to be read. */
	fail_with(DB_INTERNAL, "", "cannot quote identifiers");
	assert_int_equal(r.problem.status, 500);
	assert_string_equal(r.problem.detail, "cannot quote identifiers");
	/* No error at all is still an answer, never a success. */
	fail_with(DB_OK, "", NULL);
	assert_int_equal(r.problem.status, 500);
}

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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classes),
		cmocka_unit_test(test_internal_hides_the_server),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
