/* test_openapi.c — the OpenAPI document compiled into the binary (app/openapi.json) agrees with
 * the route table (app/routes.c): the same (method, path) pairs, a security choice that matches
 * each route's authentication, the roles each route requires, every path parameter declared,
 * and the problems that the request path can answer documented where they can happen. */
#include <json-c/json.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "logbook/auth/roles.h"
#include "logbook/http/openapi.h"
#include "logbook/http/router.h"

#define REF_DEPTH_MAX 8

static const char *const http_methods[] = {
	"get",
	"put",
	"post",
	"delete",
	"options",
	"head",
	"patch",
	"trace",
	NULL,
};

/* Path item members that are not operations (OpenAPI 3.1, Path Item Object). */
static const char *const path_item_fields[] = {
	"$ref",
	"summary",
	"description",
	"servers",
	"parameters",
	NULL,
};

static struct json_object *doc;

static int
in_list(const char *const *list, const char *s)
{
	for (; *list != NULL; list++)
		if (strcmp(*list, s) == 0)
			return 1;
	return 0;
}

/* Member key of obj when obj is an object that has it; NULL otherwise (borrowed). */
static struct json_object *
member(struct json_object *obj, const char *key)
{
	struct json_object *v;

	if (obj == NULL || !json_object_is_type(obj, json_type_object) ||
	    !json_object_object_get_ex(obj, key, &v))
		return NULL;
	return v;
}

static const char *
member_string(struct json_object *obj, const char *key)
{
	struct json_object *v = member(obj, key);

	return v != NULL && json_object_is_type(v, json_type_string) ? json_object_get_string(v)
								     : NULL;
}

/* Follows a local JSON pointer ("#/components/schemas/Problem", with ~0 and ~1 escapes). */
static struct json_object *
pointer_get(const char *ptr)
{
	struct json_object *cur = doc;
	const char         *p;
	char                seg[256];

	if (strncmp(ptr, "#/", 2) != 0)
		return NULL;
	for (p = ptr + 2;;) {
		size_t n = 0;

		while (*p != '\0' && *p != '/') {
			char c = *p++;

			if (c == '~' && (*p == '0' || *p == '1'))
				c = *p++ == '0' ? '~' : '/';
			if (n + 1 >= sizeof(seg))
				return NULL;
			seg[n++] = c;
		}
		seg[n] = '\0';
		if ((cur = member(cur, seg)) == NULL)
			return NULL;
		if (*p == '\0')
			return cur;
		p++;
	}
}

/* node, or what its $ref (and theirs, a bounded number of times) points at; NULL when a
 * reference does not resolve. */
static struct json_object *
resolve(struct json_object *node)
{
	int i;

	for (i = 0; i < REF_DEPTH_MAX; i++) {
		const char *ref = member_string(node, "$ref");

		if (ref == NULL)
			return node;
		if ((node = pointer_get(ref)) == NULL)
			return NULL;
	}
	return NULL;
}

static struct json_object *
operation(const char *pattern, const char *method)
{
	char lower[16];
	int  i;

	for (i = 0; method[i] != '\0' && i < (int)sizeof(lower) - 1; i++)
		lower[i] = (char)(method[i] >= 'A' && method[i] <= 'Z' ? method[i] - 'A' + 'a'
								       : method[i]);
	lower[i] = '\0';
	return member(member(member(doc, "paths"), pattern), lower);
}

static const struct route *
route_for(const char *pattern, const char *method)
{
	const struct route *rt;

	for (rt = routes; rt->method != NULL; rt++)
		if (strcmp(rt->pattern, pattern) == 0 && strcasecmp(rt->method, method) == 0)
			return rt;
	return NULL;
}

static int
has_response(struct json_object *op, const char *status)
{
	return member(member(op, "responses"), status) != NULL;
}

/* The parameter named name in `in`, from the operation or its path item; NULL when none. */
static struct json_object *
parameter(struct json_object *path_item, struct json_object *op, const char *in, const char *name)
{
	struct json_object *lists[2] = { member(op, "parameters"),
		member(path_item, "parameters") };
	size_t              l, i;

	for (l = 0; l < 2; l++) {
		if (lists[l] == NULL || !json_object_is_type(lists[l], json_type_array))
			continue;
		for (i = 0; i < json_object_array_length(lists[l]); i++) {
			struct json_object *p = resolve(json_object_array_get_idx(lists[l], i));
			const char *pin = member_string(p, "in"), *pname = member_string(p, "name");

			if (pin != NULL && pname != NULL && strcmp(pin, in) == 0 &&
			    strcasecmp(pname, name) == 0)
				return p;
		}
	}
	return NULL;
}

