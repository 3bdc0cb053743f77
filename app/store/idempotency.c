/* idempotency.c — see idempotency.h. */
#include "logbook/store/idempotency.h"

#include <stdio.h>
#include <stdlib.h>

#include "logbook/core/arena.h"
#include "logbook/store/db.h"

DB_STMT(stmt_idem_lock, "SELECT pg_advisory_xact_lock(hashtextextended($1 || chr(1) || $2, 7412))");
DB_STMT(stmt_idem_find,
    "SELECT request_hash, status, content_type, headers, body FROM idempotency_keys"
    " WHERE username = $1 AND key = $2 AND created_at > now() - interval '24 hours'");
DB_STMT(stmt_idem_store,
    "INSERT INTO idempotency_keys (username, key, request_hash, status, content_type, headers, body)"
    " VALUES ($1, $2, $3, $4::integer, $5, $6, $7)"
    " ON CONFLICT (username, key) DO UPDATE SET request_hash = EXCLUDED.request_hash,"
    " status = EXCLUDED.status, content_type = EXCLUDED.content_type,"
    " headers = EXCLUDED.headers, body = EXCLUDED.body, created_at = now()");

int
idem_lock(struct db *db, struct arena *a, struct db_error *e, const char *user, const char *key)
{
	const char *params[2] = { user, key };

	return db_exec(db, a, e, &stmt_idem_lock, 2, params) != NULL ? 0 : -1;
}

int
idem_find(struct db *db, struct arena *a, struct db_error *e, const char *user, const char *key,
    struct idem_answer *out)
{
	const char *params[2] = { user, key };
	PGresult   *res;

	if ((res = db_exec(db, a, e, &stmt_idem_find, 2, params)) == NULL)
		return -1;
	if (PQntuples(res) == 0)
		return 0;
	out->request_hash = PQgetvalue(res, 0, 0);
	out->status = atoi(PQgetvalue(res, 0, 1));
	out->content_type = db_value(res, 0, 2);
	out->header_lines = PQgetvalue(res, 0, 3);
	out->body = PQgetvalue(res, 0, 4);
	out->body_len = (size_t)PQgetlength(res, 0, 4);
	return 1;
}

int
idem_save(struct db *db, struct arena *a, struct db_error *e, const char *user, const char *key,
    const struct idem_answer *answer)
{
	const char *params[7];
	char        status[12];

	snprintf(status, sizeof(status), "%d", answer->status);
	params[0] = user;
	params[1] = key;
	params[2] = answer->request_hash;
	params[3] = status;
	params[4] = answer->content_type;
	params[5] = answer->header_lines;
	params[6] = arena_strndup(a, answer->body, answer->body_len);
	return db_exec(db, a, e, &stmt_idem_store, 7, params) != NULL ? 0 : -1;
}
