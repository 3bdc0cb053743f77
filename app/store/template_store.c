/* template_store.c — the statements behind template_store.h. */
#include "logbook/store/template_store.h"

#include <stdio.h>

#include "logbook/http/http.h"
#include "logbook/store/db.h"

#define TEMPLATE_COLUMNS "key, archived, revision, created_by, created_at, updated_at"
#define VERSION_COLUMNS                                                    \
	"version, status, definition, created_by, created_at, updated_at," \
	" published_by, published_at"

DB_STMT(stmt_template, "SELECT " TEMPLATE_COLUMNS " FROM templates WHERE key = $1");
DB_STMT(stmt_template_lock, "SELECT " TEMPLATE_COLUMNS " FROM templates WHERE key = $1 FOR UPDATE");
DB_STMT(stmt_versions,
    "SELECT " VERSION_COLUMNS " FROM template_versions"
    " WHERE template_key = $1 ORDER BY version DESC");
DB_STMT(stmt_version,
    "SELECT " VERSION_COLUMNS " FROM template_versions"
    " WHERE template_key = $1 AND version = $2::integer");
DB_STMT(stmt_list,
    "SELECT t.key, t.archived, t.revision, t.updated_at, v.version, v.status,"
    " v.definition->>'title', (SELECT p.version FROM template_versions p"
    "   WHERE p.template_key = t.key AND p.status = 'published')"
    " FROM templates t"
    " CROSS JOIN LATERAL (SELECT version, status, definition FROM template_versions"
    "   WHERE template_key = t.key ORDER BY version DESC LIMIT 1) v"
    " WHERE ($1::text IS NULL OR t.key > $1)"
    " AND ($2::text IS NULL"
    "  OR ($2 = 'archived' AND t.archived)"
    "  OR ($2 <> 'archived' AND NOT t.archived AND EXISTS (SELECT 1 FROM template_versions s"
    "      WHERE s.template_key = t.key AND s.status = $2)))"
    " ORDER BY t.key LIMIT $3::integer");
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

PGresult *
tstore_template(struct request *r, const char *key, int for_update)
{
	const char *v[1] = { key };

	return db_exec(r, for_update ? &stmt_template_lock : &stmt_template, 1, v);
}

PGresult *
tstore_versions(struct request *r, const char *key)
{
	const char *v[1] = { key };

	return db_exec(r, &stmt_versions, 1, v);
}

PGresult *
tstore_version(struct request *r, const char *key, const char *version)
{
	const char *v[2] = { key, version };

	return db_exec(r, &stmt_version, 2, v);
}

PGresult *
tstore_list(struct request *r, const char *status, const char *after, int limit)
{
	char        lim[16];
	const char *v[3] = { after, status, lim };

	snprintf(lim, sizeof(lim), "%d", limit);
	return db_exec(r, &stmt_list, 3, v);
}

PGresult *
tstore_insert(struct request *r, const char *key, const char *definition_json)
{
	const char *v[3] = { key, r->user->sub, definition_json };

	return db_exec(r, &stmt_insert, 3, v);
}

PGresult *
tstore_draft_update(
    struct request *r, const char *key, const char *version, const char *definition_json)
{
	const char *v[3] = { key, version, definition_json };

	return db_exec(r, &stmt_draft_update, 3, v);
}

PGresult *
tstore_draft_insert(
    struct request *r, const char *key, const char *version, const char *definition_json)
{
	const char *v[4] = { key, version, definition_json, r->user->sub };

	return db_exec(r, &stmt_draft_insert, 4, v);
}

PGresult *
tstore_touch(struct request *r, const char *key)
{
	const char *v[1] = { key };

	return db_exec(r, &stmt_touch, 1, v);
}

PGresult *
tstore_archive(struct request *r, const char *key)
{
	const char *v[1] = { key };

	return db_exec(r, &stmt_archive, 1, v);
}

PGresult *
tstore_mark_published(struct request *r, const char *key, const char *version)
{
	const char *v[3] = { key, version, r->user->sub };

	if (db_exec(r, &stmt_unpublish, 2, v) == NULL)
		return NULL;
	return db_exec(r, &stmt_mark_published, 3, v);
}
