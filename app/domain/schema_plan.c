/* schema_plan.c — diff the published PostgreSQL shape with a new definition into ordered DDL
 * operations with conflict queries; see schema_plan.h. */
#include "logbook/domain/schema_plan.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logbook/core/arena.h"
#include "logbook/domain/field_value.h"
#include "logbook/domain/naming.h"
#include "logbook/domain/phys_schema.h"

static const char *const op_kind_names[PLAN_OP_KIND_COUNT] = {
	[PLAN_CREATE_SCHEMA] = "create_schema",
	[PLAN_CREATE_TABLE] = "create_table",
	[PLAN_ADD_COLUMN] = "add_column",
	[PLAN_DROP_CHECK] = "drop_check",
	[PLAN_DROP_DEFAULT] = "drop_default",
	[PLAN_ALTER_TYPE] = "alter_type",
	[PLAN_SET_DEFAULT] = "set_default",
	[PLAN_DROP_NOT_NULL] = "drop_not_null",
	[PLAN_SET_NOT_NULL] = "set_not_null",
	[PLAN_ADD_CHECK] = "add_check",
};

/* bigint's range as numeric literals, for conversion checks. */
#define BIGINT_MIN_TEXT "-9223372036854775808"
#define BIGINT_MAX_TEXT "9223372036854775807"

const char *
plan_op_kind_name(enum plan_op_kind k)
{
	return (unsigned)k < PLAN_OP_KIND_COUNT ? op_kind_names[k] : NULL;
}

/* A growing SQL text. Quoting failures are remembered and reported at the end, so the
 * builders below stay straight-line. */
struct sql {
	char                    *buf; /* malloc'd */
	size_t                   len, cap;
	const struct sql_quoter *q;
	bool                     failed;
};

static void
sql_init(struct sql *s, const struct sql_quoter *q)
{
	s->buf = NULL;
	s->len = s->cap = 0;
	s->q = q;
	s->failed = false;
}

static void
sql_put(struct sql *s, const char *text)
{
	size_t n = strlen(text);

	if (s->len + n + 1 > s->cap) {
		size_t cap = s->cap == 0 ? 256 : s->cap;
		char  *buf;

		while (s->len + n + 1 > cap)
			cap *= 2;
		if ((buf = realloc(s->buf, cap)) == NULL)
			abort(); /* the arena's out-of-memory policy */
		s->buf = buf;
		s->cap = cap;
	}
	memcpy(s->buf + s->len, text, n + 1);
	s->len += n;
}

static void __attribute__((format(printf, 2, 3))) sql_putf(struct sql *s, const char *fmt, ...)
{
	va_list ap;
	int     n;
	char   *text;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || (text = malloc((size_t)n + 1)) == NULL)
		abort(); /* the arena's out-of-memory policy */
	va_start(ap, fmt);
	vsnprintf(text, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sql_put(s, text);
	free(text);
}

static void
sql_quoted(struct sql *s, char *(*quote)(void *, const char *), const char *text)
{
	char *quoted = quote(s->q->ctx, text);

	if (quoted == NULL) {
		s->failed = true;
		return;
	}
	sql_put(s, quoted);
	if (s->q->release != NULL)
		s->q->release(s->q->ctx, quoted);
	else
		free(quoted);
}

static void
sql_ident(struct sql *s, const char *name)
{
	sql_quoted(s, s->q->quote_ident, name);
}

/* A literal with an explicit cast: 'text'::type. */
static void
sql_literal(struct sql *s, const char *text, const char *type)
{
	sql_quoted(s, s->q->quote_literal, text);
	sql_put(s, "::");
	sql_put(s, type);
}

/* Moves the text into a (NULL when a quote failed) and frees the buffer. */
static char *
sql_finish(struct sql *s, struct arena *a)
{
	char *out = s->failed ? NULL : arena_strdup(a, s->buf != NULL ? s->buf : "");

	free(s->buf);
	s->buf = NULL;
	return out;
}

