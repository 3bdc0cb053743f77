// Bearer tokens: /api/v1/me with a good token, and every way a token can be wrong.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
	request, mintToken, claims, tokenFor, now, b64url, jwtLeeway, assertInvalidToken,
} from './lib/index.mjs';

test('GET /api/v1/me with a valid token answers sub, name and roles', async () => {
	const token = tokenFor({ sub: 'alice', name: 'Alice Example', roles: ['author', 'reviewer'] });
	const res = await request('GET', '/api/v1/me', { token });
	assert.equal(res.status, 200, res.text);
	assert.match(res.headers['content-type'], /^application\/json\b/);
	assert.equal(res.json.sub, 'alice');
	assert.equal(res.json.name, 'Alice Example');
	assert.deepEqual(res.json.roles, ['author', 'reviewer']);
});

const wrongSecret = Buffer.from('not-the-configured-secret-but-long-enough-0123456789');

// [name, Authorization header value, or undefined for none]
const rejected = [
	['no Authorization header', () => undefined],
	['a Basic credential', () => 'Basic ' + Buffer.from('admin:secret').toString('base64')],
	['Bearer with nothing after it', () => 'Bearer '],
	['Bearer garbage', () => 'Bearer garbage'],
	['three dots of nothing', () => 'Bearer ..'],
	['alg none, no signature', () => 'Bearer ' + mintToken(claims(), { alg: 'none' })],
	['alg none with the HS256 signature', () => 'Bearer ' + mintToken(claims(), { alg: 'none', signAs: 'HS256' })],
	['alg HS512 signed with the secret', () => 'Bearer ' + mintToken(claims(), { alg: 'HS512' })],
	['alg RS256 signed with an RSA key', () => 'Bearer ' + mintToken(claims(), { alg: 'RS256' })],
	['alg RS256 HMAC-signed with the secret (key confusion)',
		() => 'Bearer ' + mintToken(claims(), { alg: 'RS256', signAs: 'HS256' })],
	['no alg in the header', () => 'Bearer ' + mintToken(claims(), { header: { alg: undefined } })],
	['signed with another secret', () => 'Bearer ' + mintToken(claims(), { secret: wrongSecret })],
	['signature stripped', () => 'Bearer ' + mintToken(claims()).replace(/[^.]+$/, '')],
	['tampered payload (roles raised)', () => {
		const [h, , s] = mintToken(claims({ roles: ['author'] })).split('.');
		return `Bearer ${h}.${b64url(JSON.stringify(claims({ roles: ['admin'] })))}.${s}`;
	}],
	['expired beyond the leeway', () => 'Bearer ' + tokenFor({ exp: now() - jwtLeeway() - 120 })],
	['missing exp', () => 'Bearer ' + tokenFor({ exp: undefined })],
	['exp as a string', () => 'Bearer ' + tokenFor({ exp: String(now() + 300) })],
	['nbf in the future beyond the leeway', () => 'Bearer ' + tokenFor({ nbf: now() + jwtLeeway() + 300 })],
	['wrong iss', () => 'Bearer ' + tokenFor({ iss: 'someone-else' })],
	['missing sub', () => 'Bearer ' + tokenFor({ sub: undefined })],
	['empty sub', () => 'Bearer ' + tokenFor({ sub: '' })],
	// Over the worker's 8 KiB cap, yet within Nginx's header buffers, so the worker judges it.
	['token longer than any real one', () => 'Bearer ' + tokenFor({ name: 'x'.repeat(7000) })],
];

for (const [name, authorization] of rejected) {
	test(`401 invalid_token: ${name}`, async () => {
		const value = authorization();
		const headers = value === undefined ? {} : { Authorization: value };
		const res = await request('GET', '/api/v1/me', { headers });
		assertInvalidToken(res);
	});
}

test('the issuer is checked: a token without iss is rejected', async (t) => {
	if (!claims().iss)
		return t.skip('no jwt_issuer configured');
	assertInvalidToken(await request('GET', '/api/v1/me', { token: tokenFor({ iss: undefined }) }));
});

test('exp within the leeway is still accepted', async () => {
	const leeway = jwtLeeway();
	assert.ok(leeway >= 30, `test assumes a leeway of at least 30 s, have ${leeway}`);
	const res = await request('GET', '/api/v1/me', { token: tokenFor({ exp: now() - Math.floor(leeway / 2) }) });
	assert.equal(res.status, 200, res.text);
});

test('nbf within the leeway is accepted, and nbf in the past too', async () => {
	const leeway = jwtLeeway();
	let res = await request('GET', '/api/v1/me', { token: tokenFor({ nbf: now() + Math.floor(leeway / 2) }) });
	assert.equal(res.status, 200, res.text);
	res = await request('GET', '/api/v1/me', { token: tokenFor({ nbf: now() - 600 }) });
	assert.equal(res.status, 200, res.text);
});

test('the Bearer scheme name is case-insensitive (RFC 9110)', async () => {
	const res = await request('GET', '/api/v1/me', { headers: { Authorization: 'bearer ' + tokenFor() } });
	assert.equal(res.status, 200, res.text);
});
