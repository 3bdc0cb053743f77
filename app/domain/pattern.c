/* pattern.c — POSIX ERE field patterns, checked, rewritten for RE2 and matched in linear
 * time; see pattern.h. */
#include "logbook/domain/pattern.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logbook/domain/re2_shim.h"
#include "logbook/domain/template_def.h"

struct pattern {
	struct lb_re2 *re;
	char          *re2_text;
};

/* The output: RE2 syntax, at most 2 bytes per input byte plus the NUL. */
struct out {
	char  *p;
	size_t n;
};

static void
put(struct out *o, char c)
{
	o->p[o->n++] = c;
}

static bool
ascii_punct(unsigned char c)
{
	return c > 0x20 && c < 0x7f && !(c >= '0' && c <= '9') && !(c >= 'a' && c <= 'z') &&
	    !(c >= 'A' && c <= 'Z');
}

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

/* Rewrites the bracket expression at p (on '[') into o; returns the byte after its ']', or
 * NULL with *why set. In POSIX a backslash is a member like any other, RE2 reads it as an
 * escape: it is doubled. '[' that opens no class is escaped, so is a leading ']'. */
static const char *
translate_bracket(const char *p, struct out *o, const char **why)
{
	static const char *const classes[] = { "alnum", "alpha", "blank", "cntrl", "digit", "graph",
		"lower", "print", "punct", "space", "upper", "xdigit", NULL };

	put(o, *p++);
	if (*p == '^')
		put(o, *p++);
	if (*p == ']') { /* a leading ']' is a member, not the end */
		put(o, '\\');
		put(o, *p++);
	}
	while (*p != '\0' && *p != ']') {
		if (p[0] == '[' && (p[1] == '.' || p[1] == '=')) {
			*why = "collating elements [. .] and equivalence classes [= =] are not "
			       "supported";
			return NULL;
		}
		if (p[0] == '[' && p[1] == ':') {
			const char *q = p + 2, *end = strstr(q, ":]");
			size_t      i;

			for (i = 0; end != NULL && classes[i] != NULL; i++)
				if ((size_t)(end - q) == strlen(classes[i]) &&
				    memcmp(q, classes[i], (size_t)(end - q)) == 0)
					break;
			if (end == NULL || classes[i] == NULL) {
				*why =
				    "unknown character class (use [:alnum:], [:alpha:], [:blank:], "
				    "[:cntrl:], [:digit:], [:graph:], [:lower:], [:print:], "
				    "[:punct:], [:space:], [:upper:] or [:xdigit:])";
				return NULL;
			}
			for (; p < end + 2; p++)
				put(o, *p);
			continue;
		}
		if (*p == '\\' || *p == '[')
			put(o, '\\');
		put(o, *p++);
	}
	if (*p != ']') {
		*why = "unterminated bracket expression";
		return NULL;
	}
	put(o, *p++);
	return p;
}

/* Reads `{m}`, `{m,}`, `{m,n}` or glibc's `{,n}` (= `{0,n}`) at p; returns the end and the
 * largest count in *count, or NULL when p does not start a valid bound (glibc then reads '{'
 * as a literal or fails). */
static const char *
read_bound(const char *p, uint64_t *count)
{
	uint64_t m = 0, n = 0;
	int      nd = 0;

	for (p++; *p >= '0' && *p <= '9'; p++, nd++)
		m = sat_add(sat_mul(m, 10), (uint64_t)(*p - '0'));
	if (nd == 0 && *p != ',')
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

/* Scans the pattern and rewrites it into o: parentheses balanced, no back-references, only
 * POSIX escapes, expanded size bounded. */
static const char *
pattern_translate(const char *p, struct out *o)
{
	const char *why = NULL;

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
			if (!ascii_punct((unsigned char)p[1]))
				return "a backslash may only precede punctuation (\\d, \\w, \\s are not "
				       "POSIX ERE: write [[:digit:]], [[:alnum:]_], [[:space:]])";
			put(o, *p++);
			put(o, *p++);
			last[depth] = 1;
			total[depth] = sat_add(total[depth], 1);
			break;
		case '[':
			if ((q = translate_bracket(p, o, &why)) == NULL)
				return why;
			last[depth] = 1;
			total[depth] = sat_add(total[depth], 1);
			p = q;
			break;
		case '(':
			if (depth == DEPTH_MAX)
				return "parentheses nested too deeply";
			depth++;
			total[depth] = last[depth] = 0;
			put(o, *p++);
			break;
		case ')':
			if (depth == 0)
				return "unbalanced parenthesis";
			depth--;
			last[depth] = total[depth + 1] > 0 ? total[depth + 1] : 1;
			total[depth] = sat_add(total[depth], last[depth]);
			put(o, *p++);
			break;
		case '{':
			if ((q = read_bound(p, &count)) == NULL) { /* a literal, as in glibc */
				last[depth] = 1;
				total[depth] = sat_add(total[depth], 1);
				put(o, '\\');
				put(o, *p++);
				break;
			}
			if (count > 1000)
				return "repetition count above 1000";
			/* The atom is repeated count times: add count - 1 more copies. */
			if (count > 1)
				total[depth] =
				    sat_add(total[depth], sat_mul(last[depth], count - 1));
			last[depth] = sat_mul(last[depth], count > 0 ? count : 1);
			if (p[1] == ',') { /* {,n}: RE2 wants the lower bound written */
				put(o, *p++);
				put(o, '0');
			}
			while (p < q)
				put(o, *p++);
			break;
		case '}':
			last[depth] = 1;
			total[depth] = sat_add(total[depth], 1);
			put(o, '\\');
			put(o, *p++);
			break;
		case '|':
		case '*':
		case '+':
		case '?':
		case '^':
		case '$':
			put(o, *p++);
			break;
		default:
			last[depth] = 1;
			total[depth] = sat_add(total[depth], 1);
			put(o, *p++);
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
pattern_compile(const char *pattern, struct pattern **out, char *why, size_t whylen)
{
	struct pattern *p;
	struct out      o;
	const char     *bad;
	char            err[200];

	*out = NULL;
	if ((o.p = malloc(2 * strlen(pattern) + 1)) == NULL)
		abort(); /* the arena policy: out-of-memory ends the worker */
	o.n = 0;
	if ((bad = pattern_translate(pattern, &o)) != NULL) {
		free(o.p);
		return bad;
	}
	o.p[o.n] = '\0';
	if ((p = calloc(1, sizeof(*p))) == NULL)
		abort();
	p->re2_text = o.p;
	if ((p->re = lb_re2_compile(o.p, o.n, PATTERN_MAX_MEM, err, sizeof(err))) == NULL) {
		snprintf(why, whylen, "not a valid POSIX extended regular expression: %s", err);
		pattern_free(p);
		return why;
	}
	*out = p;
	return NULL;
}

bool
pattern_match(const struct pattern *p, const char *s, size_t len)
{
	return lb_re2_full_match(p->re, s, len);
}

const char *
pattern_re2_text(const struct pattern *p)
{
	return p->re2_text;
}

void
pattern_free(struct pattern *p)
{
	if (p == NULL)
		return;
	lb_re2_free(p->re);
	free(p->re2_text);
	free(p);
}
