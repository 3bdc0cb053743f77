/* idempotency.h — the stored answers of Idempotency-Key requests (idempotency_keys), for
 * dispatch (app/http/dispatch.c), which decides when a request is one and replays answers.
 *
 * idem_lock takes a transaction-level advisory lock on (user, key), so that two concurrent
 * retries run one after the other; idem_find reads an answer of the last 24 hours; idem_save
 * records one in the current transaction. */
#ifndef LOGBOOK_IDEMPOTENCY_H
#define LOGBOOK_IDEMPOTENCY_H

#include <stddef.h>

#include "logbook/store/db_error.h"

struct arena;
struct db;

struct idem_answer {
	const char *request_hash; /* what the request was (hex SHA-256, see dispatch.c) */
	int         status;
	const char *content_type; /* NULL: none */
	const char *header_lines; /* "Name: value\r\n"... */
	const char *body;
	size_t      body_len;
};

int idem_lock(
    struct db *db, struct arena *a, struct db_error *e, const char *user, const char *key);

/* 1 with *out filled (arena strings), 0 when there is no answer, -1 with e. */
int idem_find(struct db *db, struct arena *a, struct db_error *e, const char *user, const char *key,
    struct idem_answer *out);

/* Stores (or replaces) the answer under (user, key). 0, or -1 with e. */
int idem_save(struct db *db, struct arena *a, struct db_error *e, const char *user, const char *key,
    const struct idem_answer *answer);

#endif
