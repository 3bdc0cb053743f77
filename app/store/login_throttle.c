/* login_throttle.c — see login_throttle.h. */
#include "logbook/store/login_throttle.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logbook/auth/identity.h"
#include "logbook/http/http.h"
#include "logbook/store/db.h"
#include "logbook/worker/app.h"

DB_STMT(stmt_login_begin,
    "SELECT allowed, retry_after, audit, at FROM login_attempt_begin($1, $2, $3::int,"
    " $4::float8, $5::int, $6::float8)");
DB_STMT(stmt_login_user,
    "SELECT password_hash, name, roles, disabled,"
    " floor(extract(epoch FROM password_changed_at))::bigint FROM users WHERE username = $1");
DB_STMT(stmt_login_succeeded, "SELECT login_attempt_succeeded($1, $2, $3::timestamptz)");

/* One person, one counter: "Alice" and "alice" share the username's. */
static const char *
user_key(struct request *r, const char *username)
{
	char  *k = arena_alloc(r->arena, LOGIN_KEY_MAX);
	size_t i;

	identity_sanitize(username, k, LOGIN_KEY_MAX);
	for (i = 0; k[i] != '\0'; i++)
		k[i] = (char)tolower((unsigned char)k[i]);
	return k;
}

/* An IPv6 client usually holds a whole /64: it counts as one address. */
static const char *
addr_key(struct request *r)
{
	unsigned char a[16];
	char          text[INET6_ADDRSTRLEN];
	const char   *ip = r->client_ip != NULL ? r->client_ip : "";

	if (strchr(ip, ':') != NULL && inet_pton(AF_INET6, ip, a) == 1) {
		/* ::ffff:192.0.2.1 is an IPv4 client: its own address, not a /64 of all of them */
		if (IN6_IS_ADDR_V4MAPPED((struct in6_addr *)a) &&
		    inet_ntop(AF_INET, a + 12, text, sizeof(text)) != NULL)
			return arena_strdup(r->arena, text);
		memset(a + 8, 0, 8);
		if (inet_ntop(AF_INET6, a, text, sizeof(text)) != NULL)
			return arena_printf(r->arena, "%s/64", text);
	}
	return user_key(r, ip);
}

int
login_attempt_begin(struct request *r, const char *username, struct login_attempt *out)
{
	const struct config *cfg = &r->app->cfg;
	struct db_batch      b;
	const char         **v = arena_alloc(r->arena, 6 * sizeof(*v)), **u;
	PGresult            *res;

	memset(out, 0, sizeof(*out));
	out->user_key = user_key(r, username);
	out->addr_key = addr_key(r);
	v[0] = out->user_key;
	v[1] = out->addr_key;
	v[2] = arena_printf(r->arena, "%d", LOGIN_USER_LIMIT);
	v[3] = arena_printf(r->arena, "%ld", cfg->login_throttle_window);
	v[4] = arena_printf(r->arena, "%d", LOGIN_ADDR_LIMIT);
	v[5] = arena_printf(r->arena, "%ld", cfg->login_throttle_addr_window);
	u = arena_alloc(r->arena, sizeof(*u));
	u[0] = username;
	db_batch_init(&b, r->arena);
	db_batch_add(&b, &stmt_login_begin, 6, v);
	db_batch_add(&b, &stmt_login_user, 1, u);
	if (db_batch_run(r, &b) != 0)
		return -1;
	res = b.res[0];
	out->allowed = PQgetvalue(res, 0, 0)[0] == 't';
	out->retry_after = strtol(PQgetvalue(res, 0, 1), NULL, 10);
	out->audit_throttled = PQgetvalue(res, 0, 2)[0] == 't';
	out->at = PQgetvalue(res, 0, 3);
	res = b.res[1];
	if ((out->found = PQntuples(res) == 1)) {
		out->password_hash = PQgetvalue(res, 0, 0);
		out->name = PQgetvalue(res, 0, 1);
		out->roles = PQgetvalue(res, 0, 2);
		out->disabled = PQgetvalue(res, 0, 3)[0] == 't';
		out->password_cutoff = strtol(PQgetvalue(res, 0, 4), NULL, 10);
	}
	return 0;
}

void
login_attempt_succeeded(struct request *r, const struct login_attempt *a)
{
	const char **v = arena_alloc(r->arena, 3 * sizeof(*v));

	v[0] = a->user_key;
	v[1] = a->addr_key;
	v[2] = a->at;
	db_defer(r, &stmt_login_succeeded, 3, v);
}
