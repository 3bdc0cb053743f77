// The HTTP layer's own answers: unknown paths, wrong methods, bodies too large, not JSON,
// malformed JSON. All are problem+json.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request, tokenFor, assertProblem, readConfig } from './lib/index.mjs';

const LOGIN = '/api/v1/auth/login';

test('404 for an unknown path', async () => {
	assertProblem(await request('GET', '/api/v1/no-such-thing', { token: tokenFor() }), 404);
});

test('404 for an unknown path outside /api/v1', async () => {
	assertProblem(await request('GET', '/no-such-thing', { token: tokenFor() }), 404);
});

test('405 with Allow for a known path and a wrong method', async () => {
	const res = await request('DELETE', '/api/v1/me', { token: tokenFor() });
	assertProblem(res, 405);
	const allow = (res.headers.allow || '').split(',').map((m) => m.trim());
	assert.ok(allow.includes('GET'), `Allow: ${res.headers.allow}`);
	assert.ok(!allow.includes('DELETE'), `Allow: ${res.headers.allow}`);
});

test('405 with Allow: POST for GET on the login endpoint', async () => {
	const res = await request('GET', LOGIN);
	assertProblem(res, 405);
	assert.match(res.headers.allow || '', /\bPOST\b/);
});

function maxBody() {
	return Number(readConfig().max_body_bytes ?? 1048576);
}

// A body of `size` bytes that is valid JSON for the login endpoint (padded with spaces).
function loginBodyOfSize(size) {
	const json = JSON.stringify({ username: 'nobody', password: 'x' });
	return json + ' '.repeat(size - json.length);
}

test('413 from the worker for a JSON body one byte over max_body_bytes', async () => {
	const res = await request('POST', LOGIN, {
		headers: { 'Content-Type': 'application/json' }, body: loginBodyOfSize(maxBody() + 1),
	});
	assertProblem(res, 413);
});

test('413 from Nginx for a body far over the limit, still problem+json', async () => {
	const res = await request('POST', LOGIN, {
		headers: { 'Content-Type': 'application/json' }, body: Buffer.alloc(3 * maxBody(), 0x20),
	});
	assertProblem(res, 413);
});

test('a body of exactly max_body_bytes is read (not 413)', async () => {
	const res = await request('POST', LOGIN, {
		headers: { 'Content-Type': 'application/json' }, body: loginBodyOfSize(maxBody()),
	});
	assert.equal(res.status, 401, res.text);
});

test('415 for a login body sent as text/plain', async () => {
	const res = await request('POST', LOGIN, {
		headers: { 'Content-Type': 'text/plain' }, body: '{"username":"admin","password":"x"}',
	});
	assertProblem(res, 415);
});

test('415 for a login body without Content-Type', async () => {
	const res = await request('POST', LOGIN, { body: Buffer.from('{"username":"admin","password":"x"}') });
	assertProblem(res, 415);
});

test('application/json; charset=utf-8 is JSON', async () => {
	const res = await request('POST', LOGIN, {
		headers: { 'Content-Type': 'application/json; charset=utf-8' },
		body: '{"username":"nobody","password":"x"}',
	});
	assert.equal(res.status, 401, res.text);
});

const malformed = [
	['truncated object', '{"username":'],
	['trailing garbage', '{"username":"a","password":"b"} x'],
	['two documents', '{"username":"a","password":"b"}{}'],
	['single quotes', "{'username':'a'}"],
	['invalid UTF-8', Buffer.from([0x7b, 0x22, 0x75, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d])],
	['empty body', ''],
	['nesting far too deep', '['.repeat(100000) + ']'.repeat(100000)],
];

for (const [name, body] of malformed) {
	test(`400 for malformed JSON: ${name}`, async () => {
		const res = await request('POST', LOGIN, {
			headers: { 'Content-Type': 'application/json' }, body,
		});
		assertProblem(res, 400);
	});
}

test('422 for well-formed JSON of the wrong shape', async () => {
	const res = await request('POST', LOGIN, { body: { username: 42 } });
	assertProblem(res, 422);
});
