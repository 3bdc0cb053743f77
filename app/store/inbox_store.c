/* inbox_store.c — the statements behind inbox_store.h. */
#include "logbook/store/inbox_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logbook/core/arena.h"
#include "logbook/store/db.h"
#include "logbook/store/entry_store.h"

/* $1 roles, $2 admin, $3 user, $4 limit; then $5 template when filtered by one; then the
 * cursor's state_since, entry and section. One statement per combination, so that each plan
 * is made for exactly its conditions. The lateral subquery is evaluated per section row the
 * index scan yields, in order, until the LIMIT is reached. */
#define INBOX_SQL(conditions)                                                                           \
	"SELECT s.entry_id, e.template_key, e.title, s.section, s.state, s.revision,"                   \
	" to_char(s.state_since AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'),"              \
	" array_to_json(a.actions)::text, s.state_since::text"                                          \
	" FROM entry_sections s JOIN entries e ON e.id = s.entry_id"                                    \
	" CROSS JOIN LATERAL (SELECT array_agg(w.action ORDER BY w.ord) AS actions"                     \
	"   FROM template_workflow w WHERE w.template_key = e.template_key"                             \
	"   AND w.version = e.template_version AND w.from_state = s.state"                              \
	"   AND ($2::boolean OR w.roles && $1::text[])"                                                 \
	"   AND NOT (w.reviewing AND s.submitted_by IS NOT DISTINCT FROM $3)) a"                        \
	" WHERE s.state IN ('submitted', 'in_review', 'rejected') AND a.actions IS NOT NULL" conditions \
	" ORDER BY s.state_since, s.entry_id, s.section LIMIT $4::integer"

DB_STMT(stmt_inbox_first, INBOX_SQL(""));
DB_STMT(stmt_inbox_next,
    INBOX_SQL(" AND (s.state_since, s.entry_id, s.section) > ($5::timestamptz, $6::uuid, $7)"));
DB_STMT(stmt_inbox_tpl_first, INBOX_SQL(" AND e.template_key = $5"));
DB_STMT(stmt_inbox_tpl_next,
    INBOX_SQL(" AND e.template_key = $5"
	      " AND (s.state_since, s.entry_id, s.section) > ($6::timestamptz, $7::uuid, $8)"));

/* The cursor key is "<state_since as PostgreSQL prints it>|<entry id>|<section>"; section keys
 * match ^[a-z][a-z0-9_]*$ and the time holds no '|', so it splits unambiguously. */
static int
split_key(struct arena *a, const char *key, const char **at, const char **id, const char **section)
{
	const char *b1 = strchr(key, '|'), *b2 = b1 != NULL ? strchr(b1 + 1, '|') : NULL;
	char       *uuid;

	if (b1 == NULL || b2 == NULL || b2 - b1 - 1 != ENTRY_ID_TEXT - 1 || b2[1] == '\0' ||
	    strchr(b2 + 1, '|') != NULL)
		return -1;
	uuid = arena_strndup(a, b1 + 1, (size_t)(b2 - b1 - 1));
	if (!uuid_valid(uuid))
		return -1;
	*at = arena_strndup(a, key, (size_t)(b1 - key));
	*id = uuid;
	*section = b2 + 1;
	return 0;
}

int
inbox_page(struct db *db, struct arena *a, struct db_error *e, const struct inbox_query *q,
    struct inbox_item **items, int *n, bool *more)
{
	const char        *v[8];
	char               lim[16];
	PGresult          *res;
	struct inbox_item *out;
	struct db_stmt    *st;
	int                i, rows, nv;

	snprintf(lim, sizeof(lim), "%d", q->limit + 1);
	v[0] = q->roles;
	v[1] = q->admin ? "true" : "false";
	v[2] = q->user;
	v[3] = lim;
	nv = 4;
	if (q->template != NULL)
		v[nv++] = q->template;
	if (q->after != NULL) {
		if (split_key(a, q->after, &v[nv], &v[nv + 1], &v[nv + 2]) != 0)
			return INBOX_BAD_CURSOR;
		nv += 3;
	}
	st = q->template != NULL ? (q->after != NULL ? &stmt_inbox_tpl_next : &stmt_inbox_tpl_first)
				 : (q->after != NULL ? &stmt_inbox_next : &stmt_inbox_first);
	res = db_exec(db, a, e, st, nv, v);
	if (res == NULL) {
		/* A forged time in the cursor. */
		if (q->after != NULL && (e->cls == DB_INVALID_VALUE || e->cls == DB_CONSTRAINT))
			return INBOX_BAD_CURSOR;
		return -1;
	}
	rows = PQntuples(res);
	*more = rows > q->limit;
	*n = rows > q->limit ? q->limit : rows;
	out = arena_alloc(a, (size_t)(*n + 1) * sizeof(*out));
	for (i = 0; i < *n; i++) {
		out[i].entry_id = PQgetvalue(res, i, 0);
		out[i].template = PQgetvalue(res, i, 1);
		out[i].title = PQgetvalue(res, i, 2);
		out[i].section = PQgetvalue(res, i, 3);
		out[i].state = PQgetvalue(res, i, 4);
		out[i].revision = atoi(PQgetvalue(res, i, 5));
		out[i].waiting_since = PQgetvalue(res, i, 6);
		out[i].actions = PQgetvalue(res, i, 7);
		out[i].key = arena_printf(
		    a, "%s|%s|%s", PQgetvalue(res, i, 8), out[i].entry_id, out[i].section);
	}
	*items = out;
	return 0;
}
