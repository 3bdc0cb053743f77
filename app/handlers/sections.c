/* sections.c — saving a section, moving it through the workflow, and its history.
 *
 * Both writes take at most two round trips to the database: one to read the section's state
 * and template version (a save skips it when this worker knows the entry), one pipelined batch
 * for the whole change, commit included (section_store.h). section_claim() re-checks the ETag
 * and the state under the row lock, so of many concurrent writers exactly one wins and the
 * others get 412 or 409 with nothing changed. */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logbook/core/json_util.h"
#include "logbook/core/timestamp.h"
#include "logbook/domain/search_query.h"
#include "logbook/domain/section_values.h"
#include "logbook/domain/section_workflow.h"
#include "logbook/handlers/entries.h"
#include "logbook/handlers/entry_view.h"
#include "logbook/handlers/handlers.h"
#include "logbook/http/http.h"
#include "logbook/store/audit_append.h"
#include "logbook/store/db.h"
#include "logbook/store/entry_store.h"
#include "logbook/store/entry_versions.h"
#include "logbook/store/section_store.h"
#include "logbook/store/template_cache.h"

struct section_ctx {
	const char              *id, *section;
	struct section_row       row;
	int                      loaded; /* row was read (section_load) */
	struct tc_version       *version;
	const struct tc_section *cs;
	const char              *etag; /* the If-Match value to claim with; NULL for "*" */
	int transition;                /* read who wrote the data too (separation of duties) */
};

/* Reads the section, checks If-Match against it and finds its definition. */
static int
section_load(struct request *r, struct section_ctx *c)
{
	int found;

	if (entry_id_param(r, 0) != 0)
		return -1;
	c->id = r->params[0];
	c->section = r->params[1];
	if ((found = sstore_section(
		 STORE(r), c->id, c->section, c->transition ? r->user->sub : NULL, &c->row)) < 0)
		return -1;
	if (found == 0)
		return PROBLEM(
		    r, 404, "not-found", "entry %s has no section '%s'", c->id, c->section);
	c->loaded = 1;
	if (request_if_match(r, arena_printf(r->arena, "\"%s\"", c->row.etag), "the section") != 0)
		return -1;
	c->etag = strcmp(r->if_match, "*") == 0 ? NULL : c->row.etag;
	entry_versions_remember(r, c->id, c->row.template_key, c->row.template_version);
	if ((c->version = tcache_get(STORE(r), c->row.template_key, c->row.template_version)) ==
	    NULL)
		return -1;
	if ((c->cs = tcache_section(c->version, c->section)) == NULL)
		return PROBLEM(r, 404, "not-found", "section '%s' is not in version %d of '%s'",
		    c->section, c->version->version, c->version->key);
	return 0;
}

/* For a save: when this worker knows the entry's template version, nothing needs reading
 * first, since section_claim() checks the ETag and the state under the row lock anyway. Else
 * the full section_load(). c->loaded stays 0 on the quick path. */
static int
section_load_for_save(struct request *r, struct section_ctx *c)
{
	char        key[41];
	int         version;
	const char *m = r->if_match;
	size_t      n;

	if (entry_id_param(r, 0) != 0)
		return -1;
	c->id = r->params[0];
	c->section = r->params[1];
	if ((version = entry_versions_get(c->id, key)) == 0)
		return section_load(r, c);
	if (m == NULL)
		return request_if_match(r, "", "the section"); /* the 428 */
	if (strcmp(m, "*") == 0)
		c->etag = NULL;
	else {
		/* Our ETags are "<digits>": anything else cannot match. */
		n = strlen(m);
		if (n < 3 || n > 22 || m[0] != '"' || m[n - 1] != '"' ||
		    strspn(m + 1, "0123456789") != n - 2)
			return PROBLEM(r, 412, "precondition-failed",
			    "If-Match %s is not an ETag of this section", m);
		c->etag = arena_strndup(r->arena, m + 1, n - 2);
	}
	if ((c->version = tcache_get(STORE(r), key, version)) == NULL)
		return -1;
	if ((c->cs = tcache_section(c->version, c->section)) == NULL)
		return PROBLEM(
		    r, 404, "not-found", "entry %s has no section '%s'", c->id, c->section);
	return 0;
}

