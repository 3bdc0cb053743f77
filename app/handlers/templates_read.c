/* templates_read.c — GET /api/v1/templates, /templates/{key}, /templates/{key}/versions/{n}. */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logbook/core/json_util.h"
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

/* The definition of one version row (VERSION_COLUMNS of template_store.c) with its metadata. */
struct json_object *
template_version_json(struct request *r, PGresult *res, int row)
{
	struct json_object *def;

	def = json_tokener_parse(PQgetvalue(res, row, 2));
	if (def == NULL || !json_object_is_type(def, json_type_object)) {
		json_object_put(def);
		def = json_object_new_object();
	}
	json_object_object_add(def, "version", json_object_new_int(atoi(PQgetvalue(res, row, 0))));
	json_object_object_add(def, "status", json_object_new_string(PQgetvalue(res, row, 1)));
	json_object_object_add(def, "created_by", json_object_new_string(PQgetvalue(res, row, 3)));
	json_object_object_add(def, "created_at",
	    json_object_new_string(time_rfc3339_from_pg(r, PQgetvalue(res, row, 4))));
	json_object_object_add(def, "updated_at",
	    json_object_new_string(time_rfc3339_from_pg(r, PQgetvalue(res, row, 5))));
	json_object_object_add(def, "published_by", json_str_or_null(db_value(res, row, 6)));
	json_object_object_add(
	    def, "published_at", json_str_or_null(time_rfc3339_from_pg(r, db_value(res, row, 7))));
	return def;
}

const char *
template_etag(struct request *r, PGresult *tmpl)
{
	return arena_printf(r->arena, "\"%s\"", PQgetvalue(tmpl, 0, 2));
}

int
template_reply(struct request *r, int status, const char *key)
{
	PGresult           *tmpl, *versions;
	struct json_object *body, *list;
	int                 i;

	if ((tmpl = tstore_template(r, key, 0)) == NULL ||
	    (versions = tstore_versions(r, key)) == NULL)
		return -1;
	if (PQntuples(tmpl) == 0 || PQntuples(versions) == 0)
		return PROBLEM(r, 404, "not-found", "no template '%s'", key);
	body = template_version_json(r, versions, 0);
	json_object_object_add(
	    body, "archived", json_object_new_boolean(PQgetvalue(tmpl, 0, 1)[0] == 't'));
	json_object_object_add(body, "etag", json_object_new_string(template_etag(r, tmpl)));
	list = json_object_new_array();
	for (i = PQntuples(versions) - 1; i >= 0; i--) {
		struct json_object *v = json_object_new_object();

		json_object_object_add(
		    v, "version", json_object_new_int(atoi(PQgetvalue(versions, i, 0))));
		json_object_object_add(
		    v, "status", json_object_new_string(PQgetvalue(versions, i, 1)));
		json_object_object_add(v, "published_at",
		    json_str_or_null(time_rfc3339_from_pg(r, db_value(versions, i, 7))));
		json_object_array_add(list, v);
	}
	json_object_object_add(body, "versions", list);
	reply_header(r, "ETag", template_etag(r, tmpl));
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
	const char *version;
	PGresult   *res;

	if (template_version_param(r, r->params[1], &version) != 0 ||
	    (res = tstore_version(r, r->params[0], version)) == NULL)
		return -1;
	if (PQntuples(res) == 0)
		return PROBLEM(
		    r, 404, "not-found", "template '%s' has no version %s", r->params[0], version);
	return reply_json(r, 200, template_version_json(r, res, 0));
}

int
handle_templates_list(struct request *r)
{
	const char         *status = request_query(r, "status"), *after;
	struct json_object *items;
	PGresult           *res;
	int                 limit, i, n;

	if (page_params(r, &limit, &after) != 0)
		return -1;
	if (status != NULL && strcmp(status, "draft") != 0 && strcmp(status, "published") != 0 &&
	    strcmp(status, "archived") != 0)
		return PROBLEM(r, 400, "bad-query", "status must be draft, published or archived");
	if ((res = tstore_list(r, status, after, limit + 1)) == NULL)
		return -1;
	n = PQntuples(res);
	items = json_object_new_array();
	for (i = 0; i < n && i < limit; i++) {
		struct json_object *t = json_object_new_object();

		json_object_object_add(t, "key", json_object_new_string(PQgetvalue(res, i, 0)));
		json_object_object_add(t, "title", json_str_or_null(db_value(res, i, 6)));
		json_object_object_add(
		    t, "archived", json_object_new_boolean(PQgetvalue(res, i, 1)[0] == 't'));
		json_object_object_add(
		    t, "latest_version", json_object_new_int(atoi(PQgetvalue(res, i, 4))));
		json_object_object_add(
		    t, "latest_status", json_object_new_string(PQgetvalue(res, i, 5)));
		json_object_object_add(t, "published_version",
		    PQgetisnull(res, i, 7) ? NULL
					   : json_object_new_int(atoi(PQgetvalue(res, i, 7))));
		json_object_object_add(t, "etag",
		    json_object_new_string(
			arena_printf(r->arena, "\"%s\"", PQgetvalue(res, i, 2))));
		json_object_object_add(t, "updated_at",
		    json_object_new_string(time_rfc3339_from_pg(r, PQgetvalue(res, i, 3))));
		json_object_array_add(items, t);
	}
	return reply_page(r, items, n > limit ? PQgetvalue(res, limit - 1, 0) : NULL);
}

int
handle_templates_archive(struct request *r)
{
	PGresult          *tmpl, *res;
	struct audit_event ev = { .action = "archive", .object_type = "template" };

	if (db_begin(r) != 0 || (tmpl = tstore_template(r, r->params[0], 1)) == NULL)
		return -1;
	if (PQntuples(tmpl) == 0)
		return PROBLEM(r, 404, "not-found", "no template '%s'", r->params[0]);
	if (PQgetvalue(tmpl, 0, 1)[0] == 't')
		return PROBLEM(
		    r, 409, "already-archived", "template '%s' is already archived", r->params[0]);
	if ((res = tstore_archive(r, r->params[0])) == NULL)
		return -1;
	ev.object_id = r->params[0];
	if (audit_append(r, &ev) != 0)
		return -1;
	return template_reply(r, 200, r->params[0]);
}
