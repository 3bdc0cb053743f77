/* template_store.c — the statements behind template_store.h. Each statement that is read
 * declares its columns once, beside the enum its reader indexes with; db.c checks them
 * against the server's description when it prepares the statement. */
#include "logbook/store/template_store.h"

#include <stdio.h>
#include <stdlib.h>

#include "logbook/core/arena.h"
#include "logbook/store/db.h"

enum { T_KEY, T_ARCHIVED, T_REVISION, T_CREATED_BY, T_CREATED_AT, T_UPDATED_AT };
static const char *const template_cols[] = { "key", "archived", "revision", "created_by",
	"created_at", "updated_at", NULL };
#define TEMPLATE_COLUMNS "key, archived, revision, created_by, created_at, updated_at"

enum {
	V_VERSION,
	V_STATUS,
	V_DEFINITION,
	V_CREATED_BY,
	V_CREATED_AT,
	V_UPDATED_AT,
	V_PUBLISHED_BY,
	V_PUBLISHED_AT
};
static const char *const version_cols[] = { "version", "status", "definition", "created_by",
	"created_at", "updated_at", "published_by", "published_at", NULL };
#define VERSION_COLUMNS                                                    \
	"version, status, definition, created_by, created_at, updated_at," \
	" published_by, published_at"

enum { L_KEY, L_ARCHIVED, L_REVISION, L_UPDATED_AT, L_VERSION, L_STATUS, L_TITLE, L_PUBLISHED };
static const char *const list_cols[] = { "key", "archived", "revision", "updated_at",
	"latest_version", "latest_status", "title", "published_version", NULL };

static const char *const definition_cols[] = { "definition", NULL };

DB_STMT_COLS(
    stmt_template, "SELECT " TEMPLATE_COLUMNS " FROM templates WHERE key = $1", template_cols);
DB_STMT_COLS(stmt_template_lock,
    "SELECT " TEMPLATE_COLUMNS " FROM templates WHERE key = $1 FOR UPDATE", template_cols);
DB_STMT_COLS(stmt_versions,
    "SELECT " VERSION_COLUMNS " FROM template_versions"
    " WHERE template_key = $1 ORDER BY version DESC",
    version_cols);
DB_STMT_COLS(stmt_version,
    "SELECT " VERSION_COLUMNS " FROM template_versions"
    " WHERE template_key = $1 AND version = $2::integer",
    version_cols);
DB_STMT_COLS(stmt_list,
    "SELECT t.key, t.archived, t.revision, t.updated_at, v.version AS latest_version,"
    " v.status AS latest_status, v.definition->>'title' AS title,"
    " (SELECT p.version FROM template_versions p"
    "   WHERE p.template_key = t.key AND p.status = 'published') AS published_version"
    " FROM templates t"
    " CROSS JOIN LATERAL (SELECT version, status, definition FROM template_versions"
    "   WHERE template_key = t.key ORDER BY version DESC LIMIT 1) v"
    " WHERE ($1::text IS NULL OR t.key > $1)"
    " AND ($2::text IS NULL"
    "  OR ($2 = 'archived' AND t.archived)"
    "  OR ($2 <> 'archived' AND NOT t.archived AND EXISTS (SELECT 1 FROM template_versions s"
    "      WHERE s.template_key = t.key AND s.status = $2)))"
    " ORDER BY t.key LIMIT $3::integer",
    list_cols);
DB_STMT_COLS(stmt_published_definitions,
    "SELECT definition FROM template_versions WHERE template_key = $1 AND published_at IS NOT NULL"
    " ORDER BY version",
    definition_cols);
DB_STMT(stmt_insert,
    "WITH t AS (INSERT INTO templates (key, created_by) VALUES ($1, $2)"
    "  ON CONFLICT (key) DO NOTHING RETURNING key)"
    " INSERT INTO template_versions (template_key, version, status, definition, created_by)"
    " SELECT key, 1, 'draft', $3::json, $2 FROM t RETURNING version");
