/* migrate.h — versioned SQL migrations compiled into the binaries (app/migrations/NNN_name.sql). */
#ifndef LOGBOOK_MIGRATE_H
#define LOGBOOK_MIGRATE_H

#include <libpq-fe.h>
#include <stddef.h>

struct migration {
	int         version;
	const char *name;
	const char *sql;
};

extern const struct migration logbook_migrations[];
extern const int              logbook_migrations_count;

/* Highest version compiled in. */
int migrate_latest(void);

/* Applies every pending migration in order, all in one transaction, under an advisory lock so
 * that concurrent callers wait instead of racing; records each in schema_migrations.
 * Returns the number applied (0: up to date), or -1 with a message in err. */
int migrate_apply(PGconn *conn, char *err, size_t errlen);

#endif
