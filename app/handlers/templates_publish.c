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
#include "logbook/store/schema_apply.h"
#include "logbook/store/template_store.h"

/* What publishing works on: the version to publish and every version published before. */
struct publish {
	const char            *key, *version;
	struct tpl_def        *next;
	const struct tpl_def **published;
	size_t                 npublished;
	struct schema_plan     plan;
};

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

/* Locks the template, checks the version is a draft, and parses it and every published one. */
static int
publish_load(struct request *r, struct publish *p)
{
	struct template_row tmpl;
	struct version_row  ver;
	const char        **defs;
	int                 found, n, i;

	if (db_begin(STORE(r)) != 0 || (found = tstore_template(STORE(r), p->key, 1, &tmpl)) < 0)
		return -1;
	if (found == 0)
		return PROBLEM(r, 404, "not-found", "no template '%s'", p->key);
	if (tmpl.archived)
		return PROBLEM(r, 409, "archived", "template '%s' is archived", p->key);
	if ((found = tstore_version(STORE(r), p->key, p->version, &ver)) < 0)
		return -1;
	if (found == 0)
		return PROBLEM(
		    r, 404, "not-found", "template '%s' has no version %s", p->key, p->version);
	if (strcmp(ver.status, "draft") != 0)
		return PROBLEM(r, 409, "not-draft",
		    "version %s of '%s' is %s; only a draft can be published", p->version, p->key,
		    ver.status);
	if ((p->next = stored_def(r, ver.definition)) == NULL ||
	    (n = tstore_published_definitions(STORE(r), p->key, &defs)) < 0)
		return -1;
	p->published = arena_alloc(r->arena, ((size_t)n + 1) * sizeof(*p->published));
	for (i = 0; i < n; i++)
		if ((p->published[i] = stored_def(r, defs[i])) == NULL)
			return -1;
	p->npublished = (size_t)n;
	return 0;
}

/* Folds the published versions and diffs with the new one: 422 for a change no stored value
 * could follow. */
static int
publish_plan(struct request *r, struct publish *p)
{
	struct verr_list  errs;
	struct sql_quoter q;
	size_t            i;
	int               rc;

	db_sql_quoter(r->db, r->arena, &q);
	verr_init(&errs, r->arena);
	rc = schema_plan_build(p->published, p->npublished, p->next, &q, r->arena, &errs, &p->plan);
	if (rc == -2)
		return PROBLEM(r, 500, "internal", "cannot quote identifiers");
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
			    p->version, errs.count, errs.count == 1 ? "" : "s");
		return PROBLEM(r, 422, "unsupported-change",
		    "version %s changes a field in a way no stored value could follow; use a new key",
		    p->version);
	}
	return 0;
}

/* Runs every conflict query; returns the conflicts array (arena-owned) or NULL on failure. */
static struct json_object *
find_conflicts(struct request *r, const struct schema_plan *plan)
{
	struct json_object   *conflicts = json_own(r, json_object_new_array());
	struct plan_conflict *found = arena_alloc(r->arena, (plan->nops + 1) * sizeof(*found));
	size_t                i, x;

	if (schema_conflicts(STORE(r), plan, found) != 0)
		return NULL;
	for (i = 0; i < plan->nops; i++) {
		struct json_object *c, *examples;

		if (found[i].count == 0)
			continue;
		c = json_object_new_object();
		json_object_object_add(
		    c, "operation", json_object_new_string(plan->ops[i].description));
		json_object_object_add(
		    c, "kind", json_object_new_string(plan_op_kind_name(plan->ops[i].kind)));
		json_object_object_add(c, "count", json_object_new_int64(found[i].count));
		examples = json_object_new_array();
		for (x = 0; x < found[i].nexamples; x++)
			json_object_array_add(
			    examples, json_object_new_string(found[i].examples[x]));
		json_object_object_add(c, "example_entries", examples);
		json_object_array_add(conflicts, c);
	}
	return conflicts;
}

/* The section key a table the plan creates belongs to. */
static const char *
table_section(struct request *r, const struct tpl_def *def, const char *table)
{
	size_t s, t;

	for (s = 0; s < def->nsections; s++) {
		if (strcmp(naming_section_table(r->arena, def->sections[s].key), table) == 0)
			return def->sections[s].key;
		for (t = 0; t < def->sections[s].ntables; t++)
			if (strcmp(naming_child_table(r->arena, def->sections[s].key,
				       def->sections[s].tables[t].key),
				table) == 0)
				return def->sections[s].key;
	}
	return NULL;
}

