/* schema_plan.h — the DDL that publishing a template version needs, as an ordered plan.
 *
 * Input: the versions published so far (oldest first; none for a first publish) and the
 * version to publish. The planner folds the published ones into the current PostgreSQL
 * shape (phys_schema.h) — so a field removed in v2 and added again in v3 finds its kept
 * column — and diffs that with the shape the new version asks for.
 *
 * Shape (naming.h for names; every identifier goes through quote_ident):
 *   section table  "_entry_id" uuid PRIMARY KEY REFERENCES "public"."entries" ("id"),
 *                  "_revision" integer NOT NULL, then one column per field
 *   child table    "_entry_id" uuid NOT NULL REFERENCES <schema>.<section table>
 *                  ("_entry_id") ON DELETE CASCADE, "_row_no" integer NOT NULL, the columns,
 *                  PRIMARY KEY ("_entry_id", "_row_no") (whose index serves the FK)
 *   types          text text, integer bigint, decimal numeric, boolean boolean, date date,
 *                  time time, datetime timestamptz, choice text, multichoice text[]
 *   required       NOT NULL; `default` a column DEFAULT (so a new required field with a
 *                  default fills existing rows)
 *   CHECKs         named <column>__<kind>: min/max `c >= '5'::bigint`, min_length/max_length
 *                  `char_length(c) <= '3'::integer`, choices `c IN ('a', 'b')` or
 *                  `c <@ ARRAY['a', 'b']::text[]`. Patterns are not enforced by PostgreSQL
 *                  (its regex dialect differs from POSIX ERE); the value engine checks them.
 *
 * Rules: additive changes (new section, table, optional field; relaxed constraint) apply in
 * place with no conflict query. Changes existing rows may violate carry conflict_sql: a new
 * NOT NULL column without default, NOT NULL on an existing column, a new or tightened CHECK
 * (narrower bounds, removed choice), a narrowing type change. Type changes:
 *   to text from integer, decimal, boolean, date, time, datetime, choice: USING c::text
 *   integer -> decimal: USING c::numeric; choice/text -> multichoice: USING ARRAY[c]
 *   text/choice -> integer or decimal, decimal -> integer: USING a cast, with a conflict
 *   query for values that do not convert (text -> integer: c !~ '^-?[0-9]+$' or out of
 *   the bigint range)
 *   anything else is refused (error `type_change`: use a new key).
 * A removed field keeps its column (never dropped): drop NOT NULL (and its DEFAULT) so new
 * entries without it insert. A removed section or table keeps its table untouched.
 *
 * Conflict queries are all written against the schema as it is BEFORE the plan runs: the
 * store runs every conflict_sql first (inside the publish transaction), reports those that
 * count rows > 0 as conflicts (409 / dry-run), and otherwise executes every sql in order.
 * Each returns one row: count bigint, examples uuid[] (up to 5 distinct _entry_id, sorted):
 *   SELECT count(*), (array_agg(DISTINCT "_entry_id" ORDER BY "_entry_id"))[1:5]
 *   FROM "tpl_t"."s" WHERE <violation>
 * Labels, titles and help never reach any SQL; keys do, quoted. Descriptions name keys only. */
#ifndef LOGBOOK_DOMAIN_SCHEMA_PLAN_H
#define LOGBOOK_DOMAIN_SCHEMA_PLAN_H

#include <json-c/json.h>
#include <stddef.h>

#include "logbook/domain/template_def.h"
#include "logbook/domain/verr.h"

struct arena;

/* DDL cannot take parameters, so identifiers and literals are rendered by the caller's
 * quoting (the store passes PQescapeIdentifier/PQescapeLiteral wrappers). Each callback
 * returns a new string (NULL on failure) that the planner copies and then hands to
 * release, or to free() when release is NULL (for PQescape*, pass a release calling
 * PQfreemem). */
struct sql_quoter {
	char *(*quote_ident)(void *ctx, const char *s);
	char *(*quote_literal)(void *ctx, const char *s);
	void (*release)(void *ctx, char *quoted);
	void *ctx;
};

enum plan_op_kind {
	PLAN_CREATE_SCHEMA,
	PLAN_CREATE_TABLE,
	PLAN_ADD_COLUMN,
	PLAN_DROP_CHECK,
	PLAN_DROP_DEFAULT,
	PLAN_ALTER_TYPE,
	PLAN_SET_DEFAULT,
	PLAN_DROP_NOT_NULL,
	PLAN_SET_NOT_NULL,
	PLAN_ADD_CHECK,
	PLAN_OP_KIND_COUNT
};

struct plan_op {
	enum plan_op_kind kind;
	const char       *description;  /* "add column temperature numeric to section shift" */
	const char       *sql;          /* one statement, no trailing semicolon */
	const char       *conflict_sql; /* NULL when existing rows cannot violate the change */
	const char       *table;        /* physical table (unquoted); NULL for create_schema */
	const char       *column;       /* NULL unless the operation is about one column */
};

struct schema_plan {
	struct plan_op *ops;
	size_t          nops;
};

/* Builds the plan for publishing next after published[0..npublished) (oldest first; all
 * versions of the same template, still alive during the call). Everything in *out lives in
 * a. Returns 0; -1 when next cannot be applied, with `type_change` errors appended to errs
 * (paths into next, e.g. sections[0].fields[2].type); -2 when a quote callback failed. */
int schema_plan_build(const struct tpl_def *const *published, size_t npublished,
    const struct tpl_def *next, const struct sql_quoter *q, struct arena *a, struct verr_list *errs,
    struct schema_plan *out);

/* "create_schema", "create_table", "add_column", "drop_check", "drop_default",
 * "alter_type", "set_default", "drop_not_null", "set_not_null", "add_check". */
const char *plan_op_kind_name(enum plan_op_kind k);

/* The plan as the API's `operations` array: [{"kind","description","sql",
 * "checks_existing_rows": bool}]. New reference. */
json_object *schema_plan_operations_json(const struct schema_plan *plan);

#endif
