/* identity.h — who a user is, in one canonical form.
 *
 * Separation of duties and every "who did this" compare user ids byte for byte, so one person
 * must have one spelling. Local usernames are created lower case from a small alphabet; a
 * token's `sub` must be valid UTF-8 without control, format (zero-width, bidi) or other
 * invisible characters. An outside identity provider's sub (not a local username) must in
 * addition be NFKC-normalised and lower case: it is refused rather than folded, since folding
 * would make two provider accounts one. The Unicode part of that (normalisation, non-ASCII case)
 * is asked of PostgreSQL once per sub and worker (app/store/user_access.c). */
#ifndef LOGBOOK_IDENTITY_H
#define LOGBOOK_IDENTITY_H

#include <stdbool.h>
#include <stddef.h>

/* The pattern of new local usernames: ^[a-z0-9][a-z0-9._-]{0,63}$ */
#define IDENTITY_USERNAME_PATTERN "^[a-z0-9][a-z0-9._-]{0,63}$"
bool identity_username_valid(const char *username);

enum identity_class {
	IDENTITY_INVALID = 0,     /* not UTF-8, or holds a control/format/invisible character */
	IDENTITY_ASCII_CANONICAL, /* printable ASCII without upper case: canonical as it is */
	IDENTITY_ASCII_UPPER,     /* printable ASCII with upper case: a local username at most */
	IDENTITY_UNICODE,         /* non-ASCII: canonical only if NFKC and lower case */
};

/* Classifies a token's sub (len bytes, no NUL inside). */
enum identity_class identity_classify(const char *sub, size_t len);

/* Copies s into out[cap] as valid UTF-8 of at most cap - 1 bytes, cut at a character boundary:
 * invalid bytes become U+FFFD, control characters '?'. For attacker-chosen text that lands in
 * the audit trail or logs (user agents, attempted usernames). Returns out. */
char *identity_sanitize(const char *s, char *out, size_t cap);

#endif
