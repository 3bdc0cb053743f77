/* json_fields.c — reading members of a request body, with field errors for the problem. */
#include <json-c/json.h>
#include <string.h>

#include "logbook/core/json_util.h"
#include "logbook/domain/utf8.h"
#include "logbook/http/http.h"

struct json_object *
json_own(struct request *r, struct json_object *o)
{
	return json_arena_own(r->arena, o);
}

int
json_take_string(struct request *r, struct json_object *obj, const char *key, size_t max_chars,
    int nonempty, const char **out)
{
	struct json_object *v;
	const char         *s;

	if (!json_object_object_get_ex(obj, key, &v) || v == NULL)
		return 0;
	if (!json_object_is_type(v, json_type_string)) {
		problem_add_error(r, key, "type", "must be a string");
		return -1;
	}
	s = json_object_get_string(v);
	if (strlen(s) != (size_t)json_object_get_string_len(v)) {
		problem_add_error(r, key, "format", "must not contain NUL");
		return -1;
	}
	if (nonempty && *s == '\0') {
		problem_add_error(r, key, "required", "must not be empty");
		return -1;
	}
	if (utf8_count(s, strlen(s)) > max_chars) {
		problem_add_error(r, key, "max_length",
		    arena_printf(r->arena, "must be at most %zu characters", max_chars));
		return -1;
	}
	*out = s;
	return 0;
}

int
json_only_members(struct request *r, struct json_object *obj, const char *const *allowed)
{
	int ok = 1;

	json_object_object_foreach(obj, key, val)
	{
		const char *const *a;

		(void)val;
		for (a = allowed; *a != NULL && strcmp(*a, key) != 0; a++)
			;
		if (*a == NULL) {
			problem_add_error(r, arena_strdup(r->arena, key), "unknown_member",
			    "is not a known member");
			ok = 0;
		}
	}
	return ok;
}
