/* problem.c — filling the request's problem (rendering lives in reply.c), and the one map from
 * store error classes to HTTP statuses. */
#include "logbook/http/problem.h"

#include <json-c/json.h>
#include <stdarg.h>
#include <string.h>

#include "logbook/core/arena.h"
#include "logbook/http/http.h"
#include "logbook/store/db_error.h"

static void
json_put(void *o)
{
	json_object_put(o);
}

int
problem_set(struct request *r, int status, const char *slug, const char *func, int line,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	r->problem.detail = arena_vprintf(r->arena, fmt, ap);
	va_end(ap);
	r->problem.status = status;
	r->problem.slug = slug;
	r->problem.func = func;
	r->problem.line = line;
	return -1;
}

void
problem_add_error(struct request *r, const char *path, const char *code, const char *message)
{
	struct json_object *e;

	if (r->problem.errors == NULL)
		r->problem.errors = arena_own(r->arena, json_object_new_array(), json_put);
	e = json_object_new_object();
	json_object_object_add(e, "path", json_object_new_string(path));
	json_object_object_add(e, "code", json_object_new_string(code));
	json_object_object_add(e, "message", json_object_new_string(message));
	json_object_array_add(r->problem.errors, e);
}

int
problem_from_db(struct request *r, const struct db_error *e)
{
	static const struct {
		int         status;
		const char *slug;
	} classes[] = {
		[DB_OK] = { 500, "internal" },
		[DB_NOT_FOUND] = { 404, "not-found" },
		[DB_INVALID_STATE] = { 409, "invalid-state" },
		[DB_PRECONDITION] = { 412, "precondition-failed" },
		[DB_DUPLICATE] = { 409, "duplicate" },
		[DB_CONFLICT] = { 409, "conflict" },
		[DB_CONSTRAINT] = { 422, "validation" },
		[DB_SERIALIZATION] = { 409, "serialization-conflict" },
		[DB_TIMEOUT] = { 503, "database-timeout" },
		[DB_INVALID_VALUE] = { 422, "invalid-value" },
		[DB_UNAVAILABLE] = { 503, "database-unavailable" },
		[DB_INTERNAL] = { 500, "internal" },
		[DB_USERS_CHANGED] = { 503, "users-changed" },
	};
	enum db_class cls =
	    (unsigned)e->cls < sizeof(classes) / sizeof(classes[0]) ? e->cls : DB_INTERNAL;
	const char *what = e->what != NULL ? e->what : "store";

	/* The server's own message for an internal error may name tables and columns: the log
	 * has it (db_error.c), the client gets the request id to quote. */
	if (cls == DB_OK || e->summary == NULL || (cls == DB_INTERNAL && e->sqlstate[0] != '\0'))
		problem_set(r, 500, "internal", what, 0, "an internal error occurred (request %s)",
		    r->request_id);
	else
		problem_set(r, classes[cls].status, classes[cls].slug, what, 0, "%s", e->summary);
	memcpy(r->problem.sqlstate, e->sqlstate, sizeof(r->problem.sqlstate));
	return -1;
}

int
request_db_problem(struct request *r)
{
	return problem_from_db(r, &r->dberr);
}

int
problem_error_count(const struct request *r)
{
	return r->problem.errors == NULL ? 0 : (int)json_object_array_length(r->problem.errors);
}

const char *
http_status_text(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 201:
		return "Created";
	case 204:
		return "No Content";
	case 301:
		return "Moved Permanently";
	case 304:
		return "Not Modified";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 409:
		return "Conflict";
	case 412:
		return "Precondition Failed";
	case 413:
		return "Content Too Large";
	case 415:
		return "Unsupported Media Type";
	case 422:
		return "Unprocessable Content";
	case 428:
		return "Precondition Required";
	case 429:
		return "Too Many Requests";
	case 500:
		return "Internal Server Error";
	case 503:
		return "Service Unavailable";
	default:
		return "Error";
	}
}
