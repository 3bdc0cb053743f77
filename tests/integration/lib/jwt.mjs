// Builds JSON Web Tokens the way an identity provider (or an attacker) would, with node:crypto
// only: correct HS256 tokens signed with the stack's secret, and every kind of wrong one.
import { createHmac, generateKeyPairSync, sign } from 'node:crypto';
import { jwtSecret, jwtIssuer } from './env.mjs';

export function b64url(data) {
	return Buffer.from(data).toString('base64url');
}

export function now() {
	return Math.floor(Date.now() / 1000);
}

let rsaKey;
function rsaPrivateKey() {
	if (!rsaKey)
		rsaKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
	return rsaKey;
}

function signature(alg, input, secret) {
	switch (alg) {
	case 'none':
		return '';
	case 'HS256':
	case 'HS384':
	case 'HS512':
		return createHmac(`sha${alg.slice(2)}`, secret).update(input).digest('base64url');
	case 'RS256':
		return sign('sha256', Buffer.from(input), rsaPrivateKey()).toString('base64url');
	default:
		throw new Error(`mintToken: cannot sign with ${alg}`);
	}
}

/*
 * Returns a compact JWT for `claims`. options:
 *   alg     the header's alg (default HS256)
 *   signAs  the algorithm actually used for the signature (default: alg), e.g. alg RS256
 *           with signAs HS256 for the key-confusion attack
 *   secret  HMAC key bytes (default: the stack's jwt-secret as the worker reads it)
 *   header  extra or replacing header fields
 */
export function mintToken(claims, { alg = 'HS256', signAs, secret, header = {} } = {}) {
	const head = { alg, typ: 'JWT', ...header };
	const input = `${b64url(JSON.stringify(head))}.${b64url(JSON.stringify(claims))}`;
	return `${input}.${signature(signAs ?? alg, input, secret ?? jwtSecret())}`;
}

/*
 * Claims the stack accepts: iss as configured, sub, name, roles, iat, exp in an hour (files
 * mint their tokens once, at load, and some run longer than 5 minutes on a loaded machine).
 * An override whose value is undefined removes that claim.
 */
export function claims(overrides = {}) {
	const t = now();
	const c = { sub: 'alice', name: 'Alice Example', roles: ['author'], iat: t, exp: t + 3600 };
	const iss = jwtIssuer();
	if (iss)
		c.iss = iss;
	for (const [k, v] of Object.entries(overrides)) {
		if (v === undefined)
			delete c[k];
		else
			c[k] = v;
	}
	return c;
}

// A valid token for `overrides` (see claims()).
export function tokenFor(overrides = {}) {
	return mintToken(claims(overrides));
}

export const ALL_ROLES = ['admin', 'designer', 'author', 'reviewer', 'approver', 'auditor'];

// A token for the development admin, with every role.
export function adminToken() {
	return tokenFor({ sub: 'admin', name: 'Development admin', roles: ALL_ROLES });
}
