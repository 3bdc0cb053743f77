/* entries_list.c — GET /api/v1/entries with filters and keyset pagination (the statements are
 * store/entry_list.c). */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logbook/core/json_util.h"
#include "logbook/core/timestamp.h"
#include "logbook/handlers/handlers.h"
#include "logbook/http/http.h"
#include "logbook/http/pagination.h"
#include "logbook/store/entry_list.h"
#include "logbook/store/entry_store.h"

/* The cursor is "<updated_at as PostgreSQL prints it>|<id>", base64url-wrapped. */
static int
split_cursor(struct request *r, const char *after, const char **at, const char **id)
{
	const char *bar = after != NULL ? strrchr(after, '|') : NULL;

	if (bar == NULL || !uuid_valid(bar + 1))
		return PROBLEM(r, 400, "bad-query", "cursor is not one this server issued");
	*at = arena_strndup(r->arena, after, (size_t)(bar - after));
	*id = bar + 1;
	return 0;
}

int
handle_entries_list(struct request *r)
{
	struct entry_filter    f = { 0 };
	struct entry_list_row *rows;
	struct json_object    *items;
	const char            *after, **p[5];
	int                    limit, i, n;

	if (page_params(r, &limit, &after) != 0)
		return -1;
	f.template_key = request_query(r, "template");
	f.author = request_query(r, "author");
	f.updated_after = request_query(r, "updated_after");
	f.section = request_query(r, "section");
	f.state = request_query(r, "state");
	if (f.state != NULL && strcmp(f.state, "draft") != 0 && strcmp(f.state, "submitted") != 0 &&
	    strcmp(f.state, "in_review") != 0 && strcmp(f.state, "approved") != 0 &&
	    strcmp(f.state, "rejected") != 0)
		return PROBLEM(r, 400, "bad-query",
		    "state must be draft, submitted, in_review, approved or rejected");
	if (f.updated_after != NULL &&
	    (strlen(f.updated_after) < 10 || strlen(f.updated_after) > 40 ||
		strchr(f.updated_after, 'T') == NULL))
		return PROBLEM(r, 400, "bad-query", "updated_after must be an RFC 3339 time");
	/* An empty filter is no filter. */
	p[0] = &f.template_key;
	p[1] = &f.author;
	p[2] = &f.updated_after;
	p[3] = &f.section;
	p[4] = &f.state;
	for (i = 0; i < 5; i++)
		if (*p[i] != NULL && **p[i] == '\0')
			*p[i] = NULL;
	if (after != NULL && split_cursor(r, after, &f.cursor_at, &f.cursor_id) != 0)
		return -1;
	if ((n = estore_list(STORE(r), &f, limit + 1, &rows)) < 0) {
		/* A malformed updated_after the database refused. */
		if (r->dberr.cls == DB_INVALID_VALUE || r->dberr.cls == DB_CONSTRAINT)
			return PROBLEM(
			    r, 400, "bad-query", "updated_after must be an RFC 3339 time");
		return -1;
	}
	items = json_object_new_array();
	for (i = 0; i < n && i < limit; i++) {
		struct json_object *e = json_object_new_object();

		json_object_object_add(e, "id", json_object_new_string(rows[i].id));
		json_object_object_add(e, "template", json_object_new_string(rows[i].template_key));
		json_object_object_add(
		    e, "template_version", json_object_new_int(rows[i].template_version));
		json_object_object_add(e, "title", json_object_new_string(rows[i].title));
		json_object_object_add(e, "created_by", json_object_new_string(rows[i].created_by));
		json_object_object_add(e, "created_at",
		    json_object_new_string(ts_from_pg(r->arena, rows[i].created_at)));
		json_object_object_add(e, "updated_at",
		    json_object_new_string(ts_from_pg(r->arena, rows[i].updated_at)));
		json_object_object_add(e, "sections",
		    rows[i].sections == NULL ? json_object_new_object()
					     : json_tokener_parse(rows[i].sections));
		json_object_array_add(items, e);
	}
	return reply_page(r, items,
	    n > limit
		? arena_printf(r->arena, "%s|%s", rows[limit - 1].cursor_at, rows[limit - 1].id)
		: NULL);
}
