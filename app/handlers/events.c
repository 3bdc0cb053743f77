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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logbook/auth/roles.h"
#include "logbook/handlers/handlers.h"
#include "logbook/http/bearer.h"
#include "logbook/http/http.h"
#include "logbook/store/audit_append.h"
#include "logbook/store/db.h"
#include "logbook/store/event_stream.h"
#include "logbook/worker/app.h"

#define EVENTS_MAX_WAIT      30 /* seconds */
#define EVENTS_DEFAULT_LIMIT 100
#define EVENTS_MAX_LIMIT     500
/* Notifications for events the caller may not see would otherwise wake it for a query each:
 * no more than one query per this many milliseconds while waiting. */
#define EVENTS_REQUERY_MS 100

/* What the request reads each time it looks. */
struct events_query {
	const char *after;
	long        limit;
	int         public_only;
};

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

static int
look(struct request *r, const struct events_query *q, struct audit_items *out)
{
	return events_read(STORE(r), q->after, q->limit, q->public_only, out);
}

/* Sleeps on the connection until the deadline, or until EVENTS_REQUERY_MS after the last
 * query once a notification came: 1 time to query again, 0 deadline, -1 failure. */
static int
wait_for_events(struct request *r, long long deadline, long long last_query)
{
	int rc = events_wait(STORE(r), deadline);

	if (rc != 1)
		return rc;
	if (events_now_ms() < last_query + EVENTS_REQUERY_MS) {
		long long until = last_query + EVENTS_REQUERY_MS;

		/* Gather what else arrives meanwhile; a failure here still ends the wait. */
		while (events_now_ms() < until)
			if (events_wait(STORE(r), until) < 0)
				return -1;
	}
	return 1;
}

/* Holding a waiter slot: LISTEN, look again (nothing committed in between is missed), then
 * wait and look until something comes or the deadline passes. 0, or -1 with the error. */
static int
wait_in_slot(
    struct request *r, const struct events_query *q, long long deadline, struct audit_items *items)
{
	long long last_query;
	int       rc = 0;

	if (events_listen(STORE(r)) != 0 || audit_seal_now(STORE(r)) != 0 || look(r, q, items) != 0)
		return -1;
	last_query = events_now_ms();
	while (items->n == 0) {
		if ((rc = wait_for_events(r, deadline, last_query)) != 1)
			break;
		rc = 0;
		if (look(r, q, items) != 0)
			return -1;
		last_query = events_now_ms();
	}
	return rc < 0 ? -1 : 0;
}

int
handle_events(struct request *r)
{
	struct events_query q = { 0 };
	struct audit_items  items;
	const char         *next;
	long                wait;
	long long           deadline;
	size_t              len;
	char               *body;
	int                 slot, rc;

	q.after = request_query(r, "after");
	if (q.after == NULL || *q.after == '\0')
		q.after = "0";
	else if (!audit_seq_valid(q.after))
		return PROBLEM(r, 400, "bad-query", "after must be an event seq (a whole number)");
	if (query_int(r, "wait", 0, EVENTS_MAX_WAIT, 0, &wait) != 0 ||
	    query_int(r, "limit", 1, EVENTS_MAX_LIMIT, EVENTS_DEFAULT_LIMIT, &q.limit) != 0)
		return -1;
	/* Admins and auditors read the whole trail; everyone else what any user may read. */
	q.public_only = !auth_has_role(r, ROLE_AUDITOR);

	deadline = events_now_ms() + wait * 1000;
	if (audit_seal_now(STORE(r)) != 0 || look(r, &q, &items) != 0)
		return -1;
	/* A transaction would hold notifications back until it ends: do not wait inside one. */
	if (items.n == 0 && wait > 0 && !db_in_transaction(r->db)) {
		if ((slot = events_slot_take(STORE(r), r->app->cfg.events_max_waiters)) == -1)
			return -1;
		if (slot == -2)
			reply_header(r, "X-Events-Wait", "busy");
		else {
			struct problem  saved = r->problem;
			struct db_error saved_error;

			rc = wait_in_slot(r, &q, deadline, &items);
			/* Cleanup must not replace the error that ended the wait (if any). */
			saved_error = r->dberr;
			events_unlisten(r->db, r->arena);
			events_slot_free(r->db, r->arena, slot);
			r->problem = saved;
			r->dberr = saved_error;
			if (rc < 0)
				return -1;
			reply_header(r, "X-Events-Wait", "done");
		}
	}
	next = items.n > 0 ? items.seq[items.n - 1] : q.after;
	body = audit_items_body(r->arena, &items, items.n, next, &len);
	reply_raw(r, 200, "application/json; charset=utf-8", NULL, body, len);
	return 0;
}
