// Health endpoints, request ids, the http -> https redirect, and the TLS certificate.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request, requestUrl, HTTP_PORT, HTTPS_PORT, BASE_URL } from './lib/index.mjs';

test('GET /healthz answers 200 {"status":"ok"} without credentials', async () => {
	const res = await request('GET', '/healthz');
	assert.equal(res.status, 200);
	assert.match(res.headers['content-type'], /^application\/json\b/);
	assert.deepEqual(res.json, { status: 'ok' });
});

test('GET /readyz answers 200 once the schema is migrated', async () => {
	const res = await request('GET', '/readyz');
	assert.equal(res.status, 200, res.text);
});

test('the certificate Nginx serves verifies against var/keys/tls.crt for 127.0.0.1', async () => {
	// request() trusts only that certificate; a mismatch would reject with a TLS error.
	const res = await request('GET', '/healthz');
	assert.equal(res.status, 200);
});

test('X-Request-Id is echoed when the client sends one', async () => {
	const id = `it-${process.pid}-${Date.now()}`;
	const res = await request('GET', '/healthz', { headers: { 'X-Request-Id': id } });
	assert.equal(res.headers['x-request-id'], id);
});

test('X-Request-Id is generated, and differs per request, when the client sends none', async () => {
	const a = await request('GET', '/healthz');
	const b = await request('GET', '/healthz');
	assert.ok(a.headers['x-request-id'], 'first response has an id');
	assert.ok(b.headers['x-request-id'], 'second response has an id');
	assert.notEqual(a.headers['x-request-id'], b.headers['x-request-id']);
});

test('X-Request-Id is echoed on error responses too', async () => {
	const res = await request('GET', '/api/v1/me', { headers: { 'X-Request-Id': 'err-echo-1' } });
	assert.equal(res.status, 401);
	assert.equal(res.headers['x-request-id'], 'err-echo-1');
});

test('plain http redirects to the same path on https', async () => {
	const res = await requestUrl('GET', `http://127.0.0.1:${HTTP_PORT}/healthz?probe=1`);
	assert.equal(res.status, 301);
	assert.equal(res.headers.location, `https://127.0.0.1:${HTTPS_PORT}/healthz?probe=1`);
	assert.equal(res.headers.location, `${BASE_URL}/healthz?probe=1`);
});
