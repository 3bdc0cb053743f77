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
	 * array of arrays of texts (entry_json.c reads it back). */
	struct db_stmt read_entry;
	const char   **read_entry_params; /* [1..nsections] filled; [0] is the entry id */
	unsigned long  used;              /* LRU clock */
};

/* Column where section i's five state columns start in read_entry's row. */
int tcache_entry_column(const struct tc_version *v, size_t section);

/* The cached version, loaded and prepared on a miss. NULL with a problem (404 when the
 * template has no such version). The result lives until the worker exits or evicts it, which
 * happens only inside a later tcache_get: do not keep it across requests. */
struct tc_version *tcache_get(struct request *r, const char *key, int version);

/* The section of a cached version by key, or NULL. */
const struct tc_section *tcache_section(const struct tc_version *v, const char *key);

#endif
