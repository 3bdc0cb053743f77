/* json_number.c — keep JSON number text exact under json-c 0.16; see json_number.h. */
#include "logbook/domain/json_number.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "logbook/domain/decimal.h"

const char *
json_number_text(json_object *obj)
{
	const char *text;

	if (json_object_is_type(obj, json_type_double)) {
		/* Set by json_object_new_double_s(), which the tokener uses for every double. */
		if ((text = json_object_get_userdata(obj)) != NULL)
			return text;
		return json_object_get_string(obj);
	}
	if (json_object_is_type(obj, json_type_int))
		return json_object_get_string(obj); /* "%" PRId64 / PRIu64 of the exact value */
	return NULL;
}

static bool
is_number_char(char c)
{
	return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
}

/* True when tok[0..n) is an integer literal that json-c would clamp or store as uint64. */
static bool
integer_out_of_int64(const char *tok, size_t n)
{
	int64_t         v;
	enum int_status st = int64_parse(tok, n, &v);

	return st == INT_BELOW || st == INT_ABOVE;
}

/* Copies text to a new buffer, appending "e0" to each out-of-range integer literal found
 * outside strings. Aborts on out-of-memory, like the arena. */
static char *
protect_integers(const char *text, size_t len, size_t *outlen)
{
	size_t i = 0, o = 0, extra = 0;
	bool   in_string = false;
	char  *buf;

	/* First pass sizes the output; the second writes it. Each literal that grows is at
	 * least 19 bytes, so the output is at most 12% larger. */
	for (int pass = 0; pass < 2; pass++) {
		buf = NULL;
		if (pass == 1 && (buf = malloc(len + extra + 1)) == NULL)
			abort();
		in_string = false;
		for (i = 0, o = 0; i < len;) {
			char c = text[i];

			if (in_string) {
				if (c == '\\' && i + 1 < len) {
					if (buf)
						memcpy(buf + o, text + i, 2);
					i += 2;
					o += 2;
					continue;
				}
				if (c == '"')
					in_string = false;
			} else if (c == '"')
				in_string = true;
			else if (c == '-' || (c >= '0' && c <= '9')) {
				size_t start = i, n;

				while (i < len && is_number_char(text[i]))
					i++;
				n = i - start;
				if (buf)
					memcpy(buf + o, text + start, n);
				o += n;
				if (integer_out_of_int64(text + start, n)) {
					if (buf)
						memcpy(buf + o, "e0", 2);
					o += 2;
					extra += pass == 0 ? 2 : 0;
				}
				continue;
			}
			if (buf)
				buf[o] = c;
			o++;
			i++;
		}
	}
	buf[o] = '\0';
	*outlen = o;
	return buf;
}

json_object *
json_number_parse(
    const char *text, size_t len, int max_depth, int flags, enum json_tokener_error *err)
{
	struct json_tokener *tok = NULL;
	json_object         *obj = NULL;
	char                *buf = NULL;
	size_t               buflen;

	*err = json_tokener_success;
	if (len > (size_t)INT32_MAX / 2 || memchr(text, '\0', len) != NULL) {
		*err = json_tokener_error_parse_unexpected;
		goto out;
	}
	buf = protect_integers(text, len, &buflen);
	if ((tok = json_tokener_new_ex(max_depth)) == NULL)
		abort();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | flags);
	obj = json_tokener_parse_ex(tok, buf, (int)buflen);
	if ((*err = json_tokener_get_error(tok)) != json_tokener_success) {
		if (*err == json_tokener_continue)
			*err = json_tokener_error_parse_eof;
		json_object_put(obj);
		obj = NULL;
	} else if (json_tokener_get_parse_end(tok) != buflen) {
		*err = json_tokener_error_parse_unexpected;
		json_object_put(obj);
		obj = NULL;
	}
out:
	if (tok != NULL)
		json_tokener_free(tok);
	free(buf);
	return obj;
}
