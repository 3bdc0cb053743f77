/* pagination.c — see pagination.h. Cursors are base64url so that clients treat them as opaque. */
#include "logbook/http/pagination.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "logbook/http/http.h"

#define CURSOR_MAX 512

static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

const char *
page_cursor(struct request *r, const char *key)
{
	const unsigned char *s = (const unsigned char *)key;
	size_t               n = strlen(key), i, o = 0;
	char                *out = arena_alloc(r->arena, (n + 2) / 3 * 4 + 1);

	for (i = 0; i < n; i += 3) {
		unsigned v = (unsigned)s[i] << 16 | (i + 1 < n ? (unsigned)s[i + 1] << 8 : 0) |
		    (i + 2 < n ? s[i + 2] : 0);

		out[o++] = b64url[v >> 18 & 63];
		out[o++] = b64url[v >> 12 & 63];
		if (i + 1 < n)
			out[o++] = b64url[v >> 6 & 63];
		if (i + 2 < n)
			out[o++] = b64url[v & 63];
	}
	out[o] = '\0';
	return out;
}

static int
cursor_decode(struct request *r, const char *c, const char **out)
{
	size_t   n = strlen(c), i, o = 0;
	char    *buf;
	unsigned v = 0;
	int      bits = 0;

	if (n == 0 || n > CURSOR_MAX || n % 4 == 1)
		return -1;
	buf = arena_alloc(r->arena, n);
	for (i = 0; i < n; i++) {
		const char *p = strchr(b64url, c[i]);

		if (p == NULL || c[i] == '\0')
			return -1;
		v = v << 6 | (unsigned)(p - b64url);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf[o] = (char)(v >> bits & 0xFF);
			if (buf[o] == '\0')
				return -1;
			o++;
		}
	}
	buf[o] = '\0';
	*out = buf;
	return 0;
}

int
page_params(struct request *r, int *limit, const char **after)
{
	const char *l = request_query(r, "limit"), *c = request_query(r, "cursor");
	char       *end;
	long        v;

	*limit = PAGE_DEFAULT_LIMIT;
	*after = NULL;
	if (l != NULL) {
		v = strtol(l, &end, 10);
		if (*l == '\0' || *end != '\0' || v < 1 || v > PAGE_MAX_LIMIT)
			return PROBLEM(r, 400, "bad-query",
			    "limit must be a whole number from 1 to %d", PAGE_MAX_LIMIT);
		*limit = (int)v;
	}
	if (c != NULL && *c != '\0' && cursor_decode(r, c, after) != 0)
		return PROBLEM(r, 400, "bad-query", "cursor is not one this server issued");
	return 0;
}

int
reply_page(struct request *r, struct json_object *items, const char *next_key)
{
	struct json_object *body = json_object_new_object();

	json_object_object_add(body, "items", items);
	json_object_object_add(body, "next_cursor",
	    next_key != NULL ? json_object_new_string(page_cursor(r, next_key)) : NULL);
	return reply_json(r, 200, body);
}
