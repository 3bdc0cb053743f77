/* templates.h — helpers shared by the template handlers (templates_read.c, templates_write.c). */
#ifndef LOGBOOK_TEMPLATES_H
#define LOGBOOK_TEMPLATES_H

#include <libpq-fe.h>

#include "logbook/store/audit_append.h"

struct request;
struct json_object;

/* Checks a {n} path parameter is a version number; 404 otherwise. */
int template_version_param(struct request *r, const char *text, const char **out);

/* One template_versions row as the API's template shape. New reference. */
struct json_object *template_version_json(struct request *r, PGresult *versions, int row);

/* The quoted ETag of a templates row ("\"<revision>\""). */
const char *template_etag(struct request *r, PGresult *tmpl);

struct tpl_def;

/* Parses and validates a definition document; 422 with every error (paths relative to the
 * document) when it is not valid. *out belongs to the request's arena. */
int template_definition_check(struct request *r, struct json_object *doc, struct tpl_def **out);

/* Replies with the template's latest version, its versions list and its ETag. */
int template_reply(struct request *r, int status, const char *key);

#endif
