/* field_value.c — validate and normalize one value against a field; see field_value.h. */
#include "logbook/domain/field_value.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "logbook/core/arena.h"
#include "logbook/domain/datetime_text.h"
#include "logbook/domain/decimal.h"
#include "logbook/domain/json_number.h"
#include "logbook/domain/pattern.h"
#include "logbook/domain/utf8.h"

/* Messages naming more choices than this say "one of the choices" instead of listing them. */
#define CHOICES_LISTED_MAX 10

static size_t max_text_bytes = FIELD_TEXT_MAX_BYTES_DEFAULT;

void
field_value_set_max_text_bytes(size_t n)
{
	max_text_bytes = n;
}

static const char *const type_message[FIELD_TYPE_COUNT] = {
	[FIELD_TEXT] = "must be a string",
	[FIELD_INTEGER] = "must be an integer",
	[FIELD_DECIMAL] = "must be a decimal number or a string like \"12.50\"",
	[FIELD_BOOLEAN] = "must be true or false",
	[FIELD_DATE] = "must be a date string YYYY-MM-DD",
	[FIELD_TIME] = "must be a time string HH:MM[:SS]",
	[FIELD_DATETIME] = "must be an RFC 3339 date-time string",
	[FIELD_CHOICE] = "must be a string",
	[FIELD_MULTICHOICE] = "must be an array of strings",
};

int
json_string_clean(
    json_object *value, const struct vpath *p, struct verr_list *errs, const char **s, size_t *len)
{
	*s = json_object_get_string(value);
	*len = (size_t)json_object_get_string_len(value);
	if (!utf8_valid(*s, *len)) {
		verr_add(errs, p, "invalid_utf8", "must be valid UTF-8");
		return -1;
	}
	if (memchr(*s, '\0', *len) != NULL) {
		verr_add(errs, p, "format", "must not contain U+0000");
		return -1;
	}
	return 0;
}

/* True when text is "-?[0-9]+e0": the form json_number_parse() gives integer literals
 * beyond int64 (see json_number.h). */
static bool
is_protected_integer(const char *text, size_t *ndigits_end)
{
	size_t i = text[0] == '-' ? 1 : 0, start = i;

	while (text[i] >= '0' && text[i] <= '9')
		i++;
	if (i == start || strcmp(text + i, "e0") != 0)
		return false;
	*ndigits_end = i;
	return true;
}

/* Reads an integer; f (NULL for a bare type check) lets an out-of-int64 value be reported
 * against the field's own bound rather than the int64 limit. */
static int
typed_integer(const struct tpl_field *f, json_object *v, const struct vpath *p,
    struct verr_list *errs, const char **text, int64_t *ord)
{
	const char     *t = json_number_text(v);
	enum int_status st = INT_SYNTAX;
	size_t          end;

	if (json_object_is_type(v, json_type_int))
		st = int64_parse(t, strlen(t), ord);
	else if (json_object_is_type(v, json_type_double) && is_protected_integer(t, &end)) {
		/* Only json_number_parse() makes this form, and only for values beyond int64; a
		 * client's own "5e0" is an exponent, which integers refuse. */
		int64_t unused;

		st = int64_parse(t, end, &unused);
		if (st == INT_OK)
			st = INT_SYNTAX;
	}
	switch (st) {
	case INT_OK:
		*text = arena_printf(errs->arena, "%" PRId64, *ord);
		return 0;
	case INT_BELOW:
		if (f != NULL && f->min.set)
			verr_add(errs, p, "min", "must be >= %s", f->min.text);
		else
			verr_add(errs, p, "min", "must be >= %" PRId64, INT64_MIN);
		return -1;
	case INT_ABOVE:
		if (f != NULL && f->max.set)
			verr_add(errs, p, "max", "must be <= %s", f->max.text);
		else
			verr_add(errs, p, "max", "must be <= %" PRId64, INT64_MAX);
		return -1;
	case INT_SYNTAX:
		break;
	}
	verr_add(errs, p, "type", "%s", type_message[FIELD_INTEGER]);
	return -1;
}

