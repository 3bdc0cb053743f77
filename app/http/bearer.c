/* bearer.c — bearer token -> r->claims, then the users table's word -> r->user. */
#include "logbook/http/bearer.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "logbook/auth/identity.h"
#include "logbook/auth/roles.h"
#include "logbook/http/http.h"
#include "logbook/store/user_access.h"
#include "logbook/worker/app.h"

/* Verified tokens, remembered per worker: a client sends the same token with every request,
 * and checking it again (base64, two JSON parses, an HMAC or a signature) costs more than the
 * rest of a small request. Keyed by the exact token text, so a token that differs in one byte
 * is verified from scratch; a hit still has its `exp` checked, and `nbf` was already passed
 * when it was stored (time only moves on). */
#define TOKEN_CACHE_SLOTS 64
#define TOKEN_CACHE_MAX   1024

struct token_slot {
	char                token[TOKEN_CACHE_MAX];
	struct jwt_identity id;
};

static struct token_slot token_cache[TOKEN_CACHE_SLOTS];

static struct token_slot *
token_slot(const char *token)
{
	uint32_t h = 2166136261u;

	for (; *token != '\0'; token++)
		h = (h ^ (unsigned char)*token) * 16777619u;
	return &token_cache[h % TOKEN_CACHE_SLOTS];
}

/* r->user from r->claims and what the users table says (user_access.h): a local user's state
 * decides (disabled, password changed after the token was issued: 401; roles: the table's),
 * an outside provider's sub keeps its claims' roles but must be canonical. A refusal based on
 * the worker's cache is read again from the table first. */
static int
apply_access(struct request *r, int reload)
{
	const struct jwt_identity *c = r->claims;
	struct jwt_identity       *id = arena_zalloc(r->arena, sizeof(*id));
	enum identity_class        cls = identity_classify(c->sub, strlen(c->sub));
	struct user_access         ua;
	const char                *deny = NULL, *names[ROLE_COUNT];
	int                        fresh, i;

	if (user_access_get(r, c->sub, cls == IDENTITY_UNICODE, reload, &ua, &fresh) != 0)
		return -1;
	*id = *c;
	if (ua.known) {
		if (ua.disabled)
			deny = "the user is disabled";
		else if (!c->has_iat || c->iat <= ua.password_cutoff)
			deny = "it was issued before the user's password was last set";
		id->role_mask = ua.role_mask;
		id->nroles = roles_mask_names(ua.role_mask, names, ROLE_COUNT);
		for (i = 0; i < id->nroles; i++)
			snprintf(id->roles[i], sizeof(id->roles[i]), "%s", names[i]);
		snprintf(id->name, sizeof(id->name), "%s", ua.name);
	} else if (cls != IDENTITY_ASCII_CANONICAL && !(cls == IDENTITY_UNICODE && ua.canonical))
		deny = "its subject (sub) is not a canonical user id (lower case, NFKC)";
	if (deny != NULL && !fresh)
		return apply_access(r, 1);
	if (deny != NULL)
		return PROBLEM(r, 401, "invalid-token", "the token was rejected: %s", deny);
	r->auth_cached = !fresh;
	r->user = id;
	return 0;
}

int
auth_bearer(struct request *r)
{
	const char          *h = FCGX_GetParam("HTTP_AUTHORIZATION", r->fcgx->envp);
	struct jwt_identity *id;
	struct token_slot   *slot;
	enum jwt_result      res;
	time_t               now;

	r->user = NULL;
	if (h == NULL || *h == '\0')
		return PROBLEM(
		    r, 401, "unauthorized", "an Authorization: Bearer token is required");
	if (strncasecmp(h, "Bearer ", 7) != 0)
		return PROBLEM(r, 401, "unauthorized", "the Authorization scheme must be Bearer");
	h += 7;
	while (*h == ' ')
		h++;
	id = arena_zalloc(r->arena, sizeof(*id));
	now = time(NULL);
	slot = token_slot(h);
	if (strcmp(slot->token, h) == 0 && now - r->app->cfg.jwt_leeway < slot->id.exp) {
		*id = slot->id;
		r->claims = id;
		return apply_access(r, 0);
	}
	res = jwt_verify_token(&r->app->cfg.jwt, h, now, id);
	if (res != JWT_OK)
		return PROBLEM(
		    r, 401, "invalid-token", "the token was rejected: %s", jwt_result_str(res));
	if (strlen(h) < TOKEN_CACHE_MAX) {
		strcpy(slot->token, h);
		slot->id = *id;
	}
	r->claims = id;
	return apply_access(r, 0);
}

int
auth_confirm(struct request *r)
{
	if (!r->auth_cached)
		return 0;
	return apply_access(r, 1);
}

int
auth_has_role(const struct request *r, unsigned mask)
{
	return r->user != NULL && (r->user->role_mask & (mask | ROLE_ADMIN)) != 0;
}
