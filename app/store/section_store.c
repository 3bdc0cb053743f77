/* section_store.c — the statements and batches behind section_store.h. */
#include "logbook/store/section_store.h"

#include <stdlib.h>

#include "logbook/core/arena.h"
#include "logbook/core/json_util.h"
#include "logbook/core/timestamp.h"
#include "logbook/domain/template_def.h"
#include "logbook/store/audit_append.h"
#include "logbook/store/audit_context.h"
#include "logbook/store/db.h"
#include "logbook/store/template_cache.h"

enum { S_TEMPLATE, S_VERSION, S_STATE, S_ETAG, S_REVISION, S_SUBMITTED_BY };
static const char *const section_cols[] = { "template_key", "template_version", "state", "etag",
	"revision", "submitted_by", NULL };
DB_STMT_COLS(stmt_section,
    "SELECT e.template_key, e.template_version, s.state, s.etag, s.revision, s.submitted_by"
    " FROM entries e JOIN entry_sections s ON s.entry_id = e.id"
    " WHERE e.id = $1::uuid AND s.section = $2",
    section_cols);

/* stmt_section, plus whether $3 wrote the data under review: saved or submitted the current
 * revision, or made the latest save (a reopened revision submitted unchanged carries the data
 * of the revision before). For separation of duties, in the same round trip. */
enum { S_WROTE = S_SUBMITTED_BY + 1 };
static const char *const section_writer_cols[] = { "template_key", "template_version", "state",
	"etag", "revision", "submitted_by", "wrote", NULL };
DB_STMT_COLS(stmt_section_writer,
    "SELECT e.template_key, e.template_version, s.state, s.etag, s.revision, s.submitted_by,"
    " EXISTS (SELECT 1 FROM section_history h WHERE h.entry_id = s.entry_id"
    "   AND h.section = s.section AND h.revision = s.revision"
    "   AND h.action IN ('save', 'submit') AND h.actor = $3)"
    " OR coalesce((SELECT h.actor = $3 FROM section_history h WHERE h.entry_id = s.entry_id"
    "   AND h.section = s.section AND h.action = 'save' ORDER BY h.id DESC LIMIT 1), false)"
    " AS wrote"
    " FROM entries e JOIN entry_sections s ON s.entry_id = e.id"
    " WHERE e.id = $1::uuid AND s.section = $2",
    section_writer_cols);

enum { H_REVISION, H_ACTION, H_FROM, H_TO, H_ACTOR, H_AT, H_COMMENT, H_DATA, H_TABLES };
static const char *const history_cols[] = { "revision", "action", "from_state", "to_state", "actor",
	"at", "comment", "data", "tables", NULL };
DB_STMT_COLS(stmt_history,
    "SELECT revision, action, from_state, to_state, actor, at, comment, data, tables"
    " FROM section_history WHERE entry_id = $1::uuid AND section = $2 ORDER BY id",
    history_cols);

/* section_claim(): $1 entry, $2 section, $3 etag or NULL, $4 actor, $5 from, $6 to, $7 action,
 * $8 new revision, $9 submitter effect (010_section_claim_effects.sql). */
enum { CL_REVISION, CL_ETAG, CL_STATE, CL_UPDATED_AT };
static const char *const claim_cols[] = { "revision", "etag", "state", "updated_at", NULL };
DB_STMT_COLS(stmt_claim,
    "SELECT revision, etag, state, " TS_SQL("updated_at",
	TS_SQL_MS) " AS updated_at"
		   " FROM section_claim($1::uuid, $2, $3::bigint, $4, $5, $6, $7, $8::boolean, $9)",
    claim_cols);

/* History row: $1 entry, $2 section, $3 action, $4 from, $5 to, $6 actor, $7 comment,
 * $8 data jsonb, $9 tables jsonb. A transition (data NULL) records the data of the latest
 * save, so that every history item shows the section as it was at that step. */
DB_STMT(stmt_history_insert,
    "INSERT INTO section_history (entry_id, section, revision, action, from_state, to_state, actor,"
    " comment, data, tables) SELECT $1::uuid, $2, s.revision, $3, $4, $5, $6, $7,"
    " coalesce($8::jsonb, last.data), coalesce($9::jsonb, last.tables)"
    " FROM entry_sections s LEFT JOIN LATERAL (SELECT data, tables FROM section_history h"
    "   WHERE h.entry_id = s.entry_id AND h.section = s.section AND h.action = 'save'"
    "   ORDER BY h.id DESC LIMIT 1) last ON true"
    " WHERE s.entry_id = $1::uuid AND s.section = $2");

/* The section's searchable text, then the entry's vector from its title and every section's
 * part: in the save's own batch, so that search sees exactly what committed, and only when the
 * section's text changed (a save that changes numbers only writes nothing here).
 * section_claim() has locked the entry's row already, so concurrent saves of one entry's
 * sections take turns and each sees the others' parts. $1 entry, $2 section, $3 text. */