static int
typed_decimal(json_object *v, const struct vpath *p, struct verr_list *errs, const char **text)
{
	char                out[DECIMAL_TEXT_MAX];
	enum decimal_status st;
	const char         *s;
	size_t              len;
	bool                is_string = json_object_is_type(v, json_type_string);

	if (is_string) {
		if (json_string_clean(v, p, errs, &s, &len) != 0)
			return -1;
		st = decimal_normalize(s, len, DECIMAL_PLAIN, out);
	} else if ((s = json_number_text(v)) != NULL)
		st = decimal_normalize(s, strlen(s), DECIMAL_JSON_NUMBER, out);
	else
		st = DECIMAL_SYNTAX;
	switch (st) {
	case DECIMAL_OK:
		*text = arena_strdup(errs->arena, out);
		return 0;
	case DECIMAL_TOO_MANY_DIGITS:
		verr_add(errs, p, "too_long", "must have at most %d significant digits",
		    DECIMAL_MAX_DIGITS);
		return -1;
	case DECIMAL_TOO_MANY_SCALE:
		verr_add(errs, p, "too_long", "must have at most %d digits after the decimal point",
		    DECIMAL_MAX_SCALE);
		return -1;
	case DECIMAL_SYNTAX:
		break;
	}
	if (is_string)
		verr_add(errs, p, "format", "must be a decimal number like \"12.50\"");
	else
		verr_add(errs, p, "type", "%s", type_message[FIELD_DECIMAL]);
	return -1;
}

static int
typed_temporal(enum field_type t, json_object *v, const struct vpath *p, struct verr_list *errs,
    const char **text, int64_t *ord)
{
	char        out[DT_TEXT_MAX];
	const char *s;
	size_t      len;
	bool        ok;

	if (!json_object_is_type(v, json_type_string)) {
		verr_add(errs, p, "type", "%s", type_message[t]);
		return -1;
	}
	if (json_string_clean(v, p, errs, &s, &len) != 0)
		return -1;
	if (t == FIELD_DATE)
		ok = dt_parse_date(s, len, out, ord);
	else if (t == FIELD_TIME)
		ok = dt_parse_time(s, len, out, ord);
	else
		ok = dt_parse_datetime(s, len, out, ord);
	if (!ok) {
		verr_add(errs, p, "format", "%s", type_message[t]);
		return -1;
	}
	*text = arena_strdup(errs->arena, out);
	return 0;
}

int
field_value_typed(enum field_type t, json_object *value, const struct vpath *p,
    struct verr_list *errs, const char **text, int64_t *ord)
{
	const char *s;
	size_t      len;

	*text = NULL;
	*ord = 0;
	switch (t) {
	case FIELD_INTEGER:
		return typed_integer(NULL, value, p, errs, text, ord);
	case FIELD_DECIMAL:
		return typed_decimal(value, p, errs, text);
	case FIELD_DATE:
	case FIELD_TIME:
	case FIELD_DATETIME:
		return typed_temporal(t, value, p, errs, text, ord);
	case FIELD_BOOLEAN:
		if (!json_object_is_type(value, json_type_boolean))
			break;
		*text = json_object_get_boolean(value) ? "true" : "false";
		return 0;
	case FIELD_TEXT:
	case FIELD_CHOICE:
		if (!json_object_is_type(value, json_type_string))
			break;
		if (json_string_clean(value, p, errs, &s, &len) != 0)
			return -1;
		*text = s; /* borrowed from value until the caller copies what it keeps */
		return 0;
	case FIELD_MULTICHOICE:
	case FIELD_TYPE_COUNT:
		break;
	}
	verr_add(errs, p, "type", "%s", t < FIELD_TYPE_COUNT ? type_message[t] : "unknown type");
	return -1;
}

