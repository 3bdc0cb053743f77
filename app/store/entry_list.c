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
	F_ALL = (1 << 6) - 1,
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
	C_SECTIONS
};
static const char *const list_cols[] = { "id", "template_key", "template_version", "title",
	"created_by", "created_at", "updated_at", "cursor_at", "sections", NULL };

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
	st->columns = list_cols;
	if (asprintf((char **)&st->sql,
		"SELECT e.id, e.template_key, e.template_version, e.title, e.created_by, e.created_at,"
		" e.updated_at, e.updated_at::text AS cursor_at,"
		" (SELECT json_object_agg(s.section, json_build_object('state', s.state, 'revision',"
		"   s.revision, 'etag', '\"' || s.etag || '\"')) FROM entry_sections s WHERE s.entry_id = e.id)"
		" AS sections FROM entries e WHERE true%s ORDER BY e.updated_at, e.id LIMIT $%d::integer",
		where, n + 1) < 0)
		abort();
	return st;
}

int
estore_list(struct db *db, struct arena *a, struct db_error *e, const struct entry_filter *f,
    int limit, struct entry_list_row **out)
{
	const char *p[8] = { f->template_key, f->author, f->updated_after, f->section, f->state,
		f->cursor_at, f->cursor_id, NULL };
	const char *bound[8];
	char        lim[16];
	int         mask = 0, i, n, np;
	PGresult   *res;

	for (i = 0; i < 5; i++)
		if (p[i] != NULL)
			mask |= 1 << i;
	if (f->cursor_at != NULL && f->cursor_id != NULL)
		mask |= F_CURSOR;
	else
		p[5] = p[6] = NULL;
	snprintf(lim, sizeof(lim), "%d", limit);
	p[7] = lim;
	/* Bind only the present filters, in order, then the limit. */
	for (i = 0, np = 0; i < 8; i++)
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
	}
	return n;
}
