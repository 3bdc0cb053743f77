/* users.c — /api/v1/users: admins create, list and change password users. */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "logbook/auth/identity.h"
#include "logbook/auth/password.h"
#include "logbook/auth/roles.h"
#include "logbook/core/json_util.h"
#include "logbook/handlers/handlers.h"
#include "logbook/http/http.h"
#include "logbook/http/pagination.h"
#include "logbook/store/audit_append.h"
#include "logbook/store/db.h"

#define USER_COLUMNS "username, name, roles, disabled, revision, created_at, updated_at"

DB_STMT(stmt_user_insert,
    "INSERT INTO users (username, name, roles, password_hash) VALUES ($1, $2, $3::text[], $4)"
    " ON CONFLICT (username) DO NOTHING RETURNING " USER_COLUMNS);
DB_STMT(stmt_user_get, "SELECT " USER_COLUMNS " FROM users WHERE username = $1");
DB_STMT(
    stmt_user_get_for_update, "SELECT " USER_COLUMNS " FROM users WHERE username = $1 FOR UPDATE");
DB_STMT(stmt_user_list,
    "SELECT " USER_COLUMNS " FROM users WHERE $1::text IS NULL OR username > $1"
    " ORDER BY username LIMIT $2");
DB_STMT(stmt_user_update,
    "UPDATE users SET name = coalesce($2, name), roles = coalesce($3::text[], roles),"
    " password_hash = coalesce($4, password_hash), disabled = coalesce($5::boolean, disabled),"
    " revision = revision + 1, updated_at = now() WHERE username = $1 RETURNING " USER_COLUMNS);

/* Display names go into tokens, which cap them in bytes (JWT_NAME_MAX). */
static void
take_name(struct request *r, struct json_object *in, const char **name)
{
	if (json_take_string(r, in, "name", 200, 0, name) == 0 && *name != NULL &&
	    strlen(*name) >= JWT_NAME_MAX)
		problem_add_error(r, "name", "max_length",
		    arena_printf(r->arena, "must be at most %d bytes of UTF-8", JWT_NAME_MAX - 1));
}

/* One user row as JSON; the row's columns are USER_COLUMNS in order. */
static struct json_object *
user_json(struct request *r, PGresult *res, int row)
{
	struct json_object *u = json_object_new_object();
	const char         *roles = PQgetvalue(res, row, 2);

	json_object_object_add(u, "username", json_object_new_string(PQgetvalue(res, row, 0)));
	json_object_object_add(u, "name", json_object_new_string(PQgetvalue(res, row, 1)));
	/* Role names are plain words (the table's CHECK), so the array text splits safely. */
	{
		struct json_object *arr = json_object_new_array();
		char               *copy = arena_strdup(r->arena, roles + 1), *tok, *save = NULL;

		copy[strcspn(copy, "}")] = '\0';
		for (tok = strtok_r(copy, ",", &save); tok != NULL;
		     tok = strtok_r(NULL, ",", &save))
			json_object_array_add(arr, json_object_new_string(tok));
		json_object_object_add(u, "roles", arr);
	}
	json_object_object_add(
	    u, "disabled", json_object_new_boolean(PQgetvalue(res, row, 3)[0] == 't'));
	json_object_object_add(u, "etag",
	    json_object_new_string(arena_printf(r->arena, "\"%s\"", PQgetvalue(res, row, 4))));
	json_object_object_add(u, "created_at",
	    json_object_new_string(time_rfc3339_from_pg(r, PQgetvalue(res, row, 5))));
	json_object_object_add(u, "updated_at",
	    json_object_new_string(time_rfc3339_from_pg(r, PQgetvalue(res, row, 6))));
	return u;
}

static int
reply_user(struct request *r, int status, PGresult *res)
{
	struct json_object *u = user_json(r, res, 0), *etag;

	json_object_object_get_ex(u, "etag", &etag);
	reply_header(r, "ETag", arena_strdup(r->arena, json_object_get_string(etag)));
	return reply_json(r, status, u);
}

/* Reads `roles` (array of known role names) into a PostgreSQL array literal. */
static int
take_roles(struct request *r, struct json_object *in, const char **out)
{
	struct json_object *arr;
	const char         *names[16];
	size_t              i, n;

	if (!json_object_object_get_ex(in, "roles", &arr) || arr == NULL)
		return 0;
	if (!json_object_is_type(arr, json_type_array) ||
	    (n = json_object_array_length(arr)) > 16) {
		problem_add_error(r, "roles", "type", "must be an array of at most 16 role names");
		return -1;
	}
	for (i = 0; i < n; i++) {
		struct json_object *v = json_object_array_get_idx(arr, i);

		if (!json_object_is_type(v, json_type_string) ||
		    role_from_name(json_object_get_string(v)) == 0) {
			problem_add_error(r, arena_printf(r->arena, "roles[%zu]", i), "choice",
			    "must be one of admin, designer, author, reviewer, approver, auditor");
			return -1;
		}
		names[i] = json_object_get_string(v);
	}
	*out = pg_text_array(r, names, (int)n);
	return 0;
}

static int
take_password(struct request *r, struct json_object *in, const char **hash)
{
	const char *pw = NULL;
	char       *h;

	if (json_take_string(r, in, "password", 1024, 1, &pw) != 0 || pw == NULL)
		return 0;
	if (utf8_length(pw) < 8) {
		problem_add_error(r, "password", "min_length", "must be at least 8 characters");
		return -1;
	}
	h = arena_alloc(r->arena, PASSWORD_HASH_MAX);
	if (password_hash(pw, h) != 0)
		return PROBLEM(r, 503, "unavailable", "cannot hash passwords right now");
	*hash = h;
	return 0;
}

