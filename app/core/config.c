/* config.c — read, override, check: see config.h. */
#include "logbook/core/config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum setting_type { SETTING_STRING, SETTING_LONG };

struct setting {
	const char       *key;
	enum setting_type type;
	size_t            offset;
	const char       *fallback; /* NULL: required (strings) */
	long              min, max;
	int               optional; /* strings that may stay NULL */
};

#define STR(k, def, opt)                                                       \
	{                                                                      \
#k, SETTING_STRING, offsetof(struct config, k), def, 0, 0, opt \
	}
#define NUM(k, def, lo, hi)                                                  \
	{                                                                    \
#k, SETTING_LONG, offsetof(struct config, k), def, lo, hi, 0 \
	}

static const struct setting settings[] = {
	STR(db_conninfo, NULL, 0),
	STR(db_migrate_conninfo, NULL, 1),
	STR(jwt_alg, "HS256", 0),
	STR(jwt_secret_file, NULL, 1),
	STR(jwt_public_key_file, NULL, 1),
	STR(jwt_private_key_file, NULL, 1),
	STR(jwt_issuer, NULL, 1),
	STR(jwt_audience, NULL, 1),
	NUM(jwt_leeway, "60", 0, 3600),
	NUM(token_ttl, "3600", 60, 30 * 86400),
	NUM(jwt_max_ttl, "86400", 60, 366 * 86400),
	NUM(login_throttle_window, "900", 1, 86400),
	NUM(login_throttle_addr_window, "60", 1, 86400),
	NUM(max_body_bytes, "1048576", 1024, 64 * 1024 * 1024),
	NUM(retry_after, "2", 1, 3600),
	NUM(statement_timeout_ms, "5000", 0, 3600000),
	NUM(events_max_waiters, "1", 0, 1024),
	NUM(max_text_bytes, "65536", 16, 16 * 1024 * 1024),
	NUM(request_cpu_ms, "5000", 0, 3600000),
	STR(metrics_file, NULL, 1),
	{ NULL, 0, 0, NULL, 0, 0, 0 },
};

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static const struct setting *
setting_find(const char *key)
{
	const struct setting *s;

	for (s = settings; s->key != NULL; s++)
		if (strcmp(s->key, key) == 0)
			return s;
	return NULL;
}

static int
setting_apply(
    struct config *c, const struct setting *s, const char *value, char *err, size_t errlen)
{
	char **str = (char **)((char *)c + s->offset);
	long  *num = (long *)((char *)c + s->offset);
	char  *end;
	long   v;

	if (s->type == SETTING_STRING) {
		free(*str);
		*str = value[0] == '\0' ? NULL : strdup(value);
		if (value[0] != '\0' && *str == NULL)
			return fail(err, errlen, "%s: out of memory", s->key);
		return 0;
	}
	errno = 0;
	v = strtol(value, &end, 10);
	if (errno != 0 || end == value || *end != '\0')
		return fail(err, errlen, "%s: not a whole number: '%s'", s->key, value);
	if (v < s->min || v > s->max)
		return fail(err, errlen, "%s: %ld is outside %ld..%ld", s->key, v, s->min, s->max);
	*num = v;
	return 0;
}

static char *
trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

static int
read_file_lines(struct config *c, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char  line[4096];
	int   lineno = 0, rc = 0;

	if (f == NULL)
		return fail(err, errlen, "config file %s: %s", path, strerror(errno));
	while (rc == 0 && fgets(line, sizeof(line), f) != NULL) {
		char                 *key, *value, *eq, *hash;
		const struct setting *s;

		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			rc = fail(err, errlen, "%s:%d: line too long", path, lineno);
			break;
		}
		if ((hash = strchr(line, '#')) != NULL)
			*hash = '\0';
		key = trim(line);
		if (*key == '\0')
			continue;
		if ((eq = strchr(key, '=')) == NULL) {
			rc = fail(err, errlen, "%s:%d: expected 'key = value'", path, lineno);
			break;
		}
		*eq = '\0';
		key = trim(key);
		value = trim(eq + 1);
		if ((s = setting_find(key)) == NULL) {
			rc = fail(err, errlen, "%s:%d: unknown setting '%s'", path, lineno, key);
			break;
		}
		rc = setting_apply(c, s, value, err, errlen);
	}
	fclose(f);
	return rc;
}

static int
apply_environment(struct config *c, char *err, size_t errlen)
{
	const struct setting *s;
	char                  name[64];
	size_t                i;

	for (s = settings; s->key != NULL; s++) {
		const char *v;

		snprintf(name, sizeof(name), "LOGBOOK_%s", s->key);
		for (i = 8; name[i] != '\0'; i++)
			name[i] = (char)toupper((unsigned char)name[i]);
		if ((v = getenv(name)) != NULL && setting_apply(c, s, v, err, errlen) != 0)
			return -1;
	}
	return 0;
}

/* Reads a whole key file (bounded: keys are small). Trailing whitespace is stripped so that a
 * secret written by `echo` or an editor matches the same secret given to other tools. */
