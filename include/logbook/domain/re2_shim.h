/* re2_shim.h — the few RE2 calls Logbook needs, as C (app/domain/re2_shim.cc).
 *
 * RE2 matches in time linear in the input (an automaton, no backtracking) and in memory
 * bounded by max_mem, whatever the pattern. The shim compiles in RE2's POSIX mode
 * (posix_syntax, longest_match: egrep semantics), with `.` matching newlines and `^`/`$`
 * anchoring the whole text, as POSIX ERE without REG_NEWLINE does. Text is UTF-8. Use
 * pattern.h, which turns POSIX ERE into what RE2 reads; this header is its back end. */
#ifndef LOGBOOK_DOMAIN_RE2_SHIM_H
#define LOGBOOK_DOMAIN_RE2_SHIM_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct lb_re2;

/* Compiles re (RE2 syntax, len bytes) using at most max_mem bytes for its automata. Returns
 * the compiled pattern, or NULL with RE2's message copied into err (errlen bytes, always
 * NUL-terminated). Never throws; out of memory aborts (the arena policy). */
struct lb_re2 *lb_re2_compile(const char *re, size_t len, long max_mem, char *err, size_t errlen);

/* True when the whole of s (len bytes) matches. */
bool lb_re2_full_match(const struct lb_re2 *re, const char *s, size_t len);

/* Releases re; NULL is a no-op. */
void lb_re2_free(struct lb_re2 *re);

#ifdef __cplusplus
}
#endif

#endif
