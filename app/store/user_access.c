/* user_access.c — the users table's word on a token's sub, per worker; see user_access.h. */
#include "logbook/store/user_access.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logbook/auth/roles.h"
#include "logbook/http/http.h"
#include "logbook/store/db.h"

DB_STMT(stmt_user_access,
    "SELECT e.n, u.username IS NOT NULL, coalesce(u.disabled, false),"
    " coalesce(floor(extract(epoch FROM u.password_changed_at))::bigint, 0),"
    " coalesce(u.roles, '{}')::text, coalesce(u.name, ''),"
    " NOT $2::boolean OR ($1::text IS NFKC NORMALIZED AND lower($1::text) = $1::text)"
    " FROM users_epoch e LEFT JOIN users u ON u.username = $1::text WHERE e.only_row");
DB_STMT(stmt_users_epoch_check, "SELECT users_epoch_check($1::bigint)");

#define SLOTS 256

struct slot {
	char               sub[JWT_SUB_MAX]; /* "" when empty */
	struct user_access ua;
};

static struct slot slots[SLOTS];
static long long   cache_epoch; /* users_epoch.n every slot was read under; 0: none */
static char        epoch_text[24];

static struct slot *
slot_of(const char *sub)
{
	uint32_t h = 2166136261u;

	for (const char *p = sub; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	return &slots[h % SLOTS];
}

void
user_access_forget(void)
{
	memset(slots, 0, sizeof(slots));
	cache_epoch = 0;
}

int
user_access_changed(const struct request *r)
{
	return strcmp(r->problem.sqlstate, "LB401") == 0;
}

/* Role names of a PostgreSQL text[] of plain words ("{admin,author}") into a mask. */
static unsigned
roles_mask_of(struct request *r, const char *array)
{
	char    *copy = arena_strdup(r->arena, array[0] == '{' ? array + 1 : array), *tok, *save;
	unsigned mask = 0;

	copy[strcspn(copy, "}")] = '\0';
	for (tok = strtok_r(copy, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save))
		mask |= role_from_name(tok);
	return mask;
}

static int
load(struct request *r, const char *sub, int unicode, struct user_access *out)
{
	const char  *values[2] = { sub, unicode ? "true" : "false" };
	PGresult    *res;
	long long    epoch;
	struct slot *s;

	r->preflight = NULL; /* what is read now is fresher than any check of the cache */
	if ((res = db_exec(r, &stmt_user_access, 2, values)) == NULL)
		return -1;
	if (PQntuples(res) != 1)
		return PROBLEM(r, 503, "database-unavailable", "the schema is not migrated");
	memset(out, 0, sizeof(*out));
	epoch = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	out->known = PQgetvalue(res, 0, 1)[0] == 't';
	out->disabled = PQgetvalue(res, 0, 2)[0] == 't';
	out->password_cutoff = strtol(PQgetvalue(res, 0, 3), NULL, 10);
	out->role_mask = roles_mask_of(r, PQgetvalue(res, 0, 4));
	snprintf(out->name, sizeof(out->name), "%s", PQgetvalue(res, 0, 5));
	out->canonical = PQgetvalue(res, 0, 6)[0] == 't';
	if (epoch != cache_epoch) {
		user_access_forget();
		cache_epoch = epoch;
		snprintf(epoch_text, sizeof(epoch_text), "%lld", epoch);
	}
	s = slot_of(sub);
	snprintf(s->sub, sizeof(s->sub), "%s", sub);
	s->ua = *out;
	return 0;
}

int
user_access_get(struct request *r, const char *sub, int unicode, int reload,
    struct user_access *out, int *fresh)
{
	static const char *check_values[1] = { epoch_text };
	struct slot       *s = slot_of(sub);

	if (!reload && cache_epoch != 0 && strcmp(s->sub, sub) == 0) {
		*out = s->ua;
		*fresh = 0;
		r->preflight = &stmt_users_epoch_check;
		r->preflight_values = check_values;
		r->preflight_nparams = 1;
		return 0;
	}
	*fresh = 1;
	return load(r, sub, unicode, out);
}