struct planner {
	struct arena            *a;
	const struct sql_quoter *q;
	struct verr_list        *errs;
	const struct tpl_def    *next;
	const char              *schema;
	struct plan_op          *ops;
	size_t                   nops, cap;
	bool                     quote_failed;
	bool                     refused;
};

static const char *
where_of(struct planner *pl, const struct phys_table *t)
{
	if (t->table_key != NULL)
		return arena_printf(pl->a, "table %s of section %s", t->table_key, t->section_key);
	return arena_printf(pl->a, "section %s", t->section_key);
}

/* Appends an operation; ddl and conflict (may be NULL) are consumed. */
static void
add_op(struct planner *pl, enum plan_op_kind kind, const struct phys_table *t, const char *column,
    const char *description, struct sql *ddl, struct sql *conflict)
{
	struct plan_op *op;

	if (pl->nops == pl->cap) {
		size_t          cap = pl->cap == 0 ? 16 : pl->cap * 2;
		struct plan_op *ops = arena_alloc(pl->a, cap * sizeof(*ops));

		if (pl->nops > 0)
			memcpy(ops, pl->ops, pl->nops * sizeof(*ops));
		pl->ops = ops;
		pl->cap = cap;
	}
	op = &pl->ops[pl->nops++];
	op->kind = kind;
	op->description = description;
	op->table = t != NULL ? t->name : NULL;
	op->column = column;
	op->sql = sql_finish(ddl, pl->a);
	op->conflict_sql = conflict != NULL ? sql_finish(conflict, pl->a) : NULL;
	if (op->sql == NULL || (conflict != NULL && op->conflict_sql == NULL))
		pl->quote_failed = true;
}

static void
put_table_ref(struct sql *s, struct planner *pl, const char *table)
{
	sql_ident(s, pl->schema);
	sql_put(s, ".");
	sql_ident(s, table);
}

/* Starts "ALTER TABLE <schema>.<table> " */
static void
alter_table(struct sql *s, struct planner *pl, const struct phys_table *t)
{
	sql_put(s, "ALTER TABLE ");
	put_table_ref(s, pl, t->name);
	sql_put(s, " ");
}

/* Starts a conflict query over t; the caller appends " WHERE ..." (or nothing: all rows). */
static void
conflict_begin(struct sql *s, struct planner *pl, const struct phys_table *t)
{
	sql_init(s, pl->q);
	sql_put(s, "SELECT count(*), (array_agg(DISTINCT ");
	sql_ident(s, COL_ENTRY_ID);
	sql_put(s, " ORDER BY ");
	sql_ident(s, COL_ENTRY_ID);
	sql_put(s, "))[1:5] FROM ");
	put_table_ref(s, pl, t->name);
}

/* The SQL type of a column's field type. */
static const char *
sql_type(enum field_type ft)
{
	return col_type_sql(col_type_of(ft));
}

/* Writes the CHECK condition of kind k over the value expression v. */
static void
put_check_expr(
    struct sql *s, enum check_kind k, const struct phys_check *c, enum field_type ft, const char *v)
{
	size_t i;

	switch (k) {
	case CHECK_MIN:
	case CHECK_MAX:
		sql_put(s, v);
		sql_put(s, k == CHECK_MIN ? " >= " : " <= ");
		sql_literal(s, c->bound.text, sql_type(ft));
		break;
	case CHECK_MIN_LENGTH:
	case CHECK_MAX_LENGTH:
		sql_put(s, "char_length(");
		sql_put(s, v);
		sql_put(s, k == CHECK_MIN_LENGTH ? ") >= " : ") <= ");
		sql_literal(s, c->bound.text, "integer");
		break;
	case CHECK_CHOICES:
		sql_put(s, v);
		sql_put(s, ft == FIELD_MULTICHOICE ? " <@ ARRAY[" : " IN (");
		for (i = 0; i < c->nchoices; i++) {
			if (i > 0)
				sql_put(s, ", ");
			sql_quoted(s, s->q->quote_literal, c->choices[i]);
		}
		sql_put(s, ft == FIELD_MULTICHOICE ? "]::text[]" : ")");
		break;
	case CHECK_KIND_COUNT:
		break;
	}
}

