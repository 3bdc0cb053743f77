/* db.h — the worker's one persistent libpq connection.
 *
 * Statements are declared where they are used with DB_STMT and prepared lazily, once per
 * connection: a reconnect bumps db->epoch and each statement re-prepares on its next use.
 * Every store function takes the connection, the arena its results and copies live in, and a
 * struct db_error (db_error.h) that a failure fills before the failed result is cleared; it
 * then returns NULL or -1. Nothing here knows about HTTP. */
#ifndef LOGBOOK_DB_H
#define LOGBOOK_DB_H

#include <libpq-fe.h>

#include "logbook/store/db_error.h"

struct arena;

struct db_stmt {
	const char *name;
	const char *sql;
	unsigned    epoch; /* connection epoch it was prepared on; 0: never */
	/* The result's column names in order (NULL-terminated), or NULL when nobody reads them.
	 * Checked against the server's description each time the statement is prepared, so that
	 * a reader indexing columns by an enum beside the statement cannot drift from its SQL. */
	const char *const *columns;
	unsigned           bad_epoch; /* prepared on this epoch, but its columns did not match */
};

/* A prepared statement with a name unique across the program. The server cuts names at 63
 * bytes, which would make two long names one: refuse to compile instead. */
#define DB_STMT(var, text)                                                                 \
	_Static_assert(sizeof(__FILE__ ":" #var) <= 64, "statement name too long: " #var); \
	static struct db_stmt var = { __FILE__ ":" #var, text, 0, NULL, 0 }

/* The same with the result's columns: cols names a `static const char *const cols[]` (NULL
 * at the end) declared beside the enum its reader indexes with. */
#define DB_STMT_COLS(var, text, cols)                                                      \
	_Static_assert(sizeof(__FILE__ ":" #var) <= 64, "statement name too long: " #var); \
	static struct db_stmt var = { __FILE__ ":" #var, text, 0, cols, 0 }

struct db_batch;

struct db {
	PGconn     *conn;
	const char *conninfo;
	const char *application_name;
	unsigned    epoch; /* bumped on each successful (re)connect */
	long        statement_timeout_ms;
	/* The current transaction (db_tx_reset() starts afresh): statements queued for COMMIT,
	 * whether db_batch_commit may commit, whether it did, whether audit rows were written. */
	struct db_batch *at_commit;
	int              hold_commit;
	int              committed;
	int              wrote_audit;
	int unprepared; /* 1: statements run unnamed (PQexecParams), epochs untouched */

	/* A statement that must reach the database with the next one, in the same round trip
	 * (the users-table check of user_access.c): NULL once sent. */
	struct db_stmt    *preflight;
	const char *const *preflight_values;
	int                preflight_nparams;
};

/* Connects (failure is not fatal: the worker answers 503 and retries on the next request).
 * application_name is a plain word (it is put into SET as it is). Returns 0 when connected. */
int db_open(
    struct db *db, const char *conninfo, long statement_timeout_ms, const char *application_name);
void db_close(struct db *db);

/* Opens a connection whose statements run unnamed (PQexecParams): the schema owner's, that a
 * request borrows for publishing (011_least_privilege.sql), leaving the application
 * connection's prepared statements alone. 0, or -1 with e (unavailable). */
int db_open_unprepared(struct db *db, struct arena *a, struct db_error *e, const char *conninfo,
    long statement_timeout_ms);

/* Makes sure the connection is usable, reconnecting if it was lost. 0, or -1 (unavailable). */
int db_ensure(struct db *db, struct arena *a, struct db_error *e);

/* Sends the pending preflight (db->preflight) alone, when no statement has carried it yet.
 * Every call that talks to the database sends it first, in the same round trip where it can.
 * 0, or -1 with e. */
int db_preflight_flush(struct db *db, struct arena *a, struct db_error *e);

/* Runs a prepared statement with text parameters (NULL = SQL NULL). The result (tuples or
 * command OK) is the arena's; NULL on failure with e filled. */
PGresult *db_exec(struct db *db, struct arena *a, struct db_error *e, struct db_stmt *st,
    int nparams, const char *const *values);

/* Runs dynamic SQL (DDL, generated statements) with text parameters; same contract. */
PGresult *db_exec_sql(struct db *db, struct arena *a, struct db_error *e, const char *sql,
    int nparams, const char *const *values);

/* Opens the request's transaction (joins it when already open). Handlers never commit:
 * dispatch does, after the reply is ready (see dispatch.c). */
int db_begin(struct db *db, struct arena *a, struct db_error *e);
int db_commit(struct db *db, struct arena *a, struct db_error *e);
/* Rolls back if a transaction is open; harmless otherwise. Called after every request. */
void db_rollback(struct db *db);
/* 1 when a transaction is open (or failed and not yet rolled back). */
int db_in_transaction(const struct db *db);

/* Starts the bookkeeping of a new transaction: nothing queued, nothing committed.
 * hold_commit: db_batch_commit must leave the COMMIT to the caller (see there). */
void db_tx_reset(struct db *db, int hold_commit);

/* A batch of statements sent in one round trip (libpq pipeline mode). Each item is a
 * prepared statement (st) or dynamic SQL (sql); results land in res[] and belong to the arena.
 * The first failing statement's error fills the db_error (item = its index) and the rest are
 * skipped. Arrays grow in the arena, so a template with many sections and tables still reads
 * in one trip. */
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

/* Runs the batch in one round trip. 0, or -1 with e filled from the first error. */
int db_batch_run(struct db *db, struct arena *a, struct db_error *e, struct db_batch *b);

/* Queues a statement to run just before COMMIT, in the same round trip (db_commit_deferred).
 * values must live in the arena. Use it for audit rows: see audit_append.h. */
void db_defer(
    struct db *db, struct arena *a, struct db_stmt *st, int nparams, const char *const *values);

/* Runs the deferred statements and COMMIT in one round trip (opening the transaction first if
 * none is open). 0, or -1 with e filled and the transaction to be rolled back by the caller. */
int db_commit_deferred(struct db *db, struct arena *a, struct db_error *e);

/* Runs the batch with the deferred statements and COMMIT appended, all in one round trip, and
 * marks the transaction committed. With hold_commit set (a POST carrying an Idempotency-Key:
 * its stored answer must join the transaction, and that answer is built from these results)
 * the batch runs alone and the caller commits later. 0, or -1 with e filled. */
int db_batch_commit(struct db *db, struct arena *a, struct db_error *e, struct db_batch *b);

/* Quotes an identifier with PQescapeIdentifier into the arena; NULL (and e) on failure.
 * Callers validate identifiers against the key pattern first. */
char *db_quote_ident(struct db *db, struct arena *a, struct db_error *e, const char *ident);
char *db_quote_literal(struct db *db, struct arena *a, struct db_error *e, const char *literal);

/* Fills e from a failed result (or from the connection when res is NULL): the server's
 * fields copied into the arena, the class from the SQLSTATE. Returns -1. */
int db_error_from_result(
    struct db_error *e, struct arena *a, struct db *db, const PGresult *res, const char *what);

/* The database role the connection is (PQuser). */
const char *db_user(const struct db *db);

/* Shorthands for reading results. */
static inline const char *
db_value(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col);
}

#endif
