/* json_util.h — small helpers for reading request JSON and building responses with json-c. */
#ifndef LOGBOOK_JSON_UTIL_H
#define LOGBOOK_JSON_UTIL_H

#include <json-c/json.h>
#include <stddef.h>

struct request;

/* Hands o to the request's arena (json_object_put at the end of the request); returns o. */
struct json_object *json_own(struct request *r, struct json_object *o);

/* A new JSON string, or JSON null for NULL. */
struct json_object *json_str_or_null(const char *s);

/* The member as a string, or NULL when absent, null, or not a string (borrowed). */
const char *json_member_string(struct json_object *obj, const char *key);

/* Reads an optional string member for a handler: absent or null leaves *out untouched and
 * returns 0; a non-string, an empty string when nonempty is set, or more than max_chars code
 * points adds a field error (path = key) and returns -1. */
int json_take_string(struct request *r, struct json_object *obj, const char *key, size_t max_chars,
    int nonempty, const char **out);

/* 1 when every member of obj is named in allowed (NULL-terminated); otherwise adds an
 * `unknown_member` field error for each stranger and returns 0. */
int json_only_members(struct request *r, struct json_object *obj, const char *const *allowed);

/* Number of Unicode code points in valid UTF-8 s. */
size_t utf8_length(const char *s);

/* PostgreSQL text[] literal ("{\"a\",\"b\"}") for n strings, in the arena. */
char *pg_text_array(struct request *r, const char *const *items, int n);

/* Current time / a PostgreSQL timestamptz text as RFC 3339 UTC with milliseconds
 * ("2026-11-23T07:35:50.123Z"), in the arena. */
const char *time_rfc3339_from_pg(struct request *r, const char *pg_text);

#endif