/* Every value old allows, new allows too (same column type). */
static bool
check_relaxes(enum check_kind k, enum field_type ft, const struct phys_check *old,
    const struct phys_check *new)
{
	size_t i, j;

	switch (k) {
	case CHECK_MIN:
		return field_value_cmp(ft, new->bound.text, new->bound.ord, &old->bound) <= 0;
	case CHECK_MAX:
		return field_value_cmp(ft, new->bound.text, new->bound.ord, &old->bound) >= 0;
	case CHECK_MIN_LENGTH:
		return new->bound.ord <= old->bound.ord;
	case CHECK_MAX_LENGTH:
		return new->bound.ord >= old->bound.ord;
	case CHECK_CHOICES:
		for (i = 0; i < old->nchoices; i++) {
			for (j = 0; j < new->nchoices; j++)
				if (strcmp(old->choices[i], new->choices[j]) == 0)
					break;
			if (j == new->nchoices)
				return false;
		}
		return true;
	case CHECK_KIND_COUNT:
		break;
	}
	return false;
}

enum conversion {
	CONV_NONE,
	CONV_WIDEN,  /* every existing value converts */
	CONV_NARROW, /* some values may not: conflict query */
	CONV_REFUSED,
};

static enum conversion
classify(enum col_type from, enum col_type to)
{
	if (from == to)
		return CONV_NONE;
	if (to == COL_TEXT)
		return from == COL_TEXT_ARRAY ? CONV_REFUSED : CONV_WIDEN;
	if ((from == COL_BIGINT && to == COL_NUMERIC) || (from == COL_TEXT && to == COL_TEXT_ARRAY))
		return CONV_WIDEN;
	if ((from == COL_TEXT && (to == COL_BIGINT || to == COL_NUMERIC)) ||
	    (from == COL_NUMERIC && to == COL_BIGINT))
		return CONV_NARROW;
	return CONV_REFUSED;
}

/* The USING expression converting the quoted column c. */
static void
put_using(struct sql *s, const char *c, enum col_type from, enum col_type to)
{
	(void)from;
	if (to == COL_TEXT_ARRAY)
		sql_putf(s, "CASE WHEN %s IS NULL THEN NULL ELSE ARRAY[%s] END", c, c);
	else
		sql_putf(s, "%s::%s", c, col_type_sql(to));
}

/* The condition true for a non-null value of c that does not convert (narrowing only). */
static void
put_unconvertible(struct sql *s, const char *c, enum col_type from, enum col_type to)
{
	if (from == COL_NUMERIC) { /* -> bigint */
		sql_putf(s, "(%s <> trunc(%s) OR %s NOT BETWEEN ", c, c, c);
		sql_literal(s, BIGINT_MIN_TEXT, "numeric");
		sql_put(s, " AND ");
		sql_literal(s, BIGINT_MAX_TEXT, "numeric");
		sql_put(s, ")");
	} else if (to == COL_BIGINT) { /* text -> bigint; the CASE keeps the cast safe */
		sql_putf(s, "(%s !~ ", c);
		sql_quoted(s, s->q->quote_literal, "^-?[0-9]+$");
		sql_putf(s, " OR CASE WHEN %s ~ ", c);
		sql_quoted(s, s->q->quote_literal, "^-?[0-9]+$");
		sql_putf(s, " THEN %s::numeric NOT BETWEEN ", c);
		sql_literal(s, BIGINT_MIN_TEXT, "numeric");
		sql_put(s, " AND ");
		sql_literal(s, BIGINT_MAX_TEXT, "numeric");
		sql_put(s, " END)");
	} else { /* text -> numeric, within the value engine's decimal limits */
		sql_putf(s, "(%s !~ ", c);
		sql_quoted(s, s->q->quote_literal, "^-?[0-9]{1,38}(\\.[0-9]{1,18})?$");
		sql_put(s, ")");
	}
}