DB_STMT(stmt_search_save,
    "WITH s AS (UPDATE entry_sections SET search = to_tsvector('simple', $3)"
    "   WHERE entry_id = $1::uuid AND section = $2 AND search <> to_tsvector('simple', $3)"
    "   RETURNING entry_id, search)"
    " INSERT INTO entry_search (entry_id, search)"
    " SELECT s.entry_id, setweight(to_tsvector('simple', e.title), 'A') ||"
    "   coalesce((SELECT lb_tsvector_agg(x.search ORDER BY x.section) FROM entry_sections x"
    "     WHERE x.entry_id = $1::uuid AND x.section <> $2), '') || s.search"
    " FROM s JOIN entries e ON e.id = s.entry_id"
    " ON CONFLICT (entry_id) DO UPDATE SET search = EXCLUDED.search");

enum { FITS };
static const char *const fits_cols[] = { "fits", NULL };
DB_STMT_COLS(
    stmt_value_fits, "SELECT public.lb_value_fits($1, $2::regclass, $3) AS fits", fits_cols);

/* Values that must outlive the call (a batch runs after its builder returns). */
static const char **
params(struct arena *a, int n)
{
	return arena_zalloc(a, (size_t)n * sizeof(const char *));
}

int
sstore_section(struct db *db, struct arena *a, struct db_error *e, const char *id,
    const char *section, const char *writer, struct section_row *out)
{
	const char *v[3] = { id, section, writer };
	PGresult   *res = writer != NULL ? db_exec(db, a, e, &stmt_section_writer, 3, v)
					 : db_exec(db, a, e, &stmt_section, 2, v);

	if (res == NULL)
		return -1;
	if (PQntuples(res) == 0)
		return 0;
	out->template_key = PQgetvalue(res, 0, S_TEMPLATE);
	out->template_version = atoi(PQgetvalue(res, 0, S_VERSION));
	out->state = PQgetvalue(res, 0, S_STATE);
	out->etag = PQgetvalue(res, 0, S_ETAG);
	out->revision = PQgetvalue(res, 0, S_REVISION);
	out->submitted_by = db_value(res, 0, S_SUBMITTED_BY);
	out->wrote = writer != NULL && PQgetvalue(res, 0, S_WROTE)[0] == 't';
	return 1;
}

int
sstore_read_texts(struct db *db, struct arena *a, struct db_error *e, const struct tc_section *cs,
    const char *id, struct section_texts *out)
{
	const struct tpl_section *s = cs->def;
	struct db_batch           b;
	const char              **idp = params(a, 1);
	int                       read, *reads = arena_alloc(a, (s->ntables + 1) * sizeof(int));
	size_t                    t;

	*idp = id;
	db_batch_init(&b, a);
	read = db_batch_add(&b, (struct db_stmt *)&cs->read, 1, idp);
	for (t = 0; t < s->ntables; t++)
		reads[t] = db_batch_add(&b, (struct db_stmt *)&cs->tables[t].read, 1, idp);
	if (db_batch_run(db, a, e, &b) != 0)
		return -1;
	out->fields = tcache_fields_of(a, b.res[read], s->nfields);
	out->tables = arena_zalloc(a, (s->ntables + 1) * sizeof(*out->tables));
	for (t = 0; t < s->ntables; t++)
		tcache_rows_of(a, b.res[reads[t]], s->tables[t].ncolumns, &out->tables[t]);
	return 0;
}

int
sstore_history(struct db *db, struct arena *a, struct db_error *e, const char *id,
    const char *section, struct history_row **out)
{
	const char *v[2] = { id, section };
	PGresult   *res = db_exec(db, a, e, &stmt_history, 2, v);
	int         i, n;

	if (res == NULL)
		return -1;
	n = PQntuples(res);
	*out = arena_zalloc(a, ((size_t)n + 1) * sizeof(**out));
	for (i = 0; i < n; i++) {
		struct history_row *h = &(*out)[i];

		h->revision = atoi(PQgetvalue(res, i, H_REVISION));
		h->action = PQgetvalue(res, i, H_ACTION);
		h->from = PQgetvalue(res, i, H_FROM);
		h->to = PQgetvalue(res, i, H_TO);
		h->actor = PQgetvalue(res, i, H_ACTOR);
		h->at = PQgetvalue(res, i, H_AT);
		h->comment = db_value(res, i, H_COMMENT);
		h->data = db_value(res, i, H_DATA);
		h->tables = db_value(res, i, H_TABLES);
	}
	return n;
}

/* The first statements of every write batch: BEGIN, the audit context, section_claim(). */
static int
batch_start(struct arena *a, struct db_batch *b, const struct section_step *s)
{
	const char **claim = params(a, 9);

	claim[0] = s->id;
	claim[1] = s->section;
	claim[2] = s->etag;
	claim[3] = s->who->sub;
	claim[4] = s->from;
	claim[5] = s->to;
	claim[6] = s->action;
	claim[7] = s->new_revision ? "true" : "false";
	claim[8] = s->submitter != NULL ? s->submitter : "keep";
	db_batch_init(b, a);
	db_batch_add_sql(b, "BEGIN", 0, NULL);
	db_batch_add(b, &audit_context_stmt, 2, audit_context_values(a, s->who));
	return db_batch_add(b, &stmt_claim, 9, claim);
}

