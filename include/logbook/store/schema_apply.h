/* schema_apply.h — running a schema plan (domain/schema_plan.h) against the database, for
 * publishing a template version: the quoter the planner writes identifiers with, the conflict
 * queries, the DDL, and the audit trigger on new tables. All inside the caller's transaction. */
#ifndef LOGBOOK_SCHEMA_APPLY_H
#define LOGBOOK_SCHEMA_APPLY_H

#include <stddef.h>

#include "logbook/store/db_error.h"

struct arena;
struct db;
struct schema_plan;
struct sql_quoter;

/* The store's one identifier and literal quoter (db_quote_ident / db_quote_literal: libpq's
 * PQescapeIdentifier / PQescapeLiteral checked for NULL, freed with PQfreemem, copied into a)
 * as the planner wants it. Valid as long as the arena. */
void db_sql_quoter(struct db *db, struct arena *a, struct sql_quoter *q);

/* What one operation's conflict query found: how many entries the change would break, and
 * the ids of a few. count 0 for operations without a query. */
struct plan_conflict {
	long long    count;
	const char **examples; /* entry ids, arena strings */
	size_t       nexamples;
};

/* Runs every conflict query of the plan in one round trip; out has plan->nops slots.
 * 0, or -1 with e. */
int schema_conflicts(struct db *db, struct arena *a, struct db_error *e,
    const struct schema_plan *plan, struct plan_conflict *out);

/* Runs the plan's DDL in order. 0, or -1 with e and *failed the index of the operation that
 * failed (e->sqlstate and e->message say why). */
int schema_apply(struct db *db, struct arena *a, struct db_error *e, const struct schema_plan *plan,
    size_t *failed);

/* Installs the out-of-band audit trigger (audit_attach(), 006_audit_trail.sql) on a new
 * table of the schema; section is the section key it belongs to. 0, or -1 with e. */
int schema_attach_audit(struct db *db, struct arena *a, struct db_error *e, const char *schema,
    const char *table, const char *section);

#endif
