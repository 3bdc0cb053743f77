/* db.c — the persistent connection, lazy prepared statements, transactions. */
#include "logbook/store/db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logbook/core/log.h"
#include "logbook/http/http.h"
#include "logbook/metrics/metrics.h"
#include "logbook/worker/app.h"

static int
db_connect(struct db *db)
{
	char set[256];

	if (db->conn != NULL)
		PQfinish(db->conn);
	db->conn = PQconnectdb(db->conninfo);
	if (PQstatus(db->conn) != CONNECTION_OK) {
		log_msg("warn", "db: cannot connect: %s", PQerrorMessage(db->conn));
		PQfinish(db->conn);
		db->conn = NULL;
		return -1;
	}
	db->epoch++;
	/* A stuck query must not hold a worker forever. */
	snprintf(set, sizeof(set),
	    "SET statement_timeout = %ld; SET application_name = 'logbook-fcgi'; SET TimeZone = 'UTC'; SET DateStyle = 'ISO'",
	    db->statement_timeout_ms);
	PQclear(PQexec(db->conn, set));
	return 0;
}

int
db_open(struct db *db, const char *conninfo, long statement_timeout_ms)
{
	memset(db, 0, sizeof(*db));
	db->conninfo = conninfo;
	db->statement_timeout_ms = statement_timeout_ms;
	return db_connect(db);
}

void
db_close(struct db *db)
{
	if (db->conn != NULL)
		PQfinish(db->conn);
	db->conn = NULL;
}

int
db_ensure(struct request *r)
{
	struct db *db = &r->app->db;

	if (db->conn != NULL && PQstatus(db->conn) == CONNECTION_OK)
		return 0;
	if (db_connect(db) != 0)
		return PROBLEM(
		    r, 503, "database-unavailable", "the database is not reachable; retry later");
	log_msg("info", "db: reconnected (epoch %u)", db->epoch);
	metrics_db_reconnect();
	return 0;
}

static void
result_clear(void *res)
{
	PQclear(res);
}

static PGresult *
check(struct request *r, PGresult *res, const char *what)
{
	ExecStatusType st = res != NULL ? PQresultStatus(res) : PGRES_FATAL_ERROR;

	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
		return arena_own(r->arena, res, result_clear);
	db_fail(r, res, what);
	PQclear(res);
	return NULL;
}

/* Runs st alone, or with the request's pending preflight in the same round trip. */
static PGresult *
exec_with_preflight(
    struct request *r, struct db_stmt *st, const char *sql, int nparams, const char *const *values)
{
	struct db_batch b;

	db_batch_init(&b, r->arena);
	if (st != NULL)
		db_batch_add(&b, st, nparams, values);
	else
		db_batch_add_sql(&b, sql, nparams, values);
	return db_batch_run(r, &b) == 0 ? b.res[0] : NULL;
}

int
db_preflight_flush(struct request *r)
{
	struct db_stmt *st = r->preflight;

	if (st == NULL)
		return 0;
	r->preflight = NULL;
	return db_exec(r, st, r->preflight_nparams, r->preflight_values) != NULL ? 0 : -1;
}

PGresult *
db_exec(struct request *r, struct db_stmt *st, int nparams, const char *const *values)
{
	struct db *db = &r->app->db;

	if (r->preflight != NULL)
		return exec_with_preflight(r, st, NULL, nparams, values);
	if (db_ensure(r) != 0)
		return NULL;
	if (db->unprepared)
		return check(r,
		    PQexecParams(db->conn, st->sql, nparams, NULL, values, NULL, NULL, 0),
		    st->name);
	if (st->epoch != db->epoch) {
		PGresult *res = PQprepare(db->conn, st->name, st->sql, 0, NULL);

		if (check(r, res, st->name) == NULL)
			return NULL;
		st->epoch = db->epoch;
	}
	return check(
	    r, PQexecPrepared(db->conn, st->name, nparams, values, NULL, NULL, 0), st->name);
}

PGresult *
db_exec_sql(struct request *r, const char *sql, int nparams, const char *const *values)
{
	struct db *db = &r->app->db;

	/* BEGIN and parameterised statements go out with the preflight; other dynamic SQL may
	 * hold several statements, which only the simple protocol runs: the preflight first. */
	if (r->preflight != NULL && (nparams > 0 || strncmp(sql, "BEGIN", 5) == 0))
		return exec_with_preflight(r, NULL, sql, nparams, values);
	if (db_preflight_flush(r) != 0 || db_ensure(r) != 0)
		return NULL;
	if (nparams == 0)
		return check(r, PQexec(db->conn, sql), "sql");
	return check(r, PQexecParams(db->conn, sql, nparams, NULL, values, NULL, NULL, 0), "sql");
}

void
db_batch_init(struct db_batch *b, struct arena *a)
{
	memset(b, 0, sizeof(*b));
	b->arena = a;
}

