/* template_cache.c — see template_cache.h. The generated statements only ever name
 * identifiers derived from validated keys, each quoted with PQescapeIdentifier; values travel
 * as parameters. Every statement casts its outputs to text, so that a later ALTER ... TYPE on
 * a column can never change a prepared statement's result type. */
#include "logbook/store/template_cache.h"

#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logbook/core/arena.h"
#include "logbook/core/json_util.h"
#include "logbook/core/timestamp.h"
#include "logbook/domain/json_number.h"
#include "logbook/domain/naming.h"
#include "logbook/store/db.h"

DB_STMT(stmt_definition,
    "SELECT definition FROM template_versions"
    " WHERE template_key = $1 AND version = $2::integer AND status <> 'draft'");

static struct tc_version *slots[TCACHE_SLOTS];
static unsigned long      clock_now;
static unsigned long      generation; /* keeps prepared statement names unique after eviction */

/* The one quoter (db_quote_ident), into the definition's arena. NULL when libpq cannot. */
static char *
quote(struct db *db, struct arena *a, const char *ident)
{
	struct db_error ignored; /* load() reports "cannot quote identifiers" */

	return db_quote_ident(db, a, &ignored, ident);
}

/* The text form the read statements return a column in (see handlers/entry_view.c for the reverse). */
static char *
read_expr(struct arena *a, const char *col, enum field_type t)
{
	switch (t) {
	case FIELD_DATETIME:
		return arena_printf(a, TS_SQL_MS_FMT, col);
	case FIELD_CHOICE:
		/* A later version may have made the column a multichoice (text[], holding ARRAY[old
		 * value]): read either shape, since this statement outlives such a change. */
		return arena_printf(a,
		    "(SELECT CASE jsonb_typeof(j) WHEN 'array' THEN j->>0 ELSE j#>>'{}' END"
		    " FROM to_jsonb(%s) AS j)",
		    col);
	default:
		return arena_printf(a, "%s::text", col);
	}
}

/* Prepared statement names are cut at 63 bytes by the server, so they are short and
 * numbered; `name` only documents the statement in the SQL text. */
static void
stmt_init(struct arena *a, struct db_stmt *st, const char *name, char *sql)
{
	static unsigned long counter;

	st->name = arena_printf(a, "tc%lu.%lu", generation, ++counter);
	sql = arena_printf(a, "/* %s */ %s", name, sql);
	st->sql = sql;
	st->epoch = 0;
}

/* A growing string for the generated statements. Appending to an arena string by copying it
 * (out = printf("%s%s", out, more)) costs the square of the statement's length, and the arena
 * keeps every copy for the life of the cached version: with 10,000 fields that was over 100 MB
 * per worker. This buffer doubles (linear), and only the final text goes into the arena. */
struct sbuf {
	char  *p;
	size_t n, cap;
};

static void
sbuf_add(struct sbuf *b, const char *s)
{
	size_t k = strlen(s);

	if (b->n + k + 1 > b->cap) {
		size_t cap = b->cap != 0 ? b->cap : 256;

		while (cap < b->n + k + 1)
			cap *= 2;
		if ((b->p = realloc(b->p, cap)) == NULL)
			abort(); /* the arena policy: out-of-memory ends the worker */
		b->cap = cap;
	}
	memcpy(b->p + b->n, s, k + 1);
	b->n += k;
}

static void __attribute__((format(printf, 3, 4)))
sbuf_printf(struct sbuf *b, struct arena *a, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sbuf_add(b, arena_vprintf(a, fmt, ap));
	va_end(ap);
}

/* The text, copied into a; the buffer is freed. */
static char *
sbuf_take(struct sbuf *b, struct arena *a)
{
	char *s = arena_strdup(a, b->p != NULL ? b->p : "");

	free(b->p);
	*b = (struct sbuf){ 0 };
	return s;
}

/* Joins n strings made by fn(i) with sep, in a. */
#define JOIN(a, out, n, sep, ...)                     \
	do {                                          \
		struct sbuf b_ = { 0 };               \
		size_t      i_;                       \
		for (i_ = 0; i_ < (n); i_++) {        \
			if (i_ > 0)                   \
				sbuf_add(&b_, (sep)); \
			sbuf_add(&b_, __VA_ARGS__);   \
		}                                     \
		(out) = sbuf_take(&b_, (a));          \
	} while (0)

