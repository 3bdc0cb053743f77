/* idempotency.h — Idempotency-Key on POST (API.md), run by dispatch around the handler.
 *
 * idem_begin opens the request's transaction, takes an advisory lock on (user, key) so that
 * two concurrent retries run one after the other, and looks for an earlier answer. idem_store
 * records a successful answer in the same transaction, just before COMMIT. */
#ifndef LOGBOOK_IDEMPOTENCY_H
#define LOGBOOK_IDEMPOTENCY_H

struct request;

#define IDEMPOTENCY_KEY_MAX 128

/* Returns 0 to run the handler, 1 when the earlier answer was put in the reply buffer (the
 * caller rolls back and sends it), -1 with a problem (400 bad key, 409 same key with another
 * request, 503). Does nothing (returns 0) when the request carries no key or is not a POST. */
int idem_begin(struct request *r);

/* Stores the buffered 2xx reply under the key. 0, or -1 with a problem. */
int idem_store(struct request *r);

#endif
