/* audit_query.c — the SELECT an audit filter makes, the rows it reads, the export cursor and
 * the verification checkpoint; see audit_query.h. */
#include "logbook/store/audit_query.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logbook/core/arena.h"
#include "logbook/store/db.h"

/* n decimal digits at s, as a number; -1 when any is not a digit. */
static int
digits(const char *s, int n)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static int
days_in_month(int year, int month)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (month == 2 && ((year % 4 == 0 && year % 100 != 0) || year % 400 == 0))
		return 29;
	return days[month - 1];
}

const char *
audit_rfc3339(struct arena *a, const char *s)
{
	int    year, month, day, hour, min, sec;
	size_t n = strlen(s), i = 19;
	char  *out;

	/* YYYY-MM-DDTHH:MM:SS */
	if (n < 20 || n > 40 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') ||
	    s[13] != ':' || s[16] != ':')
		return NULL;
	year = digits(s, 4);
	month = digits(s + 5, 2);
	day = digits(s + 8, 2);
	hour = digits(s + 11, 2);
	min = digits(s + 14, 2);
	sec = digits(s + 17, 2);
	/* Year 0 is not a PostgreSQL timestamp; a leap second (60) is RFC 3339 and PostgreSQL's. */
	if (year < 1 || month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) ||
	    hour < 0 || hour > 23 || min < 0 || min > 59 || sec < 0 || sec > 60)
		return NULL;
	if (s[i] == '.') {
		size_t start = ++i;

		while (s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == start || i - start > 9)
			return NULL;
	}
	if (s[i] == 'Z' || s[i] == 'z') {
		if (s[i + 1] != '\0')
			return NULL;
	} else if (s[i] == '+' || s[i] == '-') {
		int oh = digits(s + i + 1, 2), om;

		if (n != i + 6 || s[i + 3] != ':' || oh < 0 || oh > 23 ||
		    (om = digits(s + i + 4, 2)) < 0 || om > 59)
			return NULL;
	} else
		return NULL;
	out = arena_strdup(a, s);
	out[10] = 'T';
	if (out[n - 1] == 'z')
		out[n - 1] = 'Z';
	return out;
}

int
audit_seq_valid(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= 18 && strspn(s, "0123456789") == n;
}

/* Appends " AND <cond>" with the value as the next $n. */
static void
add(char *where, size_t size, const char *cond, const char *value, const char **values, int *n)
{
	size_t len = strlen(where);

	values[*n] = value;
	(*n)++;
	snprintf(where + len, size - len, " AND %s $%d", cond, *n);
}

char *
audit_select_sql(struct arena *a, const struct audit_filter *f, const char *columns, int limit,
    const char **values, int *nvalues)
{
	/* Every condition is a constant text of bounded size: 512 bytes hold them all. */
	char where[512] = "TRUE", lim[32] = "";

	*nvalues = 0;
	if (f->after != NULL)
		add(where, sizeof(where), "seq >", f->after, values, nvalues);
	if (f->object_type != NULL)
		add(where, sizeof(where), "object_type =", f->object_type, values, nvalues);
	if (f->object_id != NULL)
		add(where, sizeof(where), "object_id =", f->object_id, values, nvalues);
	if (f->actor != NULL)
		add(where, sizeof(where), "actor =", f->actor, values, nvalues);
	if (f->action != NULL)
		add(where, sizeof(where), "action =", f->action, values, nvalues);
	if (f->request_id != NULL)
		add(where, sizeof(where), "request_id =", f->request_id, values, nvalues);
	if (f->from != NULL)
		add(where, sizeof(where), "at >=", f->from, values, nvalues);
	if (f->to != NULL)
		add(where, sizeof(where), "at <", f->to, values, nvalues);
	if (f->public_only)
		strcat(where, " AND object_type IN " AUDIT_PUBLIC_TYPES);
	if (limit > 0)
		snprintf(lim, sizeof(lim), " LIMIT %d", limit);
	/* "TRUE AND ..." reads oddly in a log but costs the planner nothing. */
	return arena_printf(a, "SELECT %s FROM audit_log WHERE %s ORDER BY seq%s", columns,
	    strncmp(where, "TRUE AND ", 9) == 0 ? where + 9 : where, lim);
}

char *
audit_items_sql(
    struct arena *a, const struct audit_filter *f, int limit, const char **values, int *nvalues)
{
	const char *inner = audit_select_sql(a, f, AUDIT_ITEM_COLUMNS, limit, values, nvalues);

	return arena_printf(
	    a, "SELECT i.seq, row_to_json(i)::text FROM (%s) i ORDER BY i.seq", inner);
}

/* JSON string for a cursor: cursors are digits or base64url, but quote whatever comes. */
static void
put_json_string(char *out, size_t *o, const char *s)
{
	out[(*o)++] = '"';
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			out[(*o)++] = '\\';
			out[(*o)++] = (char)c;
		} else if (c < 0x20) {
			*o += (size_t)sprintf(out + *o, "\\u%04x", c);
		} else
			out[(*o)++] = (char)c;
	}
	out[(*o)++] = '"';
}

char *
audit_items_body(
    struct arena *a, const struct audit_items *items, int n, const char *next_cursor, size_t *len)
{
	static const char head[] = "{\"items\":[", tail[] = "],\"next_cursor\":";
	size_t            size = sizeof(head) + sizeof(tail) + 8, o = 0;
	char             *out;
	int               i;

