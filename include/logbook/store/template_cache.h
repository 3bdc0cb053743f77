/* template_cache.h — per-worker cache of published template versions.
 *
 * A published version's definition never changes, so (key, version) -> parsed definition,
 * compiled patterns and the generated statements for its tables can be kept for the life of
 * the worker: no invalidation is needed when a later version is published (that one has its
 * own key), and the physical tables only ever gain columns. Bounded to TCACHE_SLOTS versions;
 * the least recently used goes first. */
#ifndef LOGBOOK_TEMPLATE_CACHE_H
#define LOGBOOK_TEMPLATE_CACHE_H

#include "logbook/domain/template_def.h"
#include "logbook/store/db.h"

#define TCACHE_SLOTS 64

struct tc_table {
	const struct tpl_table *def;
	const char             *ident;       /* quoted schema.table */
	struct db_stmt          read;        /* $1 entry id -> rows of column texts, by _row_no */
	struct db_stmt          delete_rows; /* $1 entry id */
	struct db_stmt          insert_rows; /* $1 entry id, $2 JSON array of row objects */
};

struct tc_section {
	const struct tpl_section *def;
	const char               *ident;  /* quoted schema.table */
	struct db_stmt            read;   /* $1 entry id -> one row of field texts */
	struct db_stmt            upsert; /* $1 entry id, $2 section key, $3 JSON object of texts */
	struct tc_table          *tables;
};

struct tc_version {
	const char        *key;
	int                version;
	struct tpl_def    *def;
	struct tc_section *sections; /* parallel to def->sections */
	/* The whole entry in one statement and one row: $1 entry id, $2.. the section keys
	 * (section_keys). Columns: template_key, template_version, title, created_by,
	 * created_at, updated_at, then per section: state, revision, etag, updated_by,
	 * updated_at, its field texts as one text[] literal, and per table its rows as a JSON
	 * array of arrays of texts (handlers/entry_view.c reads it back). */
	struct db_stmt read_entry;
	const char   **read_entry_params; /* [1..nsections] filled; [0] is the entry id */
	unsigned long  used;              /* LRU clock */
};

/* A table's rows as texts: nrows * the table's columns, row by row (NULL for SQL NULL). */
struct text_rows {
	size_t             nrows;
	const char *const *cells;
};

/* One section of an entry as tcache_read_entry read it. A version of up to
 * TCACHE_JOIN_SECTIONS sections is read with read_entry, one row: fields and tables come as
 * one text each. A larger one is read as a batch of small statements: field_texts and
 * table_rows instead. */
struct section_read {
	int present; /* 0: the entry has no row for it (cannot happen: made with the entry) */
	const char *state, *revision, *etag, *updated_by, *updated_at; /* PostgreSQL's text */
	const char *fields;             /* field texts as a text[] literal; NULL: no row yet */
	const char *const      *tables; /* per table: its rows as a JSON array of arrays of texts */
	const char *const      *field_texts; /* batched: the field texts (NULL: no row yet) */
	const struct text_rows *table_rows;  /* batched: per table */
};

/* The whole entry (entry_view.h renders it). */
struct entry_read {
	const char          *template_key;
	int                  template_version;
	const char          *title, *created_by, *created_at, *updated_at;
	struct section_read *sections; /* parallel to v->def->sections */
};

/* A large template's single-row statement joins two relations per section and has a subquery
 * per table: PostgreSQL plans it on every execution (custom plans), and planning that many
 * joins costs far more than running them (200 ms for 50 sections and 150 tables, 1.5-3.8 s
 * for 10,000 fields before the limits). Beyond this many sections, an entry is read as one
 * pipelined batch of small statements instead, each planned in microseconds: still one round
 * trip, and the cost grows linearly with the template. */
#define TCACHE_JOIN_SECTIONS 4

/* Reads the whole entry (read_entry, or the batch beyond TCACHE_JOIN_SECTIONS): 1, 0 when
 * there is no such entry, -1 with e. */
int tcache_read_entry(struct db *db, struct arena *a, struct db_error *e, struct tc_version *v,
    const char *id, struct entry_read *out);

/* The cached version, loaded and prepared on a miss (a is where the load works; the version
 * lives in its own arena). NULL with e (DB_NOT_FOUND when the template has no such version). The result lives until the worker exits or evicts it, which
 * happens only inside a later tcache_get: do not keep it across requests. */
struct tc_version *tcache_get(
    struct db *db, struct arena *a, struct db_error *e, const char *key, int version);

/* The texts of a section's read (cs->read: _revision, then the fields; NULL when the entry has
 * no row yet) and of a table's read, for the store's batches. */
const char *const *tcache_fields_of(struct arena *a, const PGresult *res, size_t nfields);
void tcache_rows_of(struct arena *a, const PGresult *res, size_t ncols, struct text_rows *out);

/* The section of a cached version by key, or NULL. */
const struct tc_section *tcache_section(const struct tc_version *v, const char *key);

#endif
