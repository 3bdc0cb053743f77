/*
 * Bearer token verification and minting (libjwt 1.10 for signatures, json-c for
 * everything the token says).
 *
 * libjwt 1.10's jwt_decode verifies with whatever algorithm the token names and checks
 * no claim, so this file first decodes and parses header and payload itself, refuses any
 * `alg` but the pinned one, and only then hands the token to libjwt for the signature.
 * Claims are read from our own json-c parse of the payload: the signature covers the
 * base64url text, so those bytes are exactly the signed ones.
 */
#include "logbook/auth/jwt.h"

#include <json-c/json.h>
#include <jwt.h>
#include <limits.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "logbook/auth/identity.h"
#include "logbook/auth/roles.h"

/* Nesting allowed in header and payload; identity providers nest a little. */
#define JWT_JSON_MAX_DEPTH 16
/* Enough for the decoded form of any part of a token within JWT_MAX_TOKEN_LEN. */
#define JWT_PART_DECODED_MAX (JWT_MAX_TOKEN_LEN / 4 * 3 + 3)
/* RFC 7518 3.2: an HS256 key shall be at least as long as the hash. */
#define HS256_MIN_SECRET 32

static const struct {
	enum jwt_pin pin;
	const char  *name;
	jwt_alg_t    lib_alg;
} pin_table[] = {
	{ JWT_PIN_HS256, "HS256", JWT_ALG_HS256 },
	{ JWT_PIN_RS256, "RS256", JWT_ALG_RS256 },
	{ JWT_PIN_ES256, "ES256", JWT_ALG_ES256 },
};
#define PIN_COUNT (sizeof(pin_table) / sizeof(pin_table[0]))

static const char *const result_text[] = {
	[JWT_OK] = "token accepted",
	[JWT_MALFORMED] = "token is malformed",
	[JWT_BAD_ALG] = "token algorithm is not the configured one",
	[JWT_BAD_SIGNATURE] = "token signature does not verify",
	[JWT_NO_EXP] = "token has no expiry (exp)",
	[JWT_EXPIRED] = "token has expired",
	[JWT_NOT_YET_VALID] = "token is not valid yet (nbf)",
	[JWT_BAD_ISSUER] = "token issuer (iss) is not accepted",
	[JWT_BAD_AUDIENCE] = "token audience (aud) is not accepted",
	[JWT_NO_SUBJECT] = "token has no subject (sub)",
	[JWT_BAD_CLAIMS] = "token claims have a wrong type or size",
	[JWT_BAD_SUBJECT] = "token subject (sub) is not a canonical user id",
	[JWT_TOO_LONG_LIVED] = "token lifetime is longer than this server accepts",
};

int
jwt_pin_from_name(const char *name, enum jwt_pin *out)
{
	if (name == NULL)
		return -1;
	for (size_t i = 0; i < PIN_COUNT; i++) {
		if (strcmp(pin_table[i].name, name) == 0) {
			*out = pin_table[i].pin;
			return 0;
		}
	}
	return -1;
}

const char *
jwt_pin_name(enum jwt_pin alg)
{
	for (size_t i = 0; i < PIN_COUNT; i++) {
		if (pin_table[i].pin == alg)
			return pin_table[i].name;
	}
	return "?";
}

/* libjwt's algorithm for a pin; JWT_ALG_INVAL for a value outside the enum. */
static jwt_alg_t
pin_lib_alg(enum jwt_pin alg)
{
	for (size_t i = 0; i < PIN_COUNT; i++) {
		if (pin_table[i].pin == alg)
			return pin_table[i].lib_alg;
	}
	return JWT_ALG_INVAL;
}

const char *
jwt_result_str(enum jwt_result r)
{
	if ((unsigned)r >= sizeof(result_text) / sizeof(result_text[0]))
		return "unknown token error";
	return result_text[r];
}

static int
b64url_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

/*
 * Decodes unpadded base64url (RFC 7515 section 2) into out[cap]; out may be NULL to only
 * validate. Only the canonical form is accepted: no padding, no other characters, unused
 * trailing bits zero. Returns the decoded length, or -1.
 */
