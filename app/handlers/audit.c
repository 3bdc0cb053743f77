/* audit.c — /api/v1/audit: the trail for auditors (list, verify, export). */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "logbook/core/budget.h"
#include "logbook/core/json_util.h"
#include "logbook/core/log.h"
#include "logbook/domain/csv.h"
#include "logbook/handlers/handlers.h"
#include "logbook/http/http.h"
#include "logbook/http/pagination.h"
#include "logbook/store/audit_append.h"
#include "logbook/store/audit_query.h"
#include "logbook/store/audit_verify.h"
#include "logbook/store/db.h"
#include "logbook/worker/app.h"

/* Rows per FETCH of the export cursor: the most the worker holds at once. */
#define EXPORT_BATCH "500"

DB_STMT(stmt_checkpoint_get, "SELECT seq, hash FROM audit_checkpoint");
/* Only forward: two verifies finishing out of order must not move it back. */
DB_STMT(stmt_checkpoint_put,
    "INSERT INTO audit_checkpoint (seq, hash) VALUES ($1, $2) ON CONFLICT (only_row) DO UPDATE"
    " SET seq = EXCLUDED.seq, hash = EXCLUDED.hash, verified_at = now()"
    " WHERE audit_checkpoint.seq < EXCLUDED.seq");

int
handle_audit_list(struct request *r)
{
	struct audit_filter f;
	const char         *values[AUDIT_QUERY_MAX_PARAMS], *after, *next = NULL;
	char               *sql, *body;
	size_t              len;
	int                 limit, n, nvalues;
	PGresult           *res;

	if (audit_filter_from_query(r, &f) != 0 || page_params(r, &limit, &after) != 0 ||
	    audit_seal_now(r) != 0)
		return -1;
	if (after != NULL && !audit_seq_valid(after))
		return PROBLEM(r, 400, "bad-query", "cursor is not one this server issued");
	f.after = after;
	/* One row more than the page says whether there is a next one. */
	sql = audit_items_sql(r->arena, &f, limit + 1, values, &nvalues);
	if ((res = db_exec_sql(r, sql, nvalues, values)) == NULL)
		return -1;
	n = PQntuples(res);
	if (n > limit) {
		next = page_cursor(r, PQgetvalue(res, limit - 1, 0));
		n = limit;
	}
	body = audit_items_body(r->arena, res, n, next, &len);
	reply_raw(r, 200, "application/json; charset=utf-8", NULL, body, len);
	return 0;
}

/* Runs one verification on the worker's connection; -1 with the problem set. */
static int
verify(struct request *r, struct audit_verify *v)
{
	PGresult *err = NULL;
	int       rc;

	if (db_ensure(r) != 0)
		return -1;
	if (audit_verify_run(r->app->db.conn, v, &err) == 0)
		return 0;
	rc = db_fail(r, err, "audit verify");
	PQclear(err);
	return rc;
}

int
handle_audit_verify(struct request *r)
{
	struct audit_verify v = { 0 };
	struct json_object *body;
	const char         *full = request_query(r, "full"), *values[2];
	char                seq[24];
	PGresult           *res;
	int                 whole;

	if (full == NULL || strcmp(full, "false") == 0 || strcmp(full, "0") == 0)
		whole = 0;
	else if (strcmp(full, "true") == 0 || strcmp(full, "1") == 0 || *full == '\0')
		whole = 1;
	else
		return PROBLEM(r, 400, "bad-query", "full must be true or false");
	if (audit_seal_now(r) != 0)
		return -1;
	if (!whole) {
		if ((res = db_exec(r, &stmt_checkpoint_get, 0, NULL)) == NULL)
			return -1;
		if (PQntuples(res) == 1) {
			v.from_seq = atoll(PQgetvalue(res, 0, 0));
			v.from_hash = PQgetvalue(res, 0, 1);
		}
	}
	if (verify(r, &v) != 0)
		return -1;
	/* The checkpoint's row changed: locate the first bad row from the start. */
	if (!v.ok && strcmp(v.reason, "checkpoint_mismatch") == 0) {
		v = (struct audit_verify){ 0 };
		if (verify(r, &v) != 0)
			return -1;
	}
	if (v.ok && v.head_seq > v.from_seq) {
		snprintf(seq, sizeof(seq), "%lld", v.head_seq);
		values[0] = seq;
		values[1] = v.head_hash;
		if (db_exec(r, &stmt_checkpoint_put, 2, values) == NULL)
			return -1;
	}

	body = json_object_new_object();
	json_object_object_add(body, "ok", json_object_new_boolean(v.ok));
	if (!v.ok) {
		json_object_object_add(
		    body, "first_bad_seq", json_object_new_int64(v.first_bad_seq));
		json_object_object_add(body, "reason", json_object_new_string(v.reason));
		log_msg("warn", "req=%s: audit chain broken at seq %lld (%s)", r->request_id,
		    v.first_bad_seq, v.reason);
	}
	json_object_object_add(body, "checked", json_object_new_int64(v.checked));
	json_object_object_add(body, "head", json_object_new_string(v.head_hash));
	json_object_object_add(body, "head_seq", json_object_new_int64(v.head_seq));
	json_object_object_add(body, "from_seq", json_object_new_int64(v.from_seq));
	return reply_json(r, 200, body);
}

