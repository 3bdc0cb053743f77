/* json_util.h — small helpers for reading request JSON and building responses with json-c. */
#ifndef LOGBOOK_JSON_UTIL_H
#define LOGBOOK_JSON_UTIL_H

#include <json-c/json.h>
#include <stddef.h>

struct arena;

/* Hands o to the arena (json_object_put when it is reset); returns o. */
struct json_object *json_arena_own(struct arena *a, struct json_object *o);

/* A new JSON string, or JSON null for NULL. */
struct json_object *json_str_or_null(const char *s);

/* The member as a string, or NULL when absent, null, or not a string (borrowed). */
const char *json_member_string(struct json_object *obj, const char *key);

/* PostgreSQL text[] literal ("{\"a\",\"b\"}") for n strings, in the arena. */
char *pg_text_array(struct arena *a, const char *const *items, int n);

#endif
