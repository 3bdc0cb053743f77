/* db.c — the persistent connection, lazy prepared statements, transactions. */
#include "logbook/store/db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logbook/core/arena.h"
#include "logbook/core/log.h"
#include "logbook/metrics/metrics.h"

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
	    "SET statement_timeout = %ld; SET application_name = '%s'; SET TimeZone = 'UTC'; SET DateStyle = 'ISO'",
	    db->statement_timeout_ms, db->application_name);
	PQclear(PQexec(db->conn, set));
	return 0;
}

int
db_open(
    struct db *db, const char *conninfo, long statement_timeout_ms, const char *application_name)
{
	memset(db, 0, sizeof(*db));
	db->conninfo = conninfo;
	db->application_name = application_name;
	db->statement_timeout_ms = statement_timeout_ms;
	return db_connect(db);
}

int
db_open_unprepared(struct db *db, struct arena *a, struct db_error *e, const char *conninfo,
    long statement_timeout_ms)
{
	memset(db, 0, sizeof(*db));
	db->conninfo = conninfo;
	db->application_name = "logbook-fcgi";
	db->statement_timeout_ms = statement_timeout_ms;
	db->unprepared = 1;
	if (db_connect(db) != 0)
		return db_error_set(
		    e, a, DB_UNAVAILABLE, "connect", "the database is not reachable; retry later");
	return 0;
}

void
db_close(struct db *db)
{
	if (db->conn != NULL)
		PQfinish(db->conn);
	db->conn = NULL;
}

int
db_ensure(struct db *db, struct arena *a, struct db_error *e)
{
	if (db->conn != NULL && PQstatus(db->conn) == CONNECTION_OK)
		return 0;
	if (db_connect(db) != 0)
		return db_error_set(
		    e, a, DB_UNAVAILABLE, "connect", "the database is not reachable; retry later");
	log_msg("info", "db: reconnected (epoch %u)", db->epoch);
	metrics_db_reconnect();
	return 0;
}

static void
result_clear(void *res)
{
	PQclear(res);
}

/* The result, owned by the arena; or NULL with e filled (before the result is cleared). */
static PGresult *
check(struct db *db, struct arena *a, struct db_error *e, PGresult *res, const char *what)
{
	ExecStatusType st = res != NULL ? PQresultStatus(res) : PGRES_FATAL_ERROR;

	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
		return arena_own(a, res, result_clear);
	db_error_from_result(e, a, db, res, what);
	PQclear(res);
	return NULL;
}

static PGresult *exec_with_preflight(struct db *db, struct arena *a, struct db_error *e,
    struct db_stmt *st, const char *sql, int nparams, const char *const *values);