/* Writes the value of c as the new type, NULL where it does not convert: what checks on
 * the new column will see, computed from the column as it is now. */
static char *
converted_value(
    struct planner *pl, const char *c, enum conversion conv, enum col_type from, enum col_type to)
{
	struct sql s;

	sql_init(&s, pl->q);
	if (conv == CONV_NONE)
		sql_put(&s, c);
	else if (conv == CONV_WIDEN)
		put_using(&s, c, from, to);
	else {
		sql_put(&s, "CASE WHEN NOT ");
		put_unconvertible(&s, c, from, to);
		sql_put(&s, " THEN ");
		put_using(&s, c, from, to);
		sql_put(&s, " END");
	}
	return sql_finish(&s, pl->a);
}

static char *
quote_ident_text(struct planner *pl, const char *name)
{
	struct sql s;

	sql_init(&s, pl->q);
	sql_ident(&s, name);
	return sql_finish(&s, pl->a);
}

/* `"c" type [NOT NULL] [DEFAULT 'x'::type]` */
static void
put_column_def(struct sql *s, const struct phys_column *c)
{
	sql_ident(s, c->name);
	sql_put(s, " ");
	sql_put(s, sql_type(c->ftype));
	if (c->not_null)
		sql_put(s, " NOT NULL");
	if (c->default_text != NULL) {
		sql_put(s, " DEFAULT ");
		sql_literal(s, c->default_text, sql_type(c->ftype));
	}
}

static void
put_constraint(struct sql *s, struct planner *pl, const struct phys_column *c, enum check_kind k,
    const char *qc)
{
	sql_put(s, "CONSTRAINT ");
	sql_ident(s, naming_check(pl->a, c->name, check_kind_name(k)));
	sql_put(s, " CHECK (");
	put_check_expr(s, k, &c->checks[k], c->ftype, qc);
	sql_put(s, ")");
}

static void
plan_create_table(struct planner *pl, const struct phys_table *t, const char *parent)
{
	struct sql s;
	size_t     i;
	int        k;

	sql_init(&s, pl->q);
	sql_put(&s, "CREATE TABLE ");
	put_table_ref(&s, pl, t->name);
	sql_put(&s, " (");
	sql_ident(&s, COL_ENTRY_ID);
	if (parent == NULL) {
		sql_put(&s, " uuid PRIMARY KEY REFERENCES ");
		sql_ident(&s, "public");
		sql_put(&s, ".");
		sql_ident(&s, "entries");
		sql_put(&s, " (");
		sql_ident(&s, "id");
		sql_put(&s, "), ");
		sql_ident(&s, COL_REVISION);
	} else {
		sql_put(&s, " uuid NOT NULL REFERENCES ");
		put_table_ref(&s, pl, parent);
		sql_put(&s, " (");
		sql_ident(&s, COL_ENTRY_ID);
		sql_put(&s, ") ON DELETE CASCADE, ");
		sql_ident(&s, COL_ROW_NO);
	}
	sql_put(&s, " integer NOT NULL");
	for (i = 0; i < t->ncolumns; i++) {
		sql_put(&s, ", ");
		put_column_def(&s, &t->columns[i]);
	}
	if (parent != NULL) {
		sql_put(&s, ", PRIMARY KEY (");
		sql_ident(&s, COL_ENTRY_ID);
		sql_put(&s, ", ");
		sql_ident(&s, COL_ROW_NO);
		sql_put(&s, ")");
	}
	for (i = 0; i < t->ncolumns; i++) {
		const struct phys_column *c = &t->columns[i];
		char                     *qc = NULL;

		for (k = 0; k < CHECK_KIND_COUNT; k++) {
			if (!c->checks[k].set)
				continue;
			if (qc == NULL && (qc = quote_ident_text(pl, c->name)) == NULL) {
				pl->quote_failed = true;
				break;
			}
			sql_put(&s, ", ");
			put_constraint(&s, pl, c, (enum check_kind)k, qc);
		}
	}
	sql_put(&s, ")");
	add_op(pl, PLAN_CREATE_TABLE, t, NULL,
	    arena_printf(pl->a, "create table %s for %s", t->name, where_of(pl, t)), &s, NULL);
}

