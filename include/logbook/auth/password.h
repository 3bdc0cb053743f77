/* password.h — password hashing with yescrypt (libxcrypt), the Debian default for /etc/shadow. */
#ifndef LOGBOOK_PASSWORD_H
#define LOGBOOK_PASSWORD_H

/* Hashes password with a fresh salt into out (at least PASSWORD_HASH_MAX bytes).
 * Returns 0, or -1 when the system cannot (no randomness, unsupported method). */
#define PASSWORD_HASH_MAX 256
int password_hash(const char *password, char *out);

/* 1 when password matches hash. A NULL hash is checked against a fixed dummy hash so that an
 * unknown user costs the same time as a wrong password; the answer is then always 0. */
int password_verify(const char *password, const char *hash);

#endif
