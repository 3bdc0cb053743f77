/* dispatch.c — one request from route to reply, and the one place that commits.
 *
 * Handlers open the request's transaction with db_begin() and never commit: dispatch commits
 * after the handler has put its reply in the buffer, so the Idempotency-Key row joins the
 * same transaction and a failed COMMIT turns into a problem instead of a false success. The
 * audit rows a handler queued (audit_append) go out with the COMMIT, in one round trip.
 * A store failure the handler did not turn into a problem itself becomes one here
 * (problem_from_db). Serialization failures and deadlocks are retried a bounded number of
 * times. What a handler wants a worker to remember (request_on_commit) is remembered here,
 * after COMMIT.
 *
 * Idempotency-Key (API.md): a POST by a signed-in user that carries one takes an advisory
 * lock on (user, key) in its transaction, so that two concurrent retries run one after the
 * other; the first successful answer is stored in the same transaction as the change and
 * replayed for 24 hours (Idempotent-Replayed: true); the same key with another request is 409.
 * Only successes are stored: a failed request changed nothing. */
#include <openssl/evp.h>
#include <stdio.h>
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

/* Longest Idempotency-Key accepted: 1 to this many visible ASCII characters. */
#define IDEMPOTENCY_KEY_MAX 128

/* The one rule for when Idempotency-Key applies. */
static int
idempotent(const struct request *r)
{
	return r->idempotency_key != NULL && r->user != NULL && strcmp(r->method, "POST") == 0;
}

static int
key_acceptable(const char *k)
{
	size_t n = strlen(k), i;

	if (n == 0 || n > IDEMPOTENCY_KEY_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)k[i] < 0x21 || (unsigned char)k[i] > 0x7e)
			return 0;
	return 1;
}

/* Hex SHA-256 over method, path, query and body, NUL-separated so fields cannot run together. */
static const char *
request_hash(struct request *r)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int  mdlen = 0, i;
	EVP_MD_CTX   *ctx = EVP_MD_CTX_new();
	char         *hex;

	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	EVP_DigestUpdate(ctx, r->method, strlen(r->method) + 1);
	EVP_DigestUpdate(ctx, r->path, strlen(r->path) + 1);
	EVP_DigestUpdate(ctx, r->query, strlen(r->query) + 1);
	EVP_DigestUpdate(ctx, r->raw_body, (size_t)r->raw_body_len);
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	EVP_MD_CTX_free(ctx);
	hex = arena_alloc(r->arena, 2 * mdlen + 1);
	for (i = 0; i < mdlen; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return hex;
}

/* 0 to run the handler, 1 when the earlier answer is in the reply buffer, -1 with a problem
 * (400 bad key, 409 the key was used for another request) or a store error. */
static int
idempotency_begin(struct request *r)
{
	struct idem_answer earlier;
	int                rc;

	if (!idempotent(r))
		return 0;
	if (!key_acceptable(r->idempotency_key))
		return PROBLEM(r, 400, "bad-idempotency-key",
		    "Idempotency-Key must be 1 to %d visible ASCII characters",
		    IDEMPOTENCY_KEY_MAX);
	if (request_body(r) != 0 || db_begin(STORE(r)) != 0 ||
	    idem_lock(STORE(r), r->user->sub, r->idempotency_key) != 0 ||
	    (rc = idem_find(STORE(r), r->user->sub, r->idempotency_key, &earlier)) < 0)
		return -1;
	if (rc == 0)
		return 0;
	if (strcmp(earlier.request_hash, request_hash(r)) != 0)
		return PROBLEM(r, 409, "idempotency-key-reused",
		    "this Idempotency-Key was used for a different request in the last 24 hours");
	reply_raw(r, earlier.status, earlier.content_type,
	    arena_printf(r->arena, "%sIdempotent-Replayed: true\r\n", earlier.header_lines),
	    earlier.body, earlier.body_len);
	r->replayed = 1;
	return 1;
}

