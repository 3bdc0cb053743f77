/* decimal.h — exact decimal and integer text handling (never through a C double).
 *
 * A decimal is normalized to the text PostgreSQL's numeric input reads exactly:
 * `-?(0|[1-9][0-9]*)(\.[0-9]+)?` — leading zeros of the integer part removed, the fraction kept
 * digit for digit (so "12.50" stays "12.50": the scale is part of the value), exponents
 * expanded ("1.5e-3" -> "0.0015", "1E+2" -> "100"), and no sign on zero ("-0.0" -> "0.0").
 *
 * Limits (checked on the normalized value): at most DECIMAL_MAX_SCALE digits after the point
 * and at most DECIMAL_MAX_DIGITS digits in all, not counting leading zeros of the integer part
 * — every accepted value fits numeric(38,18) and round-trips. */
#ifndef LOGBOOK_DOMAIN_DECIMAL_H
#define LOGBOOK_DOMAIN_DECIMAL_H

#include <stddef.h>
#include <stdint.h>

#define DECIMAL_MAX_DIGITS 38
#define DECIMAL_MAX_SCALE  18
#define DECIMAL_TEXT_MAX   48 /* holds any normalized decimal and its NUL */

enum decimal_grammar {
	DECIMAL_JSON_NUMBER, /* RFC 8259 number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
	DECIMAL_PLAIN,       /* the string form: -?[0-9]+(\.[0-9]+)? (leading zeros allowed) */
};

enum decimal_status {
	DECIMAL_OK,
	DECIMAL_SYNTAX,          /* not of the grammar (NaN, Infinity, "1.", "+1", " 1", ...) */
	DECIMAL_TOO_MANY_DIGITS, /* more than DECIMAL_MAX_DIGITS significant digits (1e400) */
	DECIMAL_TOO_MANY_SCALE,  /* more than DECIMAL_MAX_SCALE digits after the point */
};

/* Reads s[0..len) in grammar g and writes the normalized text to out. On any status other
 * than DECIMAL_OK, out holds "". Work is bounded by len whatever the exponent says. */
enum decimal_status decimal_normalize(
    const char *s, size_t len, enum decimal_grammar g, char out[DECIMAL_TEXT_MAX]);

/* Compares two normalized decimals by value: <0, 0, >0 ("1.50" and "1.5" compare equal). */
int decimal_cmp(const char *a, const char *b);

enum int_status {
	INT_OK,
	INT_SYNTAX, /* not -?[0-9]+ */
	INT_BELOW,  /* a whole number below INT64_MIN */
	INT_ABOVE,  /* a whole number above INT64_MAX */
};

/* Reads the integer literal s[0..len) (-?[0-9]+, leading zeros allowed) into *out without
 * overflow; *out is untouched unless INT_OK. */
enum int_status int64_parse(const char *s, size_t len, int64_t *out);

#endif
