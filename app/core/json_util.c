/* json_util.c — see json_util.h. */
#include "logbook/core/json_util.h"

#include <stdio.h>
#include <string.h>

#include "logbook/http/http.h"

static void
json_put(void *o)
{
	json_object_put(o);
}

struct json_object *
json_own(struct request *r, struct json_object *o)
{
	return arena_own(r->arena, o, json_put);
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

size_t
utf8_length(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
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
	if (utf8_length(s) > max_chars) {
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

char *
pg_text_array(struct request *r, const char *const *items, int n)
{
	size_t len = 3;
	int    i;
	char  *out, *p;

	for (i = 0; i < n; i++)
		len += 2 * strlen(items[i]) + 3;
	p = out = arena_alloc(r->arena, len);
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

const char *
time_rfc3339_from_pg(struct request *r, const char *t)
{
	/* Our connection runs with TimeZone UTC and ISO DateStyle:
	 * "2026-11-23 07:35:50.123456+00" -> "2026-11-23T07:35:50.123Z". */
	char   frac[4] = "000";
	size_t i;

	if (t == NULL)
		return NULL;
	if (strlen(t) < 19)
		return arena_strdup(r->arena, t);
	if (t[19] == '.')
		for (i = 0; i < 3 && t[20 + i] >= '0' && t[20 + i] <= '9'; i++)
			frac[i] = t[20 + i];
	return arena_printf(r->arena, "%.10sT%.8s.%sZ", t, t + 11, frac);
}
