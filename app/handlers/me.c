/* me.c — GET /api/v1/me: who the token says the caller is. */
#include <json-c/json.h>

#include "logbook/handlers/handlers.h"
#include "logbook/http/http.h"

int
handle_me(struct request *r)
{
	struct json_object *body = json_object_new_object(), *roles = json_object_new_array();
	int                 i;

	for (i = 0; i < r->user->nroles; i++)
		json_object_array_add(roles, json_object_new_string(r->user->roles[i]));
	json_object_object_add(body, "sub", json_object_new_string(r->user->sub));
	json_object_object_add(body, "name", json_object_new_string(r->user->name));
	json_object_object_add(body, "roles", roles);
	return reply_json(r, 200, body);
}
