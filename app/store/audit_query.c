/* audit_query.c — audit filters from the query string, and the SELECT they make; see
 * audit_query.h. */
#include "logbook/store/audit_query.h"

#include <stdio.h>
#include <string.h>

#include "logbook/core/arena.h"
#include "logbook/http/http.h"

/* Strict UTF-8 (RFC 3629): no overlong forms, surrogates or values above U+10FFFF. PostgreSQL
 * would refuse the rest with an error that reads as the server's fault, not the query's. */
static int
utf8_ok(const unsigned char *s)
{
	while (*s != '\0') {
		unsigned char c = s[0];
		int           n, i;

		if (c < 0x80) {
			s++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF)
			n = 1;
		else if (c >= 0xE0 && c <= 0xEF)
			n = 2;
		else if (c >= 0xF0 && c <= 0xF4)
			n = 3;
		else
			return 0;
		for (i = 1; i <= n; i++)
			if ((s[i] & 0xC0) != 0x80)
				return 0;
		if ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] > 0x9F) ||
		    (c == 0xF0 && s[1] < 0x90) || (c == 0xF4 && s[1] > 0x8F))
			return 0;
		s += n + 1;
	}
	return 1;
}

/* n decimal digits at s, as a number; -1 when any is not a digit. */
static int
digits(const char *s, int n)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static int
days_in_month(int year, int month)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (month == 2 && ((year % 4 == 0 && year % 100 != 0) || year % 400 == 0))
		return 29;
	return days[month - 1];
}

const char *
audit_rfc3339(struct arena *a, const char *s)
{
	int    year, month, day, hour, min, sec;
	size_t n = strlen(s), i = 19;
	char  *out;

	/* YYYY-MM-DDTHH:MM:SS */
	if (n < 20 || n > 40 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') ||
	    s[13] != ':' || s[16] != ':')
		return NULL;
	year = digits(s, 4);
	month = digits(s + 5, 2);
	day = digits(s + 8, 2);
	hour = digits(s + 11, 2);
	min = digits(s + 14, 2);
	sec = digits(s + 17, 2);
	/* Year 0 is not a PostgreSQL timestamp; a leap second (60) is RFC 3339 and PostgreSQL's. */
	if (year < 1 || month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) ||
	    hour < 0 || hour > 23 || min < 0 || min > 59 || sec < 0 || sec > 60)
		return NULL;
	if (s[i] == '.') {
		size_t start = ++i;

		while (s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == start || i - start > 9)
			return NULL;
	}
	if (s[i] == 'Z' || s[i] == 'z') {
		if (s[i + 1] != '\0')
			return NULL;
	} else if (s[i] == '+' || s[i] == '-') {
		int oh = digits(s + i + 1, 2), om;

		if (n != i + 6 || s[i + 3] != ':' || oh < 0 || oh > 23 ||
		    (om = digits(s + i + 4, 2)) < 0 || om > 59)
			return NULL;
	} else
		return NULL;
	out = arena_strdup(a, s);
	out[10] = 'T';
	if (out[n - 1] == 'z')
		out[n - 1] = 'Z';
	return out;
}

int
audit_seq_valid(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= 18 && strspn(s, "0123456789") == n;
}

/* One optional text filter: "" counts as absent. */
static int
take(struct request *r, const char *name, const char **out)
{
	const char *v = request_query(r, name);

	*out = NULL;
	if (v == NULL || *v == '\0')
		return 0;
	if (strlen(v) > AUDIT_FILTER_MAX)
		return PROBLEM(
		    r, 400, "bad-query", "%s is longer than %d bytes", name, AUDIT_FILTER_MAX);
	if (!utf8_ok((const unsigned char *)v))
		return PROBLEM(r, 400, "bad-query", "%s is not valid UTF-8", name);
	*out = v;
	return 0;
}

static int
take_time(struct request *r, const char *name, const char **out)
{
	if (take(r, name, out) != 0)
		return -1;
	if (*out != NULL && (*out = audit_rfc3339(r->arena, *out)) == NULL)
		return PROBLEM(r, 400, "bad-query",
		    "%s must be an RFC 3339 date-time such as 2026-11-23T07:35:50Z", name);
	return 0;
}

