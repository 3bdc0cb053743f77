/* json_number.h — the exact source text of JSON numbers under json-c 0.16.
 *
 * What json-c 0.16 does with numbers (measured, see tests/unit/test_domain_json_number.c):
 * - A token with `.`, `e` or `E` becomes a double made by json_object_new_double_s(), which
 *   keeps the token text as the object's userdata and serializer: the text survives exactly
 *   ("12.50", "1e400", "0.1000000000000000000000000000001"). json_number_text() returns it.
 * - NaN, Infinity and -Infinity are accepted as doubles even with JSON_TOKENER_STRICT.
 * - Any other token is parsed with strtoll/strtoull into an int64 or, when positive and above
 *   INT64_MAX, a uint64. Values beyond those ranges are CLAMPED without an error:
 *   18446744073709551616 reads as 18446744073709551615, -9223372036854775809 as INT64_MIN,
 *   and a 40-digit integer for a decimal field would silently lose its digits.
 *
 * json_number_parse() avoids the clamping: before json-c sees the text it appends "e0" to
 * every integer literal outside the int64 range, so json-c keeps it as a double with exact
 * text (`12345678901234567890123e0`). The value engine reads that text exactly: decimals take
 * every digit; integer fields report it as out of range (field_value.h). */
#ifndef LOGBOOK_DOMAIN_JSON_NUMBER_H
#define LOGBOOK_DOMAIN_JSON_NUMBER_H

#include <json-c/json.h>
#include <stddef.h>

/* The exact text of a number object: the source token for doubles from the tokener, the
 * decimal digits of the stored value for int64/uint64. For a double made with
 * json_object_new_double() (no source text) json-c's own formatting is returned. NULL when
 * obj is not a number. The string belongs to obj. */
const char *json_number_text(json_object *obj);

/* Parses text[0..len) as one JSON document with JSON_TOKENER_STRICT | flags (e.g.
 * JSON_TOKENER_VALIDATE_UTF8) and max_depth, rejecting trailing bytes, after protecting
 * out-of-range integer literals as described above. Use it instead of json_tokener_parse_ex
 * for request bodies. Returns a new reference, or NULL with *err set
 * (json_tokener_error_depth, ..._parse_eof, ..._parse_unexpected for trailing bytes or an
 * embedded NUL, ...). Uses O(len) memory; aborts on out-of-memory like the arena. */
json_object *json_number_parse(
    const char *text, size_t len, int max_depth, int flags, enum json_tokener_error *err);

#endif