/* The result columns of a read (db.h: checked when the statement is prepared): first, if
 * not NULL, then the keys of fields[0..n), each the alias of its column in the SELECT. */
static const char *const *
columns_of(struct arena *a, const char *first, const struct tpl_field *fields, size_t n)
{
	const char **names = arena_zalloc(a, (n + 2) * sizeof(*names));
	size_t       i, k = 0;

	if (first != NULL)
		names[k++] = first;
	for (i = 0; i < n; i++)
		names[k++] = fields[i].key;
	return names;
}

static int
build_table(struct db *db, struct arena *a, const char *schema, const struct tpl_section *s,
    struct tc_table *t, const char *tag)
{
	const struct tpl_table *d = t->def;
	char                   *table, *cols = "", *reads = "", *picks = "";
	const char            **q;
	size_t                  i;

	if ((table = quote(db, a, naming_child_table(a, s->key, d->key))) == NULL)
		return -1;
	t->ident = arena_printf(a, "%s.%s", schema, table);
	q = arena_alloc(a, (d->ncolumns + 1) * sizeof(*q));
	for (i = 0; i < d->ncolumns; i++)
		if ((q[i] = quote(db, a, d->columns[i].key)) == NULL)
			return -1;
	JOIN(a, cols, d->ncolumns, ", ", q[i_]);
	JOIN(a, reads, d->ncolumns, ", ",
	    arena_printf(a, "%s AS %s", read_expr(a, q[i_], d->columns[i_].type), q[i_]));
	JOIN(a, picks, d->ncolumns, ", ", arena_printf(a, "x.%s", q[i_]));
	stmt_init(a, &t->read, arena_printf(a, "%s:read", tag),
	    arena_printf(a, "SELECT %s FROM %s WHERE _entry_id = $1::uuid ORDER BY _row_no", reads,
		t->ident));
	t->read.columns = columns_of(a, NULL, d->columns, d->ncolumns);
	stmt_init(a, &t->delete_rows, arena_printf(a, "%s:delete", tag),
	    arena_printf(a, "DELETE FROM %s WHERE _entry_id = $1::uuid", t->ident));
	/* One statement whatever the number of rows: $2 is a JSON array of row objects whose
	 * values are the normalized texts. json_populate_record converts them to the columns'
	 * types as the table has them now, so no type is written here: a later version that
	 * changes a column's type does not break this version's statement. */
	stmt_init(a, &t->insert_rows, arena_printf(a, "%s:insert", tag),
	    arena_printf(a,
		"INSERT INTO %s (_entry_id, _row_no, %s) SELECT $1::uuid, r.n, %s"
		" FROM json_array_elements($2::json) WITH ORDINALITY AS r(v, n),"
		" json_populate_record(NULL::%s, r.v) AS x",
		t->ident, cols, picks, t->ident));
	return 0;
}

static int
build_section(
    struct db *db, struct arena *a, const char *schema, struct tc_section *cs, const char *tag)
{
	const struct tpl_section *s = cs->def;
	char                     *table, *cols = "", *reads = "", *vals = "", *sets = "";
	const char              **q;
	size_t                    i;

