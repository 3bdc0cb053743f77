/* utf8.h — strict UTF-8 checks (RFC 3629) and code point counting.
 *
 * json-c passes invalid bytes in strings through unchanged, so every string that came from a
 * client is checked here before it is used. */
#ifndef LOGBOOK_DOMAIN_UTF8_H
#define LOGBOOK_DOMAIN_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* Length in bytes (1-4) of the well-formed character that starts s[0..len), or 0 when the
 * bytes there are not one: a stray continuation byte, a truncated sequence, an overlong form,
 * a surrogate (U+D800..U+DFFF) or a value above U+10FFFF. */
size_t utf8_char_len(const char *s, size_t len);

/* True when s[0..len) is entirely well-formed UTF-8 (U+0000 counts as well-formed; callers
 * that forbid it check separately). */
bool utf8_valid(const char *s, size_t len);

/* Number of code points in s[0..len), which must be valid UTF-8 (continuation bytes are not
 * counted). */
size_t utf8_count(const char *s, size_t len);

#endif
