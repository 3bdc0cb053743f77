/* entries.c — POST /templates/{key}/entries, GET /entries/{id}, GET /entries. */
#include "logbook/handlers/entries.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logbook/core/json_util.h"
#include "logbook/core/timestamp.h"
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
	    s, "updated_at", json_object_new_string(ts_from_pg(r->arena, updated_at)));
	return s;
}

int
entry_id_param(struct request *r, int i)
{
	char *id, *p;

	if (!uuid_valid(r->params[i]))
		return PROBLEM(r, 404, "not-found", "no entry '%s'", r->params[i]);
	for (p = id = arena_strdup(r->arena, r->params[i]); *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'F')
			*p = (char)(*p - 'A' + 'a');
	r->params[i] = id;
	return 0;
}

struct pending {
	char id[37];
	char key[41];
	int  version;
};

static void
remember_now(void *arg)
{
	struct pending *p = arg;

	entry_versions_put(p->id, p->key, p->version);
}

void
entry_versions_remember(struct request *r, const char *id, const char *key, int version)
{
	struct pending *p;

	if (strlen(id) >= sizeof(p->id) || strlen(key) >= sizeof(p->key))
		return;
	p = arena_alloc(r->arena, sizeof(*p));
	strcpy(p->id, id);
	strcpy(p->key, key);
	p->version = version;
	request_on_commit(r, remember_now, p);
}

/* Reads the whole entry — metadata, every section's state, data and table rows — with the
 * version's single-row statement (template_cache.h) and replies. When this worker already
 * knows the entry's template version, that is one round trip and one statement. */
static int
entry_reply(struct request *r, int status, const char *id)
{
	struct entry_row    meta;
	struct entry_read   e;
	struct tc_version  *v;
	struct json_object *body, *sections;
	char                key[41];
	int                 version, found;
	size_t              s, t;

	if ((version = entry_versions_get(id, key)) == 0) {
		if ((found = estore_entry(STORE(r), id, &meta)) < 0)
			return -1;
		if (found == 0)
			return PROBLEM(r, 404, "not-found", "no entry '%s'", id);
		snprintf(key, sizeof(key), "%s", meta.template_key);
		version = meta.template_version;
		entry_versions_remember(r, id, key, version);
	}
	if ((v = tcache_get(STORE(r), key, version)) == NULL ||
	    (found = tcache_read_entry(STORE(r), v, id, &e)) < 0)
		return -1;
	if (found == 0)
		return PROBLEM(r, 404, "not-found", "no entry '%s'", id);
	/* Only committed facts are remembered (entry_versions_remember), so this cannot happen;
	 * if it ever did, forget and read again the slow way. */
	if (strcmp(e.template_key, key) != 0 || e.template_version != version) {
		entry_versions_forget(id);
		return entry_reply(r, status, id);
	}

	sections = json_object_new_object();
	for (s = 0; s < v->def->nsections; s++) {
		const struct tpl_section  *sd = &v->def->sections[s];
		const struct section_read *sr = &e.sections[s];
		struct json_object        *data, *tables = json_object_new_object();

		if (!sr->present) { /* cannot happen: sections are created with the entry */
			json_object_put(tables);
			continue;
		}
		/* One row for the whole entry, or a batch for a large version (template_cache.h). */
		data = sr->table_rows != NULL ? entry_data_from_texts(sd, sr->field_texts)
					      : entry_data_from_array(sd, sr->fields);
		for (t = 0; t < sd->ntables; t++)
			json_object_object_add(tables, sd->tables[t].key,
			    sr->table_rows != NULL
				? entry_rows_from_texts(&sd->tables[t], &sr->table_rows[t])
				: entry_rows_from_json(&sd->tables[t], sr->tables[t]));
		json_object_object_add(sections, sd->key,
		    entry_section_json(r, sr->state, sr->revision, sr->etag, sr->updated_by,
			sr->updated_at, data, tables));
	}
	body = json_object_new_object();
	json_object_object_add(body, "id", json_object_new_string(id));
	json_object_object_add(body, "template", json_object_new_string(e.template_key));
	json_object_object_add(body, "template_version", json_object_new_int(e.template_version));
	json_object_object_add(body, "title", json_object_new_string(e.title));
	json_object_object_add(body, "created_by", json_object_new_string(e.created_by));
	json_object_object_add(
	    body, "created_at", json_object_new_string(ts_from_pg(r->arena, e.created_at)));
	json_object_object_add(
	    body, "updated_at", json_object_new_string(ts_from_pg(r->arena, e.updated_at)));
	json_object_object_add(body, "sections", sections);
	return reply_json(r, status, body);
}

int
handle_entries_get(struct request *r)
{
	/* UUIDs compare case-insensitively; the reply and the cache use one spelling. */
	if (entry_id_param(r, 0) != 0)
		return -1;
	return entry_reply(r, 200, r->params[0]);
}

/* Why a create inserted nothing, as a problem. */
static int
create_refused(struct request *r, const char *id, const char *key)
{
	switch (estore_create_why(STORE(r), id, key)) {
	case ESTORE_NO_TEMPLATE:
		return PROBLEM(r, 404, "not-found", "no template '%s'", key);
	case ESTORE_ID_TAKEN:
		return PROBLEM(r, 409, "duplicate", "an entry with id %s exists already", id);
	case ESTORE_ARCHIVED:
		return PROBLEM(
		    r, 409, "archived", "template '%s' is archived: no new entries", key);
	case ESTORE_NOT_PUBLISHED:
		return PROBLEM(
		    r, 409, "not-published", "template '%s' has no published version yet", key);
	default:
		return -1;
	}
}

int
handle_entries_create(struct request *r)
{
	static const char *const allowed[] = { "id", "title", NULL };
	struct json_object      *in;
	const char              *id = NULL, *title = "";
	char                    *generated;
	int                      version;
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
	if (db_begin(STORE(r)) != 0 ||
	    (version = estore_create(STORE(r), id, r->params[0], title, r->user->sub)) < 0)
		return -1;
	if (version == 0)
		return create_refused(r, id, r->params[0]);
	/* Remembered only if the create commits: a failed one must leave no memory. */
	entry_versions_remember(r, id, r->params[0], version);
	ev.object_id = id;
	ev.after = json_own(r, json_object_new_object());
	json_object_object_add(ev.after, "template", json_object_new_string(r->params[0]));
	json_object_object_add(ev.after, "template_version", json_object_new_int(version));
	json_object_object_add(ev.after, "title", json_object_new_string(title));
	if (audit_append(STORE(r), request_actor(r), &ev) != 0)
		return -1;
	reply_header(r, "Location", arena_printf(r->arena, "/api/v1/entries/%s", id));
	return entry_reply(r, 201, id);
}
