/* entry_list.h — GET /api/v1/entries in the store: filters and keyset pagination.
 *
 * One prepared statement per combination of filters (built on first use), so that each
 * runs with a plan for exactly its conditions: `$1 IS NULL OR ...` would keep PostgreSQL from
 * using the (template_key, updated_at, id) and (created_by, updated_at, id) indexes. The order
 * is (updated_at, id): a client syncing with updated_after and the cursor sees every change.
 * With a search (full-text, 007_inbox_search_stream.sql) the best matches come first:
 * ORDER BY rank DESC, updated_at, id, and the cursor carries the rank too. */
#ifndef LOGBOOK_ENTRY_LIST_H
#define LOGBOOK_ENTRY_LIST_H

#include "logbook/store/db_error.h"

struct arena;
struct db;

/* Every member NULL: no condition. cursor_at and cursor_id come together (a row's
 * entry_list_row.cursor_at and id): rows after it. */
struct entry_filter {
	const char *template_key, *author, *updated_after, *section, *state;
	const char *cursor_at, *cursor_id;
	/* A search: lb_search_query()'s two text[] literals (kinds, terms), or NULL; with it,
	 * the cursor carries the rank too (cursor_rank). */
	const char *search_kinds, *search_terms, *cursor_rank;
};

struct entry_list_row {
	const char *id, *template_key;
	int         template_version;
	const char *title, *created_by, *created_at, *updated_at; /* times as PostgreSQL prints */
	const char *cursor_at; /* updated_at exactly as the cursor needs it */
	const char *sections;  /* JSON object {section: {state, revision, etag}}, NULL when none */
	const char *rank;      /* with a search: ts_rank as PostgreSQL prints it (reads back) */
};

/* At most limit rows: the number, *out an arena array; -1 with e (DB_INVALID_VALUE for an
 * updated_after the database cannot read as a time). */
int estore_list(struct db *db, struct arena *a, struct db_error *e, const struct entry_filter *f,
    int limit, struct entry_list_row **out);

#endif
