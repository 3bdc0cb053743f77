/* audit_params.h — the audit filters of GET /api/v1/audit and /audit/export from the query. */
#ifndef LOGBOOK_HTTP_AUDIT_PARAMS_H
#define LOGBOOK_HTTP_AUDIT_PARAMS_H

struct audit_filter;
struct request;

/* Reads ?object_type= &object_id= &actor= &action= &request_id= &from= &to= into f (arena
 * strings; an empty value is the same as none). Returns 0, or -1 with a 400 problem for a value
 * over AUDIT_FILTER_MAX bytes, not valid UTF-8, or a from/to that is not RFC 3339. */
int audit_filter_from_query(struct request *r, struct audit_filter *f);

#endif
