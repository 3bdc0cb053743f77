/* dispatch.c — one request from route to reply. */
#include "logbook/auth.h"
#include "logbook/http.h"
#include "logbook/router.h"

void
dispatch(struct request *r)
{
	const struct route *rt = route_match(routes, r);

	if (rt == NULL)
		goto fail;
	if (rt->auth == ROUTE_BEARER) {
		if (auth_bearer(r) != 0)
			goto fail;
		if (rt->roles != 0 && !auth_has_role(r, rt->roles)) {
			PROBLEM(r, 403, "forbidden", "this needs one of the roles the route allows");
			goto fail;
		}
	}
	if (rt->handler(r) == 0)
		return;
fail:
	reply_problem(r);
}
