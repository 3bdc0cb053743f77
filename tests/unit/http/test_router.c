/* test_router.c — the route table: matching, parameters, 404, 405 with Allow. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "logbook/handlers/handlers.h"
#include "logbook/http/http.h"
#include "logbook/http/router.h"

static int
h_list(struct request *r)
{
	(void)r;
	return 0;
}
static int
h_get(struct request *r)
{
	(void)r;
	return 0;
}
static int
h_put(struct request *r)
{
	(void)r;
	return 0;
}
static int
h_sub(struct request *r)
{
	(void)r;
	return 0;
}

static const struct route table[] = {
	{ "GET", "/api/v1/things", h_list, ROUTE_BEARER, 0 },
	{ "GET", "/api/v1/things/{id}", h_get, ROUTE_BEARER, 0 },
	{ "PUT", "/api/v1/things/{id}", h_put, ROUTE_BEARER, 0 },
	{ "POST", "/api/v1/things/{id}/parts/{part}/go", h_sub, ROUTE_BEARER, 0 },
	{ NULL, NULL, NULL, ROUTE_PUBLIC, 0 },
};

static struct arena arena;

static struct request *
req(const char *method, const char *path)
{
	static struct request r;

	arena_reset(&arena);
	memset(&r, 0, sizeof(r));
	r.arena = &arena;
	r.method = method;
	r.path = path;
	return &r;
}

static void
test_exact_and_params(void **state)
{
	struct request     *r;
	const struct route *rt;

	(void)state;
	rt = route_match(table, req("GET", "/api/v1/things"));
	assert_non_null(rt);
	assert_ptr_equal(rt->handler, h_list);

	r = req("GET", "/api/v1/things/42");
	rt = route_match(table, r);
	assert_non_null(rt);
	assert_ptr_equal(rt->handler, h_get);
	assert_int_equal(r->nparams, 1);
	assert_string_equal(r->params[0], "42");

	r = req("POST", "/api/v1/things/a%20b/parts/x%2Fy/go");
	rt = route_match(table, r);
	assert_non_null(rt);
	assert_int_equal(r->nparams, 2);
	assert_string_equal(r->params[0], "a b");
	assert_string_equal(
	    r->params[1], "x/y"); /* decoded after splitting: no segment confusion */
}

static void
test_not_found(void **state)
{
	static const char *const paths[] = {
		"/api/v1/thing",
		"/api/v1/things/",
		"/api/v1/things/1/2",
		"/",
		"",
		"/api/v1/things//parts/x/go",
		"/api/v1/thingsX",
		"//api/v1/things",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		struct request *r = req("GET", paths[i]);

		assert_null(route_match(table, r));
		assert_int_equal(r->problem.status, 404);
	}
}

static void
test_method_not_allowed(void **state)
{
	struct request *r = req("DELETE", "/api/v1/things/7");

	(void)state;
	assert_null(route_match(table, r));
	assert_int_equal(r->problem.status, 405);
	assert_string_equal(r->problem.allow, "GET, PUT");
}

static void
test_percent_nul_kept(void **state)
{
	struct request *r = req("GET", "/api/v1/things/a%00b");

	(void)state;
	assert_non_null(route_match(table, r));
	assert_string_equal(r->params[0], "a%00b"); /* "%00" is not decoded into a NUL */
}

static void
test_real_table(void **state)
{
	struct request     *r;
	const struct route *rt;

	(void)state;
	rt = route_match(routes, req("GET", "/healthz"));
	assert_non_null(rt);
	assert_int_equal(rt->auth, ROUTE_PUBLIC);
	rt = route_match(routes, req("GET", "/api/v1/me"));
	assert_non_null(rt);
	assert_int_equal(rt->auth, ROUTE_BEARER);
	r = req("DELETE", "/api/v1/me");
	assert_null(route_match(routes, r));
	assert_int_equal(r->problem.status, 405);
	assert_string_equal(r->problem.allow, "GET");
	r = req("GET", "/api/v1/users/someone");
	rt = route_match(routes, r);
	assert_non_null(rt);
	assert_string_equal(r->params[0], "someone");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact_and_params),
		cmocka_unit_test(test_not_found),
		cmocka_unit_test(test_method_not_allowed),
		cmocka_unit_test(test_percent_nul_kept),
		cmocka_unit_test(test_real_table),
	};
	int rc;

	arena_init(&arena);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	arena_destroy(&arena);
	return rc;
}
