/* entries_list.c — GET /api/v1/entries with filters and keyset pagination.
 *
 * One prepared statement per combination of filters (built on first use), so that each
 * runs with a plan for exactly its conditions: `$1 IS NULL OR ...` would keep PostgreSQL from
 * using the (template_key, updated_at, id) and (created_by, updated_at, id) indexes. The order
 * is (updated_at, id): a client syncing with updated_after and the cursor sees every change.
 * With ?q= (full-text search, 007_inbox_search_stream.sql) the best matches come first:
 * ORDER BY rank DESC, updated_at, id, and the cursor carries the rank too. */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logbook/core/json_util.h"
#include "logbook/domain/search_query.h"
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
	F_Q = 1 << 6,
	F_ALL = (1 << 7) - 1,
};

/* Parameter slots, in the order the statements number them; absent ones are not bound. */
enum {
	P_KINDS,
	P_TERMS,
	P_TEMPLATE,
	P_AUTHOR,
	P_UPDATED_AFTER,
	P_SECTION,
	P_STATE,
	P_RANK,
	P_AT,
	P_ID,
	P_LIMIT,
	P_COUNT
};

static struct db_stmt statements[F_ALL + 1];
static char           names[F_ALL + 1][24];

/* The statement for one combination of filters; its parameters are the present ones in the
 * order of the P_ slots. With q, the page is ordered by rank (best first), then (updated_at,
 * id); the tsquery is built once per execution in a MATERIALIZED CTE, so that the GIN index
 * scan and ts_rank() both use the one value, and a q without any word (only operators, say)
 * yields no row there: an empty page, without touching the index. */
static struct db_stmt *
statement_for(int mask)
{
	struct db_stmt *st = &statements[mask];
	char            where[1024] = "", *w = where;
	const char     *rank = "ts_rank(x.search, qq.q)";
	int             n = 0;

	if (st->sql != NULL)
		return st;
	if (mask & F_Q) {
		w += sprintf(w, " AND x.search @@ qq.q");
		n = 2;
	}
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
	if ((mask & F_CURSOR) && (mask & F_Q)) {
		w += sprintf(w,
		    " AND (%s < $%d::real OR (%s = $%d::real"
		    " AND (e.updated_at, e.id) > ($%d::timestamptz, $%d::uuid)))",
		    rank, n + 1, rank, n + 1, n + 2, n + 3);
		n += 3;
	} else if (mask & F_CURSOR) {
		w += sprintf(
		    w, " AND (e.updated_at, e.id) > ($%d::timestamptz, $%d::uuid)", n + 1, n + 2);
		n += 2;
	}
#undef COND
	snprintf(names[mask], sizeof(names[mask]), "entries_list_%d", mask);
	st->name = names[mask];
	if (asprintf((char **)&st->sql,
		"%s"
		"SELECT e.id, e.template_key, e.template_version, e.title, e.created_by, e.created_at,"
		" e.updated_at, e.updated_at::text,"
		" (SELECT json_object_agg(s.section, json_build_object('state', s.state, 'revision',"
		"   s.revision, 'etag', '\"' || s.etag || '\"')) FROM entry_sections s WHERE s.entry_id = e.id),"
		" %s::text"
		" FROM entries e%s WHERE true%s ORDER BY %s e.updated_at, e.id LIMIT $%d::integer",
		(mask & F_Q)
		    ? "WITH qq AS MATERIALIZED (SELECT q FROM (SELECT lb_search_query($1::text[],"
		      " $2::text[]) AS q) x WHERE numnode(x.q) > 0) "
		    : "",
		(mask & F_Q) ? rank : "NULL",
		(mask & F_Q) ? " JOIN entry_search x ON x.entry_id = e.id, qq" : "", where,
		(mask & F_Q) ? "ts_rank(x.search, qq.q) DESC," : "", n + 1) < 0)
		abort();
	return st;
}

/* The cursor is "<updated_at as PostgreSQL prints it>|<id>", and with q
 * "<rank>|<updated_at>|<id>" (the rank as PostgreSQL prints a real: it reads back exactly),
 * base64url-wrapped. A cursor of the other kind is refused. */
static int
split_cursor(struct request *r, const char *after, int ranked, const char **rank, const char **at,
    const char **id)
{
	const char *bar = after != NULL ? strrchr(after, '|') : NULL;
	const char *first = after != NULL ? strchr(after, '|') : NULL;

	if (bar == NULL || !uuid_valid(bar + 1) || (ranked ? first == bar : first != bar))
		return PROBLEM(r, 400, "bad-query", "cursor is not one this server issued");
	if (ranked) {
		*rank = arena_strndup(r->arena, after, (size_t)(first - after));
		after = first + 1;
	}
	*at = arena_strndup(r->arena, after, (size_t)(bar - after));
	*id = bar + 1;
	return 0;
}

