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

#endif
