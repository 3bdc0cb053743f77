/* login_throttle.h — failed logins counted per username and per client address, in PostgreSQL
 * (the workers are separate processes): login_attempt_begin() and login_attempt_succeeded()
 * in 008_access.sql. An attempt is counted as failed when it begins, under the two rows'
 * locks, so parallel guesses cannot pass the limit; the right password takes it back. */
#ifndef LOGBOOK_LOGIN_THROTTLE_H
#define LOGBOOK_LOGIN_THROTTLE_H

struct request;

#define LOGIN_USER_LIMIT 5  /* failed attempts per username within login_throttle_window */
#define LOGIN_ADDR_LIMIT 20 /* failed attempts per address within login_throttle_addr_window */
#define LOGIN_KEY_MAX    72 /* bytes of a throttle key (lower-cased username, address) */

struct login_attempt {
	int         allowed;
	long        retry_after;     /* refused: seconds until the window has passed */
	int         audit_throttled; /* refused: first refusal of this burst, audit it */
	const char *at;              /* allowed: when it began (login_attempt_succeeded) */
	const char *user_key, *addr_key;

	/* The user row, when there is one (read in the same round trip). */
	int         found;
	const char *password_hash, *name, *roles;
	int         disabled;
	long        password_cutoff; /* floor of password_changed_at, Unix seconds */
};

/* Begins an attempt for username from r->client_ip. 0, or -1 with the problem set. */
int login_attempt_begin(struct request *r, const char *username, struct login_attempt *out);

/* Queues, for the request's COMMIT, taking back the attempt's provisional failure. */
void login_attempt_succeeded(struct request *r, const struct login_attempt *a);

#endif
