/* http_request.c — turning FastCGI parameters and the body into struct request. */
#include <ctype.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include "logbook/auth/identity.h"
#include "logbook/core/json_util.h"
#include "logbook/domain/json_number.h"
#include "logbook/http/http.h"
#include "logbook/worker/app.h"

#define JSON_MAX_DEPTH 32
/* Bytes of the user agent kept, with its NUL. */
#define USER_AGENT_MAX 257

static const char *
param(struct request *r, const char *name)
{
	return arena_strdup(r->arena, FCGX_GetParam(name, r->fcgx->envp));
}

/* A client's id is kept only if it is short and plain, since it lands in logs and audit rows. */
static int
request_id_acceptable(const char *id)
{
	size_t n = 0;

	for (; id[n] != '\0'; n++)
		if (n >= REQUEST_ID_MAX ||
		    !(isalnum((unsigned char)id[n]) || strchr("-_.:", id[n])))
			return 0;
	return n > 0;
}

static const char *
request_id_generate(struct request *r)
{
	unsigned char b[16];
	char         *id = arena_alloc(r->arena, 2 * sizeof(b) + 1);
	size_t        i;

	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b)) {
		/* Not a secret: uniqueness is all we need, so time and counter do. */
		struct timespec ts;
		static unsigned counter;

		clock_gettime(CLOCK_REALTIME, &ts);
		snprintf((char *)b, sizeof(b), "%08lx%07x", (unsigned long)ts.tv_nsec, ++counter);
	}
	for (i = 0; i < sizeof(b); i++)
		snprintf(id + 2 * i, 3, "%02x", b[i]);
	return id;
}

void
request_init(struct request *r, FCGX_Request *fcgx, struct app *app, struct arena *arena)
{
	const char     *uri, *q, *cl, *rid, *ua;
	struct timespec ts;

	memset(r, 0, sizeof(*r));
	clock_gettime(CLOCK_MONOTONIC, &ts);
	r->start_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	r->fcgx = fcgx;
	r->app = app;
	r->arena = arena;
	r->method = param(r, "REQUEST_METHOD");
	if (r->method == NULL)
		r->method = "GET";
	/* REQUEST_URI keeps the path as the client sent it; DOCUMENT_URI is nginx-normalised. */
	uri = FCGX_GetParam("REQUEST_URI", fcgx->envp);
	if (uri == NULL)
		uri = "/";
	q = strchr(uri, '?');
	r->path =
	    q != NULL ? arena_strndup(arena, uri, (size_t)(q - uri)) : arena_strdup(arena, uri);
	r->query = q != NULL ? arena_strdup(arena, q + 1) : "";
	r->content_type = param(r, "CONTENT_TYPE");
	if (r->content_type != NULL && r->content_type[0] == '\0')
		r->content_type = NULL;
	cl = FCGX_GetParam("CONTENT_LENGTH", fcgx->envp);
	r->content_length = cl != NULL && *cl != '\0' ? strtol(cl, NULL, 10) : 0;
	if (r->content_length < 0)
		r->content_length = 0;
	rid = FCGX_GetParam("HTTP_X_REQUEST_ID", fcgx->envp);
	/* The client's id may be anyone's (another user can send the same one); ours is unique. */
	r->server_request_id = request_id_generate(r);
	r->request_id = rid != NULL && request_id_acceptable(rid) ? arena_strdup(arena, rid)
								  : r->server_request_id;
	r->client_ip = param(r, "REMOTE_ADDR");
	/* Any bytes may come here, and the user agent lands in audit rows, which are UTF-8:
	 * invalid bytes would make the write fail. A sanitised, capped copy goes there. */
	if ((ua = FCGX_GetParam("HTTP_USER_AGENT", fcgx->envp)) != NULL)
		r->user_agent =
		    identity_sanitize(ua, arena_alloc(arena, USER_AGENT_MAX), USER_AGENT_MAX);
	r->if_match = param(r, "HTTP_IF_MATCH");
	r->idempotency_key = param(r, "HTTP_IDEMPOTENCY_KEY");
}

static int
content_type_is_json(const char *ct)
{
	size_t n = strlen("application/json");

	if (ct == NULL || strncasecmp(ct, "application/json", n) != 0)
		return 0;
	ct += n;
	while (*ct == ' ')
		ct++;
	return *ct == '\0' || *ct == ';';
}