static int
read_key_file(const char *setting, const char *path, unsigned char **out, size_t *len, char *err,
    size_t errlen)
{
	FILE         *f;
	unsigned char buf[16384];
	size_t        n;

	if ((f = fopen(path, "rb")) == NULL)
		return fail(err, errlen, "%s: cannot read %s: %s", setting, path, strerror(errno));
	n = fread(buf, 1, sizeof(buf), f);
	if (!feof(f)) {
		fclose(f);
		return fail(
		    err, errlen, "%s: %s is larger than %zu bytes", setting, path, sizeof(buf) - 1);
	}
	fclose(f);
	while (n > 0 && isspace(buf[n - 1]))
		n--;
	if (n == 0)
		return fail(err, errlen, "%s: %s is empty", setting, path);
	if ((*out = malloc(n + 1)) == NULL)
		return fail(err, errlen, "%s: out of memory", setting);
	memcpy(*out, buf, n);
	(*out)[n] = '\0';
	*len = n;
	return 0;
}

static int
load_keys(struct config *c, char *err, size_t errlen)
{
	const char *why = NULL;

	if (jwt_pin_from_name(c->jwt_alg, &c->alg) != 0)
		return fail(
		    err, errlen, "jwt_alg: '%s' is not one of HS256, RS256, ES256", c->jwt_alg);
	if (c->alg == JWT_PIN_HS256) {
		if (c->jwt_secret_file == NULL)
			return fail(err, errlen, "jwt_secret_file: required when jwt_alg is HS256");
		if (read_key_file("jwt_secret_file", c->jwt_secret_file, &c->verify_key,
			&c->verify_key_len, err, errlen) != 0)
			return -1;
		if (c->verify_key_len < 32)
			return fail(
			    err, errlen, "jwt_secret_file: the secret must be at least 32 bytes");
		c->sign_key = c->verify_key;
		c->sign_key_len = c->verify_key_len;
	} else {
		if (c->jwt_public_key_file == NULL)
			return fail(err, errlen, "jwt_public_key_file: required when jwt_alg is %s",
			    c->jwt_alg);
		if (read_key_file("jwt_public_key_file", c->jwt_public_key_file, &c->verify_key,
			&c->verify_key_len, err, errlen) != 0)
			return -1;
		if (c->jwt_private_key_file != NULL &&
		    read_key_file("jwt_private_key_file", c->jwt_private_key_file, &c->sign_key,
			&c->sign_key_len, err, errlen) != 0)
			return -1;
	}
	c->jwt = (struct jwt_settings){
		.alg = c->alg,
		.verify_key = c->verify_key,
		.verify_key_len = c->verify_key_len,
		.sign_key = c->sign_key,
		.sign_key_len = c->sign_key_len,
		.issuer = c->jwt_issuer,
		.audience = c->jwt_audience,
		.leeway = c->jwt_leeway,
		.max_ttl = c->jwt_max_ttl,
	};
	/* A key that does not fit the algorithm would make every token fail: say so at start. */
	if (jwt_settings_check(&c->jwt, &why) != 0)
		return fail(err, errlen, "%s: %s",
		    c->alg == JWT_PIN_HS256 ? "jwt_secret_file" : "jwt_public_key_file", why);
	return 0;
}

int
config_load(struct config *c, const char *path, char *err, size_t errlen)
{
	const struct setting *s;

	memset(c, 0, sizeof(*c));
	for (s = settings; s->key != NULL; s++)
		if (s->fallback != NULL && setting_apply(c, s, s->fallback, err, errlen) != 0)
			return -1;
	if (path == NULL)
		path = getenv("LOGBOOK_CONFIG");
	if (path == NULL)
		path = CONFIG_DEFAULT_PATH;
	/* "none" runs from the environment alone (containers, tests). */
	if (strcmp(path, "none") != 0) {
		if ((c->path = strdup(path)) == NULL || read_file_lines(c, path, err, errlen) != 0)
			return -1;
	}
	if (apply_environment(c, err, errlen) != 0)
		return -1;
	for (s = settings; s->key != NULL; s++) {
		char **str = (char **)((char *)c + s->offset);

		if (s->type == SETTING_STRING && !s->optional && *str == NULL)
			return fail(err, errlen, "%s: required setting is missing", s->key);
	}
	/* Logins must not hand out tokens that every request would then refuse. */
	if (c->token_ttl > c->jwt_max_ttl)
		return fail(err, errlen, "token_ttl: %ld is longer than jwt_max_ttl (%ld)",
		    c->token_ttl, c->jwt_max_ttl);
	if (c->db_migrate_conninfo == NULL &&
	    (c->db_migrate_conninfo = strdup(c->db_conninfo)) == NULL)
		return fail(err, errlen, "db_migrate_conninfo: out of memory");
	return load_keys(c, err, errlen);
}

void
config_free(struct config *c)
{
	const struct setting *s;

	for (s = settings; s->key != NULL; s++)
		if (s->type == SETTING_STRING)
			free(*(char **)((char *)c + s->offset));
	if (c->sign_key != c->verify_key)
		free(c->sign_key);
	free(c->verify_key);
	free(c->path);
	memset(c, 0, sizeof(*c));
}