	if ((table = quote(db, a, naming_section_table(a, s->key))) == NULL)
		return -1;
	cs->ident = arena_printf(a, "%s.%s", schema, table);
	q = arena_alloc(a, (s->nfields + 1) * sizeof(*q));
	for (i = 0; i < s->nfields; i++)
		if ((q[i] = quote(db, a, s->fields[i].key)) == NULL)
			return -1;
	JOIN(a, cols, s->nfields, "", arena_printf(a, ", %s", q[i_]));
	JOIN(a, reads, s->nfields, "",
	    arena_printf(a, ", %s AS %s", read_expr(a, q[i_], s->fields[i_].type), q[i_]));
	JOIN(a, vals, s->nfields, "", arena_printf(a, ", x.%s", q[i_]));
	JOIN(a, sets, s->nfields, "", arena_printf(a, ", %s = EXCLUDED.%s", q[i_], q[i_]));
	stmt_init(a, &cs->read, arena_printf(a, "%s:read", tag),
	    arena_printf(a,
		"SELECT _revision::text AS _revision%s FROM %s WHERE _entry_id = $1::uuid", reads,
		cs->ident));
	cs->read.columns = columns_of(a, "_revision", s->fields, s->nfields);
	/* Columns of fields this version does not have are left alone: data is never dropped. */
	/* $3 is a JSON object of the normalized texts, typed by the live table (see insert_rows). */
	stmt_init(a, &cs->upsert, arena_printf(a, "%s:upsert", tag),
	    arena_printf(a,
		"INSERT INTO %s AS t (_entry_id, _revision%s) SELECT $1::uuid,"
		" (SELECT revision FROM public.entry_sections WHERE entry_id = $1::uuid AND section = $2)%s"
		" FROM json_populate_record(NULL::%s, $3::json) AS x"
		" ON CONFLICT (_entry_id) DO UPDATE SET _revision = EXCLUDED._revision%s",
		cs->ident, cols, vals, cs->ident, sets));
	cs->tables = arena_zalloc(a, s->ntables * sizeof(*cs->tables) + 1);
	for (i = 0; i < s->ntables; i++) {
		cs->tables[i].def = &s->tables[i];
		if (build_table(db, a, schema, s, &cs->tables[i],
			arena_printf(a, "%s:%s", tag, s->tables[i].key)) != 0)
			return -1;
	}
	return 0;
}

/* read_entry's row: the entry's six columns, then per section six and one per table. */
enum { RE_TEMPLATE, RE_VERSION, RE_TITLE, RE_CREATED_BY, RE_CREATED_AT, RE_UPDATED_AT, RE_FIRST };
enum { RS_STATE, RS_REVISION, RS_ETAG, RS_UPDATED_BY, RS_UPDATED_AT, RS_FIELDS, RS_TABLES };

const char *const *
tcache_fields_of(struct arena *a, const PGresult *res, size_t nfields)
{
	const char **f;
	size_t       i;

	if (res == NULL || PQntuples(res) != 1)
		return NULL;
	f = arena_zalloc(a, (nfields + 1) * sizeof(*f));
	for (i = 0; i < nfields; i++)
		f[i] = db_value(res, 0, (int)i + 1); /* column 0 is _revision */
	return f;
}

void
tcache_rows_of(struct arena *a, const PGresult *res, size_t ncols, struct text_rows *out)
{
	const char **cells;
	int          r, n = res != NULL ? PQntuples(res) : 0;
	size_t       c;

	cells = arena_zalloc(a, ((size_t)n * ncols + 1) * sizeof(*cells));
	for (r = 0; r < n; r++)
		for (c = 0; c < ncols; c++)
			cells[(size_t)r * ncols + c] = db_value(res, r, (int)c);
	out->nrows = (size_t)n;
	out->cells = cells;
}

/* The batched read of a large version's entry (TCACHE_JOIN_SECTIONS): the entry, its sections'
 * states, then each section's row and its tables' rows, in one round trip. */
enum { EM_TEMPLATE, EM_VERSION, EM_TITLE, EM_CREATED_BY, EM_CREATED_AT, EM_UPDATED_AT };
static const char *const meta_cols[] = { "template_key", "template_version", "title", "created_by",
	"created_at", "updated_at", NULL };
DB_STMT_COLS(stmt_entry_meta,
    "SELECT template_key, template_version, title, created_by, created_at::text AS created_at,"
    " updated_at::text AS updated_at FROM public.entries WHERE id = $1::uuid",
    meta_cols);
enum { ES_SECTION, ES_STATE, ES_REVISION, ES_ETAG, ES_UPDATED_BY, ES_UPDATED_AT };
static const char *const states_cols[] = { "section", "state", "revision", "etag", "updated_by",
	"updated_at", NULL };
DB_STMT_COLS(stmt_entry_states,
    "SELECT section, state, revision::text AS revision, etag::text AS etag, updated_by,"
    " updated_at::text AS updated_at FROM public.entry_sections WHERE entry_id = $1::uuid",
    states_cols);

static void
section_state_of(const PGresult *st, const char *key, struct section_read *sr)
{
	int i, n = PQntuples(st);

	for (i = 0; i < n; i++)
		if (strcmp(PQgetvalue(st, i, ES_SECTION), key) == 0)
			break;
	if (i == n) /* cannot happen: sections are created with the entry */
		return;
	sr->present = 1;
	sr->state = PQgetvalue(st, i, ES_STATE);
	sr->revision = PQgetvalue(st, i, ES_REVISION);
	sr->etag = PQgetvalue(st, i, ES_ETAG);
	sr->updated_by = PQgetvalue(st, i, ES_UPDATED_BY);
	sr->updated_at = PQgetvalue(st, i, ES_UPDATED_AT);
}

