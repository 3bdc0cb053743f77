/* auth.h — who is calling: the bearer token of a request. */
#ifndef LOGBOOK_AUTH_H
#define LOGBOOK_AUTH_H

struct request;

/* Verifies the request's `Authorization: Bearer` token with the configured settings and sets
 * r->user (arena). Returns 0, or -1 with a 401 problem naming the reason. */
int auth_bearer(struct request *r);

/* 1 when the caller holds any role of mask, or is admin. */
int auth_has_role(const struct request *r, unsigned mask);

#endif
