/* audit_context.c — the request's identity as transaction-local settings; see audit_context.h. */
#include "logbook/audit_context.h"
#include "logbook/db.h"
#include "logbook/http.h"

DB_STMT(stmt_audit_context,
    "SELECT set_config('logbook.request_id', $1, true), set_config('logbook.actor', $2, true)");

int
audit_tx_context(struct request *r)
{
	const char *values[2];

	values[0] = r->request_id;
	values[1] = r->user != NULL ? r->user->sub : "anonymous";
	return db_exec(r, &stmt_audit_context, 2, values) != NULL ? 0 : -1;
}
