/* events.c — GET /api/v1/events?after=&wait=: the audit trail as an event stream, long-polled.
 *
 * Each audit row is an event; its seq is the cursor. Seq order is commit order (the chain's
 * trigger hands out seq under a lock held until COMMIT), so a reader that sees seq n has seen
 * every row below n: `seq > after` loses nothing, and a client that resumes from next_cursor
 * after a worker restart misses nothing either.
 *
 * A request with nothing to return and wait > 0 LISTENs on logbook_audit (the trigger NOTIFYs
 * each seq at COMMIT) and sleeps on the connection's socket until a notification or the
 * deadline, then queries again. A waiting request holds one pre-forked worker, so at most
 * events_max_waiters requests may wait at once across all workers: each waiter holds one of
 * that many session advisory locks (slots), which PostgreSQL releases by itself if the worker
 * dies. A request that finds every slot taken answers at once, as if wait were 0, with the
 * header `X-Events-Wait: busy`; the client simply polls again. With events_max_waiters below
 * the number of workers, long-polls can never take every worker from the rest of the API. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "logbook/auth/roles.h"
#include "logbook/core/log.h"
#include "logbook/handlers/handlers.h"
#include "logbook/http/bearer.h"
#include "logbook/http/http.h"
#include "logbook/store/audit_append.h"
#include "logbook/store/audit_query.h"
#include "logbook/store/db.h"
#include "logbook/worker/app.h"

#define EVENTS_MAX_WAIT      30 /* seconds */
#define EVENTS_DEFAULT_LIMIT 100
#define EVENTS_MAX_LIMIT     500
/* First key of the two-key advisory locks that are the waiter slots (the second is the slot
 * number). Two-key locks live apart from one-key ones (the migration lock 7412031, the audit
 * chain's 7412032); a constant of its own still keeps the lock tables easy to read. */
#define EVENTS_LOCK_KEY "7412033"
/* Notifications for events the caller may not see would otherwise wake it for a query each:
 * no more than one query per this many milliseconds while waiting. */
#define EVENTS_REQUERY_MS 100

#define EVENTS_QUERY(columns, extra)                               \
	"SELECT i.seq, row_to_json(i)::text FROM (SELECT " columns \
	" FROM audit_log WHERE seq > $1" extra " ORDER BY seq LIMIT $2) i ORDER BY i.seq"

DB_STMT(stmt_events_all, EVENTS_QUERY(AUDIT_ITEM_COLUMNS, ""));
/* Everyone else reads neither where the actor came from nor the actor's roles. */
DB_STMT(stmt_events_public,
    EVENTS_QUERY(AUDIT_ITEM_COLUMNS_REDACTED, " AND object_type IN " AUDIT_PUBLIC_TYPES));
/* LIMIT 1 stops at the first slot won, so at most one lock is taken. */
DB_STMT(stmt_events_slot,
    "SELECT s FROM generate_series(0, $1::int - 1) s"
    " WHERE pg_try_advisory_lock(" EVENTS_LOCK_KEY ", s) LIMIT 1");
DB_STMT(stmt_events_unslot, "SELECT pg_advisory_unlock(" EVENTS_LOCK_KEY ", $1::int)");

struct events_query {
	struct db_stmt *stmt;
	const char     *values[2]; /* after, limit */
	char            limit[24];
};

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A whole number from lo to hi in ?name= (def when absent or empty); -1 and a 400 otherwise. */
static int
query_int(struct request *r, const char *name, long lo, long hi, long def, long *out)
{
	const char *s = request_query(r, name);
	char       *end;

	*out = def;
	if (s == NULL || *s == '\0')
		return 0;
	errno = 0;
	*out = strtol(s, &end, 10);
	if (*end != '\0' || errno != 0 || *out < lo || *out > hi || s[0] == '-' || s[0] == '+' ||
	    s[0] == ' ')
		return PROBLEM(
		    r, 400, "bad-query", "%s must be a whole number from %ld to %ld", name, lo, hi);
	return 0;
}

/* Takes a free waiter slot: its number, -2 when all are taken, -1 on a database error. */
static int
take_slot(struct request *r)
{
	char        n[24];
	const char *values[1] = { n };
	PGresult   *res;

	if (r->app->cfg.events_max_waiters <= 0)
		return -2;
	snprintf(n, sizeof(n), "%ld", r->app->cfg.events_max_waiters);
	if ((res = db_exec(r, &stmt_events_slot, 1, values)) == NULL)
		return -1;
	return PQntuples(res) == 1 ? atoi(PQgetvalue(res, 0, 0)) : -2;
}

/* How long a waiter sleeps before it chains pending audit rows itself. */
#define EVENTS_SEAL_MS 500

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

/* Sleeps until a notification arrives (1), the deadline passes (0), or the connection fails
 * (-1, with a 503). */
