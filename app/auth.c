/* auth.c — bearer token -> r->user. */
#include <string.h>
#include <strings.h>
#include <time.h>

#include "logbook/app.h"
#include "logbook/auth.h"
#include "logbook/http.h"
#include "logbook/roles.h"

int
auth_bearer(struct request *r)
{
	const char         *h = FCGX_GetParam("HTTP_AUTHORIZATION", r->fcgx->envp);
	struct jwt_identity *id;
	enum jwt_result      res;

	if (h == NULL || *h == '\0')
		return PROBLEM(r, 401, "unauthorized", "an Authorization: Bearer token is required");
	if (strncasecmp(h, "Bearer ", 7) != 0)
		return PROBLEM(r, 401, "unauthorized", "the Authorization scheme must be Bearer");
	h += 7;
	while (*h == ' ')
		h++;
	id = arena_zalloc(r->arena, sizeof(*id));
	res = jwt_verify_token(&r->app->cfg.jwt, h, time(NULL), id);
	if (res != JWT_OK)
		return PROBLEM(r, 401, "invalid-token", "the token was rejected: %s", jwt_result_str(res));
	r->user = id;
	return 0;
}

int
auth_has_role(const struct request *r, unsigned mask)
{
	return r->user != NULL && (r->user->role_mask & (mask | ROLE_ADMIN)) != 0;
}