/* Writes one fetched batch as JSON lines (column 1 of each row is the item). */
static int
write_jsonl(struct request *r, PGresult *res)
{
	int i, n = PQntuples(res);

	for (i = 0; i < n; i++)
		if (reply_write(r, PQgetvalue(res, i, 1), (size_t)PQgetlength(res, i, 1)) != 0 ||
		    reply_write(r, "\n", 1) != 0)
			return -1;
	return 0;
}

static int
write_csv(struct request *r, PGresult *res, struct csv_line *line)
{
	int i, c, n = PQntuples(res);

	for (i = 0; i < n; i++) {
		csv_line_reset(line);
		for (c = 0; c < AUDIT_CSV_NCOLUMNS; c++)
			if (csv_line_add(line, db_value(res, i, c)) != 0)
				return -1;
		if (csv_line_end(line) != 0 || reply_write(r, line->data, line->len) != 0)
			return -1;
	}
	return 0;
}

static void
csv_line_cleanup(void *p)
{
	csv_line_free(p);
}

/* Streams the cursor's rows, one FETCH at a time: each batch is freed before the next, so
 * memory stays flat however long the trail. The first batch is fetched before the headers go
 * out, so that a failing query still gets a proper problem. */
int
handle_audit_export(struct request *r)
{
	struct audit_filter f;
	const char         *format = request_query(r, "format"), *values[AUDIT_QUERY_MAX_PARAMS];
	struct csv_line    *line = NULL;
	PGresult           *batch = NULL;
	PGconn             *conn;
	char               *sql;
	int                 csv, nvalues, rc = -1;

	if (format == NULL || strcmp(format, "jsonl") == 0)
		csv = 0;
	else if (strcmp(format, "csv") == 0)
		csv = 1;
	else
		return PROBLEM(r, 400, "bad-query", "format must be jsonl or csv");
	if (audit_filter_from_query(r, &f) != 0 || audit_seal_now(r) != 0)
		return -1;
	sql = csv ? audit_select_sql(r->arena, &f, AUDIT_CSV_COLUMNS, 0, values, &nvalues)
		  : audit_items_sql(r->arena, &f, 0, values, &nvalues);
	/* One snapshot for the whole export: rows committed meanwhile are not half in it. The
	 * transaction is closed by the rollback after every request. */
	if (db_exec_sql(r, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0, NULL) == NULL ||
	    db_exec_sql(r,
		arena_printf(r->arena, "DECLARE audit_export NO SCROLL CURSOR FOR %s", sql),
		nvalues, values) == NULL)
		return -1;
	conn = r->app->db.conn;
	batch = PQexec(conn, "FETCH " EXPORT_BATCH " FROM audit_export");
	if (PQresultStatus(batch) != PGRES_TUPLES_OK) {
		db_fail(r, batch, "audit export");
		goto out;
	}
	if (csv) {
		line = arena_own(r->arena, arena_zalloc(r->arena, sizeof(*line)), csv_line_cleanup);
		reply_header(r, "Content-Disposition", "attachment; filename=\"audit.csv\"");
		reply_stream_begin(r, 200, "text/csv; charset=utf-8; header=present");
		if (reply_write(r, AUDIT_CSV_HEADER, strlen(AUDIT_CSV_HEADER)) != 0)
			goto gone;
	} else {
		reply_header(r, "Content-Disposition", "attachment; filename=\"audit.jsonl\"");
		reply_stream_begin(r, 200, "application/jsonl; charset=utf-8");
	}
	while (PQntuples(batch) > 0) {
		if ((csv ? write_csv(r, batch, line) : write_jsonl(r, batch)) != 0)
			goto gone;
		PQclear(batch);
		budget_arm(); /* each batch is bounded work, and the client is reading */
		batch = PQexec(conn, "FETCH " EXPORT_BATCH " FROM audit_export");
		if (PQresultStatus(batch) != PGRES_TUPLES_OK) {
			/* The headers are gone: the body just ends early, and the log says why. */
			db_fail(r, batch, "audit export");
			log_msg("warn", "req=%s: audit export cut short: %s", r->request_id,
			    PQresultErrorMessage(batch));
			goto out;
		}
	}
	rc = 0;
	goto out;
gone:
	PROBLEM(r, 503, "export-aborted", "the client stopped reading (or memory ran out)");
out:
	PQclear(batch);
	return rc;
}
