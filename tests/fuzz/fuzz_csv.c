/* fuzz_csv.c — CSV export quoting (csv_line_add). The input is split at NUL bytes into
 * fields; the record is parsed back with an RFC 4180 reader and must give the same fields,
 * except that a field a spreadsheet would run as a formula may come back with a leading
 * single quote (OWASP CSV injection). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "logbook/domain/csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reads one field at *pos of rec[0..n); returns a malloc'd copy and moves *pos past the
 * comma or the final CRLF. */
static char *
read_field(const char *rec, size_t n, size_t *pos)
{
	char  *out = malloc(n + 1);
	size_t o = 0, i = *pos;

	if (out == NULL)
		abort();
	if (i < n && rec[i] == '"') {
		for (i++;; i++) {
			if (i >= n)
				abort(); /* unterminated quote */
			if (rec[i] == '"') {
				if (i + 1 < n && rec[i + 1] == '"') {
					out[o++] = '"';
					i++;
					continue;
				}
				i++;
				break;
			}
			out[o++] = rec[i];
		}
	} else {
		while (i < n && rec[i] != ',' && rec[i] != '\r') {
			if (rec[i] == '"' || rec[i] == '\n')
				abort(); /* must have been quoted */
			out[o++] = rec[i++];
		}
	}
	if (i < n && rec[i] == ',')
		i++;
	else if (i + 2 == n && rec[i] == '\r' && rec[i + 1] == '\n')
		i += 2;
	else
		abort();
	out[o] = '\0';
	*pos = i;
	return out;
}

static int
formula_start(char c)
{
	return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r';
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct csv_line l = { 0 };
	char           *copy = malloc(size + 1);
	const char     *fields[64];
	int             nf = 0;
	size_t          pos = 0;

	if (copy == NULL)
		abort();
	memcpy(copy, data, size);
	copy[size] = '\0';
	for (size_t start = 0; nf < 64;) {
		fields[nf++] = copy + start;
		start += strlen(copy + start) + 1;
		if (start > size)
			break;
	}
	csv_line_reset(&l);
	for (int i = 0; i < nf; i++)
		if (csv_line_add(&l, fields[i]) != 0)
			abort();
	if (csv_line_end(&l) != 0)
		abort();
	for (int i = 0; i < nf; i++) {
		char *back = read_field(l.data, l.len, &pos);

		if (strcmp(back, fields[i]) != 0 &&
		    !(back[0] == '\'' && formula_start(fields[i][0]) &&
			strcmp(back + 1, fields[i]) == 0))
			abort();
		free(back);
	}
	if (pos != l.len)
		abort();
	csv_line_free(&l);
	free(copy);
	return 0;
}
