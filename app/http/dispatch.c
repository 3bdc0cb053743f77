/* dispatch.c — one request from route to reply, and the one place that commits.
 *
 * Handlers open the request's transaction with db_begin() and never commit: dispatch commits
 * after the handler has put its reply in the buffer, so the Idempotency-Key row joins the
 * same transaction and a failed COMMIT turns into a problem instead of a false success. The
 * audit rows a handler queued (audit_append) go out with the COMMIT, in one round trip.
 * Serialization failures and deadlocks are retried here a bounded number of times. What a
 * handler wants a worker to remember (request_on_commit) is remembered here, after COMMIT. */
#include <string.h>
#include <unistd.h>

#include "logbook/core/log.h"
#include "logbook/http/bearer.h"
#include "logbook/http/http.h"
#include "logbook/http/router.h"
#include "logbook/store/db.h"
#include "logbook/store/idempotency.h"
#include "logbook/store/user_access.h"
#include "logbook/worker/app.h"

#define MAX_ATTEMPTS 4

static int
in_transaction(struct request *r)
{
	PGconn *c = r->app->db.conn;

	return c != NULL && PQtransactionStatus(c) != PQTRANS_IDLE &&
	    PQtransactionStatus(c) != PQTRANS_UNKNOWN;
}

static int
retryable(const struct request *r)
{
	return strcmp(r->problem.sqlstate, "40001") == 0 ||
	    strcmp(r->problem.sqlstate, "40P01") == 0;
}

/* Runs the handler inside the request's transaction; 0 when the reply is committed. */
static int
run(struct request *r, const struct route *rt)
{
	int rc = idem_begin(r);

	if (rc == 1) { /* the earlier answer is in the buffer; nothing to change */
		db_rollback(&r->app->db);
		return 0;
	}
	if (rc != 0 || rt->handler(r) != 0)
		return -1;
	if (r->streaming || r->committed)
		return 0;
	if (in_transaction(r) && idem_store(r) != 0)
		return -1;
	return db_commit_deferred(r);
}

/* Who is calling and may they: 0, or -1 with a 401/403 problem. */
static int
authorize(struct request *r, const struct route *rt)
{
	if (rt->auth != ROUTE_BEARER)
		return 0;
	if (auth_bearer(r) != 0)
		return -1;
	if (rt->roles != 0 && !auth_has_role(r, rt->roles) &&
	    (auth_confirm(r) != 0 || !auth_has_role(r, rt->roles)))
		return PROBLEM(r, 403, "forbidden", "your roles do not allow this");
	return 0;
}

/* The users-table check that no statement carried yet (a handler that answered without the
 * database, or failed before it). A request that failed keeps its own problem unless the check
 * says the users table changed (then it runs again); a success stands only once the check
 * passed: when the database cannot say, the answer is its 503, not the cache's word.
 * 0 when the answer may stand. */
static int
confirm_access(struct request *r, int ok)
{
	struct problem saved = r->problem;

	if (r->preflight == NULL || db_preflight_flush(r) == 0) {
		r->problem = saved;
		return 0;
	}
	if (!ok && !user_access_changed(r)) {
		r->problem = saved;
		return 0;
	}
	return -1;
}

static int
as_owner(const struct route *rt)
{
	const handler_fn *h;

	for (h = owner_handlers; *h != NULL; h++)
		if (*h == rt->handler)
			return 1;
	return 0;
}

/* The attempts of one request; 0 when the reply is committed (and may be sent). */
static int
attempts(struct request *r, const struct route *rt)
{
	int attempt, ok;

	for (attempt = 1;; attempt++) {
		ok = authorize(r, rt) == 0 && run(r, rt) == 0;
		if (confirm_access(r, ok) == 0 && ok) {
			struct commit_hook *h;

			/* Committed: now the worker may remember what the request learned. */
			for (h = r->on_commit; h != NULL; h = h->next)
				h->fn(h->arg);
			return 0;
		}
		r->on_commit = NULL; /* rolled back: nothing of it is true */
		db_rollback(&r->app->db);
		if (user_access_changed(r) && !r->streaming && attempt < MAX_ATTEMPTS) {
			/* Nothing of the request ran: read the users table and start again. */
			user_access_forget();
		} else if (r->streaming || !retryable(r) || attempt == MAX_ATTEMPTS)
			break;
		else {
			log_msg("info", "req=%s: %s, attempt %d of %d", r->request_id,
			    r->problem.sqlstate, attempt, MAX_ATTEMPTS);
			/* Back off a little, longer each time, so the winner can commit. */
			usleep(1000u * (unsigned)attempt);
		}
		memset(&r->problem, 0, sizeof(r->problem));
		r->headers = NULL;
		r->at_commit = NULL;
		r->committed = 0;
		r->preflight = NULL;
		reply_discard(r);
	}
	return -1;
}

void
dispatch(struct request *r)
{
	const struct route *rt = route_match(routes, r);
	int                 rc;

	if (rt == NULL)
		goto fail;
	/* Publishing runs its DDL over the schema owner's connection (011_least_privilege.sql). */
	if (!as_owner(rt))
		rc = attempts(r, rt);
	else if ((rc = db_owner_begin(r)) == 0) {
		rc = attempts(r, rt);
		db_owner_end(r);
	}
	if (rc == 0) {
		reply_flush(r);
		return;
	}
fail:
	reply_problem(r);
	reply_flush(r);
}