int
db_batch_add(struct db_batch *b, struct db_stmt *st, int nparams, const char *const *values)
{
	if (b->n == b->cap) {
		int                   cap = b->cap == 0 ? 16 : 2 * b->cap;
		struct db_batch_item *items = arena_alloc(b->arena, (size_t)cap * sizeof(*items));

		if (b->n > 0)
			memcpy(items, b->items, (size_t)b->n * sizeof(*items));
		b->items = items;
		b->cap = cap;
	}
	b->items[b->n] = (struct db_batch_item){ st, NULL, nparams, values };
	return b->n++;
}

int
db_batch_add_sql(struct db_batch *b, const char *sql, int nparams, const char *const *values)
{
	int i = db_batch_add(b, NULL, nparams, values);

	b->items[i].sql = sql;
	return i;
}

/* Reads the one result of a pipelined command and the NULL that ends it. */
static PGresult *
pipeline_result(PGconn *conn)
{
	PGresult *res = PQgetResult(conn), *extra;

	while (res != NULL && (extra = PQgetResult(conn)) != NULL)
		PQclear(extra); /* cannot happen for one extended-protocol command */
	return res;
}

static int
batch_run(struct request *r, struct db_batch *b)
{
	struct db *db = &r->app->db;
	PGconn    *conn;
	PGresult  *res, *failed = NULL;
	int        i, ok = 1, sent;
	char      *prepared;

	if (db_ensure(r) != 0)
		return -1;
	b->res = arena_zalloc(r->arena, (size_t)(b->n + 1) * sizeof(*b->res));
	prepared = arena_zalloc(r->arena, (size_t)b->n + 1);
	conn = db->conn;
	if (PQenterPipelineMode(conn) != 1)
		return db_fail(r, NULL, "pipeline");
	for (i = 0; i < b->n; i++) {
		struct db_batch_item *it = &b->items[i];

		if (it->st != NULL && db->unprepared) {
			if (!PQsendQueryParams(
				conn, it->st->sql, it->nparams, NULL, it->values, NULL, NULL, 0))
				break;
			continue;
		}
		if (it->st != NULL && it->st->epoch != db->epoch) {
			sent = PQsendPrepare(conn, it->st->name, it->st->sql, 0, NULL);
			prepared[i] = 1;
			it->st->epoch = db->epoch; /* reset below if the prepare fails */
			if (!sent)
				break;
		}
		sent = it->st != NULL ? PQsendQueryPrepared(conn, it->st->name, it->nparams,
					    it->values, NULL, NULL, 0)
				      : PQsendQueryParams(conn, it->sql, it->nparams, NULL,
					    it->values, NULL, NULL, 0);
		if (!sent)
			break;
	}
	if (i < b->n || PQpipelineSync(conn) != 1) {
		/* Sending failed: the connection is gone. Give up on it; the next request reconnects. */
		PQfinish(conn);
		db->conn = NULL;
		for (i = 0; i < b->n && !db->unprepared; i++)
			if (b->items[i].st != NULL)
				b->items[i].st->epoch = 0;
		return PROBLEM(r, 503, "database-unavailable",
		    "the database connection was lost; retry later");
	}
	for (i = 0; i < b->n; i++) {
		if (prepared[i]) {
			res = pipeline_result(conn);
			if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK) {
				b->items[i].st->epoch = 0;
				if (ok && res != NULL &&
				    PQresultStatus(res) != PGRES_PIPELINE_ABORTED) {
					failed = res;
					res = NULL;
				}
				ok = 0;
			}
			PQclear(res); /* the query's own (aborted) result is read next */
		}
		res = pipeline_result(conn);
		if (res != NULL &&
		    (PQresultStatus(res) == PGRES_COMMAND_OK ||
			PQresultStatus(res) == PGRES_TUPLES_OK)) {
			b->res[i] = arena_own(r->arena, res, result_clear);
			continue;
		}
		if (ok && res != NULL && PQresultStatus(res) != PGRES_PIPELINE_ABORTED) {
			failed = res;
			ok = 0;
		} else
			PQclear(res);
		if (res == NULL)
			ok = 0;
	}
	/* The sync's own result, then leave pipeline mode. */
	while ((res = PQgetResult(conn)) != NULL) {
		ExecStatusType st = PQresultStatus(res);

		PQclear(res);
		if (st == PGRES_PIPELINE_SYNC)
			break;
	}
	PQexitPipelineMode(conn);
	if (!ok) {
		db_fail(r, failed, "batch");
		PQclear(failed);
		return -1;
	}
	return 0;
}

static int
starts_transaction(const struct db_batch_item *it)
{
	const char *sql = it->st != NULL ? it->st->sql : it->sql;

	return sql != NULL && strncmp(sql, "BEGIN", 5) == 0;
}

