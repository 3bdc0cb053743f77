/* entries_list.c — GET /api/v1/entries with filters and keyset pagination (the statements are
 * store/entry_list.c). */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logbook/core/json_util.h"
#include "logbook/core/timestamp.h"
#include "logbook/domain/search_query.h"
#include "logbook/handlers/handlers.h"
#include "logbook/http/http.h"
#include "logbook/http/pagination.h"
#include "logbook/store/entry_list.h"
#include "logbook/store/entry_store.h"

/* The cursor is "<updated_at as PostgreSQL prints it>|<id>", and with q
 * "<rank>|<updated_at>|<id>" (the rank as PostgreSQL prints a real: it reads back exactly),
 * base64url-wrapped. A cursor of the other kind is refused. */
static int
split_cursor(struct request *r, const char *after, int ranked, const char **rank, const char **at,
    const char **id)
{
	const char *bar = after != NULL ? strrchr(after, '|') : NULL;
	const char *first = after != NULL ? strchr(after, '|') : NULL;

	if (bar == NULL || !uuid_valid(bar + 1) || (ranked ? first == bar : first != bar))
		return PROBLEM(r, 400, "bad-query", "cursor is not one this server issued");
	if (ranked) {
		*rank = arena_strndup(r->arena, after, (size_t)(first - after));
		after = first + 1;
	}
	*at = arena_strndup(r->arena, after, (size_t)(bar - after));
	*id = bar + 1;
	return 0;
}

/* Parses ?q= into the two text[] parameters of lb_search_query(). 0, or -1 with a 400. */
static int
search_params(struct request *r, const char *q, const char **kinds, const char **terms)
{
	struct search_query sq;
	enum search_error   err = search_query_parse(r->arena, q, &sq);
	const char         *k[SEARCH_TERMS_MAX], *t[SEARCH_TERMS_MAX];
	size_t              i;

	if (err != SEARCH_OK)
		return PROBLEM(r, 400, "bad-query", "%s", search_error_text(err));
	for (i = 0; i < sq.nterms; i++) {
		char *kind = arena_alloc(r->arena, 2);

		kind[0] = (char)sq.terms[i].kind;
		kind[1] = '\0';
		k[i] = kind;
		t[i] = sq.terms[i].text;
	}
	*kinds = pg_text_array(r->arena, k, (int)sq.nterms);
	*terms = pg_text_array(r->arena, t, (int)sq.nterms);
	return 0;
}

int
handle_entries_list(struct request *r)
{
	struct entry_filter    f = { 0 };
	struct entry_list_row *rows;
	struct json_object    *items;
	const char            *after, **p[5], *q;
	int                    limit, i, n;

	if (page_params(r, &limit, &after) != 0)
		return -1;
	f.template_key = request_query(r, "template");
	f.author = request_query(r, "author");
	f.updated_after = request_query(r, "updated_after");
	f.section = request_query(r, "section");
	f.state = request_query(r, "state");
	q = request_query(r, "q");
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
	if (q != NULL && *q != '\0' && search_params(r, q, &f.search_kinds, &f.search_terms) != 0)
		return -1;
	if (after != NULL &&
	    split_cursor(
		r, after, f.search_kinds != NULL, &f.cursor_rank, &f.cursor_at, &f.cursor_id) != 0)
		return -1;
	if ((n = estore_list(STORE(r), &f, limit + 1, &rows)) < 0) {
		/* A malformed updated_after or cursor value the database refused. */
		if (r->dberr.cls == DB_INVALID_VALUE || r->dberr.cls == DB_CONSTRAINT)
			return PROBLEM(r, 400, "bad-query",
			    after != NULL ? "updated_after must be an RFC 3339 time, and the cursor"
					    " one this server issued"
					  : "updated_after must be an RFC 3339 time");
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
	if (n <= limit)
		return reply_page(r, items, NULL);
	return reply_page(r, items,
	    f.search_kinds != NULL
		? arena_printf(r->arena, "%s|%s|%s", rows[limit - 1].rank,
		      rows[limit - 1].cursor_at, rows[limit - 1].id)
		: arena_printf(r->arena, "%s|%s", rows[limit - 1].cursor_at, rows[limit - 1].id));
}
