/* auth.h — who is calling: the bearer token of a request. */
#ifndef LOGBOOK_AUTH_H
#define LOGBOOK_AUTH_H

struct request;

/* Verifies the request's `Authorization: Bearer` token with the configured settings, sets
 * r->claims and, from them and the users table (user_access.h), r->user: the identity and roles
 * in effect (arena). Returns 0, or -1 with a 401 problem naming the reason. */
int auth_bearer(struct request *r);

/* Reads the users table again when r->user came from the worker's cache, before a refusal
 * (403) rests on it. 0, or -1 with the problem set. */
int auth_confirm(struct request *r);

/* 1 when the caller holds any role of mask, or is admin. */
int auth_has_role(const struct request *r, unsigned mask);

#endif