static long
b64url_decode(const char *in, size_t len, unsigned char *out, size_t cap)
{
	size_t   n = 0, need = len / 4 * 3 + (len % 4 == 0 ? 0 : len % 4 - 1);
	uint32_t acc = 0;
	int      bits = 0;

	/* A lone trailing character cannot carry a whole byte. */
	if (len % 4 == 1 || len > LONG_MAX / 2 || (out != NULL && need > cap))
		return -1;
	for (size_t i = 0; i < len; i++) {
		int v = b64url_value((unsigned char)in[i]);

		if (v < 0)
			return -1;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (out != NULL)
				out[n] = (unsigned char)(acc >> bits);
			n++;
			acc &= (1u << bits) - 1;
		}
	}
	/* Leftover bits must be zero, or two texts would decode to the same bytes. */
	if (acc != 0)
		return -1;
	return (long)n;
}

/*
 * Does JSON text contain the escape \u0000? libjwt's parser (jansson) refuses such
 * tokens, and C strings cannot hold them, so they are malformed for us too. Outside
 * strings a backslash is a JSON syntax error anyway, so escapes can be walked blindly.
 */
static int
has_escaped_nul(const unsigned char *buf, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++) {
		if (buf[i] != '\\')
			continue;
		if (buf[i + 1] == 'u' && len - i >= 6 && memcmp(buf + i + 2, "0000", 4) == 0)
			return 1;
		i++; /* skip the escaped character: an escaped backslash starts no escape */
	}
	return 0;
}

/*
 * Parses exactly `len` bytes as one strict JSON object. Returns a new reference, or NULL
 * for anything else (trailing bytes, NUL bytes or \u0000, invalid UTF-8, too deep).
 */
static struct json_object *
parse_object(const unsigned char *buf, size_t len)
{
	struct json_tokener *tok = NULL;
	struct json_object  *obj = NULL;
	size_t               end;

	if (len == 0 || len > INT_MAX || memchr(buf, '\0', len) != NULL ||
	    has_escaped_nul(buf, len))
		return NULL;
	tok = json_tokener_new_ex(JWT_JSON_MAX_DEPTH);
	if (tok == NULL)
		return NULL;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	obj = json_tokener_parse_ex(tok, (const char *)buf, (int)len);
	end = json_tokener_get_parse_end(tok);
	/* RFC 8259 allows whitespace after the value; nothing else may follow. */
	while (end < len && strchr(" \t\r\n", buf[end]) != NULL)
		end++;
	if (obj == NULL || json_tokener_get_error(tok) != json_tokener_success || end != len ||
	    !json_object_is_type(obj, json_type_object)) {
		json_object_put(obj);
		obj = NULL;
	}
	json_tokener_free(tok);
	return obj;
}

/* Decodes one base64url part and parses it as a JSON object; NULL if either fails. */
static struct json_object *
decode_part(const char *part, size_t len)
{
	unsigned char buf[JWT_PART_DECODED_MAX];
	long          n;

	n = b64url_decode(part, len, buf, sizeof(buf));
	if (n <= 0)
		return NULL;
	return parse_object(buf, (size_t)n);
}

/*
 * A member that is a string shorter than `max` bytes. Returns 1 and sets *str, or 0.
 * (parse_object let no NUL through, so the C string is the whole JSON string.)
 */
static int
get_short_string(struct json_object *v, size_t max, const char **str)
{
	if (v == NULL || !json_object_is_type(v, json_type_string) ||
	    (size_t)json_object_get_string_len(v) >= max)
		return 0;
	*str = json_object_get_string(v);
	return 1;
}

/* True when v is a string exactly equal to `want` (byte for byte, NUL-safe). */
static int
json_string_equals(struct json_object *v, const char *want)
{
	size_t len;

	if (v == NULL || !json_object_is_type(v, json_type_string))
		return 0;
	len = (size_t)json_object_get_string_len(v);
	return len == strlen(want) && memcmp(json_object_get_string(v), want, len) == 0;
}

