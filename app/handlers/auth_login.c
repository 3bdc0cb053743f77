/* auth_login.c — POST /api/v1/auth/login: password -> token, every attempt audited.
 *
 * Failed logins are throttled per username and per client address (login_throttle.h): a
 * refused attempt gets 429 with Retry-After without its password being looked at, so the
 * answer and its time are the same whether or not the user exists. What an anonymous client
 * puts into the trail is bounded: attempted names are sanitised and cut (the actor column),
 * user agents too (request.c), failures are as many as the throttles let through, and a
 * throttled burst writes one login_throttled row, not one per request. */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "logbook/auth/identity.h"
#include "logbook/auth/password.h"
#include "logbook/core/json_util.h"
#include "logbook/handlers/handlers.h"
#include "logbook/http/http.h"
#include "logbook/store/audit_append.h"
#include "logbook/store/db.h"
#include "logbook/store/login_throttle.h"
#include "logbook/worker/app.h"

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

/* The attempted name as it goes into the trail: valid UTF-8, no control characters, cut. */
static const char *
trail_name(struct request *r, const char *username)
{
	return identity_sanitize(username, arena_alloc(r->arena, 65), 65);
}

static int
login_failed(struct request *r, const char *username)
{
	struct audit_event ev = {
		.action = "login_failed",
		.object_type = "session",
		.object_id = trail_name(r, username),
		.actor = trail_name(r, username),
	};

	if (audit_append_now(r, &ev) != 0)
		return -1;
	/* One body for every failure, whether or not the user exists. */
	return PROBLEM(r, 401, "invalid-credentials", "the username or password is wrong");
}

/* Sleeps until the wall clock reaches second `at` (at most a little over one second). */
static time_t
wait_for_second(long at)
{
	struct timespec ts;
	long long       left_us;

	clock_gettime(CLOCK_REALTIME, &ts);
	left_us = ((long long)at - ts.tv_sec) * 1000000 - ts.tv_nsec / 1000 + 1000;
	if (left_us > 0 && left_us <= 1100000)
		usleep((useconds_t)left_us);
	return time(NULL) < at ? (time_t)at : time(NULL);
}

static int
login_throttled(struct request *r, const char *username, const struct login_attempt *a)
{
	struct audit_event ev = {
		.action = "login_throttled",
		.object_type = "session",
		.object_id = trail_name(r, username),
		.actor = trail_name(r, username),
	};

	if (a->audit_throttled && audit_append_now(r, &ev) != 0)
		return -1;
	PROBLEM(r, 429, "too-many-attempts",
	    "too many failed logins for this username or from this address; retry later");
	r->problem.retry_after = a->retry_after;
	return -1;
}

int
handle_login(struct request *r)
{
	struct json_object  *in, *body;
	const char          *username = NULL, *password = NULL, *roles[JWT_MAX_ROLES];
	struct login_attempt a;
	char                *token, *roles_text;
	int                  nroles, ok;
	time_t               now = time(NULL);
	struct audit_event   ev = { .action = "login", .object_type = "session" };

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
	if (login_attempt_begin(r, username, &a) != 0)
		return -1;
	if (!a.allowed)
		return login_throttled(r, username, &a);
	ok = password_verify(password, a.found ? a.password_hash : NULL);
	if (!ok || a.disabled)
		return login_failed(r, username);

	roles_text = arena_strdup(r->arena, a.roles);
	nroles = split_roles(roles_text, roles, JWT_MAX_ROLES);
	/* Tokens issued up to the second of the last password change are refused (bearer.c),
	 * since iat counts whole seconds. A login in that same second waits for the next one
	 * (rare: a password set less than a second ago); dating its token later instead would
	 * also let a token issued just before the change outlive it. */
	if (now <= (time_t)a.password_cutoff)
		now = wait_for_second(a.password_cutoff + 1);
	token = jwt_mint_token(
	    &r->app->cfg.jwt, username, a.name, roles, nroles, now, r->app->cfg.token_ttl);
	if (token == NULL)
		return PROBLEM(r, 503, "login-unavailable",
		    "this server has no signing key, so it cannot issue tokens");
	arena_own(r->arena, token, free);
	login_attempt_succeeded(r, &a);
	ev.object_id = ev.actor = username;
	if (audit_append(r, &ev) != 0)
		return -1;
	body = json_object_new_object();
	json_object_object_add(body, "access_token", json_object_new_string(token));
	json_object_object_add(body, "token_type", json_object_new_string("Bearer"));
	json_object_object_add(body, "expires_in", json_object_new_int64(r->app->cfg.token_ttl));
	return reply_json(r, 200, body);
}
