/* http_reply.c — writing status, headers and bodies back through FastCGI. */
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "logbook/app.h"
#include "logbook/http.h"

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
put(struct request *r, const char *s)
{
	FCGX_PutStr(s, (int)strlen(s), r->fcgx->out);
}

static void
send_head(struct request *r, int status, const char *content_type)
{
	struct response_header *h;
	char                    line[64];

	r->status = status;
	snprintf(line, sizeof(line), "Status: %d %s\r\n", status, http_status_text(status));
	put(r, line);
	if (content_type != NULL) {
		put(r, "Content-Type: ");
		put(r, content_type);
		put(r, "\r\n");
	}
	put(r, "X-Request-Id: ");
	put(r, r->request_id);
	put(r, "\r\nCache-Control: no-store\r\n");
	for (h = r->headers; h != NULL; h = h->next) {
		put(r, h->name);
		put(r, ": ");
		put(r, h->value);
		put(r, "\r\n");
	}
	put(r, "\r\n");
}

static int
send_json(struct request *r, int status, const char *content_type, struct json_object *body)
{
	const char *text;
	size_t      len;

	if (body == NULL) {
		send_head(r, status, NULL);
		return 0;
	}
	text = json_object_to_json_string_length(body,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	send_head(r, status, content_type);
	FCGX_PutStr(text, (int)len, r->fcgx->out);
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
reply_problem(struct request *r)
{
	struct problem     *p = &r->problem;
	struct json_object *body;
	char                num[24];

	if (r->streaming) /* headers are gone: the best we can do is stop the body short */
		return;
	if (p->status == 0)
		*p = (struct problem){ .status = 500, .slug = "internal", .detail = "no reply was made" };
	if (p->status == 405 && p->allow != NULL)
		reply_header(r, "Allow", p->allow);
	if (p->status == 503) {
		snprintf(num, sizeof(num), "%ld", r->app->cfg.retry_after);
		reply_header(r, "Retry-After", arena_strdup(r->arena, num));
	}
	if (p->status == 401)
		reply_header(r, "WWW-Authenticate", "Bearer error=\"invalid_token\"");
	body = json_object_new_object();
	json_object_object_add(body, "type",
	    json_object_new_string(arena_printf(r->arena, "urn:logbook:problem:%s",
	    p->slug != NULL ? p->slug : "error")));
	json_object_object_add(body, "title", json_object_new_string(http_status_text(p->status)));
	json_object_object_add(body, "status", json_object_new_int(p->status));
	if (p->detail != NULL)
		json_object_object_add(body, "detail", json_object_new_string(p->detail));
	if (p->errors != NULL)
		json_object_object_add(body, "errors", json_object_get(p->errors));
	json_object_object_add(body, "request_id", json_object_new_string(r->request_id));
	send_json(r, p->status, "application/problem+json", body);
	json_object_put(body);
}

int
reply_stream_begin(struct request *r, int status, const char *content_type)
{
	send_head(r, status, content_type);
	r->streaming = 1;
	return 0;
}

int
reply_write(struct request *r, const char *data, size_t len)
{
	return FCGX_PutStr(data, (int)len, r->fcgx->out) == (int)len ? 0 : -1;
}
