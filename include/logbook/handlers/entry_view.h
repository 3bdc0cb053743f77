/* entry_json.h — turning stored section values (text, as the statements of template_cache.c
 * return them, or as the value engine normalized them) into the API's JSON shapes. */
#ifndef LOGBOOK_ENTRY_JSON_H
#define LOGBOOK_ENTRY_JSON_H

#include <libpq-fe.h>

#include "logbook/domain/section_values.h"
#include "logbook/store/template_cache.h"

struct request;
struct json_object;

/* One value: NULL -> JSON null; integer -> number; boolean -> true/false; multichoice from a
 * PostgreSQL text[] literal -> array of strings; everything else (decimal included) -> string.
 * New reference. */
struct json_object *entry_value_json(enum field_type t, const char *text);

/* {"<field>": value, ...} from the read statement's row (column 0 is _revision, fields follow
 * in definition order); every field of the version, null when the entry has no row yet. */
struct json_object *entry_data_from_row(const struct tpl_section *s, PGresult *res);

/* [{"<column>": value, ...}, ...] from a table's read statement. */
struct json_object *entry_rows_from_result(const struct tpl_table *t, PGresult *res);

/* The same shapes from the single-row read of template_cache.h (read_entry): a section's
 * field texts as a text[] literal (NULL: no row yet), a table's rows as JSON arrays of texts. */
struct json_object *entry_data_from_array(const struct tpl_section *s, const char *literal);
struct json_object *entry_rows_from_json(const struct tpl_table *t, const char *text);

/* The same shapes from values the value engine normalized (a save's own reply and history). */
struct json_object *entry_data_from_values(
    const struct tpl_section *s, const struct section_values *v);
struct json_object *entry_tables_from_values(
    const struct tpl_section *s, const struct section_values *v);

#endif
