/* db.h — the worker's one persistent libpq connection.
 *
 * Statements are declared where they are used with DB_STMT and prepared lazily, once per
 * connection: a reconnect bumps db->epoch and each statement re-prepares on its next use.
 * Every PGresult returned belongs to the request's arena. On failure the request's problem is
 * set from the SQLSTATE (see db_error.c) and NULL/-1 comes back, so handlers just return -1. */
#ifndef LOGBOOK_DB_H
#define LOGBOOK_DB_H

#include <libpq-fe.h>

struct request;

struct db_stmt {
	const char *name;
	const char *sql;
	unsigned    epoch; /* connection epoch it was prepared on; 0: never */
};

/* A prepared statement with a name unique across the program. The server cuts names at 63
 * bytes, which would make two long names one: refuse to compile instead. */
#define DB_STMT(var, text)                                                                 \
	_Static_assert(sizeof(__FILE__ ":" #var) <= 64, "statement name too long: " #var); \
	static struct db_stmt var = { __FILE__ ":" #var, text, 0 }

struct db {
	PGconn     *conn;
	const char *conninfo;
	unsigned    epoch; /* bumped on each successful (re)connect */
	long        statement_timeout_ms;
	int         unprepared; /* 1: statements run unnamed (PQexecParams), epochs untouched */
};

/* Connects (failure is not fatal: the worker answers 503 and retries on the next request).
 * Returns 0 when connected. */
int  db_open(struct db *db, const char *conninfo, long statement_timeout_ms);
void db_close(struct db *db);

/* For the rest of the request, r->app->db is a fresh connection as the schema owner
 * (db_migrate_conninfo): template publishing creates and alters the generated tables, which
 * the application's role may use but not own. Its statements run unnamed, so the app
 * connection's prepared statements are left alone. db_owner_end rolls back what is still
 * open, closes it and puts the application's connection back (harmless when not swapped).
 * 0, or -1 with a 503. */
int  db_owner_begin(struct request *r);
void db_owner_end(struct request *r);

/* Makes sure the connection is usable, reconnecting if it was lost. 0, or -1 with a 503. */
int db_ensure(struct request *r);

/* Runs a prepared statement with text parameters (NULL = SQL NULL). The result (tuples or
 * command OK) is the arena's; NULL on failure with the problem set. */
PGresult *db_exec(struct request *r, struct db_stmt *st, int nparams, const char *const *values);

/* Sends the request's pending preflight (r->preflight) alone, when no statement has carried it
 * yet. Every db_* call that talks to the database sends it first, in the same round trip where
 * it can; dispatch calls this before it answers, so every request has it checked. 0, or -1
 * with the problem set. */
int db_preflight_flush(struct request *r);

/* Runs dynamic SQL (DDL, generated statements) with text parameters; same contract. */
PGresult *db_exec_sql(struct request *r, const char *sql, int nparams, const char *const *values);

/* Opens the request's transaction (joins it when already open). Handlers never commit:
 * dispatch does, after the reply is ready (see dispatch.c). */
int db_begin(struct request *r);
int db_commit(struct request *r);
/* Rolls back if a transaction is open; harmless otherwise. Called after every request. */
void db_rollback(struct db *db);

/* A batch of statements sent in one round trip (libpq pipeline mode). Each item is a
 * prepared statement (st) or dynamic SQL (sql); results land in res[] and belong to the arena.
 * The first failing statement's error becomes the problem and the rest are skipped. Arrays
 * grow in the arena, so a template with many sections and tables still reads in one trip. */
struct db_batch_item {
	struct db_stmt    *st;
	const char        *sql;
	int                nparams;
	const char *const *values;
};

struct db_batch {
	struct arena         *arena;
	int                   n, cap;
	struct db_batch_item *items;
	PGresult            **res;
};

void db_batch_init(struct db_batch *b, struct arena *a);

/* Adds a statement; values must stay valid until db_batch_run (use the arena). Returns the
 * item's index, which is also its index in res[] after the run. */
int db_batch_add(struct db_batch *b, struct db_stmt *st, int nparams, const char *const *values);
int db_batch_add_sql(struct db_batch *b, const char *sql, int nparams, const char *const *values);

/* Runs the batch in one round trip. 0, or -1 with the problem set from the first error. */
int db_batch_run(struct request *r, struct db_batch *b);

/* Queues a statement to run just before COMMIT, in the same round trip (dispatch sends them).
 * values must live in the arena. Use it for audit rows: see audit.h. */
void db_defer(struct request *r, struct db_stmt *st, int nparams, const char *const *values);

/* Runs the deferred statements and COMMIT in one round trip (opening the transaction first if
 * none is open). 0, or -1 with the problem set and the transaction rolled back by the caller. */
int db_commit_deferred(struct request *r);

/* Runs the batch with the deferred statements and COMMIT appended, all in one round trip, and
 * marks the request committed (dispatch then only sends the reply). A POST carrying an
 * Idempotency-Key runs the batch alone: its stored answer must join the transaction, and the
 * answer is built from these results, so dispatch commits later. 0, or -1 with the problem. */
int db_batch_commit(struct request *r, struct db_batch *b);

/* Quotes an identifier with PQescapeIdentifier into the arena; NULL (and a problem) on failure.
 * Callers validate identifiers against the key pattern first. */
char *db_quote_ident(struct request *r, const char *ident);
char *db_quote_literal(struct request *r, const char *literal);

/* Maps a failed result to r->problem (status from the SQLSTATE) and returns -1. */
int db_fail(struct request *r, PGresult *res, const char *what);

/* Shorthands for reading results. */
static inline const char *
db_value(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col);
}

#endif
