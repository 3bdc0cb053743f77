/* audit_context.c — who is behind a transaction, as transaction-local settings; see
 * audit_context.h. */
#include "logbook/store/audit_context.h"

#include "logbook/core/arena.h"
#include "logbook/store/audit_append.h"
#include "logbook/store/db.h"

struct db_stmt audit_context_stmt = { "audit_context",
	"SELECT set_config('logbook.request_id', $1, true), set_config('logbook.actor', $2, true)",
	0, NULL, 0 };

const char **
audit_context_values(struct arena *a, const struct audit_actor *who)
{
	const char **values = arena_alloc(a, 2 * sizeof(*values));

	values[0] = who->request_id;
	values[1] = who->sub != NULL ? who->sub : "anonymous";
	return values;
}

int
audit_tx_context(struct db *db, struct arena *a, struct db_error *e, const struct audit_actor *who)
{
	return db_exec(db, a, e, &audit_context_stmt, 2, audit_context_values(a, who)) != NULL ? 0
											       : -1;
}
