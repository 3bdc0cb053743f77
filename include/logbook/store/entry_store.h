/* entry_store.h — entries (005_entries.sql); their sections are section_store.h. Strings in
 * rows are the arena's. */
#ifndef LOGBOOK_ENTRY_STORE_H
#define LOGBOOK_ENTRY_STORE_H

#include <stdbool.h>

#include "logbook/store/db_error.h"

struct arena;
struct db;

#define ENTRY_ID_TEXT 37

/* 1 when s is a UUID in its canonical text form (any version, either case). */
bool uuid_valid(const char *s);
/* A random (version 4) UUID into out. */
void uuid_generate(char out[ENTRY_ID_TEXT]);

/* Creates the entry from the latest published version, with a draft row per section: the
 * version it was created with, or 0 when nothing was inserted (the id exists or the template
 * has no published version: see estore_create_why), or -1 with e. */
int estore_create(struct db *db, struct arena *a, struct db_error *e, const char *id,
    const char *key, const char *title, const char *user);
/* Why a create inserted nothing: one of these, or -1 with e. */
enum estore_refusal {
	ESTORE_NO_TEMPLATE,   /* no template with this key */
	ESTORE_ID_TAKEN,      /* an entry with this id exists */
	ESTORE_ARCHIVED,      /* the template is archived */
	ESTORE_NOT_PUBLISHED, /* the template has no published version */
};
int estore_create_why(
    struct db *db, struct arena *a, struct db_error *e, const char *id, const char *key);

/* An entry's own row; times are PostgreSQL's timestamptz text. */
struct entry_row {
	const char *id, *template_key;
	int         template_version;
	const char *title, *created_by, *created_at, *updated_at;
};

/* 1 found, 0 none, -1 with e. */
int estore_entry(
    struct db *db, struct arena *a, struct db_error *e, const char *id, struct entry_row *out);

#endif
