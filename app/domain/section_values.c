/* section_values.c — validate a section save body; see section_values.h. */
#include "logbook/domain/section_values.h"

#include <string.h>

#include "logbook/core/arena.h"
#include "logbook/domain/field_value.h"

/* Validates obj's members against fields[0..n) into out[0..n); unknown members are
 * reported. Looking members up by field (hash lookups) keeps a row O(columns); the slow scan
 * for unknown names runs only when the member count says there are some. */
static int
check_object(const struct tpl_field *fields, size_t n, json_object *obj, const struct vpath *p,
    struct verr_list *errs, const char **out)
{
	size_t matched = 0, i;
	int    rc = 0;

	for (i = 0; i < n; i++) {
		json_object *v = NULL;
		bool present = obj != NULL && json_object_object_get_ex(obj, fields[i].key, &v);

		matched += present;
		if (field_value_check(
			&fields[i], v, present, VPATH_MEMBER(p, fields[i].key), errs, &out[i]) != 0)
			rc = -1;
	}
	if (obj != NULL && (size_t)json_object_object_length(obj) > matched) {
		json_object_object_foreach(obj, name, value)
		{
			(void)value;
			for (i = 0; i < n; i++)
				if (strcmp(fields[i].key, name) == 0)
					break;
			if (i == n)
				verr_add(errs, VPATH_MEMBER(p, name), "unknown_member",
				    "unknown member");
		}
		rc = -1;
	}
	return rc;
}

int
section_data_check(const struct tpl_section *s, json_object *data, const struct vpath *p,
    struct verr_list *errs, const char **out)
{
	if (data != NULL && !json_object_is_type(data, json_type_object)) {
		verr_add(errs, p, "type", "must be an object");
		return -1;
	}
	return check_object(s->fields, s->nfields, data, p, errs, out);
}

int
table_rows_check(const struct tpl_table *t, json_object *rows, const struct vpath *p,
    struct verr_list *errs, struct table_values *out)
{
	size_t n = 0, examined, i;
	int    rc = 0;

	out->nrows = 0;
	out->cells = NULL;
	if (rows != NULL && !json_object_is_type(rows, json_type_array)) {
		verr_add(errs, p, "type", "must be an array of rows");
		return -1;
	}
	if (rows != NULL)
		n = json_object_array_length(rows);
	if (n < (size_t)t->min_rows) {
		verr_add(errs, p, "min_rows", "must have at least %d rows", (int)t->min_rows);
		rc = -1;
	}
	if (n > (size_t)t->max_rows) {
		verr_add(errs, p, "max_rows", "must have at most %d rows", (int)t->max_rows);
		rc = -1;
	}
	examined = n > TPL_ROWS_MAX ? TPL_ROWS_MAX : n;
	out->cells = arena_zalloc(errs->arena, (examined * t->ncolumns + 1) * sizeof(*out->cells));
	for (i = 0; i < examined; i++) {
		const struct vpath *rp = VPATH_INDEX(p, i);
		json_object        *row = json_object_array_get_idx(rows, i);

		if (!json_object_is_type(row, json_type_object)) {
			verr_add(errs, rp, "type", "must be an object");
			rc = -1;
			continue;
		}
		if (check_object(
			t->columns, t->ncolumns, row, rp, errs, out->cells + i * t->ncolumns) != 0)
			rc = -1;
	}
	if (rc == 0)
		out->nrows = n;
	return rc;
}

int
section_values_check(const struct tpl_section *s, json_object *body, struct verr_list *errs,
    struct section_values *out)
{
	const struct vpath *tp = VPATH_MEMBER(NULL, "tables");
	json_object        *data = NULL, *tables = NULL;
	size_t              i, matched = 0;
	int                 rc = 0;

	out->fields = arena_zalloc(errs->arena, (s->nfields + 1) * sizeof(*out->fields));
	out->tables = arena_zalloc(errs->arena, (s->ntables + 1) * sizeof(*out->tables));
	if (!json_object_is_type(body, json_type_object)) {
		verr_add(errs, NULL, "type", "must be an object");
		return -1;
	}
	json_object_object_foreach(body, name, value)
	{
		(void)value;
		if (strcmp(name, "data") != 0 && strcmp(name, "tables") != 0) {
			verr_add(
			    errs, VPATH_MEMBER(NULL, name), "unknown_member", "unknown member");
			rc = -1;
		}
	}
	json_object_object_get_ex(body, "data", &data);
	if (section_data_check(s, data, VPATH_MEMBER(NULL, "data"), errs, out->fields) != 0)
		rc = -1;
	json_object_object_get_ex(body, "tables", &tables);
	if (tables != NULL && !json_object_is_type(tables, json_type_object)) {
		verr_add(errs, tp, "type", "must be an object");
		return -1;
	}
	for (i = 0; i < s->ntables; i++) {
		json_object *rows = NULL;

		if (tables != NULL && json_object_object_get_ex(tables, s->tables[i].key, &rows))
			matched++;
		if (table_rows_check(&s->tables[i], rows, VPATH_MEMBER(tp, s->tables[i].key), errs,
			&out->tables[i]) != 0)
			rc = -1;
	}
	if (tables != NULL && (size_t)json_object_object_length(tables) > matched) {
		json_object_object_foreach(tables, table_name, rows)
		{
			(void)rows;
			if (tpl_section_table(s, table_name) == NULL)
				verr_add(errs, VPATH_MEMBER(tp, table_name), "unknown_member",
				    "unknown member");
		}
		rc = -1;
	}
	return rc;
}
