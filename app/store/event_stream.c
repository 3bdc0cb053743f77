/* event_stream.c — see event_stream.h. */
#include "logbook/store/event_stream.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "logbook/core/log.h"
#include "logbook/store/audit_append.h"
#include "logbook/store/db.h"

/* First key of the two-key advisory locks that are the waiter slots (the second is the slot
 * number). Two-key locks live apart from one-key ones (the migration lock 7412031, the audit
 * chain's 7412032); a constant of its own still keeps the lock tables easy to read. */
#define EVENTS_LOCK_KEY "7412033"

/* How long a waiter sleeps before it chains pending audit rows itself. */
#define EVENTS_SEAL_MS 500

#define EVENTS_QUERY(columns, extra)                               \
	"SELECT i.seq, row_to_json(i)::text FROM (SELECT " columns \
	" FROM audit_log WHERE seq > $1" extra " ORDER BY seq LIMIT $2) i ORDER BY i.seq"

static const char *const events_cols[] = { "seq", "row_to_json", NULL };
DB_STMT_COLS(stmt_events_all, EVENTS_QUERY(AUDIT_ITEM_COLUMNS, ""), events_cols);
/* Everyone else reads neither where the actor came from nor the actor's roles. */
DB_STMT_COLS(stmt_events_public,
    EVENTS_QUERY(AUDIT_ITEM_COLUMNS_REDACTED, " AND object_type IN " AUDIT_PUBLIC_TYPES),
    events_cols);
/* LIMIT 1 stops at the first slot won, so at most one lock is taken. */
DB_STMT(stmt_events_slot,
    "SELECT s FROM generate_series(0, $1::int - 1) s"
    " WHERE pg_try_advisory_lock(" EVENTS_LOCK_KEY ", s) LIMIT 1");
DB_STMT(stmt_events_unslot, "SELECT pg_advisory_unlock(" EVENTS_LOCK_KEY ", $1::int)");

long long
events_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
events_read(struct db *db, struct arena *a, struct db_error *e, const char *after, long limit,
    int public_only, struct audit_items *out)
{
	char        lim[24];
	const char *values[2] = { after, lim };
	PGresult   *res;

	snprintf(lim, sizeof(lim), "%ld", limit);
	if ((res = db_exec(db, a, e, public_only ? &stmt_events_public : &stmt_events_all, 2,
		 values)) == NULL)
		return -1;
	audit_items_of(a, res, out);
	return 0;
}

int
events_slot_take(struct db *db, struct arena *a, struct db_error *e, long max)
{
	char        n[24];
	const char *values[1] = { n };
	PGresult   *res;

	if (max <= 0)
		return -2;
	snprintf(n, sizeof(n), "%ld", max);
	if ((res = db_exec(db, a, e, &stmt_events_slot, 1, values)) == NULL)
		return -1;
	return PQntuples(res) == 1 ? atoi(PQgetvalue(res, 0, 0)) : -2;
}

void
events_slot_free(struct db *db, struct arena *a, int slot)
{
	struct db_error e;
	char            n[24];
	const char     *values[1] = { n };

	snprintf(n, sizeof(n), "%d", slot);
	if (db_exec(db, a, &e, &stmt_events_unslot, 1, values) == NULL)
		log_msg("warn", "events: could not free waiter slot %d", slot);
}

int
events_listen(struct db *db, struct arena *a, struct db_error *e)
{
	return db_exec_sql(db, a, e, "LISTEN logbook_audit", 0, NULL) != NULL ? 0 : -1;
}

static int
take_notifications(PGconn *conn)
{
	PGnotify *n;
	int       got = 0;

	while ((n = PQnotifies(conn)) != NULL) {
		got = 1;
		PQfreemem(n);
	}
	return got;
}

void
events_unlisten(struct db *db, struct arena *a)
{
	struct db_error e;

	db_exec_sql(db, a, &e, "UNLISTEN logbook_audit", 0, NULL);
	if (db->conn != NULL)
		take_notifications(db->conn);
}

int
events_wait(struct db *db, struct arena *a, struct db_error *e, long long deadline)
{
	PGconn *conn = db->conn;

	if (conn == NULL)
		return db_error_set(e, a, DB_UNAVAILABLE, "events",
		    "the database connection was lost while waiting; retry");
	for (;;) {
		struct pollfd pfd = { .fd = PQsocket(conn), .events = POLLIN };
		long long     left;
		int           rc;

		if (take_notifications(conn))
			return 1;
		if ((left = deadline - events_now_ms()) <= 0)
			return 0;
		rc = poll(&pfd, 1, (int)(left < EVENTS_SEAL_MS ? left : EVENTS_SEAL_MS));
		if (rc < 0 && errno == EINTR)
			continue;
		/* Quiet for a while: chain any audit row whose writer found another sealer at work
		 * (a writer's audit_seal() never waits); its NOTIFY then wakes this loop like any other. */
		if (rc == 0 && left > EVENTS_SEAL_MS) {
			audit_seal_after(db);
			continue;
		}
		if (rc < 0 || (rc > 0 && PQconsumeInput(conn) == 0))
			return db_error_set(e, a, DB_UNAVAILABLE, "events",
			    "the database connection was lost while waiting; retry");
	}
}