/* Parses ?q= into the two text[] parameters of lb_search_query(). 0, or -1 with a 400. */
static int
search_params(struct request *r, const char *q, const char **kinds, const char **terms)
{
	struct search_query sq;
	enum search_error   err = search_query_parse(r->arena, q, &sq);
	const char         *k[SEARCH_TERMS_MAX], *t[SEARCH_TERMS_MAX];
	size_t              i;

	if (err != SEARCH_OK)
		return PROBLEM(r, 400, "bad-query", "%s", search_error_text(err));
	for (i = 0; i < sq.nterms; i++) {
		char *kind = arena_alloc(r->arena, 2);

		kind[0] = (char)sq.terms[i].kind;
		kind[1] = '\0';
		k[i] = kind;
		t[i] = sq.terms[i].text;
	}
	*kinds = pg_text_array(r, k, (int)sq.nterms);
	*terms = pg_text_array(r, t, (int)sq.nterms);
	return 0;
}

int
handle_entries_list(struct request *r)
{
	const char         *p[P_COUNT] = { NULL }, *bound[P_COUNT], *after, *state, *q;
	char                lim[16];
	int                 limit, mask = 0, i, n, np;
	PGresult           *res;
	struct json_object *items;
	struct db_stmt     *st;

	if (page_params(r, &limit, &after) != 0)
		return -1;
	p[P_TEMPLATE] = request_query(r, "template");
	p[P_AUTHOR] = request_query(r, "author");
	p[P_UPDATED_AFTER] = request_query(r, "updated_after");
	p[P_SECTION] = request_query(r, "section");
	state = p[P_STATE] = request_query(r, "state");
	q = request_query(r, "q");
	if (state != NULL && strcmp(state, "draft") != 0 && strcmp(state, "submitted") != 0 &&
	    strcmp(state, "in_review") != 0 && strcmp(state, "approved") != 0 &&
	    strcmp(state, "rejected") != 0)
		return PROBLEM(r, 400, "bad-query",
		    "state must be draft, submitted, in_review, approved or rejected");
	if (p[P_UPDATED_AFTER] != NULL &&
	    (strlen(p[P_UPDATED_AFTER]) < 10 || strlen(p[P_UPDATED_AFTER]) > 40 ||
		strchr(p[P_UPDATED_AFTER], 'T') == NULL))
		return PROBLEM(r, 400, "bad-query", "updated_after must be an RFC 3339 time");
	for (i = P_TEMPLATE; i <= P_STATE; i++)
		if (p[i] != NULL && *p[i] != '\0')
			mask |= 1 << (i - P_TEMPLATE);
		else
			p[i] = NULL;
	if (q != NULL && *q != '\0') {
		if (search_params(r, q, &p[P_KINDS], &p[P_TERMS]) != 0)
			return -1;
		mask |= F_Q;
	}
	if (after != NULL) {
		if (split_cursor(r, after, mask & F_Q, &p[P_RANK], &p[P_AT], &p[P_ID]) != 0)
			return -1;
		mask |= F_CURSOR;
	}
	snprintf(lim, sizeof(lim), "%d", limit + 1);
	p[P_LIMIT] = lim;
	/* Bind only the present filters, in order, then the limit. */
	for (i = 0, np = 0; i < P_COUNT; i++)
		if (p[i] != NULL)
			bound[np++] = p[i];
	st = statement_for(mask);
	if ((res = db_exec(r, st, np, bound)) == NULL) {
		/* A malformed updated_after or cursor value the database refused. */
		if (r->problem.status == 422)
			return PROBLEM(r, 400, "bad-query",
			    after != NULL ? "updated_after must be an RFC 3339 time, and the cursor"
					    " one this server issued"
					  : "updated_after must be an RFC 3339 time");
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
	if (n <= limit)
		return reply_page(r, items, NULL);
	return reply_page(r, items,
	    (mask & F_Q) ? arena_printf(r->arena, "%s|%s|%s", PQgetvalue(res, limit - 1, 9),
			       PQgetvalue(res, limit - 1, 7), PQgetvalue(res, limit - 1, 0))
			 : arena_printf(r->arena, "%s|%s", PQgetvalue(res, limit - 1, 7),
			       PQgetvalue(res, limit - 1, 0)));
}