PGresult *
db_exec_sql(struct db *db, struct arena *a, struct db_error *e, const char *sql, int nparams,
    const char *const *values)
{
	/* BEGIN and parameterised statements go out with the preflight; other dynamic SQL may
	 * hold several statements, which only the simple protocol runs: the preflight first. */
	if (db->preflight != NULL && (nparams > 0 || strncmp(sql, "BEGIN", 5) == 0))
		return exec_with_preflight(db, a, e, NULL, sql, nparams, values);
	if (db_preflight_flush(db, a, e) != 0 || db_ensure(db, a, e) != 0)
		return NULL;
	if (nparams == 0)
		return check(db, a, e, PQexec(db->conn, sql), "sql");
	return check(
	    db, a, e, PQexecParams(db->conn, sql, nparams, NULL, values, NULL, NULL, 0), "sql");
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

/* NULL when the described statement returns exactly st->columns, in order; else what differs
 * (the statement and its reader disagree: a bug, caught the first time it is prepared). */
static const char *
columns_mismatch(struct arena *a, const PGresult *desc, const struct db_stmt *st)
{
	int i, n = PQnfields(desc);

	for (i = 0; st->columns[i] != NULL; i++)
		if (i >= n || strcmp(PQfname(desc, i), st->columns[i]) != 0)
			return arena_printf(a,
			    "%s: result column %d is %s where its reader expects %s", st->name,
			    i + 1, i < n ? PQfname(desc, i) : "missing", st->columns[i]);
	if (i != n)
		return arena_printf(
		    a, "%s: %d result columns where its reader expects %d", st->name, n, i);
	return NULL;
}

/* Prepares st on the connection (and checks its columns): 0, or -1 with e. */
static int
prepare(struct db *db, struct arena *a, struct db_error *e, struct db_stmt *st)
{
	const char *why;
	PGresult   *res;

	if (check(db, a, e, PQprepare(db->conn, st->name, st->sql, 0, NULL), st->name) == NULL)
		return -1;
	if (st->columns != NULL) {
		if ((res = check(db, a, e, PQdescribePrepared(db->conn, st->name), st->name)) ==
		    NULL)
			return -1;
		if ((why = columns_mismatch(a, res, st)) != NULL) {
			/* Prepared, so not prepared again on this connection; but never run. */
			st->epoch = st->bad_epoch = db->epoch;
			log_msg("error", "db: %s", why);
			return db_error_set(e, a, DB_INTERNAL, st->name, "%s", why);
		}
	}
	st->epoch = db->epoch;
	return 0;
}

/* A statement found not to match its reader on this connection fails at once. */
static int
known_bad(struct db *db, struct arena *a, struct db_error *e, const struct db_stmt *st)
{
	if (st == NULL || st->bad_epoch != db->epoch)
		return 0;
	db_error_set(e, a, DB_INTERNAL, st->name,
	    "%s: its result columns do not match its reader (see the log)", st->name);
	return 1;
}

PGresult *
db_exec(struct db *db, struct arena *a, struct db_error *e, struct db_stmt *st, int nparams,
    const char *const *values)
{
	if (db->preflight != NULL)
		return exec_with_preflight(db, a, e, st, NULL, nparams, values);
	if (db_ensure(db, a, e) != 0 || known_bad(db, a, e, st))
		return NULL;
	if (db->unprepared)
		return check(db, a, e,
		    PQexecParams(db->conn, st->sql, nparams, NULL, values, NULL, NULL, 0),
		    st->name);
	if (st->epoch != db->epoch && prepare(db, a, e, st) != 0)
		return NULL;
	return check(
	    db, a, e, PQexecPrepared(db->conn, st->name, nparams, values, NULL, NULL, 0), st->name);
}

/* What was sent for an item before the statement itself. */
enum { SENT_PREPARE = 1, SENT_DESCRIBE = 2 };

/* The first failure of a batch: its result (or a text of ours) and the item. */
struct batch_failure {
	PGresult   *res;
	const char *why;
	int         item;
};

/* Queues every item and the sync. 0, or -1 when the connection could not take them. */
static int
batch_send(struct db *db, struct db_batch *b, char *sent)
{
	PGconn *conn = db->conn;
	int     i;

	for (i = 0; i < b->n; i++) {
		struct db_batch_item *it = &b->items[i];

		if (it->st != NULL && db->unprepared) {
			if (!PQsendQueryParams(
				conn, it->st->sql, it->nparams, NULL, it->values, NULL, NULL, 0))
				return -1;
			continue;
		}
		if (it->st != NULL && it->st->epoch != db->epoch) {
			sent[i] = SENT_PREPARE;
			it->st->epoch = db->epoch; /* reset when reading if the prepare failed */
			if (!PQsendPrepare(conn, it->st->name, it->st->sql, 0, NULL))
				return -1;
			if (it->st->columns != NULL) {
				sent[i] |= SENT_DESCRIBE;
				if (!PQsendDescribePrepared(conn, it->st->name))
					return -1;
			}
		}
		if (!(it->st != NULL ? PQsendQueryPrepared(conn, it->st->name, it->nparams,
					   it->values, NULL, NULL, 0)
				     : PQsendQueryParams(conn, it->sql, it->nparams, NULL,
					   it->values, NULL, NULL, 0)))
			return -1;
	}
	return PQpipelineSync(conn) == 1 ? 0 : -1;
}

/* Sending failed: the connection is gone. Give up on it; the next request reconnects. */
static void
batch_lost(struct db *db, struct db_batch *b)
{
	int i;

	PQfinish(db->conn);
	db->conn = NULL;
	for (i = 0; i < b->n && !db->unprepared; i++)
		if (b->items[i].st != NULL)
			b->items[i].st->epoch = 0;
}

/* Keeps the first real failure (an aborted statement only follows one). Takes res. */
static void
batch_failed(struct batch_failure *f, PGresult *res, int item)
{
	if (f->item < 0 && res != NULL && PQresultStatus(res) != PGRES_PIPELINE_ABORTED) {
		f->res = res;
		f->item = item;
	} else
		PQclear(res);
	if (f->item < 0 && res == NULL)
		f->item = item; /* no result at all: the connection broke */
}

/* Reads the results of item i: its prepare and describe when sent, then its own. 1 when the
 * statement's result is in b->res[i]. */
static int
batch_read_item(
    struct db *db, struct arena *a, struct db_batch *b, int i, char sent, struct batch_failure *f)
{
	struct db_stmt *st = b->items[i].st;
	PGresult       *res;
	const char     *why;

	if (sent & SENT_PREPARE) {
		res = pipeline_result(db->conn);
		if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK) {
			st->epoch = 0;
			batch_failed(f, res, i);
		} else
			PQclear(res);
	}
	if (sent & SENT_DESCRIBE) {
		res = pipeline_result(db->conn);
		if (res != NULL && PQresultStatus(res) == PGRES_COMMAND_OK &&
		    (why = columns_mismatch(a, res, st)) != NULL) {
			st->bad_epoch = db->epoch; /* prepared: never prepared again here */
			if (f->item < 0) {
				f->why = why;
				f->item = i;
			}
		}
		PQclear(res);
	}
	res = pipeline_result(db->conn);
	if (res != NULL &&
	    (PQresultStatus(res) == PGRES_COMMAND_OK || PQresultStatus(res) == PGRES_TUPLES_OK)) {
		b->res[i] = arena_own(a, res, result_clear);
		return 1;
	}
	batch_failed(f, res, i);
	return 0;
}