static int64_t
sat_add(int64_t a, int64_t b)
{
	int64_t r;

	if (__builtin_add_overflow(a, b, &r))
		return b > 0 ? INT64_MAX : INT64_MIN;
	return r;
}

static enum jwt_result
check_header(const struct jwt_settings *s, struct json_object *hdr)
{
	struct json_object *alg = NULL, *crit = NULL, *typ = NULL;

	if (!json_object_object_get_ex(hdr, "alg", &alg) ||
	    !json_string_equals(alg, jwt_pin_name(s->alg)))
		return JWT_BAD_ALG;
	/* RFC 7515 4.1.11: we understand no extension, so any `crit` must be refused. */
	if (json_object_object_get_ex(hdr, "crit", &crit))
		return JWT_MALFORMED;
	/*
	 * libjwt 1.10 refuses a string `typ` other than "JWT" (any case), e.g. RFC 9068's
	 * "at+jwt"; say so here rather than let it pass for a bad signature.
	 */
	if (json_object_object_get_ex(hdr, "typ", &typ) &&
	    json_object_is_type(typ, json_type_string) &&
	    strcasecmp(json_object_get_string(typ), "JWT") != 0)
		return JWT_MALFORMED;
	return JWT_OK;
}

/* The signature check proper; the header's alg has been checked already. */
static enum jwt_result
check_signature(const struct jwt_settings *s, const char *token)
{
	jwt_t          *jwt = NULL;
	enum jwt_result r = JWT_BAD_SIGNATURE;

	/* Without a key libjwt might not verify at all; never let it try. */
	if (s->verify_key == NULL || s->verify_key_len == 0 || s->verify_key_len > INT_MAX)
		return JWT_BAD_SIGNATURE;
	if (jwt_decode(&jwt, token, s->verify_key, (int)s->verify_key_len) != 0)
		goto out;
	/* Belt and braces: libjwt must have used the algorithm we pinned. */
	if (jwt_get_alg(jwt) != pin_lib_alg(s->alg)) {
		r = JWT_BAD_ALG;
		goto out;
	}
	r = JWT_OK;
out:
	jwt_free(jwt);
	return r;
}

static enum jwt_result
check_times(
    const struct jwt_settings *s, struct json_object *claims, time_t now, struct jwt_identity *out)
{
	struct json_object *exp = NULL, *nbf = NULL, *iat = NULL;
	int64_t             leeway, exp_v, iat_v = 0, born;

	leeway = s->leeway < 0 ? 0 : (s->leeway > INT32_MAX ? INT32_MAX : s->leeway);
	if (!json_object_object_get_ex(claims, "exp", &exp))
		return JWT_NO_EXP;
	if (!json_object_is_type(exp, json_type_int))
		return JWT_BAD_CLAIMS;
	exp_v = json_object_get_int64(exp);
	if (json_object_object_get_ex(claims, "nbf", &nbf) &&
	    !json_object_is_type(nbf, json_type_int))
		return JWT_BAD_CLAIMS;
	if (json_object_object_get_ex(claims, "iat", &iat)) {
		if (!json_object_is_type(iat, json_type_int))
			return JWT_BAD_CLAIMS;
		iat_v = json_object_get_int64(iat);
	}
	/* exp + leeway <= now, written so that nothing overflows. */
	if (exp_v <= sat_add((int64_t)now, -leeway))
		return JWT_EXPIRED;
	/* nbf - leeway > now */
	if (nbf != NULL && json_object_get_int64(nbf) > sat_add((int64_t)now, leeway))
		return JWT_NOT_YET_VALID;
	/* A token issued in the future would outlive a password change made before its iat. */
	if (iat != NULL && iat_v > sat_add((int64_t)now, leeway))
		return JWT_NOT_YET_VALID;
	/* exp - born > max_ttl, where born <= now + leeway < exp, so the difference is positive;
	 * born may be far in the past, hence the saturating subtraction. */
	born = iat != NULL ? iat_v : (int64_t)now;
	if (s->max_ttl > 0 && sat_add(exp_v, born == INT64_MIN ? INT64_MAX : -born) > s->max_ttl)
		return JWT_TOO_LONG_LIVED;
	out->exp = exp_v > LONG_MAX ? LONG_MAX : (long)exp_v;
	if (iat != NULL) {
		out->has_iat = 1;
		out->iat = iat_v > LONG_MAX ? LONG_MAX : iat_v < LONG_MIN ? LONG_MIN : (long)iat_v;
	}
	return JWT_OK;
}

