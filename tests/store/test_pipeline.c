/* test_pipeline.c — the store's batches (db_batch_run, libpq pipeline mode) on their failure
 * paths, against a real server (tests/store/run.sh makes a throwaway cluster). Modelled on
 * PostgreSQL's src/test/modules/libpq_pipeline: a prepare failing mid-batch, a statement
 * aborting the rest of the pipeline, and the connection killed while the batch's results are
 * being read, after SYNC. Each time: the error the store reports (class, SQLSTATE, item,
 * diagnostics copied before the result was cleared), what ran and what did not, and that the
 * connection (or its replacement) serves the next request. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "logbook/core/arena.h"
#include "logbook/store/db.h"

static const char     *conninfo;
static struct db       db;
static struct arena    arena;
static struct db_error e;

DB_STMT(st_insert, "INSERT INTO t (id, v) VALUES ($1::int, $2)");
DB_STMT(st_broken, "SELEC 1"); /* a syntax error: its prepare fails */
DB_STMT(st_count, "SELECT count(*) FROM t");
static const char *const right_cols[] = { "id", "v", NULL };
static const char *const wrong_cols[] = { "id", "value", NULL };
DB_STMT_COLS(st_right, "SELECT id, v FROM t ORDER BY id", right_cols);
DB_STMT_COLS(st_wrong, "SELECT id, v FROM t ORDER BY id", wrong_cols);

static const char *const one[] = { "1", "one" };
static const char *const two[] = { "2", "two" };

static void
exec_ok(const char *sql)
{
	assert_non_null(db_exec_sql(&db, &arena, &e, sql, 0, NULL));
}

static long
count_rows(void)
{
	PGresult *res = db_exec(&db, &arena, &e, &st_count, 0, NULL);

	assert_non_null(res);
	return atol(PQgetvalue(res, 0, 0));
}

static int
setup(void **state)
{
	struct db_stmt *all[] = { &st_insert, &st_broken, &st_count, &st_right, &st_wrong };
	size_t          i;

	(void)state;
	/* Each test opens a new connection whose epochs start again at 1: nothing is prepared
	 * on it yet. */
	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		all[i]->epoch = all[i]->bad_epoch = 0;
	arena_init(&arena);
	assert_int_equal(db_open(&db, conninfo, 10000, "store-test"), 0);
	exec_ok("CREATE TABLE IF NOT EXISTS t (id integer PRIMARY KEY, v text NOT NULL)");
	exec_ok("TRUNCATE t");
	db_error_clear(&e);
	alarm(60); /* a batch that never returns is a failure, not a hang */
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	alarm(0);
	db_rollback(&db);
	db_close(&db);
	arena_destroy(&arena);
	/* Statements live across tests in static structs: a new connection re-prepares them. */
	return 0;
}

static void
test_batch_ok(void **state)
{
	struct db_batch b;
	int             ins, cnt;

	(void)state;
	db_batch_init(&b, &arena);
	db_batch_add_sql(&b, "BEGIN", 0, NULL);
	ins = db_batch_add(&b, &st_insert, 2, one);
	cnt = db_batch_add(&b, &st_count, 0, NULL);
	db_batch_add_sql(&b, "COMMIT", 0, NULL);
	assert_int_equal(db_batch_run(&db, &arena, &e, &b), 0);
	assert_int_equal(e.cls, DB_OK);
	assert_non_null(b.res[ins]);
	assert_string_equal(PQgetvalue(b.res[cnt], 0, 0), "1");
	assert_int_equal(st_insert.epoch, db.epoch);
	assert_false(db_in_transaction(&db));
}

/* The third statement's prepare fails (a syntax error) after the second one ran: the batch
 * fails with that error and that item; what came after it never ran; every statement whose
 * prepare did not succeed is prepared again on its next use. */
static void
test_prepare_fails_mid_batch(void **state)
{
	struct db_batch b;

	(void)state;
	st_count.epoch = 0; /* its prepare goes in the same pipeline, after the failing one */
	db_batch_init(&b, &arena);
	db_batch_add_sql(&b, "BEGIN", 0, NULL);
	db_batch_add(&b, &st_insert, 2, one);
	db_batch_add(&b, &st_broken, 0, NULL);
	db_batch_add(&b, &st_count, 0, NULL);
	db_batch_add_sql(&b, "COMMIT", 0, NULL);
	assert_int_equal(db_batch_run(&db, &arena, &e, &b), -1);
	assert_int_equal(e.cls, DB_INTERNAL);
	assert_string_equal(e.sqlstate, "42601");
	assert_int_equal(e.item, 2);
	assert_non_null(e.message);
	assert_non_null(strstr(e.message, "syntax error"));
	assert_non_null(b.res[1]); /* the insert ran */
	assert_null(b.res[2]);
	assert_null(b.res[3]);
	assert_null(b.res[4]); /* COMMIT did not run */
	assert_int_equal(st_broken.epoch, 0);
	assert_int_equal(st_count.epoch, 0); /* its prepare was aborted, not done */
	assert_true(db_in_transaction(&db)); /* the failed transaction waits for its rollback */
	db_rollback(&db);
	assert_int_equal(count_rows(), 0); /* re-prepared, and nothing of the batch stayed */
	assert_int_equal(st_count.epoch, db.epoch);
}

/* A statement fails while executing (a duplicate key): the pipeline aborts the rest up to the
 * sync, COMMIT included; the error names the constraint and table, read before the result was
 * cleared; the same statements in a good batch then work on the same connection. */
