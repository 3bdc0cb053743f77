/* users.c — /api/v1/users: admins create, list and change password users. */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "logbook/auth/identity.h"
#include "logbook/auth/password.h"
#include "logbook/auth/roles.h"
#include "logbook/core/json_util.h"
#include "logbook/core/timestamp.h"
#include "logbook/domain/utf8.h"
#include "logbook/handlers/handlers.h"
#include "logbook/http/http.h"
#include "logbook/http/pagination.h"
#include "logbook/store/audit_append.h"
#include "logbook/store/db.h"
#include "logbook/store/user_store.h"

/* Display names go into tokens, which cap them in bytes (JWT_NAME_MAX). */
static void
take_name(struct request *r, struct json_object *in, const char **name)
{
	if (json_take_string(r, in, "name", 200, 0, name) == 0 && *name != NULL &&
	    strlen(*name) >= JWT_NAME_MAX)
		problem_add_error(r, "name", "max_length",
		    arena_printf(r->arena, "must be at most %d bytes of UTF-8", JWT_NAME_MAX - 1));
}

/* One user as JSON. */
static struct json_object *
user_json(struct request *r, const struct user_row *row)
{
	struct json_object *u = json_object_new_object(), *arr = json_object_new_array();
	int                 i;

	json_object_object_add(u, "username", json_object_new_string(row->username));
	json_object_object_add(u, "name", json_object_new_string(row->name));
	for (i = 0; i < row->nroles; i++)
		json_object_array_add(arr, json_object_new_string(row->roles[i]));
	json_object_object_add(u, "roles", arr);
	json_object_object_add(u, "disabled", json_object_new_boolean(row->disabled));
	json_object_object_add(
	    u, "etag", json_object_new_string(arena_printf(r->arena, "\"%s\"", row->revision)));
	json_object_object_add(
	    u, "created_at", json_object_new_string(ts_from_pg(r->arena, row->created_at)));
	json_object_object_add(
	    u, "updated_at", json_object_new_string(ts_from_pg(r->arena, row->updated_at)));
	return u;
}

static int
reply_user(struct request *r, int status, const struct user_row *row)
{
	struct json_object *u = user_json(r, row), *etag;

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
	*out = pg_text_array(r->arena, names, (int)n);
	return 0;
}

static int
take_password(struct request *r, struct json_object *in, const char **hash)
{
	const char *pw = NULL;
	char       *h;

	if (json_take_string(r, in, "password", 1024, 1, &pw) != 0 || pw == NULL)
		return 0;
	if (utf8_count(pw, strlen(pw)) < 8) {
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
	struct user_row          row;
	struct audit_event       ev = { .action = "create", .object_type = "user" };
	int                      created;

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

	if (db_begin(STORE(r)) != 0 ||
	    (created = ustore_insert(STORE(r), username, name, roles, hash, &row)) < 0)
		return -1;
	if (created == 0)
		return PROBLEM(r, 409, "duplicate", "user '%s' already exists", username);
	ev.object_id = username;
	ev.after = json_own(r, user_json(r, &row));
	if (audit_append(STORE(r), request_actor(r), &ev) != 0)
		return -1;
	reply_header(r, "Location", arena_printf(r->arena, "/api/v1/users/%s", username));
	return reply_user(r, 201, &row);
}

int
handle_users_list(struct request *r)
{
	struct json_object *items;
	struct user_row    *rows;
	const char         *after;
	int                 limit, i, n;

	if (page_params(r, &limit, &after) != 0 ||
	    (n = ustore_list(STORE(r), after, limit + 1, &rows)) < 0)
		return -1;
	items = json_object_new_array();
	for (i = 0; i < n && i < limit; i++)
		json_object_array_add(items, user_json(r, &rows[i]));
	return reply_page(r, items, n > limit ? rows[limit - 1].username : NULL);
}

int
handle_users_get(struct request *r)
{
	struct user_row row;
	int             found;

	if ((found = ustore_get(STORE(r), r->params[0], 0, &row)) < 0)
		return -1;
	if (found == 0)
		return PROBLEM(r, 404, "not-found", "no user '%s'", r->params[0]);
	return reply_user(r, 200, &row);
}

int
handle_users_patch(struct request *r)
{
	static const char *const allowed[] = { "password", "name", "roles", "disabled", NULL };
	struct json_object      *in, *dis;
	const char              *name = NULL, *roles = NULL, *hash = NULL, *disabled = NULL;
	struct user_row          cur, row;
	struct user_change       change;
	struct audit_event       ev = { .action = "update", .object_type = "user" };
	int                      found;

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

	if (db_begin(STORE(r)) != 0 || (found = ustore_get(STORE(r), r->params[0], 1, &cur)) < 0)
		return -1;
	if (found == 0)
		return PROBLEM(r, 404, "not-found", "no user '%s'", r->params[0]);
	if (request_if_match(r, arena_printf(r->arena, "\"%s\"", cur.revision), "the user") != 0)
		return -1;
	change = (struct user_change){ name, roles, hash, disabled };
	if (ustore_update(STORE(r), r->params[0], &change, &row) < 1)
		return -1;
	ev.object_id = r->params[0];
	ev.before = json_own(r, user_json(r, &cur));
	ev.after = json_own(r, user_json(r, &row));
	if (hash != NULL) /* the hash stays out of the trail; the fact of the change goes in */
		json_object_object_add(ev.after, "password_changed", json_object_new_boolean(1));
	if (audit_append(STORE(r), request_actor(r), &ev) != 0)
		return -1;
	return reply_user(r, 200, &row);
}