static enum jwt_result
check_audience(const struct jwt_settings *s, struct json_object *claims)
{
	struct json_object *aud = NULL;

	if (s->audience == NULL)
		return JWT_OK;
	if (!json_object_object_get_ex(claims, "aud", &aud))
		return JWT_BAD_AUDIENCE;
	if (json_string_equals(aud, s->audience))
		return JWT_OK;
	if (json_object_is_type(aud, json_type_array)) {
		size_t n = json_object_array_length(aud);

		for (size_t i = 0; i < n; i++) {
			if (json_string_equals(json_object_array_get_idx(aud, i), s->audience))
				return JWT_OK;
		}
	}
	return JWT_BAD_AUDIENCE;
}

static enum jwt_result
read_identity(struct json_object *claims, struct jwt_identity *out)
{
	struct json_object *v = NULL;
	const char         *str;

	if (!json_object_object_get_ex(claims, "sub", &v) ||
	    !json_object_is_type(v, json_type_string) || json_object_get_string_len(v) == 0)
		return JWT_NO_SUBJECT;
	if (!get_short_string(v, sizeof(out->sub), &str))
		return JWT_BAD_CLAIMS;
	if (identity_classify(str, strlen(str)) == IDENTITY_INVALID)
		return JWT_BAD_SUBJECT;
	memcpy(out->sub, str, strlen(str) + 1);

	if (json_object_object_get_ex(claims, "name", &v)) {
		if (!get_short_string(v, sizeof(out->name), &str))
			return JWT_BAD_CLAIMS;
		memcpy(out->name, str, strlen(str) + 1);
	}

	if (json_object_object_get_ex(claims, "roles", &v)) {
		size_t n;

		if (!json_object_is_type(v, json_type_array))
			return JWT_BAD_CLAIMS;
		n = json_object_array_length(v);
		if (n > JWT_MAX_ROLES)
			return JWT_BAD_CLAIMS;
		for (size_t i = 0; i < n; i++) {
			if (!get_short_string(
				json_object_array_get_idx(v, i), sizeof(out->roles[0]), &str))
				return JWT_BAD_CLAIMS;
			memcpy(out->roles[i], str, strlen(str) + 1);
			out->role_mask |= role_from_name(str);
		}
		out->nroles = (int)n;
	}
	return JWT_OK;
}

enum jwt_result
jwt_verify_token(
    const struct jwt_settings *s, const char *token, time_t now, struct jwt_identity *out)
{
	struct json_object *hdr = NULL, *claims = NULL, *iss = NULL;
	const char         *dot1, *dot2;
	size_t              len;
	enum jwt_result     r = JWT_MALFORMED;

	memset(out, 0, sizeof(*out));
	if (s == NULL || token == NULL)
		return JWT_MALFORMED;
	len = strnlen(token, JWT_MAX_TOKEN_LEN + 1);
	if (len > JWT_MAX_TOKEN_LEN)
		return JWT_MALFORMED;

	/* Exactly three non-empty parts: header.payload.signature */
	dot1 = memchr(token, '.', len);
	if (dot1 == NULL)
		return JWT_MALFORMED;
	dot2 = memchr(dot1 + 1, '.', len - (size_t)(dot1 + 1 - token));
	if (dot2 == NULL || memchr(dot2 + 1, '.', len - (size_t)(dot2 + 1 - token)) != NULL)
		return JWT_MALFORMED;

	/* The header first, so that `alg: none` (empty signature) reads as BAD_ALG. */
	hdr = decode_part(token, (size_t)(dot1 - token));
	if (hdr == NULL)
		goto out;
	r = check_header(s, hdr);
	if (r != JWT_OK)
		goto out;
	r = JWT_MALFORMED;
	if (dot2 == dot1 + 1 || dot2 + 1 == token + len)
		goto out;
	claims = decode_part(dot1 + 1, (size_t)(dot2 - dot1 - 1));
	if (claims == NULL)
		goto out;
	if (b64url_decode(dot2 + 1, len - (size_t)(dot2 + 1 - token), NULL, 0) <= 0)
		goto out;

	r = check_signature(s, token);
	if (r != JWT_OK)
		goto out;

	/* From here on the claims are authentic; check what they say. */
	r = check_times(s, claims, now, out);
	if (r != JWT_OK)
		goto out;
	if (s->issuer != NULL &&
	    (!json_object_object_get_ex(claims, "iss", &iss) ||
		!json_string_equals(iss, s->issuer))) {
		r = JWT_BAD_ISSUER;
		goto out;
	}
	r = check_audience(s, claims);
	if (r != JWT_OK)
		goto out;
	r = read_identity(claims, out);
out:
	json_object_put(hdr);
	json_object_put(claims);
	if (r != JWT_OK)
		memset(out, 0, sizeof(*out));
	return r;
}

