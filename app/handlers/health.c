/* health.c — liveness (no database) and readiness (database answers, schema migrated). */
#include <json-c/json.h>
#include <stdlib.h>

#include "logbook/handlers/handlers.h"
#include "logbook/http/http.h"
#include "logbook/store/db.h"
#include "logbook/store/migrate.h"

DB_STMT(stmt_schema_version, "SELECT coalesce(max(version), 0) FROM schema_migrations");

int
handle_healthz(struct request *r)
{
	struct json_object *body = json_object_new_object();

	json_object_object_add(body, "status", json_object_new_string("ok"));
	return reply_json(r, 200, body);
}

int
handle_readyz(struct request *r)
{
	struct json_object *body;
	PGresult           *res;
	int                 version;

	if ((res = db_exec(r, &stmt_schema_version, 0, NULL)) == NULL) {
		/* Not ready is not an error of ours: whatever the database said, answer 503. */
		r->problem.status = 503;
		r->problem.slug = "not-ready";
		return -1;
	}
	version = atoi(PQgetvalue(res, 0, 0));
	if (version != migrate_latest())
		return PROBLEM(r, 503, "not-ready",
		    "the schema is at version %d; this build needs %d", version, migrate_latest());
	body = json_object_new_object();
	json_object_object_add(body, "status", json_object_new_string("ready"));
	json_object_object_add(body, "schema_version", json_object_new_int(version));
	return reply_json(r, 200, body);
}
