/* entry_store.c — the statements behind entry_store.h. */
#include "logbook/store/entry_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "logbook/core/arena.h"
#include "logbook/store/db.h"

DB_STMT(stmt_create,
    "WITH v AS (SELECT template_key, version, definition FROM template_versions"
    "   WHERE template_key = $2 AND status = 'published'),"
    " e AS (INSERT INTO entries (id, template_key, template_version, title, created_by)"
    "   SELECT $1::uuid, template_key, version, $3, $4 FROM v"
    "   ON CONFLICT (id) DO NOTHING RETURNING id, template_version),"
    " s AS (INSERT INTO entry_sections (entry_id, section, updated_by)"
    "   SELECT e.id, sec->>'key', $4 FROM e, v, json_array_elements(v.definition->'sections') sec"
    "   RETURNING 1),"
    " f AS (INSERT INTO entry_search (entry_id, search)"
    "   SELECT e.id, setweight(to_tsvector('simple', $3), 'A') FROM e)"
    " SELECT e.template_version, (SELECT count(*) FROM s) FROM e");
DB_STMT(stmt_create_why,
    "SELECT (SELECT archived FROM templates WHERE key = $2),"
    " EXISTS (SELECT 1 FROM entries WHERE id = $1::uuid)");
enum { E_ID, E_TEMPLATE, E_VERSION, E_TITLE, E_CREATED_BY, E_CREATED_AT, E_UPDATED_AT };
static const char *const entry_cols[] = { "id", "template_key", "template_version", "title",
	"created_by", "created_at", "updated_at", NULL };
DB_STMT_COLS(stmt_entry,
    "SELECT id, template_key, template_version, title, created_by, created_at, updated_at"
    " FROM entries WHERE id = $1::uuid",
    entry_cols);

bool
uuid_valid(const char *s)
{
	static const char shape[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
	size_t            i;

	for (i = 0; i < sizeof(shape) - 1; i++) {
		if (s[i] == '\0')
			return false;
		if (shape[i] == '-' ? s[i] != '-' : strchr("0123456789abcdefABCDEF", s[i]) == NULL)
			return false;
	}
	return s[i] == '\0';
}

void
uuid_generate(char out[ENTRY_ID_TEXT])
{
	unsigned char b[16];

	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b))
		memset(b, 0, sizeof(b)); /* cannot happen on Linux >= 3.17 with a seeded pool */
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	snprintf(out, ENTRY_ID_TEXT,
	    "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
	    b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
	    b[15]);
}

int
estore_create(struct db *db, struct arena *a, struct db_error *e, const char *id, const char *key,
    const char *title, const char *user)
{
	const char *v[4] = { id, key, title, user };
	PGresult   *res = db_exec(db, a, e, &stmt_create, 4, v);

	if (res == NULL)
		return -1;
	return PQntuples(res) == 0 ? 0 : atoi(PQgetvalue(res, 0, 0));
}

int
estore_create_why(
    struct db *db, struct arena *a, struct db_error *e, const char *id, const char *key)
{
	const char *v[2] = { id, key };
	PGresult   *res = db_exec(db, a, e, &stmt_create_why, 2, v);

	if (res == NULL)
		return -1;
	if (PQgetisnull(res, 0, 0))
		return ESTORE_NO_TEMPLATE;
	if (PQgetvalue(res, 0, 1)[0] == 't')
		return ESTORE_ID_TAKEN;
	if (PQgetvalue(res, 0, 0)[0] == 't')
		return ESTORE_ARCHIVED;
	return ESTORE_NOT_PUBLISHED;
}

int
estore_entry(
    struct db *db, struct arena *a, struct db_error *e, const char *id, struct entry_row *out)
{
	const char *v[1] = { id };
	PGresult   *res = db_exec(db, a, e, &stmt_entry, 1, v);

	if (res == NULL)
		return -1;
	if (PQntuples(res) == 0)
		return 0;
	out->id = PQgetvalue(res, 0, E_ID);
	out->template_key = PQgetvalue(res, 0, E_TEMPLATE);
	out->template_version = atoi(PQgetvalue(res, 0, E_VERSION));
	out->title = PQgetvalue(res, 0, E_TITLE);
	out->created_by = PQgetvalue(res, 0, E_CREATED_BY);
	out->created_at = PQgetvalue(res, 0, E_CREATED_AT);
	out->updated_at = PQgetvalue(res, 0, E_UPDATED_AT);
	return 1;
}
