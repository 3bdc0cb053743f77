/* user_access.h — what the users table says about a token's sub, cached per worker.
 *
 * Access follows the users table at once (API.md, Authentication): a disabled user, a removed
 * role or a changed password counts from the next request on, on every worker. Each worker
 * caches the answer for the subs it has seen, under the users table's change counter
 * (users_epoch, bumped by a trigger on every change: 008_access.sql). A request served from the
 * cache carries users_epoch_check(epoch) as a preflight with its first statement, in the same
 * round trip (db.c): when the table changed meanwhile, that statement raises LB401 before
 * anything of the request ran, and dispatch forgets the cache and runs the request again, which
 * then reads the table. A cache miss reads the table at once (one round trip) and needs no
 * check. Refusals are never taken from the cache: they are read again first. */
#ifndef LOGBOOK_USER_ACCESS_H
#define LOGBOOK_USER_ACCESS_H

#include "logbook/auth/jwt.h"

struct request;

struct user_access {
	int      known;           /* a row of the users table */
	int      canonical;       /* sub is NFKC and lower case (asked for non-ASCII subs only) */
	int      disabled;        /* known: the row's disabled */
	long     password_cutoff; /* known: tokens with iat <= this (Unix seconds) are refused */
	unsigned role_mask;       /* known: the row's roles */
	char     name[JWT_NAME_MAX];
};

/* Fills *out for sub: from the cache unless reload (then *fresh = 0 and the request's
 * preflight is armed), else from the database (*fresh = 1, preflight disarmed). unicode: ask
 * the database whether sub is canonical. 0, or -1 with the problem set. */
int user_access_get(struct request *r, const char *sub, int unicode, int reload,
    struct user_access *out, int *fresh);

/* Forgets every cached answer (after LB401). */
void user_access_forget(void);

/* 1 when the request failed because the users table changed under its cached answer. */
int user_access_changed(const struct request *r);

#endif
