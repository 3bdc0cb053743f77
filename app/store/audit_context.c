/* audit_context.c — the request's identity as transaction-local settings; see audit_context.h. */
#include "logbook/store/audit_context.h"

#include "logbook/http/http.h"
#include "logbook/store/db.h"

struct db_stmt audit_context_stmt = { "audit_context",
	"SELECT set_config('logbook.request_id', $1, true), set_config('logbook.actor', $2, true)",
	0 };

const char **
audit_context_values(struct request *r)
{
	const char **values = arena_alloc(r->arena, 2 * sizeof(*values));

	values[0] = r->request_id;
	values[1] = r->user != NULL ? r->user->sub : "anonymous";
	return values;
}

int
audit_tx_context(struct request *r)
{
	return db_exec(r, &audit_context_stmt, 2, audit_context_values(r)) != NULL ? 0 : -1;
}
