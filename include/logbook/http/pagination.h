/* pagination.h — ?limit= and opaque ?cursor= for keyset-paginated lists (API.md). */
#ifndef LOGBOOK_PAGINATION_H
#define LOGBOOK_PAGINATION_H

struct request;

#define PAGE_DEFAULT_LIMIT 50
#define PAGE_MAX_LIMIT     500

/* Reads ?limit= (default 50, 1..500) and ?cursor= (base64url of the last item's key text,
 * *after NULL when absent). Returns 0, or -1 with a 400 problem. */
int page_params(struct request *r, int *limit, const char **after);

/* The cursor for a key text (arena). */
const char *page_cursor(struct request *r, const char *key);

struct json_object;

/* Replies 200 {"items": items, "next_cursor": page_cursor(next_key) or null}; takes items. */
int reply_page(struct request *r, struct json_object *items, const char *next_key);

#endif
