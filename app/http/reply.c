/* http_reply.c — status, headers and bodies: buffered until dispatch commits, then sent. */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "logbook/core/json_util.h"
#include "logbook/http/http.h"
#include "logbook/worker/app.h"

void
reply_header(struct request *r, const char *name, const char *value)
{
	struct response_header *h = arena_alloc(r->arena, sizeof(*h));

	h->name = name;
	h->value = value;
	h->next = r->headers;
	r->headers = h;
}

static void
out_put(struct request *r, const char *s, size_t len)
{
	if (r->streaming) {
		FCGX_PutStr(s, (int)len, r->fcgx->out);
		return;
	}
	if (r->out_len + len > r->out_cap) {
		size_t cap = r->out_cap == 0 ? 4096 : r->out_cap;
		char  *grown;

		while (cap < r->out_len + len)
			cap *= 2;
		grown = arena_alloc(r->arena, cap);
		if (r->out_len > 0)
			memcpy(grown, r->out, r->out_len);
		r->out = grown;
		r->out_cap = cap;
	}
	memcpy(r->out + r->out_len, s, len);
	r->out_len += len;
}

static void
put(struct request *r, const char *s)
{
	out_put(r, s, strlen(s));
}

static int
has_header(const struct request *r, const char *name)
{
	const struct response_header *h;

	for (h = r->headers; h != NULL; h = h->next)
		if (strcasecmp(h->name, name) == 0)
			return 1;
	return 0;
}

static void
send_head(struct request *r, int status, const char *content_type, const char *header_lines)
{
	struct response_header *h;
	char                    line[64];

	r->status = status;
	r->reply_type = content_type;
	snprintf(line, sizeof(line), "Status: %d %s\r\n", status, http_status_text(status));
	put(r, line);
	if (content_type != NULL) {
		put(r, "Content-Type: ");
		put(r, content_type);
		put(r, "\r\n");
	}
	put(r, "X-Request-Id: ");
	put(r, r->request_id);
	put(r, "\r\n");
	/* Answers are per user and change under the client: not cached, unless the handler says
	 * otherwise with a Cache-Control of its own (GET /api/v1/openapi.json). */
	if (!has_header(r, "Cache-Control"))
		put(r, "Cache-Control: no-store\r\n");
	for (h = r->headers; h != NULL; h = h->next) {
		put(r, h->name);
		put(r, ": ");
		put(r, h->value);
		put(r, "\r\n");
	}
	if (header_lines != NULL)
		put(r, header_lines);
	put(r, "\r\n");
	r->body_offset = r->out_len;
}

static int
send_json(struct request *r, int status, const char *content_type, struct json_object *body)
{
	const char *text;
	size_t      len;

	reply_discard(r); /* a handler that replies twice means the last word */
	if (body == NULL) {
		send_head(r, status, NULL, NULL);
		return 0;
	}
	text = json_object_to_json_string_length(
	    body, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	send_head(r, status, content_type, NULL);
	out_put(r, text, len);
	return 0;
}

int
reply_json(struct request *r, int status, struct json_object *body)
{
	int rc;

	rc = send_json(r, status, "application/json; charset=utf-8", body);
	json_object_put(body);
	return rc;
}

void
reply_raw(struct request *r, int status, const char *content_type, const char *header_lines,
    const char *body, size_t body_len)
{
	reply_discard(r);
	send_head(r, status, content_type, header_lines);
	out_put(r, body, body_len);
}

void
reply_problem(struct request *r)
{
	struct problem     *p = &r->problem;
	struct json_object *body;
	char                num[24];

	if (r->streaming) /* headers are gone: the best we can do is stop the body short */
		return;
	if (p->status == 0)
		*p = (struct problem){
			.status = 500, .slug = "internal", .detail = "no reply was made"
		};
	r->headers = NULL; /* an ETag or Location of the failed attempt must not leak */
	if (p->status == 405 && p->allow != NULL)
		reply_header(r, "Allow", p->allow);
	if (p->status == 503) {
		snprintf(num, sizeof(num), "%ld", r->app->cfg.retry_after);
		reply_header(r, "Retry-After", arena_strdup(r->arena, num));
	}
	if (p->status == 429 && p->retry_after > 0) {
		snprintf(num, sizeof(num), "%ld", p->retry_after);
		reply_header(r, "Retry-After", arena_strdup(r->arena, num));
	}
	if (p->status == 401)
		reply_header(r, "WWW-Authenticate", "Bearer error=\"invalid_token\"");
	body = json_object_new_object();
	json_object_object_add(body, "type",
	    json_object_new_string(arena_printf(
		r->arena, "urn:logbook:problem:%s", p->slug != NULL ? p->slug : "error")));
	json_object_object_add(body, "title", json_object_new_string(http_status_text(p->status)));
	json_object_object_add(body, "status", json_object_new_int(p->status));
	if (p->detail != NULL)
		json_object_object_add(body, "detail", json_object_new_string(p->detail));
	if (p->errors != NULL)
		json_object_object_add(body, "errors", json_object_get(p->errors));
	if (p->extra != NULL) {
		json_object_object_foreach(p->extra, key, val)
		    json_object_object_add(body, key, json_object_get(val));
	}
	json_object_object_add(body, "request_id", json_object_new_string(r->request_id));
	send_json(r, p->status, "application/problem+json", body);
	json_object_put(body);
}

void
reply_discard(struct request *r)
{
	r->out_len = 0;
	r->body_offset = 0;
	r->status = 0;
}

void
reply_flush(struct request *r)
{
	if (!r->streaming && r->out_len > 0)
		FCGX_PutStr(r->out, (int)r->out_len, r->fcgx->out);
	r->out_len = 0;
}

int
reply_stream_begin(struct request *r, int status, const char *content_type)
{
	/* Once the head is out the answer stands: the users-table check must come first. */
	if (db_preflight_flush(r) != 0)
		return -1;
	reply_discard(r);
	send_head(r, status, content_type, NULL);
	reply_flush(r);
	r->streaming = 1;
	return 0;
}

int
reply_write(struct request *r, const char *data, size_t len)
{
	return FCGX_PutStr(data, (int)len, r->fcgx->out) == (int)len ? 0 : -1;
}
