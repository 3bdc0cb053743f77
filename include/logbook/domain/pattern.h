/* pattern.h — field patterns: POSIX ERE, anchored to the whole value.
 *
 * A pattern P is compiled as `^(P)$` with REG_EXTENDED|REG_NOSUB. Because glibc reads an
 * unmatched `)` in an ERE as a literal, `a)|(b` style patterns could escape that wrapping
 * (`^(a)|(b)$` matches anything starting with "a"), so before compiling, P is scanned and
 * rejected when it has an unmatched parenthesis outside a bracket expression. Also rejected:
 * back-references (\1..\9: exponential matching time) and bounded repetitions whose expanded
 * size exceeds TPL_PATTERN_WEIGHT_MAX atoms (glibc expands `(a{1,255}){1,255}` into a
 * 65025-node automaton: seconds per match and gigabytes while compiling).
 *
 * Matching is byte-wise under the process locale's LC_CTYPE at compile time; the worker does
 * not call setlocale, so `.` matches one byte and character classes are ASCII. */
#ifndef LOGBOOK_DOMAIN_PATTERN_H
#define LOGBOOK_DOMAIN_PATTERN_H

#include <regex.h>
#include <stdbool.h>

/* Checks and compiles pattern into *re. Returns NULL on success (the caller must regfree
 * *re) or a static message saying what is wrong (nothing to free). */
const char *pattern_compile(const char *pattern, regex_t *re);

/* True when the whole of s matches re (compiled by pattern_compile). */
bool pattern_match(const regex_t *re, const char *s);

#endif