/* Reads up to the sync's own result, then leaves pipeline mode. */
static void
batch_drain(PGconn *conn)
{
	PGresult *res;

	while ((res = PQgetResult(conn)) != NULL) {
		ExecStatusType st = PQresultStatus(res);

		PQclear(res);
		if (st == PGRES_PIPELINE_SYNC)
			break;
	}
	PQexitPipelineMode(conn);
}

static int
batch_run(struct db *db, struct arena *a, struct db_error *e, struct db_batch *b)
{
	struct batch_failure f = { NULL, NULL, -1 };
	char                *sent;
	int                  i;

	if (db_ensure(db, a, e) != 0)
		return -1;
	for (i = 0; i < b->n; i++)
		if (known_bad(db, a, e, b->items[i].st)) {
			e->item = i;
			return -1;
		}
	b->res = arena_zalloc(a, (size_t)(b->n + 1) * sizeof(*b->res));
	sent = arena_zalloc(a, (size_t)b->n + 1);
	if (PQenterPipelineMode(db->conn) != 1)
		return db_error_from_result(e, a, db, NULL, "pipeline");
	if (batch_send(db, b, sent) != 0) {
		batch_lost(db, b);
		return db_error_set(
		    e, a, DB_UNAVAILABLE, "batch", "the database connection was lost; retry later");
	}
	for (i = 0; i < b->n; i++)
		batch_read_item(db, a, b, i, sent[i], &f);
	batch_drain(db->conn);
	if (f.item < 0)
		return 0;
	if (f.why != NULL) {
		log_msg("error", "db: %s", f.why);
		db_error_set(e, a, DB_INTERNAL, "batch", "%s", f.why);
	} else
		db_error_from_result(e, a, db, f.res,
		    b->items[f.item].st != NULL ? b->items[f.item].st->name : "batch");
	e->item = f.item;
	PQclear(f.res);
	return -1;
}

static int
starts_transaction(const struct db_batch_item *it)
{
	const char *sql = it->st != NULL ? it->st->sql : it->sql;

	return sql != NULL && strncmp(sql, "BEGIN", 5) == 0;
}

int
db_batch_run(struct db *db, struct arena *a, struct db_error *e, struct db_batch *b)
{
	struct db_batch_item pre;
	int                  at, rc, n;

	if (db->preflight == NULL || b->n == 0)
		return batch_run(db, a, e, b);
	/* The preflight goes first, or right after a BEGIN: BEGIN ISOLATION LEVEL must be the
	 * transaction's first statement. A preflight that fails aborts the rest of the pipeline,
	 * so nothing of the request runs. Its result is taken out again: indexes stay the same. */
	pre = (struct db_batch_item){ db->preflight, NULL, db->preflight_nparams,
		db->preflight_values };
	db->preflight = NULL;
	at = starts_transaction(&b->items[0]) ? 1 : 0;
	db_batch_add(b, NULL, 0, NULL);
	memmove(&b->items[at + 1], &b->items[at], (size_t)(b->n - 1 - at) * sizeof(*b->items));
	b->items[at] = pre;
	b->res = NULL;
	rc = batch_run(db, a, e, b);
	n = b->n;
	memmove(&b->items[at], &b->items[at + 1], (size_t)(n - 1 - at) * sizeof(*b->items));
	if (b->res != NULL)
		memmove(&b->res[at], &b->res[at + 1], (size_t)(n - at) * sizeof(*b->res));
	b->n = n - 1;
	/* The failed item's index as the caller numbered them. */
	if (rc != 0 && e->item > at)
		e->item--;
	else if (rc != 0 && e->item == at)
		e->item = -1; /* the preflight itself */
	return rc;
}

/* Runs st (or sql) alone, or with the pending preflight in the same round trip. */
static PGresult *
exec_with_preflight(struct db *db, struct arena *a, struct db_error *e, struct db_stmt *st,
    const char *sql, int nparams, const char *const *values)
{
	struct db_batch b;

	db_batch_init(&b, a);
	if (st != NULL)
		db_batch_add(&b, st, nparams, values);
	else
		db_batch_add_sql(&b, sql, nparams, values);
	return db_batch_run(db, a, e, &b) == 0 ? b.res[0] : NULL;
}