static void
test_aborted_pipeline(void **state)
{
	struct db_batch b;
	unsigned        epoch = db.epoch;

	(void)state;
	db_batch_init(&b, &arena);
	db_batch_add_sql(&b, "BEGIN", 0, NULL);
	db_batch_add(&b, &st_insert, 2, one);
	db_batch_add(&b, &st_insert, 2, one);
	db_batch_add(&b, &st_insert, 2, two);
	db_batch_add_sql(&b, "COMMIT", 0, NULL);
	assert_int_equal(db_batch_run(&db, &arena, &e, &b), -1);
	assert_int_equal(e.cls, DB_DUPLICATE);
	assert_string_equal(e.sqlstate, "23505");
	assert_int_equal(e.item, 2);
	assert_string_equal(e.constraint, "t_pkey");
	assert_string_equal(e.table, "t");
	assert_non_null(e.detail);
	assert_non_null(strstr(e.detail, "(id)=(1)"));
	assert_non_null(b.res[1]);
	assert_null(b.res[2]);
	assert_null(b.res[3]);
	assert_null(b.res[4]);
	db_rollback(&db);
	assert_int_equal(count_rows(), 0);

	db_batch_init(&b, &arena);
	db_batch_add_sql(&b, "BEGIN", 0, NULL);
	db_batch_add(&b, &st_insert, 2, one);
	db_batch_add(&b, &st_insert, 2, two);
	db_batch_add_sql(&b, "COMMIT", 0, NULL);
	assert_int_equal(db_batch_run(&db, &arena, &e, &b), 0);
	assert_int_equal(count_rows(), 2);
	assert_int_equal(db.epoch, epoch); /* the same connection all along */
}

/* Terminates backend pid from a second connection after delay_ms, in a child process. */
static pid_t
kill_backend_later(int pid, unsigned delay_ms)
{
	pid_t child = fork();

	assert_true(child >= 0);
	if (child == 0) {
		PGconn *c = PQconnectdb(conninfo);
		char    sql[64];

		usleep(delay_ms * 1000u);
		snprintf(sql, sizeof(sql), "SELECT pg_terminate_backend(%d)", pid);
		PQclear(PQexec(c, sql));
		PQfinish(c);
		_exit(0);
	}
	return child;
}

/* The batch is sent and synced; while the server works through it, another session kills
 * the backend. The batch fails as unavailable (a 503 for the API, never a 500), nothing of it
 * is committed, and the next statement reconnects and re-prepares by itself. */
static void
test_connection_killed_after_sync(void **state)
{
	struct db_batch b;
	unsigned        epoch = db.epoch;
	pid_t           killer;
	int             status;

	(void)state;
	st_count.epoch = 0;
	db_batch_init(&b, &arena);
	db_batch_add_sql(&b, "BEGIN", 0, NULL);
	db_batch_add(&b, &st_insert, 2, one);
	db_batch_add(&b, &st_count, 0, NULL);
	db_batch_add_sql(&b, "SELECT pg_sleep(5)", 0, NULL);
	db_batch_add(&b, &st_insert, 2, two);
	db_batch_add_sql(&b, "COMMIT", 0, NULL);
	killer = kill_backend_later(PQbackendPID(db.conn), 500);
	assert_int_equal(db_batch_run(&db, &arena, &e, &b), -1);
	assert_int_equal(waitpid(killer, &status, 0), killer);
	assert_int_equal(e.cls, DB_UNAVAILABLE);
	assert_non_null(e.summary);
	assert_null(b.res[5]); /* COMMIT never ran */

	assert_int_equal(db_ensure(&db, &arena, &e), 0);
	assert_int_equal(db.epoch, epoch + 1); /* a new connection */
	assert_int_equal(count_rows(), 0);     /* st_count prepared again on it */
	db_batch_init(&b, &arena);
	db_batch_add(&b, &st_insert, 2, two);
	assert_int_equal(db_batch_run(&db, &arena, &e, &b), 0);
	assert_int_equal(count_rows(), 1);
}

/* A reader whose column list disagrees with its statement's result is caught when the
 * statement is prepared, by db_exec and inside a pipeline alike, and says what differs. */
static void
test_columns_checked_when_prepared(void **state)
{
	struct db_batch b;

	(void)state;
	st_wrong.epoch = st_right.epoch = 0;
	assert_null(db_exec(&db, &arena, &e, &st_wrong, 0, NULL));
	assert_int_equal(e.cls, DB_INTERNAL);
	assert_non_null(strstr(e.message, "is v where its reader expects value"));
	assert_non_null(db_exec(&db, &arena, &e, &st_right, 0, NULL));
	/* Again, now that the server holds the statement from the first try: the same failure,
	 * not "prepared statement already exists". */
	assert_null(db_exec(&db, &arena, &e, &st_wrong, 0, NULL));
	assert_int_equal(e.cls, DB_INTERNAL);
	assert_non_null(strstr(e.message, "do not match its reader"));

	st_right.epoch = st_wrong.epoch = st_wrong.bad_epoch = 0;
	exec_ok("DEALLOCATE ALL");
	db_batch_init(&b, &arena);
	db_batch_add(&b, &st_right, 0, NULL);
	db_batch_add(&b, &st_wrong, 0, NULL);
	assert_int_equal(db_batch_run(&db, &arena, &e, &b), -1);
	assert_int_equal(e.cls, DB_INTERNAL);
	assert_int_equal(e.item, 1);
	assert_non_null(strstr(e.message, "expects value"));
	assert_int_equal(st_right.epoch, db.epoch);
	assert_non_null(db_exec(&db, &arena, &e, &st_right, 0, NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_batch_ok, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prepare_fails_mid_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_aborted_pipeline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_connection_killed_after_sync, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_columns_checked_when_prepared, setup, teardown),
	};

	if ((conninfo = getenv("LOGBOOK_TEST_CONNINFO")) == NULL) {
		fprintf(stderr,
		    "test_pipeline: LOGBOOK_TEST_CONNINFO is not set (run tests/store/run.sh)\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