static int
wait_notification(struct request *r, long long deadline)
{
	PGconn *conn = r->app->db.conn;

	for (;;) {
		struct pollfd pfd = { .fd = PQsocket(conn), .events = POLLIN };
		long long     left;
		int           rc;

		if (take_notifications(conn))
			return 1;
		if ((left = deadline - now_ms()) <= 0)
			return 0;
		rc = poll(&pfd, 1, (int)(left < EVENTS_SEAL_MS ? left : EVENTS_SEAL_MS));
		if (rc < 0 && errno == EINTR)
			continue;
		/* Quiet for a while: chain any audit row whose writer found another sealer at work
		 * (a writer's audit_seal() never waits); its NOTIFY then wakes this loop like any other. */
		if (rc == 0 && left > EVENTS_SEAL_MS) {
			audit_seal_after(&r->app->db);
			continue;
		}
		if (rc < 0 || (rc > 0 && PQconsumeInput(conn) == 0))
			return PROBLEM(r, 503, "database-unavailable",
			    "the database connection was lost while waiting; retry");
	}
}

/* Sleeps on the connection until the deadline, or until EVENTS_REQUERY_MS after the last
 * query once a notification came: 1 time to query again, 0 deadline, -1 failure. */
static int
wait_for_events(struct request *r, long long deadline, long long last_query)
{
	int rc = wait_notification(r, deadline);

	if (rc != 1)
		return rc;
	if (now_ms() < last_query + EVENTS_REQUERY_MS) {
		long long until = last_query + EVENTS_REQUERY_MS;

		/* Gather what else arrives meanwhile; a failure here still ends the wait. */
		while (now_ms() < until)
			if (wait_notification(r, until) < 0)
				return -1;
	}
	return 1;
}

/* Ends the wait: no more notifications for this connection, none left queued, slot free. */
static void
stop_waiting(struct request *r, int slot)
{
	struct problem saved = r->problem;
	char           n[24];
	const char    *values[1] = { n };

	/* Cleanup must not replace the problem that ended the wait (if any). */
	db_exec_sql(r, "UNLISTEN logbook_audit", 0, NULL);
	if (r->app->db.conn != NULL)
		take_notifications(r->app->db.conn);
	snprintf(n, sizeof(n), "%d", slot);
	if (db_exec(r, &stmt_events_unslot, 1, values) == NULL)
		log_msg(
		    "warn", "req=%s: could not free events waiter slot %d", r->request_id, slot);
	r->problem = saved;
}

int
handle_events(struct request *r)
{
	struct events_query q = { 0 };
	const char         *after = request_query(r, "after"), *next;
	long                wait, limit;
	long long           deadline, last_query;
	PGresult           *res;
	size_t              len;
	char               *body;
	int                 n, slot, rc = 0;

	if (after == NULL || *after == '\0')
		after = "0";
	else if (!audit_seq_valid(after))
		return PROBLEM(r, 400, "bad-query", "after must be an event seq (a whole number)");
	if (query_int(r, "wait", 0, EVENTS_MAX_WAIT, 0, &wait) != 0 ||
	    query_int(r, "limit", 1, EVENTS_MAX_LIMIT, EVENTS_DEFAULT_LIMIT, &limit) != 0)
		return -1;
	/* Admins and auditors read the whole trail; everyone else what any user may read. */
	q.stmt = auth_has_role(r, ROLE_AUDITOR) ? &stmt_events_all : &stmt_events_public;
	snprintf(q.limit, sizeof(q.limit), "%ld", limit);
	q.values[0] = after;
	q.values[1] = q.limit;

	deadline = now_ms() + wait * 1000;
	if (audit_seal_now(r) != 0 || (res = db_exec(r, q.stmt, 2, q.values)) == NULL)
		return -1;
	/* A transaction would hold notifications back until it ends: do not wait inside one. */
	if (PQntuples(res) == 0 && wait > 0 &&
	    PQtransactionStatus(r->app->db.conn) == PQTRANS_IDLE) {
		if ((slot = take_slot(r)) == -1)
			return -1;
		if (slot == -2)
			reply_header(r, "X-Events-Wait", "busy");
		else {
			/* LISTEN before the second look, so nothing committed in between is missed. */
			if (db_exec_sql(r, "LISTEN logbook_audit", 0, NULL) == NULL ||
			    audit_seal_now(r) != 0 ||
			    (res = db_exec(r, q.stmt, 2, q.values)) == NULL)
				rc = -1;
			last_query = now_ms();
			while (rc == 0 && PQntuples(res) == 0) {
				if ((rc = wait_for_events(r, deadline, last_query)) != 1)
					break;
				rc = 0;
				if ((res = db_exec(r, q.stmt, 2, q.values)) == NULL)
					rc = -1;
				last_query = now_ms();
			}
			stop_waiting(r, slot);
			if (rc < 0)
				return -1;
			reply_header(r, "X-Events-Wait", "done");
		}
	}
	n = PQntuples(res);
	next = n > 0 ? PQgetvalue(res, n - 1, 0) : after;
	body = audit_items_body(r->arena, res, n, next, &len);
	reply_raw(r, 200, "application/json; charset=utf-8", NULL, body, len);
	return 0;
}
