/* entry_store.h — SQL for entries and their sections (005_entries.sql). Results belong to the
 * request's arena; NULL means the problem is set. */
#ifndef LOGBOOK_ENTRY_STORE_H
#define LOGBOOK_ENTRY_STORE_H

#include <libpq-fe.h>
#include <stdbool.h>

#include "logbook/store/db.h"

struct request;

#define ENTRY_ID_TEXT 37

/* 1 when s is a UUID in its canonical text form (any version, either case). */
bool uuid_valid(const char *s);
/* A random (version 4) UUID into out. */
void uuid_generate(char out[ENTRY_ID_TEXT]);

/* Creates the entry from the latest published version, with a draft row per section.
 * Columns: template_version. No row: the id exists or the template has no published version
 * (see estore_create_why). */
PGresult *estore_create(struct request *r, const char *id, const char *key, const char *title);
/* Why a create inserted nothing: 404, 409 (archived or never published) or 409 (duplicate id).
 * Sets the problem and returns -1. */
int estore_create_why(struct request *r, const char *id, const char *key);

/* Columns: id, template_key, template_version, title, created_by, created_at, updated_at. */
PGresult *estore_entry(struct request *r, const char *id);
/* One section with its entry's template. Columns: template_key, template_version, state,
 * etag, revision, submitted_by. */
PGresult *estore_section(struct request *r, const char *id, const char *section);
/* The same columns, then `wrote` (boolean): user saved or submitted the current revision or
 * made the latest save (separation of duties, API.md). */
PGresult *estore_section_writer(
    struct request *r, const char *id, const char *section, const char *user);

/* section_claim(): $1 entry, $2 section, $3 etag or NULL, $4 actor, $5 from, $6 to, $7 action.
 * Columns: revision, etag, state, updated_at (RFC 3339). */
extern struct db_stmt estore_claim;
/* For batches: the entry ($1) as estore_entry returns it; and all its sections' states:
 * section, state, revision, etag, updated_by, updated_at. */
extern struct db_stmt estore_entry_stmt;
extern struct db_stmt estore_sections_stmt;
/* History row: $1 entry, $2 section, $3 action, $4 from, $5 to, $6 actor, $7 comment,
 * $8 data jsonb, $9 tables jsonb. */
extern struct db_stmt estore_history_insert;
/* Audit row of a save with a diff against the previous save: $1 actor, $2 roles, $3 entry,
 * $4 section, $5 request id, $6 client ip, $7 user agent, $8 data||tables jsonb. */
extern struct db_stmt estore_audit_save;

/* History of one section, oldest first. Columns: revision, action, from_state, to_state,
 * actor, at, comment, data, tables. */
PGresult *estore_history(struct request *r, const char *id, const char *section);

#endif