/* Installs the out-of-band audit trigger on every table the plan creates. */
static int
attach_audit(struct request *r, const struct tpl_def *def, const struct schema_plan *plan)
{
	const char *schema = naming_schema(r->arena, def->key);
	size_t      i;

	for (i = 0; i < plan->nops; i++)
		if (plan->ops[i].kind == PLAN_CREATE_TABLE &&
		    schema_attach_audit(STORE(r), schema, plan->ops[i].table,
			table_section(r, def, plan->ops[i].table)) != 0)
			return -1;
	return 0;
}

/* What a failed DDL statement means for the designer. An object already in the way (a
 * table someone made by hand in tpl_<key>) or a row that broke a new constraint after the
 * conflict queries ran is a conflict with the database as it is (409), not a bug; the
 * transaction is rolled back by dispatch, so nothing of the plan stays. Anything else keeps
 * the store's answer (problem_from_db). */
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
	char  *why;
	size_t i;

	for (i = 0; conflicts[i] != NULL; i++)
		if (strncmp(r->dberr.sqlstate, conflicts[i], strlen(conflicts[i])) == 0)
			break;
	if (conflicts[i] == NULL)
		return -1;
	/* The server's primary message, read before the result was cleared (db_error.h). */
	why = arena_strdup(r->arena, r->dberr.message != NULL ? r->dberr.message : "");
	why[strcspn(why, "\n")] = '\0';
	return PROBLEM(r, 409, "schema-conflict",
	    "version %s cannot be published: %s failed (%s);"
	    " nothing was changed",
	    version, op->description, why);
}

/* The DDL, the audit triggers, the version's status and the audit row. */
static int
publish_apply(struct request *r, struct publish *p)
{
	struct audit_event  ev = { .action = "publish", .object_type = "template" };
	struct json_object *after;
	size_t              failed;

	if (schema_apply(STORE(r), &p->plan, &failed) != 0)
		return ddl_failed(r, &p->plan.ops[failed], p->version);
	if (attach_audit(r, p->next, &p->plan) != 0 ||
	    tstore_mark_published(STORE(r), p->key, p->version, r->user->sub) != 0 ||
	    tstore_touch(STORE(r), p->key) != 0)
		return -1;
	after = json_own(r, json_object_new_object());
	json_object_object_add(after, "version", json_object_new_int(atoi(p->version)));
	json_object_object_add(after, "operations", schema_plan_operations_json(&p->plan));
	ev.object_id = p->key;
	ev.after = after;
	return audit_append(STORE(r), request_actor(r), &ev);
}

int
handle_templates_publish(struct request *r)
{
	const char    *dry = request_query(r, "dry_run");
	int            dry_run = dry != NULL && (strcmp(dry, "true") == 0 || strcmp(dry, "1") == 0);
	struct publish p = { .key = r->params[0] };
	struct json_object *conflicts, *body;
	size_t              n;

	if (dry != NULL && !dry_run && strcmp(dry, "false") != 0 && strcmp(dry, "0") != 0)
		return PROBLEM(r, 400, "bad-query", "dry_run must be true or false");
	if (template_version_param(r, r->params[1], &p.version) != 0 || publish_load(r, &p) != 0 ||
	    publish_plan(r, &p) != 0 || (conflicts = find_conflicts(r, &p.plan)) == NULL)
		return -1;
	if (dry_run) {
		db_rollback(r->db); /* nothing to keep, and dispatch must not commit */
		body = json_object_new_object();
		json_object_object_add(body, "operations", schema_plan_operations_json(&p.plan));
		json_object_object_add(body, "conflicts", json_object_get(conflicts));
		return reply_json(r, 200, body);
	}
	if ((n = json_object_array_length(conflicts)) > 0) {
		r->problem.extra = json_own(r, json_object_new_object());
		json_object_object_add(r->problem.extra, "conflicts", json_object_get(conflicts));
		return PROBLEM(r, 409, "schema-conflict",
		    "%zu change%s of version %s cannot apply to the entries that exist; nothing was changed",
		    n, n == 1 ? "" : "s", p.version);
	}
	if (publish_apply(r, &p) != 0)
		return -1;
	return template_reply(r, 200, p.key);
}
