/* csv.c — RFC 4180 records; see csv.h. */
#include "logbook/domain/csv.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Makes room for n more bytes. */
static int
reserve(struct csv_line *l, size_t n)
{
	size_t cap;
	char  *p;

	if (n <= l->cap - l->len)
		return 0;
	if (n > SIZE_MAX / 2 - l->len)
		return -1;
	cap = l->cap != 0 ? l->cap : 256;
	while (cap - l->len < n)
		cap *= 2;
	if ((p = realloc(l->data, cap)) == NULL)
		return -1;
	l->data = p;
	l->cap = cap;
	return 0;
}

void
csv_line_reset(struct csv_line *l)
{
	l->len = 0;
	l->nfields = 0;
}

int
csv_needs_quotes(const char *field)
{
	return field[0] == '\0' || field[strcspn(field, ",\"\r\n")] != '\0';
}

int
csv_formula_like(const char *field)
{
	return field[0] != '\0' && strchr("=+-@\t\r", field[0]) != NULL;
}

int
csv_line_add(struct csv_line *l, const char *field)
{
	const char *p;
	size_t      n, quotes = 0, guard;

	if (l->nfields > 0) {
		if (reserve(l, 1) != 0)
			return -1;
		l->data[l->len++] = ',';
	}
	l->nfields++;
	if (field == NULL)
		return 0;
	n = strlen(field);
	guard = csv_formula_like(field) ? 1 : 0;
	if (!csv_needs_quotes(field)) {
		if (reserve(l, n + guard) != 0)
			return -1;
		if (guard)
			l->data[l->len++] = '\'';
		memcpy(l->data + l->len, field, n);
		l->len += n;
		return 0;
	}
	for (p = field; (p = strchr(p, '"')) != NULL; p++)
		quotes++;
	/* n + quotes + 3 cannot overflow: both count bytes of one string in memory. */
	if (reserve(l, n + quotes + 2 + guard) != 0)
		return -1;
	l->data[l->len++] = '"';
	if (guard)
		l->data[l->len++] = '\'';
	for (p = field; *p != '\0'; p++) {
		if (*p == '"')
			l->data[l->len++] = '"';
		l->data[l->len++] = *p;
	}
	l->data[l->len++] = '"';
	return 0;
}

int
csv_line_end(struct csv_line *l)
{
	if (reserve(l, 2) != 0)
		return -1;
	l->data[l->len++] = '\r';
	l->data[l->len++] = '\n';
	return 0;
}

void
csv_line_free(struct csv_line *l)
{
	free(l->data);
	*l = (struct csv_line){ 0 };
}
