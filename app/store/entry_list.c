/* entry_list.c — see entry_list.h. */
#include "logbook/store/entry_list.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logbook/core/arena.h"
#include "logbook/store/db.h"

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

enum {
	C_ID,
	C_TEMPLATE,
	C_VERSION,
	C_TITLE,
	C_CREATED_BY,
	C_CREATED_AT,
	C_UPDATED_AT,
	C_CURSOR_AT,
	C_SECTIONS,
	C_RANK
};
static const char *const list_cols[] = { "id", "template_key", "template_version", "title",
	"created_by", "created_at", "updated_at", "cursor_at", "sections", "rank", NULL };

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
	st->columns = list_cols;
	if (asprintf((char **)&st->sql,
		"%s"
		"SELECT e.id, e.template_key, e.template_version, e.title, e.created_by, e.created_at,"
		" e.updated_at, e.updated_at::text AS cursor_at,"
		" (SELECT json_object_agg(s.section, json_build_object('state', s.state, 'revision',"
		"   s.revision, 'etag', '\"' || s.etag || '\"')) FROM entry_sections s WHERE s.entry_id = e.id)"
		" AS sections, %s::text AS rank"
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

int
estore_list(struct db *db, struct arena *a, struct db_error *e, const struct entry_filter *f,
    int limit, struct entry_list_row **out)
{
	const char *p[P_COUNT] = { f->search_kinds, f->search_terms, f->template_key, f->author,
		f->updated_after, f->section, f->state, f->cursor_rank, f->cursor_at, f->cursor_id,
		NULL };
	const char *bound[P_COUNT];
	char        lim[16];
	int         mask = 0, i, n, np;
	PGresult   *res;

	for (i = P_TEMPLATE; i <= P_STATE; i++)
		if (p[i] != NULL)
			mask |= 1 << (i - P_TEMPLATE);
	if (f->search_kinds != NULL && f->search_terms != NULL)
		mask |= F_Q;
	else
		p[P_KINDS] = p[P_TERMS] = p[P_RANK] = NULL;
	if (f->cursor_at != NULL && f->cursor_id != NULL &&
	    (!(mask & F_Q) || f->cursor_rank != NULL))
		mask |= F_CURSOR;
	else
		p[P_RANK] = p[P_AT] = p[P_ID] = NULL;
	if (!(mask & F_Q))
		p[P_RANK] = NULL;
	snprintf(lim, sizeof(lim), "%d", limit);
	p[P_LIMIT] = lim;
	/* Bind only the present filters, in order, then the limit. */
	for (i = 0, np = 0; i < P_COUNT; i++)
		if (p[i] != NULL)
			bound[np++] = p[i];
	if ((res = db_exec(db, a, e, statement_for(mask), np, bound)) == NULL)
		return -1;
	n = PQntuples(res);
	*out = arena_zalloc(a, ((size_t)n + 1) * sizeof(**out));
	for (i = 0; i < n; i++) {
		struct entry_list_row *row = &(*out)[i];

		row->id = PQgetvalue(res, i, C_ID);
		row->template_key = PQgetvalue(res, i, C_TEMPLATE);
		row->template_version = atoi(PQgetvalue(res, i, C_VERSION));
		row->title = PQgetvalue(res, i, C_TITLE);
		row->created_by = PQgetvalue(res, i, C_CREATED_BY);
		row->created_at = PQgetvalue(res, i, C_CREATED_AT);
		row->updated_at = PQgetvalue(res, i, C_UPDATED_AT);
		row->cursor_at = PQgetvalue(res, i, C_CURSOR_AT);
		row->sections = db_value(res, i, C_SECTIONS);
		row->rank = db_value(res, i, C_RANK);
	}
	return n;
}
