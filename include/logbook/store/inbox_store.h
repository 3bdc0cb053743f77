/* inbox_store.h — the sections a user may act on now (GET /api/v1/inbox), oldest waiting first.
 *
 * Waiting states and their actions come from template_workflow (007_inbox_search_stream.sql),
 * which a trigger keeps from each version's `workflow`: submitted -> start_review,
 * in_review -> approve/reject, rejected -> reopen. Separation of duties is applied in the same
 * query: the submitter of the current revision gets no reviewing action. The scan walks the
 * partial index entry_sections_waiting in (state_since, entry_id, section) order and stops at
 * the page's end: no sort, whatever the number of entries. */
#ifndef LOGBOOK_STORE_INBOX_STORE_H
#define LOGBOOK_STORE_INBOX_STORE_H

#include <stdbool.h>

#include "logbook/store/db_error.h"

struct arena;
struct db;

struct inbox_query {
	const char *user;     /* the caller's sub (separation of duties) */
	const char *roles;    /* the caller's roles as a text[] literal */
	bool        admin;    /* admin counts as every role */
	const char *template; /* only this template's entries; NULL for all */
	const char *after;    /* cursor key from inbox_cursor(), NULL for the first page */
	int         limit;    /* page size */
};

struct inbox_item {
	const char *entry_id, *template, *title, *section, *state;
	int         revision;
	const char *waiting_since; /* RFC 3339 UTC with microseconds */
	const char *actions;       /* JSON array of action names, in API.md order */
	const char *key;           /* the cursor key of this item */
};

/* Reads one page: up to q->limit items into *items (arena), *n of them, and *more when a next
 * page exists. Returns 0, INBOX_BAD_CURSOR for a cursor this server did not issue, or -1
 * with e. */
/* -2 from inbox_page: q->after is not a cursor this server issued. */
#define INBOX_BAD_CURSOR -2
int inbox_page(struct db *db, struct arena *a, struct db_error *e, const struct inbox_query *q,
    struct inbox_item **items, int *n, bool *more);

#endif
