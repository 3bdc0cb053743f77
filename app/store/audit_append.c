/* audit_append.c — one prepared INSERT per audited change; see audit_append.h. */
#include "logbook/store/audit_append.h"

#include <json-c/json.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "logbook/core/arena.h"
#include "logbook/core/json_util.h"
#include "logbook/core/log.h"
#include "logbook/store/db.h"

/* The one diff is SQL's jsonb_diff (005_entries.sql): when before and after are both objects,
 * only the members that differ are stored. */
/* audit_write() (011_least_privilege.sql) stamps the time, the order and the transaction: the
 * application's role cannot insert into the trail's tables itself. The one diff is SQL's
 * jsonb_diff (005_entries.sql): when before and after are both objects, only the members that
 * differ are stored. */
#define AUDIT_PARAMS 12
#define AUDIT_WRITE  "SELECT audit_write($1, $2::text[], $3, $4, $5::text, $6, $7, $8, $9, "

DB_STMT(stmt_audit_insert,
    AUDIT_WRITE "CASE WHEN jsonb_typeof($10::jsonb) = 'object' AND jsonb_typeof($11::jsonb) ="
		" 'object' THEN d.before ELSE $10::jsonb END,"
		" CASE WHEN jsonb_typeof($10::jsonb) = 'object' AND jsonb_typeof($11::jsonb) ="
		" 'object' THEN d.after ELSE $11::jsonb END, $12)"
		" FROM jsonb_diff($10::jsonb, $11::jsonb) d");
/* A section save: before is the previous save's data and tables, the newest history row but
 * one (this save's row is already in). $5 (the entry) is text for audit_write, uuid here. */
DB_STMT(stmt_audit_save,
    AUDIT_WRITE "d.before, d.after, $12) FROM jsonb_diff(coalesce($10::jsonb,"
		" (SELECT coalesce(h.data, '{}') || coalesce(h.tables, '{}') FROM section_history h"
		"  WHERE h.entry_id = $5::uuid AND h.section = $6 AND h.action = 'save'"
		"  ORDER BY h.id DESC OFFSET 1 LIMIT 1)), $11::jsonb) d");

static const char *
json_text(struct arena *a, struct json_object *o)
{
	return o == NULL
	    ? NULL
	    : arena_strdup(a, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
}

/* The statement's twelve parameters, in the arena (they must outlive a deferred run). */
static const char **
audit_values(struct arena *a, const struct audit_actor *who, const struct audit_event *e,
    const char *before, const char *after)
{
	const char **values = arena_alloc(a, 11 * sizeof(*values));

	values[0] = e->actor != NULL ? e->actor : who->sub != NULL ? who->sub : "anonymous";
	values[1] = pg_text_array(a, who->roles, who->nroles);
	values[2] = e->action;
	values[3] = e->object_type;
	values[4] = arena_strdup(a, e->object_id);
	values[5] = arena_strdup(a, e->section);
	values[6] = who->request_id;
	values[7] = who->client_ip;
	values[8] = who->user_agent;
	values[9] = before;
	values[10] = after;
	values[11] = who->server_request_id;
	return values;
}

int
audit_append(struct db *db, struct arena *a, struct db_error *e, const struct audit_actor *who,
    const struct audit_event *ev)
{
	(void)e;
	db_defer(db, a, &stmt_audit_insert, AUDIT_PARAMS,
	    audit_values(a, who, ev, json_text(a, ev->before), json_text(a, ev->after)));
	return 0;
}

void
audit_append_save(struct db *db, struct arena *a, const struct audit_actor *who,
    const char *entry_id, const char *section, const char *after)
{
	struct audit_event ev = {
		.action = "save", .object_type = "entry", .object_id = entry_id, .section = section
	};

	db_defer(db, a, &stmt_audit_save, AUDIT_PARAMS, audit_values(a, who, &ev, NULL, after));
}

int
audit_append_now(struct db *db, struct arena *a, struct db_error *e, const struct audit_actor *who,
    const struct audit_event *ev)
{
	db->wrote_audit = 1;
	return db_exec(db, a, e, &stmt_audit_insert, AUDIT_PARAMS,
		   audit_values(a, who, ev, json_text(a, ev->before), json_text(a, ev->after))) !=
		NULL
	    ? 0
	    : -1;
}
DB_STMT(stmt_audit_seal, "SELECT audit_seal(true)");

int
audit_seal_now(struct db *db, struct arena *a, struct db_error *e)
{
	/* Inside the request's transaction the sealed rows would stay invisible to others until
	 * it ends; readers call this before they open one. */
	return db_exec(db, a, e, &stmt_audit_seal, 0, NULL) != NULL ? 0 : -1;
}

/* A worker seals at most this often: sealing costs a commit, and one pass chains what every
 * worker wrote meanwhile. Readers of the trail seal first anyway. */
#define SEAL_INTERVAL_MS 50

void
audit_seal_after(struct db *db)
{
	static uint64_t last_ms;
	struct timespec ts;
	uint64_t        now_ms;
	PGresult       *res;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now_ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	if (now_ms - last_ms < SEAL_INTERVAL_MS)
		return;
	last_ms = now_ms;
	if (db->conn == NULL || PQstatus(db->conn) != CONNECTION_OK ||
	    PQtransactionStatus(db->conn) != PQTRANS_IDLE)
		return;
	res = PQexec(db->conn, "SELECT audit_seal()");
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		log_msg("warn", "audit: sealing failed (the next writer or reader retries): %s",
		    PQresultErrorMessage(res));
	PQclear(res);
}
