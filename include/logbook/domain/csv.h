/* csv.h — one CSV record at a time, as RFC 4180 says (comma separated, CRLF at the end,
 * fields with a comma, a double quote, CR or LF quoted, quotes doubled).
 *
 * The line buffer is reused record after record, so writing a million records costs the memory
 * of the longest one. SQL NULL and the empty string differ: NULL is an empty unquoted field,
 * "" a quoted empty one.
 *
 * CSV injection (OWASP): a spreadsheet runs a cell that starts with `=`, `+`, `-`, `@`, a tab
 * or CR as a formula (`=HYPERLINK(...)`, `@SUM(...)`, `+cmd|...`). Such a field is written
 * with a single quote in front (`'=HYPERLINK(...)`), which spreadsheets show as text; a
 * program reading the file sees the quote and removes it if it wants the original. This holds
 * for every such cell, negative numbers included (`'-5`). */
#ifndef LOGBOOK_DOMAIN_CSV_H
#define LOGBOOK_DOMAIN_CSV_H

#include <stddef.h>

struct csv_line {
	char  *data; /* malloc'd; the record so far (not NUL-terminated) */
	size_t len, cap;
	int    nfields; /* fields in the current record */
};

/* Starts a new record, keeping the buffer. */
void csv_line_reset(struct csv_line *l);

/* Appends one field (NULL: SQL NULL). Returns 0, or -1 when memory runs out (the record is
 * then incomplete; reset before reuse). */
int csv_line_add(struct csv_line *l, const char *field);

/* Ends the record with CRLF. Returns 0 or -1 (out of memory). */
int csv_line_end(struct csv_line *l);

/* Frees the buffer; the struct may be reused after. */
void csv_line_free(struct csv_line *l);

/* Whether a field starts like a spreadsheet formula (=, +, -, @, tab, CR): it is written
 * with a leading single quote. */
int csv_formula_like(const char *field);

/* Whether a field needs quotes: empty, or containing a comma, a double quote, CR or LF. */
int csv_needs_quotes(const char *field);

#endif
