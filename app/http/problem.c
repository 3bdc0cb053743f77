/* problem.c — filling the request's problem; rendering lives in http_reply.c. */
#include "logbook/http/problem.h"

#include <json-c/json.h>
#include <stdarg.h>
#include <string.h>

#include "logbook/core/arena.h"
#include "logbook/core/json_util.h"
#include "logbook/http/http.h"

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
		r->problem.errors = json_own(r, json_object_new_array());
	e = json_object_new_object();
	json_object_object_add(e, "path", json_object_new_string(path));
	json_object_object_add(e, "code", json_object_new_string(code));
	json_object_object_add(e, "message", json_object_new_string(message));
	json_object_array_add(r->problem.errors, e);
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
