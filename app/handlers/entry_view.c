/* entry_json.c — see entry_json.h. */
#include "logbook/handlers/entry_view.h"

#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logbook/domain/datetime_text.h"

#define USEC_PER_DAY      INT64_C(86400000000)
#define DAYS_0001_TO_1970 719162

/* A datetime as the read statements print it: UTC, milliseconds, "YYYY-MM-DDTHH:MM:SS.mmmZ"
 * (PostgreSQL's to_char MS truncates, and so does this). A save's own reply and its history
 * row come from the value engine's text, which keeps the offset the client wrote; this makes
 * them read exactly as a later GET does. Text that does not parse is returned as it is. */
static struct json_object *
datetime_json(const char *text)
{
	char    norm[DT_TEXT_MAX], out[64];
	int64_t ord, z, era, doe, yoe, doy, mp, y, m, d, usec;

	if (!dt_parse_datetime(text, strlen(text), norm, &ord))
		return json_object_new_string(text);
	usec = ord % USEC_PER_DAY;
	/* Civil date from days since 1970-01-01 (H. Hinnant); ord >= 0, so z > 0 here. */
	z = ord / USEC_PER_DAY - DAYS_0001_TO_1970 + 719468;
	era = z / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y = yoe + era * 400 + (m <= 2);
	snprintf(out, sizeof(out), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", (int)y, (int)m, (int)d,
	    (int)(usec / INT64_C(3600000000)), (int)(usec / 60000000 % 60),
	    (int)(usec / 1000000 % 60), (int)(usec / 1000 % 1000));
	return json_object_new_string(out);
}

/* Splits a PostgreSQL one-dimensional text[] literal ({a,"b c",NULL}) into n strings (NULL
 * for an unquoted NULL), malloc'd as one block the caller frees. Returns the count. */
static size_t
pg_array_split(const char *s, char ***out)
{
	size_t len = strlen(s), n = 0, cap = 1, i;
	char **items, *buf;

	for (i = 0; i < len; i++)
		cap += s[i] == ',';
	/* Pointers first, then the unescaped text: one allocation. */
	items = malloc(cap * sizeof(*items) + len + 1);
	*out = items;
	if (items == NULL || *s++ != '{')
		return 0;
	buf = (char *)(items + cap);
	while (*s != '\0' && *s != '}' && n < cap) {
		char *start = buf;

		if (*s == '"') {
			for (s++; *s != '\0' && *s != '"'; s++) {
				if (*s == '\\' && s[1] != '\0')
					s++;
				*buf++ = *s;
			}
			if (*s == '"')
				s++;
			*buf++ = '\0';
			items[n++] = start;
		} else {
			while (*s != '\0' && *s != ',' && *s != '}')
				*buf++ = *s++;
			*buf++ = '\0';
			items[n++] = strcmp(start, "NULL") == 0 ? NULL : start;
		}
		if (*s == ',')
			s++;
	}
	return n;
}

static struct json_object *
pg_array_json(const char *s)
{
	struct json_object *arr = json_object_new_array();
	char              **items;
	size_t              i, n = pg_array_split(s, &items);

	for (i = 0; i < n; i++)
		json_object_array_add(
		    arr, items[i] != NULL ? json_object_new_string(items[i]) : NULL);
	free(items);
	return arr;
}

struct json_object *
entry_value_json(enum field_type t, const char *text)
{
	if (text == NULL)
		return NULL;
	switch (t) {
	case FIELD_INTEGER:
		return json_object_new_int64(strtoll(text, NULL, 10));
	case FIELD_BOOLEAN:
		return json_object_new_boolean(text[0] == 't');
	case FIELD_MULTICHOICE:
		return pg_array_json(text);
	case FIELD_DATETIME:
		return datetime_json(text);
	default:
		return json_object_new_string(text);
	}
}

struct json_object *
entry_data_from_row(const struct tpl_section *s, PGresult *res)
{
	struct json_object *data = json_object_new_object();
	size_t              i;
	int                 has = res != NULL && PQntuples(res) == 1;

	for (i = 0; i < s->nfields; i++)
		json_object_object_add(data, s->fields[i].key,
		    has && !PQgetisnull(res, 0, (int)i + 1)
			? entry_value_json(s->fields[i].type, PQgetvalue(res, 0, (int)i + 1))
			: NULL);
	return data;
}

struct json_object *
entry_rows_from_result(const struct tpl_table *t, PGresult *res)
{
	struct json_object *rows = json_object_new_array();
	int                 r, n = res != NULL ? PQntuples(res) : 0;
	size_t              c;

	for (r = 0; r < n; r++) {
		struct json_object *row = json_object_new_object();

		for (c = 0; c < t->ncolumns; c++)
			json_object_object_add(row, t->columns[c].key,
			    PQgetisnull(res, r, (int)c)
				? NULL
				: entry_value_json(t->columns[c].type, PQgetvalue(res, r, (int)c)));
		json_object_array_add(rows, row);
	}
	return rows;
}

struct json_object *
entry_data_from_values(const struct tpl_section *s, const struct section_values *v)
{
	struct json_object *data = json_object_new_object();
	size_t              i;

	for (i = 0; i < s->nfields; i++)
		json_object_object_add(
		    data, s->fields[i].key, entry_value_json(s->fields[i].type, v->fields[i]));
	return data;
}

struct json_object *
entry_tables_from_values(const struct tpl_section *s, const struct section_values *v)
{
	struct json_object *tables = json_object_new_object();
	size_t              i, r, c;

	for (i = 0; i < s->ntables; i++) {
		const struct tpl_table    *t = &s->tables[i];
		const struct table_values *tv = &v->tables[i];
		struct json_object        *rows = json_object_new_array();

		for (r = 0; r < tv->nrows; r++) {
			struct json_object *row = json_object_new_object();

			for (c = 0; c < t->ncolumns; c++)
				json_object_object_add(row, t->columns[c].key,
				    entry_value_json(
					t->columns[c].type, tv->cells[r * t->ncolumns + c]));
			json_object_array_add(rows, row);
		}
		json_object_object_add(tables, t->key, rows);
	}
	return tables;
}

struct json_object *
entry_data_from_array(const struct tpl_section *s, const char *literal)
{
	struct json_object *data = json_object_new_object();
	char              **items = NULL;
	size_t              i, n = literal != NULL ? pg_array_split(literal, &items) : 0;

	for (i = 0; i < s->nfields; i++)
		json_object_object_add(data, s->fields[i].key,
		    i < n ? entry_value_json(s->fields[i].type, items[i]) : NULL);
	free(items);
	return data;
}

struct json_object *
entry_rows_from_json(const struct tpl_table *t, const char *text)
{
	struct json_object *rows = json_object_new_array(), *in;
	size_t              r, c, n;

	if (text == NULL || (in = json_tokener_parse(text)) == NULL)
		return rows;
	n = json_object_is_type(in, json_type_array) ? json_object_array_length(in) : 0;
	for (r = 0; r < n; r++) {
		struct json_object *cells = json_object_array_get_idx(in, r),
				   *row = json_object_new_object();

		for (c = 0; c < t->ncolumns; c++) {
			struct json_object *cell = json_object_array_get_idx(cells, c);

			json_object_object_add(row, t->columns[c].key,
			    entry_value_json(t->columns[c].type,
				cell != NULL ? json_object_get_string(cell) : NULL));
		}
		json_object_array_add(rows, row);
	}
	json_object_put(in);
	return rows;
}
