/* idempotency.c — see idempotency.h. */
#include "logbook/store/idempotency.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logbook/http/http.h"
#include "logbook/store/db.h"

DB_STMT(stmt_idem_lock, "SELECT pg_advisory_xact_lock(hashtextextended($1 || chr(1) || $2, 7412))");
DB_STMT(stmt_idem_find,
    "SELECT request_hash, status, content_type, headers, body FROM idempotency_keys"
    " WHERE username = $1 AND key = $2 AND created_at > now() - interval '24 hours'");
DB_STMT(stmt_idem_store,
    "INSERT INTO idempotency_keys (username, key, request_hash, status, content_type, headers, body)"
    " VALUES ($1, $2, $3, $4::integer, $5, $6, $7)"
    " ON CONFLICT (username, key) DO UPDATE SET request_hash = EXCLUDED.request_hash,"
    " status = EXCLUDED.status, content_type = EXCLUDED.content_type,"
    " headers = EXCLUDED.headers, body = EXCLUDED.body, created_at = now()");

static int
applies(const struct request *r)
{
	return r->idempotency_key != NULL && r->user != NULL && strcmp(r->method, "POST") == 0;
}

/* Hex SHA-256 over method, path, query and body, NUL-separated so fields cannot run together. */
static const char *
request_hash(struct request *r)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int  mdlen = 0, i;
	EVP_MD_CTX   *ctx = EVP_MD_CTX_new();
	char         *hex;

	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	EVP_DigestUpdate(ctx, r->method, strlen(r->method) + 1);
	EVP_DigestUpdate(ctx, r->path, strlen(r->path) + 1);
	EVP_DigestUpdate(ctx, r->query, strlen(r->query) + 1);
	EVP_DigestUpdate(ctx, r->raw_body, (size_t)r->raw_body_len);
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	EVP_MD_CTX_free(ctx);
	hex = arena_alloc(r->arena, 2 * mdlen + 1);
	for (i = 0; i < mdlen; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return hex;
}

static int
key_acceptable(const char *k)
{
	size_t n = strlen(k), i;

	if (n == 0 || n > IDEMPOTENCY_KEY_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)k[i] < 0x21 || (unsigned char)k[i] > 0x7e)
			return 0;
	return 1;
}

int
idem_begin(struct request *r)
{
	const char *params[2] = { r->user != NULL ? r->user->sub : NULL, r->idempotency_key };
	PGresult   *res;
	int         status;

	if (!applies(r))
		return 0;
	if (!key_acceptable(r->idempotency_key))
		return PROBLEM(r, 400, "bad-idempotency-key",
		    "Idempotency-Key must be 1 to %d visible ASCII characters",
		    IDEMPOTENCY_KEY_MAX);
	if (request_body(r) != 0 || db_begin(r) != 0 ||
	    db_exec(r, &stmt_idem_lock, 2, params) == NULL ||
	    (res = db_exec(r, &stmt_idem_find, 2, params)) == NULL)
		return -1;
	if (PQntuples(res) == 0)
		return 0;
	if (strcmp(PQgetvalue(res, 0, 0), request_hash(r)) != 0)
		return PROBLEM(r, 409, "idempotency-key-reused",
		    "this Idempotency-Key was used for a different request in the last 24 hours");
	status = atoi(PQgetvalue(res, 0, 1));
	reply_raw(r, status, db_value(res, 0, 2),
	    arena_printf(r->arena, "%sIdempotent-Replayed: true\r\n", PQgetvalue(res, 0, 3)),
	    PQgetvalue(res, 0, 4), (size_t)PQgetlength(res, 0, 4));
	r->replayed = 1;
	return 1;
}

int
idem_store(struct request *r)
{
	const char             *params[7];
	struct response_header *h;
	char                   *lines = "";
	char                    status[8];

	if (!applies(r) || r->replayed || r->status < 200 || r->status > 299)
		return 0;
	for (h = r->headers; h != NULL; h = h->next)
		if (strcmp(h->name, "ETag") == 0 || strcmp(h->name, "Location") == 0)
			lines = arena_printf(r->arena, "%s%s: %s\r\n", lines, h->name, h->value);
	snprintf(status, sizeof(status), "%d", r->status);
	params[0] = r->user->sub;
	params[1] = r->idempotency_key;
	params[2] = request_hash(r);
	params[3] = status;
	params[4] = r->reply_type;
	params[5] = lines;
	params[6] = arena_strndup(r->arena, r->out + r->body_offset, r->out_len - r->body_offset);
	return db_exec(r, &stmt_idem_store, 7, params) != NULL ? 0 : -1;
}
