/* field_value.h — the value engine: validate one JSON value against a field definition and
 * normalize it to the text parameter the store sends to PostgreSQL (every type travels as
 * text, so no value passes through a C double).
 *
 * Accepted JSON and normal form per type:
 *   text         string -> as is (valid UTF-8, no U+0000; lengths in code points; at most
 *                TPL_LENGTH_MAX code points even without max_length, and at most
 *                max_text_bytes bytes whatever max_length says; "" is a value)
 *   integer      JSON integer token in int64 -> "-?[0-9]+". A number written with a fraction
 *                or exponent (1.0, 1e2) is a `type` error; beyond int64 is `min`/`max`.
 *   decimal      JSON number or string "-?digits[.digits]" -> decimal.h normal form
 *                ("12.50" stays "12.50"); NaN/Infinity are `type`, a bad string `format`,
 *                more than 38 digits or 18 decimals `too_long`
 *   boolean      true/false -> "true"/"false"
 *   date         "YYYY-MM-DD"; time "HH:MM[:SS[.f]]" -> "HH:MM:SS[.f]"; datetime RFC 3339
 *                -> upper-case T/Z (datetime_text.h); not of the format: `format`
 *   choice       string among choices -> as is
 *   multichoice  array of distinct strings among choices -> PostgreSQL text[] literal
 *                {"a","b"} (elements double-quoted, `"` and `\` backslash-escaped), in the
 *                order given
 *
 * Absent vs null: json-c represents JSON null as a NULL json_object*, so callers say whether
 * the member was present. An absent value takes the field's default when it has one (like a
 * SQL column DEFAULT); an explicit null does not. Absent-or-null on a required field is
 * `required`; on an optional field it is valid and normalizes to NULL (SQL NULL).
 *
 * Value error codes (verr.code):
 *   required      missing or null on a required field
 *   type          wrong JSON type (see above)
 *   min, max      below min / above max (also beyond int64 for integers)
 *   min_length    fewer code points than min_length
 *   max_length    more code points than max_length
 *   pattern       text that does not match the field pattern
 *   choice        a string that is not one of the choices
 *   duplicate     a multichoice value listed twice
 *   format        a string not in the type's format, or containing U+0000
 *   too_long      too many digits (decimal), code points (text) or items (multichoice)
 *   invalid_utf8  a string that is not well-formed UTF-8
 *   unknown_member, min_rows, max_rows: used by section_values.h. */
#ifndef LOGBOOK_DOMAIN_FIELD_VALUE_H
#define LOGBOOK_DOMAIN_FIELD_VALUE_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "logbook/domain/template_def.h"
#include "logbook/domain/verr.h"

/* Validates value (present=false: the member was absent; value NULL: JSON null) against f.
 * Returns 0 when valid, with *out the normalized text in errs->arena or NULL for SQL NULL;
 * returns -1 with *out NULL and every problem appended to errs under path p. */
int field_value_check(const struct tpl_field *f, json_object *value, bool present,
    const struct vpath *p, struct verr_list *errs, const char **out);

/* Checks a non-null value against the type alone (no constraints) and normalizes it; used to
 * read min/max bounds. Types integer, decimal, date, time, datetime set *ord as in
 * struct field_bound. Returns 0, or -1 with errors appended. *text lives in errs->arena. */
int field_value_typed(enum field_type t, json_object *value, const struct vpath *p,
    struct verr_list *errs, const char **text, int64_t *ord);

/* The longest text value in bytes (the max_text_bytes setting; default
 * FIELD_TEXT_MAX_BYTES_DEFAULT), checked before the length and the pattern, so that no value
 * costs more than that to check. Set once at start. */
#define FIELD_TEXT_MAX_BYTES_DEFAULT 65536
void field_value_set_max_text_bytes(size_t n);

/* Compares a normalized value with a bound of the same type: <0, 0, >0. */
int field_value_cmp(enum field_type t, const char *text, int64_t ord, const struct field_bound *b);

/* Reads a JSON string (value must have json_type_string): appends invalid_utf8 or format
 * (U+0000) at p and returns -1, else returns 0 with *s and *len borrowed from value. */
int json_string_clean(
    json_object *value, const struct vpath *p, struct verr_list *errs, const char **s, size_t *len);

#endif
