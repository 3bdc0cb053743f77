/* routes.c — every endpoint, in one table: reading it is reading the API's surface. */
#include <stddef.h>

#include "logbook/handlers.h"
#include "logbook/roles.h"
#include "logbook/router.h"

#define ANYONE 0u

const struct route routes[] = {
	{ "GET",   "/healthz",                   handle_healthz,       ROUTE_PUBLIC, ANYONE },
	{ "GET",   "/readyz",                    handle_readyz,        ROUTE_PUBLIC, ANYONE },
	{ "POST",  "/api/v1/auth/login",         handle_login,         ROUTE_PUBLIC, ANYONE },
	{ "GET",   "/api/v1/me",                 handle_me,            ROUTE_BEARER, ANYONE },
	{ "POST",  "/api/v1/users",              handle_users_create,  ROUTE_BEARER, ROLE_ADMIN },
	{ "GET",   "/api/v1/users",              handle_users_list,    ROUTE_BEARER, ROLE_ADMIN },
	{ "GET",   "/api/v1/users/{username}",   handle_users_get,     ROUTE_BEARER, ROLE_ADMIN },
	{ "PATCH", "/api/v1/users/{username}",   handle_users_patch,   ROUTE_BEARER, ROLE_ADMIN },
	{ "GET",   "/api/v1/templates",          handle_templates_list, ROUTE_BEARER, ANYONE },
	{ "POST",  "/api/v1/templates",          handle_templates_create, ROUTE_BEARER, ROLE_DESIGNER },
	{ "PUT",   "/api/v1/templates/{key}/draft", handle_templates_draft, ROUTE_BEARER, ROLE_DESIGNER },
	{ "GET",   "/api/v1/templates/{key}",    handle_templates_get,  ROUTE_BEARER, ANYONE },
	{ "GET",   "/api/v1/templates/{key}/versions/{n}", handle_templates_version_get, ROUTE_BEARER, ANYONE },
	{ "POST",  "/api/v1/templates/{key}/archive", handle_templates_archive, ROUTE_BEARER, ROLE_DESIGNER },
	{ "GET",   "/api/v1/audit",              handle_audit_list,    ROUTE_BEARER, ROLE_AUDITOR },
	{ "GET",   "/api/v1/audit/verify",       handle_audit_verify,  ROUTE_BEARER, ROLE_AUDITOR },
	{ "GET",   "/api/v1/audit/export",       handle_audit_export,  ROUTE_BEARER, ROLE_AUDITOR },
	{ "GET",   "/api/v1/events",             handle_events,        ROUTE_BEARER, ANYONE },
	{ NULL, NULL, NULL, ROUTE_PUBLIC, 0 },
};
