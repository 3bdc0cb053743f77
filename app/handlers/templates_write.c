/* templates_write.c — POST /api/v1/templates and PUT /api/v1/templates/{key}/draft. */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logbook/core/json_util.h"
#include "logbook/domain/template_def.h"
#include "logbook/handlers/handlers.h"
#include "logbook/handlers/templates.h"
#include "logbook/http/http.h"
#include "logbook/store/db.h"
#include "logbook/store/template_store.h"

static void
def_free(void *def)
{
	tpl_def_free(def);
}

int
template_definition_check(struct request *r, struct json_object *doc, struct tpl_def **out)
{
	struct verr_list errs;
	struct tpl_def  *def;
	size_t           i;

	verr_init(&errs, r->arena);
	if ((def = tpl_def_parse(doc, &errs)) != NULL) {
		*out = arena_own(r->arena, def, def_free);
		return 0;
	}
	for (i = 0; i < errs.count; i++)
		problem_add_error(r, errs.items[i].path, errs.items[i].code, errs.items[i].message);
	return PROBLEM(r, 422, "invalid-definition", "the template definition has %zu error%s%s",
	    errs.count, errs.count == 1 ? "" : "s",
	    errs.truncated ? " (only the first are listed)" : "");
}

static const char *
json_text(struct json_object *o)
{
	return json_object_to_json_string_ext(
	    o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
}

int
handle_templates_create(struct request *r)
{
	struct json_object *doc;
	struct tpl_def     *def;
	PGresult           *res;
	struct audit_event  ev = { .action = "create", .object_type = "template" };

	if (request_json_object(r, &doc) != 0 || template_definition_check(r, doc, &def) != 0)
		return -1;
	if (db_begin(r) != 0 || (res = tstore_insert(r, def->key, json_text(doc))) == NULL)
		return -1;
	if (PQntuples(res) == 0)
		return PROBLEM(
		    r, 409, "duplicate", "a template with key '%s' exists already", def->key);
	ev.object_id = def->key;
	ev.after = doc;
	if (audit_append(r, &ev) != 0)
		return -1;
	reply_header(r, "Location", arena_printf(r->arena, "/api/v1/templates/%s", def->key));
	return template_reply(r, 201, def->key);
}

int
handle_templates_draft(struct request *r)
{
	const char         *key = r->params[0], *doc_key, *latest, *status;
	struct json_object *doc, *before = NULL;
	struct tpl_def     *def;
	PGresult           *tmpl, *versions, *res;
	char                next[16];
	struct audit_event  ev = { .action = "update", .object_type = "template" };

	if (request_json_object(r, &doc) != 0)
		return -1;
	/* The key is in the path; the body may repeat it but not change it. */
	doc_key = json_member_string(doc, "key");
	if (doc_key == NULL && !json_object_object_get_ex(doc, "key", NULL))
		json_object_object_add(doc, "key", json_object_new_string(key));
	else if (doc_key == NULL || strcmp(doc_key, key) != 0) {
		problem_add_error(r, "key", "immutable", "must equal the key in the path");
		return PROBLEM(r, 422, "invalid-definition", "a template's key cannot change");
	}
	if (template_definition_check(r, doc, &def) != 0)
		return -1;
	if (db_begin(r) != 0 || (tmpl = tstore_template(r, key, 1)) == NULL)
		return -1;
	if (PQntuples(tmpl) == 0)
		return PROBLEM(r, 404, "not-found", "no template '%s'", key);
	if (request_if_match(r, template_etag(r, tmpl), "the template") != 0)
		return -1;
	if (PQgetvalue(tmpl, 0, 1)[0] == 't')
		return PROBLEM(r, 409, "archived", "template '%s' is archived", key);
	if ((versions = tstore_versions(r, key)) == NULL)
		return -1;
	latest = PQgetvalue(versions, 0, 0);
	status = PQgetvalue(versions, 0, 1);
	if (strcmp(status, "draft") == 0) {
		before = json_own(r, json_tokener_parse(PQgetvalue(versions, 0, 2)));
		res = tstore_draft_update(r, key, latest, json_text(doc));
	} else {
		snprintf(next, sizeof(next), "%d", atoi(latest) + 1);
		res = tstore_draft_insert(r, key, next, json_text(doc));
	}
	if (res == NULL || tstore_touch(r, key) == NULL)
		return -1;
	ev.object_id = key;
	ev.before = before;
	ev.after = doc;
	if (audit_append(r, &ev) != 0)
		return -1;
	return template_reply(r, 200, key);
}
