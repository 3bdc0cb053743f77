/* pattern.h — field patterns: POSIX ERE, matched against the whole value, in linear time.
 *
 * The contract (API.md) promises POSIX extended regular expressions anchored to the whole
 * value. They are matched by RE2 (re2_shim.h), an automaton without backtracking: time is
 * linear in the value's length and memory bounded by PATTERN_MAX_MEM, whatever the pattern
 * (glibc's regexec took 41 s and 125 MB for `.*a.{20}` against 40,000 characters; RE2 takes
 * milliseconds). A pattern P is read as POSIX ERE and rewritten into RE2's syntax, then
 * matched with RE2's full match (both ends anchored, so `a|b` means `^(a|b)$`).
 *
 * Refused, with a message (the definition's `invalid_pattern`):
 *   - back-references \1..\9 (no automaton can match them);
 *   - an unmatched parenthesis;
 *   - a backslash before a letter, digit or non-ASCII character (`\d`, `\w`, `\n`: GNU or Perl
 *     extensions, not ERE): write [[:digit:]], [[:alnum:]_] or the character itself;
 *     a backslash before punctuation is that character;
 *   - collating elements [. .] and equivalence classes [= =] in bracket expressions, and
 *     character class names other than the 12 of POSIX ([:alpha:], [:digit:], ...);
 *   - bounded repetitions whose expanded size exceeds TPL_PATTERN_WEIGHT_MAX atoms, and
 *     counts above 1000;
 *   - what RE2 cannot compile: an operator without an operand (`*a`, `a|*`, `(?i)`), an
 *     invalid range (`[z-a]`).
 *
 * Semantics, and where they differ from glibc's regexec:
 *   - Matching is by Unicode character (values are UTF-8): `.` and `[^a]` match one code
 *     point, `[é]` means é (glibc, byte-wise in the C locale, saw two bytes). Character
 *     classes are ASCII ([[:alpha:]] is [A-Za-z]).
 *   - Inside a bracket expression a backslash is an ordinary character, as POSIX says
 *     (`[\]` is a backslash); `]` first in the list is a member.
 *   - A `{` that does not start a valid bound is a literal, as in glibc; `}` alone too.
 *   - `.` and bracket negations match a newline; `^` and `$` anchor the whole value only.
 *   - Leftmost-longest vs leftmost-first does not matter: only whether the whole value
 *     matches is asked.
 *   - Operators doubled (`a**`, `a+?`) mean what repeating the operator means (`(a*)*`,
 *     `(a+)?`); RE2 reads no non-greedy operators in POSIX mode. */
#ifndef LOGBOOK_DOMAIN_PATTERN_H
#define LOGBOOK_DOMAIN_PATTERN_H

#include <stdbool.h>
#include <stddef.h>

/* Memory RE2 may use for one pattern's automata (beyond it RE2 falls back to its NFA, still
 * linear). */
#define PATTERN_MAX_MEM (2L << 20)

struct pattern;

/* Checks pattern (POSIX ERE, NUL-terminated UTF-8) and compiles it into *out. Returns NULL on
 * success (release *out with pattern_free) or a message saying what is wrong, in why
 * (whylen bytes) or static; *out is then NULL. */
const char *pattern_compile(const char *pattern, struct pattern **out, char *why, size_t whylen);

/* True when the whole of s (len bytes of UTF-8) matches p. */
bool pattern_match(const struct pattern *p, const char *s, size_t len);

/* The pattern rewritten in RE2's syntax (for tests and messages). */
const char *pattern_re2_text(const struct pattern *p);

/* Releases p; NULL is a no-op. */
void pattern_free(struct pattern *p);

#endif
