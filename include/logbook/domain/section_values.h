/* section_values.h — validate a section save (API.md `PUT /entries/{id}/sections/{section}`)
 * against its definition and collect the normalized text parameters for the store.
 *
 * Body: {"data": {<field key>: value, ...}, "tables": {<table key>: [{<column key>: value}]}}.
 * `data` absent or null reads as {}; a table absent or null reads as [] (so required fields
 * and min_rows still report). Unknown members are rejected at every level.
 *
 * Paths (verr.h), relative to the body: `data.<field>`, `tables.<table>`,
 * `tables.<table>[i]`, `tables.<table>[i].<column>`, and `<member>` for an unknown member of
 * the body. Codes: those of field_value.h, plus
 *   unknown_member  a key that is not a field/table/column of the definition
 *   type            `data`, `tables` or a row that is not an object, rows not an array
 *   min_rows        fewer rows than min_rows
 *   max_rows        more rows than max_rows (rows beyond TPL_ROWS_MAX are not examined) */
#ifndef LOGBOOK_DOMAIN_SECTION_VALUES_H
#define LOGBOOK_DOMAIN_SECTION_VALUES_H

#include <json-c/json.h>
#include <stddef.h>

#include "logbook/domain/template_def.h"
#include "logbook/domain/verr.h"

struct table_values {
	size_t       nrows;
	const char **cells; /* nrows * ncolumns, row-major, columns in definition order;
			     * NULL = SQL NULL. Row i is _row_no i + 1 by the store's choice. */
};

struct section_values {
	const char         **fields; /* one per s->fields[i]; NULL = SQL NULL */
	struct table_values *tables; /* one per s->tables[i] */
};

/* Validates a whole save body. Returns 0 with *out filled (everything in errs->arena), or -1
 * with every problem appended to errs and *out unspecified. */
int section_values_check(const struct tpl_section *s, json_object *body, struct verr_list *errs,
    struct section_values *out);

/* Validates the `data` object (NULL = absent/null) whose path is p; out has s->nfields
 * slots. Returns 0 or -1 as above. */
int section_data_check(const struct tpl_section *s, json_object *data, const struct vpath *p,
    struct verr_list *errs, const char **out);

/* Validates one table's rows (NULL = absent/null) whose path is p. Returns 0 or -1. */
int table_rows_check(const struct tpl_table *t, json_object *rows, const struct vpath *p,
    struct verr_list *errs, struct table_values *out);

#endif
