/* entries.c — POST /templates/{key}/entries, GET /entries/{id}, GET /entries. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "logbook/audit.h"
#include "logbook/db.h"
#include "logbook/entries.h"
#include "logbook/entry_json.h"
#include "logbook/entry_store.h"
#include "logbook/entry_versions.h"
#include "logbook/handlers.h"
#include "logbook/http.h"
#include "logbook/json_util.h"
#include "logbook/template_cache.h"

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
	json_object_object_add(s, "etag", json_object_new_string(arena_printf(r->arena, "\"%s\"", etag)));
	json_object_object_add(s, "updated_by", json_object_new_string(updated_by));
	json_object_object_add(s, "updated_at", json_object_new_string(time_rfc3339_from_pg(r, updated_at)));
	return s;
}

int
entry_id_param(struct request *r, const char *id)
{
	if (!uuid_valid(id))
		return PROBLEM(r, 404, "not-found", "no entry '%s'", id);
	return 0;
}

/* Reads the whole entry (metadata, every section's state, data and table rows) and replies.
 * When this worker already knows the entry's template version, that is one round trip. */
static int
entry_reply(struct request *r, int status, const char *id)
{
	const char        **idp = arena_alloc(r->arena, sizeof(*idp));
	struct db_batch     b;
	PGresult           *meta = NULL;
	struct tc_version  *v;
	struct json_object *body, *sections;
	char                key[41];
	int                 version, meta_at = -1, states, *reads, i, j, k;
	size_t              s, t;

	*idp = id;
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
	/* One round trip for all the section data, whatever the number of sections and tables. */
	db_batch_init(&b, r->arena);
	if (meta == NULL)
		meta_at = estore_entry_batch(&b, idp);
	states = estore_sections_batch(&b, idp);
	for (s = 0, k = 0; s < v->def->nsections; s++)
		k += 1 + (int)v->def->sections[s].ntables;
	reads = arena_alloc(r->arena, sizeof(int) * (size_t)(k + 1));
	for (s = 0, k = 0; s < v->def->nsections; s++) {
		reads[k++] = db_batch_add(&b, &v->sections[s].read, 1, idp);
		for (t = 0; t < v->def->sections[s].ntables; t++)
			reads[k++] = db_batch_add(&b, &v->sections[s].tables[t].read, 1, idp);
	}
	if (db_batch_run(r, &b) != 0)
		return -1;
	if (meta == NULL)
		meta = b.res[meta_at];
	if (PQntuples(meta) == 0)
		return PROBLEM(r, 404, "not-found", "no entry '%s'", id);
	/* A remembered version can only be wrong if a create this worker saw never committed and
	 * the id came back under another template: read again the slow way. */
	if (strcmp(PQgetvalue(meta, 0, 1), key) != 0 || atoi(PQgetvalue(meta, 0, 2)) != version) {
		entry_versions_put(id, PQgetvalue(meta, 0, 1), atoi(PQgetvalue(meta, 0, 2)));
		return entry_reply(r, status, id);
	}

	sections = json_object_new_object();
	for (s = 0, k = 0; s < v->def->nsections; s++) {
		const struct tpl_section *sd = &v->def->sections[s];
		PGresult                 *st = b.res[states];
		struct json_object       *data, *tables = json_object_new_object();

		data = entry_data_from_row(sd, b.res[reads[k++]]);
		for (t = 0; t < sd->ntables; t++)
			json_object_object_add(tables, sd->tables[t].key,
			    entry_rows_from_result(&sd->tables[t], b.res[reads[k++]]));
		for (i = 0, j = -1; i < PQntuples(st); i++)
			if (strcmp(PQgetvalue(st, i, 0), sd->key) == 0)
				j = i;
		if (j < 0) { /* cannot happen: sections are created with the entry */
			json_object_put(data);
			json_object_put(tables);
			continue;
		}
		json_object_object_add(sections, sd->key, entry_section_json(r, PQgetvalue(st, j, 1),
		    PQgetvalue(st, j, 2), PQgetvalue(st, j, 3), PQgetvalue(st, j, 5), PQgetvalue(st, j, 6),
		    data, tables));
	}
	body = json_object_new_object();
	json_object_object_add(body, "id", json_object_new_string(PQgetvalue(meta, 0, 0)));
	json_object_object_add(body, "template", json_object_new_string(PQgetvalue(meta, 0, 1)));
	json_object_object_add(body, "template_version", json_object_new_int(atoi(PQgetvalue(meta, 0, 2))));
	json_object_object_add(body, "title", json_object_new_string(PQgetvalue(meta, 0, 3)));
	json_object_object_add(body, "created_by", json_object_new_string(PQgetvalue(meta, 0, 4)));
	json_object_object_add(body, "created_at",
	    json_object_new_string(time_rfc3339_from_pg(r, PQgetvalue(meta, 0, 5))));
	json_object_object_add(body, "updated_at",
	    json_object_new_string(time_rfc3339_from_pg(r, PQgetvalue(meta, 0, 6))));
	json_object_object_add(body, "sections", sections);
	return reply_json(r, status, body);
}

int
handle_entries_get(struct request *r)
{
	if (entry_id_param(r, r->params[0]) != 0)
		return -1;
	return entry_reply(r, 200, r->params[0]);
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

	if (request_json_object(r, &in) != 0)
		return -1;
	json_only_members(r, in, allowed);
	json_take_string(r, in, "title", 200, 0, &title);
	if (json_take_string(r, in, "id", 36, 1, &id) == 0 && id != NULL && !uuid_valid(id))
		problem_add_error(r, "id", "format", "must be a UUID like 0b9e6c1e-8d5f-4c1a-9f43-2f7c9a4f1d2e");
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
	json_object_object_add(ev.after, "template_version", json_object_new_int(atoi(PQgetvalue(res, 0, 0))));
	json_object_object_add(ev.after, "title", json_object_new_string(title));
	if (audit_append(r, &ev) != 0)
		return -1;
	reply_header(r, "Location", arena_printf(r->arena, "/api/v1/entries/%s", id));
	return entry_reply(r, 201, id);
}