static void
plan_add_column(
    struct planner *pl, const struct phys_table *t, const struct phys_column *c, const char *qc)
{
	struct sql s, conflict, *cp = NULL;
	int        k;

	sql_init(&s, pl->q);
	alter_table(&s, pl, t);
	sql_put(&s, "ADD COLUMN ");
	put_column_def(&s, c);
	if (c->not_null && c->default_text == NULL) {
		conflict_begin(&conflict, pl, t); /* every existing row would hold NULL */
		cp = &conflict;
	}
	add_op(pl, PLAN_ADD_COLUMN, t, c->name,
	    arena_printf(
		pl->a, "add column %s %s to %s", c->name, sql_type(c->ftype), where_of(pl, t)),
	    &s, cp);
	/* Existing rows hold NULL or the default, which the field's own checks accept. */
	for (k = 0; k < CHECK_KIND_COUNT; k++) {
		if (!c->checks[k].set)
			continue;
		sql_init(&s, pl->q);
		alter_table(&s, pl, t);
		sql_put(&s, "ADD ");
		put_constraint(&s, pl, c, (enum check_kind)k, qc);
		add_op(pl, PLAN_ADD_CHECK, t, c->name,
		    arena_printf(pl->a, "add check %s on column %s of %s", check_kind_name(k),
			c->name, where_of(pl, t)),
		    &s, NULL);
	}
}

static void
refuse_type_change(struct planner *pl, const struct phys_table *t, const struct phys_column *co,
    const struct phys_column *cn)
{
	/* sections[i].fields[j] or sections[i].tables[k].columns[j], as named nodes: compound
	 * literals would end with the if-branch that made them. */
	struct vpath sections = { NULL, "sections", 0 }, section = { &sections, NULL, 0 };
	struct vpath tables = { &section, "tables", 0 }, table = { &tables, NULL, 0 };
	struct vpath list = { &section, "fields", 0 }, field = { &list, NULL, 0 };

	section.index = t->section_index;
	if (t->table_index != SIZE_MAX) {
		table.index = t->table_index;
		list.up = &table;
		list.member = "columns";
	}
	field.index = cn->field_index;
	verr_add(pl->errs, VPATH_MEMBER(&field, "type"), "type_change",
	    "cannot change column %s from %s to %s with data kept; use a new key", cn->name,
	    field_type_name(co->ftype), field_type_name(cn->ftype));
	pl->refused = true;
}

