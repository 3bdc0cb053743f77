/* password.c — yescrypt through crypt_r; see password.h. */
#include "logbook/auth/password.h"

#include <crypt.h>
#include <string.h>

/* A real hash of a password nobody knows, made once per process: verifying against it costs
 * the same as verifying a real user's password. */
static const char *
dummy_hash(void)
{
	static char hash[PASSWORD_HASH_MAX];

	if (hash[0] == '\0' && password_hash("no such user: the time must match", hash) != 0)
		return "*";
	return hash;
}

int
password_hash(const char *password, char *out)
{
	char              salt[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data data;
	const char       *h;

	if (crypt_gensalt_rn("$y$", 0, NULL, 0, salt, sizeof(salt)) == NULL)
		return -1;
	memset(&data, 0, sizeof(data));
	h = crypt_r(password, salt, &data);
	if (h == NULL || h[0] == '*' || strlen(h) >= PASSWORD_HASH_MAX)
		return -1;
	strcpy(out, h);
	return 0;
}

/* Compares without an early exit, so the time does not say how much matched. */
static int
equal_constant_time(const char *a, const char *b)
{
	size_t        la = strlen(a), lb = strlen(b), i;
	unsigned char diff = la != lb;

	for (i = 0; i < la && i < lb; i++)
		diff |= (unsigned char)(a[i] ^ b[i]);
	return diff == 0;
}

int
password_verify(const char *password, const char *hash)
{
	struct crypt_data data;
	const char       *h;
	int               known = hash != NULL;

	memset(&data, 0, sizeof(data));
	h = crypt_r(password, known ? hash : dummy_hash(), &data);
	if (h == NULL || h[0] == '*')
		return 0;
	return known && equal_constant_time(h, hash);
}
