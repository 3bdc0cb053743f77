/* router.h — (method, path pattern) -> handler, as a table (routes.c). */
#ifndef LOGBOOK_ROUTER_H
#define LOGBOOK_ROUTER_H

struct request;

typedef int (*handler_fn)(struct request *r); /* 0: replied; -1: r->problem is set */

enum route_auth { ROUTE_PUBLIC, ROUTE_BEARER };

struct route {
	const char     *method;
	const char     *pattern; /* "/api/v1/templates/{key}": {x} matches one non-empty segment */
	handler_fn      handler;
	enum route_auth auth;
	unsigned        roles; /* any of these (admin always passes); 0: any signed-in user */
};

extern const struct route routes[];         /* ends with a NULL method */
extern const handler_fn   owner_handlers[]; /* run as the schema owner; ends with NULL */

/* Finds the route for r->method and r->path, filling r->params with the decoded segments.
 * NULL with r->problem set: 404 when no pattern matches, 405 (with Allow) when only the
 * method is wrong, 400 for a path too long or with too many segments. */
const struct route *route_match(const struct route *table, struct request *r);

/* Runs the whole request: match, authenticate, authorise, handle, answer problems. */
void dispatch(struct request *r);

#endif