static const char *
json_text(struct request *r, struct json_object *o)
{
	return arena_strdup(r->arena, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
}

/* The normalized texts of one section's fields, or one table row, as a JSON object for the
 * generated statements (json_populate_record types them by the live table). */
static struct json_object *
texts_object(const struct tpl_field *fields, size_t n, const char *const *texts)
{
	struct json_object *o = json_object_new_object();
	size_t              i;

	for (i = 0; i < n; i++)
		json_object_object_add(
		    o, fields[i].key, texts[i] != NULL ? json_object_new_string(texts[i]) : NULL);
	return o;
}

static const char *
rows_json(struct request *r, const struct tpl_table *t, const struct table_values *tv)
{
	struct json_object *rows = json_own(r, json_object_new_array());
	size_t              i;

	for (i = 0; i < tv->nrows; i++)
		json_object_array_add(
		    rows, texts_object(t->columns, t->ncolumns, tv->cells + i * t->ncolumns));
	return json_text(r, rows);
}

static int
reply_section(struct request *r, const struct section_claim *claim, const char *updated_by,
    struct json_object *data, struct json_object *tables)
{
	const char *etag = arena_printf(r->arena, "\"%s\"", claim->etag);

	reply_header(r, "ETag", etag);
	return reply_json(r, 200,
	    entry_section_json(r, claim->state, claim->revision, claim->etag, updated_by,
		claim->updated_at, data, tables));
}

/* A value the version's field accepts but the column, changed by a later version, cannot
 * hold (say "abc" after text -> integer): name each such field. The transaction is already
 * lost, so it is rolled back first and each value is tried against the column's type as the
 * table has it now. Always returns -1. */
static int
unfit_fields(struct request *r, const struct tc_section *cs, const char *fields_json)
{
	const struct tpl_section *s = cs->def;
	struct json_object       *vals = json_own(r, json_tokener_parse(fields_json));
	struct db_error           ignored;
	size_t                    i;

	db_rollback(r->db);
	for (i = 0; vals != NULL && i < s->nfields; i++) {
		struct json_object *v;

		if (!json_object_object_get_ex(vals, s->fields[i].key, &v) || v == NULL)
			continue;
		if (sstore_value_fits(r->db, r->arena, &ignored, cs->ident, s->fields[i].key,
			json_object_get_string(v)) == 0)
			problem_add_error(r, arena_printf(r->arena, "data.%s", s->fields[i].key),
			    "type",
			    "the column no longer holds this value (a later template version changed its type)");
	}
	return -1;
}

/* A constraint of the generated tables that the definition does not know (added by an
 * operator, say) refused the save: the whole batch rolls back, and the problem says which
 * part of the body it was about (the store names the statement that failed). Always -1. */
static int
constraint_error(struct request *r, const struct tc_section *cs, const char *fields_json,
    const struct save_failure *f)
{
	const struct tpl_section *s = cs->def;

	if (f->data && strncmp(r->dberr.sqlstate, "22", 2) == 0)
		return unfit_fields(r, cs, fields_json);
	if (strncmp(r->dberr.sqlstate, "23", 2) != 0)
		return -1;
	if (f->data)
		problem_add_error(r, "data", "constraint",
		    "a value breaks a constraint of the section's database table");
	if (f->table >= 0)
		problem_add_error(r, arena_printf(r->arena, "tables.%s", s->tables[f->table].key),
		    "constraint", "a row breaks a constraint of the table's database table");
	return -1;
}

/* The 422 of a save, for errs. */
static int
values_problem(struct request *r, const struct verr_list *errs, const char *what)
{
	size_t i;

	for (i = 0; i < errs->count; i++)
		problem_add_error(
		    r, errs->items[i].path, errs->items[i].code, errs->items[i].message);
	return PROBLEM(r, 422, "validation", "%s has %zu invalid value%s%s", what, errs->count,
	    errs->count == 1 ? "" : "s", errs->truncated ? " (only the first are listed)" : "");
}

/* Who takes the step: the signed-in user, claiming with c->etag; its effects are the workflow
 * table's (a save has none). */
static struct section_step
section_step(struct request *r, const struct section_ctx *c, const char *from, const char *to,
    const char *action, const char *comment, const struct wf_decision *d)
{
	struct section_step step = { c->id, c->section, c->etag, from, to, action, comment,
		request_actor(r), d != NULL && d->new_revision,
		wf_submitter_name(d != NULL ? d->submitter : WF_SUBMITTER_KEEP) };

	return step;
}

int
handle_section_save(struct request *r)
{
	struct section_ctx        c = { 0 };
	struct json_object       *body, *data, *tables, *after;
	struct verr_list          errs;
	struct section_values     vals;
	struct section_save       sv;
	struct section_step       step;
	struct section_claim      claim;
	struct save_failure       failed;
	const struct tpl_section *s;
	const char              **rows;
	size_t                    i;

	if (request_json_object(r, &body) != 0 || section_load_for_save(r, &c) != 0)
		return -1;
	if (c.loaded && strcmp(c.row.state, "draft") != 0)
		return PROBLEM(r, 409, "invalid-state",
		    "the section is %s: only a draft can be saved", c.row.state);
	s = c.cs->def;
	verr_init(&errs, r->arena);
	if (section_values_check(s, body, &errs, &vals) != 0)
		return values_problem(r, &errs, "the section");
	data = json_own(r, entry_data_from_values(s, &vals));
	tables = json_own(r, entry_tables_from_values(s, &vals));
	after = json_own(r, json_object_new_object());
	json_object_object_foreach(data, dk, dv)
	    json_object_object_add(after, dk, json_object_get(dv));
	json_object_object_foreach(tables, tk, tv)
	    json_object_object_add(after, tk, json_object_get(tv));
	rows = arena_zalloc(r->arena, (s->ntables + 1) * sizeof(*rows));
	for (i = 0; i < s->ntables; i++)
		if (vals.tables[i].nrows > 0)
			rows[i] = rows_json(r, &s->tables[i], &vals.tables[i]);
	sv.fields = json_text(r, json_own(r, texts_object(s->fields, s->nfields, vals.fields)));
	sv.rows = rows;
	sv.data = json_text(r, data);
	sv.tables = json_text(r, tables);
	sv.audit_after = json_text(r, after);
	sv.search = search_section_text(r->arena, s, &vals);
	step = section_step(r, &c, "draft", "draft", "save", NULL, NULL);
	/* A save is a PUT (no Idempotency-Key): its audit row and COMMIT go in the same batch. */
	if (sstore_save(STORE(r), c.cs, &step, &sv, &claim, &failed) != 0)
		return constraint_error(r, c.cs, sv.fields, &failed);
	return reply_section(
	    r, &claim, r->user->sub, json_object_get(data), json_object_get(tables));
}

/* What a workflow verdict means for the client. */
static int
verdict_problem(struct request *r, enum wf_verdict v, const char *action, const char *state)
{
	switch (v) {
	case WF_UNKNOWN_ACTION:
		problem_add_error(r, "action", "choice",
		    "must be one of submit, start_review, approve, reject, reopen");
		return PROBLEM(r, 422, "validation", "unknown action '%s'", action);
	case WF_FORBIDDEN_ROLE:
		return PROBLEM(
		    r, 403, "forbidden", "your roles do not allow %s on this template", action);
	case WF_INVALID_STATE:
		return PROBLEM(
		    r, 409, "invalid-transition", "%s is not possible from %s", action, state);
	case WF_SAME_PERSON:
		return PROBLEM(r, 403, "separation-of-duties",
		    "you wrote or submitted this revision, so someone else must %s it", action);
	case WF_COMMENT_REQUIRED:
		problem_add_error(r, "comment", "required", "a rejection needs a comment");
		return PROBLEM(r, 422, "validation", "reject needs a non-empty comment");
	default:
		return 0;
	}
}

/* A submit hands the section to review: its content must be what a save would accept
 * (required fields, min_rows, every constraint of its version), whether or not anyone saved
 * it. Reads the section's data and rows in one round trip and checks them as a save body;
 * 422 with every error, paths as in a save. */
static int
submit_check(struct request *r, struct section_ctx *c)
{
	const struct tpl_section *s = c->cs->def;
	struct json_object       *body, *tables;
	struct verr_list          errs;
	struct section_values     vals;
	struct section_texts      texts;
	size_t                    t;

	if (sstore_read_texts(STORE(r), c->cs, c->id, &texts) != 0)
		return -1;
	body = json_own(r, json_object_new_object());
	json_object_object_add(body, "data", entry_data_from_texts(s, texts.fields));
	tables = json_object_new_object();
	for (t = 0; t < s->ntables; t++)
		json_object_object_add(tables, s->tables[t].key,
		    entry_rows_from_texts(&s->tables[t], &texts.tables[t]));
	json_object_object_add(body, "tables", tables);
	verr_init(&errs, r->arena);
	if (section_values_check(s, body, &errs, &vals) != 0)
		return values_problem(r, &errs, "the section");
	/* Claim the revision that was checked: a save in between makes this a 412. */
	c->etag = c->row.etag;
	return 0;
}

int
handle_section_transition(struct request *r)
{
	static const char *const  allowed[] = { "action", "comment", NULL };
	struct section_ctx        c = { 0 };
	struct json_object       *body, *before, *after, *data, *tables;
	const char               *action = NULL, *comment = NULL, *state, *submitter, *to;
	struct audit_event        ev = { .object_type = "entry" };
	struct wf_decision        d;
	struct section_step       step;
	struct section_claim      claim;
	struct section_texts      texts;
	size_t                    t;
	const struct tpl_section *s;

	if (request_json_object(r, &body) != 0)
		return -1;
	json_only_members(r, body, allowed);
	if (json_take_string(r, body, "action", 40, 1, &action) == 0 && action == NULL)
		problem_add_error(r, "action", "required", "is required");
	json_take_string(r, body, "comment", 2000, 0, &comment);
	if (problem_error_count(r) > 0)
		return PROBLEM(r, 422, "validation", "the transition is not valid");
	c.transition = 1;
	if (section_load(r, &c) != 0)
		return -1;
	state = c.row.state;
	submitter = c.row.submitted_by;
	/* Separation of duties: whoever submitted this revision or wrote its data. */
	d = wf_decide(c.version->def->workflow, r->user->role_mask,
	    (submitter != NULL && strcmp(submitter, r->user->sub) == 0) || c.row.wrote,
	    (enum section_state)section_state_from_name(state), tpl_action_from_name(action),
	    comment);
	if (d.verdict != WF_OK)
		return verdict_problem(r, d.verdict, action, state);
	to = section_state_name(d.to);
	s = c.cs->def;
	if (tpl_action_from_name(action) == TPL_ACTION_SUBMIT && submit_check(r, &c) != 0)
		return -1;

	before = json_own(r, json_object_new_object());
	json_object_object_add(before, "state", json_object_new_string(state));
	after = json_own(r, json_object_new_object());
	json_object_object_add(after, "state", json_object_new_string(to));
	if (comment != NULL)
		json_object_object_add(after, "comment", json_object_new_string(comment));
	ev.object_id = c.id;
	ev.section = c.section;
	ev.action = action;
	ev.before = before;
	ev.after = after;
	step = section_step(r, &c, state, to, action, comment, &d);
	if (sstore_transition(STORE(r), c.cs, &step, &ev, &claim, &texts) != 0)
		return -1;
	data = entry_data_from_texts(s, texts.fields);
	tables = json_object_new_object();
	for (t = 0; t < s->ntables; t++)
		json_object_object_add(tables, s->tables[t].key,
		    entry_rows_from_texts(&s->tables[t], &texts.tables[t]));
	return reply_section(r, &claim, r->user->sub, data, tables);
}

int
handle_section_history(struct request *r)
{
	struct json_object *body, *items;
	struct history_row *rows;
	struct section_row  exists;
	int                 i, n, found;

	if (entry_id_param(r, 0) != 0 ||
	    (n = sstore_history(STORE(r), r->params[0], r->params[1], &rows)) < 0)
		return -1;
	/* A section nobody has saved or moved yet has an empty history; an unknown one is 404. */
	if (n == 0) {
		if ((found = sstore_section(STORE(r), r->params[0], r->params[1], NULL, &exists)) <
		    0)
			return -1;
		if (found == 0)
			return PROBLEM(r, 404, "not-found", "entry %s has no section '%s'",
			    r->params[0], r->params[1]);
	}
	items = json_object_new_array();
	for (i = 0; i < n; i++) {
		struct json_object *h = json_object_new_object();

		json_object_object_add(h, "revision", json_object_new_int(rows[i].revision));
		json_object_object_add(h, "action", json_object_new_string(rows[i].action));
		json_object_object_add(h, "from", json_object_new_string(rows[i].from));
		json_object_object_add(h, "to", json_object_new_string(rows[i].to));
		json_object_object_add(h, "actor", json_object_new_string(rows[i].actor));
		json_object_object_add(
		    h, "at", json_object_new_string(ts_from_pg(r->arena, rows[i].at)));
		json_object_object_add(h, "comment", json_str_or_null(rows[i].comment));
		json_object_object_add(
		    h, "data", rows[i].data == NULL ? NULL : json_tokener_parse(rows[i].data));
		json_object_object_add(h, "tables",
		    rows[i].tables == NULL ? NULL : json_tokener_parse(rows[i].tables));
		json_object_array_add(items, h);
	}
	body = json_object_new_object();
	json_object_object_add(body, "items", items);
	json_object_object_add(body, "next_cursor", NULL); /* the whole history, oldest first */
	return reply_json(r, 200, body);
}