int
db_batch_run(struct request *r, struct db_batch *b)
{
	struct db_batch_item pre;
	int                  at, rc, n;

	if (r->preflight == NULL || b->n == 0)
		return batch_run(r, b);
	/* The preflight goes first, or right after a BEGIN: BEGIN ISOLATION LEVEL must be the
	 * transaction's first statement. A preflight that fails aborts the rest of the pipeline,
	 * so nothing of the request runs. Its result is taken out again: indexes stay the same. */
	pre =
	    (struct db_batch_item){ r->preflight, NULL, r->preflight_nparams, r->preflight_values };
	r->preflight = NULL;
	at = starts_transaction(&b->items[0]) ? 1 : 0;
	db_batch_add(b, NULL, 0, NULL);
	memmove(&b->items[at + 1], &b->items[at], (size_t)(b->n - 1 - at) * sizeof(*b->items));
	b->items[at] = pre;
	b->res = NULL;
	rc = batch_run(r, b);
	n = b->n;
	memmove(&b->items[at], &b->items[at + 1], (size_t)(n - 1 - at) * sizeof(*b->items));
	if (b->res != NULL)
		memmove(&b->res[at], &b->res[at + 1], (size_t)(n - at) * sizeof(*b->res));
	b->n = n - 1;
	return rc;
}

int
db_owner_begin(struct request *r)
{
	struct app *app = r->app;
	struct db   owner;

	memset(&owner, 0, sizeof(owner));
	owner.conninfo = app->cfg.db_migrate_conninfo;
	owner.statement_timeout_ms = app->db.statement_timeout_ms;
	owner.unprepared = 1;
	if (db_connect(&owner) != 0)
		return PROBLEM(
		    r, 503, "database-unavailable", "the database is not reachable; retry later");
	app->db_saved = app->db;
	app->db = owner;
	return 0;
}

void
db_owner_end(struct request *r)
{
	struct app *app = r->app;

	if (!app->db.unprepared)
		return;
	db_rollback(&app->db);
	db_close(&app->db);
	app->db = app->db_saved;
	memset(&app->db_saved, 0, sizeof(app->db_saved));
}

int
db_begin(struct request *r)
{
	PGconn *c = r->app->db.conn;

	/* Idempotency may have opened the request's transaction already: join it. */
	if (c != NULL && PQtransactionStatus(c) == PQTRANS_INTRANS)
		return 0;
	return db_exec_sql(r, "BEGIN", 0, NULL) != NULL ? 0 : -1;
}

void
db_defer(struct request *r, struct db_stmt *st, int nparams, const char *const *values)
{
	if (r->at_commit == NULL) {
		r->at_commit = arena_alloc(r->arena, sizeof(*r->at_commit));
		db_batch_init(r->at_commit, r->arena);
	}
	db_batch_add(r->at_commit, st, nparams, values);
}

int
db_commit_deferred(struct request *r)
{
	struct db_batch b;
	PGconn         *c = r->app->db.conn;
	int             i, in_tx = c != NULL && PQtransactionStatus(c) == PQTRANS_INTRANS;

	if (r->at_commit == NULL || r->at_commit->n == 0)
		return in_tx ? db_commit(r) : 0;
	db_batch_init(&b, r->arena);
	if (!in_tx)
		db_batch_add_sql(&b, "BEGIN", 0, NULL);
	for (i = 0; i < r->at_commit->n; i++) {
		struct db_batch_item *it = &r->at_commit->items[i];

		db_batch_add(&b, it->st, it->nparams, it->values);
	}
	db_batch_add_sql(&b, "COMMIT", 0, NULL);
	r->at_commit->n = 0;
	if (db_batch_run(r, &b) != 0)
		return -1;
	r->seal_after = 1;
	return 0;
}

int
db_batch_commit(struct request *r, struct db_batch *b)
{
	int i, first = b->n;

	if (r->idempotency_key != NULL && strcmp(r->method, "POST") == 0)
		return db_batch_run(r, b);
	for (i = 0; r->at_commit != NULL && i < r->at_commit->n; i++)
		db_batch_add(b, r->at_commit->items[i].st, r->at_commit->items[i].nparams,
		    r->at_commit->items[i].values);
	db_batch_add_sql(b, "COMMIT", 0, NULL);
	if (r->at_commit != NULL)
		r->at_commit->n = 0;
	if (db_batch_run(r, b) != 0)
		return -1;
	r->committed = 1;
	r->seal_after |= b->n - first > 1;
	return 0;
}

int
db_commit(struct request *r)
{
	return db_exec_sql(r, "COMMIT", 0, NULL) != NULL ? 0 : -1;
}

void
db_rollback(struct db *db)
{
	if (db->conn != NULL && PQtransactionStatus(db->conn) != PQTRANS_IDLE &&
	    PQtransactionStatus(db->conn) != PQTRANS_UNKNOWN)
		PQclear(PQexec(db->conn, "ROLLBACK"));
}

static char *
quote(struct request *r, const char *s, char *(*fn)(PGconn *, const char *, size_t))
{
	char *q, *copy;

	if (db_ensure(r) != 0)
		return NULL;
	if ((q = fn(r->app->db.conn, s, strlen(s))) == NULL) {
		PROBLEM(r, 500, "internal", "cannot quote: %s", PQerrorMessage(r->app->db.conn));
		return NULL;
	}
	copy = arena_strdup(r->arena, q);
	PQfreemem(q);
	return copy;
}

char *
db_quote_ident(struct request *r, const char *ident)
{
	return quote(r, ident, PQescapeIdentifier);
}

char *
db_quote_literal(struct request *r, const char *literal)
{
	return quote(r, literal, PQescapeLiteral);
}
