/* db_error.c — what a failed statement means for the client: SQLSTATE -> HTTP, one table. */
#include <string.h>

#include "logbook/core/log.h"
#include "logbook/http/http.h"
#include "logbook/store/db.h"
#include "logbook/worker/app.h"

struct sqlstate_map {
	const char *prefix; /* a full SQLSTATE or its two-character class */
	int         status;
	const char *slug;
	const char *detail;
};

static const struct sqlstate_map sqlstates[] = {
	/* Raised by section_claim() (005_entries.sql); its message says what happened. */
	{ "LB404", 404, "not-found", NULL },
	{ "LB409", 409, "invalid-state", NULL },
	{ "LB412", 412, "precondition-failed", NULL },
	/* users_epoch_check() (008_access.sql): dispatch reloads the caller and runs again. */
	{ "LB401", 503, "users-changed", "the users table kept changing; retry" },
	{ "23505", 409, "duplicate", "that already exists" },
	{ "23503", 409, "conflict",
	    "it refers to something that does not exist, or is referred to" },
	{ "23514", 422, "validation", "a value breaks a constraint" },
	{ "23502", 422, "validation", "a required value is missing" },
	{ "40001", 409, "serialization-conflict", "a concurrent change won; retry" },
	{ "40P01", 409, "serialization-conflict", "a concurrent change won; retry" },
	{ "55P03", 409, "conflict", "the object is busy; retry" },
	{ "57014", 503, "database-timeout", "the database took too long; retry later" },
	{ "22", 422, "invalid-value", "a value is not acceptable to the database" },
	{ "08", 503, "database-unavailable", "the database connection failed; retry later" },
	{ "53", 503, "database-unavailable", "the database is out of resources; retry later" },
	{ "57", 503, "database-unavailable",
	    "the database is shutting down or restarting; retry later" },
	{ NULL, 0, NULL, NULL },
};

int
db_fail(struct request *r, PGresult *res, const char *what)
{
	struct db  *db = &r->app->db;
	const char *state = res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const struct sqlstate_map *m;

	/* A lost connection often comes without a SQLSTATE: that is a 503, not a bug. libpq may
	 * not have noticed yet (PostgreSQL stopped with -m immediate sends a WARNING, then closes
	 * the socket): reading what is left makes it see the end of the stream and mark the
	 * connection bad, so that the next request reconnects (tests/faults/). */
	if (state == NULL && db->conn != NULL)
		(void)PQconsumeInput(db->conn);
	if (db->conn == NULL || PQstatus(db->conn) != CONNECTION_OK) {
		log_msg("warn", "db: %s: connection lost: %s", what,
		    db->conn != NULL ? PQerrorMessage(db->conn) : "no connection");
		return PROBLEM(r, 503, "database-unavailable",
		    "the database connection was lost; retry later");
	}
	if (state == NULL)
		state = "XX000";
	for (m = sqlstates; m->prefix != NULL; m++)
		if (strncmp(state, m->prefix, strlen(m->prefix)) == 0)
			break;
	if (m->prefix == NULL) {
		log_msg("error", "db: %s: %s", what,
		    res != NULL ? PQresultErrorMessage(res) : PQerrorMessage(db->conn));
		PROBLEM(
		    r, 500, "internal", "an internal error occurred (request %s)", r->request_id);
	} else if (m->detail == NULL) {
		const char *msg =
		    res != NULL ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;

		PROBLEM(r, m->status, m->slug, "%s", msg != NULL ? msg : m->slug);
	} else
		PROBLEM(r, m->status, m->slug, "%s", m->detail);
	memcpy(r->problem.sqlstate, state, 5);
	r->problem.sqlstate[5] = '\0';
	return -1;
}
