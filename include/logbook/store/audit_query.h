/* audit_query.h — reading the audit trail: the filters of GET /api/v1/audit (and export and
 * events) turned into one parameterised SELECT in seq order.
 *
 * Only the filters given become conditions, so every query is one the indexes of
 * 002_audit.sql and 006_audit_trail.sql answer directly (no `$1 IS NULL OR ...` that a generic
 * plan could not use). */
#ifndef LOGBOOK_AUDIT_QUERY_H
#define LOGBOOK_AUDIT_QUERY_H

#include <libpq-fe.h>
#include <stddef.h>

struct arena;
struct request;

/* At most this many $n parameters in an audit query. */
#define AUDIT_QUERY_MAX_PARAMS 10

/* Longest filter value accepted, in bytes. */
#define AUDIT_FILTER_MAX 256

struct audit_filter {
	const char *object_type, *object_id, *actor, *action, *request_id;
	const char *from, *to;   /* RFC 3339, checked and normalised (from <= at < to) */
	const char *after;       /* seq as decimal digits: rows with seq > after; NULL: all */
	int         public_only; /* only object types every signed-in user may read (events) */
};

/* The object types every signed-in user may read (events for non-auditors), as SQL. */
#define AUDIT_PUBLIC_TYPES "('template', 'entry', 'followup')"

/* One audit row in the API's item shape, as columns of a subquery named `i`, so that
 * row_to_json(i) is the item: `at` is rendered with microseconds, exactly as in the canonical
 * form the hash covers, so that a client can recompute the chain from what it reads. */
#define AUDIT_ITEM_COLUMNS                                                                       \
	"seq, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') AS at, actor," \
	" action, object_type, object_id, section, request_id, client_ip, before, after,"        \
	" prev_hash, hash, roles, user_agent, server_request_id"

/* The same without what only auditors and admins see: where the actor came from (client_ip,
 * user_agent) and what roles they held. */
#define AUDIT_ITEM_COLUMNS_REDACTED                                                              \
	"seq, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') AS at, actor," \
	" action, object_type, object_id, section, request_id, before, after, prev_hash, hash,"  \
	" server_request_id"

/* The same columns for CSV export, every one text: roles as a JSON array, before and after as
 * JSON text. AUDIT_CSV_HEADER names them in order. */
#define AUDIT_CSV_COLUMNS                                                                        \
	"seq, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') AS at, actor," \
	" action, object_type, object_id, section, request_id, client_ip, before::text,"         \
	" after::text, prev_hash, hash, array_to_json(roles)::text, user_agent"
#define AUDIT_CSV_HEADER                                                                       \
	"seq,at,actor,action,object_type,object_id,section,request_id,client_ip,before,after," \
	"prev_hash,hash,roles,user_agent\r\n"
#define AUDIT_CSV_NCOLUMNS 15

/* Reads ?object_type= &object_id= &actor= &action= &request_id= &from= &to= into f (arena
 * strings; an empty value is the same as none). Returns 0, or -1 with a 400 problem for a value
 * over AUDIT_FILTER_MAX bytes, not valid UTF-8, or a from/to that is not RFC 3339. */
int audit_filter_from_query(struct request *r, struct audit_filter *f);

/* Checks an RFC 3339 date-time (`2026-11-23T07:35:50.123Z`, `...+02:00`; `t`/`z` in lower
 * case allowed) including the calendar; returns the text with `T` and `Z` upper-cased in the
 * arena, or NULL when it is not one. */
const char *audit_rfc3339(struct arena *a, const char *s);

/* Checks a seq given by a client: 1-18 decimal digits (leading zeros allowed). 1 or 0. */
int audit_seq_valid(const char *s);

/* Builds `SELECT <columns> FROM audit_log WHERE <filters> ORDER BY seq [LIMIT limit]` in the
 * arena. The values of the $n placeholders go to values[0..*nvalues) (borrowed from f).
 * limit <= 0: no LIMIT. */
char *audit_select_sql(struct arena *a, const struct audit_filter *f, const char *columns,
    int limit, const char **values, int *nvalues);

/* Like audit_select_sql, with one text column per row: the item as compact JSON
 * (`SELECT seq, row_to_json(i)::text FROM (SELECT AUDIT_ITEM_COLUMNS ...) i`). */
char *audit_items_sql(
    struct arena *a, const struct audit_filter *f, int limit, const char **values, int *nvalues);

/* The list body `{"items":[...],"next_cursor":...}` from column 1 (the item JSON) of rows
 * 0..n of res, with next_cursor a JSON string or null (NULL). Arena text; *len its length. */
char *audit_items_body(struct arena *a, PGresult *res, int n, const char *next_cursor, size_t *len);

#endif