static int
read_entry_batched(struct db *db, struct arena *a, struct db_error *e, struct tc_version *v,
    const char *id, struct entry_read *out)
{
	struct db_batch b;
	const char    **idp = arena_alloc(a, sizeof(*idp));
	int             meta, states, *reads, *rows;
	size_t          s, t, k = 0, nt = 0;
	const PGresult *m;

	*idp = id;
	for (s = 0; s < v->def->nsections; s++)
		nt += v->def->sections[s].ntables;
	reads = arena_alloc(a, (v->def->nsections + 1) * sizeof(*reads));
	rows = arena_alloc(a, (nt + 1) * sizeof(*rows));
	db_batch_init(&b, a);
	meta = db_batch_add(&b, &stmt_entry_meta, 1, idp);
	states = db_batch_add(&b, &stmt_entry_states, 1, idp);
	for (s = 0; s < v->def->nsections; s++) {
		reads[s] = db_batch_add(&b, &v->sections[s].read, 1, idp);
		for (t = 0; t < v->def->sections[s].ntables; t++)
			rows[k++] = db_batch_add(&b, &v->sections[s].tables[t].read, 1, idp);
	}
	if (db_batch_run(db, a, e, &b) != 0)
		return -1;
	if (PQntuples(m = b.res[meta]) == 0)
		return 0;
	out->template_key = PQgetvalue(m, 0, EM_TEMPLATE);
	out->template_version = atoi(PQgetvalue(m, 0, EM_VERSION));
	out->title = PQgetvalue(m, 0, EM_TITLE);
	out->created_by = PQgetvalue(m, 0, EM_CREATED_BY);
	out->created_at = PQgetvalue(m, 0, EM_CREATED_AT);
	out->updated_at = PQgetvalue(m, 0, EM_UPDATED_AT);
	out->sections = arena_zalloc(a, (v->def->nsections + 1) * sizeof(*out->sections));
	for (s = 0, k = 0; s < v->def->nsections; s++) {
		const struct tpl_section *sd = &v->def->sections[s];
		struct section_read      *sr = &out->sections[s];
		struct text_rows         *tr = arena_zalloc(a, (sd->ntables + 1) * sizeof(*tr));

		section_state_of(b.res[states], sd->key, sr);
		sr->field_texts = tcache_fields_of(a, b.res[reads[s]], sd->nfields);
		for (t = 0; t < sd->ntables; t++, k++)
			tcache_rows_of(a, b.res[rows[k]], sd->tables[t].ncolumns, &tr[t]);
		sr->table_rows = tr;
	}
	return 1;
}

int
tcache_read_entry(struct db *db, struct arena *a, struct db_error *e, struct tc_version *v,
    const char *id, struct entry_read *out)
{
	PGresult *row;
	size_t    s, t;
	int       col = RE_FIRST;

	if (v->def->nsections > TCACHE_JOIN_SECTIONS)
		return read_entry_batched(db, a, e, v, id, out);
	v->read_entry_params[0] = id;
	if ((row = db_exec(db, a, e, &v->read_entry, (int)v->def->nsections + 1,
		 v->read_entry_params)) == NULL)
		return -1;
	if (PQntuples(row) == 0)
		return 0;
	out->template_key = PQgetvalue(row, 0, RE_TEMPLATE);
	out->template_version = atoi(PQgetvalue(row, 0, RE_VERSION));
	out->title = PQgetvalue(row, 0, RE_TITLE);
	out->created_by = PQgetvalue(row, 0, RE_CREATED_BY);
	out->created_at = PQgetvalue(row, 0, RE_CREATED_AT);
	out->updated_at = PQgetvalue(row, 0, RE_UPDATED_AT);
	out->sections = arena_zalloc(a, (v->def->nsections + 1) * sizeof(*out->sections));
	for (s = 0; s < v->def->nsections; s++) {
		struct section_read *sr = &out->sections[s];
		size_t               nt = v->def->sections[s].ntables;
		const char         **tables = arena_zalloc(a, (nt + 1) * sizeof(*tables));

		sr->present = !PQgetisnull(row, 0, col + RS_STATE);
		sr->state = db_value(row, 0, col + RS_STATE);
		sr->revision = db_value(row, 0, col + RS_REVISION);
		sr->etag = db_value(row, 0, col + RS_ETAG);
		sr->updated_by = db_value(row, 0, col + RS_UPDATED_BY);
		sr->updated_at = db_value(row, 0, col + RS_UPDATED_AT);
		sr->fields = db_value(row, 0, col + RS_FIELDS);
		for (t = 0; t < nt; t++)
			tables[t] = db_value(row, 0, col + RS_TABLES + (int)t);
		sr->tables = tables;
		col += RS_TABLES + (int)nt;
	}
	return 1;
}

