/* entries.h — helpers shared by the entry and section handlers. */
#ifndef LOGBOOK_ENTRIES_H
#define LOGBOOK_ENTRIES_H

struct request;
struct json_object;

/* A section in the API's shape; takes ownership of data and tables. */
struct json_object *entry_section_json(struct request *r, const char *state, const char *revision,
    const char *etag, const char *updated_by, const char *updated_at, struct json_object *data,
    struct json_object *tables);

/* Checks an {id} path parameter is a UUID (404 otherwise). */
int entry_id_param(struct request *r, const char *id);

#endif
