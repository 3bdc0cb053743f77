/* user_store.c — the statements behind user_store.h. */
#include "logbook/store/user_store.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "logbook/core/arena.h"
#include "logbook/core/json_util.h"
#include "logbook/store/audit_append.h"
#include "logbook/store/db.h"

enum { U_USERNAME, U_NAME, U_ROLES, U_DISABLED, U_REVISION, U_CREATED_AT, U_UPDATED_AT };
static const char *const user_cols[] = { "username", "name", "roles", "disabled", "revision",
	"created_at", "updated_at", NULL };
#define USER_COLUMNS "username, name, roles, disabled, revision, created_at, updated_at"

enum { LG_HASH, LG_NAME, LG_ROLES, LG_DISABLED };
static const char *const login_cols[] = { "password_hash", "name", "roles", "disabled", NULL };

DB_STMT_COLS(stmt_user_insert,
    "INSERT INTO users (username, name, roles, password_hash) VALUES ($1, $2, $3::text[], $4)"
    " ON CONFLICT (username) DO NOTHING RETURNING " USER_COLUMNS,
    user_cols);
DB_STMT_COLS(stmt_user_get, "SELECT " USER_COLUMNS " FROM users WHERE username = $1", user_cols);
DB_STMT_COLS(stmt_user_get_for_update,
    "SELECT " USER_COLUMNS " FROM users WHERE username = $1 FOR UPDATE", user_cols);
DB_STMT_COLS(stmt_user_list,
    "SELECT " USER_COLUMNS " FROM users WHERE $1::text IS NULL OR username > $1"
    " ORDER BY username LIMIT $2",
    user_cols);
DB_STMT_COLS(stmt_user_update,
    "UPDATE users SET name = coalesce($2, name), roles = coalesce($3::text[], roles),"
    " password_hash = coalesce($4, password_hash), disabled = coalesce($5::boolean, disabled),"
    " revision = revision + 1, updated_at = now() WHERE username = $1 RETURNING " USER_COLUMNS,
    user_cols);
DB_STMT_COLS(stmt_login_user,
    "SELECT password_hash, name, roles, disabled FROM users WHERE username = $1", login_cols);
enum { UP_USERNAME, UP_NAME, UP_ROLES, UP_CREATED };
static const char *const upsert_cols[] = { "username", "name", "roles", "created", NULL };
DB_STMT_COLS(stmt_user_upsert,
    "INSERT INTO users (username, name, roles, password_hash) VALUES ($1, $2, $3::text[], $4)"
    " ON CONFLICT (username) DO UPDATE SET name = EXCLUDED.name, roles = EXCLUDED.roles,"
    " password_hash = EXCLUDED.password_hash, disabled = false, revision = users.revision + 1,"
    " updated_at = now() RETURNING username, name, roles, (xmax = 0) AS created",
    upsert_cols);

/* Splits a text[] of plain role names ("{admin,author}": the table's CHECK allows only
 * words) into roles[], arena copies. */
static int
split_roles(struct arena *a, const char *text, const char **roles)
{
	char *copy = arena_strdup(a, text[0] == '{' ? text + 1 : text), *tok, *save = NULL;
	int   n = 0;

	copy[strcspn(copy, "}")] = '\0';
	for (tok = strtok_r(copy, ",", &save); tok != NULL && n < USER_ROLES_MAX;
	     tok = strtok_r(NULL, ",", &save))
		roles[n++] = tok;
	return n;
}

static void
user_read(struct arena *a, const PGresult *res, int i, struct user_row *u)
{
	u->username = PQgetvalue(res, i, U_USERNAME);
	u->name = PQgetvalue(res, i, U_NAME);
	u->nroles = split_roles(a, PQgetvalue(res, i, U_ROLES), u->roles);
	u->disabled = PQgetvalue(res, i, U_DISABLED)[0] == 't';
	u->revision = PQgetvalue(res, i, U_REVISION);
	u->created_at = PQgetvalue(res, i, U_CREATED_AT);
	u->updated_at = PQgetvalue(res, i, U_UPDATED_AT);
}

