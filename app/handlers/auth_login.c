/* auth_login.c — POST /api/v1/auth/login: password -> token, every attempt audited. */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "logbook/auth/password.h"
#include "logbook/core/json_util.h"
#include "logbook/handlers/handlers.h"
#include "logbook/http/http.h"
#include "logbook/store/audit_append.h"
#include "logbook/store/db.h"
#include "logbook/worker/app.h"

DB_STMT(
    stmt_login_user, "SELECT password_hash, name, roles, disabled FROM users WHERE username = $1");

/* Splits a PostgreSQL text[] of plain role names ("{admin,author}") in place. */
static int
split_roles(char *s, const char **out, int max)
{
	int   n = 0;
	char *tok, *save = NULL;

	if (*s == '{')
		s++;
	s[strcspn(s, "}")] = '\0';
	for (tok = strtok_r(s, ",", &save); tok != NULL && n < max;
	     tok = strtok_r(NULL, ",", &save))
		out[n++] = tok;
	return n;
}

static int
login_failed(struct request *r, const char *username)
{
	struct audit_event ev = {
		.action = "login_failed",
		.object_type = "session",
		.object_id = username,
		.actor = username,
	};

	if (audit_append_now(r, &ev) != 0)
		return -1;
	/* One body for every failure, whether or not the user exists. */
	return PROBLEM(r, 401, "invalid-credentials", "the username or password is wrong");
}

int
handle_login(struct request *r)
{
	struct json_object *in, *body;
	const char         *username = NULL, *password = NULL, *roles[JWT_MAX_ROLES];
	const char         *params[1];
	PGresult           *res;
	char               *token, *roles_text;
	int                 nroles, ok;
	struct audit_event  ev = { .action = "login", .object_type = "session" };

	if (request_json_object(r, &in) != 0)
		return -1;
	json_take_string(r, in, "username", 64, 1, &username);
	json_take_string(r, in, "password", 1024, 1, &password);
	if (problem_error_count(r) > 0 || username == NULL || password == NULL) {
		if (username == NULL && problem_error_count(r) == 0)
			problem_add_error(r, "username", "required", "is required");
		if (password == NULL)
			problem_add_error(r, "password", "required", "is required");
		return PROBLEM(r, 422, "validation", "username and password are required strings");
	}
	params[0] = username;
	if ((res = db_exec(r, &stmt_login_user, 1, params)) == NULL)
		return -1;
	ok = password_verify(password, PQntuples(res) == 1 ? PQgetvalue(res, 0, 0) : NULL);
	if (!ok || strcmp(PQgetvalue(res, 0, 3), "t") == 0)
		return login_failed(r, username);

	roles_text = arena_strdup(r->arena, PQgetvalue(res, 0, 2));
	nroles = split_roles(roles_text, roles, JWT_MAX_ROLES);
	token = jwt_mint_token(&r->app->cfg.jwt, username, PQgetvalue(res, 0, 1), roles, nroles,
	    time(NULL), r->app->cfg.token_ttl);
	if (token == NULL)
		return PROBLEM(r, 503, "login-unavailable",
		    "this server has no signing key, so it cannot issue tokens");
	arena_own(r->arena, token, free);
	ev.object_id = ev.actor = username;
	if (audit_append(r, &ev) != 0)
		return -1;
	body = json_object_new_object();
	json_object_object_add(body, "access_token", json_object_new_string(token));
	json_object_object_add(body, "token_type", json_object_new_string("Bearer"));
	json_object_object_add(body, "expires_in", json_object_new_int64(r->app->cfg.token_ttl));
	return reply_json(r, 200, body);
}