int
audit_filter_from_query(struct request *r, struct audit_filter *f)
{
	memset(f, 0, sizeof(*f));
	if (take(r, "object_type", &f->object_type) != 0 ||
	    take(r, "object_id", &f->object_id) != 0 || take(r, "actor", &f->actor) != 0 ||
	    take(r, "action", &f->action) != 0 || take(r, "request_id", &f->request_id) != 0 ||
	    take_time(r, "from", &f->from) != 0 || take_time(r, "to", &f->to) != 0)
		return -1;
	return 0;
}

/* Appends " AND <cond>" with the value as the next $n. */
static void
add(char *where, size_t size, const char *cond, const char *value, const char **values, int *n)
{
	size_t len = strlen(where);

	values[*n] = value;
	(*n)++;
	snprintf(where + len, size - len, " AND %s $%d", cond, *n);
}

char *
audit_select_sql(struct arena *a, const struct audit_filter *f, const char *columns, int limit,
    const char **values, int *nvalues)
{
	/* Every condition is a constant text of bounded size: 512 bytes hold them all. */
	char where[512] = "TRUE", lim[32] = "";

	*nvalues = 0;
	if (f->after != NULL)
		add(where, sizeof(where), "seq >", f->after, values, nvalues);
	if (f->object_type != NULL)
		add(where, sizeof(where), "object_type =", f->object_type, values, nvalues);
	if (f->object_id != NULL)
		add(where, sizeof(where), "object_id =", f->object_id, values, nvalues);
	if (f->actor != NULL)
		add(where, sizeof(where), "actor =", f->actor, values, nvalues);
	if (f->action != NULL)
		add(where, sizeof(where), "action =", f->action, values, nvalues);
	if (f->request_id != NULL)
		add(where, sizeof(where), "request_id =", f->request_id, values, nvalues);
	if (f->from != NULL)
		add(where, sizeof(where), "at >=", f->from, values, nvalues);
	if (f->to != NULL)
		add(where, sizeof(where), "at <", f->to, values, nvalues);
	if (f->public_only)
		strcat(where, " AND object_type IN " AUDIT_PUBLIC_TYPES);
	if (limit > 0)
		snprintf(lim, sizeof(lim), " LIMIT %d", limit);
	/* "TRUE AND ..." reads oddly in a log but costs the planner nothing. */
	return arena_printf(a, "SELECT %s FROM audit_log WHERE %s ORDER BY seq%s", columns,
	    strncmp(where, "TRUE AND ", 9) == 0 ? where + 9 : where, lim);
}

char *
audit_items_sql(
    struct arena *a, const struct audit_filter *f, int limit, const char **values, int *nvalues)
{
	const char *inner = audit_select_sql(a, f, AUDIT_ITEM_COLUMNS, limit, values, nvalues);

	return arena_printf(
	    a, "SELECT i.seq, row_to_json(i)::text FROM (%s) i ORDER BY i.seq", inner);
}

/* JSON string for a cursor: cursors are digits or base64url, but quote whatever comes. */
static void
put_json_string(char *out, size_t *o, const char *s)
{
	out[(*o)++] = '"';
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			out[(*o)++] = '\\';
			out[(*o)++] = (char)c;
		} else if (c < 0x20) {
			*o += (size_t)sprintf(out + *o, "\\u%04x", c);
		} else
			out[(*o)++] = (char)c;
	}
	out[(*o)++] = '"';
}

char *
audit_items_body(struct arena *a, PGresult *res, int n, const char *next_cursor, size_t *len)
{
	static const char head[] = "{\"items\":[", tail[] = "],\"next_cursor\":";
	size_t            size = sizeof(head) + sizeof(tail) + 8, o = 0;
	char             *out;
	int               i;

	for (i = 0; i < n; i++)
		size += (size_t)PQgetlength(res, i, 1) + 1;
	if (next_cursor != NULL)
		size += 6 * strlen(next_cursor) + 2;
	out = arena_alloc(a, size);
	memcpy(out, head, sizeof(head) - 1);
	o = sizeof(head) - 1;
	for (i = 0; i < n; i++) {
		size_t l = (size_t)PQgetlength(res, i, 1);

		if (i > 0)
			out[o++] = ',';
		memcpy(out + o, PQgetvalue(res, i, 1), l);
		o += l;
	}
	memcpy(out + o, tail, sizeof(tail) - 1);
	o += sizeof(tail) - 1;
	if (next_cursor != NULL)
		put_json_string(out, &o, next_cursor);
	else {
		memcpy(out + o, "null", 4);
		o += 4;
	}
	out[o++] = '}';
	out[o] = '\0';
	*len = o;
	return out;
}