/* Diffs one existing column (co) with what the definition asks (cn). */
static void
plan_change_column(struct planner *pl, const struct phys_table *t, const struct phys_column *co,
    const struct phys_column *cn, const char *qc)
{
	enum col_type   from = col_type_of(co->ftype), to = col_type_of(cn->ftype);
	enum conversion conv = classify(from, to);
	bool            type_change = conv != CONV_NONE;
	bool            drop[CHECK_KIND_COUNT] = { 0 }, add[CHECK_KIND_COUNT] = { 0 };
	bool            needs_conflict[CHECK_KIND_COUNT] = { 0 };
	char           *value = NULL;
	const char     *where = where_of(pl, t);
	struct sql      s, conflict;
	int             k;

	if (conv == CONV_REFUSED) {
		refuse_type_change(pl, t, co, cn);
		return;
	}
	for (k = 0; k < CHECK_KIND_COUNT; k++) {
		const struct phys_check *o = &co->checks[k], *n = &cn->checks[k];
		bool                     same = false, relaxed = false;

		if (o->set && n->set && !type_change) {
			relaxed = check_relaxes((enum check_kind)k, cn->ftype, o, n);
			same = relaxed && check_relaxes((enum check_kind)k, cn->ftype, n, o);
		}
		if (same)
			continue;
		drop[k] = o->set;
		add[k] = n->set;
		needs_conflict[k] = n->set && !relaxed;
	}

	for (k = 0; k < CHECK_KIND_COUNT; k++) {
		if (!drop[k])
			continue;
		sql_init(&s, pl->q);
		alter_table(&s, pl, t);
		sql_put(&s, "DROP CONSTRAINT ");
		sql_ident(&s, naming_check(pl->a, co->name, check_kind_name(k)));
		add_op(pl, PLAN_DROP_CHECK, t, co->name,
		    arena_printf(pl->a, "drop check %s on column %s of %s", check_kind_name(k),
			co->name, where),
		    &s, NULL);
	}
	if (co->default_text != NULL && (cn->default_text == NULL || type_change)) {
		sql_init(&s, pl->q);
		alter_table(&s, pl, t);
		sql_putf(&s, "ALTER COLUMN %s DROP DEFAULT", qc);
		add_op(pl, PLAN_DROP_DEFAULT, t, co->name,
		    arena_printf(pl->a, "drop the default of column %s of %s", co->name, where), &s,
		    NULL);
	}
	if (type_change) {
		struct sql *cp = NULL;

		sql_init(&s, pl->q);
		alter_table(&s, pl, t);
		sql_putf(&s, "ALTER COLUMN %s TYPE %s USING ", qc, col_type_sql(to));
		put_using(&s, qc, from, to);
		if (conv == CONV_NARROW) {
			conflict_begin(&conflict, pl, t);
			sql_putf(&conflict, " WHERE %s IS NOT NULL AND ", qc);
			put_unconvertible(&conflict, qc, from, to);
			cp = &conflict;
		}
		add_op(pl, PLAN_ALTER_TYPE, t, co->name,
		    arena_printf(pl->a, "change column %s of %s from %s to %s", co->name, where,
			col_type_sql(from), col_type_sql(to)),
		    &s, cp);
	}
	if (cn->default_text != NULL &&
	    (type_change || co->default_text == NULL ||
		strcmp(co->default_text, cn->default_text) != 0)) {
		sql_init(&s, pl->q);
		alter_table(&s, pl, t);
		sql_putf(&s, "ALTER COLUMN %s SET DEFAULT ", qc);
		sql_literal(&s, cn->default_text, col_type_sql(to));
		add_op(pl, PLAN_SET_DEFAULT, t, co->name,
		    arena_printf(pl->a, "set the default of column %s of %s", co->name, where), &s,
		    NULL);
	}
	if (co->not_null != cn->not_null) {
		struct sql *cp = NULL;

		sql_init(&s, pl->q);
		alter_table(&s, pl, t);
		sql_putf(&s, "ALTER COLUMN %s %s NOT NULL", qc, cn->not_null ? "SET" : "DROP");
		if (cn->not_null) {
			conflict_begin(&conflict, pl, t);
			sql_putf(&conflict, " WHERE %s IS NULL", qc);
			cp = &conflict;
		}
		add_op(pl, cn->not_null ? PLAN_SET_NOT_NULL : PLAN_DROP_NOT_NULL, t, co->name,
		    arena_printf(pl->a,
			cn->not_null ? "make column %s of %s NOT NULL (required)"
				     : "make column %s of %s nullable (no longer required)",
			co->name, where),
		    &s, cp);
	}
	for (k = 0; k < CHECK_KIND_COUNT; k++) {
		struct sql *cp = NULL;

		if (!add[k])
			continue;
		sql_init(&s, pl->q);
		alter_table(&s, pl, t);
		sql_put(&s, "ADD ");
		put_constraint(&s, pl, cn, (enum check_kind)k, qc);
		if (needs_conflict[k]) {
			if (value == NULL &&
			    (value = converted_value(pl, qc, conv, from, to)) == NULL) {
				pl->quote_failed = true;
				sql_finish(&s, pl->a);
				return;
			}
			conflict_begin(&conflict, pl, t);
			sql_put(&conflict, " WHERE (");
			put_check_expr(
			    &conflict, (enum check_kind)k, &cn->checks[k], cn->ftype, value);
			sql_put(&conflict, ") IS FALSE");
			cp = &conflict;
		}
		add_op(pl, PLAN_ADD_CHECK, t, cn->name,
		    arena_printf(pl->a, "add check %s on column %s of %s", check_kind_name(k),
			cn->name, where),
		    &s, cp);
	}
}

