/* utf8.c — strict UTF-8 decoding checks; see utf8.h. */
#include "logbook/domain/utf8.h"

size_t
utf8_char_len(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned char        lo = 0x80, hi = 0xbf; /* allowed range of the second byte */
	size_t               need, i;

	if (len == 0)
		return 0;
	if (p[0] < 0x80)
		return 1;
	if (p[0] < 0xc2) /* continuation byte, or C0/C1 which only start overlong forms */
		return 0;
	if (p[0] < 0xe0)
		need = 2;
	else if (p[0] < 0xf0) {
		need = 3;
		if (p[0] == 0xe0)
			lo = 0xa0; /* below is overlong */
		else if (p[0] == 0xed)
			hi = 0x9f; /* above are surrogates */
	} else if (p[0] < 0xf5) {
		need = 4;
		if (p[0] == 0xf0)
			lo = 0x90; /* below is overlong */
		else if (p[0] == 0xf4)
			hi = 0x8f; /* above is beyond U+10FFFF */
	} else
		return 0;
	if (len < need || p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < need; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return need;
}

bool
utf8_valid(const char *s, size_t len)
{
	size_t i = 0, n;

	while (i < len) {
		if ((unsigned char)s[i] < 0x80) {
			i++;
			continue;
		}
		if ((n = utf8_char_len(s + i, len - i)) == 0)
			return false;
		i += n;
	}
	return true;
}

size_t
utf8_count(const char *s, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			n++;
	return n;
}