int
handle_users_create(struct request *r)
{
	static const char *const allowed[] = { "username", "password", "name", "roles", NULL };
	struct json_object      *in;
	const char              *username = NULL, *name = "", *roles = "{}", *hash = NULL;
	const char              *values[4];
	PGresult                *res;
	struct audit_event       ev = { .action = "create", .object_type = "user" };

	if (request_json_object(r, &in) != 0)
		return -1;
	json_only_members(r, in, allowed);
	if (json_take_string(r, in, "username", 64, 1, &username) == 0 && username == NULL)
		problem_add_error(r, "username", "required", "is required");
	else if (username != NULL && !identity_username_valid(username))
		problem_add_error(r, "username", "pattern",
		    "must match " IDENTITY_USERNAME_PATTERN
		    ": 1-64 lower-case letters, digits or ._- starting with a letter or digit");
	take_name(r, in, &name);
	take_roles(r, in, &roles);
	/* Hashing is deliberately slow: only for an otherwise valid request. */
	if (problem_error_count(r) == 0 && take_password(r, in, &hash) == 0 && hash == NULL)
		problem_add_error(r, "password", "required", "is required");
	if (r->problem.status != 0)
		return -1;
	if (problem_error_count(r) > 0)
		return PROBLEM(r, 422, "validation", "the user is not valid");

	values[0] = username;
	values[1] = name;
	values[2] = roles;
	values[3] = hash;
	if (db_begin(r) != 0 || (res = db_exec(r, &stmt_user_insert, 4, values)) == NULL)
		return -1;
	if (PQntuples(res) == 0)
		return PROBLEM(r, 409, "duplicate", "user '%s' already exists", username);
	ev.object_id = username;
	ev.after = json_own(r, user_json(r, res, 0));
	if (audit_append(r, &ev) != 0)
		return -1;
	reply_header(r, "Location", arena_printf(r->arena, "/api/v1/users/%s", username));
	return reply_user(r, 201, res);
}

int
handle_users_list(struct request *r)
{
	struct json_object *items;
	const char         *after, *values[2];
	char                lim[16];
	int                 limit, i, n;
	PGresult           *res;

	if (page_params(r, &limit, &after) != 0)
		return -1;
	snprintf(lim, sizeof(lim), "%d", limit + 1);
	values[0] = after;
	values[1] = lim;
	if ((res = db_exec(r, &stmt_user_list, 2, values)) == NULL)
		return -1;
	n = PQntuples(res);
	items = json_object_new_array();
	for (i = 0; i < n && i < limit; i++)
		json_object_array_add(items, user_json(r, res, i));
	return reply_page(r, items, n > limit ? PQgetvalue(res, limit - 1, 0) : NULL);
}

int
handle_users_get(struct request *r)
{
	const char *values[1] = { r->params[0] };
	PGresult   *res;

	if ((res = db_exec(r, &stmt_user_get, 1, values)) == NULL)
		return -1;
	if (PQntuples(res) == 0)
		return PROBLEM(r, 404, "not-found", "no user '%s'", r->params[0]);
	return reply_user(r, 200, res);
}

int
handle_users_patch(struct request *r)
{
	static const char *const allowed[] = { "password", "name", "roles", "disabled", NULL };
	struct json_object      *in, *dis;
	const char              *name = NULL, *roles = NULL, *hash = NULL, *disabled = NULL;
	const char              *values[5];
	PGresult                *cur, *res;
	struct audit_event       ev = { .action = "update", .object_type = "user" };

	if (request_json_object(r, &in) != 0)
		return -1;
	json_only_members(r, in, allowed);
	take_name(r, in, &name);
	take_roles(r, in, &roles);
	if (json_object_object_get_ex(in, "disabled", &dis)) {
		if (!json_object_is_type(dis, json_type_boolean))
			problem_add_error(r, "disabled", "type", "must be true or false");
		else
			disabled = json_object_get_boolean(dis) ? "true" : "false";
	}
	if (r->problem.status == 0 && problem_error_count(r) == 0)
		take_password(r, in, &hash);
	if (r->problem.status != 0)
		return -1;
	if (problem_error_count(r) > 0)
		return PROBLEM(r, 422, "validation", "the change is not valid");

	values[0] = r->params[0];
	if (db_begin(r) != 0 || (cur = db_exec(r, &stmt_user_get_for_update, 1, values)) == NULL)
		return -1;
	if (PQntuples(cur) == 0)
		return PROBLEM(r, 404, "not-found", "no user '%s'", r->params[0]);
	if (request_if_match(
		r, arena_printf(r->arena, "\"%s\"", PQgetvalue(cur, 0, 4)), "the user") != 0)
		return -1;
	values[1] = name;
	values[2] = roles;
	values[3] = hash;
	values[4] = disabled;
	if ((res = db_exec(r, &stmt_user_update, 5, values)) == NULL)
		return -1;
	ev.object_id = r->params[0];
	ev.before = json_own(r, user_json(r, cur, 0));
	ev.after = json_own(r, user_json(r, res, 0));
	if (hash != NULL) /* the hash stays out of the trail; the fact of the change goes in */
		json_object_object_add(ev.after, "password_changed", json_object_new_boolean(1));
	if (audit_append(r, &ev) != 0)
		return -1;
	return reply_user(r, 200, res);
}
