/* search_query.c — see search_query.h. */
#include "logbook/domain/search_query.h"

#include <string.h>

#include "logbook/domain/section_values.h"
#include "logbook/domain/template_def.h"
#include "logbook/domain/utf8.h"

static int
is_space(char c)
{
	return c == ' ' || c == '\t';
}

static enum search_error
add_term(
    struct arena *a, struct search_query *out, enum search_term_kind kind, const char *s, size_t n)
{
	if (kind != SEARCH_PHRASE)
		while (n > 0 && s[n - 1] == '*') {
			kind = SEARCH_PREFIX;
			n--;
		}
	if (n == 0)
		return SEARCH_OK; /* "" or a lone star: nothing to look for */
	if (out->nterms == SEARCH_TERMS_MAX)
		return SEARCH_TOO_MANY;
	out->terms[out->nterms].kind = kind;
	out->terms[out->nterms].text = arena_strndup(a, s, n);
	out->nterms++;
	return SEARCH_OK;
}

enum search_error
search_query_parse(struct arena *a, const char *q, struct search_query *out)
{
	size_t            len = strlen(q), i = 0, start;
	enum search_error err;

	out->nterms = 0;
	if (len > SEARCH_Q_MAX)
		return SEARCH_TOO_LONG;
	if (!utf8_valid(q, len))
		return SEARCH_BAD_UTF8;
	for (i = 0; i < len; i++)
		if (((unsigned char)q[i] < 0x20 && q[i] != '\t') || q[i] == 0x7f)
			return SEARCH_CONTROL;
	for (i = 0; i < len;) {
		while (i < len && is_space(q[i]))
			i++;
		if (i == len)
			break;
		if (q[i] == '"') {
			start = ++i;
			while (i < len && q[i] != '"')
				i++;
			err = add_term(a, out, SEARCH_PHRASE, q + start, i - start);
			if (i < len)
				i++; /* the closing quote */
		} else {
			start = i;
			while (i < len && !is_space(q[i]) && q[i] != '"')
				i++;
			err = add_term(a, out, SEARCH_WORD, q + start, i - start);
		}
		if (err != SEARCH_OK)
			return err;
	}
	return SEARCH_OK;
}

const char *
search_error_text(enum search_error err)
{
	switch (err) {
	case SEARCH_TOO_LONG:
		return "q is longer than 1000 bytes";
	case SEARCH_BAD_UTF8:
		return "q is not valid UTF-8";
	case SEARCH_CONTROL:
		return "q must not contain control characters";
	case SEARCH_TOO_MANY:
		return "q has more than 32 terms";
	default:
		return "q is valid";
	}
}

/* Appends text and a newline to buf[*len..cap) while it fits, whole characters only. */
static void
append_line(char *buf, size_t *len, size_t cap, const char *text)
{
	size_t n = strlen(text), room = cap - *len;

	if (n == 0 || room < 2)
		return;
	if (n > room - 1) {
		n = room - 1;
		while (n > 0 && ((unsigned char)text[n] & 0xC0) == 0x80)
			n--; /* do not cut a character in two */
	}
	memcpy(buf + *len, text, n);
	*len += n;
	buf[(*len)++] = '\n';
}

const char *
search_section_text(struct arena *a, const struct tpl_section *s, const struct section_values *vals)
{
	char  *buf = arena_alloc(a, SEARCH_SECTION_TEXT_MAX + 1);
	size_t len = 0, i, t, row, c;

	for (i = 0; i < s->nfields; i++)
		if (s->fields[i].type == FIELD_TEXT && vals->fields[i] != NULL)
			append_line(buf, &len, SEARCH_SECTION_TEXT_MAX, vals->fields[i]);
	for (t = 0; t < s->ntables; t++) {
		const struct tpl_table    *tt = &s->tables[t];
		const struct table_values *tv = &vals->tables[t];

		for (row = 0; row < tv->nrows; row++)
			for (c = 0; c < tt->ncolumns; c++) {
				const char *cell = tv->cells[row * tt->ncolumns + c];

				if (tt->columns[c].type == FIELD_TEXT && cell != NULL)
					append_line(buf, &len, SEARCH_SECTION_TEXT_MAX, cell);
			}
	}
	buf[len] = '\0';
	return buf;
}
