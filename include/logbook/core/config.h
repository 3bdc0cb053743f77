/* config.h — the worker's and logbookctl's settings: one file plus environment overrides.
 *
 * File format: `key = value` lines, `#` starts a comment, blank lines ignored. Every key may be
 * overridden by the environment variable LOGBOOK_<KEY IN UPPER CASE>. The keys, their defaults
 * and meanings are in app/logbook.conf.example (and the table in config.c). */
#ifndef LOGBOOK_CONFIG_H
#define LOGBOOK_CONFIG_H

#include <stddef.h>

#include "logbook/auth/jwt.h"

#define CONFIG_DEFAULT_PATH "/etc/logbook/logbook.conf"

struct config {
	char *db_conninfo;
	char *db_migrate_conninfo; /* defaults to db_conninfo */
	char *jwt_alg;
	char *jwt_secret_file;
	char *jwt_public_key_file;
	char *jwt_private_key_file;
	char *jwt_issuer;   /* NULL: not checked */
	char *jwt_audience; /* NULL: not checked */
	long  jwt_leeway;
	long  token_ttl;
	long  jwt_max_ttl; /* longest token lifetime accepted (exp - iat), seconds */
	/* Failed-login windows, seconds: the API contract's 15 minutes per username and 1 minute
	 * per client address. Shorter ones are for tests of the window's end only. */
	long  login_throttle_window;
	long  login_throttle_addr_window;
	long  max_body_bytes;
	long  retry_after; /* seconds, sent with 503 */
	long  statement_timeout_ms;
	long  events_max_waiters;
	long  max_text_bytes; /* longest text value, bytes of UTF-8 (field_value.h) */
	long  request_cpu_ms; /* CPU budget of one request, 0 = none (budget.h) */
	char *metrics_file;   /* NULL: metrics_default_path() (metrics.h) */

	/* Derived at load time. */
	enum jwt_pin        alg;
	struct jwt_settings jwt;
	unsigned char      *verify_key, *sign_key;
	size_t              verify_key_len, sign_key_len;
	char               *path; /* the file read, or NULL */
};

/* Loads path (NULL: $LOGBOOK_CONFIG, else CONFIG_DEFAULT_PATH), applies environment overrides,
 * checks every setting and reads the key files. Returns 0, or -1 with one line in err naming the
 * setting at fault ("jwt_leeway: not a number: 'abc'"). The strings belong to c: config_free(). */
int  config_load(struct config *c, const char *path, char *err, size_t errlen);
void config_free(struct config *c);

#endif