	for (i = 0; i < n; i++)
		size += items->len[i] + 1;
	if (next_cursor != NULL)
		size += 6 * strlen(next_cursor) + 2;
	out = arena_alloc(a, size);
	memcpy(out, head, sizeof(head) - 1);
	o = sizeof(head) - 1;
	for (i = 0; i < n; i++) {
		size_t l = items->len[i];

		if (i > 0)
			out[o++] = ',';
		memcpy(out + o, items->item[i], l);
		o += l;
	}
	memcpy(out + o, tail, sizeof(tail) - 1);
	o += sizeof(tail) - 1;
	if (next_cursor != NULL)
		put_json_string(out, &o, next_cursor);
	else {
		memcpy(out + o, "null", 4);
		o += 4;
	}
	out[o++] = '}';
	out[o] = '\0';
	*len = o;
	return out;
}

enum { I_SEQ, I_ITEM };

static void
items_from(struct arena *a, const PGresult *res, struct audit_items *out)
{
	int i, n = PQntuples(res);

	out->n = n;
	out->seq = arena_alloc(a, ((size_t)n + 1) * sizeof(*out->seq));
	out->item = arena_alloc(a, ((size_t)n + 1) * sizeof(*out->item));
	out->len = arena_alloc(a, ((size_t)n + 1) * sizeof(*out->len));
	for (i = 0; i < n; i++) {
		out->seq[i] = PQgetvalue(res, i, I_SEQ);
		out->item[i] = PQgetvalue(res, i, I_ITEM);
		out->len[i] = (size_t)PQgetlength(res, i, I_ITEM);
	}
}

int
audit_items_read(struct db *db, struct arena *a, struct db_error *e, const struct audit_filter *f,
    int limit, struct audit_items *out)
{
	const char *values[AUDIT_QUERY_MAX_PARAMS];
	int         nvalues;
	char       *sql = audit_items_sql(a, f, limit, values, &nvalues);
	PGresult   *res = db_exec_sql(db, a, e, sql, nvalues, values);

	if (res == NULL)
		return -1;
	items_from(a, res, out);
	return 0;
}

void
audit_items_of(struct arena *a, const PGresult *res, struct audit_items *out)
{
	items_from(a, res, out);
}

enum { CP_SEQ, CP_HASH };
static const char *const checkpoint_cols[] = { "seq", "hash", NULL };
DB_STMT_COLS(stmt_checkpoint_get, "SELECT seq, hash FROM audit_checkpoint", checkpoint_cols);
/* Only forward: two verifies finishing out of order must not move it back. */
DB_STMT(stmt_checkpoint_put,
    "INSERT INTO audit_checkpoint (seq, hash) VALUES ($1, $2) ON CONFLICT (only_row) DO UPDATE"
    " SET seq = EXCLUDED.seq, hash = EXCLUDED.hash, verified_at = now()"
    " WHERE audit_checkpoint.seq < EXCLUDED.seq");

int
audit_checkpoint_get(
    struct db *db, struct arena *a, struct db_error *e, long long *seq, const char **hash)
{
	PGresult *res = db_exec(db, a, e, &stmt_checkpoint_get, 0, NULL);

	if (res == NULL)
		return -1;
	if (PQntuples(res) != 1)
		return 0;
	*seq = atoll(PQgetvalue(res, 0, CP_SEQ));
	*hash = PQgetvalue(res, 0, CP_HASH);
	return 1;
}

int
audit_checkpoint_put(
    struct db *db, struct arena *a, struct db_error *e, long long seq, const char *hash)
{
	char        s[24];
	const char *values[2] = { s, hash };

	snprintf(s, sizeof(s), "%lld", seq);
	return db_exec(db, a, e, &stmt_checkpoint_put, 2, values) != NULL ? 0 : -1;
}

struct audit_cursor {
	struct db    *db;
	struct arena *arena;
	PGresult     *batch; /* the current batch, cleared by the next fetch or the arena */
};

static void
cursor_clear(void *p)
{
	struct audit_cursor *c = p;

	PQclear(c->batch);
	c->batch = NULL;
}

struct audit_cursor *
audit_export_open(
    struct db *db, struct arena *a, struct db_error *e, const struct audit_filter *f, int csv)
{
	const char *values[AUDIT_QUERY_MAX_PARAMS];
	int         nvalues;
	char       *sql = csv ? audit_select_sql(a, f, AUDIT_CSV_COLUMNS, 0, values, &nvalues)
			      : audit_items_sql(a, f, 0, values, &nvalues);
	struct audit_cursor *c;

	/* One snapshot for the whole export: rows committed meanwhile are not half in it. */
	if (db_exec_sql(db, a, e, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0, NULL) ==
		NULL ||
	    db_exec_sql(db, a, e,
		arena_printf(a, "DECLARE audit_export NO SCROLL CURSOR FOR %s", sql), nvalues,
		values) == NULL)
		return NULL;
	c = arena_zalloc(a, sizeof(*c));
	c->db = db;
	c->arena = a;
	return arena_own(a, c, cursor_clear);
}

#define STR_(x) #x
#define STR(x)  STR_(x)

int
audit_export_fetch(struct audit_cursor *c, struct db_error *e)
{
	PQclear(c->batch);
	c->batch = PQexec(c->db->conn, "FETCH " STR(AUDIT_EXPORT_BATCH) " FROM audit_export");
	if (PQresultStatus(c->batch) != PGRES_TUPLES_OK) {
		db_error_from_result(e, c->arena, c->db, c->batch, "audit export");
		PQclear(c->batch);
		c->batch = NULL;
		return -1;
	}
	return PQntuples(c->batch);
}

const char *
audit_export_item(const struct audit_cursor *c, int i, size_t *len)
{
	*len = (size_t)PQgetlength(c->batch, i, I_ITEM);
	return PQgetvalue(c->batch, i, I_ITEM);
}

const char *
audit_export_cell(const struct audit_cursor *c, int i, int col)
{
	return db_value(c->batch, i, col);
}
