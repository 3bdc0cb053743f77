/* templates_publish.c — POST /api/v1/templates/{key}/versions/{n}/publish[?dry_run=true].
 *
 * One transaction: lock the template, plan the DDL from every version published so far and
 * the new one (schema_plan.h), run each operation's conflict query against the rows that
 * exist, then either report (dry run, or 409 with the conflicts) or run the DDL, attach the
 * audit trigger to new tables, mark the version published and write the audit row. Any
 * failure rolls all of it back: PostgreSQL's DDL is transactional. */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logbook/core/json_util.h"
#include "logbook/domain/json_number.h"
#include "logbook/domain/naming.h"
#include "logbook/domain/schema_plan.h"
#include "logbook/handlers/handlers.h"
#include "logbook/handlers/templates.h"
#include "logbook/http/http.h"
#include "logbook/store/audit_append.h"
#include "logbook/store/db.h"
#include "logbook/store/template_store.h"
#include "logbook/worker/app.h"

DB_STMT(stmt_published_definitions,
    "SELECT definition FROM template_versions WHERE template_key = $1 AND published_at IS NOT NULL"
    " ORDER BY version");
DB_STMT(stmt_attach, "SELECT audit_attach($1, $2, $3)");

static char *
quote_ident(void *ctx, const char *s)
{
	struct request *r = ctx;

	return PQescapeIdentifier(r->app->db.conn, s, strlen(s));
}

static char *
quote_literal(void *ctx, const char *s)
{
	struct request *r = ctx;

	return PQescapeLiteral(r->app->db.conn, s, strlen(s));
}

static void
release(void *ctx, char *quoted)
{
	(void)ctx;
	PQfreemem(quoted);
}

static void
def_free(void *def)
{
	tpl_def_free(def);
}

/* Parses a stored definition; stored ones were valid when saved. */
static struct tpl_def *
stored_def(struct request *r, const char *text)
{
	struct verr_list        errs;
	enum json_tokener_error err;
	struct json_object     *doc =
	    json_own(r, json_number_parse(text, strlen(text), 64, JSON_TOKENER_STRICT, &err));
	struct tpl_def *def;

	verr_init(&errs, r->arena);
	if (doc == NULL || (def = tpl_def_parse(doc, &errs)) == NULL)
		return PROBLEM(r, 500, "internal", "a stored definition no longer parses"), NULL;
	return arena_own(r->arena, def, def_free);
}

/* Runs every conflict query; returns the conflicts array (arena-owned) or NULL on failure. */
static struct json_object *
find_conflicts(struct request *r, const struct schema_plan *plan)
{
	struct json_object *conflicts = json_own(r, json_object_new_array());
	struct db_batch     b;
	int                *idx = arena_alloc(r->arena, (plan->nops + 1) * sizeof(int));
	size_t              i;

	db_batch_init(&b, r->arena);
	for (i = 0; i < plan->nops; i++)
		idx[i] = plan->ops[i].conflict_sql != NULL
		    ? db_batch_add_sql(&b, plan->ops[i].conflict_sql, 0, NULL)
		    : -1;
	if (b.n > 0 && db_batch_run(r, &b) != 0)
		return NULL;
	for (i = 0; i < plan->nops; i++) {
		PGresult           *res;
		struct json_object *c, *examples;
		char               *list, *tok, *save = NULL;

		if (idx[i] < 0 || (res = b.res[idx[i]]) == NULL ||
		    atoll(PQgetvalue(res, 0, 0)) == 0)
			continue;
		c = json_object_new_object();
		json_object_object_add(
		    c, "operation", json_object_new_string(plan->ops[i].description));
		json_object_object_add(
		    c, "kind", json_object_new_string(plan_op_kind_name(plan->ops[i].kind)));
		json_object_object_add(
		    c, "count", json_object_new_int64(atoll(PQgetvalue(res, 0, 0))));
		examples = json_object_new_array();
		list = arena_strdup(r->arena, PQgetvalue(res, 0, 1)); /* {uuid,uuid} */
		if (list[0] == '{')
			list++;
		list[strcspn(list, "}")] = '\0';
		for (tok = strtok_r(list, ",", &save); tok != NULL;
		     tok = strtok_r(NULL, ",", &save))
			json_object_array_add(examples, json_object_new_string(tok));
		json_object_object_add(c, "example_entries", examples);
		json_object_array_add(conflicts, c);
	}
	return conflicts;
}

