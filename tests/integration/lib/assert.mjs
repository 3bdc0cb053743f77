// Assertions shared by the tests: the API's error shape and headers.
import assert from 'node:assert/strict';

// res is an RFC 9457 problem with this status, sent as application/problem+json, with a
// request id (every response carries one).
export function assertProblem(res, status) {
	assert.equal(res.status, status, `expected ${status}, got ${res.status}: ${res.text}`);
	assert.match(res.headers['content-type'] || '', /^application\/problem\+json\b/,
		`content-type of a ${status}`);
	assert.ok(res.json, `a ${status} body is JSON: ${res.text}`);
	assert.equal(res.json.status, status, 'problem.status equals the HTTP status');
	assert.equal(typeof res.json.title, 'string', 'problem.title');
	assert.equal(typeof res.json.type, 'string', 'problem.type');
	assert.ok(res.headers['x-request-id'], 'X-Request-Id on an error');
}

// res is the 401 the API gives for every rejected credential.
export function assertInvalidToken(res) {
	assertProblem(res, 401);
	assert.match(res.headers['www-authenticate'] || '', /^Bearer\b.*\berror="invalid_token"/,
		'WWW-Authenticate');
}
