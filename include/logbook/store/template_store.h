/* template_store.h — templates and their versions (003_templates.sql), as typed rows.
 *
 * Strings in rows are the arena's. Lookups return 1 (found, *out filled), 0 (none) or -1 (e
 * filled); lists return the number of rows (*out an arena array) or -1. Times are PostgreSQL's
 * timestamptz text (UTC, ISO): render them with time_rfc3339_from_pg. user: who does it. */
#ifndef LOGBOOK_TEMPLATE_STORE_H
#define LOGBOOK_TEMPLATE_STORE_H

#include <stdbool.h>

#include "logbook/store/db_error.h"

struct arena;
struct db;

struct template_row {
	const char *key;
	bool        archived;
	const char *revision; /* the ETag's digits */
	const char *created_by, *created_at, *updated_at;
};

struct version_row {
	int         version;
	const char *status;     /* draft, published, archived */
	const char *definition; /* JSON text */
	const char *created_by, *created_at, *updated_at;
	const char *published_by, *published_at; /* NULL until published */
};

/* One line of the templates list: the template and its latest version. */
struct template_summary {
	const char *key;
	bool        archived;
	const char *revision, *updated_at;
	int         latest_version;
	const char *latest_status, *title; /* title NULL when the definition has none */
	int         published_version;     /* 0: none */
};

int tstore_template(struct db *db, struct arena *a, struct db_error *e, const char *key,
    int for_update, struct template_row *out);

/* Every version, newest first. */
int tstore_versions(
    struct db *db, struct arena *a, struct db_error *e, const char *key, struct version_row **out);
int tstore_version(struct db *db, struct arena *a, struct db_error *e, const char *key,
    const char *version, struct version_row *out);

/* Templates after `after` (key), at most limit. status: NULL, "draft", "published" or
 * "archived". */
int tstore_list(struct db *db, struct arena *a, struct db_error *e, const char *status,
    const char *after, int limit, struct template_summary **out);

/* The definitions of every version ever published, oldest first (JSON texts). */
int tstore_published_definitions(
    struct db *db, struct arena *a, struct db_error *e, const char *key, const char ***out);

/* Creates the template with version 1 as a draft: 1, or 0 when the key exists. */
int tstore_insert(struct db *db, struct arena *a, struct db_error *e, const char *key,
    const char *definition_json, const char *user);
/* Replaces the draft version's definition / adds a new draft version. 0 or -1. */
int tstore_draft_update(struct db *db, struct arena *a, struct db_error *e, const char *key,
    const char *version, const char *definition_json);
int tstore_draft_insert(struct db *db, struct arena *a, struct db_error *e, const char *key,
    const char *version, const char *definition_json, const char *user);
/* A new revision of the template (its ETag). 0 or -1. */
int tstore_touch(struct db *db, struct arena *a, struct db_error *e, const char *key);
/* Archives the template and its published version. 0 or -1. */
int tstore_archive(struct db *db, struct arena *a, struct db_error *e, const char *key);
/* Marks version published and the previously published one archived. 0 or -1. */
int tstore_mark_published(struct db *db, struct arena *a, struct db_error *e, const char *key,
    const char *version, const char *user);

#endif