DB_STMT(stmt_draft_update,
    "UPDATE template_versions SET definition = $3::json, updated_at = now()"
    " WHERE template_key = $1 AND version = $2::integer AND status = 'draft' RETURNING version");
DB_STMT(stmt_draft_insert,
    "INSERT INTO template_versions (template_key, version, status, definition, created_by)"
    " VALUES ($1, $2::integer, 'draft', $3::json, $4) RETURNING version");
DB_STMT(stmt_touch,
    "UPDATE templates SET revision = revision + 1, updated_at = now()"
    " WHERE key = $1 RETURNING revision");
DB_STMT(stmt_archive,
    "WITH v AS (UPDATE template_versions SET status = 'archived', updated_at = now()"
    "  WHERE template_key = $1 AND status = 'published')"
    " UPDATE templates SET archived = true, revision = revision + 1, updated_at = now()"
    " WHERE key = $1 RETURNING revision");
/* Two statements, not one with a data-modifying CTE: the unique index on the published
 * version is checked row by row, and a CTE's UPDATE need not run before the outer one. */
DB_STMT(stmt_unpublish,
    "UPDATE template_versions SET status = 'archived', updated_at = now()"
    " WHERE template_key = $1 AND status = 'published' AND version <> $2::integer");
DB_STMT(stmt_mark_published,
    "UPDATE template_versions SET status = 'published', published_by = $3,"
    " published_at = now(), updated_at = now()"
    " WHERE template_key = $1 AND version = $2::integer AND status = 'draft' RETURNING version");

static void
template_read(const PGresult *res, int i, struct template_row *t)
{
	t->key = PQgetvalue(res, i, T_KEY);
	t->archived = PQgetvalue(res, i, T_ARCHIVED)[0] == 't';
	t->revision = PQgetvalue(res, i, T_REVISION);
	t->created_by = PQgetvalue(res, i, T_CREATED_BY);
	t->created_at = PQgetvalue(res, i, T_CREATED_AT);
	t->updated_at = PQgetvalue(res, i, T_UPDATED_AT);
}

static void
version_read(const PGresult *res, int i, struct version_row *v)
{
	v->version = atoi(PQgetvalue(res, i, V_VERSION));
	v->status = PQgetvalue(res, i, V_STATUS);
	v->definition = PQgetvalue(res, i, V_DEFINITION);
	v->created_by = PQgetvalue(res, i, V_CREATED_BY);
	v->created_at = PQgetvalue(res, i, V_CREATED_AT);
	v->updated_at = PQgetvalue(res, i, V_UPDATED_AT);
	v->published_by = db_value(res, i, V_PUBLISHED_BY);
	v->published_at = db_value(res, i, V_PUBLISHED_AT);
}

int
tstore_template(struct db *db, struct arena *a, struct db_error *e, const char *key, int for_update,
    struct template_row *out)
{
	const char *v[1] = { key };
	PGresult *res = db_exec(db, a, e, for_update ? &stmt_template_lock : &stmt_template, 1, v);

	if (res == NULL)
		return -1;
	if (PQntuples(res) == 0)
		return 0;
	template_read(res, 0, out);
	return 1;
}

int
tstore_versions(
    struct db *db, struct arena *a, struct db_error *e, const char *key, struct version_row **out)
{
	const char *v[1] = { key };
	PGresult   *res = db_exec(db, a, e, &stmt_versions, 1, v);
	int         i, n;

	if (res == NULL)
		return -1;
	n = PQntuples(res);
	*out = arena_zalloc(a, ((size_t)n + 1) * sizeof(**out));
	for (i = 0; i < n; i++)
		version_read(res, i, &(*out)[i]);
	return n;
}

