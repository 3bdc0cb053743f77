/* section_store.h — a section's state, its history, and the one-round-trip batches that save
 * it or move it through the workflow (005_entries.sql and the version's generated tables).
 *
 * Both writes are one pipelined batch: BEGIN, the audit context, section_claim() (which checks
 * the ETag and the state under the row lock, so that of many concurrent writers exactly one
 * wins), the change, the history row, the queued audit rows and COMMIT (db_batch_commit). */
#ifndef LOGBOOK_SECTION_STORE_H
#define LOGBOOK_SECTION_STORE_H

#include <stddef.h>

#include "logbook/store/db_error.h"
#include "logbook/store/template_cache.h"

struct arena;
struct audit_actor;
struct audit_event;
struct db;
struct tc_section;

/* A section with its entry's template. */
struct section_row {
	const char *template_key;
	int         template_version;
	const char *state, *etag, *revision;
	const char *submitted_by; /* NULL when never submitted */
	int         wrote;        /* the writer asked about saved or submitted this revision, or
				     made the latest save (separation of duties, API.md) */
};

/* 1 found, 0 no such entry or section, -1 with e. writer: a username to fill out->wrote for
 * (in the same round trip), or NULL. */
int sstore_section(struct db *db, struct arena *a, struct db_error *e, const char *id,
    const char *section, const char *writer, struct section_row *out);

struct section_texts;
/* The section's stored fields and table rows, in one round trip (a submit checks them). */
int sstore_read_texts(struct db *db, struct arena *a, struct db_error *e,
    const struct tc_section *cs, const char *id, struct section_texts *out);

struct history_row {
	int         revision;
	const char *action, *from, *to, *actor, *at; /* at: PostgreSQL's timestamptz text */
	const char *comment;                         /* NULL: none */
	const char *data, *tables;                   /* JSON texts, NULL: none */
};

/* The section's history, oldest first: the number, *out an arena array; -1 with e. */
int sstore_history(struct db *db, struct arena *a, struct db_error *e, const char *id,
    const char *section, struct history_row **out);

/* One workflow step: who moves which section from which state to which, claiming it with
 * etag (its digits; NULL for If-Match: *), and its effects as the workflow table says
 * (section_workflow.h): a new revision, and the submitter "set", "clear" or "keep". */
struct section_step {
	const char               *id, *section, *etag;
	const char               *from, *to, *action;
	const char               *comment; /* NULL: none */
	const struct audit_actor *who;
	int                       new_revision;
	const char               *submitter;
};

/* What section_claim() answered: the section after the step. updated_at is RFC 3339. */
struct section_claim {
	const char *revision, *etag, *state, *updated_at;
};

/* A save's values, as JSON texts: the fields (an object of normalized texts), each table's
 * rows (an array of such objects; NULL: no rows), and data / tables / data||tables in the API's
 * shape for the history row and the audit diff. */
struct section_save {
	const char        *fields;
	const char *const *rows; /* one per table of the section */
	const char        *data, *tables, *audit_after;
	const char        *search; /* the section's searchable text (search_section_text()) */
};

/* Which part of a failed save the database refused: the fields (data = 1) or the rows of
 * table `table` (>= 0); neither when the failure was elsewhere. */
struct save_failure {
	int data;
	int table;
};

/* Saves a draft section (step: draft -> draft, "save") and commits. 0 with *out, or -1 with
 * e and *failed. */
int sstore_save(struct db *db, struct arena *a, struct db_error *e, const struct tc_section *cs,
    const struct section_step *step, const struct section_save *values, struct section_claim *out,
    struct save_failure *failed);

/* The section's stored texts, as a transition reads them back in its batch: the fields
 * (NULL when the section has no row yet; an item NULL for SQL NULL) and per table its rows
 * (struct text_rows, template_cache.h). */
struct section_texts {
	const char *const *fields;
	struct text_rows  *tables; /* one per table of the section */
};

/* Moves the section (the audit event ev goes with the COMMIT) and reads its data in the same
 * round trip. 0 with *out and *texts, or -1 with e. */
int sstore_transition(struct db *db, struct arena *a, struct db_error *e,
    const struct tc_section *cs, const struct section_step *step, const struct audit_event *ev,
    struct section_claim *out, struct section_texts *texts);

/* Whether value (text) fits column of table (a quoted schema.table) as the table has it now:
 * 1 it does, 0 it does not, -1 with e. Outside a transaction. */
int sstore_value_fits(struct db *db, struct arena *a, struct db_error *e, const char *table,
    const char *column, const char *value);

#endif
