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

#include "logbook/core/json_util.h"
#include "logbook/domain/json_number.h"
#include "logbook/domain/naming.h"
#include "logbook/http/http.h"
#include "logbook/store/db.h"
#include "logbook/worker/app.h"

DB_STMT(stmt_definition,
    "SELECT definition FROM template_versions"
    " WHERE template_key = $1 AND version = $2::integer AND status <> 'draft'");

static struct tc_version *slots[TCACHE_SLOTS];
static unsigned long      clock_now;
static unsigned long      generation; /* keeps prepared statement names unique after eviction */

/* PQescapeIdentifier, copied into the definition's arena. NULL when libpq cannot. */
static char *
quote(struct request *r, struct arena *a, const char *ident)
{
	char *q = PQescapeIdentifier(r->app->db.conn, ident, strlen(ident)), *copy;

	if (q == NULL)
		return NULL;
	copy = arena_strdup(a, q);
	PQfreemem(q);
	return copy;
}

/* The text form the read statements return a column in (see entry_json.c for the reverse). */
static char *
read_expr(struct arena *a, const char *col, enum field_type t)
{
	switch (t) {
	case FIELD_DATETIME:
		return arena_printf(
		    a, "to_char(%s AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')", col);
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

static int
build_table(struct request *r, struct arena *a, const char *schema, const struct tpl_section *s,
    struct tc_table *t, const char *tag)
{
	const struct tpl_table *d = t->def;
	char                   *table, *cols = "", *reads = "", *picks = "";
	const char            **q;
	size_t                  i;

	if ((table = quote(r, a, naming_child_table(a, s->key, d->key))) == NULL)
		return -1;
	t->ident = arena_printf(a, "%s.%s", schema, table);
	q = arena_alloc(a, (d->ncolumns + 1) * sizeof(*q));
	for (i = 0; i < d->ncolumns; i++)
		if ((q[i] = quote(r, a, d->columns[i].key)) == NULL)
			return -1;
	JOIN(a, cols, d->ncolumns, ", ", q[i_]);
	JOIN(a, reads, d->ncolumns, ", ", read_expr(a, q[i_], d->columns[i_].type));
	JOIN(a, picks, d->ncolumns, ", ", arena_printf(a, "x.%s", q[i_]));
	stmt_init(a, &t->read, arena_printf(a, "%s:read", tag),
	    arena_printf(a, "SELECT %s FROM %s WHERE _entry_id = $1::uuid ORDER BY _row_no", reads,
		t->ident));
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
    struct request *r, struct arena *a, const char *schema, struct tc_section *cs, const char *tag)
{
	const struct tpl_section *s = cs->def;
	char                     *table, *cols = "", *reads = "", *vals = "", *sets = "";
	const char              **q;
	size_t                    i;

	if ((table = quote(r, a, naming_section_table(a, s->key))) == NULL)
		return -1;
	cs->ident = arena_printf(a, "%s.%s", schema, table);
	q = arena_alloc(a, (s->nfields + 1) * sizeof(*q));
	for (i = 0; i < s->nfields; i++)
		if ((q[i] = quote(r, a, s->fields[i].key)) == NULL)
			return -1;
	JOIN(a, cols, s->nfields, "", arena_printf(a, ", %s", q[i_]));
	JOIN(a, reads, s->nfields, "",
	    arena_printf(a, ", %s", read_expr(a, q[i_], s->fields[i_].type)));
	JOIN(a, vals, s->nfields, "", arena_printf(a, ", x.%s", q[i_]));
	JOIN(a, sets, s->nfields, "", arena_printf(a, ", %s = EXCLUDED.%s", q[i_], q[i_]));
	stmt_init(a, &cs->read, arena_printf(a, "%s:read", tag),
	    arena_printf(a, "SELECT _revision::text%s FROM %s WHERE _entry_id = $1::uuid", reads,
		cs->ident));
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
		if (build_table(r, a, schema, s, &cs->tables[i],
			arena_printf(a, "%s:%s", tag, s->tables[i].key)) != 0)
			return -1;
	}
	return 0;
}

int
tcache_entry_column(const struct tc_version *v, size_t section)
{
	size_t i;
	int    col = 6;

	for (i = 0; i < section; i++)
		col += 6 + (int)v->def->sections[i].ntables;
	return col;
}

/* ARRAY[<read_expr of each column, qualified by alias>] */
static char *
text_array(
    struct request *r, struct arena *a, const char *alias, const struct tpl_field *fields, size_t n)
{
	struct sbuf out = { 0 };
	size_t      i;

	if (n == 0)
		return "NULL::text[]";
	sbuf_add(&out, "ARRAY[");
	for (i = 0; i < n; i++) {
		char *q = quote(r, a, fields[i].key);

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

static int
build_entry_read(struct request *r, struct arena *a, struct tc_version *v, const char *tag)
{
	struct sbuf cols = { 0 }, joins = { 0 };
	char       *arr;
	size_t      s, t;

	v->read_entry_params = arena_zalloc(a, (v->def->nsections + 1) * sizeof(char *));
	for (s = 0; s < v->def->nsections; s++) {
		const struct tc_section *cs = &v->sections[s];
		const char *sa = arena_printf(a, "s%zu", s), *da = arena_printf(a, "d%zu", s);

		v->read_entry_params[s + 1] = cs->def->key;
		if ((arr = text_array(r, a, da, cs->def->fields, cs->def->nfields)) == NULL)
			goto fail;
		sbuf_printf(&cols, a,
		    ", %s.state, %s.revision::text, %s.etag::text, %s.updated_by,"
		    " %s.updated_at::text, %s::text",
		    sa, sa, sa, sa, sa, arr);
		sbuf_printf(&joins, a,
		    " LEFT JOIN public.entry_sections %s ON %s.entry_id = e.id"
		    " AND %s.section = $%zu LEFT JOIN %s %s ON %s._entry_id = e.id",
		    sa, sa, sa, s + 2, cs->ident, da, da);
		for (t = 0; t < cs->def->ntables; t++) {
			const struct tc_table *ct = &cs->tables[t];

			if ((arr = text_array(r, a, "c", ct->def->columns, ct->def->ncolumns)) ==
			    NULL)
				goto fail;
			sbuf_printf(&cols, a,
			    ", (SELECT json_agg(%s ORDER BY c._row_no) FROM %s c"
			    " WHERE c._entry_id = e.id)::text",
			    arr, ct->ident);
		}
	}
	stmt_init(a, &v->read_entry, arena_printf(a, "%s:entry", tag),
	    arena_printf(a,
		"SELECT e.template_key, e.template_version::text, e.title, e.created_by,"
		" e.created_at::text, e.updated_at::text%s FROM public.entries e%s WHERE e.id = $1::uuid",
		sbuf_take(&cols, a), sbuf_take(&joins, a)));
	return 0;
fail:
	free(cols.p);
	free(joins.p);
	return -1;
}

static struct tc_version *
load(struct request *r, const char *key, int version)
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
	if ((res = db_exec(r, &stmt_definition, 2, params)) == NULL)
		return NULL;
	if (PQntuples(res) == 0)
		return PROBLEM(r, 404, "not-found", "template '%s' has no published version %d",
			   key, version),
		       NULL;
	doc = json_own(r,
	    json_number_parse(PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0), 64,
		JSON_TOKENER_STRICT, &jerr));
	verr_init(&errs, r->arena);
	if (doc == NULL || (def = tpl_def_parse(doc, &errs)) == NULL)
		return PROBLEM(r, 500, "internal", "stored definition of %s v%d does not parse",
			   key, version),
		       NULL;
	a = &def->arena;
	generation++;
	v = arena_zalloc(a, sizeof(*v));
	v->key = def->key;
	v->version = version;
	v->def = def;
	v->sections = arena_zalloc(a, def->nsections * sizeof(*v->sections) + 1);
	if ((schema = quote(r, a, naming_schema(a, def->key))) == NULL)
		goto fail;
	for (i = 0; i < def->nsections; i++) {
		v->sections[i].def = &def->sections[i];
		if (build_section(r, a, schema, &v->sections[i],
			arena_printf(a, "%s:%d:%s", key, version, def->sections[i].key)) != 0)
			goto fail;
	}
	if (build_entry_read(r, a, v, arena_printf(a, "%s:%d", key, version)) != 0)
		goto fail;
	return v;
fail:
	tpl_def_free(def);
	return PROBLEM(r, 500, "internal", "cannot quote identifiers: %s",
		   PQerrorMessage(r->app->db.conn)),
	       NULL;
}

struct tc_version *
tcache_get(struct request *r, const char *key, int version)
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
	if ((v = load(r, key, version)) == NULL)
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