/* ARRAY[<read_expr of each column, qualified by alias>] */
static char *
text_array(
    struct db *db, struct arena *a, const char *alias, const struct tpl_field *fields, size_t n)
{
	struct sbuf out = { 0 };
	size_t      i;

	if (n == 0)
		return "NULL::text[]";
	sbuf_add(&out, "ARRAY[");
	for (i = 0; i < n; i++) {
		char *q = quote(db, a, fields[i].key);

		if (q == NULL) {
			free(out.p);
			return NULL;
		}
		if (i > 0)
			sbuf_add(&out, ", ");
		sbuf_add(&out, read_expr(a, arena_printf(a, "%s.%s", alias, q), fields[i].type));
	}
	sbuf_add(&out, "]");
	return sbuf_take(&out, a);
}

/* read_entry's result columns, in the order of the RE_ and RS_ enums above. */
static const char *const *
entry_columns(struct arena *a, const struct tc_version *v)
{
	static const char *const entry[] = { "template_key", "template_version", "title",
		"created_by", "created_at", "updated_at" };
	static const char *const section[] = { "state", "revision", "etag", "updated_by",
		"updated_at", "fields" };
	size_t                   n = RE_FIRST, s, t, k = 0, i;
	const char             **names;

	for (s = 0; s < v->def->nsections; s++)
		n += RS_TABLES + v->def->sections[s].ntables;
	names = arena_zalloc(a, (n + 1) * sizeof(*names));
	for (i = 0; i < RE_FIRST; i++)
		names[k++] = entry[i];
	for (s = 0; s < v->def->nsections; s++) {
		for (i = 0; i < RS_TABLES; i++)
			names[k++] = arena_printf(a, "s%zu_%s", s, section[i]);
		for (t = 0; t < v->def->sections[s].ntables; t++)
			names[k++] = arena_printf(a, "s%zu_t%zu", s, t);
	}
	return names;
}

static int
build_entry_read(struct db *db, struct arena *a, struct tc_version *v, const char *tag)
{
	struct sbuf cols = { 0 }, joins = { 0 };
	char       *arr;
	size_t      s, t;

	v->read_entry_params = arena_zalloc(a, (v->def->nsections + 1) * sizeof(char *));
	for (s = 0; s < v->def->nsections; s++) {
		const struct tc_section *cs = &v->sections[s];
		const char *sa = arena_printf(a, "s%zu", s), *da = arena_printf(a, "d%zu", s);

		v->read_entry_params[s + 1] = cs->def->key;
		if ((arr = text_array(db, a, da, cs->def->fields, cs->def->nfields)) == NULL)
			goto fail;
		sbuf_printf(&cols, a,
		    ", %s.state AS %s_state, %s.revision::text AS %s_revision,"
		    " %s.etag::text AS %s_etag, %s.updated_by AS %s_updated_by,"
		    " %s.updated_at::text AS %s_updated_at, %s::text AS %s_fields",
		    sa, sa, sa, sa, sa, sa, sa, sa, sa, sa, arr, sa);
		sbuf_printf(&joins, a,
		    " LEFT JOIN public.entry_sections %s ON %s.entry_id = e.id"
		    " AND %s.section = $%zu LEFT JOIN %s %s ON %s._entry_id = e.id",
		    sa, sa, sa, s + 2, cs->ident, da, da);
		for (t = 0; t < cs->def->ntables; t++) {
			const struct tc_table *ct = &cs->tables[t];

			if ((arr = text_array(db, a, "c", ct->def->columns, ct->def->ncolumns)) ==
			    NULL)
				goto fail;
			sbuf_printf(&cols, a,
			    ", (SELECT json_agg(%s ORDER BY c._row_no) FROM %s c"
			    " WHERE c._entry_id = e.id)::text AS %s_t%zu",
			    arr, ct->ident, sa, t);
		}
	}
	stmt_init(a, &v->read_entry, arena_printf(a, "%s:entry", tag),
	    arena_printf(a,
		"SELECT e.template_key, e.template_version::text AS template_version, e.title,"
		" e.created_by, e.created_at::text AS created_at, e.updated_at::text AS updated_at%s"
		" FROM public.entries e%s WHERE e.id = $1::uuid",
		sbuf_take(&cols, a), sbuf_take(&joins, a)));
	v->read_entry.columns = entry_columns(a, v);
	return 0;
fail:
	free(cols.p);
	free(joins.p);
	return -1;
}