int
tstore_version(struct db *db, struct arena *a, struct db_error *e, const char *key,
    const char *version, struct version_row *out)
{
	const char *v[2] = { key, version };
	PGresult   *res = db_exec(db, a, e, &stmt_version, 2, v);

	if (res == NULL)
		return -1;
	if (PQntuples(res) == 0)
		return 0;
	version_read(res, 0, out);
	return 1;
}

int
tstore_list(struct db *db, struct arena *a, struct db_error *e, const char *status,
    const char *after, int limit, struct template_summary **out)
{
	char        lim[16];
	const char *v[3] = { after, status, lim };
	PGresult   *res;
	int         i, n;

	snprintf(lim, sizeof(lim), "%d", limit);
	if ((res = db_exec(db, a, e, &stmt_list, 3, v)) == NULL)
		return -1;
	n = PQntuples(res);
	*out = arena_zalloc(a, ((size_t)n + 1) * sizeof(**out));
	for (i = 0; i < n; i++) {
		struct template_summary *t = &(*out)[i];

		t->key = PQgetvalue(res, i, L_KEY);
		t->archived = PQgetvalue(res, i, L_ARCHIVED)[0] == 't';
		t->revision = PQgetvalue(res, i, L_REVISION);
		t->updated_at = PQgetvalue(res, i, L_UPDATED_AT);
		t->latest_version = atoi(PQgetvalue(res, i, L_VERSION));
		t->latest_status = PQgetvalue(res, i, L_STATUS);
		t->title = db_value(res, i, L_TITLE);
		t->published_version =
		    PQgetisnull(res, i, L_PUBLISHED) ? 0 : atoi(PQgetvalue(res, i, L_PUBLISHED));
	}
	return n;
}

int
tstore_published_definitions(
    struct db *db, struct arena *a, struct db_error *e, const char *key, const char ***out)
{
	const char *v[1] = { key };
	PGresult   *res = db_exec(db, a, e, &stmt_published_definitions, 1, v);
	int         i, n;

	if (res == NULL)
		return -1;
	n = PQntuples(res);
	*out = arena_zalloc(a, ((size_t)n + 1) * sizeof(**out));
	for (i = 0; i < n; i++)
		(*out)[i] = PQgetvalue(res, i, 0);
	return n;
}

int
tstore_insert(struct db *db, struct arena *a, struct db_error *e, const char *key,
    const char *definition_json, const char *user)
{
	const char *v[3] = { key, user, definition_json };
	PGresult   *res = db_exec(db, a, e, &stmt_insert, 3, v);

	return res == NULL ? -1 : PQntuples(res) > 0;
}

int
tstore_draft_update(struct db *db, struct arena *a, struct db_error *e, const char *key,
    const char *version, const char *definition_json)
{
	const char *v[3] = { key, version, definition_json };

	return db_exec(db, a, e, &stmt_draft_update, 3, v) != NULL ? 0 : -1;
}

int
tstore_draft_insert(struct db *db, struct arena *a, struct db_error *e, const char *key,
    const char *version, const char *definition_json, const char *user)
{
	const char *v[4] = { key, version, definition_json, user };

	return db_exec(db, a, e, &stmt_draft_insert, 4, v) != NULL ? 0 : -1;
}

int
tstore_touch(struct db *db, struct arena *a, struct db_error *e, const char *key)
{
	const char *v[1] = { key };

	return db_exec(db, a, e, &stmt_touch, 1, v) != NULL ? 0 : -1;
}

int
tstore_archive(struct db *db, struct arena *a, struct db_error *e, const char *key)
{
	const char *v[1] = { key };

	return db_exec(db, a, e, &stmt_archive, 1, v) != NULL ? 0 : -1;
}

int
tstore_mark_published(struct db *db, struct arena *a, struct db_error *e, const char *key,
    const char *version, const char *user)
{
	const char *v[3] = { key, version, user };

	if (db_exec(db, a, e, &stmt_unpublish, 2, v) == NULL)
		return -1;
	return db_exec(db, a, e, &stmt_mark_published, 3, v) != NULL ? 0 : -1;
}
