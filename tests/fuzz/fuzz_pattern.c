/* fuzz_pattern.c — field patterns (pattern_compile, pattern_match): the input is a pattern and
 * a value separated by the first NUL byte. Whatever the pattern, a match of a value of up to
 * 64 KiB must finish (libFuzzer's -timeout catches one that does not). And where both are
 * plain ASCII and short, the answer must be glibc's regexec (POSIX ERE, C locale, anchored)
 * whenever glibc accepts the pattern too: a differential check of the ERE → RE2 rewriting. */
#include <ctype.h>
#include <regex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logbook/domain/pattern.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
plain_ascii(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			return 0;
	return 1;
}

/* True when glibc's regcomp could take exponential time or memory on the pattern (the reason
 * Logbook left it): two or more '{' or a count of two digits (it copies the repeated subtree
 * once per count), or stacked repetition operators such as `+*+`. */
static int
big_bounds(const char *s)
{
	int braces = 0;

	/* glibc also reads escapes inside a bound (`a{\,6}` is a{0,6}): no such comparison. */
	if (strchr(s, '{') != NULL && strchr(s, '\\') != NULL)
		return 1;
	for (; *s != '\0'; s++) {
		if (strchr("*+?", s[0]) != NULL && s[1] != '\0' && strchr("*+?{", s[1]) != NULL)
			return 1;
		if (*s == '{' && ++braces > 1)
			return 1;
		if (s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9')
			return 1;
	}
	return 0;
}

/* True when the pattern uses only the core of ERE on which POSIX and glibc agree: letters,
 * digits, groups, alternation, the repetition operators, '.' and bracket expressions.
 * glibc departs from POSIX elsewhere (`$` inside a pattern is a literal-like no-op to it:
 * `(ab|$cd)+e?` matches "abcde"), so those are not compared. */
static int
core_ere(const char *s)
{
	for (; *s != '\0'; s++)
		if (!(isalnum((unsigned char)*s) || strchr("()|*+?.[]-", *s) != NULL))
			return 0;
	return 1;
}

/* glibc reads \` \' \< \> as GNU anchors (buffer start and end, word edges); POSIX leaves a
 * backslash before them undefined and pattern.h makes it the character itself. */
static int
has_gnu_escape(const char *s)
{
	for (; *s != '\0'; s++)
		if (s[0] == '\\' && s[1] != '\0' && strchr("`'<>", s[1]) != NULL)
			return 1;
		else if (s[0] == '\\' && s[1] != '\0')
			s++;
	return 0;
}

/* glibc's answer for ^(pattern)$ on value, or -1 when glibc refuses the pattern. */
static int
glibc_match(const char *pattern, const char *value)
{
	regex_t re;
	char    buf[256];
	int     rc;

	snprintf(buf, sizeof(buf), "^(%s)$", pattern);
	if (regcomp(&re, buf, REG_EXTENDED | REG_NOSUB) != 0)
		return -1;
	rc = regexec(&re, value, 0, NULL, 0) == 0;
	regfree(&re);
	return rc;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char     *nul = memchr(data, '\0', size);
	size_t          plen = nul != NULL ? (size_t)(nul - (const char *)data) : size;
	size_t          vlen = nul != NULL ? size - plen - 1 : 0;
	char           *pat, why[256];
	const char     *value = nul != NULL ? nul + 1 : "";
	struct pattern *p = NULL;

	if (plen > 4096 || vlen > 65536)
		return 0;
	pat = malloc(plen + 1);
	if (pat == NULL)
		abort();
	memcpy(pat, data, plen);
	pat[plen] = '\0';
	if (pattern_compile(pat, &p, why, sizeof(why)) == NULL) {
		bool m = pattern_match(p, value, vlen);

		(void)pattern_re2_text(p);
		/* The differential check: short ASCII only (glibc backtracks), no value NULs. */
		if (plen <= 48 && vlen <= 24 && plain_ascii(pat, plen) &&
		    plain_ascii(value, vlen) && !has_gnu_escape(pat) && !big_bounds(pat) &&
		    core_ere(pat) && memchr(value, '\0', vlen) == NULL) {
			char v[32];
			int  g;

			memcpy(v, value, vlen);
			v[vlen] = '\0';
			g = glibc_match(pat, v);
			if (g >= 0 && g != (int)m) {
				fprintf(stderr,
				    "pattern /%s/ on \"%s\": RE2 (%s) says %d, glibc %d\n", pat, v,
				    pattern_re2_text(p), (int)m, g);
				abort();
			}
		}
		pattern_free(p);
	}
	free(pat);
	return 0;
}