/* Installs the out-of-band audit trigger on every table the plan creates. */
static int
attach_audit(struct request *r, const struct tpl_def *def, const struct schema_plan *plan)
{
	const char *schema = naming_schema(r->arena, def->key);
	size_t      i, s, t;

	for (i = 0; i < plan->nops; i++) {
		const char *section = NULL, **p;

		if (plan->ops[i].kind != PLAN_CREATE_TABLE)
			continue;
		for (s = 0; s < def->nsections && section == NULL; s++) {
			if (strcmp(naming_section_table(r->arena, def->sections[s].key),
				plan->ops[i].table) == 0)
				section = def->sections[s].key;
			for (t = 0; t < def->sections[s].ntables && section == NULL; t++)
				if (strcmp(naming_child_table(r->arena, def->sections[s].key,
					       def->sections[s].tables[t].key),
					plan->ops[i].table) == 0)
					section = def->sections[s].key;
		}
		p = arena_alloc(r->arena, 3 * sizeof(*p));
		p[0] = schema;
		p[1] = plan->ops[i].table;
		p[2] = section;
		if (db_exec(r, &stmt_attach, 3, p) == NULL)
			return -1;
	}
	return 0;
}

/* What a failed DDL statement means for the designer. An object already in the way (a
 * table someone made by hand in tpl_<key>) or a row that broke a new constraint after the
 * conflict queries ran is a conflict with the database as it is (409), not a bug; the
 * transaction is rolled back by dispatch, so nothing of the plan stays. Anything else keeps
 * db_fail()'s answer. */
static int
ddl_failed(struct request *r, const struct plan_op *op, const char *version)
{
	static const char *const conflicts[] = {
		"42P06",
		"42P07",
		"42701",
		"42710", /* duplicate schema, table, column, object */
		"23",    /* integrity: a row changed between the conflict query and the DDL */
		NULL,
	};
	const char *msg = PQerrorMessage(r->app->db.conn), *p;
	char       *why;
	size_t      i;

	for (i = 0; conflicts[i] != NULL; i++)
		if (strncmp(r->problem.sqlstate, conflicts[i], strlen(conflicts[i])) == 0)
			break;
	if (conflicts[i] == NULL)
		return -1;
	if ((p = strstr(msg, ":  ")) != NULL) /* "ERROR:  relation ... exists\n" */
		msg = p + 3;
	why = arena_strdup(r->arena, msg);
	why[strcspn(why, "\n")] = '\0';
	return PROBLEM(r, 409, "schema-conflict",
	    "version %s cannot be published: %s failed (%s);"
	    " nothing was changed",
	    version, op->description, why);
}

