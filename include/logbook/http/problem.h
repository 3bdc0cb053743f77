/* problem.h — one error type for the whole request path, rendered once as RFC 9457
 * `application/problem+json` (see http.c). Handlers fill it and return -1. */
#ifndef LOGBOOK_PROBLEM_H
#define LOGBOOK_PROBLEM_H

struct json_object;
struct request;

struct problem {
	int         status; /* 0: no problem */
	const char *slug;   /* stable machine name, rendered as type urn:logbook:problem:<slug> */
	const char *detail; /* arena string, human readable */
	struct json_object *errors;      /* array of {path, code, message}, or NULL */
	struct json_object *extra;       /* object whose members join the body (arena-owned) */
	const char         *allow;       /* 405: the Allow header */
	long                retry_after; /* 429: seconds for the Retry-After header */
	char                sqlstate[6]; /* for the log when the database said no */
	const char         *func;        /* where it was raised, for the log */
	int                 line;
};

/* Sets r->problem (status, slug, printf-style detail) and returns -1, so handlers can
 * `return PROBLEM(r, 404, "not-found", "no template '%s'", key);`. */
#define PROBLEM(r, status, slug, ...) \
	problem_set((r), (status), (slug), __func__, __LINE__, __VA_ARGS__)
int problem_set(struct request *r, int status, const char *slug, const char *func, int line,
    const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* Appends one field error ({path, code, message}) to r->problem.errors; strings are copied.
 * Call PROBLEM(r, 422, "validation", ...) once after adding them all. */
void problem_add_error(struct request *r, const char *path, const char *code, const char *message);
int  problem_error_count(const struct request *r);

/* The title RFC 9457 wants: the reason phrase of the status. */
const char *http_status_text(int status);

#endif