/* One row or none of a statement returning user rows. */
static int
one_user(struct db *db, struct arena *a, struct db_error *e, struct db_stmt *st, int n,
    const char *const *values, struct user_row *out)
{
	PGresult *res = db_exec(db, a, e, st, n, values);

	if (res == NULL)
		return -1;
	if (PQntuples(res) == 0)
		return 0;
	user_read(a, res, 0, out);
	return 1;
}

int
ustore_insert(struct db *db, struct arena *a, struct db_error *e, const char *username,
    const char *name, const char *roles, const char *password_hash, struct user_row *out)
{
	const char *v[4] = { username, name, roles, password_hash };

	return one_user(db, a, e, &stmt_user_insert, 4, v, out);
}

int
ustore_get(struct db *db, struct arena *a, struct db_error *e, const char *username, int for_update,
    struct user_row *out)
{
	const char *v[1] = { username };

	return one_user(
	    db, a, e, for_update ? &stmt_user_get_for_update : &stmt_user_get, 1, v, out);
}

int
ustore_list(struct db *db, struct arena *a, struct db_error *e, const char *after, int limit,
    struct user_row **out)
{
	char        lim[16];
	const char *v[2] = { after, lim };
	PGresult   *res;
	int         i, n;

	snprintf(lim, sizeof(lim), "%d", limit);
	if ((res = db_exec(db, a, e, &stmt_user_list, 2, v)) == NULL)
		return -1;
	n = PQntuples(res);
	*out = arena_zalloc(a, ((size_t)n + 1) * sizeof(**out));
	for (i = 0; i < n; i++)
		user_read(a, res, i, &(*out)[i]);
	return n;
}

int
ustore_update(struct db *db, struct arena *a, struct db_error *e, const char *username,
    const struct user_change *c, struct user_row *out)
{
	const char *v[5] = { username, c->name, c->roles, c->password_hash, c->disabled };

	return one_user(db, a, e, &stmt_user_update, 5, v, out);
}

int
ustore_login(
    struct db *db, struct arena *a, struct db_error *e, const char *username, struct login_row *out)
{
	const char *v[1] = { username };
	PGresult   *res = db_exec(db, a, e, &stmt_login_user, 1, v);

	if (res == NULL)
		return -1;
	if (PQntuples(res) != 1)
		return 0;
	out->password_hash = PQgetvalue(res, 0, LG_HASH);
	out->name = PQgetvalue(res, 0, LG_NAME);
	out->nroles = split_roles(a, PQgetvalue(res, 0, LG_ROLES), out->roles);
	out->disabled = PQgetvalue(res, 0, LG_DISABLED)[0] == 't';
	return 1;
}

int
ustore_upsert(struct db *db, struct arena *a, struct db_error *e, const struct audit_actor *who,
    const char *username, const char *name, const char *roles, const char *password_hash)
{
	const char         *v[4] = { username, name, roles, password_hash };
	const char         *names[USER_ROLES_MAX];
	struct audit_event  ev = { .object_type = "user" };
	struct json_object *after, *arr;
	PGresult           *res;
	int                 i, n, created;

	if (db_begin(db, a, e) != 0 || (res = db_exec(db, a, e, &stmt_user_upsert, 4, v)) == NULL)
		return -1;
	created = PQgetvalue(res, 0, UP_CREATED)[0] == 't';
	after = json_arena_own(a, json_object_new_object());
	json_object_object_add(
	    after, "username", json_object_new_string(PQgetvalue(res, 0, UP_USERNAME)));
	json_object_object_add(after, "name", json_object_new_string(PQgetvalue(res, 0, UP_NAME)));
	arr = json_object_new_array();
	n = split_roles(a, PQgetvalue(res, 0, UP_ROLES), names);
	for (i = 0; i < n; i++)
		json_object_array_add(arr, json_object_new_string(names[i]));
	json_object_object_add(after, "roles", arr);
	ev.action = created ? "create" : "update";
	ev.object_id = username;
	ev.after = after;
	if (audit_append_now(db, a, e, who, &ev) != 0 || db_commit(db, a, e) != 0)
		return -1;
	return created;
}
