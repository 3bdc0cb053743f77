/* templates_read.c — GET /api/v1/templates, /templates/{key}, /templates/{key}/versions/{n}. */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logbook/core/json_util.h"
#include "logbook/core/timestamp.h"
#include "logbook/handlers/handlers.h"
#include "logbook/handlers/templates.h"
#include "logbook/http/http.h"
#include "logbook/http/pagination.h"
#include "logbook/store/db.h"
#include "logbook/store/template_store.h"

int
template_version_param(struct request *r, const char *text, const char **out)
{
	char *end;
	long  v = strtol(text, &end, 10);

	if (*text < '1' || *text > '9' || *end != '\0' || v > 1000000)
		return PROBLEM(r, 404, "not-found", "no version '%s'", text);
	*out = text;
	return 0;
}

/* The definition of one version row with its metadata. */
struct json_object *
template_version_json(struct request *r, const struct version_row *v)
{
	struct json_object *def;

	def = json_tokener_parse(v->definition);
	if (def == NULL || !json_object_is_type(def, json_type_object)) {
		json_object_put(def);
		def = json_object_new_object();
	}
	json_object_object_add(def, "version", json_object_new_int(v->version));
	json_object_object_add(def, "status", json_object_new_string(v->status));
	json_object_object_add(def, "created_by", json_object_new_string(v->created_by));
	json_object_object_add(
	    def, "created_at", json_object_new_string(ts_from_pg(r->arena, v->created_at)));
	json_object_object_add(
	    def, "updated_at", json_object_new_string(ts_from_pg(r->arena, v->updated_at)));
	json_object_object_add(def, "published_by", json_str_or_null(v->published_by));
	json_object_object_add(
	    def, "published_at", json_str_or_null(ts_from_pg(r->arena, v->published_at)));
	return def;
}

const char *
template_etag(struct request *r, const struct template_row *t)
{
	return arena_printf(r->arena, "\"%s\"", t->revision);
}

int
template_reply(struct request *r, int status, const char *key)
{
	struct template_row tmpl;
	struct version_row *versions;
	struct json_object *body, *list;
	int                 i, found, n;

	if ((found = tstore_template(STORE(r), key, 0, &tmpl)) < 0 ||
	    (n = tstore_versions(STORE(r), key, &versions)) < 0)
		return -1;
	if (found == 0 || n == 0)
		return PROBLEM(r, 404, "not-found", "no template '%s'", key);
	body = template_version_json(r, &versions[0]);
	json_object_object_add(body, "archived", json_object_new_boolean(tmpl.archived));
	json_object_object_add(body, "etag", json_object_new_string(template_etag(r, &tmpl)));
	list = json_object_new_array();
	for (i = n - 1; i >= 0; i--) {
		struct json_object *v = json_object_new_object();

		json_object_object_add(v, "version", json_object_new_int(versions[i].version));
		json_object_object_add(v, "status", json_object_new_string(versions[i].status));
		json_object_object_add(v, "published_at",
		    json_str_or_null(ts_from_pg(r->arena, versions[i].published_at)));
		json_object_array_add(list, v);
	}
	json_object_object_add(body, "versions", list);
	reply_header(r, "ETag", template_etag(r, &tmpl));
	return reply_json(r, status, body);
}

int
handle_templates_get(struct request *r)
{
	return template_reply(r, 200, r->params[0]);
}

int
handle_templates_version_get(struct request *r)
{
	const char        *version;
	struct version_row v;
	int                found;

	if (template_version_param(r, r->params[1], &version) != 0 ||
	    (found = tstore_version(STORE(r), r->params[0], version, &v)) < 0)
		return -1;
	if (found == 0)
		return PROBLEM(
		    r, 404, "not-found", "template '%s' has no version %s", r->params[0], version);
	return reply_json(r, 200, template_version_json(r, &v));
}

int
handle_templates_list(struct request *r)
{
	const char              *status = request_query(r, "status"), *after;
	struct json_object      *items;
	struct template_summary *rows;
	int                      limit, i, n;

	if (page_params(r, &limit, &after) != 0)
		return -1;
	if (status != NULL && strcmp(status, "draft") != 0 && strcmp(status, "published") != 0 &&
	    strcmp(status, "archived") != 0)
		return PROBLEM(r, 400, "bad-query", "status must be draft, published or archived");
	if ((n = tstore_list(STORE(r), status, after, limit + 1, &rows)) < 0)
		return -1;
	items = json_object_new_array();
	for (i = 0; i < n && i < limit; i++) {
		struct json_object *t = json_object_new_object();

		json_object_object_add(t, "key", json_object_new_string(rows[i].key));
		json_object_object_add(t, "title", json_str_or_null(rows[i].title));
		json_object_object_add(t, "archived", json_object_new_boolean(rows[i].archived));
		json_object_object_add(
		    t, "latest_version", json_object_new_int(rows[i].latest_version));
		json_object_object_add(
		    t, "latest_status", json_object_new_string(rows[i].latest_status));
		json_object_object_add(t, "published_version",
		    rows[i].published_version == 0
			? NULL
			: json_object_new_int(rows[i].published_version));
		json_object_object_add(t, "etag",
		    json_object_new_string(arena_printf(r->arena, "\"%s\"", rows[i].revision)));
		json_object_object_add(t, "updated_at",
		    json_object_new_string(ts_from_pg(r->arena, rows[i].updated_at)));
		json_object_array_add(items, t);
	}
	return reply_page(r, items, n > limit ? rows[limit - 1].key : NULL);
}

int
handle_templates_archive(struct request *r)
{
	struct template_row tmpl;
	struct audit_event  ev = { .action = "archive", .object_type = "template" };
	int                 found;

	if (db_begin(STORE(r)) != 0 ||
	    (found = tstore_template(STORE(r), r->params[0], 1, &tmpl)) < 0)
		return -1;
	if (found == 0)
		return PROBLEM(r, 404, "not-found", "no template '%s'", r->params[0]);
	if (tmpl.archived)
		return PROBLEM(
		    r, 409, "already-archived", "template '%s' is already archived", r->params[0]);
	if (tstore_archive(STORE(r), r->params[0]) != 0)
		return -1;
	ev.object_id = r->params[0];
	if (audit_append(STORE(r), request_actor(r), &ev) != 0)
		return -1;
	return template_reply(r, 200, r->params[0]);
}
