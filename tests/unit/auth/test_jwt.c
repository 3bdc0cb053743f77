/*
 * Unit tests of app/jwt_auth.c: every rejection case and the success paths.
 *
 * Tokens are built here with libcrypto directly (HMAC, EVP_DigestSign, raw R||S for
 * ES256), not with libjwt, so that the tests can make the tokens libjwt refuses to make
 * (alg none, alg confusion, tampering) and so that RS256/ES256 acceptance is checked
 * against an independent signer. Keys are generated in-process at start.
 */
#include <jwt.h>
#include <limits.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "logbook/auth/jwt.h"
#include "logbook/auth/roles.h"

#define NOW    ((long)1800000000)
#define HDR_HS "{\"alg\":\"HS256\",\"typ\":\"JWT\"}"
#define HDR_RS "{\"alg\":\"RS256\",\"typ\":\"JWT\"}"
#define HDR_ES "{\"alg\":\"ES256\",\"typ\":\"JWT\"}"

enum signer { SIGN_NONE, SIGN_HMAC, SIGN_RSA, SIGN_EC };

struct test_key {
	enum signer          kind;
	const unsigned char *secret;
	size_t               secret_len;
	EVP_PKEY            *pkey;
};

/* Fixtures, made once by setup_keys. */
static const char      hs_secret[] = "a-test-secret-of-more-than-32-bytes!";
static const char      hs_other[] = "another-secret-of-more-than-32-bytes";
static EVP_PKEY       *rsa_key, *ec_key, *ec_other_key;
static char           *rsa_priv_pem, *rsa_pub_pem, *ec_priv_pem, *ec_pub_pem, *ec_other_priv_pem;
static struct test_key hs_key, hs_other_key, rs_key, es_key, es_other_key;

static char *
pem_of(EVP_PKEY *pkey, int private)
{
	BIO  *bio = BIO_new(BIO_s_mem());
	char *data, *copy;
	long  n;

	assert_non_null(bio);
	if (private)
		assert_int_equal(PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL), 1);
	else
		assert_int_equal(PEM_write_bio_PUBKEY(bio, pkey), 1);
	n = BIO_get_mem_data(bio, &data);
	assert_true(n > 0);
	copy = malloc((size_t)n + 1);
	assert_non_null(copy);
	memcpy(copy, data, (size_t)n);
	copy[n] = '\0';
	BIO_free(bio);
	return copy;
}

static int
setup_keys(void **state)
{
	(void)state;
	rsa_key = EVP_RSA_gen(2048);
	ec_key = EVP_EC_gen("P-256");
	ec_other_key = EVP_EC_gen("P-256");
	if (rsa_key == NULL || ec_key == NULL || ec_other_key == NULL)
		return -1;
	rsa_priv_pem = pem_of(rsa_key, 1);
	rsa_pub_pem = pem_of(rsa_key, 0);
	ec_priv_pem = pem_of(ec_key, 1);
	ec_pub_pem = pem_of(ec_key, 0);
	ec_other_priv_pem = pem_of(ec_other_key, 1);
	hs_key = (struct test_key){ SIGN_HMAC, (const unsigned char *)hs_secret, strlen(hs_secret),
		NULL };
	hs_other_key =
	    (struct test_key){ SIGN_HMAC, (const unsigned char *)hs_other, strlen(hs_other), NULL };
	rs_key = (struct test_key){ SIGN_RSA, NULL, 0, rsa_key };
	es_key = (struct test_key){ SIGN_EC, NULL, 0, ec_key };
	es_other_key = (struct test_key){ SIGN_EC, NULL, 0, ec_other_key };
	return 0;
}

static int
free_keys(void **state)
{
	(void)state;
	EVP_PKEY_free(rsa_key);
	EVP_PKEY_free(ec_key);
	EVP_PKEY_free(ec_other_key);
	free(rsa_priv_pem);
	free(rsa_pub_pem);
	free(ec_priv_pem);
	free(ec_pub_pem);
	free(ec_other_priv_pem);
	return 0;
}

static struct jwt_settings
settings(enum jwt_pin alg)
{
	struct jwt_settings s = { .alg = alg, .leeway = 60 };

	switch (alg) {
	case JWT_PIN_HS256:
		s.verify_key = s.sign_key = (const unsigned char *)hs_secret;
		s.verify_key_len = s.sign_key_len = strlen(hs_secret);
		break;
	case JWT_PIN_RS256:
		s.verify_key = (const unsigned char *)rsa_pub_pem;
		s.verify_key_len = strlen(rsa_pub_pem);
		s.sign_key = (const unsigned char *)rsa_priv_pem;
		s.sign_key_len = strlen(rsa_priv_pem);
		break;
	case JWT_PIN_ES256:
		s.verify_key = (const unsigned char *)ec_pub_pem;
		s.verify_key_len = strlen(ec_pub_pem);
		s.sign_key = (const unsigned char *)ec_priv_pem;
		s.sign_key_len = strlen(ec_priv_pem);
		break;
	}
	return s;
}

/* Unpadded base64url of buf; malloc'd. */
static char *
b64url(const void *buf, size_t len)
{
	char *out = malloc(4 * ((len + 2) / 3) + 1);
	int   n;

	assert_non_null(out);
	n = EVP_EncodeBlock((unsigned char *)out, buf, (int)len);
	while (n > 0 && out[n - 1] == '=')
		n--;
	out[n] = '\0';
	for (char *p = out; *p; p++) {
		if (*p == '+')
			*p = '-';
		else if (*p == '/')
			*p = '_';
	}
	return out;
}

/* Signature bytes over `input` with key k into sig[*len] (caller's buffer of 512). */
static void
sign_input(const struct test_key *k, const char *input, unsigned char *sig, size_t *len)
{
	EVP_MD_CTX   *ctx;
	unsigned char der[512];
	size_t        der_len = sizeof(der);
	unsigned int  hlen = 0;

	*len = 0;
	if (k->kind == SIGN_NONE)
		return;
	if (k->kind == SIGN_HMAC) {
		assert_non_null(HMAC(EVP_sha256(), k->secret, (int)k->secret_len,
		    (const unsigned char *)input, strlen(input), sig, &hlen));
		*len = hlen;
		return;
	}
	ctx = EVP_MD_CTX_new();
	assert_non_null(ctx);
	assert_int_equal(EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, k->pkey), 1);
	assert_int_equal(
	    EVP_DigestSign(ctx, der, &der_len, (const unsigned char *)input, strlen(input)), 1);
	EVP_MD_CTX_free(ctx);
	if (k->kind == SIGN_RSA) {
		memcpy(sig, der, der_len);
		*len = der_len;
	} else {
		/* JWS ES256 is R || S, 32 bytes each, not OpenSSL's DER. */
		const unsigned char *p = der;
		ECDSA_SIG           *es = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
		const BIGNUM        *r, *s;

		assert_non_null(es);
		ECDSA_SIG_get0(es, &r, &s);
		assert_int_equal(BN_bn2binpad(r, sig, 32), 32);
		assert_int_equal(BN_bn2binpad(s, sig + 32, 32), 32);
		ECDSA_SIG_free(es);
		*len = 64;
	}
}

/* header.payload.signature from JSON texts; malloc'd. */
static char *
make_token(const char *header, const char *payload, const struct test_key *k)
{
	char         *h = b64url(header, strlen(header));
	char         *p = b64url(payload, strlen(payload));
	char         *input = NULL, *sig64, *token = NULL;
	unsigned char sig[512];
	size_t        sig_len;

	assert_true(asprintf(&input, "%s.%s", h, p) > 0);
	sign_input(k, input, sig, &sig_len);
	sig64 = b64url(sig, sig_len);
	assert_true(asprintf(&token, "%s.%s", input, sig64) > 0);
	free(h);
	free(p);
	free(input);
	free(sig64);
	return token;
}