static void
plan_table(struct planner *pl, const struct phys_schema *old, const struct phys_schema *new,
    const char *name, const char *parent)
{
	const struct phys_table *told = phys_schema_table(old, name);
	const struct phys_table *tnew = phys_schema_table(new, name);
	size_t                   i;

	if (told == NULL) {
		plan_create_table(pl, tnew, parent);
		return;
	}
	for (i = 0; i < tnew->ncolumns; i++) {
		const struct phys_column *cn = &tnew->columns[i];
		const struct phys_column *co = phys_table_column(told, cn->name);
		char                     *qc = quote_ident_text(pl, cn->name);

		if (qc == NULL) {
			pl->quote_failed = true;
			return;
		}
		if (co == NULL)
			plan_add_column(pl, tnew, cn, qc);
		else
			plan_change_column(pl, tnew, co, cn, qc);
	}
}

/* Adds msg at the key of next's section (table SIZE_MAX) or of one of its tables. */
static void
error_at_key(
    struct verr_list *errs, size_t section, size_t table, const char *code, const char *msg)
{
	const struct vpath *sp = VPATH_INDEX(VPATH_MEMBER(NULL, "sections"), section);

	if (table == SIZE_MAX)
		verr_add(errs, VPATH_MEMBER(sp, "key"), code, "%s", msg);
	else
		verr_add(errs, VPATH_MEMBER(VPATH_INDEX(VPATH_MEMBER(sp, "tables"), table), "key"),
		    code, "%s", msg);
}

/* Whether next names t (so t's section_index and table_index point into next). */
static bool
phys_table_live(const struct tpl_def *next, const struct phys_table *t)
{
	const struct tpl_section *s;

	if (t->section_index >= next->nsections)
		return false;
	s = &next->sections[t->section_index];
	if (t->table_index == SIZE_MAX)
		return strcmp(s->phys_name, t->name) == 0;
	return t->table_index < s->ntables &&
	    strcmp(s->tables[t->table_index].phys_name, t->name) == 0;
}

/* Rules across versions (template_def.h, "Limits across versions"): a physical table name
 * belongs to one section or table for the template's life (section `a` with table `b__c` and
 * a later section `a__b__c` would share "a__b__c"); the schema holds at most
 * TPL_SCHEMA_TABLES_MAX tables; a table at most TPL_PHYS_COLUMNS_MAX columns, removed fields'
 * kept columns and the system columns included. Returns the number of errors added. */