/* The history row: data and tables as they are after this step (NULL keeps the last save's). */
static void
batch_history(struct arena *a, struct db_batch *b, const struct section_step *s, const char *data,
    const char *tables)
{
	const char **h = params(a, 9);

	h[0] = s->id;
	h[1] = s->section;
	h[2] = s->action;
	h[3] = s->from;
	h[4] = s->to;
	h[5] = s->who->sub;
	h[6] = s->comment;
	h[7] = data;
	h[8] = tables;
	db_batch_add(b, &stmt_history_insert, 9, h);
}

static void
claim_read(const PGresult *res, struct section_claim *c)
{
	c->revision = PQgetvalue(res, 0, CL_REVISION);
	c->etag = PQgetvalue(res, 0, CL_ETAG);
	c->state = PQgetvalue(res, 0, CL_STATE);
	c->updated_at = PQgetvalue(res, 0, CL_UPDATED_AT);
}

int
sstore_save(struct db *db, struct arena *a, struct db_error *e, const struct tc_section *cs,
    const struct section_step *step, const struct section_save *values, struct section_claim *out,
    struct save_failure *failed)
{
	const struct tpl_section *s = cs->def;
	struct db_batch           b;
	const char              **fields = params(a, 3), **idp = params(a, 1);
	int                       claim, upsert, *inserts;
	size_t                    i;

	failed->data = 0;
	failed->table = -1;
	claim = batch_start(a, &b, step);
	fields[0] = step->id;
	fields[1] = step->section;
	fields[2] = values->fields;
	upsert = db_batch_add(&b, (struct db_stmt *)&cs->upsert, 3, fields);
	*idp = step->id;
	inserts = arena_alloc(a, (s->ntables + 1) * sizeof(*inserts));
	for (i = 0; i < s->ntables; i++) {
		const struct tc_table *ct = &cs->tables[i];
		const char           **rows;

		inserts[i] = -1;
		/* Table rows are replaced as a whole, inside the same transaction. */
		db_batch_add(&b, (struct db_stmt *)&ct->delete_rows, 1, idp);
		if (values->rows[i] == NULL)
			continue;
		rows = params(a, 2);
		rows[0] = step->id;
		rows[1] = values->rows[i];
		inserts[i] = db_batch_add(&b, (struct db_stmt *)&ct->insert_rows, 2, rows);
	}
	if (values->search != NULL) {
		const char **sp = params(a, 3);

		sp[0] = step->id;
		sp[1] = step->section;
		sp[2] = values->search;
		db_batch_add(&b, &stmt_search_save, 3, sp);
	}
	batch_history(a, &b, step, values->data, values->tables);
	/* The audit row goes out with COMMIT: the chain stays locked only that long. */
	audit_append_save(db, a, step->who, step->id, step->section, values->audit_after);
	if (db_batch_commit(db, a, e, &b) != 0) {
		failed->data = e->item == upsert;
		for (i = 0; i < s->ntables; i++)
			if (e->item >= 0 && e->item == inserts[i])
				failed->table = (int)i;
		return -1;
	}
	claim_read(b.res[claim], out);
	return 0;
}

int
sstore_transition(struct db *db, struct arena *a, struct db_error *e, const struct tc_section *cs,
    const struct section_step *step, const struct audit_event *ev, struct section_claim *out,
    struct section_texts *texts)
{
	const struct tpl_section *s = cs->def;
	struct db_batch           b;
	const char              **idp = params(a, 1);
	int                       claim, read, *reads;
	size_t                    t;

	claim = batch_start(a, &b, step);
	batch_history(a, &b, step, NULL, NULL);
	/* The reply carries the section's data, read in the same round trip. */
	*idp = step->id;
	read = db_batch_add(&b, (struct db_stmt *)&cs->read, 1, idp);
	reads = arena_alloc(a, (s->ntables + 1) * sizeof(*reads));
	for (t = 0; t < s->ntables; t++)
		reads[t] = db_batch_add(&b, (struct db_stmt *)&cs->tables[t].read, 1, idp);
	audit_append(db, a, e, step->who, ev);
	if (db_batch_commit(db, a, e, &b) != 0)
		return -1;
	claim_read(b.res[claim], out);
	texts->fields = tcache_fields_of(a, b.res[read], s->nfields);
	texts->tables = arena_zalloc(a, (s->ntables + 1) * sizeof(*texts->tables));
	for (t = 0; t < s->ntables; t++)
		tcache_rows_of(a, b.res[reads[t]], s->tables[t].ncolumns, &texts->tables[t]);
	return 0;
}

int
sstore_value_fits(struct db *db, struct arena *a, struct db_error *e, const char *table,
    const char *column, const char *value)
{
	/* Parameters only: the value, the table, the column; the type comes back typed. */
	const char *v[3] = { value, table, column };
	PGresult   *res = db_exec(db, a, e, &stmt_value_fits, 3, v);

	if (res == NULL)
		return -1;
	return PQgetvalue(res, 0, FITS)[0] != 'f';
}