static struct tc_version *
load(struct db *db, struct arena *ra, struct db_error *e, const char *key, int version)
{
	char                    vtext[16];
	const char             *params[2] = { key, vtext };
	PGresult               *res;
	struct json_object     *doc;
	struct verr_list        errs;
	enum json_tokener_error jerr;
	struct tpl_def         *def;
	struct tc_version      *v;
	struct arena           *a;
	char                   *schema;
	size_t                  i;

	snprintf(vtext, sizeof(vtext), "%d", version);
	if ((res = db_exec(db, ra, e, &stmt_definition, 2, params)) == NULL)
		return NULL;
	if (PQntuples(res) == 0)
		return db_error_set(e, ra, DB_NOT_FOUND, "tcache_get",
			   "template '%s' has no published version %d", key, version),
		       NULL;
	doc = json_arena_own(ra,
	    json_number_parse(PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0), 64,
		JSON_TOKENER_STRICT, &jerr));
	verr_init(&errs, ra);
	if (doc == NULL || (def = tpl_def_parse(doc, &errs)) == NULL)
		return db_error_set(e, ra, DB_INTERNAL, "tcache_get",
			   "stored definition of %s v%d does not parse", key, version),
		       NULL;
	a = &def->arena;
	generation++;
	v = arena_zalloc(a, sizeof(*v));
	v->key = def->key;
	v->version = version;
	v->def = def;
	v->sections = arena_zalloc(a, def->nsections * sizeof(*v->sections) + 1);
	if ((schema = quote(db, a, naming_schema(a, def->key))) == NULL)
		goto fail;
	for (i = 0; i < def->nsections; i++) {
		v->sections[i].def = &def->sections[i];
		if (build_section(db, a, schema, &v->sections[i],
			arena_printf(a, "%s:%d:%s", key, version, def->sections[i].key)) != 0)
			goto fail;
	}
	if (build_entry_read(db, a, v, arena_printf(a, "%s:%d", key, version)) != 0)
		goto fail;
	return v;
fail:
	tpl_def_free(def);
	return db_error_set(e, ra, DB_INTERNAL, "tcache_get", "cannot quote identifiers: %s",
		   PQerrorMessage(db->conn)),
	       NULL;
}

struct tc_version *
tcache_get(struct db *db, struct arena *a, struct db_error *e, const char *key, int version)
{
	struct tc_version *v;
	int                i, victim = 0;

	clock_now++;
	for (i = 0; i < TCACHE_SLOTS; i++) {
		if (slots[i] != NULL && slots[i]->version == version &&
		    strcmp(slots[i]->key, key) == 0) {
			slots[i]->used = clock_now;
			return slots[i];
		}
		if (slots[i] == NULL ||
		    (slots[victim] != NULL && slots[i]->used < slots[victim]->used))
			victim = i;
	}
	if ((v = load(db, a, e, key, version)) == NULL)
		return NULL;
	/* Statements of the evicted version stay prepared on the server until the connection
	 * ends; names carry a generation so a reload never collides with them. */
	if (slots[victim] != NULL)
		tpl_def_free(slots[victim]->def);
	v->used = clock_now;
	slots[victim] = v;
	return v;
}

const struct tc_section *
tcache_section(const struct tc_version *v, const char *key)
{
	size_t i;

	for (i = 0; i < v->def->nsections; i++)
		if (strcmp(v->def->sections[i].key, key) == 0)
			return &v->sections[i];
	return NULL;
}
