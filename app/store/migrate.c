/* migrate.c — applying the compiled-in migrations; see migrate.h. */
#include "logbook/store/migrate.h"

#include <stdio.h>
#include <stdlib.h>

/* Any constant works; it only has to be the same for every logbookctl. */
#define MIGRATION_LOCK_KEY "7412031"

int
migrate_latest(void)
{
	int i, v = 0;

	for (i = 0; i < logbook_migrations_count; i++)
		if (logbook_migrations[i].version > v)
			v = logbook_migrations[i].version;
	return v;
}

static int
run(PGconn *conn, const char *sql, char *err, size_t errlen, const char *what)
{
	PGresult *res = PQexec(conn, sql);
	int ok = PQresultStatus(res) == PGRES_COMMAND_OK || PQresultStatus(res) == PGRES_TUPLES_OK;

	if (!ok)
		snprintf(err, errlen, "%s: %s", what, PQresultErrorMessage(res));
	PQclear(res);
	return ok ? 0 : -1;
}

int
migrate_apply(PGconn *conn, char *err, size_t errlen)
{
	PGresult *res = NULL;
	int       i, current, applied = 0;
	char      version[16];

	if (run(conn, "BEGIN", err, errlen, "begin") != 0 ||
	    run(conn, "SELECT pg_advisory_xact_lock(" MIGRATION_LOCK_KEY ")", err, errlen,
		"lock") != 0 ||
	    run(conn,
		"CREATE TABLE IF NOT EXISTS schema_migrations ("
		"version integer PRIMARY KEY, name text NOT NULL, "
		"applied_at timestamptz NOT NULL DEFAULT now())",
		err, errlen, "schema_migrations") != 0)
		goto fail;
	res = PQexec(conn, "SELECT coalesce(max(version), 0) FROM schema_migrations");
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		snprintf(err, errlen, "reading schema_migrations: %s", PQresultErrorMessage(res));
		goto fail;
	}
	current = atoi(PQgetvalue(res, 0, 0));
	PQclear(res);
	res = NULL;
	for (i = 0; i < logbook_migrations_count; i++) {
		const struct migration *m = &logbook_migrations[i];
		const char             *params[2] = { version, m->name };

		if (m->version <= current)
			continue;
		if (run(conn, m->sql, err, errlen, m->name) != 0)
			goto fail;
		snprintf(version, sizeof(version), "%d", m->version);
		res = PQexecParams(conn,
		    "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", 2, NULL,
		    params, NULL, NULL, 0);
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			snprintf(
			    err, errlen, "recording %s: %s", m->name, PQresultErrorMessage(res));
			goto fail;
		}
		PQclear(res);
		res = NULL;
		applied++;
	}
	if (run(conn, "COMMIT", err, errlen, "commit") != 0)
		goto fail;
	return applied;
fail:
	PQclear(res);
	PQclear(PQexec(conn, "ROLLBACK"));
	return -1;
}