/* Adds `key` = string `val` to obj; returns 0, or -1 on allocation failure. */
static int
add_string(struct json_object *obj, const char *key, const char *val)
{
	struct json_object *v = json_object_new_string(val);

	if (v == NULL)
		return -1;
	if (json_object_object_add(obj, key, v) != 0) {
		json_object_put(v);
		return -1;
	}
	return 0;
}

static int
add_int(struct json_object *obj, const char *key, int64_t val)
{
	struct json_object *v = json_object_new_int64(val);

	if (v == NULL)
		return -1;
	if (json_object_object_add(obj, key, v) != 0) {
		json_object_put(v);
		return -1;
	}
	return 0;
}

/*
 * The claims of a minted token as a JSON object (new reference), or NULL. Refuses what
 * jwt_verify_token would refuse, so that we never hand out a token we do not accept.
 */
static struct json_object *
mint_claims(const struct jwt_settings *s, const char *sub, const char *name,
    const char *const *roles, int nroles, time_t now, long ttl)
{
	struct json_object *claims = NULL, *arr = NULL;

	if (sub == NULL || sub[0] == '\0' || strlen(sub) >= JWT_SUB_MAX ||
	    (name != NULL && strlen(name) >= JWT_NAME_MAX) || nroles < 0 ||
	    nroles > JWT_MAX_ROLES || (nroles > 0 && roles == NULL) || ttl <= 0 || now < 0 ||
	    (int64_t)now > INT64_MAX - ttl)
		return NULL;
	for (int i = 0; i < nroles; i++) {
		if (roles[i] == NULL || strlen(roles[i]) >= JWT_ROLE_MAX)
			return NULL;
	}
	if ((claims = json_object_new_object()) == NULL)
		goto fail;
	if (add_int(claims, "iat", (int64_t)now) != 0 ||
	    add_int(claims, "exp", (int64_t)now + ttl) != 0 ||
	    add_string(claims, "sub", sub) != 0 ||
	    (name != NULL && add_string(claims, "name", name) != 0) ||
	    (s->issuer != NULL && add_string(claims, "iss", s->issuer) != 0) ||
	    (s->audience != NULL && add_string(claims, "aud", s->audience) != 0))
		goto fail;
	if ((arr = json_object_new_array_ext(nroles)) == NULL)
		goto fail;
	for (int i = 0; i < nroles; i++) {
		struct json_object *v = json_object_new_string(roles[i]);

		if (v == NULL || json_object_array_add(arr, v) != 0) {
			json_object_put(v);
			goto fail;
		}
	}
	if (json_object_object_add(claims, "roles", arr) != 0)
		goto fail;
	return claims;
fail:
	json_object_put(arr);
	json_object_put(claims);
	return NULL;
}