static char *
vtoken(const char *header, const struct test_key *k, const char *fmt, va_list ap)
{
	char *payload = NULL, *token;

	assert_true(vasprintf(&payload, fmt, ap) > 0);
	token = make_token(header, payload, k);
	free(payload);
	return token;
}

/* An HS256 token (right secret) with the printf-made payload. */
static char *hs(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *
hs(const char *fmt, ...)
{
	va_list ap;
	char   *t;

	va_start(ap, fmt);
	t = vtoken(HDR_HS, &hs_key, fmt, ap);
	va_end(ap);
	return t;
}

/* Any header and key. */
static char *tok(const char *header, const struct test_key *k, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static char *
tok(const char *header, const struct test_key *k, const char *fmt, ...)
{
	va_list ap;
	char   *t;

	va_start(ap, fmt);
	t = vtoken(header, k, fmt, ap);
	va_end(ap);
	return t;
}

/* Verifies at NOW, frees the token, returns the result. */
static enum jwt_result
check(const struct jwt_settings *s, char *token, struct jwt_identity *id)
{
	struct jwt_identity scratch;
	enum jwt_result     r;

	r = jwt_verify_token(s, token, (time_t)NOW, id != NULL ? id : &scratch);
	free(token);
	return r;
}

static enum jwt_result
check_hs(char *token)
{
	struct jwt_settings s = settings(JWT_PIN_HS256);

	return check(&s, token, NULL);
}

/* Replaces part `which` (0..2) of a good token with `text`. */
static char *
with_part(int which, const char *text)
{
	char *good = hs("{\"sub\":\"u\",\"exp\":%ld}", NOW + 60);
	char *dot1 = strchr(good, '.'), *dot2 = strrchr(good, '.'), *t = NULL;

	*dot1 = *dot2 = '\0';
	assert_true(asprintf(&t, "%s.%s.%s", which == 0 ? text : good, which == 1 ? text : dot1 + 1,
			which == 2 ? text : dot2 + 1) > 0);
	free(good);
	return t;
}

/* ---- success paths ---- */

static void
test_hs256_ok(void **state)
{
	struct jwt_settings s = settings(JWT_PIN_HS256);
	struct jwt_identity id;

	(void)state;
	assert_int_equal(check(&s,
			     hs("{\"sub\":\"u42\",\"name\":\"Ada L\",\"roles\":"
				"[\"author\",\"reviewer\"],\"exp\":%ld,\"iat\":%ld}",
				 NOW + 300, NOW),
			     &id),
	    JWT_OK);
	assert_string_equal(id.sub, "u42");
	assert_string_equal(id.name, "Ada L");
	assert_int_equal(id.nroles, 2);
	assert_string_equal(id.roles[0], "author");
	assert_string_equal(id.roles[1], "reviewer");
	assert_int_equal(id.role_mask, ROLE_AUTHOR | ROLE_REVIEWER);
	assert_int_equal(id.exp, NOW + 300);
}

static void
test_rs256_ok(void **state)
{
	struct jwt_settings s = settings(JWT_PIN_RS256);
	struct jwt_identity id;

	(void)state;
	assert_int_equal(check(&s,
			     tok(HDR_RS, &rs_key,
				 "{\"sub\":\"r1\",\"exp\":%ld,"
				 "\"roles\":[\"admin\"]}",
				 NOW + 60),
			     &id),
	    JWT_OK);
	assert_string_equal(id.sub, "r1");
	assert_string_equal(id.name, "");
	assert_int_equal(id.role_mask, ROLE_ADMIN);
}

static void
test_es256_ok(void **state)
{
	struct jwt_settings s = settings(JWT_PIN_ES256);
	struct jwt_identity id;

	(void)state;
	assert_int_equal(check(&s,
			     tok(HDR_ES, &es_key,
				 "{\"sub\":\"e1\",\"exp\":%ld,"
				 "\"roles\":[\"auditor\"]}",
				 NOW + 60),
			     &id),
	    JWT_OK);
	assert_string_equal(id.sub, "e1");
	assert_int_equal(id.role_mask, ROLE_AUDITOR);
}

/* Headers without `typ`, or with another one, are fine: only `alg` matters. */
static void
test_header_variants_ok(void **state)
{
	(void)state;
	assert_int_equal(
	    check_hs(tok("{\"alg\":\"HS256\"}", &hs_key, "{\"sub\":\"u\",\"exp\":%ld}", NOW + 60)),
	    JWT_OK);
	assert_int_equal(check_hs(tok("{\"alg\":\"HS256\",\"typ\":\"jwt\"}", &hs_key,
			     "{\"sub\":\"u\",\"exp\":%ld}", NOW + 60)),
	    JWT_OK);
	assert_int_equal(check_hs(tok("{\"typ\":\"JWT\",\"kid\":\"k1\",\"alg\":\"HS256\"}", &hs_key,
			     "{\"sub\":\"u\",\"exp\":%ld}", NOW + 60)),
	    JWT_OK);
}

static void
test_role_mask_keeps_unknown_strings(void **state)
{
	struct jwt_settings s = settings(JWT_PIN_HS256);
	struct jwt_identity id;

	(void)state;
	assert_int_equal(check(&s,
			     hs("{\"sub\":\"u\",\"exp\":%ld,\"roles\":[\"author\","
				"\"wizard\",\"Admin\",\"auditor\",\"\"]}",
				 NOW + 60),
			     &id),
	    JWT_OK);
	assert_int_equal(id.nroles, 5);
	assert_string_equal(id.roles[0], "author");
	assert_string_equal(id.roles[1], "wizard");
	assert_string_equal(id.roles[2], "Admin");
	assert_string_equal(id.roles[3], "auditor");
	assert_string_equal(id.roles[4], "");
	assert_int_equal(id.role_mask, ROLE_AUTHOR | ROLE_AUDITOR);

	/* absent roles: none, and an empty array is the same */
	assert_int_equal(check(&s, hs("{\"sub\":\"u\",\"exp\":%ld}", NOW + 60), &id), JWT_OK);
	assert_int_equal(id.nroles, 0);
	assert_int_equal(id.role_mask, 0);
	assert_int_equal(
	    check(&s, hs("{\"sub\":\"u\",\"exp\":%ld,\"roles\":[]}", NOW + 60), &id), JWT_OK);
	assert_int_equal(id.nroles, 0);
}

/* ---- algorithm ---- */

static void
test_alg_none(void **state)
{
	struct jwt_settings s = settings(JWT_PIN_HS256);
	struct test_key     none = { SIGN_NONE, NULL, 0, NULL };
	const char *variants[] = { "{\"alg\":\"none\",\"typ\":\"JWT\"}", "{\"alg\":\"None\"}",
		"{\"alg\":\"NONE\"}" };

	(void)state;
	for (size_t i = 0; i < sizeof(variants) / sizeof(variants[0]); i++) {
		/* the classic form, with an empty signature part */
		assert_int_equal(
		    check(
			&s, tok(variants[i], &none, "{\"sub\":\"u\",\"exp\":%ld}", NOW + 60), NULL),
		    JWT_BAD_ALG);
		/* and with a (meaningless) signature attached */
		assert_int_equal(
		    check(&s, tok(variants[i], &hs_key, "{\"sub\":\"u\",\"exp\":%ld}", NOW + 60),
			NULL),
		    JWT_BAD_ALG);
	}
	s = settings(JWT_PIN_RS256);
	assert_int_equal(
	    check(&s, tok("{\"alg\":\"none\"}", &none, "{\"sub\":\"u\",\"exp\":%ld}", NOW + 60),
		NULL),
	    JWT_BAD_ALG);
}

/* HS256 token whose HMAC key is the server's RSA public PEM: the confusion attack. */
static void
test_alg_confusion(void **state)
{
	struct jwt_settings s = settings(JWT_PIN_RS256);
	struct test_key     pem_as_secret = { SIGN_HMAC, (const unsigned char *)rsa_pub_pem,
		    strlen(rsa_pub_pem), NULL };
	jwt_t              *raw = NULL;
	char               *token;

	(void)state;
	token = tok(HDR_HS, &pem_as_secret,
	    "{\"sub\":\"attacker\",\"exp\":%ld,"
	    "\"roles\":[\"admin\"]}",
	    NOW + 60);
	/* The attack is real: plain libjwt 1.10 accepts this token with the public key. */
	assert_int_equal(
	    jwt_decode(&raw, token, (const unsigned char *)rsa_pub_pem, (int)strlen(rsa_pub_pem)),
	    0);
	jwt_free(raw);
	assert_int_equal(check(&s, token, NULL), JWT_BAD_ALG);

	/* same against an EC public key */
	s = settings(JWT_PIN_ES256);
	pem_as_secret.secret = (const unsigned char *)ec_pub_pem;
	pem_as_secret.secret_len = strlen(ec_pub_pem);
	assert_int_equal(
	    check(&s, tok(HDR_HS, &pem_as_secret, "{\"sub\":\"a\",\"exp\":%ld}", NOW + 60), NULL),
	    JWT_BAD_ALG);
}

static void
test_alg_other_mismatch(void **state)
{
	struct jwt_settings s = settings(JWT_PIN_ES256);

	(void)state;
	/* a genuine RS256 token when ES256 is pinned */
	assert_int_equal(
	    check(&s, tok(HDR_RS, &rs_key, "{\"sub\":\"u\",\"exp\":%ld}", NOW + 60), NULL),
	    JWT_BAD_ALG);
	/* HS256 pinned, RS256 token */
	assert_int_equal(
	    check_hs(tok(HDR_RS, &rs_key, "{\"sub\":\"u\",\"exp\":%ld}", NOW + 60)), JWT_BAD_ALG);
	/* other HMAC strengths, lower case, missing or non-string alg */
	assert_int_equal(check_hs(tok("{\"alg\":\"HS512\"}", &hs_key,
			     "{\"sub\":\"u\","
			     "\"exp\":%ld}",
			     NOW + 60)),
	    JWT_BAD_ALG);
	assert_int_equal(check_hs(tok("{\"alg\":\"hs256\"}", &hs_key,
			     "{\"sub\":\"u\","
			     "\"exp\":%ld}",
			     NOW + 60)),
	    JWT_BAD_ALG);
	assert_int_equal(check_hs(tok("{\"typ\":\"JWT\"}", &hs_key,
			     "{\"sub\":\"u\","
			     "\"exp\":%ld}",
			     NOW + 60)),
	    JWT_BAD_ALG);
	assert_int_equal(check_hs(tok("{\"alg\":[\"HS256\"]}", &hs_key,
			     "{\"sub\":\"u\","
			     "\"exp\":%ld}",
			     NOW + 60)),
	    JWT_BAD_ALG);
	/* "HS256" followed by NUL: never compared as "HS256" */
	assert_int_equal(check_hs(tok("{\"alg\":\"HS256\\u0000\"}", &hs_key,
			     "{\"sub\":\"u\","
			     "\"exp\":%ld}",
			     NOW + 60)),
	    JWT_MALFORMED);
}

static void
test_crit_and_typ_header(void **state)
{
	(void)state;
	/* libjwt 1.10 cannot take RFC 9068 "at+jwt": refused as malformed, before it */
	assert_int_equal(check_hs(tok("{\"alg\":\"HS256\",\"typ\":\"at+jwt\"}", &hs_key,
			     "{\"sub\":\"u\",\"exp\":%ld}", NOW + 60)),
	    JWT_MALFORMED);
	assert_int_equal(check_hs(tok("{\"alg\":\"HS256\",\"crit\":[\"exp\"]}", &hs_key,
			     "{\"sub\":\"u\",\"exp\":%ld}", NOW + 60)),
	    JWT_MALFORMED);
}

/* ---- signature ---- */

static void
test_bad_signature(void **state)
{
	struct jwt_settings s;
	char               *token;
	char               *sig;

	(void)state;
	assert_int_equal(
	    check_hs(tok(HDR_HS, &hs_other_key, "{\"sub\":\"u\",\"exp\":%ld}", NOW + 60)),
	    JWT_BAD_SIGNATURE);

	s = settings(JWT_PIN_ES256);
	assert_int_equal(
	    check(&s, tok(HDR_ES, &es_other_key, "{\"sub\":\"u\",\"exp\":%ld}", NOW + 60), NULL),
	    JWT_BAD_SIGNATURE);

	/* one flipped signature character, kept canonical base64url */
	s = settings(JWT_PIN_RS256);
	token = tok(HDR_RS, &rs_key, "{\"sub\":\"u\",\"exp\":%ld}", NOW + 60);
	sig = strrchr(token, '.') + 1;
	sig[5] = sig[5] == 'A' ? 'B' : 'A';
	assert_int_equal(check(&s, token, NULL), JWT_BAD_SIGNATURE);

	/* a signature cut short (3 bytes, canonical base64url) */
	assert_int_equal(check_hs(with_part(2, "AAAA")), JWT_BAD_SIGNATURE);

	/* no verification key configured: nothing verifies */
	s = settings(JWT_PIN_HS256);
	s.verify_key = NULL;
	s.verify_key_len = 0;
	assert_int_equal(
	    check(&s, hs("{\"sub\":\"u\",\"exp\":%ld}", NOW + 60), NULL), JWT_BAD_SIGNATURE);
}

/* A signed user token with the payload of an admin token spliced in. */
static void
test_tampered_payload(void **state)
{
	char       *user = hs("{\"sub\":\"u\",\"exp\":%ld,\"roles\":[\"author\"]}", NOW + 60);
	char       *evil_json = NULL, *evil_b64, *forged = NULL;
	const char *dot1 = strchr(user, '.'), *dot2 = strrchr(user, '.');

	(void)state;
	assert_true(asprintf(&evil_json, "{\"sub\":\"u\",\"exp\":%ld,\"roles\":[\"admin\"]}",
			NOW + 60) > 0);
	evil_b64 = b64url(evil_json, strlen(evil_json));
	assert_true(asprintf(&forged, "%.*s.%s%s", (int)(dot1 - user), user, evil_b64, dot2) > 0);
	assert_int_equal(check_hs(forged), JWT_BAD_SIGNATURE);
	free(user);
	free(evil_json);
	free(evil_b64);
}

/* ---- exp and nbf ---- */

static void
test_expiry(void **state)
{
	struct jwt_settings s = settings(JWT_PIN_HS256);

	(void)state;
	/* leeway 60: exp + 60 <= now is expired */
	assert_int_equal(
	    check(&s, hs("{\"sub\":\"u\",\"exp\":%ld}", NOW - 3600), NULL), JWT_EXPIRED);
	assert_int_equal(check(&s, hs("{\"sub\":\"u\",\"exp\":%ld}", NOW - 61), NULL), JWT_EXPIRED);
	assert_int_equal(check(&s, hs("{\"sub\":\"u\",\"exp\":%ld}", NOW - 60), NULL), JWT_EXPIRED);
	assert_int_equal(check(&s, hs("{\"sub\":\"u\",\"exp\":%ld}", NOW - 59), NULL), JWT_OK);
	assert_int_equal(check(&s, hs("{\"sub\":\"u\",\"exp\":%ld}", NOW), NULL), JWT_OK);
	/* without leeway the boundary is now itself */
	s.leeway = 0;
	assert_int_equal(check(&s, hs("{\"sub\":\"u\",\"exp\":%ld}", NOW), NULL), JWT_EXPIRED);
	assert_int_equal(check(&s, hs("{\"sub\":\"u\",\"exp\":%ld}", NOW + 1), NULL), JWT_OK);
	/* a negative leeway counts as none, it does not shorten lifetimes oddly */
	s.leeway = -100;
	assert_int_equal(check(&s, hs("{\"sub\":\"u\",\"exp\":%ld}", NOW + 1), NULL), JWT_OK);
	/* extreme values do not overflow */
	s.leeway = 60;
	assert_int_equal(
	    check(&s, hs("{\"sub\":\"u\",\"exp\":9223372036854775807}"), NULL), JWT_OK);
	assert_int_equal(
	    check(&s, hs("{\"sub\":\"u\",\"exp\":-9223372036854775808}"), NULL), JWT_EXPIRED);
	s.leeway = LONG_MAX;
	assert_int_equal(check(&s, hs("{\"sub\":\"u\",\"exp\":%ld}", NOW - 3600), NULL), JWT_OK);
}

/* jwt_max_ttl: exp - iat, or exp - now without iat, may not exceed it. */
static void
test_max_ttl(void **state)
{
	struct jwt_settings s = settings(JWT_PIN_HS256);

	(void)state;
	s.max_ttl = 86400;
	/* exp = 2^63 - 1 was accepted without a cap */
	assert_int_equal(
	    check(&s, hs("{\"sub\":\"u\",\"exp\":9223372036854775807}"), NULL), JWT_TOO_LONG_LIVED);
	assert_int_equal(
	    check(&s, hs("{\"sub\":\"u\",\"iat\":%ld,\"exp\":9223372036854775807}", NOW), NULL),
	    JWT_TOO_LONG_LIVED);
	/* with iat: exp - iat */
	assert_int_equal(
	    check(&s, hs("{\"sub\":\"u\",\"iat\":%ld,\"exp\":%ld}", NOW, NOW + 86400), NULL),
	    JWT_OK);
	assert_int_equal(
	    check(&s, hs("{\"sub\":\"u\",\"iat\":%ld,\"exp\":%ld}", NOW, NOW + 86401), NULL),
	    JWT_TOO_LONG_LIVED);
	/* an old iat cannot make a long-lived token look short */
	assert_int_equal(
	    check(&s, hs("{\"sub\":\"u\",\"iat\":%ld,\"exp\":%ld}", NOW - 86400, NOW + 10), NULL),
	    JWT_TOO_LONG_LIVED);
	assert_int_equal(
	    check(
		&s, hs("{\"sub\":\"u\",\"iat\":-9223372036854775808,\"exp\":%ld}", NOW + 10), NULL),
	    JWT_TOO_LONG_LIVED);
	/* without iat: exp - now */
	assert_int_equal(check(&s, hs("{\"sub\":\"u\",\"exp\":%ld}", NOW + 86400), NULL), JWT_OK);
	assert_int_equal(
	    check(&s, hs("{\"sub\":\"u\",\"exp\":%ld}", NOW + 86401), NULL), JWT_TOO_LONG_LIVED);
	/* 0: no cap (tools that verify without one) */
	s.max_ttl = 0;
	assert_int_equal(
	    check(&s, hs("{\"sub\":\"u\",\"exp\":9223372036854775807}"), NULL), JWT_OK);
}

/* iat: an integer, not in the future, and reported. */
static void
test_iat(void **state)
{
	struct jwt_settings s = settings(JWT_PIN_HS256);
	struct jwt_identity id;

	(void)state;
	assert_int_equal(
	    check(&s, hs("{\"sub\":\"u\",\"iat\":%ld,\"exp\":%ld}", NOW - 5, NOW + 60), &id),
	    JWT_OK);
	assert_int_equal(id.has_iat, 1);
	assert_int_equal(id.iat, NOW - 5);
	assert_int_equal(check(&s, hs("{\"sub\":\"u\",\"exp\":%ld}", NOW + 60), &id), JWT_OK);
	assert_int_equal(id.has_iat, 0);
	assert_int_equal(
	    check(&s, hs("{\"sub\":\"u\",\"iat\":\"%ld\",\"exp\":%ld}", NOW, NOW + 60), NULL),
	    JWT_BAD_CLAIMS);
	assert_int_equal(
	    check(&s, hs("{\"sub\":\"u\",\"iat\":%ld.5,\"exp\":%ld}", NOW, NOW + 60), NULL),
	    JWT_BAD_CLAIMS);
	/* within the leeway (60) a future iat is clock skew; beyond, it would outlive a password
	 * change made before it */
	assert_int_equal(
	    check(&s, hs("{\"sub\":\"u\",\"iat\":%ld,\"exp\":%ld}", NOW + 60, NOW + 120), NULL),
	    JWT_OK);
	assert_int_equal(
	    check(&s, hs("{\"sub\":\"u\",\"iat\":%ld,\"exp\":%ld}", NOW + 61, NOW + 120), NULL),
	    JWT_NOT_YET_VALID);
}

/* A sub is one spelling of one person: no invisible or control characters, valid UTF-8. */
static void
test_subject_canonical(void **state)
{
	static const char *const refused[] = {
		"ali\\u200bce", /* zero-width space */
		"alice\\u200d", /* zero-width joiner */
		"\\ufeffalice", /* BOM */
		"ali\\u202ece", /* right-to-left override */
		"alice\\u0007", /* BEL */
		"alice\\n",     /* newline */
		"al\\u00adice", /* soft hyphen */
		"alice\\u0085", /* C1 control */
		"alice\\u2066", /* bidi isolate */
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		assert_int_equal(check_hs(hs("{\"sub\":\"%s\",\"exp\":%ld}", refused[i], NOW + 60)),
		    JWT_BAD_SUBJECT);
	/* a lone surrogate is no character at all */
	assert_int_not_equal(check_hs(hs("{\"sub\":\"a\\ud800\",\"exp\":%ld}", NOW + 60)), JWT_OK);
	/* raw invalid UTF-8 */
	assert_int_not_equal(check_hs(hs("{\"sub\":\"a\xff\",\"exp\":%ld}", NOW + 60)), JWT_OK);
	/* visible non-ASCII and mixed case pass here: the users table and PostgreSQL decide those */
	assert_int_equal(check_hs(hs("{\"sub\":\"jos\\u00e9\",\"exp\":%ld}", NOW + 60)), JWT_OK);
	assert_int_equal(check_hs(hs("{\"sub\":\"Alice\",\"exp\":%ld}", NOW + 60)), JWT_OK);
	assert_int_equal(check_hs(hs("{\"sub\":\"a b@c|d\",\"exp\":%ld}", NOW + 60)), JWT_OK);
}

static void
test_exp_missing_or_mistyped(void **state)
{
	(void)state;
	assert_int_equal(check_hs(hs("{\"sub\":\"u\"}")), JWT_NO_EXP);
	/* present with the wrong type is BAD_CLAIMS (see jwt_auth.h) */
	assert_int_equal(check_hs(hs("{\"sub\":\"u\",\"exp\":\"%ld\"}", NOW + 60)), JWT_BAD_CLAIMS);
	assert_int_equal(check_hs(hs("{\"sub\":\"u\",\"exp\":%ld.5}", NOW + 60)), JWT_BAD_CLAIMS);
	assert_int_equal(check_hs(hs("{\"sub\":\"u\",\"exp\":null}")), JWT_BAD_CLAIMS);
	assert_int_equal(check_hs(hs("{\"sub\":\"u\",\"exp\":true}")), JWT_BAD_CLAIMS);
}

static void
test_nbf(void **state)
{
	struct jwt_settings s = settings(JWT_PIN_HS256);

	(void)state;
	assert_int_equal(
	    check(&s, hs("{\"sub\":\"u\",\"exp\":%ld,\"nbf\":%ld}", NOW + 600, NOW + 300), NULL),
	    JWT_NOT_YET_VALID);
	assert_int_equal(
	    check(&s, hs("{\"sub\":\"u\",\"exp\":%ld,\"nbf\":%ld}", NOW + 600, NOW + 61), NULL),
	    JWT_NOT_YET_VALID);
	/* within leeway: nbf - 60 > now is false */
	assert_int_equal(
	    check(&s, hs("{\"sub\":\"u\",\"exp\":%ld,\"nbf\":%ld}", NOW + 600, NOW + 60), NULL),
	    JWT_OK);
	assert_int_equal(
	    check(&s, hs("{\"sub\":\"u\",\"exp\":%ld,\"nbf\":%ld}", NOW + 600, NOW - 10), NULL),
	    JWT_OK);
	s.leeway = 0;
	assert_int_equal(
	    check(&s, hs("{\"sub\":\"u\",\"exp\":%ld,\"nbf\":%ld}", NOW + 600, NOW + 1), NULL),
	    JWT_NOT_YET_VALID);
	assert_int_equal(
	    check(&s, hs("{\"sub\":\"u\",\"exp\":%ld,\"nbf\":%ld}", NOW + 600, NOW), NULL), JWT_OK);
	assert_int_equal(
	    check(&s, hs("{\"sub\":\"u\",\"exp\":%ld,\"nbf\":\"%ld\"}", NOW + 600, NOW), NULL),
	    JWT_BAD_CLAIMS);
}

/* ---- iss and aud ---- */

static void
test_issuer(void **state)
{
	struct jwt_settings s = settings(JWT_PIN_HS256);

	(void)state;
	s.issuer = "https://idp.example";
	assert_int_equal(
	    check(&s, hs("{\"sub\":\"u\",\"exp\":%ld,\"iss\":\"https://idp.example\"}", NOW + 60),
		NULL),
	    JWT_OK);
	assert_int_equal(
	    check(&s, hs("{\"sub\":\"u\",\"exp\":%ld,\"iss\":\"https://evil.example\"}", NOW + 60),
		NULL),
	    JWT_BAD_ISSUER);
	assert_int_equal(
	    check(&s, hs("{\"sub\":\"u\",\"exp\":%ld,\"iss\":\"https://idp.example/\"}", NOW + 60),
		NULL),
	    JWT_BAD_ISSUER);
	assert_int_equal(
	    check(&s, hs("{\"sub\":\"u\",\"exp\":%ld}", NOW + 60), NULL), JWT_BAD_ISSUER);
	assert_int_equal(
	    check(&s, hs("{\"sub\":\"u\",\"exp\":%ld,\"iss\":[\"https://idp.example\"]}", NOW + 60),
		NULL),
	    JWT_BAD_ISSUER);
	assert_int_equal(check(&s,
			     hs("{\"sub\":\"u\",\"exp\":%ld,"
				"\"iss\":\"https://idp.example\\u0000x\"}",
				 NOW + 60),
			     NULL),
	    JWT_MALFORMED);
	/* not configured: any issuer passes */
	s.issuer = NULL;
	assert_int_equal(
	    check(&s, hs("{\"sub\":\"u\",\"exp\":%ld,\"iss\":\"whoever\"}", NOW + 60), NULL),
	    JWT_OK);
}

static void
test_audience(void **state)
{
	struct jwt_settings s = settings(JWT_PIN_HS256);

	(void)state;
	s.audience = "logbook";
	assert_int_equal(
	    check(&s, hs("{\"sub\":\"u\",\"exp\":%ld,\"aud\":\"logbook\"}", NOW + 60), NULL),
	    JWT_OK);
	assert_int_equal(
	    check(&s, hs("{\"sub\":\"u\",\"exp\":%ld,\"aud\":\"logbook2\"}", NOW + 60), NULL),
	    JWT_BAD_AUDIENCE);
	assert_int_equal(
	    check(&s, hs("{\"sub\":\"u\",\"exp\":%ld,\"aud\":[\"other\",\"logbook\"]}", NOW + 60),
		NULL),
	    JWT_OK);
	assert_int_equal(
	    check(&s, hs("{\"sub\":\"u\",\"exp\":%ld,\"aud\":[\"other\",\"Logbook\"]}", NOW + 60),
		NULL),
	    JWT_BAD_AUDIENCE);
	assert_int_equal(check(&s, hs("{\"sub\":\"u\",\"exp\":%ld,\"aud\":[]}", NOW + 60), NULL),
	    JWT_BAD_AUDIENCE);
	assert_int_equal(
	    check(&s, hs("{\"sub\":\"u\",\"exp\":%ld,\"aud\":[[\"logbook\"]]}", NOW + 60), NULL),
	    JWT_BAD_AUDIENCE);
	assert_int_equal(
	    check(&s, hs("{\"sub\":\"u\",\"exp\":%ld}", NOW + 60), NULL), JWT_BAD_AUDIENCE);
	s.audience = NULL;
	assert_int_equal(
	    check(&s, hs("{\"sub\":\"u\",\"exp\":%ld,\"aud\":\"anything\"}", NOW + 60), NULL),
	    JWT_OK);
}

/* ---- sub, name, roles ---- */

static void
test_subject(void **state)
{
	char sub127[128], sub128[129];

	(void)state;
	assert_int_equal(check_hs(hs("{\"exp\":%ld}", NOW + 60)), JWT_NO_SUBJECT);
	assert_int_equal(check_hs(hs("{\"sub\":\"\",\"exp\":%ld}", NOW + 60)), JWT_NO_SUBJECT);
	assert_int_equal(check_hs(hs("{\"sub\":42,\"exp\":%ld}", NOW + 60)), JWT_NO_SUBJECT);
	assert_int_equal(check_hs(hs("{\"sub\":null,\"exp\":%ld}", NOW + 60)), JWT_NO_SUBJECT);
	memset(sub127, 's', 127);
	sub127[127] = '\0';
	memset(sub128, 's', 128);
	sub128[128] = '\0';
	assert_int_equal(check_hs(hs("{\"sub\":\"%s\",\"exp\":%ld}", sub127, NOW + 60)), JWT_OK);
	assert_int_equal(
	    check_hs(hs("{\"sub\":\"%s\",\"exp\":%ld}", sub128, NOW + 60)), JWT_BAD_CLAIMS);
	/* an embedded NUL would make two different subjects compare equal in C */
	assert_int_equal(
	    check_hs(hs("{\"sub\":\"admin\\u0000x\",\"exp\":%ld}", NOW + 60)), JWT_MALFORMED);
	/* an escaped backslash followed by "u0000" is just text */
	{
		struct jwt_settings s = settings(JWT_PIN_HS256);
		struct jwt_identity id;

		assert_int_equal(
		    check(&s, hs("{\"sub\":\"a\\\\u0000\",\"exp\":%ld}", NOW + 60), &id), JWT_OK);
		assert_string_equal(id.sub, "a\\u0000");
	}
}

static void
test_name(void **state)
{
	struct jwt_settings s = settings(JWT_PIN_HS256);
	struct jwt_identity id;
	char                name128[129];

	(void)state;
	memset(name128, 'n', 128);
	name128[128] = '\0';
	assert_int_equal(
	    check(&s, hs("{\"sub\":\"u\",\"exp\":%ld,\"name\":\"%s\"}", NOW + 60, name128), NULL),
	    JWT_BAD_CLAIMS);
	name128[127] = '\0';
	assert_int_equal(
	    check(&s, hs("{\"sub\":\"u\",\"exp\":%ld,\"name\":\"%s\"}", NOW + 60, name128), &id),
	    JWT_OK);
	assert_int_equal(strlen(id.name), 127);
	assert_int_equal(check(&s, hs("{\"sub\":\"u\",\"exp\":%ld,\"name\":7}", NOW + 60), NULL),
	    JWT_BAD_CLAIMS);
	/* UTF-8 passes through untouched */
	assert_int_equal(
	    check(&s,
		hs("{\"sub\":\"u\",\"exp\":%ld,\"name\":\"J\\u00f6rg \xe2\x82\xac\"}", NOW + 60),
		&id),
	    JWT_OK);
	assert_string_equal(id.name, "J\xc3\xb6rg \xe2\x82\xac");
}

static void
test_roles_claim(void **state)
{
	struct jwt_settings s = settings(JWT_PIN_HS256);
	struct jwt_identity id;
	char                list[1024], role31[32], role32[33];

	(void)state;
	assert_int_equal(
	    check(&s, hs("{\"sub\":\"u\",\"exp\":%ld,\"roles\":\"admin\"}", NOW + 60), NULL),
	    JWT_BAD_CLAIMS);
	assert_int_equal(
	    check(&s, hs("{\"sub\":\"u\",\"exp\":%ld,\"roles\":{\"admin\":true}}", NOW + 60), NULL),
	    JWT_BAD_CLAIMS);
	assert_int_equal(
	    check(&s, hs("{\"sub\":\"u\",\"exp\":%ld,\"roles\":null}", NOW + 60), NULL),
	    JWT_BAD_CLAIMS);
	assert_int_equal(
	    check(&s, hs("{\"sub\":\"u\",\"exp\":%ld,\"roles\":[\"author\",1]}", NOW + 60), NULL),
	    JWT_BAD_CLAIMS);
	assert_int_equal(
	    check(&s, hs("{\"sub\":\"u\",\"exp\":%ld,\"roles\":[[\"admin\"]]}", NOW + 60), NULL),
	    JWT_BAD_CLAIMS);

	/* 16 roles fit, 17 do not */
	strcpy(list, "\"author\"");
	for (int i = 1; i < JWT_MAX_ROLES; i++)
		strcat(list, ",\"r\"");
	assert_int_equal(
	    check(&s, hs("{\"sub\":\"u\",\"exp\":%ld,\"roles\":[%s]}", NOW + 60, list), &id),
	    JWT_OK);
	assert_int_equal(id.nroles, JWT_MAX_ROLES);
	assert_int_equal(id.role_mask, ROLE_AUTHOR);
	strcat(list, ",\"r\"");
	assert_int_equal(
	    check(&s, hs("{\"sub\":\"u\",\"exp\":%ld,\"roles\":[%s]}", NOW + 60, list), NULL),
	    JWT_BAD_CLAIMS);

	/* an entry of 31 bytes fits, 32 does not */
	memset(role31, 'x', 31);
	role31[31] = '\0';
	memset(role32, 'x', 32);
	role32[32] = '\0';
	assert_int_equal(
	    check(&s, hs("{\"sub\":\"u\",\"exp\":%ld,\"roles\":[\"%s\"]}", NOW + 60, role31), &id),
	    JWT_OK);
	assert_string_equal(id.roles[0], role31);
	assert_int_equal(
	    check(&s, hs("{\"sub\":\"u\",\"exp\":%ld,\"roles\":[\"%s\"]}", NOW + 60, role32), NULL),
	    JWT_BAD_CLAIMS);
	assert_int_equal(
	    check(
		&s, hs("{\"sub\":\"u\",\"exp\":%ld,\"roles\":[\"admin\\u0000\"]}", NOW + 60), NULL),
	    JWT_MALFORMED);
}

/* ---- shape ---- */

static void
test_oversize_token(void **state)
{
	char   pad[JWT_MAX_TOKEN_LEN];
	char  *token = NULL, *huge;
	size_t n;

	(void)state;
	/* the largest pad whose token fits is accepted, one byte more is refused */
	for (n = 5000;; n++) {
		memset(pad, 'p', n);
		pad[n] = '\0';
		token = hs("{\"sub\":\"u\",\"exp\":%ld,\"pad\":\"%s\"}", NOW + 60, pad);
		if (strlen(token) > JWT_MAX_TOKEN_LEN)
			break;
		free(token);
	}
	assert_int_equal(check_hs(token), JWT_MALFORMED);
	pad[n - 1] = '\0';
	token = hs("{\"sub\":\"u\",\"exp\":%ld,\"pad\":\"%s\"}", NOW + 60, pad);
	assert_true(strlen(token) <= JWT_MAX_TOKEN_LEN && strlen(token) > JWT_MAX_TOKEN_LEN - 3);
	assert_int_equal(check_hs(token), JWT_OK);

	/* a megabyte of dots and letters is refused without being read through */
	huge = malloc(1 << 20);
	assert_non_null(huge);
	memset(huge, 'a', (1 << 20) - 1);
	huge[100] = huge[200] = '.';
	huge[(1 << 20) - 1] = '\0';
	assert_int_equal(check_hs(huge), JWT_MALFORMED);
}

static void
test_part_count(void **state)
{
	char *good = hs("{\"sub\":\"u\",\"exp\":%ld}", NOW + 60);
	char *t = NULL;

	(void)state;
	/* two parts */
	assert_true(asprintf(&t, "%.*s", (int)(strrchr(good, '.') - good), good) > 0);
	assert_int_equal(check_hs(t), JWT_MALFORMED);
	/* four parts */
	assert_true(asprintf(&t, "%s.AAAA", good) > 0);
	assert_int_equal(check_hs(t), JWT_MALFORMED);
	assert_true(asprintf(&t, "%s.", good) > 0);
	assert_int_equal(check_hs(t), JWT_MALFORMED);
	/* empty parts */
	assert_int_equal(check_hs(strdup("..")), JWT_MALFORMED);
	assert_int_equal(check_hs(strdup("")), JWT_MALFORMED);
	assert_int_equal(check_hs(strdup("abc")), JWT_MALFORMED);
	assert_true(asprintf(&t, "%s", strchr(good, '.')) > 0);
	assert_int_equal(check_hs(t), JWT_MALFORMED);
	/* header ok, payload empty */
	assert_true(asprintf(&t, "%.*s..%s", (int)(strchr(good, '.') - good), good,
			strrchr(good, '.') + 1) > 0);
	assert_int_equal(check_hs(t), JWT_MALFORMED);
	/* header and payload ok, signature empty */
	assert_true(asprintf(&t, "%.*s.", (int)(strrchr(good, '.') - good), good) > 0);
	assert_int_equal(check_hs(t), JWT_MALFORMED);
	/* NULL arguments */
	{
		struct jwt_settings s = settings(JWT_PIN_HS256);
		struct jwt_identity id;

		assert_int_equal(jwt_verify_token(&s, NULL, (time_t)NOW, &id), JWT_MALFORMED);
		assert_int_equal(jwt_verify_token(NULL, good, (time_t)NOW, &id), JWT_MALFORMED);
	}
	free(good);
}

static void
test_garbage_base64(void **state)
{
	/* 16 bytes: standard base64 would end in "==" */
	char *hdr_unpadded = b64url("{\"alg\":\"HS256\"} ", 16);
	char *t, *padded;

	(void)state;
	assert_int_equal(check_hs(with_part(0, "!!!!")), JWT_MALFORMED);
	assert_int_equal(check_hs(with_part(0, "eyJhbGciOiJIUzI1NiJ9+/")), JWT_MALFORMED);
	assert_int_equal(check_hs(with_part(1, "e y J")), JWT_MALFORMED);
	assert_int_equal(check_hs(with_part(1, "eyJzdWIiOiJ1In0=")), JWT_MALFORMED);
	assert_int_equal(check_hs(with_part(2, "%%%%")), JWT_MALFORMED);
	/* a lone trailing character cannot encode a byte */
	assert_int_equal(check_hs(with_part(2, "AAAAA")), JWT_MALFORMED);
	/* padding is not part of JWS base64url: the token is good without it only */
	t = tok("{\"alg\":\"HS256\"} ", &hs_key, "{\"sub\":\"u\",\"exp\":%ld}", NOW + 60);
	assert_int_equal(strncmp(t, hdr_unpadded, strlen(hdr_unpadded)), 0);
	assert_int_equal(check_hs(strdup(t)), JWT_OK);
	padded = malloc(strlen(t) + 3);
	assert_non_null(padded);
	sprintf(padded, "%s==%s", hdr_unpadded, t + strlen(hdr_unpadded));
	assert_int_equal(check_hs(padded), JWT_MALFORMED);
	free(t);
	free(hdr_unpadded);
	/* non-canonical: "eyJ9" vs "eyJ8"-style unused low bits set ("e30" = "{}") */
	assert_int_equal(check_hs(with_part(1, "e31")), JWT_MALFORMED);
}

static void
test_not_json(void **state)
{
	const char *bad_headers[] = {
		"not json",
		"[\"HS256\"]",
		"\"HS256\"",
		"{\"alg\":\"HS256\"}x",
		"{\"alg\":\"HS256\",}",
		"{'alg':'HS256'}",
		"{\"alg\":\"HS256\"",
		"{\"alg\":\"HS\xff"
		"256\"}",
	};
	char  *b64, *deep, *t;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_headers) / sizeof(bad_headers[0]); i++) {
		b64 = b64url(bad_headers[i], strlen(bad_headers[i]));
		assert_int_equal(check_hs(with_part(0, b64)), JWT_MALFORMED);
		free(b64);
	}
	/* a NUL byte inside the header JSON */
	b64 = b64url("{\"alg\":\"HS256\"}\0", 16);
	assert_int_equal(check_hs(with_part(0, b64)), JWT_MALFORMED);
	free(b64);
	/* payload not JSON, or not an object, even though correctly signed */
	assert_int_equal(check_hs(tok(HDR_HS, &hs_key, "not json")), JWT_MALFORMED);
	assert_int_equal(check_hs(tok(HDR_HS, &hs_key, "[1,2]")), JWT_MALFORMED);
	assert_int_equal(check_hs(tok(HDR_HS, &hs_key, "{\"sub\":\"u\",\"exp\":%ld}x", NOW + 60)),
	    JWT_MALFORMED);
	assert_int_equal(check_hs(tok(HDR_HS, &hs_key, "{\"sub\":\"u\",\"exp\":%ld}{}", NOW + 60)),
	    JWT_MALFORMED);
	/* whitespace around the object is JSON (RFC 8259) */
	assert_int_equal(
	    check_hs(tok(HDR_HS, &hs_key, " {\"sub\":\"u\",\"exp\":%ld}\r\n", NOW + 60)), JWT_OK);
	/* nesting deeper than any identity provider needs */
	deep = malloc(2 * 200 + 64);
	assert_non_null(deep);
	t = deep + sprintf(deep, "{\"sub\":\"u\",\"exp\":%ld,\"x\":", NOW + 60);
	for (i = 0; i < 200; i++)
		*t++ = '[';
	for (i = 0; i < 200; i++)
		*t++ = ']';
	strcpy(t, "}");
	assert_int_equal(check_hs(tok(HDR_HS, &hs_key, "%s", deep)), JWT_MALFORMED);
	free(deep);
}

static void
test_identity_cleared_on_failure(void **state)
{
	struct jwt_settings s = settings(JWT_PIN_HS256);
	struct jwt_identity id;

	(void)state;
	memset(&id, 0x5a, sizeof(id));
	/* fails late, after sub and roles could have been copied */
	s.audience = "logbook";
	assert_int_equal(
	    check(&s, hs("{\"sub\":\"u\",\"exp\":%ld,\"roles\":[\"admin\"]}", NOW + 60), &id),
	    JWT_BAD_AUDIENCE);
	assert_string_equal(id.sub, "");
	assert_int_equal(id.nroles, 0);
	assert_int_equal(id.role_mask, 0);
	/* roles are read last: a bad one must not leave the others behind */
	s.audience = NULL;
	assert_int_equal(
	    check(&s, hs("{\"sub\":\"u\",\"exp\":%ld,\"roles\":[\"admin\",1]}", NOW + 60), &id),
	    JWT_BAD_CLAIMS);
	assert_int_equal(id.role_mask, 0);
	assert_string_equal(id.roles[0], "");
}

/* ---- minting ---- */

static void
round_trip(enum jwt_pin alg)
{
	struct jwt_settings s = settings(alg);
	const char         *roles[] = { "designer", "approver", "custom" };
	struct jwt_identity id;
	char               *token;

	s.issuer = "https://logbook.example";
	s.audience = "logbook";
	token = jwt_mint_token(&s, "u-7", "Grace \"H\" / \xc3\xa9", roles, 3, (time_t)NOW, 900);
	assert_non_null(token);
	assert_int_equal(jwt_verify_token(&s, token, (time_t)NOW, &id), JWT_OK);
	assert_string_equal(id.sub, "u-7");
	assert_string_equal(id.name, "Grace \"H\" / \xc3\xa9");
	assert_int_equal(id.nroles, 3);
	assert_string_equal(id.roles[2], "custom");
	assert_int_equal(id.role_mask, ROLE_DESIGNER | ROLE_APPROVER);
	assert_int_equal(id.exp, NOW + 900);
	/* the lifetime is what was asked for */
	s.leeway = 0;
	assert_int_equal(jwt_verify_token(&s, token, (time_t)(NOW + 899), &id), JWT_OK);
	assert_int_equal(jwt_verify_token(&s, token, (time_t)(NOW + 900), &id), JWT_EXPIRED);
	/* other audiences and issuers do not take it */
	s.audience = "elsewhere";
	assert_int_equal(jwt_verify_token(&s, token, (time_t)NOW, &id), JWT_BAD_AUDIENCE);
	s.audience = "logbook";
	s.issuer = "https://other.example";
	assert_int_equal(jwt_verify_token(&s, token, (time_t)NOW, &id), JWT_BAD_ISSUER);
	if (alg == JWT_PIN_ES256) {
		/* JWS form R || S: 64 bytes, 86 base64url characters; not DER */
		assert_int_equal(strlen(strrchr(token, '.') + 1), 86);
	}
	free(token);
}

static void
test_mint_round_trip_hs256(void **state)
{
	(void)state;
	round_trip(JWT_PIN_HS256);
}

static void
test_mint_round_trip_rs256(void **state)
{
	(void)state;
	round_trip(JWT_PIN_RS256);
}

static void
test_mint_round_trip_es256(void **state)
{
	(void)state;
	round_trip(JWT_PIN_ES256);
}

static void
test_mint_minimal_and_refusals(void **state)
{
	struct jwt_settings s = settings(JWT_PIN_HS256);
	struct jwt_identity id;
	const char         *too_many[JWT_MAX_ROLES + 1];
	char                long_sub[JWT_SUB_MAX + 1];
	char               *token;

	(void)state;
	/* no name, no roles, no iss/aud */
	token = jwt_mint_token(&s, "solo", NULL, NULL, 0, (time_t)NOW, 60);
	assert_non_null(token);
	assert_int_equal(jwt_verify_token(&s, token, (time_t)NOW, &id), JWT_OK);
	assert_string_equal(id.name, "");
	assert_int_equal(id.nroles, 0);
	free(token);

	for (int i = 0; i <= JWT_MAX_ROLES; i++)
		too_many[i] = "author";
	memset(long_sub, 'x', JWT_SUB_MAX);
	long_sub[JWT_SUB_MAX] = '\0';
	/* what verification would refuse is never minted */
	assert_null(jwt_mint_token(&s, "u", NULL, too_many, JWT_MAX_ROLES + 1, (time_t)NOW, 60));
	assert_null(jwt_mint_token(&s, long_sub, NULL, NULL, 0, (time_t)NOW, 60));
	assert_null(jwt_mint_token(&s, "", NULL, NULL, 0, (time_t)NOW, 60));
	assert_null(jwt_mint_token(&s, NULL, NULL, NULL, 0, (time_t)NOW, 60));
	assert_null(jwt_mint_token(&s, "u", NULL, NULL, -1, (time_t)NOW, 60));
	assert_null(jwt_mint_token(&s, "u", NULL, NULL, 0, (time_t)NOW, 0));
	/* no signing key: cannot mint */
	s.sign_key = NULL;
	s.sign_key_len = 0;
	assert_null(jwt_mint_token(&s, "u", NULL, NULL, 0, (time_t)NOW, 60));
	/* an unusable PEM fails cleanly */
	s = settings(JWT_PIN_RS256);
	s.sign_key = (const unsigned char *)"-----BEGIN PRIVATE KEY-----\nnope\n";
	s.sign_key_len = strlen((const char *)s.sign_key);
	assert_null(jwt_mint_token(&s, "u", NULL, NULL, 0, (time_t)NOW, 60));
}

/* A token minted with another key, or another algorithm, is refused. */
static void
test_mint_cross_keys(void **state)
{
	struct jwt_settings es = settings(JWT_PIN_ES256), rs = settings(JWT_PIN_RS256);
	struct jwt_identity id;
	char               *token;

	(void)state;
	token = jwt_mint_token(&es, "u", NULL, NULL, 0, (time_t)NOW, 60);
	assert_non_null(token);
	assert_int_equal(jwt_verify_token(&rs, token, (time_t)NOW, &id), JWT_BAD_ALG);
	es.verify_key = (const unsigned char *)ec_other_priv_pem; /* not even a public key */
	es.verify_key_len = strlen(ec_other_priv_pem);
	assert_int_equal(jwt_verify_token(&es, token, (time_t)NOW, &id), JWT_BAD_SIGNATURE);
	free(token);
}

/* ---- small API ---- */

static void
test_pin_names_and_strings(void **state)
{
	enum jwt_pin p = JWT_PIN_RS256;

	(void)state;
	assert_int_equal(jwt_pin_from_name("HS256", &p), 0);
	assert_int_equal(p, JWT_PIN_HS256);
	assert_int_equal(jwt_pin_from_name("RS256", &p), 0);
	assert_int_equal(p, JWT_PIN_RS256);
	assert_int_equal(jwt_pin_from_name("ES256", &p), 0);
	assert_int_equal(p, JWT_PIN_ES256);
	assert_int_equal(jwt_pin_from_name("none", &p), -1);
	assert_int_equal(jwt_pin_from_name("hs256", &p), -1);
	assert_int_equal(jwt_pin_from_name("HS512", &p), -1);
	assert_int_equal(jwt_pin_from_name(NULL, &p), -1);
	assert_string_equal(jwt_pin_name(JWT_PIN_ES256), "ES256");
	for (int r = JWT_OK; r <= JWT_BAD_CLAIMS; r++) {
		assert_non_null(jwt_result_str((enum jwt_result)r));
		for (int q = JWT_OK; q < r; q++)
			assert_string_not_equal(
			    jwt_result_str((enum jwt_result)q), jwt_result_str((enum jwt_result)r));
	}
	assert_non_null(jwt_result_str((enum jwt_result)99));
}

static void
test_settings_check(void **state)
{
	struct jwt_settings s;
	const char         *why = NULL;

	(void)state;
	s = settings(JWT_PIN_HS256);
	assert_int_equal(jwt_settings_check(&s, &why), 0);
	s.verify_key = (const unsigned char *)"short";
	s.verify_key_len = 5;
	s.sign_key = NULL;
	assert_int_equal(jwt_settings_check(&s, &why), -1);
	assert_non_null(why);
	s = settings(JWT_PIN_HS256);
	s.sign_key = (const unsigned char *)hs_other;
	s.sign_key_len = strlen(hs_other);
	assert_int_equal(jwt_settings_check(&s, NULL), -1);

	s = settings(JWT_PIN_RS256);
	assert_int_equal(jwt_settings_check(&s, &why), 0);
	s.sign_key = NULL;
	assert_int_equal(jwt_settings_check(&s, &why), 0);
	/* an EC key when RS256 is pinned */
	s.verify_key = (const unsigned char *)ec_pub_pem;
	s.verify_key_len = strlen(ec_pub_pem);
	assert_int_equal(jwt_settings_check(&s, &why), -1);

	s = settings(JWT_PIN_ES256);
	assert_int_equal(jwt_settings_check(&s, &why), 0);
	/* a private key that does not belong to the public one */
	s.sign_key = (const unsigned char *)ec_other_priv_pem;
	s.sign_key_len = strlen(ec_other_priv_pem);
	assert_int_equal(jwt_settings_check(&s, &why), -1);
	/* an RSA key when ES256 is pinned */
	s = settings(JWT_PIN_ES256);
	s.verify_key = (const unsigned char *)rsa_pub_pem;
	s.verify_key_len = strlen(rsa_pub_pem);
	assert_int_equal(jwt_settings_check(&s, &why), -1);
	/* garbage */
	s.verify_key = (const unsigned char *)"not a pem";
	s.verify_key_len = 9;
	assert_int_equal(jwt_settings_check(&s, &why), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hs256_ok),
		cmocka_unit_test(test_rs256_ok),
		cmocka_unit_test(test_es256_ok),
		cmocka_unit_test(test_header_variants_ok),
		cmocka_unit_test(test_role_mask_keeps_unknown_strings),
		cmocka_unit_test(test_alg_none),
		cmocka_unit_test(test_alg_confusion),
		cmocka_unit_test(test_alg_other_mismatch),
		cmocka_unit_test(test_crit_and_typ_header),
		cmocka_unit_test(test_bad_signature),
		cmocka_unit_test(test_tampered_payload),
		cmocka_unit_test(test_expiry),
		cmocka_unit_test(test_exp_missing_or_mistyped),
		cmocka_unit_test(test_max_ttl),
		cmocka_unit_test(test_iat),
		cmocka_unit_test(test_subject_canonical),
		cmocka_unit_test(test_nbf),
		cmocka_unit_test(test_issuer),
		cmocka_unit_test(test_audience),
		cmocka_unit_test(test_subject),
		cmocka_unit_test(test_name),
		cmocka_unit_test(test_roles_claim),
		cmocka_unit_test(test_oversize_token),
		cmocka_unit_test(test_part_count),
		cmocka_unit_test(test_garbage_base64),
		cmocka_unit_test(test_not_json),
		cmocka_unit_test(test_identity_cleared_on_failure),
		cmocka_unit_test(test_mint_round_trip_hs256),
		cmocka_unit_test(test_mint_round_trip_rs256),
		cmocka_unit_test(test_mint_round_trip_es256),
		cmocka_unit_test(test_mint_minimal_and_refusals),
		cmocka_unit_test(test_mint_cross_keys),
		cmocka_unit_test(test_pin_names_and_strings),
		cmocka_unit_test(test_settings_check),
	};

	return cmocka_run_group_tests(tests, setup_keys, free_keys);
}
