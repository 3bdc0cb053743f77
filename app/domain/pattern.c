/* pattern.c — safe compilation of anchored POSIX ERE field patterns; see pattern.h. */
#include "logbook/domain/pattern.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "logbook/domain/template_def.h"

#define DEPTH_MAX 32

/* Saturating arithmetic keeps the weights meaningful however large the bounds are. */
static uint64_t
sat_mul(uint64_t a, uint64_t b)
{
	return b != 0 && a > UINT32_MAX / b ? UINT32_MAX : a * b;
}

static uint64_t
sat_add(uint64_t a, uint64_t b)
{
	return a + b > UINT32_MAX ? UINT32_MAX : a + b;
}

/* Skips a bracket expression starting at p (on '['); returns the byte after its ']', or NULL
 * when it does not end (regcomp will say so). */
static const char *
skip_bracket(const char *p)
{
	p++;
	if (*p == '^')
		p++;
	if (*p == ']') /* a leading ']' is a member, not the end */
		p++;
	while (*p != '\0' && *p != ']') {
		if (p[0] == '[' && (p[1] == ':' || p[1] == '.' || p[1] == '=')) {
			char        close = p[1];
			const char *q = p + 2;

			while (*q != '\0' && !(q[0] == close && q[1] == ']'))
				q++;
			if (*q == '\0')
				return NULL;
			p = q + 2;
		} else
			p++;
	}
	return *p == ']' ? p + 1 : NULL;
}

/* Reads `{m}`, `{m,}` or `{m,n}` at p; returns the end and the largest count in *count, or
 * NULL when p does not start a valid bound (glibc then reads '{' as a literal or fails). */
static const char *
read_bound(const char *p, uint64_t *count)
{
	uint64_t m = 0, n = 0;
	int      nd = 0;

	for (p++; *p >= '0' && *p <= '9'; p++, nd++)
		m = sat_add(sat_mul(m, 10), (uint64_t)(*p - '0'));
	if (nd == 0)
		return NULL;
	if (*p == '}') {
		*count = m;
		return p + 1;
	}
	if (*p != ',')
		return NULL;
	p++;
	if (*p == '}') {
		*count = sat_add(m, 1); /* unbounded above: one copy plus a star */
		return p + 1;
	}
	for (nd = 0; *p >= '0' && *p <= '9'; p++, nd++)
		n = sat_add(sat_mul(n, 10), (uint64_t)(*p - '0'));
	if (nd == 0 || *p != '}')
		return NULL;
	*count = m > n ? m : n;
	return p + 1;
}

/* Scans the pattern: parentheses balanced, no back-references, expanded size bounded. */
static const char *
pattern_scan(const char *p)
{
	/* Per open group: the weight so far and the weight of the last atom (for a bound). */
	uint64_t total[DEPTH_MAX + 1] = { 0 }, last[DEPTH_MAX + 1] = { 0 };
	int      depth = 0;
	uint64_t count;

	while (*p != '\0') {
		const char *q;

		switch (*p) {
		case '\\':
			if (p[1] >= '1' && p[1] <= '9')
				return "back-references are not allowed";
			if (p[1] == '\0')
				return "pattern ends with a backslash";
			last[depth] = 1;
			total[depth] = sat_add(total[depth], 1);
			p += 2;
			break;
		case '[':
			if ((q = skip_bracket(p)) == NULL)
				return "unterminated bracket expression";
			last[depth] = 1;
			total[depth] = sat_add(total[depth], 1);
			p = q;
			break;
		case '(':
			if (depth == DEPTH_MAX)
				return "parentheses nested too deeply";
			depth++;
			total[depth] = last[depth] = 0;
			p++;
			break;
		case ')':
			if (depth == 0)
				return "unbalanced parenthesis";
			depth--;
			last[depth] = total[depth + 1] > 0 ? total[depth + 1] : 1;
			total[depth] = sat_add(total[depth], last[depth]);
			p++;
			break;
		case '{':
			if ((q = read_bound(p, &count)) == NULL) {
				last[depth] = 1;
				total[depth] = sat_add(total[depth], 1);
				p++;
				break;
			}
			/* The atom is repeated count times: add count - 1 more copies. */
			if (count > 1)
				total[depth] =
				    sat_add(total[depth], sat_mul(last[depth], count - 1));
			last[depth] = sat_mul(last[depth], count > 0 ? count : 1);
			p = q;
			break;
		case '|':
		case '*':
		case '+':
		case '?':
		case '^':
		case '$':
			p++;
			break;
		default:
			last[depth] = 1;
			total[depth] = sat_add(total[depth], 1);
			p++;
			break;
		}
		if (total[depth] > TPL_PATTERN_WEIGHT_MAX)
			return "repetition too large";
	}
	if (depth != 0)
		return "unbalanced parenthesis";
	return NULL;
}

const char *
pattern_compile(const char *pattern, regex_t *re)
{
	const char *why;
	size_t      len = strlen(pattern);
	char       *anchored;
	int         rc;

	if ((why = pattern_scan(pattern)) != NULL)
		return why;
	if ((anchored = malloc(len + 5)) == NULL)
		return "out of memory";
	memcpy(anchored, "^(", 2);
	memcpy(anchored + 2, pattern, len);
	memcpy(anchored + 2 + len, ")$", 3);
	rc = regcomp(re, anchored, REG_EXTENDED | REG_NOSUB);
	free(anchored);
	if (rc != 0) /* glibc has freed what it allocated: no regfree on failure */
		return "not a valid POSIX extended regular expression";
	return NULL;
}

bool
pattern_match(const regex_t *re, const char *s)
{
	return regexec(re, s, 0, NULL, 0) == 0;
}