static int
setup(void **state)
{
	struct json_tokener *tok = json_tokener_new_ex(64);

	(void)state;
	if (tok == NULL)
		return -1;
	doc = json_tokener_parse_ex(tok, (const char *)openapi_document, (int)openapi_document_len);
	if (json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != openapi_document_len) {
		print_error("app/openapi.json is not one JSON document: %s (at byte %zu)\n",
		    json_tokener_error_desc(json_tokener_get_error(tok)),
		    json_tokener_get_parse_end(tok));
		json_object_put(doc);
		doc = NULL;
	}
	json_tokener_free(tok);
	return doc != NULL && json_object_is_type(doc, json_type_object) ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	json_object_put(doc);
	doc = NULL;
	return 0;
}

static void
test_document_header(void **state)
{
	struct json_object *bearer;

	(void)state;
	assert_string_equal(member_string(doc, "openapi"), "3.1.0");
	assert_non_null(member_string(member(doc, "info"), "title"));
	assert_non_null(member_string(member(doc, "info"), "version"));
	assert_true(json_object_is_type(member(doc, "paths"), json_type_object));
	bearer = member(member(member(doc, "components"), "securitySchemes"), "bearerAuth");
	assert_non_null(bearer);
	assert_string_equal(member_string(bearer, "type"), "http");
	assert_string_equal(member_string(bearer, "scheme"), "bearer");
	assert_string_equal(member_string(bearer, "bearerFormat"), "JWT");
}

static void
test_every_route_is_documented(void **state)
{
	const struct route *rt;
	int                 missing = 0;

	(void)state;
	for (rt = routes; rt->method != NULL; rt++)
		if (operation(rt->pattern, rt->method) == NULL) {
			print_error(
			    "route %s %s is not in openapi.json\n", rt->method, rt->pattern);
			missing++;
		}
	assert_int_equal(missing, 0);
}

static void
test_every_operation_is_routed(void **state)
{
	int                 extra = 0, nops = 0, nroutes = 0;
	const struct route *rt;

	(void)state;
	json_object_object_foreach(member(doc, "paths"), pattern, item)
	{
		assert_true(json_object_is_type(item, json_type_object));
		json_object_object_foreach(item, key, op)
		{
			(void)op;
			if (in_list(path_item_fields, key))
				continue;
			if (!in_list(http_methods, key)) {
				print_error("paths[%s] has a member '%s' that is no method\n",
				    pattern, key);
				extra++;
			} else if (route_for(pattern, key) == NULL) {
				print_error(
				    "openapi.json documents %s %s, which routes.c does not serve\n",
				    key, pattern);
				extra++;
			}
			nops++;
		}
	}
	for (rt = routes; rt->method != NULL; rt++)
		nroutes++;
	assert_int_equal(extra, 0);
	assert_int_equal(nops, nroutes);
}

/* The security an operation ends up with: its own, else the document's. */
static struct json_object *
effective_security(struct json_object *op)
{
	struct json_object *s = member(op, "security");

	return s != NULL ? s : member(doc, "security");
}

static void
test_security_matches_route_auth(void **state)
{
	const struct route *rt;

	(void)state;
	for (rt = routes; rt->method != NULL; rt++) {
		struct json_object *op = operation(rt->pattern, rt->method);
		struct json_object *sec = effective_security(op);
		size_t              i, n;

		assert_non_null(op);
		if (sec == NULL || !json_object_is_type(sec, json_type_array))
			fail_msg("%s %s: no security array", rt->method, rt->pattern);
		n = json_object_array_length(sec);
		if (rt->auth == ROUTE_PUBLIC) {
			if (n != 0)
				fail_msg("%s %s is public but documented with security", rt->method,
				    rt->pattern);
			if (rt->roles != 0 || member(op, "x-logbook-roles") != NULL)
				fail_msg(
				    "%s %s: a public route with roles", rt->method, rt->pattern);
			continue;
		}
		if (n == 0)
			fail_msg("%s %s needs a bearer token but is documented as public",
			    rt->method, rt->pattern);
		/* Every alternative must name the bearer scheme: none lets a caller in without it. */
		for (i = 0; i < n; i++)
			if (member(json_object_array_get_idx(sec, i), "bearerAuth") == NULL)
				fail_msg("%s %s: security alternative %zu lacks bearerAuth",
				    rt->method, rt->pattern, i);
		if (!has_response(op, "401"))
			fail_msg(
			    "%s %s needs a token but documents no 401", rt->method, rt->pattern);
	}
}