int
field_value_cmp(enum field_type t, const char *text, int64_t ord, const struct field_bound *b)
{
	if (t == FIELD_DECIMAL)
		return decimal_cmp(text, b->text);
	return ord < b->ord ? -1 : ord > b->ord;
}

static int
check_bounds(const struct tpl_field *f, const char *text, int64_t ord, const struct vpath *p,
    struct verr_list *errs)
{
	if (f->min.set && field_value_cmp(f->type, text, ord, &f->min) < 0) {
		verr_add(errs, p, "min", "must be >= %s", f->min.text);
		return -1;
	}
	if (f->max.set && field_value_cmp(f->type, text, ord, &f->max) > 0) {
		verr_add(errs, p, "max", "must be <= %s", f->max.text);
		return -1;
	}
	return 0;
}

static int
check_text(const struct tpl_field *f, json_object *v, const struct vpath *p, struct verr_list *errs,
    const char **out)
{
	const char *s;
	size_t      len, cps;
	int         rc = 0;

	if (!json_object_is_type(v, json_type_string)) {
		verr_add(errs, p, "type", "%s", type_message[FIELD_TEXT]);
		return -1;
	}
	if (json_string_clean(v, p, errs, &s, &len) != 0)
		return -1;
	if (len > max_text_bytes) {
		verr_add(errs, p, "too_long", "must have at most %zu bytes (max_text_bytes)",
		    max_text_bytes);
		return -1;
	}
	cps = utf8_count(s, len);
	if (f->max_length < 0 && cps > TPL_LENGTH_MAX) {
		verr_add(errs, p, "too_long", "must have at most %d characters", TPL_LENGTH_MAX);
		return -1;
	}
	if (f->min_length >= 0 && cps < (size_t)f->min_length) {
		verr_add(errs, p, "min_length", "must have at least %d characters", f->min_length);
		rc = -1;
	}
	if (f->max_length >= 0 && cps > (size_t)f->max_length) {
		verr_add(errs, p, "max_length", "must have at most %d characters", f->max_length);
		rc = -1;
	}
	if (f->regex != NULL && !pattern_match(f->regex, s, len)) {
		verr_add(errs, p, "pattern", "must match the pattern %s", f->pattern);
		rc = -1;
	}
	if (rc == 0)
		*out = arena_strndup(errs->arena, s, len);
	return rc;
}

static int
choice_index(const struct tpl_field *f, const char *s)
{
	for (size_t i = 0; i < f->nchoices; i++)
		if (strcmp(f->choices[i], s) == 0)
			return (int)i;
	return -1;
}

static void
add_choice_error(const struct tpl_field *f, const struct vpath *p, struct verr_list *errs)
{
	char  *list;
	size_t i, n = 0, room = 1;

	if (f->nchoices == 0 || f->nchoices > CHOICES_LISTED_MAX) {
		verr_add(errs, p, "choice", "must be one of the field's choices");
		return;
	}
	for (i = 0; i < f->nchoices; i++)
		room += strlen(f->choices[i]) + 2;
	list = arena_alloc(errs->arena, room);
	for (i = 0; i < f->nchoices; i++)
		n += (size_t)sprintf(list + n, "%s%s", i > 0 ? ", " : "", f->choices[i]);
	list[n] = '\0';
	verr_add(errs, p, "choice", "must be one of: %s", list);
}

static int
check_choice(const struct tpl_field *f, json_object *v, const struct vpath *p,
    struct verr_list *errs, const char **out)
{
	const char *s;
	size_t      len;

	if (!json_object_is_type(v, json_type_string)) {
		verr_add(errs, p, "type", "%s", type_message[FIELD_CHOICE]);
		return -1;
	}
	if (json_string_clean(v, p, errs, &s, &len) != 0)
		return -1;
	if (choice_index(f, s) < 0) {
		add_choice_error(f, p, errs);
		return -1;
	}
	*out = arena_strndup(errs->arena, s, len);
	return 0;
}

