/* entry_json.c — see entry_json.h. */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "logbook/entry_json.h"

/* Parses a PostgreSQL text[] literal ({a,"b c",NULL}) into a JSON array of strings. */
static struct json_object *
pg_array_json(const char *s)
{
	struct json_object *arr = json_object_new_array();
	char               *buf = malloc(strlen(s) + 1);

	if (buf == NULL || *s++ != '{') {
		free(buf);
		return arr;
	}
	while (*s != '\0' && *s != '}') {
		size_t n = 0;

		if (*s == '"') {
			for (s++; *s != '\0' && *s != '"'; s++) {
				if (*s == '\\' && s[1] != '\0')
					s++;
				buf[n++] = *s;
			}
			if (*s == '"')
				s++;
			buf[n] = '\0';
			json_object_array_add(arr, json_object_new_string_len(buf, (int)n));
		} else {
			while (*s != '\0' && *s != ',' && *s != '}')
				buf[n++] = *s++;
			buf[n] = '\0';
			/* Choices never hold SQL NULLs; an unquoted NULL would be one. */
			json_object_array_add(arr, strcmp(buf, "NULL") == 0 ? NULL :
			    json_object_new_string_len(buf, (int)n));
		}
		if (*s == ',')
			s++;
	}
	free(buf);
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
		json_object_object_add(data, s->fields[i].key, has && !PQgetisnull(res, 0, (int)i + 1) ?
		    entry_value_json(s->fields[i].type, PQgetvalue(res, 0, (int)i + 1)) : NULL);
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
			json_object_object_add(row, t->columns[c].key, PQgetisnull(res, r, (int)c) ? NULL :
			    entry_value_json(t->columns[c].type, PQgetvalue(res, r, (int)c)));
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
		json_object_object_add(data, s->fields[i].key, entry_value_json(s->fields[i].type,
		    v->fields[i]));
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
				json_object_object_add(row, t->columns[c].key, entry_value_json(
				    t->columns[c].type, tv->cells[r * t->ncolumns + c]));
			json_object_array_add(rows, row);
		}
		json_object_object_add(tables, t->key, rows);
	}
	return tables;
}