static void
test_roles_match_route(void **state)
{
	const struct route *rt;

	(void)state;
	for (rt = routes; rt->method != NULL; rt++) {
		struct json_object *op = operation(rt->pattern, rt->method), *roles;
		unsigned            mask = 0;
		size_t              i;

		if (rt->auth != ROUTE_BEARER)
			continue;
		roles = member(op, "x-logbook-roles");
		if (roles == NULL || !json_object_is_type(roles, json_type_array))
			fail_msg("%s %s: x-logbook-roles is not an array", rt->method, rt->pattern);
		for (i = 0; i < json_object_array_length(roles); i++) {
			struct json_object *v = json_object_array_get_idx(roles, i);
			unsigned            bit = json_object_is_type(v, json_type_string)
				       ? role_from_name(json_object_get_string(v))
				       : 0;

			if (bit == 0)
				fail_msg("%s %s: x-logbook-roles[%zu] is no role", rt->method,
				    rt->pattern, i);
			mask |= bit;
		}
		if (mask != rt->roles)
			fail_msg("%s %s: documented roles 0x%x, routes.c requires 0x%x", rt->method,
			    rt->pattern, mask, rt->roles);
		if (rt->roles != 0 && !has_response(op, "403"))
			fail_msg(
			    "%s %s requires roles but documents no 403", rt->method, rt->pattern);
	}
}

static void
test_responses_are_complete(void **state)
{
	const struct route *rt;
	struct json_object *ids = json_object_new_object();

	(void)state;
	for (rt = routes; rt->method != NULL; rt++) {
		struct json_object *op = operation(rt->pattern, rt->method);
		struct json_object *responses = member(op, "responses");
		const char         *id = member_string(op, "operationId");
		int                 success = 0;

		if (id == NULL || member(ids, id) != NULL)
			fail_msg(
			    "%s %s: operationId missing or not unique", rt->method, rt->pattern);
		json_object_object_add(ids, id, json_object_new_boolean(1));
		if (responses == NULL || json_object_object_length(responses) == 0)
			fail_msg("%s %s documents no responses", rt->method, rt->pattern);
		json_object_object_foreach(responses, status, response)
		{
			struct json_object *resolved = resolve(response);

			if (strlen(status) != 3 || status[0] < '1' || status[0] > '5' ||
			    strspn(status, "0123456789") != 3)
				fail_msg("%s %s: response key '%s' is no status code", rt->method,
				    rt->pattern, status);
			if (status[0] == '2')
				success = 1;
			if (resolved == NULL || member_string(resolved, "description") == NULL)
				fail_msg("%s %s: response %s has no description", rt->method,
				    rt->pattern, status);
			/* Every answer but 304 has a body; problems are problem+json. */
			if (strcmp(status, "304") != 0 && member(resolved, "content") == NULL)
				fail_msg("%s %s: response %s has no content", rt->method,
				    rt->pattern, status);
			if (status[0] >= '4' &&
			    member(member(resolved, "content"), "application/problem+json") == NULL)
				fail_msg("%s %s: response %s is not a problem", rt->method,
				    rt->pattern, status);
		}
		if (!success)
			fail_msg("%s %s documents no 2xx response", rt->method, rt->pattern);
	}
	json_object_put(ids);
}

