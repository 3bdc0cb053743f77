/* audit.c — /api/v1/audit: the trail for auditors (list, verify, export). */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "logbook/core/budget.h"
#include "logbook/core/json_util.h"
#include "logbook/core/log.h"
#include "logbook/domain/csv.h"
#include "logbook/handlers/handlers.h"
#include "logbook/http/audit_params.h"
#include "logbook/http/http.h"
#include "logbook/http/pagination.h"
#include "logbook/store/audit_append.h"
#include "logbook/store/audit_query.h"
#include "logbook/store/audit_verify.h"
#include "logbook/worker/app.h"

int
handle_audit_list(struct request *r)
{
	struct audit_filter f;
	struct audit_items  items;
	const char         *after, *next = NULL;
	char               *body;
	size_t              len;
	int                 limit, n;

	if (audit_filter_from_query(r, &f) != 0 || page_params(r, &limit, &after) != 0 ||
	    audit_seal_now(STORE(r)) != 0)
		return -1;
	if (after != NULL && !audit_seq_valid(after))
		return PROBLEM(r, 400, "bad-query", "cursor is not one this server issued");
	f.after = after;
	/* One row more than the page says whether there is a next one. */
	if (audit_items_read(STORE(r), &f, limit + 1, &items) != 0)
		return -1;
	n = items.n;
	if (n > limit) {
		next = page_cursor(r, items.seq[limit - 1]);
		n = limit;
	}
	body = audit_items_body(r->arena, &items, n, next, &len);
	reply_raw(r, 200, "application/json; charset=utf-8", NULL, body, len);
	return 0;
}

int
handle_audit_verify(struct request *r)
{
	struct audit_verify v = { 0 };
	struct json_object *body;
	const char         *full = request_query(r, "full");
	int                 whole;

	if (full == NULL || strcmp(full, "false") == 0 || strcmp(full, "0") == 0)
		whole = 0;
	else if (strcmp(full, "true") == 0 || strcmp(full, "1") == 0 || *full == '\0')
		whole = 1;
	else
		return PROBLEM(r, 400, "bad-query", "full must be true or false");
	if (audit_seal_now(STORE(r)) != 0)
		return -1;
	if (!whole && audit_checkpoint_get(STORE(r), &v.from_seq, &v.from_hash) < 0)
		return -1;
	if (audit_verify_run(STORE(r), &v) != 0)
		return -1;
	/* The checkpoint's row changed: locate the first bad row from the start. */
	if (!v.ok && strcmp(v.reason, "checkpoint_mismatch") == 0) {
		v = (struct audit_verify){ 0 };
		if (audit_verify_run(STORE(r), &v) != 0)
			return -1;
	}
	if (v.ok && v.head_seq > v.from_seq &&
	    audit_checkpoint_put(STORE(r), v.head_seq, v.head_hash) != 0)
		return -1;

	body = json_object_new_object();
	json_object_object_add(body, "ok", json_object_new_boolean(v.ok));
	if (!v.ok) {
		json_object_object_add(
		    body, "first_bad_seq", json_object_new_int64(v.first_bad_seq));
		json_object_object_add(body, "reason", json_object_new_string(v.reason));
		log_msg("warn", "req=%s: audit chain broken at seq %lld (%s)", r->request_id,
		    v.first_bad_seq, v.reason);
	}
	json_object_object_add(body, "checked", json_object_new_int64(v.checked));
	json_object_object_add(body, "head", json_object_new_string(v.head_hash));
	json_object_object_add(body, "head_seq", json_object_new_int64(v.head_seq));
	json_object_object_add(body, "from_seq", json_object_new_int64(v.from_seq));
	return reply_json(r, 200, body);
}

/* Writes one fetched batch as JSON lines. */
static int
write_jsonl(struct request *r, const struct audit_cursor *c, int n)
{
	const char *item;
	size_t      len;
	int         i;

	for (i = 0; i < n; i++) {
		item = audit_export_item(c, i, &len);
		if (reply_write(r, item, len) != 0 || reply_write(r, "\n", 1) != 0)
			return -1;
	}
	return 0;
}

static int
write_csv(struct request *r, const struct audit_cursor *c, int n, struct csv_line *line)
{
	int i, col;

	for (i = 0; i < n; i++) {
		csv_line_reset(line);
		for (col = 0; col < AUDIT_CSV_NCOLUMNS; col++)
			if (csv_line_add(line, audit_export_cell(c, i, col)) != 0)
				return -1;
		if (csv_line_end(line) != 0 || reply_write(r, line->data, line->len) != 0)
			return -1;
	}
	return 0;
}

static void
csv_line_cleanup(void *p)
{
	csv_line_free(p);
}

/* Streams the cursor's rows, one batch at a time (audit_query.h). The first batch is fetched
 * before the headers go out, so that a failing query still gets a proper problem. */
int
handle_audit_export(struct request *r)
{
	struct audit_filter  f;
	const char          *format = request_query(r, "format");
	struct csv_line     *line = NULL;
	struct audit_cursor *cur;
	int                  csv, n;

	if (format == NULL || strcmp(format, "jsonl") == 0)
		csv = 0;
	else if (strcmp(format, "csv") == 0)
		csv = 1;
	else
		return PROBLEM(r, 400, "bad-query", "format must be jsonl or csv");
	if (audit_filter_from_query(r, &f) != 0 || audit_seal_now(STORE(r)) != 0 ||
	    (cur = audit_export_open(STORE(r), &f, csv)) == NULL ||
	    (n = audit_export_fetch(cur, &r->dberr)) < 0)
		return -1;
	if (csv) {
		line = arena_own(r->arena, arena_zalloc(r->arena, sizeof(*line)), csv_line_cleanup);
		reply_header(r, "Content-Disposition", "attachment; filename=\"audit.csv\"");
		reply_stream_begin(r, 200, "text/csv; charset=utf-8; header=present");
		if (reply_write(r, AUDIT_CSV_HEADER, strlen(AUDIT_CSV_HEADER)) != 0)
			goto gone;
	} else {
		reply_header(r, "Content-Disposition", "attachment; filename=\"audit.jsonl\"");
		reply_stream_begin(r, 200, "application/jsonl; charset=utf-8");
	}
	while (n > 0) {
		if ((csv ? write_csv(r, cur, n, line) : write_jsonl(r, cur, n)) != 0)
			goto gone;
		budget_arm(); /* each batch is bounded work, and the client is reading */
		if ((n = audit_export_fetch(cur, &r->dberr)) < 0) {
			/* The headers are gone: the body just ends early, and the log says why. */
			log_msg("warn", "req=%s: audit export cut short: %s", r->request_id,
			    r->dberr.message != NULL ? r->dberr.message : "?");
			return -1;
		}
	}
	return 0;
gone:
	return PROBLEM(r, 503, "export-aborted", "the client stopped reading (or memory ran out)");
}