char *
jwt_mint_token(const struct jwt_settings *s, const char *sub, const char *name,
    const char *const *roles, int nroles, time_t now, long ttl)
{
	struct json_object *claims = NULL;
	jwt_t              *jwt = NULL;
	const char         *json;
	char               *token = NULL;

	if (s == NULL || s->sign_key == NULL || s->sign_key_len == 0 || s->sign_key_len > INT_MAX ||
	    pin_lib_alg(s->alg) == JWT_ALG_INVAL)
		return NULL;
	claims = mint_claims(s, sub, name, roles, nroles, now, ttl);
	if (claims == NULL)
		goto out;
	json = json_object_to_json_string_ext(claims, JSON_C_TO_STRING_PLAIN);
	if (json == NULL || jwt_new(&jwt) != 0)
		goto out;
	if (jwt_add_grants_json(jwt, json) != 0 ||
	    jwt_set_alg(jwt, pin_lib_alg(s->alg), s->sign_key, (int)s->sign_key_len) != 0)
		goto out;
	/* libjwt 1.10 allocates the result with malloc (it has no allocator hooks). */
	token = jwt_encode_str(jwt);
out:
	jwt_free(jwt);
	json_object_put(claims);
	return token;
}

/* The PEM key in buf as an EVP_PKEY (caller frees), private or public; NULL if unusable. */
static EVP_PKEY *
load_pem_key(const unsigned char *buf, size_t len, int private)
{
	BIO      *bio = NULL;
	EVP_PKEY *pkey = NULL;

	if (buf == NULL || len == 0 || len > INT_MAX)
		return NULL;
	bio = BIO_new_mem_buf(buf, (int)len);
	if (bio == NULL)
		return NULL;
	if (private)
		pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	else
		pkey = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	BIO_free(bio);
	return pkey;
}

/* Does pkey fit the pinned asymmetric algorithm (RSA >= 2048 bits, EC on P-256)? */
static int
key_fits(EVP_PKEY *pkey, enum jwt_pin alg)
{
	char group[64];

	if (alg == JWT_PIN_RS256)
		return EVP_PKEY_get_base_id(pkey) == EVP_PKEY_RSA &&
		    EVP_PKEY_get_bits(pkey) >= 2048;
	if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_EC ||
	    EVP_PKEY_get_group_name(pkey, group, sizeof(group), NULL) != 1)
		return 0;
	return strcmp(group, "prime256v1") == 0 || strcmp(group, "P-256") == 0;
}

int
jwt_settings_check(const struct jwt_settings *s, const char **why)
{
	EVP_PKEY   *pub = NULL, *priv = NULL;
	const char *reason = NULL;

	if (pin_lib_alg(s->alg) == JWT_ALG_INVAL) {
		reason = "unknown algorithm";
		goto out;
	}
	if (s->alg == JWT_PIN_HS256) {
		if (s->verify_key == NULL || s->verify_key_len < HS256_MIN_SECRET)
			reason = "HS256 secret must be at least 32 bytes";
		else if (s->sign_key != NULL &&
		    (s->sign_key_len != s->verify_key_len ||
			memcmp(s->sign_key, s->verify_key, s->verify_key_len) != 0))
			reason = "HS256 signing and verification secrets differ";
		goto out;
	}
	pub = load_pem_key(s->verify_key, s->verify_key_len, 0);
	if (pub == NULL || !key_fits(pub, s->alg)) {
		reason = s->alg == JWT_PIN_RS256
		    ? "verification key is not an RSA (>= 2048 bits) PEM public key"
		    : "verification key is not a P-256 PEM public key";
		goto out;
	}
	if (s->sign_key == NULL)
		goto out;
	priv = load_pem_key(s->sign_key, s->sign_key_len, 1);
	if (priv == NULL || !key_fits(priv, s->alg)) {
		reason = "signing key is not a PEM private key for the algorithm";
		goto out;
	}
	if (EVP_PKEY_eq(pub, priv) != 1)
		reason = "signing key does not match the verification key";
out:
	EVP_PKEY_free(pub);
	EVP_PKEY_free(priv);
	if (reason != NULL && why != NULL)
		*why = reason;
	return reason == NULL ? 0 : -1;
}
