/* event_stream.h — the audit trail as an event stream (GET /api/v1/events), in the store:
 * reading the events after a seq, the waiter slots, and LISTEN/wait on the connection.
 *
 * Each audit row is an event; its seq is the cursor. The sealer NOTIFYs logbook_audit after
 * each commit that chained rows. A waiting request holds a pre-forked worker, so waiters are
 * bounded across all workers by slots: session advisory locks (EVENTS_LOCK_KEY, slot), which
 * PostgreSQL frees by itself if the worker dies. */
#ifndef LOGBOOK_EVENT_STREAM_H
#define LOGBOOK_EVENT_STREAM_H

#include "logbook/store/audit_query.h"
#include "logbook/store/db_error.h"

struct arena;
struct db;

/* Events with seq > after, at most limit, oldest first; public_only: only the object types
 * every signed-in user may read (AUDIT_PUBLIC_TYPES). 0, or -1 with e. */
int events_read(struct db *db, struct arena *a, struct db_error *e, const char *after, long limit,
    int public_only, struct audit_items *out);

/* Takes a free waiter slot of max: its number, -2 when all are taken, -1 with e. */
int events_slot_take(struct db *db, struct arena *a, struct db_error *e, long max);

/* Frees the slot; a failure is only logged (the lock goes with the session anyway). */
void events_slot_free(struct db *db, struct arena *a, int slot);

/* LISTEN logbook_audit, outside a transaction (one would hold notifications back). */
int events_listen(struct db *db, struct arena *a, struct db_error *e);

/* UNLISTEN and forget any notification still queued. */
void events_unlisten(struct db *db, struct arena *a);

/* Sleeps on the connection until a notification arrives (1), the deadline passes (0, on
 * CLOCK_MONOTONIC in ms), or the connection fails (-1, DB_UNAVAILABLE). While it is quiet
 * for a while it chains pending audit rows itself (audit_seal_after). */
int events_wait(struct db *db, struct arena *a, struct db_error *e, long long deadline_ms);

/* Milliseconds on CLOCK_MONOTONIC, the clock of events_wait's deadline. */
long long events_now_ms(void);

#endif
