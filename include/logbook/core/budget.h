/* budget.h — the CPU budget of one request: no request may hold a worker for long.
 *
 * Around each request the worker arms a CPU-time timer (setitimer ITIMER_PROF: user + system
 * time of this process, so time spent waiting for PostgreSQL or for a long-poll's NOTIFY does
 * not count; statements are bounded by statement_timeout_ms on the server side). When a
 * request has used up its budget, the SIGPROF handler writes one line to stderr and ends the
 * worker with _exit(): nothing of the request's transaction is committed (PostgreSQL rolls it
 * back when the connection drops), no lock or buffer survives, and multiwatch starts a fresh
 * worker. Nginx answers the client 503 problem+json (error_page 502 =503). Unwinding from a
 * signal handler through libpq, json-c or RE2 is not safe; ending the process is.
 *
 * The bounds that make this a last resort rather than a normal path: field patterns match in
 * linear time (pattern.h), text values are at most max_text_bytes, bodies max_body_bytes,
 * templates are bounded (template_def.h). Streaming exports renew the budget per batch of
 * rows: each batch is bounded work, and the client is reading. */
#ifndef LOGBOOK_CORE_BUDGET_H
#define LOGBOOK_CORE_BUDGET_H

/* Installs the SIGPROF handler; ms is the budget per request (0: none). */
void budget_init(long ms);

/* Starts (or restarts) the budget for the current request. */
void budget_arm(void);

/* Stops it (between requests, while waiting in accept). */
void budget_disarm(void);

#endif
