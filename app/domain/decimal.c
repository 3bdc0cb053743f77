/* decimal.c — exact decimal text: parse, normalize, compare; see decimal.h. */
#include "logbook/domain/decimal.h"

#include <stdbool.h>
#include <string.h>

/* Exponents beyond this cannot give an accepted value except for zero; clamping keeps the
 * arithmetic below in range whatever the input says. */
#define EXPONENT_CLAMP 100000

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* A decimal as written: sign, integer digits, fraction digits, exponent (JSON numbers). */
struct decimal_parts {
	bool        negative;
	const char *digits_int, *digits_frac;
	size_t      ni, nf;
	int64_t     exponent;
};

/* The exponent of a JSON number after 'e'/'E' at s[*i], clamped; -1 when it has no digits. */
static int
parse_exponent(const char *s, size_t len, size_t *i, int64_t *exponent)
{
	bool   negative = false;
	size_t ne = 0;

	if (*i < len && (s[*i] == '+' || s[*i] == '-'))
		negative = s[(*i)++] == '-';
	for (; *i < len && is_digit(s[*i]); (*i)++, ne++)
		if (*exponent < EXPONENT_CLAMP)
			*exponent = *exponent * 10 + (s[*i] - '0');
	if (ne == 0)
		return -1;
	if (*exponent > EXPONENT_CLAMP)
		*exponent = EXPONENT_CLAMP;
	if (negative)
		*exponent = -*exponent;
	return 0;
}

/* Splits s[0..len) by grammar g; DECIMAL_OK or DECIMAL_SYNTAX. */
static enum decimal_status
decimal_parse(const char *s, size_t len, enum decimal_grammar g, struct decimal_parts *d)
{
	size_t i = 0;

	memset(d, 0, sizeof(*d));
	d->digits_frac = "";
	if (i < len && s[i] == '-') {
		d->negative = true;
		i++;
	}
	d->digits_int = s + i;
	for (; i < len && is_digit(s[i]); i++)
		d->ni++;
	if (d->ni == 0 || (g == DECIMAL_JSON_NUMBER && d->ni > 1 && d->digits_int[0] == '0'))
		return DECIMAL_SYNTAX;
	if (i < len && s[i] == '.') {
		d->digits_frac = s + ++i;
		for (; i < len && is_digit(s[i]); i++)
			d->nf++;
		if (d->nf == 0)
			return DECIMAL_SYNTAX;
	}
	if (g == DECIMAL_JSON_NUMBER && i < len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (parse_exponent(s, len, &i, &d->exponent) != 0)
			return DECIMAL_SYNTAX;
	}
	return i == len ? DECIMAL_OK : DECIMAL_SYNTAX;
}

enum decimal_status
decimal_normalize(const char *s, size_t len, enum decimal_grammar g, char out[DECIMAL_TEXT_MAX])
{
	struct decimal_parts d;
	enum decimal_status  st;
	size_t               n, fz, k;
	bool                 zero;
	int64_t              point, scale, int_digits, pos;
	char                *o = out;

	out[0] = '\0';
	if ((st = decimal_parse(s, len, g, &d)) != DECIMAL_OK)
		return st;
	/* View the digits as one string: int digits then fraction digits; the point sits after
	 * `point` of them (point may lie outside 0..n once the exponent moved it). */
	n = d.ni + d.nf;
#define DIGIT_AT(j) ((j) < d.ni ? d.digits_int[(j)] : d.digits_frac[(j)-d.ni])
	for (fz = 0; fz < n && DIGIT_AT(fz) == '0'; fz++)
		continue;
	zero = fz == n;
	point = (int64_t)d.ni + d.exponent;
	scale = (int64_t)n - point > 0 ? (int64_t)n - point : 0;
	int_digits = zero || point <= (int64_t)fz ? 0 : point - (int64_t)fz;
	if (scale > DECIMAL_MAX_SCALE)
		return DECIMAL_TOO_MANY_SCALE;
	if (int_digits + scale > DECIMAL_MAX_DIGITS)
		return DECIMAL_TOO_MANY_DIGITS;
	if (d.negative && !zero)
		*o++ = '-';
	if (int_digits == 0)
		*o++ = '0';
	else
		for (pos = (int64_t)fz; pos < point; pos++)
			*o++ = pos < (int64_t)n ? DIGIT_AT((size_t)pos) : '0';
	if (scale > 0) {
		*o++ = '.';
		for (pos = point, k = 0; k < (size_t)scale; pos++, k++)
			*o++ = pos < 0 ? '0' : DIGIT_AT((size_t)pos);
	}
#undef DIGIT_AT
	*o = '\0';
	return DECIMAL_OK;
}

/* Compares the magnitudes |a| and |b| of two normalized unsigned decimals. */
static int
magnitude_cmp(const char *a, const char *b)
{
	const char *pa = strchr(a, '.'), *pb = strchr(b, '.');
	size_t      ia = pa ? (size_t)(pa - a) : strlen(a);
	size_t      ib = pb ? (size_t)(pb - b) : strlen(b);
	int         c;

	if (ia != ib)
		return ia < ib ? -1 : 1;
	if ((c = memcmp(a, b, ia)) != 0)
		return c < 0 ? -1 : 1;
	/* Same integer part: compare fractions digit by digit, a missing digit reading as 0. */
	pa = pa ? pa + 1 : "";
	pb = pb ? pb + 1 : "";
	while (*pa != '\0' || *pb != '\0') {
		char da = *pa != '\0' ? *pa++ : '0';
		char db = *pb != '\0' ? *pb++ : '0';

		if (da != db)
			return da < db ? -1 : 1;
	}
	return 0;
}

int
decimal_cmp(const char *a, const char *b)
{
	bool na = a[0] == '-', nb = b[0] == '-';

	if (na != nb)
		return na ? -1 : 1;
	return na ? magnitude_cmp(b + 1, a + 1) : magnitude_cmp(a, b);
}

enum int_status
int64_parse(const char *s, size_t len, int64_t *out)
{
	bool     negative = false;
	size_t   i = 0;
	uint64_t mag = 0;
	/* |INT64_MIN| = INT64_MAX + 1 fits in uint64_t. */
	uint64_t limit;

	if (i < len && s[i] == '-') {
		negative = true;
		i++;
	}
	if (i == len)
		return INT_SYNTAX;
	limit = negative ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; i < len; i++) {
		unsigned d;

		if (!is_digit(s[i]))
			return INT_SYNTAX;
		d = (unsigned)(s[i] - '0');
		if (mag > (limit - d) / 10) {
			/* Out of range: still check that the rest is digits. */
			for (i++; i < len; i++)
				if (!is_digit(s[i]))
					return INT_SYNTAX;
			return negative ? INT_BELOW : INT_ABOVE;
		}
		mag = mag * 10 + d;
	}
	if (negative)
		*out = mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag;
	else
		*out = (int64_t)mag;
	return INT_OK;
}
