/* sections.c — saving a section, moving it through the workflow, and its history.
 *
 * Both writes take two round trips to the database: one to read the section's state and
 * template version, one pipelined batch for the whole change (BEGIN, section_claim(), data,
 * history, audit); dispatch then commits. section_claim() re-checks the ETag and the state
 * under the row lock, so of many concurrent writers exactly one wins and the others get
 * 412 or 409 with nothing changed. */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logbook/core/json_util.h"
#include "logbook/domain/section_values.h"
#include "logbook/domain/section_workflow.h"
#include "logbook/handlers/entries.h"
#include "logbook/handlers/entry_view.h"
#include "logbook/handlers/handlers.h"
#include "logbook/http/http.h"
#include "logbook/store/audit_append.h"
#include "logbook/store/audit_context.h"
#include "logbook/store/db.h"
#include "logbook/store/entry_store.h"
#include "logbook/store/entry_versions.h"
#include "logbook/store/template_cache.h"
#include "logbook/worker/app.h"

struct section_ctx {
	const char              *id, *section;
	PGresult                *row; /* estore_section() */
	struct tc_version       *version;
	const struct tc_section *cs;
	const char              *etag; /* the If-Match value to claim with; NULL for "*" */
	int transition;                /* read who wrote the data too (estore_section_writer) */
};

/* Reads the section, checks If-Match against it and finds its definition. */
static int
section_load(struct request *r, struct section_ctx *c)
{
	const char *current;

	if (entry_id_param(r, 0) != 0)
		return -1;
	c->id = r->params[0];
	c->section = r->params[1];
	if ((c->row = c->transition ? estore_section_writer(r, c->id, c->section, r->user->sub)
				    : estore_section(r, c->id, c->section)) == NULL)
		return -1;
	if (PQntuples(c->row) == 0)
		return PROBLEM(
		    r, 404, "not-found", "entry %s has no section '%s'", c->id, c->section);
	current = PQgetvalue(c->row, 0, 3);
	if (request_if_match(r, arena_printf(r->arena, "\"%s\"", current), "the section") != 0)
		return -1;
	c->etag = strcmp(r->if_match, "*") == 0 ? NULL : current;
	entry_versions_remember(r, c->id, PQgetvalue(c->row, 0, 0), atoi(PQgetvalue(c->row, 0, 1)));
	if ((c->version = tcache_get(
		 r, PQgetvalue(c->row, 0, 0), atoi(PQgetvalue(c->row, 0, 1)))) == NULL)
		return -1;
	if ((c->cs = tcache_section(c->version, c->section)) == NULL)
		return PROBLEM(r, 404, "not-found", "section '%s' is not in version %d of '%s'",
		    c->section, c->version->version, c->version->key);
	return 0;
}

/* For a save: when this worker knows the entry's template version, nothing needs reading
 * first, since section_claim() checks the ETag and the state under the row lock anyway. Else
 * the full section_load(). c->row stays NULL on the quick path. */
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
	if ((c->version = tcache_get(r, key, version)) == NULL)
		return -1;
	if ((c->cs = tcache_section(c->version, c->section)) == NULL)
		return PROBLEM(
		    r, 404, "not-found", "entry %s has no section '%s'", c->id, c->section);
	return 0;
}

/* The first statements of every write batch: BEGIN, the audit context, section_claim(). */
static int
batch_start(struct request *r, struct db_batch *b, struct section_ctx *c, const char *from,
    const char *to, const char *action)
{
	const char **claim = arena_alloc(r->arena, 7 * sizeof(*claim));

	claim[0] = c->id;
	claim[1] = c->section;
	claim[2] = c->etag;
	claim[3] = r->user->sub;
	claim[4] = from;
	claim[5] = to;
	claim[6] = action;
	db_batch_init(b, r->arena);
	db_batch_add_sql(b, "BEGIN", 0, NULL);
	db_batch_add(b, &audit_context_stmt, 2, audit_context_values(r));
	return db_batch_add(b, &estore_claim, 7, claim);
}

