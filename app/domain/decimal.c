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

enum decimal_status
decimal_normalize(const char *s, size_t len, enum decimal_grammar g, char out[DECIMAL_TEXT_MAX])
{
	const char *digits_int, *digits_frac = "";
	size_t      i = 0, ni = 0, nf = 0, n, fz, k;
	bool        negative = false, zero;
	int64_t     exponent = 0, point, scale, int_digits, pos;
	char       *o = out;

	out[0] = '\0';
	if (i < len && s[i] == '-') {
		negative = true;
		i++;
	}
	digits_int = s + i;
	while (i < len && is_digit(s[i])) {
		i++;
		ni++;
	}
	if (ni == 0)
		return DECIMAL_SYNTAX;
	if (g == DECIMAL_JSON_NUMBER && ni > 1 && digits_int[0] == '0')
		return DECIMAL_SYNTAX;
	if (i < len && s[i] == '.') {
		i++;
		digits_frac = s + i;
		while (i < len && is_digit(s[i])) {
			i++;
			nf++;
		}
		if (nf == 0)
			return DECIMAL_SYNTAX;
	}
	if (g == DECIMAL_JSON_NUMBER && i < len && (s[i] == 'e' || s[i] == 'E')) {
		bool   exp_negative = false;
		size_t ne = 0;

		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			exp_negative = s[i++] == '-';
		for (; i < len && is_digit(s[i]); i++, ne++)
			if (exponent < EXPONENT_CLAMP)
				exponent = exponent * 10 + (s[i] - '0');
		if (ne == 0)
			return DECIMAL_SYNTAX;
		if (exponent > EXPONENT_CLAMP)
			exponent = EXPONENT_CLAMP;
		if (exp_negative)
			exponent = -exponent;
	}
	if (i != len)
		return DECIMAL_SYNTAX;

	/* View the digits as one string d = int digits then fraction digits; the point sits
	 * after `point` of them (point may lie outside 0..n once the exponent moved it). */
	n = ni + nf;
#define DIGIT_AT(j) ((j) < ni ? digits_int[(j)] : digits_frac[(j)-ni])
	for (fz = 0; fz < n && DIGIT_AT(fz) == '0'; fz++)
		continue;
	zero = fz == n;
	point = (int64_t)ni + exponent;
	scale = (int64_t)n - point > 0 ? (int64_t)n - point : 0;
	int_digits = zero || point <= (int64_t)fz ? 0 : point - (int64_t)fz;
	if (scale > DECIMAL_MAX_SCALE)
		return DECIMAL_TOO_MANY_SCALE;
	if (int_digits + scale > DECIMAL_MAX_DIGITS)
		return DECIMAL_TOO_MANY_DIGITS;

	if (negative && !zero)
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