/* Each {name} of a pattern is a required path parameter, and each path parameter is a {name}. */
static void
test_path_parameters_declared(void **state)
{
	const struct route *rt;

	(void)state;
	for (rt = routes; rt->method != NULL; rt++) {
		struct json_object *item = member(member(doc, "paths"), rt->pattern);
		struct json_object *op = operation(rt->pattern, rt->method);
		struct json_object *params = member(op, "parameters");
		const char         *p = rt->pattern;
		char                name[64];
		size_t              i;

		while ((p = strchr(p, '{')) != NULL) {
			const char         *end = strchr(p, '}');
			struct json_object *decl;

			assert_non_null(end);
			assert_true((size_t)(end - p - 1) < sizeof(name));
			memcpy(name, p + 1, (size_t)(end - p - 1));
			name[end - p - 1] = '\0';
			decl = parameter(item, op, "path", name);
			if (decl == NULL)
				fail_msg("%s %s: path parameter '%s' is not declared", rt->method,
				    rt->pattern, name);
			if (member(decl, "required") == NULL ||
			    !json_object_get_boolean(member(decl, "required")))
				fail_msg("%s %s: path parameter '%s' is not required", rt->method,
				    rt->pattern, name);
			p = end + 1;
		}
		for (i = 0; params != NULL && i < json_object_array_length(params); i++) {
			struct json_object *decl = resolve(json_object_array_get_idx(params, i));
			const char         *in = member_string(decl, "in"),
				   *pname = member_string(decl, "name");
			char braced[72];

			if (decl == NULL || in == NULL || pname == NULL)
				fail_msg("%s %s: parameter %zu lacks in or name", rt->method,
				    rt->pattern, i);
			snprintf(braced, sizeof(braced), "{%s}", pname);
			if (strcmp(in, "path") == 0 && strstr(rt->pattern, braced) == NULL)
				fail_msg("%s %s: path parameter '%s' is not in the path",
				    rt->method, rt->pattern, pname);
		}
	}
}

/* What the request path can answer, documented where it can: a JSON body can be malformed
 * (400), too large (413) or not JSON (415); If-Match can be stale (412) or missing (428);
 * Idempotency-Key applies to signed-in POSTs only. */
static void
test_request_problems_documented(void **state)
{
	static const char *const body_problems[] = { "400", "413", "415", NULL };
	const struct route      *rt;

	(void)state;
	for (rt = routes; rt->method != NULL; rt++) {
		struct json_object *item = member(member(doc, "paths"), rt->pattern);
		struct json_object *op = operation(rt->pattern, rt->method);
		struct json_object *rb = resolve(member(op, "requestBody"));
		const char *const  *s;

		if (member(op, "requestBody") != NULL) {
			if (member(member(rb, "content"), "application/json") == NULL)
				fail_msg("%s %s: the request body is not application/json",
				    rt->method, rt->pattern);
			for (s = body_problems; *s != NULL; s++)
				if (!has_response(op, *s))
					fail_msg("%s %s reads a body but documents no %s",
					    rt->method, rt->pattern, *s);
		}
		if (parameter(item, op, "header", "If-Match") != NULL &&
		    (!has_response(op, "412") || !has_response(op, "428")))
			fail_msg(
			    "%s %s takes If-Match but lacks 412 or 428", rt->method, rt->pattern);
		if (parameter(item, op, "header", "Idempotency-Key") != NULL &&
		    (strcmp(rt->method, "POST") != 0 || rt->auth != ROUTE_BEARER ||
			!has_response(op, "409")))
			fail_msg(
			    "%s %s: Idempotency-Key only applies to signed-in POSTs (with 409)",
			    rt->method, rt->pattern);
	}
}

/* Every "$ref" in the document is local and resolves. */
static int
check_refs(struct json_object *node, int depth)
{
	int bad = 0;

	if (depth > 64)
		return 1;
	if (json_object_is_type(node, json_type_array)) {
		size_t i;

		for (i = 0; i < json_object_array_length(node); i++)
			bad += check_refs(json_object_array_get_idx(node, i), depth + 1);
	} else if (json_object_is_type(node, json_type_object)) {
		json_object_object_foreach(node, key, val)
		{
			if (strcmp(key, "$ref") == 0 &&
			    json_object_is_type(val, json_type_string) &&
			    pointer_get(json_object_get_string(val)) == NULL) {
				print_error(
				    "$ref %s does not resolve\n", json_object_get_string(val));
				bad++;
			}
			bad += check_refs(val, depth + 1);
		}
	}
	return bad;
}

static void
test_references_resolve(void **state)
{
	(void)state;
	assert_int_equal(check_refs(doc, 0), 0);
	/* And the check can fail: a reference to nothing is caught. */
	assert_null(pointer_get("#/components/schemas/NoSuchSchema"));
	assert_non_null(pointer_get("#/components/schemas/Problem"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_document_header),
		cmocka_unit_test(test_every_route_is_documented),
		cmocka_unit_test(test_every_operation_is_routed),
		cmocka_unit_test(test_security_matches_route_auth),
		cmocka_unit_test(test_roles_match_route),
		cmocka_unit_test(test_responses_are_complete),
		cmocka_unit_test(test_path_parameters_declared),
		cmocka_unit_test(test_request_problems_documented),
		cmocka_unit_test(test_references_resolve),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
