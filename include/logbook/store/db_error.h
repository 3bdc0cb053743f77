/* db_error.h — what went wrong in the store, without HTTP.
 *
 * Every store function that can fail fills a struct db_error, copying the server's
 * diagnostics into the caller's arena before the result is cleared (so callers can tell
 * which constraint, table or column it was). The SQLSTATE decides the class (db_error.c has
 * the one table); the HTTP layer turns a class into a status (problem_from_db, problem.c), and
 * logbookctl prints the message. */
#ifndef LOGBOOK_DB_ERROR_H
#define LOGBOOK_DB_ERROR_H

struct arena;

enum db_class {
	DB_OK = 0,
	DB_NOT_FOUND,     /* LB404 (section_claim), or what the store looked for is not there */
	DB_INVALID_STATE, /* LB409 */
	DB_PRECONDITION,  /* LB412: the ETag moved */
	DB_DUPLICATE,     /* 23505 */
	DB_CONFLICT,      /* 23503 (reference), 55P03 (lock not available) */
	DB_CONSTRAINT,    /* 23514 (check), 23502 (not null) */
	DB_SERIALIZATION, /* 40001, 40P01: run the transaction again */
	DB_TIMEOUT,       /* 57014: statement_timeout */
	DB_INVALID_VALUE, /* class 22: a value the database does not accept */
	DB_UNAVAILABLE,   /* classes 08, 53, 57, or the connection is gone */
	DB_INTERNAL,      /* anything else: a bug */
	DB_USERS_CHANGED, /* LB401: the users table changed under the caller's cached identity */
};

struct db_error {
	enum db_class cls;         /* DB_OK: no error */
	char          sqlstate[6]; /* "" when the error did not come from the server */
	/* The server's fields (PG_DIAG_*), arena copies, NULL when absent. */
	const char *message, *detail, *constraint, *table, *column;
	/* One sentence for whoever asked (a client, an operator): the server's message for the
	 * application's own SQLSTATEs (LB...), a fixed text per class otherwise, the store's own
	 * text for errors it raises; NULL for DB_INTERNAL from the server (the message then goes
	 * to the log only). */
	const char *summary;
	const char *what; /* the statement's name or the store function, for the log */
	int         item; /* in a batch: index of the statement that failed; -1 otherwise */
};

/* Forgets an error (before a retry). */
void db_error_clear(struct db_error *e);

/* Sets an error the store raises itself (no SQLSTATE); the summary is printf-formatted into
 * the arena. Returns -1. */
int db_error_set(struct db_error *e, struct arena *a, enum db_class cls, const char *what,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* The class's name, for logs and logbookctl ("serialization", ...). */
const char *db_class_name(enum db_class cls);

#endif
