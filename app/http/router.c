/* router.c — matching a path against the route table's patterns. */
#include "logbook/http/router.h"

#include <string.h>

#include "logbook/http/http.h"

#define PATH_MAX_LEN 2048

/* Matches path against pattern segment by segment. On success stores the decoded {params}. */
static int
pattern_match(const char *pattern, const char *path, struct request *r, int store)
{
	const char *p = pattern, *s = path;
	int         n = 0;

	while (*p != '\0' && *s != '\0') {
		const char *pend, *send;

		if (*p != '/' || *s != '/')
			return 0;
		p++;
		s++;
		pend = strchr(p, '/');
		if (pend == NULL)
			pend = p + strlen(p);
		send = strchr(s, '/');
		if (send == NULL)
			send = s + strlen(s);
		if (*p == '{') {
			if (send == s || n >= ROUTE_MAX_PARAMS)
				return 0;
			if (store)
				r->params[n] = http_url_decode(r->arena, s, (size_t)(send - s));
			n++;
		} else if (pend - p != send - s || memcmp(p, s, (size_t)(pend - p)) != 0)
			return 0;
		p = pend;
		s = send;
	}
	if (*p != '\0' || *s != '\0')
		return 0;
	if (store)
		r->nparams = n;
	return 1;
}

const struct route *
route_match(const struct route *table, struct request *r)
{
	const struct route *rt;
	char               *allow = NULL;
	int                 path_known = 0;

	if (strlen(r->path) > PATH_MAX_LEN)
		return PROBLEM(r, 404, "not-found", "no resource at this path"), NULL;
	for (rt = table; rt->method != NULL; rt++) {
		if (!pattern_match(rt->pattern, r->path, r, 0))
			continue;
		if (strcmp(rt->method, r->method) == 0) {
			pattern_match(rt->pattern, r->path, r, 1);
			return rt;
		}
		path_known = 1;
		allow = allow == NULL ? arena_strdup(r->arena, rt->method)
				      : arena_printf(r->arena, "%s, %s", allow, rt->method);
	}
	if (!path_known)
		return PROBLEM(r, 404, "not-found", "no resource at %s", r->path), NULL;
	/* HEAD is not served: saying so in Allow keeps clients from guessing. */
	r->problem.allow = allow;
	return PROBLEM(r, 405, "method-not-allowed", "%s is not allowed here; use %s", r->method,
		   allow),
	       NULL;
}
