/* user_store.h — password users (004_users.sql), as typed rows.
 *
 * Strings in rows are the arena's; times are PostgreSQL's timestamptz text (UTC, ISO).
 * Lookups return 1 (found, *out filled), 0 (none) or -1 (e filled). */
#ifndef LOGBOOK_USER_STORE_H
#define LOGBOOK_USER_STORE_H

#include <stdbool.h>

#include "logbook/store/db_error.h"

struct arena;
struct db;

#define USER_ROLES_MAX 16

struct user_row {
	const char *username, *name;
	const char *roles[USER_ROLES_MAX];
	int         nroles;
	bool        disabled;
	const char *revision; /* the ETag's digits */
	const char *created_at, *updated_at;
};

/* What a login needs: the hash (never leaves the server) and what goes into the token. */
struct login_row {
	const char *password_hash, *name;
	const char *roles[USER_ROLES_MAX];
	int         nroles;
	bool        disabled;
};

/* A change; NULL members stay as they are. roles is a PostgreSQL text[] literal. */
struct user_change {
	const char *name, *roles, *password_hash, *disabled; /* disabled: "true"/"false" */
};

/* Inserts the user: 1, or 0 when the username is taken. */
int ustore_insert(struct db *db, struct arena *a, struct db_error *e, const char *username,
    const char *name, const char *roles, const char *password_hash, struct user_row *out);
int ustore_get(struct db *db, struct arena *a, struct db_error *e, const char *username,
    int for_update, struct user_row *out);
/* Users after `after` (username), at most limit: the number, *out an arena array. */
int ustore_list(struct db *db, struct arena *a, struct db_error *e, const char *after, int limit,
    struct user_row **out);
int ustore_update(struct db *db, struct arena *a, struct db_error *e, const char *username,
    const struct user_change *c, struct user_row *out);
int ustore_login(struct db *db, struct arena *a, struct db_error *e, const char *username,
    struct login_row *out);

/* Creates the user or resets it (name, roles, password; enabled again), with its audit row
 * written by audit_append_now for who: 1 created, 0 updated, -1 with e. For logbookctl. */
struct audit_actor;
int ustore_upsert(struct db *db, struct arena *a, struct db_error *e, const struct audit_actor *who,
    const char *username, const char *name, const char *roles, const char *password_hash);

#endif