int
db_preflight_flush(struct db *db, struct arena *a, struct db_error *e)
{
	struct db_stmt *st = db->preflight;

	if (st == NULL)
		return 0;
	db->preflight = NULL;
	return db_exec(db, a, e, st, db->preflight_nparams, db->preflight_values) != NULL ? 0 : -1;
}

int
db_in_transaction(const struct db *db)
{
	return db->conn != NULL && PQtransactionStatus(db->conn) != PQTRANS_IDLE &&
	    PQtransactionStatus(db->conn) != PQTRANS_UNKNOWN;
}

void
db_tx_reset(struct db *db, int hold_commit)
{
	db->at_commit = NULL;
	db->hold_commit = hold_commit;
	db->committed = 0;
}

int
db_begin(struct db *db, struct arena *a, struct db_error *e)
{
	/* Idempotency may have opened the request's transaction already: join it. */
	if (db->conn != NULL && PQtransactionStatus(db->conn) == PQTRANS_INTRANS)
		return 0;
	return db_exec_sql(db, a, e, "BEGIN", 0, NULL) != NULL ? 0 : -1;
}

void
db_defer(struct db *db, struct arena *a, struct db_stmt *st, int nparams, const char *const *values)
{
	if (db->at_commit == NULL) {
		db->at_commit = arena_alloc(a, sizeof(*db->at_commit));
		db_batch_init(db->at_commit, a);
	}
	db_batch_add(db->at_commit, st, nparams, values);
}

int
db_commit_deferred(struct db *db, struct arena *a, struct db_error *e)
{
	struct db_batch b;
	int i, in_tx = db->conn != NULL && PQtransactionStatus(db->conn) == PQTRANS_INTRANS;

	if (db->at_commit == NULL || db->at_commit->n == 0)
		return in_tx ? db_commit(db, a, e) : 0;
	db_batch_init(&b, a);
	if (!in_tx)
		db_batch_add_sql(&b, "BEGIN", 0, NULL);
	for (i = 0; i < db->at_commit->n; i++) {
		struct db_batch_item *it = &db->at_commit->items[i];

		db_batch_add(&b, it->st, it->nparams, it->values);
	}
	db_batch_add_sql(&b, "COMMIT", 0, NULL);
	db->at_commit->n = 0;
	if (db_batch_run(db, a, e, &b) != 0)
		return -1;
	db->wrote_audit = 1;
	return 0;
}

int
db_batch_commit(struct db *db, struct arena *a, struct db_error *e, struct db_batch *b)
{
	int i, first = b->n;

	if (db->hold_commit)
		return db_batch_run(db, a, e, b);
	for (i = 0; db->at_commit != NULL && i < db->at_commit->n; i++)
		db_batch_add(b, db->at_commit->items[i].st, db->at_commit->items[i].nparams,
		    db->at_commit->items[i].values);
	db_batch_add_sql(b, "COMMIT", 0, NULL);
	if (db->at_commit != NULL)
		db->at_commit->n = 0;
	if (db_batch_run(db, a, e, b) != 0)
		return -1;
	db->committed = 1;
	db->wrote_audit |= b->n - first > 1;
	return 0;
}

int
db_commit(struct db *db, struct arena *a, struct db_error *e)
{
	return db_exec_sql(db, a, e, "COMMIT", 0, NULL) != NULL ? 0 : -1;
}

void
db_rollback(struct db *db)
{
	if (db->conn != NULL && PQtransactionStatus(db->conn) != PQTRANS_IDLE &&
	    PQtransactionStatus(db->conn) != PQTRANS_UNKNOWN)
		PQclear(PQexec(db->conn, "ROLLBACK"));
}

static char *
quote(struct db *db, struct arena *a, struct db_error *e, const char *s,
    char *(*fn)(PGconn *, const char *, size_t))
{
	char *q, *copy;

	if (db_ensure(db, a, e) != 0)
		return NULL;
	if ((q = fn(db->conn, s, strlen(s))) == NULL) {
		db_error_set(
		    e, a, DB_INTERNAL, "quote", "cannot quote: %s", PQerrorMessage(db->conn));
		return NULL;
	}
	copy = arena_strdup(a, q);
	PQfreemem(q);
	return copy;
}

char *
db_quote_ident(struct db *db, struct arena *a, struct db_error *e, const char *ident)
{
	return quote(db, a, e, ident, PQescapeIdentifier);
}

char *
db_quote_literal(struct db *db, struct arena *a, struct db_error *e, const char *literal)
{
	return quote(db, a, e, literal, PQescapeLiteral);
}

const char *
db_user(const struct db *db)
{
	const char *u = db->conn != NULL ? PQuser(db->conn) : NULL;

	return u != NULL ? u : "unknown";
}
