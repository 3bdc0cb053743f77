/* nchan_stream.c — the statements behind nchan_stream.h. */
#include "logbook/store/nchan_stream.h"

#include <stdio.h>
#include <string.h>

#include "logbook/core/arena.h"
#include "logbook/store/audit_query.h"
#include "logbook/store/db.h"

DB_STMT(stmt_es_head, "SELECT seq::text FROM audit_head");

/* The newest buffered message at or below $2, and whether rows the channel shows lie after it,
 * up to $2. */
#define ES_RESUME_SQL(visible)                                                 \
	"SELECT m.nchan_id, m.seq::text, EXISTS (SELECT 1 FROM audit_log a"    \
	"   WHERE a.seq > m.seq AND a.seq <= $2::bigint" visible ")"           \
	" FROM (SELECT seq, nchan_id FROM event_stream_ids WHERE channel = $1" \
	"   AND seq <= $2::bigint ORDER BY seq DESC LIMIT 1) m"
DB_STMT(stmt_es_resume_all, ES_RESUME_SQL(""));
DB_STMT(stmt_es_resume_public, ES_RESUME_SQL(" AND a.object_type IN " AUDIT_PUBLIC_TYPES));
/* When every message at or below $2 is gone: the oldest one above it, and whether rows the
 * channel shows lie between $2 and it (that one included), which nchan would not send. */
#define ES_RESUME_AFTER_SQL(visible)                                           \
	"SELECT m.nchan_id, m.seq::text, EXISTS (SELECT 1 FROM audit_log a"    \
	"   WHERE a.seq > $2::bigint AND a.seq <= m.seq" visible ")"           \
	" FROM (SELECT seq, nchan_id FROM event_stream_ids WHERE channel = $1" \
	"   AND seq > $2::bigint ORDER BY seq LIMIT 1) m"
DB_STMT(stmt_es_after_all, ES_RESUME_AFTER_SQL(""));
DB_STMT(stmt_es_after_public, ES_RESUME_AFTER_SQL(" AND a.object_type IN " AUDIT_PUBLIC_TYPES));

/* The item as GET /api/v1/events shows it to the channel's readers (redacted for public). */
#define ES_CATCH_UP_SQL(columns, visible)                                            \
	"SELECT i.seq, row_to_json(i)::text FROM (SELECT " columns                   \
	" FROM audit_log WHERE seq > $1::bigint" visible " ORDER BY seq LIMIT $2) i" \
	" ORDER BY i.seq"
DB_STMT(stmt_es_catch_up_all, ES_CATCH_UP_SQL(AUDIT_ITEM_COLUMNS, ""));
DB_STMT(stmt_es_catch_up_public,
    ES_CATCH_UP_SQL(AUDIT_ITEM_COLUMNS_REDACTED, " AND object_type IN " AUDIT_PUBLIC_TYPES));

static bool
is_public(const char *channel)
{
	return strcmp(channel, ES_CHANNEL_PUBLIC) == 0;
}

int
es_head(struct db *db, struct arena *a, struct db_error *e, const char **seq)
{
	PGresult *res = db_exec(db, a, e, &stmt_es_head, 0, NULL);

	if (res == NULL)
		return -1;
	*seq = PQntuples(res) == 1 ? PQgetvalue(res, 0, 0) : "0";
	return 0;
}

int
es_resume_point(struct db *db, struct arena *a, struct db_error *e, const char *channel,
    const char *seq, struct es_resume *out)
{
	const char *v[2] = { channel, seq };
	PGresult   *res = db_exec(
	      db, a, e, is_public(channel) ? &stmt_es_resume_public : &stmt_es_resume_all, 2, v);

	memset(out, 0, sizeof(*out));
	if (res == NULL)
		return -1;
	if (PQntuples(res) == 0) {
		res = db_exec(db, a, e,
		    is_public(channel) ? &stmt_es_after_public : &stmt_es_after_all, 2, v);
		if (res == NULL)
			return -1;
		if (PQntuples(res) == 0 || PQgetvalue(res, 0, 2)[0] == 't')
			return 0; /* nchan lacks some: catch up from the database */
		out->found = true;
		out->nchan_id = PQgetvalue(res, 0, 0);
		out->seq = PQgetvalue(res, 0, 1);
		return 0;
	}
	out->found = true;
	out->nchan_id = PQgetvalue(res, 0, 0);
	out->seq = PQgetvalue(res, 0, 1);
	out->gap = PQgetvalue(res, 0, 2)[0] == 't';
	return 0;
}

int
es_catch_up(struct db *db, struct arena *a, struct db_error *e, const char *channel,
    const char *seq, struct es_event **events, int *n)
{
	char             lim[16];
	const char      *v[2] = { seq, lim };
	PGresult        *res;
	struct es_event *out;
	int              i;

	snprintf(lim, sizeof(lim), "%d", ES_CATCH_UP_MAX);
	res = db_exec(
	    db, a, e, is_public(channel) ? &stmt_es_catch_up_public : &stmt_es_catch_up_all, 2, v);
	if (res == NULL)
		return -1;
	*n = PQntuples(res);
	out = arena_alloc(a, (size_t)(*n + 1) * sizeof(*out));
	for (i = 0; i < *n; i++) {
		out[i].seq = PQgetvalue(res, i, 0);
		out[i].json = PQgetvalue(res, i, 1);
	}
	*events = out;
	return 0;
}
