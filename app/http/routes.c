/* routes.c — every endpoint, in one table: reading it is reading the API's surface.
 * Roles: any of them lets the caller in (admin always); the workflow's per-template roles are
 * checked by the section handlers themselves. */
#include <stddef.h>

#include "logbook/auth/roles.h"
#include "logbook/handlers/handlers.h"
#include "logbook/http/router.h"

#define ANYONE 0u
#define PUBLIC ROUTE_PUBLIC
#define BEARER ROUTE_BEARER
#define T      "/api/v1/templates/{key}"
#define E      "/api/v1/entries/{id}"
#define S      E "/sections/{section}"

const struct route routes[] = {
	{ "GET", "/healthz", handle_healthz, PUBLIC, ANYONE },
	{ "GET", "/readyz", handle_readyz, PUBLIC, ANYONE },
	{ "GET", "/api/v1/openapi.json", handle_openapi, PUBLIC, ANYONE },
	{ "GET", "/metrics", handle_metrics, PUBLIC, ANYONE }, /* Nginx: loopback only */
	{ "POST", "/api/v1/auth/login", handle_login, PUBLIC, ANYONE },
	{ "GET", "/api/v1/me", handle_me, BEARER, ANYONE },

	{ "POST", "/api/v1/users", handle_users_create, BEARER, ROLE_ADMIN },
	{ "GET", "/api/v1/users", handle_users_list, BEARER, ROLE_ADMIN },
	{ "GET", "/api/v1/users/{username}", handle_users_get, BEARER, ROLE_ADMIN },
	{ "PATCH", "/api/v1/users/{username}", handle_users_patch, BEARER, ROLE_ADMIN },

	{ "POST", "/api/v1/templates", handle_templates_create, BEARER, ROLE_DESIGNER },
	{ "GET", "/api/v1/templates", handle_templates_list, BEARER, ANYONE },
	{ "GET", T, handle_templates_get, BEARER, ANYONE },
	{ "GET", T "/versions/{n}", handle_templates_version_get, BEARER, ANYONE },
	{ "PUT", T "/draft", handle_templates_draft, BEARER, ROLE_DESIGNER },
	{ "POST", T "/versions/{n}/publish", handle_templates_publish, BEARER, ROLE_DESIGNER },
	{ "POST", T "/archive", handle_templates_archive, BEARER, ROLE_DESIGNER },
	{ "POST", T "/entries", handle_entries_create, BEARER, ROLE_AUTHOR },

	{ "GET", "/api/v1/entries", handle_entries_list, BEARER, ANYONE },
	{ "GET", E, handle_entries_get, BEARER, ANYONE },
	{ "PUT", S, handle_section_save, BEARER, ROLE_AUTHOR },
	{ "POST", S "/transitions", handle_section_transition, BEARER, ANYONE },
	{ "GET", S "/history", handle_section_history, BEARER, ANYONE },
	{ "GET", "/api/v1/inbox", handle_inbox, BEARER, ANYONE },

	{ "GET", "/api/v1/audit", handle_audit_list, BEARER, ROLE_AUDITOR },
	{ "GET", "/api/v1/audit/verify", handle_audit_verify, BEARER, ROLE_AUDITOR },
	{ "GET", "/api/v1/audit/export", handle_audit_export, BEARER, ROLE_AUDITOR },
	{ "GET", "/api/v1/events", handle_events, BEARER, ANYONE },
	{ "GET", "/api/v1/events/stream", handle_events_stream, BEARER, ANYONE },
	{ NULL, NULL, NULL, ROUTE_PUBLIC, 0 },
};

/* Handlers whose whole transaction runs as the schema owner, logbook_owner (dispatch calls
 * db_owner_begin): publishing creates and alters the generated tables, which the
 * application's role may fill but not own. */
const handler_fn owner_handlers[] = { handle_templates_publish, NULL };
