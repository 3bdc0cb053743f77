/* http.h — one FastCGI request as the handlers see it, and the ways to answer it.
 *
 * Strings in struct request are arena copies: libfcgi frees its own at the next accept. */
#ifndef LOGBOOK_HTTP_H
#define LOGBOOK_HTTP_H

#include <fcgiapp.h>
#include <stddef.h>
#include <stdint.h>

#include "logbook/auth/jwt.h"
#include "logbook/core/arena.h"
#include "logbook/http/problem.h"
#include "logbook/store/db.h"

#define ROUTE_MAX_PARAMS 4
#define REQUEST_ID_MAX   128

struct app;
struct json_object;

/* Something to do once the request's transaction has committed (request_on_commit). */
struct commit_hook {
	struct commit_hook *next;
	void (*fn)(void *arg);
	void *arg;
};

struct response_header {
	struct response_header *next;
	const char             *name, *value;
};

struct request {
	FCGX_Request *fcgx;
	struct app   *app;
	struct arena *arena;

	const char *method;       /* "GET" */
	const char *path;         /* raw path, no query: "/api/v1/me" */
	const char *query;        /* raw query string, "" when none */
	const char *content_type; /* NULL when absent */
	long        content_length;
	const char *request_id;        /* the client's X-Request-Id when acceptable, else ours */
	const char *server_request_id; /* ours, unique per request whatever the client sent */
	const char *client_ip;
	const char *user_agent;
	const char *if_match; /* NULL when absent */
	const char *idempotency_key;

	const char *params[ROUTE_MAX_PARAMS]; /* decoded {name} segments, in order */
	int         nparams;

	struct jwt_identity       *user;   /* NULL until authenticated; roles in effect */
	const struct jwt_identity *claims; /* what the token itself says */
	int auth_cached; /* r->user came from the worker's users cache, not the database */

	/* A statement that must reach the database with the request's first one, in the same
	 * round trip (db.c puts it there): the users-table check of user_access.c. NULL once sent. */
	struct db_stmt    *preflight;
	const char *const *preflight_values;
	int                preflight_nparams;
	struct problem     problem;

	char               *raw_body; /* read once by request_body(), NUL-terminated */
	long                raw_body_len;
	struct json_object *json_body; /* parsed once by request_json_body() */

	/* Statements that run at COMMIT, in one round trip with it (db_defer): the audit rows,
	 * so that the audit chain's lock is held for the commit alone. */
	struct db_batch *at_commit;
	int              seal_after; /* audit rows were committed: chain them after replying */
	int              committed;  /* the handler committed (db_batch_commit) */
	/* Facts a worker may remember only once they are committed (request_on_commit): run
	 * by dispatch after a successful COMMIT, dropped when the transaction rolls back. */
	struct commit_hook *on_commit;

	/* The reply is buffered until dispatch has committed the request's transaction, so a
	 * client never sees a success that the database then refused. Streams skip the buffer. */
	struct response_header *headers; /* extra headers for the reply */
	char                   *out;
	size_t                  out_len, out_cap;
	int                     status;      /* what was answered, for the log */
	const char             *reply_type;  /* Content-Type of the buffered reply */
	size_t                  body_offset; /* where the body starts in out */
	int                     streaming;   /* headers sent, body under way */
	int                     replayed;    /* answered from the idempotency store */
	uint64_t                start_ns;
};

/* Fills r from the FastCGI parameters (copied into the arena) and assigns the request id. */
void request_init(struct request *r, FCGX_Request *fcgx, struct app *app, struct arena *arena);

/* Runs fn(arg) once the request's transaction has committed (or at the end of a request that
 * opened none), never when it rolls back: per-worker caches remember committed facts only.
 * arg must live in the arena. Hooks run in the order they were added. */
void request_on_commit(struct request *r, void (*fn)(void *), void *arg);

/* Reads the raw body once (size-capped: 413 over max_body_bytes). Returns 0 or -1. */
int request_body(struct request *r);

/* Reads the body as JSON into *out, which belongs to the arena. Answers the problems itself:
 * 415 unless Content-Type is application/json, 413 over max_body_bytes, 400 when the body is
 * not one strict JSON value (depth-limited, UTF-8 checked). Returns 0 or -1. */
int request_json_body(struct request *r, struct json_object **out);

/* Like request_json_body, and also requires a JSON object (400 otherwise). */
int request_json_object(struct request *r, struct json_object **out);

/* Decoded value of query parameter name, NULL when absent; "" for `?name` or `?name=`. */
const char *request_query(struct request *r, const char *name);

/* Checks If-Match against etag (quoted, as sent in ETag): 428 when absent, 412 when neither
 * "*" (RFC 9110: any revision) nor etag. what names the object in the problem ("the user").
 * Returns 0 or -1. */
int request_if_match(struct request *r, const char *etag, const char *what);

/* Percent-decodes s[0..n) into the arena (path segments: '+' stays '+'). */
char *http_url_decode(struct arena *a, const char *s, size_t n);

/* Adds a header to the reply. Both strings must outlive the request (arena or static). */
void reply_header(struct request *r, const char *name, const char *value);

/* Sends status, the headers and body as JSON (NULL: no body). Takes ownership of body. */
int reply_json(struct request *r, int status, struct json_object *body);

/* Sends r->problem as application/problem+json (with Allow, Retry-After and WWW-Authenticate
 * where they belong). */
void reply_problem(struct request *r);

/* Forgets a buffered reply and problem, for dispatch to run a handler again. */
void reply_discard(struct request *r);

/* Sends the buffered reply to the client (dispatch calls it once the transaction is done). */
void reply_flush(struct request *r);

/* Buffers a reply with a stored status, content type, extra header lines ("Name: value\r\n"...)
 * and body, as the idempotency store replays it. */
void reply_raw(struct request *r, int status, const char *content_type, const char *header_lines,
    const char *body, size_t body_len);

/* Streaming: sends status and headers now; then reply_write() any number of times. */
int reply_stream_begin(struct request *r, int status, const char *content_type);
int reply_write(struct request *r, const char *data, size_t len);

#endif
