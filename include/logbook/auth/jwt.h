/*
 * Bearer tokens: verification with a pinned algorithm, and minting for /auth/login.
 *
 * Verification never trusts the token to choose how it is checked: the header's `alg`
 * must equal the configured one before any key touches the token, so that an HS256
 * token can never be HMAC-checked with an RSA/EC public key (algorithm confusion).
 * Claims are checked here, not by libjwt (1.10 checks none).
 */
#ifndef LOGBOOK_JWT_AUTH_H
#define LOGBOOK_JWT_AUTH_H

#include <stddef.h>
#include <time.h>

enum jwt_pin { JWT_PIN_HS256, JWT_PIN_RS256, JWT_PIN_ES256 };

/* "HS256", "RS256" or "ES256" (exact case) into *out. Returns 0, or -1 if unknown. */
int jwt_pin_from_name(const char *name, enum jwt_pin *out);

/* The JOSE name of a pinned algorithm ("HS256", ...), a static string. */
const char *jwt_pin_name(enum jwt_pin alg);

struct jwt_settings {
	enum jwt_pin alg;
	/* HS256 secret, or PEM public key */
	const unsigned char *verify_key;
	size_t               verify_key_len;
	/* HS256 secret, or PEM private key; NULL: cannot mint */
	const unsigned char *sign_key;
	size_t               sign_key_len;
	/* NULL: not checked; else `iss` required and equal; put into minted tokens */
	const char *issuer;
	/* NULL: not checked; else `aud` string equal, or array containing it;
	 * put into minted tokens */
	const char *audience;
	/* seconds of clock skew allowed for exp, nbf and iat; negative counts as 0 */
	long leeway;
	/* longest lifetime accepted, seconds: exp - iat, or exp - now without iat; 0: no cap */
	long max_ttl;
};

/*
 * Checks, once at start-up, that the keys fit the pinned algorithm, so that a wrong key
 * is a clear configuration error rather than every token failing as a bad signature:
 * HS256 secret >= 32 bytes (and the sign key, if set, the same secret); RS256 an RSA
 * public key of >= 2048 bits, ES256 a P-256 public key, and the sign key, if set, the
 * matching PEM private key. Returns 0, or -1 with a static English reason in *why
 * (why may be NULL).
 */
int jwt_settings_check(const struct jwt_settings *s, const char **why);

/* Longest token accepted, in bytes; longer ones are JWT_MALFORMED. */
#define JWT_MAX_TOKEN_LEN 8192

#define JWT_MAX_ROLES 16
#define JWT_SUB_MAX   128
#define JWT_NAME_MAX  128
#define JWT_ROLE_MAX  32

struct jwt_identity {
	char     sub[JWT_SUB_MAX];
	char     name[JWT_NAME_MAX]; /* "" when absent */
	char     roles[JWT_MAX_ROLES][JWT_ROLE_MAX];
	int      nroles;    /* the token's role strings, as given (unknown ones kept) */
	unsigned role_mask; /* known roles only */
	long     exp;
	long     iat;     /* meaningful when has_iat */
	int      has_iat; /* the token carries `iat` */
};

enum jwt_result {
	JWT_OK = 0,
	JWT_MALFORMED, /* too long, not three base64url parts, header/payload not a JSON object */
	JWT_BAD_ALG,   /* header `alg` missing, `none`, or not the pinned one */
	JWT_BAD_SIGNATURE,  /* signature does not verify with the configured key */
	JWT_NO_EXP,         /* no `exp` claim */
	JWT_EXPIRED,        /* exp + leeway <= now */
	JWT_NOT_YET_VALID,  /* nbf - leeway > now */
	JWT_BAD_ISSUER,     /* issuer configured and `iss` missing or different */
	JWT_BAD_AUDIENCE,   /* audience configured and not in `aud` */
	JWT_NO_SUBJECT,     /* `sub` missing, not a string, or empty */
	JWT_BAD_CLAIMS,     /* a claim has the wrong type or size (see jwt_verify_token) */
	JWT_BAD_SUBJECT,    /* `sub` is not UTF-8, or holds control/invisible characters */
	JWT_TOO_LONG_LIVED, /* exp - iat (exp - now without iat) is over max_ttl */
};

/*
 * Verifies `token` (the text after "Bearer ") against the settings at time `now`, and
 * on JWT_OK fills *out. Checks, in this order: length and three dot-separated parts,
 * header canonical base64url of a JSON object -> MALFORMED; header `alg` equal to the
 * pinned algorithm -> BAD_ALG (so `alg: none` is BAD_ALG even with no signature);
 * `crit` header, or a string `typ` other than "JWT" (any case; libjwt 1.10 cannot
 * verify e.g. RFC 9068 "at+jwt" tokens) -> MALFORMED; payload a non-empty
 * base64url JSON object and signature non-empty base64url -> MALFORMED; signature ->
 * BAD_SIGNATURE; then the claims: exp, nbf, iss, aud, sub, name, roles.
 *
 * Claim types are strict: `exp`, `nbf` must be JSON integers (a string or fractional
 * `exp`/`nbf` is JWT_BAD_CLAIMS; only an absent `exp` is JWT_NO_EXP); `sub` a non-empty
 * string shorter than 128 bytes (missing/empty/non-string: NO_SUBJECT; too long:
 * BAD_CLAIMS; not valid UTF-8 or holding a control, zero-width or other invisible character
 * (identity_classify): BAD_SUBJECT); `name`, when present, a string shorter than 128 bytes;
 * `roles`, when present, an array of at most JWT_MAX_ROLES strings each shorter than 32
 * bytes. `iat`, when present, must be a JSON integer (else BAD_CLAIMS) not later than
 * now + leeway (else NOT_YET_VALID). With max_ttl > 0, exp - iat (exp - now when there is no
 * iat) over max_ttl is TOO_LONG_LIVED. Unknown claims are ignored. A \u0000 anywhere in
 * header or payload is MALFORMED (libjwt's JSON parser refuses it, and C strings cannot
 * carry it).
 *
 * *out is zeroed first and meaningful only on JWT_OK. Keeps no state between calls.
 */
enum jwt_result jwt_verify_token(
    const struct jwt_settings *s, const char *token, time_t now, struct jwt_identity *out);

/* Short English reason for logs and a problem's `detail`; a static string. */
const char *jwt_result_str(enum jwt_result r);

/*
 * Mints a signed token with the configured algorithm and sign key: claims `iat` = now,
 * `exp` = now + ttl, `sub`, `name` when non-NULL, `roles` (an array, possibly empty),
 * and `iss`/`aud` from the settings when set. Returns a malloc'd string the caller
 * frees, or NULL (no sign key, sub empty, nroles < 0, or a library failure such as an
 * unusable key).
 */
char *jwt_mint_token(const struct jwt_settings *s, const char *sub, const char *name,
    const char *const *roles, int nroles, time_t now, long ttl);

#endif
