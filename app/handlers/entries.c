/* entries.c — POST /templates/{key}/entries, GET /entries/{id}, GET /entries. */
#include "logbook/handlers/entries.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logbook/core/json_util.h"
#include "logbook/handlers/entry_view.h"
#include "logbook/handlers/handlers.h"
#include "logbook/http/http.h"
#include "logbook/store/audit_append.h"
#include "logbook/store/db.h"
#include "logbook/store/entry_store.h"
#include "logbook/store/entry_versions.h"
#include "logbook/store/template_cache.h"

struct json_object *
entry_section_json(struct request *r, const char *state, const char *revision, const char *etag,
    const char *updated_by, const char *updated_at, struct json_object *data,
    struct json_object *tables)
{
	struct json_object *s = json_object_new_object();

	json_object_object_add(s, "state", json_object_new_string(state));
	json_object_object_add(s, "revision", json_object_new_int(atoi(revision)));
	json_object_object_add(s, "data", data);
	json_object_object_add(s, "tables", tables);
	json_object_object_add(
	    s, "etag", json_object_new_string(arena_printf(r->arena, "\"%s\"", etag)));
	json_object_object_add(s, "updated_by", json_object_new_string(updated_by));
	json_object_object_add(
	    s, "updated_at", json_object_new_string(time_rfc3339_from_pg(r, updated_at)));
	return s;
}

int
entry_id_param(struct request *r, const char *id)
{
	if (!uuid_valid(id))
		return PROBLEM(r, 404, "not-found", "no entry '%s'", id);
	return 0;
}

/* Reads the whole entry — metadata, every section's state, data and table rows — with the
 * version's single-row statement (template_cache.h) and replies. When this worker already
 * knows the entry's template version, that is one round trip and one statement. */
static int
entry_reply(struct request *r, int status, const char *id)
{
	PGresult           *meta, *row;
	struct tc_version  *v;
	struct json_object *body, *sections;
	char                key[41];
	int                 version, col;
	size_t              s, t;

	if ((version = entry_versions_get(id, key)) == 0) {
		if ((meta = estore_entry(r, id)) == NULL)
			return -1;
		if (PQntuples(meta) == 0)
			return PROBLEM(r, 404, "not-found", "no entry '%s'", id);
		snprintf(key, sizeof(key), "%s", PQgetvalue(meta, 0, 1));
		version = atoi(PQgetvalue(meta, 0, 2));
		entry_versions_put(id, key, version);
	}
	if ((v = tcache_get(r, key, version)) == NULL)
		return -1;
	v->read_entry_params[0] = id;
	if ((row = db_exec(r, &v->read_entry, (int)v->def->nsections + 1, v->read_entry_params)) ==
	    NULL)
		return -1;
	if (PQntuples(row) == 0)
		return PROBLEM(r, 404, "not-found", "no entry '%s'", id);
	/* A remembered version can only be wrong if a create this worker saw never committed and
	 * the id came back under another template: read again the slow way. */
	if (strcmp(PQgetvalue(row, 0, 0), key) != 0 || atoi(PQgetvalue(row, 0, 1)) != version) {
		entry_versions_put(id, PQgetvalue(row, 0, 0), atoi(PQgetvalue(row, 0, 1)));
		return entry_reply(r, status, id);
	}

	sections = json_object_new_object();
	for (s = 0; s < v->def->nsections; s++) {
		const struct tpl_section *sd = &v->def->sections[s];
		struct json_object       *data, *tables = json_object_new_object();

		col = tcache_entry_column(v, s);
		if (PQgetisnull(
			row, 0, col)) /* cannot happen: sections are created with the entry */
			continue;
		data = entry_data_from_array(sd, db_value(row, 0, col + 5));
		for (t = 0; t < sd->ntables; t++)
			json_object_object_add(tables, sd->tables[t].key,
			    entry_rows_from_json(
				&sd->tables[t], db_value(row, 0, col + 6 + (int)t)));
		json_object_object_add(sections, sd->key,
		    entry_section_json(r, PQgetvalue(row, 0, col), PQgetvalue(row, 0, col + 1),
			PQgetvalue(row, 0, col + 2), PQgetvalue(row, 0, col + 3),
			PQgetvalue(row, 0, col + 4), data, tables));
	}
	body = json_object_new_object();
	json_object_object_add(body, "id", json_object_new_string(id));
	json_object_object_add(body, "template", json_object_new_string(PQgetvalue(row, 0, 0)));
	json_object_object_add(
	    body, "template_version", json_object_new_int(atoi(PQgetvalue(row, 0, 1))));
	json_object_object_add(body, "title", json_object_new_string(PQgetvalue(row, 0, 2)));
	json_object_object_add(body, "created_by", json_object_new_string(PQgetvalue(row, 0, 3)));
	json_object_object_add(body, "created_at",
	    json_object_new_string(time_rfc3339_from_pg(r, PQgetvalue(row, 0, 4))));
	json_object_object_add(body, "updated_at",
	    json_object_new_string(time_rfc3339_from_pg(r, PQgetvalue(row, 0, 5))));
	json_object_object_add(body, "sections", sections);
	return reply_json(r, status, body);
}

