/* schema_apply.c — see schema_apply.h. */
#include "logbook/store/schema_apply.h"

#include <stdlib.h>
#include <string.h>

#include "logbook/core/arena.h"
#include "logbook/domain/schema_plan.h"
#include "logbook/store/db.h"

DB_STMT(stmt_attach, "SELECT audit_attach($1, $2, $3)");

/* The planner's quoter is db_quote_ident / db_quote_literal: the text lands in the arena,
 * so there is nothing to release. */
struct quoter_ctx {
	struct db      *db;
	struct arena   *arena;
	struct db_error error;
};

static char *
quote_ident(void *ctx, const char *s)
{
	struct quoter_ctx *q = ctx;

	return db_quote_ident(q->db, q->arena, &q->error, s);
}

static char *
quote_literal(void *ctx, const char *s)
{
	struct quoter_ctx *q = ctx;

	return db_quote_literal(q->db, q->arena, &q->error, s);
}

static void
release(void *ctx, char *quoted)
{
	(void)ctx;
	(void)quoted;
}

void
db_sql_quoter(struct db *db, struct arena *a, struct sql_quoter *q)
{
	struct quoter_ctx *ctx = arena_zalloc(a, sizeof(*ctx));

	ctx->db = db;
	ctx->arena = a;
	q->quote_ident = quote_ident;
	q->quote_literal = quote_literal;
	q->release = release;
	q->ctx = ctx;
}

/* Column 0 the count, column 1 a text[] of entry ids ("{uuid,uuid}"). */
static void
conflict_read(struct arena *a, const PGresult *res, struct plan_conflict *c)
{
	char  *list, *tok, *save = NULL;
	size_t cap;

	c->count = atoll(PQgetvalue(res, 0, 0));
	if (c->count == 0 || PQgetisnull(res, 0, 1))
		return;
	list = arena_strdup(a, PQgetvalue(res, 0, 1));
	cap = 1;
	for (tok = list; *tok != '\0'; tok++)
		cap += *tok == ',';
	c->examples = arena_zalloc(a, (cap + 1) * sizeof(*c->examples));
	if (list[0] == '{')
		list++;
	list[strcspn(list, "}")] = '\0';
	for (tok = strtok_r(list, ",", &save); tok != NULL && c->nexamples < cap;
	     tok = strtok_r(NULL, ",", &save))
		c->examples[c->nexamples++] = tok;
}

int
schema_conflicts(struct db *db, struct arena *a, struct db_error *e, const struct schema_plan *plan,
    struct plan_conflict *out)
{
	struct db_batch b;
	int            *idx = arena_alloc(a, (plan->nops + 1) * sizeof(int));
	size_t          i;

	db_batch_init(&b, a);
	for (i = 0; i < plan->nops; i++) {
		memset(&out[i], 0, sizeof(out[i]));
		idx[i] = plan->ops[i].conflict_sql != NULL
		    ? db_batch_add_sql(&b, plan->ops[i].conflict_sql, 0, NULL)
		    : -1;
	}
	if (b.n == 0)
		return 0;
	if (db_batch_run(db, a, e, &b) != 0)
		return -1;
	for (i = 0; i < plan->nops; i++)
		if (idx[i] >= 0 && b.res[idx[i]] != NULL && PQntuples(b.res[idx[i]]) == 1)
			conflict_read(a, b.res[idx[i]], &out[i]);
	return 0;
}

int
schema_apply(struct db *db, struct arena *a, struct db_error *e, const struct schema_plan *plan,
    size_t *failed)
{
	size_t i;

	for (i = 0; i < plan->nops; i++)
		if (db_exec_sql(db, a, e, plan->ops[i].sql, 0, NULL) == NULL) {
			*failed = i;
			return -1;
		}
	return 0;
}

int
schema_attach_audit(struct db *db, struct arena *a, struct db_error *e, const char *schema,
    const char *table, const char *section)
{
	const char *p[3] = { schema, table, section };

	return db_exec(db, a, e, &stmt_attach, 3, p) != NULL ? 0 : -1;
}
