/* entries.h — helpers shared by the entry and section handlers. */
#ifndef LOGBOOK_ENTRIES_H
#define LOGBOOK_ENTRIES_H

struct request;
struct json_object;

/* A section in the API's shape; takes ownership of data and tables. */
struct json_object *entry_section_json(struct request *r, const char *state, const char *revision,
    const char *etag, const char *updated_by, const char *updated_at, struct json_object *data,
    struct json_object *tables);

/* Checks the {id} path parameter r->params[i] is a UUID (404 otherwise) and replaces it by
 * its canonical spelling (lower case), so that audit rows, caches and replies name an entry
 * one way whatever case the client used. Returns 0 or -1. */
int entry_id_param(struct request *r, int i);

/* Remembers (id, key, version) in the worker's entry_versions once r's transaction has
 * committed (request_on_commit): a create that rolls back leaves nothing behind, so a later
 * entry with the same client id under another template is never mistaken for it. Handlers use
 * this, not entry_versions_put. */
void entry_versions_remember(struct request *r, const char *id, const char *key, int version);

#endif
