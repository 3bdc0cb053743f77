/* fuzz_jwt.c — the text after "Bearer ": header and claims handling on top of libjwt 1.10
 * (jwt_verify_token) with a pinned HS256 key. Inputs whose first byte is 'S' are first given
 * a valid signature over the rest, so the claim checks behind the signature are reached too.
 * Invariant: a verified identity has a non-empty, terminated sub. */
#include <openssl/hmac.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "logbook/auth/identity.h"
#include "logbook/auth/jwt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const unsigned char key[] = "fuzzing-secret-fuzzing-secret-0123456789";

static size_t
b64url(const unsigned char *in, size_t n, char *out)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t o = 0, i;

	for (i = 0; i + 2 < n; i += 3) {
		unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 | in[i + 2];
		out[o++] = tab[v >> 18 & 63];
		out[o++] = tab[v >> 12 & 63];
		out[o++] = tab[v >> 6 & 63];
		out[o++] = tab[v & 63];
	}
	if (n - i == 1) {
		unsigned v = (unsigned)in[i] << 16;
		out[o++] = tab[v >> 18 & 63];
		out[o++] = tab[v >> 12 & 63];
	} else if (n - i == 2) {
		unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8;
		out[o++] = tab[v >> 18 & 63];
		out[o++] = tab[v >> 12 & 63];
		out[o++] = tab[v >> 6 & 63];
	}
	out[o] = '\0';
	return o;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jwt_settings s = { 0 };
	struct jwt_identity id;
	char               *token;
	enum jwt_result     res;

	if (size > 16384)
		return 0;
	s.alg = JWT_PIN_HS256;
	s.verify_key = key;
	s.verify_key_len = sizeof(key) - 1;
	s.leeway = 60;
	s.max_ttl = 86400;
	token = malloc(size + 64);
	if (token == NULL)
		abort();
	if (size > 0 && data[0] == 'S') {
		/* "S" + header.payload: sign it as a real issuer would. */
		unsigned char mac[EVP_MAX_MD_SIZE];
		unsigned      maclen = 0;
		size_t        n = size - 1;

		memcpy(token, data + 1, n);
		HMAC(EVP_sha256(), key, (int)sizeof(key) - 1, data + 1, n, mac, &maclen);
		token[n++] = '.';
		b64url(mac, maclen, token + n);
	} else {
		memcpy(token, data, size);
		token[size] = '\0';
	}
	res = jwt_verify_token(&s, token, 1800000000, &id);
	if (res == JWT_OK && (id.sub[0] == '\0' || memchr(id.sub, '\0', sizeof(id.sub)) == NULL))
		abort();
	/* An accepted sub is one canonical spelling, and no lifetime passes the cap. */
	if (res == JWT_OK && identity_classify(id.sub, strlen(id.sub)) == IDENTITY_INVALID)
		abort();
	if (res == JWT_OK &&
	    (long long)id.exp - (id.has_iat ? (long long)id.iat : 1800000000LL) > 86400)
		abort();
	(void)jwt_result_str(res);
	free(token);
	return 0;
}
