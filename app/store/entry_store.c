/* entry_store.c — the statements behind entry_store.h. */
#include "logbook/store/entry_store.h"

#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "logbook/http/http.h"

DB_STMT(stmt_create,
    "WITH v AS (SELECT template_key, version, definition FROM template_versions"
    "   WHERE template_key = $2 AND status = 'published'),"
    " e AS (INSERT INTO entries (id, template_key, template_version, title, created_by)"
    "   SELECT $1::uuid, template_key, version, $3, $4 FROM v"
    "   ON CONFLICT (id) DO NOTHING RETURNING id, template_version),"
    " s AS (INSERT INTO entry_sections (entry_id, section, updated_by)"
    "   SELECT e.id, sec->>'key', $4 FROM e, v, json_array_elements(v.definition->'sections') sec"
    "   RETURNING 1)"
    " SELECT e.template_version, (SELECT count(*) FROM s) FROM e");
DB_STMT(stmt_create_why,
    "SELECT (SELECT archived FROM templates WHERE key = $2),"
    " EXISTS (SELECT 1 FROM entries WHERE id = $1::uuid)");
DB_STMT(stmt_entry,
    "SELECT id, template_key, template_version, title, created_by, created_at, updated_at"
    " FROM entries WHERE id = $1::uuid");
DB_STMT(stmt_section,
    "SELECT e.template_key, e.template_version, s.state, s.etag, s.revision, s.submitted_by"
    " FROM entries e JOIN entry_sections s ON s.entry_id = e.id"
    " WHERE e.id = $1::uuid AND s.section = $2");
/* stmt_section, plus whether $3 wrote the data under review: saved or submitted the current
 * revision, or made the latest save (a reopened revision submitted unchanged carries the data
 * of the revision before). For separation of duties, in the same round trip. */
DB_STMT(stmt_section_writer,
    "SELECT e.template_key, e.template_version, s.state, s.etag, s.revision, s.submitted_by,"
    " EXISTS (SELECT 1 FROM section_history h WHERE h.entry_id = s.entry_id"
    "   AND h.section = s.section AND h.revision = s.revision"
    "   AND h.action IN ('save', 'submit') AND h.actor = $3)"
    " OR coalesce((SELECT h.actor = $3 FROM section_history h WHERE h.entry_id = s.entry_id"
    "   AND h.section = s.section AND h.action = 'save' ORDER BY h.id DESC LIMIT 1), false)"
    " FROM entries e JOIN entry_sections s ON s.entry_id = e.id"
    " WHERE e.id = $1::uuid AND s.section = $2");
DB_STMT(stmt_history,
    "SELECT revision, action, from_state, to_state, actor, at, comment, data, tables"
    " FROM section_history WHERE entry_id = $1::uuid AND section = $2 ORDER BY id");

struct db_stmt estore_entry_stmt = { "estore_entry_stmt",
	"SELECT id, template_key, template_version, title, created_by, created_at, updated_at"
	" FROM entries WHERE id = $1::uuid",
	0 };
struct db_stmt estore_sections_stmt = { "estore_sections_stmt",
	"SELECT section, state, revision::text, etag::text, updated_by, updated_at::text"
	" FROM entry_sections WHERE entry_id = $1::uuid",
	0 };

struct db_stmt estore_claim = { "estore_claim",
	"SELECT revision, etag, state, to_char(updated_at AT TIME ZONE 'UTC',"
	" 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') FROM section_claim($1::uuid, $2, $3::bigint, $4, $5, $6, $7)",
	0 };
/* A transition (data NULL) records the data of the latest save, so that every history item
 * shows the section as it was at that step. */
struct db_stmt estore_history_insert = { "estore_history_insert",
	"INSERT INTO section_history (entry_id, section, revision, action, from_state, to_state, actor,"
	" comment, data, tables) SELECT $1::uuid, $2, s.revision, $3, $4, $5, $6, $7,"
	" coalesce($8::jsonb, last.data), coalesce($9::jsonb, last.tables)"
	" FROM entry_sections s LEFT JOIN LATERAL (SELECT data, tables FROM section_history h"
	"   WHERE h.entry_id = s.entry_id AND h.section = s.section AND h.action = 'save'"
	"   ORDER BY h.id DESC LIMIT 1) last ON true"
	" WHERE s.entry_id = $1::uuid AND s.section = $2",
	0 };
/* The previous save is the newest history row but one (this save's row is already in). */
struct db_stmt estore_audit_save = { "estore_audit_save",
	"SELECT audit_write($1, $2::text[], 'save', 'entry', $3::text, $4, $5, $6, $7, d.before, d.after,"
	" $9)"
	" FROM jsonb_diff((SELECT coalesce(h.data, '{}') || coalesce(h.tables, '{}')"
	"   FROM section_history h WHERE h.entry_id = $3::uuid AND h.section = $4 AND h.action = 'save'"
	"   ORDER BY h.id DESC OFFSET 1 LIMIT 1), $8::jsonb) d",
	0 };

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

PGresult *
estore_create(struct request *r, const char *id, const char *key, const char *title)
{
	const char *v[4] = { id, key, title, r->user->sub };

	return db_exec(r, &stmt_create, 4, v);
}

int
estore_create_why(struct request *r, const char *id, const char *key)
{
	const char *v[2] = { id, key };
	PGresult   *res = db_exec(r, &stmt_create_why, 2, v);

	if (res == NULL)
		return -1;
	if (PQgetisnull(res, 0, 0))
		return PROBLEM(r, 404, "not-found", "no template '%s'", key);
	if (PQgetvalue(res, 0, 1)[0] == 't')
		return PROBLEM(r, 409, "duplicate", "an entry with id %s exists already", id);
	if (PQgetvalue(res, 0, 0)[0] == 't')
		return PROBLEM(
		    r, 409, "archived", "template '%s' is archived: no new entries", key);
	return PROBLEM(r, 409, "not-published", "template '%s' has no published version yet", key);
}

PGresult *
estore_entry(struct request *r, const char *id)
{
	const char *v[1] = { id };

	return db_exec(r, &stmt_entry, 1, v);
}

PGresult *
estore_section(struct request *r, const char *id, const char *section)
{
	const char *v[2] = { id, section };

	return db_exec(r, &stmt_section, 2, v);
}

PGresult *
estore_section_writer(struct request *r, const char *id, const char *section, const char *user)
{
	const char *v[3] = { id, section, user };

	return db_exec(r, &stmt_section_writer, 3, v);
}

PGresult *
estore_history(struct request *r, const char *id, const char *section)
{
	const char *v[2] = { id, section };

	return db_exec(r, &stmt_history, 2, v);
}
