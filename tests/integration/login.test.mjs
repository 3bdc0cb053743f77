// POST /api/v1/auth/login with the development admin that stack.sh created.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request, adminPassword, assertInvalidToken } from './lib/index.mjs';

test('login with the admin password returns a Bearer token that works on /me', async () => {
	const res = await request('POST', '/api/v1/auth/login', {
		body: { username: 'admin', password: adminPassword() },
	});
	assert.equal(res.status, 200, res.text);
	assert.match(res.headers['content-type'], /^application\/json\b/);
	assert.equal(res.json.token_type, 'Bearer');
	assert.equal(typeof res.json.access_token, 'string');
	assert.equal(typeof res.json.expires_in, 'number');
	assert.ok(res.json.expires_in > 0);

	const me = await request('GET', '/api/v1/me', { token: res.json.access_token });
	assert.equal(me.status, 200, me.text);
	assert.equal(me.json.sub, 'admin');
	assert.equal(me.json.name, 'Development admin');
	assert.ok(me.json.roles.includes('admin'), `roles: ${me.json.roles}`);
});

function median(xs) {
	const s = [...xs].sort((x, y) => x - y);
	return s[Math.floor(s.length / 2)];
}

test('wrong password and unknown user get the same 401 body and take as long', async () => {
	// The same request id for both, so that an id echoed in the body cannot differ.
	const headers = { 'X-Request-Id': `login-compare-${process.pid}` };
	const attempt = async (username) => {
		const t0 = process.hrtime.bigint();
		const res = await request('POST', '/api/v1/auth/login', {
			headers, body: { username, password: 'definitely-not-the-password' },
		});
		return { res, ms: Number(process.hrtime.bigint() - t0) / 1e6 };
	};
	const wrong = [], unknown = [];
	for (let i = 0; i < 5; i++) {
		wrong.push(await attempt('admin'));
		unknown.push(await attempt(`nobody-${process.pid}-${i % 2}`));
	}
	for (const { res } of [...wrong, ...unknown])
		assertInvalidToken(res);
	assert.equal(unknown[0].res.text, wrong[0].res.text, 'identical bodies');
	assert.equal(unknown[1].res.text, wrong[0].res.text, 'identical bodies');

	// Timing must not tell whether the user exists: an unknown user costs a password hash
	// as well (or both wait for the same floor).
	const mw = median(wrong.map((a) => a.ms)), mu = median(unknown.map((a) => a.ms));
	const slack = Math.max(10, 0.5 * Math.max(mw, mu));
	assert.ok(Math.abs(mw - mu) <= slack,
		`median ${mw.toFixed(1)} ms for a wrong password, ${mu.toFixed(1)} ms for an unknown user`);
});

test('a token from a failed login is never issued: no access_token in the 401', async () => {
	const res = await request('POST', '/api/v1/auth/login', {
		body: { username: 'admin', password: '' },
	});
	assert.ok(res.status === 401 || res.status === 422, `status ${res.status}: ${res.text}`);
	assert.equal(res.json.access_token, undefined);
});
