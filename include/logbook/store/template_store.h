/* template_store.h — SQL for templates and their versions (003_templates.sql).
 * Results belong to the request's arena; NULL means the problem is set. */
#ifndef LOGBOOK_TEMPLATE_STORE_H
#define LOGBOOK_TEMPLATE_STORE_H

#include <libpq-fe.h>

struct request;
struct json_object;

/* Columns of tstore_template: key, archived, revision, created_by, created_at, updated_at. */
PGresult *tstore_template(struct request *r, const char *key, int for_update);

/* Columns: version, status, definition, created_by, created_at, updated_at, published_by,
 * published_at; newest first. */
PGresult *tstore_versions(struct request *r, const char *key);
PGresult *tstore_version(struct request *r, const char *key, const char *version);

/* Templates page after `after` (key), with the latest version's title and status summary.
 * status: NULL, "draft", "published" or "archived". Columns: key, archived, revision,
 * updated_at, latest_version, latest_status, title, published_version. */
PGresult *tstore_list(struct request *r, const char *status, const char *after, int limit);

PGresult *tstore_insert(struct request *r, const char *key, const char *definition_json);
PGresult *tstore_draft_update(
    struct request *r, const char *key, const char *version, const char *definition_json);
PGresult *tstore_draft_insert(
    struct request *r, const char *key, const char *version, const char *definition_json);
PGresult *tstore_touch(struct request *r, const char *key);
PGresult *tstore_archive(struct request *r, const char *key);
/* Marks version published and the previously published one archived. */
PGresult *tstore_mark_published(struct request *r, const char *key, const char *version);

#endif