/* The history row: data and tables as they are after this step (NULL keeps them out). */
static void
batch_history(struct request *r, struct db_batch *b, struct section_ctx *c, const char *action,
    const char *from, const char *to, const char *comment, const char *data, const char *tables)
{
	const char **h = arena_alloc(r->arena, 9 * sizeof(*h));

	h[0] = c->id;
	h[1] = c->section;
	h[2] = action;
	h[3] = from;
	h[4] = to;
	h[5] = r->user->sub;
	h[6] = comment;
	h[7] = data;
	h[8] = tables;
	db_batch_add(b, &estore_history_insert, 9, h);
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

/* The caller's roles as a PostgreSQL text[] literal, for audit rows. */
static const char *
user_roles_array(struct request *r)
{
	const char *roles[JWT_MAX_ROLES];
	int         n;

	for (n = 0; n < r->user->nroles; n++)
		roles[n] = r->user->roles[n];
	return pg_text_array(r, roles, n);
}

static int
reply_section(struct request *r, PGresult *claim, const char *updated_by, struct json_object *data,
    struct json_object *tables)
{
	const char *etag = arena_printf(r->arena, "\"%s\"", PQgetvalue(claim, 0, 1));

	reply_header(r, "ETag", etag);
	return reply_json(r, 200,
	    entry_section_json(r, PQgetvalue(claim, 0, 2), PQgetvalue(claim, 0, 0),
		PQgetvalue(claim, 0, 1), updated_by, PQgetvalue(claim, 0, 3), data, tables));
}

/* A value the version's field accepts but the column, changed by a later version, cannot
 * hold (say "abc" after text -> integer): name each such field. The transaction is already
 * lost, so it is rolled back first and each value is tried against the column's type as the
 * table has it now. Always returns -1. */
static int
unfit_fields(struct request *r, const struct db_batch *b, const struct tc_section *cs, int upsert)
{
	const struct tpl_section *s = cs->def;
	PGconn                   *conn = r->app->db.conn;
	const char *const        *p = b->items[upsert].values;
	struct json_object       *vals = json_tokener_parse(p[2]);
	size_t                    i;

	db_rollback(&r->app->db);
	for (i = 0; vals != NULL && i < s->nfields; i++) {
		struct json_object *v;
		const char         *q[3];
		PGresult           *res;

		if (!json_object_object_get_ex(vals, s->fields[i].key, &v) || v == NULL)
			continue;
		/* Parameters only: the value, the table, the column; the type comes back typed. */
		q[0] = json_object_get_string(v);
		q[1] = cs->ident;
		q[2] = s->fields[i].key;
		res = PQexecParams(conn, "SELECT public.lb_value_fits($1, $2::regclass, $3)", 3,
		    NULL, q, NULL, NULL, 0);
		if (PQresultStatus(res) == PGRES_TUPLES_OK && PQgetvalue(res, 0, 0)[0] == 'f')
			problem_add_error(r, arena_printf(r->arena, "data.%s", s->fields[i].key),
			    "type",
			    "the column no longer holds this value (a later template version changed its type)");
		PQclear(res);
	}
	json_object_put(vals);
	return -1;
}

/* A constraint of the generated tables that the definition does not know (added by an
 * operator, say) refused the save: the whole batch rolls back, and the problem says which
 * part of the body it was about. The first statement without a result is the one that
 * failed (the pipeline aborts everything after it). Always returns -1. */
static int
constraint_error(struct request *r, const struct db_batch *b, const struct tc_section *cs,
    int upsert, const int *inserts)
{
	const struct tpl_section *s = cs->def;
	int                       failed;
	size_t                    i;

	if (b->res == NULL)
		return -1;
	for (failed = 0; failed < b->n && b->res[failed] != NULL; failed++)
		;
	if (failed == upsert && strncmp(r->problem.sqlstate, "22", 2) == 0)
		return unfit_fields(r, b, cs, upsert);
	if (strncmp(r->problem.sqlstate, "23", 2) != 0)
		return -1;
	if (failed == upsert)
		problem_add_error(r, "data", "constraint",
		    "a value breaks a constraint of the section's database table");
	for (i = 0; i < s->ntables; i++)
		if (failed == inserts[i])
			problem_add_error(r, arena_printf(r->arena, "tables.%s", s->tables[i].key),
			    "constraint",
			    "a row breaks a constraint of the table's database table");
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

int
handle_section_save(struct request *r)
{
	struct section_ctx        c = { 0 };
	struct json_object       *body, *data, *tables, *after;
	struct verr_list          errs;
	struct section_values     vals;
	struct db_batch           b;
	const struct tpl_section *s;
	const char              **audit, **fields;
	int                       claim, upsert, *inserts;
	size_t                    i;

	if (request_json_object(r, &body) != 0 || section_load_for_save(r, &c) != 0)
		return -1;
	if (c.row != NULL && strcmp(PQgetvalue(c.row, 0, 2), "draft") != 0)
		return PROBLEM(r, 409, "invalid-state",
		    "the section is %s: only a draft can be saved", PQgetvalue(c.row, 0, 2));
	s = c.cs->def;
	verr_init(&errs, r->arena);
	if (section_values_check(s, body, &errs, &vals) != 0)
		return values_problem(r, &errs, "the section");
	data = json_own(r, entry_data_from_values(s, &vals));
	tables = json_own(r, entry_tables_from_values(s, &vals));

	claim = batch_start(r, &b, &c, "draft", "draft", "save");
	fields = arena_alloc(r->arena, 3 * sizeof(*fields));
	fields[0] = c.id;
	fields[1] = c.section;
	fields[2] = json_text(r, json_own(r, texts_object(s->fields, s->nfields, vals.fields)));
	upsert = db_batch_add(&b, (struct db_stmt *)&c.cs->upsert, 3, fields);
	inserts = arena_alloc(r->arena, (s->ntables + 1) * sizeof(*inserts));
	for (i = 0; i < s->ntables; i++) {
		const struct tc_table *ct = &c.cs->tables[i];
		const char           **rows;
		const char           **idp = arena_alloc(r->arena, sizeof(*idp));

		*idp = c.id;
		inserts[i] = -1;
		/* Table rows are replaced as a whole, inside the same transaction. */
		db_batch_add(&b, (struct db_stmt *)&ct->delete_rows, 1, idp);
		if (vals.tables[i].nrows == 0)
			continue;
		rows = arena_alloc(r->arena, 2 * sizeof(*rows));
		rows[0] = c.id;
		rows[1] = rows_json(r, ct->def, &vals.tables[i]);
		inserts[i] = db_batch_add(&b, (struct db_stmt *)&ct->insert_rows, 2, rows);
	}
	batch_history(
	    r, &b, &c, "save", "draft", "draft", NULL, json_text(r, data), json_text(r, tables));
	/* The audit row goes out with COMMIT (db_defer): the chain stays locked only that long. */
	after = json_own(r, json_object_new_object());
	json_object_object_foreach(data, dk, dv)
	    json_object_object_add(after, dk, json_object_get(dv));
	json_object_object_foreach(tables, tk, tv)
	    json_object_object_add(after, tk, json_object_get(tv));
	audit = arena_alloc(r->arena, 9 * sizeof(*audit));
	audit[0] = r->user->sub;
	audit[1] = user_roles_array(r);
	audit[2] = c.id;
	audit[3] = c.section;
	audit[4] = r->request_id;
	audit[5] = r->client_ip;
	audit[6] = r->user_agent;
	audit[7] = json_text(r, after);
	audit[8] = r->server_request_id;
	db_defer(r, &estore_audit_save, 9, audit);
	/* A save is a PUT (no Idempotency-Key): its audit row and COMMIT go in the same batch. */
	if (db_batch_commit(r, &b) != 0)
		return constraint_error(r, &b, c.cs, upsert, inserts);
	return reply_section(
	    r, b.res[claim], r->user->sub, json_object_get(data), json_object_get(tables));
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
	struct db_batch           b;
	const char              **idp = arena_alloc(r->arena, sizeof(*idp));
	int    read, *reads = arena_alloc(r->arena, (s->ntables + 1) * sizeof(int));
	size_t t;

	*idp = c->id;
	db_batch_init(&b, r->arena);
	read = db_batch_add(&b, (struct db_stmt *)&c->cs->read, 1, idp);
	for (t = 0; t < s->ntables; t++)
		reads[t] = db_batch_add(&b, (struct db_stmt *)&c->cs->tables[t].read, 1, idp);
	if (db_batch_run(r, &b) != 0)
		return -1;
	body = json_own(r, json_object_new_object());
	json_object_object_add(body, "data", entry_data_from_row(s, b.res[read]));
	tables = json_object_new_object();
	for (t = 0; t < s->ntables; t++)
		json_object_object_add(tables, s->tables[t].key,
		    entry_rows_from_result(&s->tables[t], b.res[reads[t]]));
	json_object_object_add(body, "tables", tables);
	verr_init(&errs, r->arena);
	if (section_values_check(s, body, &errs, &vals) != 0)
		return values_problem(r, &errs, "the section");
	/* Claim the revision that was checked: a save in between makes this a 412. */
	c->etag = PQgetvalue(c->row, 0, 3);
	return 0;
}

int
handle_section_transition(struct request *r)
{
	static const char *const  allowed[] = { "action", "comment", NULL };
	struct section_ctx        c = { 0 };
	struct json_object       *body, *before, *after, *data, *tables;
	const char               *action = NULL, *comment = NULL, *state, *submitter, *to;
	const char              **idp;
	struct audit_event        ev = { .object_type = "entry" };
	struct wf_decision        d;
	struct db_batch           b;
	int                       claim, read, *reads;
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
	state = PQgetvalue(c.row, 0, 2);
	submitter = db_value(c.row, 0, 5);
	/* Separation of duties: whoever submitted this revision or wrote its data. */
	d = wf_decide(c.version->def->workflow, r->user->role_mask,
	    (submitter != NULL && strcmp(submitter, r->user->sub) == 0) ||
		PQgetvalue(c.row, 0, 6)[0] == 't',
	    (enum section_state)section_state_from_name(state), tpl_action_from_name(action),
	    comment);
	if (d.verdict != WF_OK)
		return verdict_problem(r, d.verdict, action, state);
	to = section_state_name(d.to);
	s = c.cs->def;
	if (tpl_action_from_name(action) == TPL_ACTION_SUBMIT && submit_check(r, &c) != 0)
		return -1;

	claim = batch_start(r, &b, &c, state, to, action);
	batch_history(r, &b, &c, action, state, to, comment, NULL, NULL);
	/* The reply carries the section's data, read in the same round trip. */
	idp = arena_alloc(r->arena, sizeof(*idp));
	*idp = c.id;
	read = db_batch_add(&b, (struct db_stmt *)&c.cs->read, 1, idp);
	reads = arena_alloc(r->arena, (s->ntables + 1) * sizeof(*reads));
	for (t = 0; t < s->ntables; t++)
		reads[t] = db_batch_add(&b, (struct db_stmt *)&c.cs->tables[t].read, 1, idp);
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
	audit_append(r, &ev);
	if (db_batch_commit(r, &b) != 0)
		return -1;
	data = entry_data_from_row(s, b.res[read]);
	tables = json_object_new_object();
	for (t = 0; t < s->ntables; t++)
		json_object_object_add(tables, s->tables[t].key,
		    entry_rows_from_result(&s->tables[t], b.res[reads[t]]));
	return reply_section(r, b.res[claim], r->user->sub, data, tables);
}

int
handle_section_history(struct request *r)
{
	struct json_object *body, *items;
	PGresult           *res;
	int                 i;

	if (entry_id_param(r, 0) != 0 ||
	    (res = estore_history(r, r->params[0], r->params[1])) == NULL)
		return -1;
	/* A section nobody has saved or moved yet has an empty history; an unknown one is 404. */
	if (PQntuples(res) == 0) {
		PGresult *exists = estore_section(r, r->params[0], r->params[1]);

		if (exists == NULL)
			return -1;
		if (PQntuples(exists) == 0)
			return PROBLEM(r, 404, "not-found", "entry %s has no section '%s'",
			    r->params[0], r->params[1]);
	}
	items = json_object_new_array();
	for (i = 0; i < PQntuples(res); i++) {
		struct json_object *h = json_object_new_object();

		json_object_object_add(
		    h, "revision", json_object_new_int(atoi(PQgetvalue(res, i, 0))));
		json_object_object_add(h, "action", json_object_new_string(PQgetvalue(res, i, 1)));
		json_object_object_add(h, "from", json_object_new_string(PQgetvalue(res, i, 2)));
		json_object_object_add(h, "to", json_object_new_string(PQgetvalue(res, i, 3)));
		json_object_object_add(h, "actor", json_object_new_string(PQgetvalue(res, i, 4)));
		json_object_object_add(h, "at",
		    json_object_new_string(time_rfc3339_from_pg(r, PQgetvalue(res, i, 5))));
		json_object_object_add(h, "comment", json_str_or_null(db_value(res, i, 6)));
		json_object_object_add(h, "data",
		    PQgetisnull(res, i, 7) ? NULL : json_tokener_parse(PQgetvalue(res, i, 7)));
		json_object_object_add(h, "tables",
		    PQgetisnull(res, i, 8) ? NULL : json_tokener_parse(PQgetvalue(res, i, 8)));
		json_object_array_add(items, h);
	}
	body = json_object_new_object();
	json_object_object_add(body, "items", items);
	json_object_object_add(body, "next_cursor", NULL); /* the whole history, oldest first */
	return reply_json(r, 200, body);
}
