/* audit_append.h — appending to the audit trail, inside the caller's transaction.
 *
 * The database assigns seq, time and the hash chain (app/migrations/002_audit.sql); this only
 * says who did what to which object. From an audit insert until COMMIT every other writer
 * waits (that is what keeps the chain in commit order), so audit_append() does not insert at
 * once: the row goes out with COMMIT, in the same round trip (db_defer, db_commit_deferred). */
#ifndef LOGBOOK_AUDIT_APPEND_H
#define LOGBOOK_AUDIT_APPEND_H

#include "logbook/store/db_error.h"

struct arena;
struct db;
struct json_object;

/* Who is behind a change: the API fills it from the request (request_actor), logbookctl
 * from the command line. */
struct audit_actor {
	const char        *sub; /* NULL: "anonymous" */
	const char *const *roles;
	int                nroles;
	const char        *request_id, *client_ip, *user_agent; /* NULL for none */
	const char        *server_request_id; /* ours, unique per request; NULL for none */
};

struct audit_event {
	const char         *action;      /* create, update, publish, save, approve, login, ... */
	const char         *object_type; /* template, entry, followup, user, session */
	const char         *object_id;
	const char         *section; /* section key for saves and transitions, else NULL */
	const char         *actor;   /* NULL: who->sub */
	struct json_object *before;  /* borrowed; NULL for none */
	struct json_object *after;   /* borrowed; NULL for none */
};

/* Queues one audit row for the transaction's COMMIT. When both before and after are objects,
 * only the members that differ are stored (SQL's jsonb_diff, the one diff). Returns 0. */
int audit_append(struct db *db, struct arena *a, struct db_error *e, const struct audit_actor *who,
    const struct audit_event *ev);

/* The audit row of a section save, queued like audit_append: after is the section's data and
 * tables (one JSON object, as text); before is taken from the previous save, so that the row
 * holds what changed. */
void audit_append_save(struct db *db, struct arena *a, const struct audit_actor *who,
    const char *entry_id, const char *section, const char *after);

/* Inserts the row now, committed even if the request then fails (a failed login: the answer
 * is an error, the attempt must still be on record). Outside a transaction it commits alone. */
int audit_append_now(struct db *db, struct arena *a, struct db_error *e,
    const struct audit_actor *who, const struct audit_event *ev);

/* Chains every pending audit row (audit_seal(), 002_audit.sql). Readers of the trail call
 * audit_seal_now() first, so they see every committed change; 0, or -1 with e.
 * The worker calls audit_seal_after() once a request that wrote audit rows is answered (at most
 * every 50 ms per worker), so the chain keeps up without any writer waiting for another inside
 * its transaction. */
int  audit_seal_now(struct db *db, struct arena *a, struct db_error *e);
void audit_seal_after(struct db *db);

#endif
