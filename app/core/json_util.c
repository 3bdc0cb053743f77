/* json_util.c — see json_util.h. */
#include "logbook/core/json_util.h"

#include <stdio.h>
#include <string.h>

#include "logbook/core/arena.h"

static void
json_put(void *o)
{
	json_object_put(o);
}

struct json_object *
json_arena_own(struct arena *a, struct json_object *o)
{
	return arena_own(a, o, json_put);
}

struct json_object *
json_str_or_null(const char *s)
{
	return s != NULL ? json_object_new_string(s) : NULL;
}

const char *
json_member_string(struct json_object *obj, const char *key)
{
	struct json_object *v;

	if (obj == NULL || !json_object_object_get_ex(obj, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

char *
pg_text_array(struct arena *a, const char *const *items, int n)
{
	size_t len = 3;
	int    i;
	char  *out, *p;

	for (i = 0; i < n; i++)
		len += 2 * strlen(items[i]) + 3;
	p = out = arena_alloc(a, len);
	*p++ = '{';
	for (i = 0; i < n; i++) {
		const char *s;

		if (i > 0)
			*p++ = ',';
		*p++ = '"';
		for (s = items[i]; *s != '\0'; s++) {
			if (*s == '"' || *s == '\\')
				*p++ = '\\';
			*p++ = *s;
		}
		*p++ = '"';
	}
	*p++ = '}';
	*p = '\0';
	return out;
}