static size_t
check_history(const struct phys_schema *old, const struct phys_schema *new,
    const struct tpl_def *next, struct verr_list *errs)
{
	size_t before = errs->count, i, j;

	for (i = 0; i < next->nsections; i++) {
		const struct tpl_section *s = &next->sections[i];

		for (j = 0; j <= s->ntables; j++) {
			const char *name = j == 0 ? s->phys_name : s->tables[j - 1].phys_name;
			const char *tkey = j == 0 ? NULL : s->tables[j - 1].key;
			const struct phys_table *t = phys_schema_table(old, name);

			if (t == NULL)
				continue;
			if (strcmp(t->section_key, s->key) == 0 &&
			    (t->table_key == NULL
				    ? tkey == NULL
				    : tkey != NULL && strcmp(t->table_key, tkey) == 0))
				continue;
			error_at_key(errs, i, j == 0 ? SIZE_MAX : j - 1, "collision",
			    arena_printf(errs->arena,
				"table name %s was used by %s %s%s%s in an earlier version", name,
				t->table_key != NULL ? "table" : "section",
				t->table_key != NULL ? t->table_key : t->section_key,
				t->table_key != NULL ? " of section " : "",
				t->table_key != NULL ? t->section_key : ""));
		}
	}
	if (new->ntables > TPL_SCHEMA_TABLES_MAX)
		verr_add(errs, VPATH_MEMBER(NULL, "sections"), "too_many",
		    "the template would have %zu tables over all its versions; at most %d",
		    new->ntables, TPL_SCHEMA_TABLES_MAX);
	for (i = 0; i < new->ntables; i++) {
		const struct phys_table *t = &new->tables[i];

		/* Tables next no longer names are not changed by this publish. */
		if (t->ncolumns + 2 > TPL_PHYS_COLUMNS_MAX && phys_table_live(next, t))
			error_at_key(errs, t->section_index, t->table_index, "too_many",
			    arena_printf(errs->arena,
				"table %s would have %zu columns (removed fields keep theirs); at "
				"most %d",
				t->name, t->ncolumns + 2, TPL_PHYS_COLUMNS_MAX));
	}
	return errs->count - before;
}

int
schema_plan_build(const struct tpl_def *const *published, size_t npublished,
    const struct tpl_def *next, const struct sql_quoter *q, struct arena *a, struct verr_list *errs,
    struct schema_plan *out)
{
	struct phys_schema old = { 0 }, folded, new;
	struct planner     pl = { 0 };
	struct sql         s;
	size_t             i, j;

	out->ops = NULL;
	out->nops = 0;
	for (i = 0; i < npublished; i++) {
		phys_schema_apply(a, &old, published[i], &folded);
		old = folded;
	}
	phys_schema_apply(a, &old, next, &new);
	if (check_history(&old, &new, next, errs) > 0)
		return -1;
	pl.a = a;
	pl.q = q;
	pl.errs = errs;
	pl.next = next;
	pl.schema = next->phys_schema;
	if (npublished == 0) {
		sql_init(&s, q);
		sql_put(&s, "CREATE SCHEMA ");
		sql_ident(&s, pl.schema);
		add_op(&pl, PLAN_CREATE_SCHEMA, NULL, NULL,
		    arena_printf(a, "create schema %s for template %s", pl.schema, next->key), &s,
		    NULL);
	}
	for (i = 0; i < next->nsections && !pl.quote_failed; i++) {
		const struct tpl_section *sec = &next->sections[i];

		plan_table(&pl, &old, &new, sec->phys_name, NULL);
		for (j = 0; j < sec->ntables && !pl.quote_failed; j++)
			plan_table(&pl, &old, &new, sec->tables[j].phys_name, sec->phys_name);
	}
	if (pl.quote_failed)
		return -2;
	if (pl.refused)
		return -1;
	out->ops = pl.ops;
	out->nops = pl.nops;
	return 0;
}

json_object *
schema_plan_operations_json(const struct schema_plan *plan)
{
	json_object *arr = json_object_new_array_ext((int)plan->nops);

	for (size_t i = 0; i < plan->nops; i++) {
		const struct plan_op *op = &plan->ops[i];
		json_object          *o = json_object_new_object();

		json_object_object_add(o, "kind", json_object_new_string(op_kind_names[op->kind]));
		json_object_object_add(o, "description", json_object_new_string(op->description));
		json_object_object_add(o, "sql", json_object_new_string(op->sql));
		json_object_object_add(
		    o, "checks_existing_rows", json_object_new_boolean(op->conflict_sql != NULL));
		json_object_array_add(arr, o);
	}
	return arr;
}