int
request_body(struct request *r)
{
	long got = 0;
	int  n;

	if (r->raw_body != NULL)
		return 0;
	if (r->content_length > r->app->cfg.max_body_bytes)
		return PROBLEM(r, 413, "body-too-large", "the body is %ld bytes; the limit is %ld",
		    r->content_length, r->app->cfg.max_body_bytes);
	r->raw_body = arena_alloc(r->arena, (size_t)r->content_length + 1);
	while (got < r->content_length &&
	    (n = FCGX_GetStr(r->raw_body + got, (int)(r->content_length - got), r->fcgx->in)) > 0)
		got += n;
	r->raw_body[got] = '\0';
	r->raw_body_len = got;
	if (got != r->content_length)
		return PROBLEM(r, 400, "malformed-json", "the body ended after %ld of %ld bytes",
		    got, r->content_length);
	return 0;
}

int
request_json_body(struct request *r, struct json_object **out)
{
	struct json_object     *v;
	enum json_tokener_error err = json_tokener_success;
	size_t                  len;

	*out = NULL;
	if (r->json_body != NULL) { /* a retried handler reads the same body again */
		*out = r->json_body;
		return 0;
	}
	if (!content_type_is_json(r->content_type))
		return PROBLEM(r, 415, "unsupported-media-type",
		    "the body must be application/json, not '%s'",
		    r->content_type != NULL ? r->content_type : "(none)");
	if (request_body(r) != 0)
		return -1;
	len = (size_t)r->raw_body_len;
	if (len == 0)
		return PROBLEM(
		    r, 400, "malformed-json", "the body is empty; a JSON value is expected");
	if (strlen(r->raw_body) != len)
		return PROBLEM(r, 400, "malformed-json", "the body contains a NUL byte");

	/* json_number_parse keeps integers beyond int64 exact instead of letting json-c clamp
	 * them, so the value engine can refuse them rather than store another number. */
	v = json_number_parse(r->raw_body, len, JSON_MAX_DEPTH,
	    JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8, &err);
	if (v == NULL) {
		if (err == json_tokener_continue)
			return PROBLEM(r, 400, "malformed-json", "the JSON body is incomplete");
		return PROBLEM(r, 400, "malformed-json", "the body is not valid JSON: %s",
		    json_tokener_error_desc(err));
	}
	*out = r->json_body = json_own(r, v);
	return 0;
}

int
request_json_object(struct request *r, struct json_object **out)
{
	if (request_json_body(r, out) != 0)
		return -1;
	if (*out == NULL || !json_object_is_type(*out, json_type_object))
		return PROBLEM(r, 400, "malformed-json", "the body must be a JSON object");
	return 0;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Percent-decodes s[0..n) into the arena; '+' is a space in query strings. */
static char *
url_decode(struct arena *a, const char *s, size_t n, int plus_is_space)
{
	char  *out = arena_alloc(a, n + 1);
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		int hi, lo;

		/* %00 stays as it is: a NUL would cut the string short further down. */
		if (s[i] == '%' && i + 2 < n && (hi = hexval((unsigned char)s[i + 1])) >= 0 &&
		    (lo = hexval((unsigned char)s[i + 2])) >= 0 && (hi | lo) != 0) {
			out[o++] = (char)(hi * 16 + lo);
			i += 2;
		} else if (s[i] == '+' && plus_is_space)
			out[o++] = ' ';
		else
			out[o++] = s[i];
	}
	out[o] = '\0';
	return out;
}

char *
http_url_decode(struct arena *a, const char *s, size_t n)
{
	return url_decode(a, s, n, 0);
}

const char *
request_query(struct request *r, const char *name)
{
	const char *p = r->query;
	size_t      nlen = strlen(name);

	while (*p != '\0') {
		const char *amp = strchr(p, '&');
		const char *end = amp != NULL ? amp : p + strlen(p);
		const char *eq = memchr(p, '=', (size_t)(end - p));
		const char *kend = eq != NULL ? eq : end;

		if ((size_t)(kend - p) == nlen && memcmp(p, name, nlen) == 0)
			return eq != NULL ? url_decode(r->arena, eq + 1, (size_t)(end - eq - 1), 1)
					  : "";
		p = amp != NULL ? amp + 1 : end;
	}
	return NULL;
}

int
request_if_match(struct request *r, const char *etag, const char *what)
{
	if (r->if_match == NULL)
		return PROBLEM(r, 428, "precondition-required",
		    "If-Match with the ETag of %s is required (or If-Match: *)", what);
	if (strcmp(r->if_match, "*") != 0 && strcmp(r->if_match, etag) != 0)
		return PROBLEM(r, 412, "precondition-failed",
		    "%s changed since you read it; its ETag is now %s", what, etag);
	return 0;
}

void
request_on_commit(struct request *r, void (*fn)(void *), void *arg)
{
	struct commit_hook *h = arena_alloc(r->arena, sizeof(*h)), **end = &r->on_commit;

	h->next = NULL;
	h->fn = fn;
	h->arg = arg;
	while (*end != NULL)
		end = &(*end)->next;
	*end = h;
}