int
handle_entries_get(struct request *r)
{
	char *id, *p;

	if (entry_id_param(r, r->params[0]) != 0)
		return -1;
	/* UUIDs compare case-insensitively; the reply and the cache use one spelling. */
	for (p = id = arena_strdup(r->arena, r->params[0]); *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'F')
			*p = (char)(*p - 'A' + 'a');
	return entry_reply(r, 200, id);
}

int
handle_entries_create(struct request *r)
{
	static const char *const allowed[] = { "id", "title", NULL };
	struct json_object      *in;
	const char              *id = NULL, *title = "";
	char                    *generated;
	PGresult                *res;
	struct audit_event       ev = { .action = "create", .object_type = "entry" };

	/* Both members are optional, so an empty body means {}. */
	if (r->content_length == 0 && r->content_type == NULL)
		in = json_own(r, json_object_new_object());
	else if (request_json_object(r, &in) != 0)
		return -1;
	json_only_members(r, in, allowed);
	json_take_string(r, in, "title", 200, 0, &title);
	if (json_take_string(r, in, "id", 36, 1, &id) == 0 && id != NULL && !uuid_valid(id))
		problem_add_error(
		    r, "id", "format", "must be a UUID like 0b9e6c1e-8d5f-4c1a-9f43-2f7c9a4f1d2e");
	if (problem_error_count(r) > 0)
		return PROBLEM(r, 422, "validation", "the entry is not valid");
	if (id == NULL) {
		generated = arena_alloc(r->arena, ENTRY_ID_TEXT);
		uuid_generate(generated);
		id = generated;
	} else {
		/* One spelling per id, so that list filters and audit rows match. */
		char *lower = arena_strdup(r->arena, id), *p;

		for (p = lower; *p != '\0'; p++)
			if (*p >= 'A' && *p <= 'F')
				*p = (char)(*p - 'A' + 'a');
		id = lower;
	}
	if (db_begin(r) != 0 || (res = estore_create(r, id, r->params[0], title)) == NULL)
		return -1;
	if (PQntuples(res) == 0)
		return estore_create_why(r, id, r->params[0]);
	/* If the transaction then fails, the remembered version only ever answers for this id. */
	entry_versions_put(id, r->params[0], atoi(PQgetvalue(res, 0, 0)));
	ev.object_id = id;
	ev.after = json_own(r, json_object_new_object());
	json_object_object_add(ev.after, "template", json_object_new_string(r->params[0]));
	json_object_object_add(
	    ev.after, "template_version", json_object_new_int(atoi(PQgetvalue(res, 0, 0))));
	json_object_object_add(ev.after, "title", json_object_new_string(title));
	if (audit_append(r, &ev) != 0)
		return -1;
	reply_header(r, "Location", arena_printf(r->arena, "/api/v1/entries/%s", id));
	return entry_reply(r, 201, id);
}
