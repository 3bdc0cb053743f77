/* entries_list.c — GET /api/v1/entries with filters and keyset pagination.
 *
 * One prepared statement per combination of filters (built on first use), so that each
 * runs with a plan for exactly its conditions: `$1 IS NULL OR ...` would keep PostgreSQL from
 * using the (template_key, updated_at, id) and (created_by, updated_at, id) indexes. The order
 * is (updated_at, id): a client syncing with updated_after and the cursor sees every change. */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logbook/core/json_util.h"
#include "logbook/handlers/handlers.h"
#include "logbook/http/http.h"
#include "logbook/http/pagination.h"
#include "logbook/store/db.h"
#include "logbook/store/entry_store.h"

enum {
	F_TEMPLATE = 1 << 0,
	F_AUTHOR = 1 << 1,
	F_UPDATED_AFTER = 1 << 2,
	F_SECTION = 1 << 3,
	F_STATE = 1 << 4,
	F_CURSOR = 1 << 5,
	F_ALL = (1 << 6) - 1,
};

static struct db_stmt statements[F_ALL + 1];
static char           names[F_ALL + 1][24];

/* The statement for one combination of filters; its parameters are the present filters in
 * the order template, author, updated_after, section, state, cursor time, cursor id, then the
 * limit. */
static struct db_stmt *
statement_for(int mask)
{
	struct db_stmt *st = &statements[mask];
	char            where[1024] = "", *w = where;
	int             n = 0;

	if (st->sql != NULL)
		return st;
#define COND(bit, fmt)    \
	if (mask & (bit)) \
	w += sprintf(w, fmt, ++n)
	COND(F_TEMPLATE, " AND e.template_key = $%d");
	COND(F_AUTHOR, " AND e.created_by = $%d");
	COND(F_UPDATED_AFTER, " AND e.updated_at > $%d::timestamptz");
	if (mask & (F_SECTION | F_STATE)) {
		w += sprintf(
		    w, " AND EXISTS (SELECT 1 FROM entry_sections f WHERE f.entry_id = e.id");
		COND(F_SECTION, " AND f.section = $%d");
		COND(F_STATE, " AND f.state = $%d");
		w += sprintf(w, ")");
	}
	if (mask & F_CURSOR) {
		w += sprintf(
		    w, " AND (e.updated_at, e.id) > ($%d::timestamptz, $%d::uuid)", n + 1, n + 2);
		n += 2;
	}
#undef COND
	snprintf(names[mask], sizeof(names[mask]), "entries_list_%d", mask);
	st->name = names[mask];
	if (asprintf((char **)&st->sql,
		"SELECT e.id, e.template_key, e.template_version, e.title, e.created_by, e.created_at,"
		" e.updated_at, e.updated_at::text,"
		" (SELECT json_object_agg(s.section, json_build_object('state', s.state, 'revision',"
		"   s.revision, 'etag', '\"' || s.etag || '\"')) FROM entry_sections s WHERE s.entry_id = e.id)"
		" FROM entries e WHERE true%s ORDER BY e.updated_at, e.id LIMIT $%d::integer",
		where, n + 1) < 0)
		abort();
	return st;
}

/* The cursor is "<updated_at as PostgreSQL prints it>|<id>", base64url-wrapped. */
static int
split_cursor(struct request *r, const char *after, const char **at, const char **id)
{
	const char *bar = after != NULL ? strrchr(after, '|') : NULL;

	if (bar == NULL || !uuid_valid(bar + 1))
		return PROBLEM(r, 400, "bad-query", "cursor is not one this server issued");
	*at = arena_strndup(r->arena, after, (size_t)(bar - after));
	*id = bar + 1;
	return 0;
}

int
handle_entries_list(struct request *r)
{
	const char         *p[8] = { NULL }, *bound[8], *after, *state;
	char                lim[16];
	int                 limit, mask = 0, i, n, np;
	PGresult           *res;
	struct json_object *items;
	struct db_stmt     *st;

	if (page_params(r, &limit, &after) != 0)
		return -1;
	p[0] = request_query(r, "template");
	p[1] = request_query(r, "author");
	p[2] = request_query(r, "updated_after");
	p[3] = request_query(r, "section");
	state = p[4] = request_query(r, "state");
	if (state != NULL && strcmp(state, "draft") != 0 && strcmp(state, "submitted") != 0 &&
	    strcmp(state, "in_review") != 0 && strcmp(state, "approved") != 0 &&
	    strcmp(state, "rejected") != 0)
		return PROBLEM(r, 400, "bad-query",
		    "state must be draft, submitted, in_review, approved or rejected");
	if (p[2] != NULL && (strlen(p[2]) < 10 || strlen(p[2]) > 40 || strchr(p[2], 'T') == NULL))
		return PROBLEM(r, 400, "bad-query", "updated_after must be an RFC 3339 time");
	for (i = 0; i < 5; i++)
		if (p[i] != NULL && *p[i] != '\0')
			mask |= 1 << i;
		else
			p[i] = NULL;
	if (after != NULL) {
		if (split_cursor(r, after, &p[5], &p[6]) != 0)
			return -1;
		mask |= F_CURSOR;
	}
	snprintf(lim, sizeof(lim), "%d", limit + 1);
	p[7] = lim;
	/* Bind only the present filters, in order, then the limit. */
	for (i = 0, np = 0; i < 8; i++)
		if (p[i] != NULL)
			bound[np++] = p[i];
	st = statement_for(mask);
	if ((res = db_exec(r, st, np, bound)) == NULL) {
		if (r->problem.status == 422) /* a malformed updated_after the database refused */
			return PROBLEM(
			    r, 400, "bad-query", "updated_after must be an RFC 3339 time");
		return -1;
	}
	n = PQntuples(res);
	items = json_object_new_array();
	for (i = 0; i < n && i < limit; i++) {
		struct json_object *e = json_object_new_object();

		json_object_object_add(e, "id", json_object_new_string(PQgetvalue(res, i, 0)));
		json_object_object_add(
		    e, "template", json_object_new_string(PQgetvalue(res, i, 1)));
		json_object_object_add(
		    e, "template_version", json_object_new_int(atoi(PQgetvalue(res, i, 2))));
		json_object_object_add(e, "title", json_object_new_string(PQgetvalue(res, i, 3)));
		json_object_object_add(
		    e, "created_by", json_object_new_string(PQgetvalue(res, i, 4)));
		json_object_object_add(e, "created_at",
		    json_object_new_string(time_rfc3339_from_pg(r, PQgetvalue(res, i, 5))));
		json_object_object_add(e, "updated_at",
		    json_object_new_string(time_rfc3339_from_pg(r, PQgetvalue(res, i, 6))));
		json_object_object_add(e, "sections",
		    PQgetisnull(res, i, 8) ? json_object_new_object()
					   : json_tokener_parse(PQgetvalue(res, i, 8)));
		json_object_array_add(items, e);
	}
	return reply_page(r, items,
	    n > limit ? arena_printf(r->arena, "%s|%s", PQgetvalue(res, limit - 1, 7),
			    PQgetvalue(res, limit - 1, 0))
		      : NULL);
}
