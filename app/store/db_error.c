/* db_error.c — what a failed statement means: SQLSTATE -> error class, one table. */
#include "logbook/store/db_error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "logbook/core/arena.h"
#include "logbook/core/log.h"
#include "logbook/store/db.h"

struct sqlstate_map {
	const char   *prefix; /* a full SQLSTATE or its two-character class */
	enum db_class cls;
	const char   *summary; /* NULL: the server's message says what happened */
};

static const struct sqlstate_map sqlstates[] = {
	/* Raised by section_claim() (005_entries.sql); its message says what happened. */
	{ "LB404", DB_NOT_FOUND, NULL },
	{ "LB409", DB_INVALID_STATE, NULL },
	{ "LB412", DB_PRECONDITION, NULL },
	/* users_epoch_check() (008_access.sql): dispatch reloads the caller and runs again. */
	{ "LB401", DB_USERS_CHANGED, "the users table kept changing; retry" },
	{ "23505", DB_DUPLICATE, "that already exists" },
	{ "23503", DB_CONFLICT, "it refers to something that does not exist, or is referred to" },
	{ "23514", DB_CONSTRAINT, "a value breaks a constraint" },
	{ "23502", DB_CONSTRAINT, "a required value is missing" },
	{ "40001", DB_SERIALIZATION, "a concurrent change won; retry" },
	{ "40P01", DB_SERIALIZATION, "a concurrent change won; retry" },
	{ "55P03", DB_CONFLICT, "the object is busy; retry" },
	{ "57014", DB_TIMEOUT, "the database took too long; retry later" },
	{ "22", DB_INVALID_VALUE, "a value is not acceptable to the database" },
	{ "08", DB_UNAVAILABLE, "the database connection failed; retry later" },
	{ "53", DB_UNAVAILABLE, "the database is out of resources; retry later" },
	{ "57", DB_UNAVAILABLE, "the database is shutting down or restarting; retry later" },
	{ NULL, DB_INTERNAL, NULL },
};

void
db_error_clear(struct db_error *e)
{
	memset(e, 0, sizeof(*e));
	e->item = -1;
}

int
db_error_set(
    struct db_error *e, struct arena *a, enum db_class cls, const char *what, const char *fmt, ...)
{
	va_list ap;

	db_error_clear(e);
	e->cls = cls;
	e->what = what;
	va_start(ap, fmt);
	e->summary = e->message = arena_vprintf(a, fmt, ap);
	va_end(ap);
	return -1;
}

static const char *
field(struct arena *a, const PGresult *res, int code)
{
	const char *v = PQresultErrorField(res, code);

	return v != NULL ? arena_strdup(a, v) : NULL;
}

int
db_error_from_result(
    struct db_error *e, struct arena *a, struct db *db, const PGresult *res, const char *what)
{
	const char *state = res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const struct sqlstate_map *m;

	db_error_clear(e);
	e->what = what;
	/* A lost connection often comes without a SQLSTATE: that is unavailability, not a bug.
	 * libpq may not have noticed yet (PostgreSQL stopped with -m immediate sends a WARNING,
	 * then closes the socket): reading what is left makes it see the end of the stream and
	 * mark the connection bad, so that the next request reconnects (tests/faults/). */
	if (state == NULL && db->conn != NULL)
		(void)PQconsumeInput(db->conn);
	if (db->conn == NULL || PQstatus(db->conn) != CONNECTION_OK) {
		log_msg("warn", "db: %s: connection lost: %s", what,
		    db->conn != NULL ? PQerrorMessage(db->conn) : "no connection");
		e->cls = DB_UNAVAILABLE;
		e->message = e->summary = "the database connection was lost; retry later";
		if (state != NULL)
			snprintf(e->sqlstate, sizeof(e->sqlstate), "%s", state);
		return -1;
	}
	if (state == NULL)
		state = "XX000";
	for (m = sqlstates; m->prefix != NULL; m++)
		if (strncmp(state, m->prefix, strlen(m->prefix)) == 0)
			break;
	memcpy(e->sqlstate, state, 5);
	e->sqlstate[5] = '\0';
	e->cls = m->cls;
	if (res != NULL) {
		e->message = field(a, res, PG_DIAG_MESSAGE_PRIMARY);
		e->detail = field(a, res, PG_DIAG_MESSAGE_DETAIL);
		e->constraint = field(a, res, PG_DIAG_CONSTRAINT_NAME);
		e->table = field(a, res, PG_DIAG_TABLE_NAME);
		e->column = field(a, res, PG_DIAG_COLUMN_NAME);
	} else
		e->message = arena_strdup(a, PQerrorMessage(db->conn));
	if (m->cls == DB_INTERNAL)
		log_msg("error", "db: %s: %s", what,
		    res != NULL ? PQresultErrorMessage(res) : PQerrorMessage(db->conn));
	else if (m->summary != NULL)
		e->summary = m->summary;
	else
		e->summary = e->message != NULL ? e->message : state;
	return -1;
}

const char *
db_class_name(enum db_class cls)
{
	static const char *const names[] = {
		[DB_OK] = "ok",
		[DB_NOT_FOUND] = "not_found",
		[DB_INVALID_STATE] = "invalid_state",
		[DB_PRECONDITION] = "precondition",
		[DB_DUPLICATE] = "duplicate",
		[DB_CONFLICT] = "conflict",
		[DB_CONSTRAINT] = "constraint",
		[DB_SERIALIZATION] = "serialization",
		[DB_TIMEOUT] = "timeout",
		[DB_INVALID_VALUE] = "invalid_value",
		[DB_UNAVAILABLE] = "unavailable",
		[DB_INTERNAL] = "internal",
		[DB_USERS_CHANGED] = "users_changed",
	};

	return (unsigned)cls < sizeof(names) / sizeof(names[0]) ? names[cls] : "internal";
}
