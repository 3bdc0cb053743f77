/* inbox.c — GET /api/v1/inbox: the sections the caller may act on now, oldest waiting first.
 *
 * The caller's roles (admin counts as every role) against each template version's workflow,
 * with separation of duties applied, are decided by the query itself (inbox_store.c), so that
 * a page is one index scan however many sections wait for someone else. */
#include <json-c/json.h>

#include "logbook/auth/roles.h"
#include "logbook/core/json_util.h"
#include "logbook/handlers/handlers.h"
#include "logbook/http/http.h"
#include "logbook/http/pagination.h"
#include "logbook/store/inbox_store.h"

int
handle_inbox(struct request *r)
{
	struct inbox_query  q = { 0 };
	int                 rc;
	struct inbox_item  *items;
	struct json_object *list;
	const char         *roles[JWT_MAX_ROLES];
	int                 i, n;
	bool                more;

	if (page_params(r, &q.limit, &q.after) != 0)
		return -1;
	for (i = 0; i < r->user->nroles; i++)
		roles[i] = r->user->roles[i];
	q.roles = pg_text_array(r->arena, roles, r->user->nroles);
	q.admin = (r->user->role_mask & ROLE_ADMIN) != 0;
	q.user = r->user->sub;
	q.template = request_query(r, "template"); /* an extra filter (API.md allows them) */
	if (q.template != NULL && *q.template == '\0')
		q.template = NULL;
	if ((rc = inbox_page(STORE(r), &q, &items, &n, &more)) == INBOX_BAD_CURSOR)
		return PROBLEM(r, 400, "bad-query", "cursor is not one this server issued");
	if (rc != 0)
		return -1;
	list = json_object_new_array();
	for (i = 0; i < n; i++) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "entry_id", json_object_new_string(items[i].entry_id));
		json_object_object_add(o, "template", json_object_new_string(items[i].template));
		json_object_object_add(o, "title", json_object_new_string(items[i].title));
		json_object_object_add(o, "section", json_object_new_string(items[i].section));
		json_object_object_add(o, "state", json_object_new_string(items[i].state));
		json_object_object_add(o, "revision", json_object_new_int(items[i].revision));
		json_object_object_add(
		    o, "waiting_since", json_object_new_string(items[i].waiting_since));
		json_object_object_add(o, "actions", json_tokener_parse(items[i].actions));
		json_object_array_add(list, o);
	}
	return reply_page(r, list, more ? items[n - 1].key : NULL);
}