int
handle_templates_publish(struct request *r)
{
	const char *key = r->params[0], *version, *dry = request_query(r, "dry_run");
	const char *params[1] = { key };
	int         dry_run = dry != NULL && (strcmp(dry, "true") == 0 || strcmp(dry, "1") == 0);
	PGresult   *tmpl, *ver, *pub;
	const struct tpl_def **published;
	struct tpl_def        *next;
	struct schema_plan     plan;
	struct verr_list       errs;
	struct sql_quoter      q = { quote_ident, quote_literal, release, r };
	struct json_object    *conflicts, *body, *after;
	size_t                 i;
	int                    rc, npub;
	struct audit_event     ev = { .action = "publish", .object_type = "template" };

	if (dry != NULL && !dry_run && strcmp(dry, "false") != 0 && strcmp(dry, "0") != 0)
		return PROBLEM(r, 400, "bad-query", "dry_run must be true or false");
	if (template_version_param(r, r->params[1], &version) != 0)
		return -1;
	if (db_begin(r) != 0 || (tmpl = tstore_template(r, key, 1)) == NULL)
		return -1;
	if (PQntuples(tmpl) == 0)
		return PROBLEM(r, 404, "not-found", "no template '%s'", key);
	if (PQgetvalue(tmpl, 0, 1)[0] == 't')
		return PROBLEM(r, 409, "archived", "template '%s' is archived", key);
	if ((ver = tstore_version(r, key, version)) == NULL)
		return -1;
	if (PQntuples(ver) == 0)
		return PROBLEM(
		    r, 404, "not-found", "template '%s' has no version %s", key, version);
	if (strcmp(PQgetvalue(ver, 0, 1), "draft") != 0)
		return PROBLEM(r, 409, "not-draft",
		    "version %s of '%s' is %s; only a draft can be published", version, key,
		    PQgetvalue(ver, 0, 1));
	if ((next = stored_def(r, PQgetvalue(ver, 0, 2))) == NULL ||
	    (pub = db_exec(r, &stmt_published_definitions, 1, params)) == NULL)
		return -1;
	npub = PQntuples(pub);
	published = arena_alloc(r->arena, ((size_t)npub + 1) * sizeof(*published));
	for (i = 0; i < (size_t)npub; i++)
		if ((published[i] = stored_def(r, PQgetvalue(pub, (int)i, 0))) == NULL)
			return -1;

	verr_init(&errs, r->arena);
	rc = schema_plan_build(published, (size_t)npub, next, &q, r->arena, &errs, &plan);
	if (rc == -2)
		return PROBLEM(r, 500, "internal", "cannot quote identifiers: %s",
		    PQerrorMessage(r->app->db.conn));
	if (rc != 0) {
		int type_change = 0;

		for (i = 0; i < errs.count; i++) {
			problem_add_error(
			    r, errs.items[i].path, errs.items[i].code, errs.items[i].message);
			type_change |= strcmp(errs.items[i].code, "type_change") == 0;
		}
		/* Limits and names across versions (template_def.h): nothing was changed. */
		if (!type_change)
			return PROBLEM(r, 422, "validation",
			    "version %s cannot be published next to the versions before it: %zu "
			    "problem%s",
			    version, errs.count, errs.count == 1 ? "" : "s");
		return PROBLEM(r, 422, "unsupported-change",
		    "version %s changes a field in a way no stored value could follow; use a new key",
		    version);
	}
	if ((conflicts = find_conflicts(r, &plan)) == NULL)
		return -1;
	if (dry_run) {
		db_rollback(&r->app->db); /* nothing to keep, and dispatch must not commit */
		body = json_object_new_object();
		json_object_object_add(body, "operations", schema_plan_operations_json(&plan));
		json_object_object_add(body, "conflicts", json_object_get(conflicts));
		return reply_json(r, 200, body);
	}
	if (json_object_array_length(conflicts) > 0) {
		r->problem.extra = json_own(r, json_object_new_object());
		json_object_object_add(r->problem.extra, "conflicts", json_object_get(conflicts));
		return PROBLEM(r, 409, "schema-conflict",
		    "%zu change%s of version %s cannot apply to the entries that exist; nothing was changed",
		    json_object_array_length(conflicts),
		    json_object_array_length(conflicts) == 1 ? "" : "s", version);
	}
	for (i = 0; i < plan.nops; i++)
		if (db_exec_sql(r, plan.ops[i].sql, 0, NULL) == NULL)
			return ddl_failed(r, &plan.ops[i], version);
	if (attach_audit(r, next, &plan) != 0 || tstore_mark_published(r, key, version) == NULL ||
	    tstore_touch(r, key) == NULL)
		return -1;
	after = json_own(r, json_object_new_object());
	json_object_object_add(after, "version", json_object_new_int(atoi(version)));
	json_object_object_add(after, "operations", schema_plan_operations_json(&plan));
	ev.object_id = key;
	ev.after = after;
	if (audit_append(r, &ev) != 0)
		return -1;
	return template_reply(r, 200, key);
}
