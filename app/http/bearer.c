/* auth.c — bearer token -> r->user. */
#include "logbook/http/bearer.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "logbook/auth/roles.h"
#include "logbook/http/http.h"
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

int
auth_bearer(struct request *r)
{
	const char          *h = FCGX_GetParam("HTTP_AUTHORIZATION", r->fcgx->envp);
	struct jwt_identity *id;
	struct token_slot   *slot;
	enum jwt_result      res;
	time_t               now;

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
		r->user = id;
		return 0;
	}
	res = jwt_verify_token(&r->app->cfg.jwt, h, now, id);
	if (res != JWT_OK)
		return PROBLEM(
		    r, 401, "invalid-token", "the token was rejected: %s", jwt_result_str(res));
	if (strlen(h) < TOKEN_CACHE_MAX) {
		strcpy(slot->token, h);
		slot->id = *id;
	}
	r->user = id;
	return 0;
}

int
auth_has_role(const struct request *r, unsigned mask)
{
	return r->user != NULL && (r->user->role_mask & (mask | ROLE_ADMIN)) != 0;
}
