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

static int entry_reply(struct request *r, int status, const char *id);

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

/* A large template's single-row statement joins two relations per section and has a subquery
 * per table: PostgreSQL plans it on every execution (custom plans), and planning that many
 * joins costs far more than running them (200 ms for 50 sections and 150 tables, 1.5-3.8 s
 * for 10,000 fields before the limits). Beyond this many sections, an entry is read as one
 * pipelined batch of small statements instead, each planned in microseconds: still one round
 * trip, and the cost grows linearly with the template. */
#define ENTRY_READ_JOIN_SECTIONS 4

/* The batched read of a large template's entry (see above): entry, sections' states, then
 * each section's row and its tables' rows. */
static int
entry_reply_batched(struct request *r, int status, const char *id, struct tc_version *v)
{
	struct db_batch     b;
	const char        **idp = arena_alloc(r->arena, sizeof(*idp));
	int                 meta, states, *reads, *rows, i;
	size_t              s, t, k = 0, nt = 0;
	PGresult           *st;
	struct json_object *body, *sections;

	*idp = id;
	for (s = 0; s < v->def->nsections; s++)
		nt += v->def->sections[s].ntables;
	reads = arena_alloc(r->arena, (v->def->nsections + 1) * sizeof(*reads));
	rows = arena_alloc(r->arena, (nt + 1) * sizeof(*rows));
	db_batch_init(&b, r->arena);
	meta = db_batch_add(&b, &estore_entry_stmt, 1, idp);
	states = db_batch_add(&b, &estore_sections_stmt, 1, idp);
	for (s = 0; s < v->def->nsections; s++) {
		reads[s] = db_batch_add(&b, (struct db_stmt *)&v->sections[s].read, 1, idp);
		for (t = 0; t < v->def->sections[s].ntables; t++)
			rows[k++] = db_batch_add(
			    &b, (struct db_stmt *)&v->sections[s].tables[t].read, 1, idp);
	}
	if (db_batch_run(r, &b) != 0)
		return -1;
	if (PQntuples(b.res[meta]) == 0)
		return PROBLEM(r, 404, "not-found", "no entry '%s'", id);
	if (strcmp(PQgetvalue(b.res[meta], 0, 1), v->key) != 0 ||
	    atoi(PQgetvalue(b.res[meta], 0, 2)) != v->version) {
		entry_versions_forget(id);
		return entry_reply(r, status, id);
	}
	st = b.res[states];
	sections = json_object_new_object();
	for (s = 0, k = 0; s < v->def->nsections; s++) {
		const struct tpl_section *sd = &v->def->sections[s];
		struct json_object       *tables = json_object_new_object();

		for (t = 0; t < sd->ntables; t++, k++)
			json_object_object_add(tables, sd->tables[t].key,
			    entry_rows_from_result(&sd->tables[t], b.res[rows[k]]));
		for (i = 0; i < PQntuples(st); i++)
			if (strcmp(PQgetvalue(st, i, 0), sd->key) == 0)
				break;
		if (i == PQntuples(st)) { /* cannot happen: sections are created with the entry */
			json_object_put(tables);
			continue;
		}
		json_object_object_add(sections, sd->key,
		    entry_section_json(r, PQgetvalue(st, i, 1), PQgetvalue(st, i, 2),
			PQgetvalue(st, i, 3), PQgetvalue(st, i, 4), PQgetvalue(st, i, 5),
			entry_data_from_row(sd, b.res[reads[s]]), tables));
	}
	body = json_object_new_object();
	json_object_object_add(body, "id", json_object_new_string(id));
	json_object_object_add(body, "template", json_object_new_string(v->key));
	json_object_object_add(body, "template_version", json_object_new_int(v->version));
	json_object_object_add(
	    body, "title", json_object_new_string(PQgetvalue(b.res[meta], 0, 3)));
	json_object_object_add(
	    body, "created_by", json_object_new_string(PQgetvalue(b.res[meta], 0, 4)));
	json_object_object_add(body, "created_at",
	    json_object_new_string(time_rfc3339_from_pg(r, PQgetvalue(b.res[meta], 0, 5))));
	json_object_object_add(body, "updated_at",
	    json_object_new_string(time_rfc3339_from_pg(r, PQgetvalue(b.res[meta], 0, 6))));
	json_object_object_add(body, "sections", sections);
	return reply_json(r, status, body);
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
		entry_versions_remember(r, id, key, version);
	}
	if ((v = tcache_get(r, key, version)) == NULL)
		return -1;
	if (v->def->nsections > ENTRY_READ_JOIN_SECTIONS)
		return entry_reply_batched(r, status, id, v);
	v->read_entry_params[0] = id;
	if ((row = db_exec(r, &v->read_entry, (int)v->def->nsections + 1, v->read_entry_params)) ==
	    NULL)
		return -1;
	if (PQntuples(row) == 0)
		return PROBLEM(r, 404, "not-found", "no entry '%s'", id);
	/* Only committed facts are remembered (entry_versions_remember), so this cannot happen;
	 * if it ever did, forget and read again the slow way. */
	if (strcmp(PQgetvalue(row, 0, 0), key) != 0 || atoi(PQgetvalue(row, 0, 1)) != version) {
		entry_versions_forget(id);
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
	/* UUIDs compare case-insensitively; the reply and the cache use one spelling. */
	if (entry_id_param(r, 0) != 0)
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
	/* Remembered only if the create commits: a failed one must leave no memory. */
	entry_versions_remember(r, id, r->params[0], atoi(PQgetvalue(res, 0, 0)));
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
