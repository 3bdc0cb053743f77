/* audit.h — appending to the audit trail, inside the caller's transaction.
 *
 * The database assigns seq, time and the hash chain (app/migrations/002_audit.sql); this only
 * says who did what to which object. From an audit insert until COMMIT every other writer
 * waits (that is what keeps the chain in commit order), so audit_append() does not insert at
 * once: the row goes out with COMMIT, in the same round trip (db_defer, dispatch.c). */
#ifndef LOGBOOK_AUDIT_H
#define LOGBOOK_AUDIT_H

struct json_object;
struct request;

struct audit_event {
	const char         *action;      /* create, update, publish, save, approve, login, ... */
	const char         *object_type; /* template, entry, followup, user, session */
	const char         *object_id;
	const char         *section; /* section key for saves and transitions, else NULL */
	const char         *actor;   /* NULL: the signed-in user's sub */
	struct json_object *before;  /* borrowed; NULL for none */
	struct json_object *after;   /* borrowed; NULL for none */
};

/* Queues one audit row for the request's COMMIT. When both before and after are objects, only
 * the members that differ are stored (a diff). Returns 0, or -1 with the problem set. */
int audit_append(struct request *r, const struct audit_event *e);

/* Inserts the row now, committed even if the request then fails (a failed login: the answer
 * is an error, the attempt must still be on record). Outside a transaction it commits alone. */
int audit_append_now(struct request *r, const struct audit_event *e);

/* Chains every pending audit row (audit_seal(), 002_audit.sql). Readers of the trail call
 * audit_seal_now() first, so they see every committed change; 0, or -1 with the problem set.
 * The worker calls audit_seal_after() once a request that wrote audit rows is answered (at most
 * every 50 ms per worker), so the chain keeps up without any writer waiting for another inside
 * its transaction. */
int audit_seal_now(struct request *r);
struct db;
void audit_seal_after(struct db *db);

#endif
