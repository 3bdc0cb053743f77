/* audit_context.h — telling the database who is behind a write transaction.
 *
 * Generated (template) tables carry a trigger (audit_attach(), 006_audit_trail.sql) that records
 * every row change made outside the application. The application marks its own transactions
 * with the request id and actor, transaction-local, so that the trigger lets them pass: the
 * handler's own audit row, with section and workflow action, describes them better. */
#ifndef LOGBOOK_AUDIT_CONTEXT_H
#define LOGBOOK_AUDIT_CONTEXT_H

struct request;
struct db_stmt;

/* Sets logbook.request_id (r->request_id) and logbook.actor (the signed-in user's sub, else
 * "anonymous") for the current transaction only (set_config(..., true)): call it right after
 * db_begin() in every handler that writes to generated tables. Without it, those writes are
 * recorded a second time, as changes from outside (action sql_insert/sql_update/sql_delete,
 * actor the database role). Returns 0, or -1 with the problem set. */
int audit_tx_context(struct request *r);

/* The same statement and its parameters (arena), for handlers that send it in a batch. */
extern struct db_stmt audit_context_stmt;
const char          **audit_context_values(struct request *r);

#endif
