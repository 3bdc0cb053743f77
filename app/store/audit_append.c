/* audit.c — one prepared INSERT per audited change; see audit.h. */
#include "logbook/store/audit_append.h"

#include <json-c/json.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "logbook/core/json_util.h"
#include "logbook/core/log.h"
#include "logbook/http/http.h"
#include "logbook/store/db.h"

/* audit_write() (011_least_privilege.sql) stamps the time, the order and the transaction:
 * the application's role cannot insert into the trail's tables itself. */
DB_STMT(stmt_audit_insert,
    "SELECT audit_write($1, $2::text[], $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11::jsonb, $12)");

#define AUDIT_PARAMS 12

/* Keeps in *before and *after only the top-level members whose values differ. */
static void
diff_objects(struct request *r, struct json_object **before, struct json_object **after)
{
	struct json_object *b = json_object_new_object(), *a = json_object_new_object();

	json_object_object_foreach(*before, key, bval)
	{
		struct json_object *aval = NULL;

		if (!json_object_object_get_ex(*after, key, &aval) ||
		    !json_object_equal(bval, aval))
			json_object_object_add(b, key, json_object_get(bval));
	}
	json_object_object_foreach(*after, key2, aval2)
	{
		struct json_object *bval2 = NULL;

		if (!json_object_object_get_ex(*before, key2, &bval2) ||
		    !json_object_equal(bval2, aval2))
			json_object_object_add(a, key2, json_object_get(aval2));
	}
	*before = json_own(r, b);
	*after = json_own(r, a);
}

static const char *
json_text(struct json_object *o)
{
	return o == NULL ? NULL : json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
}

/* The statement's twelve parameters, in the arena (they must outlive a deferred run). */
static const char **
audit_values(struct request *r, const struct audit_event *e)
{
	struct json_object *before = e->before, *after = e->after;
	const char         *roles[JWT_MAX_ROLES];
	const char        **values = arena_alloc(r->arena, AUDIT_PARAMS * sizeof(*values));
	int                 i, n = 0;

	if (before != NULL && after != NULL && json_object_is_type(before, json_type_object) &&
	    json_object_is_type(after, json_type_object))
		diff_objects(r, &before, &after);
	if (r->user != NULL)
		for (i = 0; i < r->user->nroles; i++)
			roles[n++] = r->user->roles[i];
	values[0] = e->actor != NULL ? e->actor : r->user != NULL ? r->user->sub : "anonymous";
	values[1] = pg_text_array(r, roles, n);
	values[2] = e->action;
	values[3] = e->object_type;
	values[4] = arena_strdup(r->arena, e->object_id);
	values[5] = arena_strdup(r->arena, e->section);
	values[6] = r->request_id;
	values[7] = r->client_ip;
	values[8] = r->user_agent;
	values[9] = arena_strdup(r->arena, json_text(before));
	values[10] = arena_strdup(r->arena, json_text(after));
	values[11] = r->server_request_id;
	return values;
}

int
audit_append(struct request *r, const struct audit_event *e)
{
	db_defer(r, &stmt_audit_insert, AUDIT_PARAMS, audit_values(r, e));
	return 0;
}

int
audit_append_now(struct request *r, const struct audit_event *e)
{
	r->seal_after = 1;
	return db_exec(r, &stmt_audit_insert, AUDIT_PARAMS, audit_values(r, e)) != NULL ? 0 : -1;
}

DB_STMT(stmt_audit_seal, "SELECT audit_seal(true)");

int
audit_seal_now(struct request *r)
{
	/* Inside the request's transaction the sealed rows would stay invisible to others until
	 * it ends; readers call this before they open one. */
	return db_exec(r, &stmt_audit_seal, 0, NULL) != NULL ? 0 : -1;
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