/* Appends s to a text[] literal at buf as a double-quoted element. */
static size_t
put_array_element(char *buf, const char *s)
{
	size_t n = 0;

	buf[n++] = '"';
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			buf[n++] = '\\';
		buf[n++] = *s;
	}
	buf[n++] = '"';
	return n;
}

static int
check_multichoice(const struct tpl_field *f, json_object *v, const struct vpath *p,
    struct verr_list *errs, const char **out)
{
	size_t      n, i, room = 3, len;
	const char *s;
	bool       *seen;
	int         rc = 0, idx;
	char       *buf;

	if (!json_object_is_type(v, json_type_array)) {
		verr_add(errs, p, "type", "%s", type_message[FIELD_MULTICHOICE]);
		return -1;
	}
	n = json_object_array_length(v);
	/* Distinct members of the choices cannot outnumber them; refusing longer arrays at once
	 * also bounds the work on hostile input. */
	if (n > f->nchoices) {
		verr_add(errs, p, "too_long", "must have at most %zu items", f->nchoices);
		return -1;
	}
	seen = arena_zalloc(errs->arena, f->nchoices + 1);
	for (i = 0; i < n; i++) {
		json_object        *e = json_object_array_get_idx(v, i);
		const struct vpath *ep = VPATH_INDEX(p, i);

		if (!json_object_is_type(e, json_type_string)) {
			verr_add(errs, ep, "type", "must be a string");
			rc = -1;
			continue;
		}
		if (json_string_clean(e, ep, errs, &s, &len) != 0) {
			rc = -1;
			continue;
		}
		if ((idx = choice_index(f, s)) < 0) {
			add_choice_error(f, ep, errs);
			rc = -1;
			continue;
		}
		if (seen[idx]) {
			verr_add(errs, ep, "duplicate", "lists %s twice", f->choices[idx]);
			rc = -1;
			continue;
		}
		seen[idx] = true;
		room += 2 * len + 3;
	}
	if (rc != 0)
		return -1;
	buf = arena_alloc(errs->arena, room);
	len = 0;
	buf[len++] = '{';
	for (i = 0; i < n; i++) {
		if (i > 0)
			buf[len++] = ',';
		len += put_array_element(
		    buf + len, json_object_get_string(json_object_array_get_idx(v, i)));
	}
	buf[len++] = '}';
	buf[len] = '\0';
	*out = buf;
	return 0;
}

int
field_value_check(const struct tpl_field *f, json_object *value, bool present,
    const struct vpath *p, struct verr_list *errs, const char **out)
{
	const char *text;
	int64_t     ord;

	*out = NULL;
	if (!present && f->default_text != NULL) {
		*out = arena_strdup(errs->arena, f->default_text);
		return 0;
	}
	if (!present || value == NULL) {
		if (!f->required)
			return 0;
		verr_add(errs, p, "required", "is required");
		return -1;
	}
	switch (f->type) {
	case FIELD_TEXT:
		return check_text(f, value, p, errs, out);
	case FIELD_CHOICE:
		return check_choice(f, value, p, errs, out);
	case FIELD_MULTICHOICE:
		return check_multichoice(f, value, p, errs, out);
	case FIELD_BOOLEAN:
		return field_value_typed(f->type, value, p, errs, out, &ord);
	case FIELD_INTEGER:
		if (typed_integer(f, value, p, errs, &text, &ord) != 0 ||
		    check_bounds(f, text, ord, p, errs) != 0)
			return -1;
		*out = text;
		return 0;
	case FIELD_DECIMAL:
	case FIELD_DATE:
	case FIELD_TIME:
	case FIELD_DATETIME:
		if (field_value_typed(f->type, value, p, errs, &text, &ord) != 0)
			return -1;
		if (check_bounds(f, text, ord, p, errs) != 0)
			return -1;
		*out = text;
		return 0;
	case FIELD_TYPE_COUNT:
		break;
	}
	verr_add(errs, p, "type", "unknown field type");
	return -1;
}