/* Stores the buffered 2xx reply under the key, in the request's transaction. */
static int
idempotency_store(struct request *r)
{
	struct idem_answer      a = { 0 };
	struct response_header *h;
	char                   *lines = "";

	if (!idempotent(r) || r->replayed || r->status < 200 || r->status > 299)
		return 0;
	for (h = r->headers; h != NULL; h = h->next)
		if (strcmp(h->name, "ETag") == 0 || strcmp(h->name, "Location") == 0)
			lines = arena_printf(r->arena, "%s%s: %s\r\n", lines, h->name, h->value);
	a.request_hash = request_hash(r);
	a.status = r->status;
	a.content_type = r->reply_type;
	a.header_lines = lines;
	a.body = r->out + r->body_offset;
	a.body_len = r->out_len - r->body_offset;
	return idem_save(STORE(r), r->user->sub, r->idempotency_key, &a);
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
	int rc;

	db_tx_reset(r->db, idempotent(r));
	db_error_clear(&r->dberr);
	if ((rc = idempotency_begin(r)) == 1) { /* the earlier answer is in the buffer */
		db_rollback(r->db);
		return 0;
	}
	if (rc != 0 || rt->handler(r) != 0)
		return -1;
	if (r->streaming || r->db->committed)
		return 0;
	if (db_in_transaction(r->db) && idempotency_store(r) != 0)
		return -1;
	return db_commit_deferred(STORE(r));
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
	struct problem  saved = r->problem;
	struct db_error saved_error = r->dberr;

	if (r->db->preflight == NULL || db_preflight_flush(STORE(r)) == 0) {
		r->problem = saved;
		r->dberr = saved_error;
		return 0;
	}
	if (!ok && !user_access_changed(&r->dberr)) {
		r->problem = saved;
		r->dberr = saved_error;
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
		db_error_clear(&r->dberr);
		ok = authorize(r, rt) == 0 && run(r, rt) == 0;
		if (confirm_access(r, ok) == 0 && ok) {
			struct commit_hook *h;

			/* Committed: now the worker may remember what the request learned. */
			for (h = r->on_commit; h != NULL; h = h->next)
				h->fn(h->arg);
			return 0;
		}
		if (r->problem.status == 0 && r->dberr.cls != DB_OK)
			problem_from_db(r, &r->dberr);
		r->on_commit = NULL; /* rolled back: nothing of it is true */
		db_rollback(r->db);
		if (user_access_changed(&r->dberr) && !r->streaming && attempt < MAX_ATTEMPTS) {
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
		r->db->preflight = NULL;
		reply_discard(r);
	}
	return -1;
}

/* The schema owner's connection, borrowed by a request for publishing (owner_handlers). */
static struct db owner_db;

/* For the rest of the request, r->db is a fresh connection as the schema owner
 * (db_migrate_conninfo): publishing creates and alters the generated tables, which the
 * application's role may use but not own (011_least_privilege.sql). Its statements run
 * unnamed, so the application connection's prepared statements are left alone. 0, or -1
 * with a 503. */
static int
owner_begin(struct request *r)
{
	if (db_open_unprepared(&owner_db, r->arena, &r->dberr, r->app->cfg.db_migrate_conninfo,
		r->db->statement_timeout_ms) != 0)
		return problem_from_db(r, &r->dberr);
	owner_db.wrote_audit = 0;
	r->db = &owner_db;
	return 0;
}

/* Rolls back what is still open on the owner's connection, closes it and puts the
 * application's connection back. */
static void
owner_end(struct request *r)
{
	if (r->db != &owner_db)
		return;
	db_rollback(&owner_db);
	db_close(&owner_db);
	r->db = r->app->db;
	r->db->wrote_audit |= owner_db.wrote_audit;
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
	else if ((rc = owner_begin(r)) == 0) {
		rc = attempts(r, rt);
		owner_end(r);
	}
	if (rc == 0) {
		reply_flush(r);
		return;
	}
fail:
	reply_problem(r);
	reply_flush(r);
}
