/* audit_params.c — see audit_params.h. */
#include "logbook/http/audit_params.h"

#include <string.h>

#include "logbook/domain/utf8.h"
#include "logbook/http/http.h"
#include "logbook/store/audit_query.h"

/* One optional text filter: "" counts as absent. PostgreSQL would refuse invalid UTF-8 with
 * an error that reads as the server's fault, not the query's. */
static int
take(struct request *r, const char *name, const char **out)
{
	const char *v = request_query(r, name);

	*out = NULL;
	if (v == NULL || *v == '\0')
		return 0;
	if (strlen(v) > AUDIT_FILTER_MAX)
		return PROBLEM(
		    r, 400, "bad-query", "%s is longer than %d bytes", name, AUDIT_FILTER_MAX);
	if (!utf8_valid(v, strlen(v)))
		return PROBLEM(r, 400, "bad-query", "%s is not valid UTF-8", name);
	*out = v;
	return 0;
}

static int
take_time(struct request *r, const char *name, const char **out)
{
	if (take(r, name, out) != 0)
		return -1;
	if (*out != NULL && (*out = audit_rfc3339(r->arena, *out)) == NULL)
		return PROBLEM(r, 400, "bad-query",
		    "%s must be an RFC 3339 date-time such as 2026-11-23T07:35:50Z", name);
	return 0;
}

int
audit_filter_from_query(struct request *r, struct audit_filter *f)
{
	memset(f, 0, sizeof(*f));
	if (take(r, "object_type", &f->object_type) != 0 ||
	    take(r, "object_id", &f->object_id) != 0 || take(r, "actor", &f->actor) != 0 ||
	    take(r, "action", &f->action) != 0 || take(r, "request_id", &f->request_id) != 0 ||
	    take_time(r, "from", &f->from) != 0 || take_time(r, "to", &f->to) != 0)
		return -1;
	return 0;
}
