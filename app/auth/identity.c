/* identity.c — canonical user ids; see identity.h. */
#include "logbook/auth/identity.h"

#include <stdint.h>
#include <string.h>

#include "logbook/domain/utf8.h"

bool
identity_username_valid(const char *u)
{
	size_t i, n = u != NULL ? strlen(u) : 0;

	if (n == 0 || n > 64)
		return false;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)u[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			(i > 0 && (c == '.' || c == '_' || c == '-'))))
			return false;
	}
	return true;
}

static uint32_t
decode(const unsigned char *p, size_t n)
{
	if (n == 1)
		return p[0];
	if (n == 2)
		return (uint32_t)(p[0] & 0x1f) << 6 | (p[1] & 0x3f);
	if (n == 3)
		return (uint32_t)(p[0] & 0x0f) << 12 | (uint32_t)(p[1] & 0x3f) << 6 | (p[2] & 0x3f);
	return (uint32_t)(p[0] & 0x07) << 18 | (uint32_t)(p[1] & 0x3f) << 12 |
	    (uint32_t)(p[2] & 0x3f) << 6 | (p[3] & 0x3f);
}

/* Characters that show nothing, or change how others show: C0/C1 controls, soft hyphen,
 * combining grapheme joiner, Hangul fillers, zero-width and bidi controls, word joiners and
 * invisible operators, the BOM, interlinear annotation, tags, variation selectors,
 * noncharacters and private use. */
static bool
invisible(uint32_t c)
{
	return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0xad || c == 0x34f || c == 0x61c ||
	    c == 0x115f || c == 0x1160 || (c >= 0x17b4 && c <= 0x17b5) ||
	    (c >= 0x180b && c <= 0x180f) || (c >= 0x200b && c <= 0x200f) ||
	    (c >= 0x2028 && c <= 0x202e) || (c >= 0x2060 && c <= 0x206f) || c == 0x3164 ||
	    (c >= 0xe000 && c <= 0xf8ff) || (c >= 0xfdd0 && c <= 0xfdef) ||
	    (c >= 0xfe00 && c <= 0xfe0f) || c == 0xfeff || c == 0xffa0 ||
	    (c >= 0xfff0 && c <= 0xfffb) || (c & 0xfffe) == 0xfffe ||
	    (c >= 0x1bca0 && c <= 0x1bca3) || (c >= 0x1d173 && c <= 0x1d17a) ||
	    (c >= 0xe0000 && c <= 0xe0fff) || c >= 0xf0000;
}

enum identity_class
identity_classify(const char *sub, size_t len)
{
	const unsigned char *p = (const unsigned char *)sub;
	bool                 upper = false, ascii = true;
	size_t               i = 0, n;

	if (len == 0)
		return IDENTITY_INVALID;
	while (i < len) {
		if ((n = utf8_char_len(sub + i, len - i)) == 0 || invisible(decode(p + i, n)))
			return IDENTITY_INVALID;
		if (n > 1)
			ascii = false;
		else if (p[i] >= 'A' && p[i] <= 'Z')
			upper = true;
		i += n;
	}
	if (!ascii)
		return IDENTITY_UNICODE;
	return upper ? IDENTITY_ASCII_UPPER : IDENTITY_ASCII_CANONICAL;
}

char *
identity_sanitize(const char *s, char *out, size_t cap)
{
	size_t i = 0, o = 0, len, n;

	if (cap == 0)
		return out;
	len = s != NULL ? strlen(s) : 0;
	while (i < len) {
		n = utf8_char_len(s + i, len - i);
		if (n == 0) { /* U+FFFD for each bad byte */
			if (o + 3 >= cap)
				break;
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
			continue;
		}
		if (o + n >= cap)
			break;
		if (n == 1 && ((unsigned char)s[i] < 0x20 || s[i] == 0x7f))
			out[o] = '?';
		else
			memcpy(out + o, s + i, n);
		o += n;
		i += n;
	}
	out[o] = '\0';
	return out;
}
