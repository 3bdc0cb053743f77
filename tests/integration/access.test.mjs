// Access follows the users table at once (API.md, Authentication), token lifetimes are capped,
// identities are canonical, and logins are throttled. Also: sanitised user agents, a server-made
// request id beside the client's, events without who-was-where for non-auditors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
	request, adminToken, tokenFor, claims, now, b64url, jwtSecret, assertProblem,
	assertInvalidToken, BASE_URL, LOGBOOK_VAR, tlsCertificate, WORKERS,
} from './lib/index.mjs';
import { TAG, auditRows, auditor, author, publishTemplate, templateKey } from './lib/entries.mjs';

const admin = adminToken();
const PASSWORD = 'correct horse battery staple';
const WINDOW = Number(process.env.LOGBOOK_LOGIN_THROTTLE_WINDOW || 900);
let serial = 0;

function username(what) {
	return `${TAG}-${what}-${serial++}`.toLowerCase();
}

async function createUser(name, roles) {
	const res = await request('POST', '/api/v1/users', {
		token: admin, body: { username: name, password: PASSWORD, name: `User ${name}`, roles },
	});
	assert.equal(res.status, 201, res.text);
	return res;
}

async function patchUser(name, body) {
	const cur = await request('GET', `/api/v1/users/${name}`, { token: admin });
	assert.equal(cur.status, 200, cur.text);
	const res = await request('PATCH', `/api/v1/users/${name}`, {
		token: admin, body, headers: { 'If-Match': cur.headers.etag },
	});
	assert.equal(res.status, 200, res.text);
	return res;
}

async function login(name, password = PASSWORD, options = {}) {
	return request('POST', '/api/v1/auth/login', { body: { username: name, password }, ...options });
}

async function tokenOf(name) {
	const res = await login(name);
	assert.equal(res.status, 200, res.text);
	return res.json.access_token;
}

// The pids of the workers that answered these request ids (their access lines).
function workerPids(ids) {
	const log = readFileSync(join(LOGBOOK_VAR, 'log', 'workers.log'), 'utf8');
	const pids = new Set();
	for (const line of log.split('\n')) {
		const m = / access pid=(\d+) req=(\S+)/.exec(line);
		if (m && ids.has(m[2]))
			pids.add(m[1]);
	}
	return pids;
}

// n requests at once, each with its own request id; resolves to [responses, ids].
async function burst(n, method, path, token, what) {
	const ids = new Set();
	const all = [];
	for (let i = 0; i < n; i++) {
		const id = `${TAG}-${what}-${i}-${serial++}`;
		ids.add(id);
		all.push(request(method, path, { token, headers: { 'X-Request-Id': id } }));
	}
	return [await Promise.all(all), ids];
}

test('a disabled user\'s token gets 401 from the very next request, on every worker', async () => {
	const name = username('disable');
	await createUser(name, ['author']);
	const token = await tokenOf(name);
	// Every worker has seen (and cached) the user.
	const [warm, warmIds] = await burst(24, 'GET', '/api/v1/me', token, 'warm');
	for (const res of warm)
		assert.equal(res.status, 200, res.text);
	assert.equal(workerPids(warmIds).size, WORKERS, 'the warm-up reached every worker');

	await patchUser(name, { disabled: true });
	const [after, afterIds] = await burst(24, 'GET', '/api/v1/me', token, 'after');
	for (const res of after)
		assertInvalidToken(res);
	assert.equal(workerPids(afterIds).size, WORKERS, 'every worker refused');
	// A write as well, and nothing was written.
	const res = await request('POST', '/api/v1/users', {
		token, body: { username: username('never'), password: PASSWORD },
	});
	assertInvalidToken(res);

	// Enabled again: the same token works again (the table decides, both ways).
	await patchUser(name, { disabled: false });
	const [again] = await burst(8, 'GET', '/api/v1/me', token, 'again');
	for (const r of again)
		assert.equal(r.status, 200, r.text);
});

test('roles in effect are the table\'s: a removed role stops at once, whatever the token says', async () => {
	const name = username('roles');
	await createUser(name, ['auditor']);
	// The token claims admin as well; the table does not.
	const token = tokenFor({ sub: name, roles: ['admin', 'auditor'], iat: now() + 1 });
	const [warm] = await burst(8, 'GET', '/api/v1/audit?limit=1', token, 'roles-warm');
	for (const res of warm)
		assert.equal(res.status, 200, res.text);
	assertProblem(await request('GET', '/api/v1/users', { token }), 403);
	const me = await request('GET', '/api/v1/me', { token });
	assert.deepEqual(me.json.roles, ['auditor']);
	assert.equal(me.json.name, `User ${name}`);

	await patchUser(name, { roles: ['author'] });
	const [after] = await burst(8, 'GET', '/api/v1/audit?limit=1', token, 'roles-after');
	for (const res of after)
		assertProblem(res, 403);
	const me2 = await request('GET', '/api/v1/me', { token });
	assert.deepEqual(me2.json.roles, ['author']);

	// Given back: works at once too (a refusal is never taken from a worker's cache alone).
	await patchUser(name, { roles: ['auditor'] });
	const [back] = await burst(8, 'GET', '/api/v1/audit?limit=1', token, 'roles-back');
	for (const res of back)
		assert.equal(res.status, 200, res.text);
});

test('a password change refuses the tokens issued before it; a new login works at once', async () => {
	const name = username('password');
	await createUser(name, ['author']);
	const old = await tokenOf(name);
	const [warm] = await burst(8, 'GET', '/api/v1/me', old, 'pw-warm');
	for (const res of warm)
		assert.equal(res.status, 200, res.text);
	await patchUser(name, { password: 'another long password' });
	const [after] = await burst(8, 'GET', '/api/v1/me', old, 'pw-after');
	for (const res of after)
		assertInvalidToken(res);
	// Logged in again within the same second: the new token is good.
	assertInvalidToken(await login(name)); // the old password no longer logs in
	const res = await login(name, 'another long password');
	assert.equal(res.status, 200, res.text);
	const [ok] = await burst(8, 'GET', '/api/v1/me', res.json.access_token, 'pw-new');
	for (const r of ok)
		assert.equal(r.status, 200, r.text);
	// A token for a local user without iat cannot be dated: refused.
	assertInvalidToken(await request('GET', '/api/v1/me', { token: tokenFor({ sub: name, iat: undefined }) }));
});

test('an outside identity provider\'s sub keeps its claims\' roles', async () => {
	const token = tokenFor({ sub: `${TAG}-idp-${serial++}`, roles: ['auditor'] });
	const res = await request('GET', '/api/v1/audit?limit=1', { token });
	assert.equal(res.status, 200, res.text);
	const me = await request('GET', '/api/v1/me', { token });
	assert.deepEqual(me.json.roles, ['auditor']);
});

// A token from raw payload text (for numbers JavaScript cannot hold).
function rawToken(payload) {
	const input = `${b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${b64url(payload)}`;
	return `${input}.${createHmac('sha256', jwtSecret()).update(input).digest('base64url')}`;
}

test('token lifetimes are capped by jwt_max_ttl (86400 s by default)', async () => {
	const c = claims({ sub: `${TAG}-ttl` });
	const t = now();
	const base = JSON.stringify({ ...c, exp: undefined, iat: undefined }).slice(0, -1);
	assertInvalidToken(await request('GET', '/api/v1/me', { token: rawToken(`${base},"exp":9223372036854775807}`) }));
	assertInvalidToken(await request('GET', '/api/v1/me', { token: tokenFor({ sub: c.sub, iat: t, exp: t + 86401 }) }));
	assertInvalidToken(await request('GET', '/api/v1/me', { token: tokenFor({ sub: c.sub, iat: undefined, exp: t + 86500 }) }));
	// An old iat does not hide a long life.
	assertInvalidToken(await request('GET', '/api/v1/me', { token: tokenFor({ sub: c.sub, iat: t - 90000, exp: t + 60 }) }));
	const ok = await request('GET', '/api/v1/me', { token: tokenFor({ sub: c.sub, iat: t, exp: t + 86400 }) });
	assert.equal(ok.status, 200, ok.text);
});

test('subs must be canonical: no invisible characters, NFC/NFKC, lower case unless a local user', async () => {
	const refused = [
		'ali\u200bce', '\ufeffalice', 'ali\u202ece', 'alice\u0007', // invisible, controls
		`${TAG}-Alice`, // upper case, not a local user: a variant of someone, refused not folded
		`${TAG}-jose\u0301`, // decomposed é: not NFC
		`${TAG}-\u00c9`, // É: upper case
		`${TAG}-\uff41`, // fullwidth a: not NFKC
	];
	for (const sub of refused) {
		const res = await request('GET', '/api/v1/me', { token: tokenFor({ sub }) });
		assertInvalidToken(res);
	}
	// Not UTF-8 at all.
	const bad = Buffer.concat([Buffer.from(`{"sub":"${TAG}-a`), Buffer.from([0xff]), Buffer.from(`","exp":${now() + 60}}`)]);
	const input = `${b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${b64url(bad)}`;
	const badToken = `${input}.${createHmac('sha256', jwtSecret()).update(input).digest('base64url')}`;
	assertInvalidToken(await request('GET', '/api/v1/me', { token: badToken }));

	for (const sub of [`${TAG}-jos\u00e9`, `${TAG}-auth0|abc`]) {
		const res = await request('GET', '/api/v1/me', { token: tokenFor({ sub }) });
		assert.equal(res.status, 200, `${sub}: ${res.text}`);
		assert.equal(res.json.sub, sub);
	}
	// Local usernames: lower case from a small alphabet.
	for (const u of [`${TAG}-Bob`, `${TAG}-bob@example.org`, `${TAG}-b\u00f6b`, `.${TAG}`]) {
		const res = await request('POST', '/api/v1/users', { token: admin, body: { username: u, password: PASSWORD } });
		assertProblem(res, 422);
		assert.equal(res.json.errors[0].path, 'username');
	}
});

// Requests from another loopback address, so that address throttling stays apart.
let agents = new Map();
function from(address) {
	if (!agents.has(address))
		agents.set(address, new https.Agent({ ca: tlsCertificate(), localAddress: address, keepAlive: false }));
	const agent = agents.get(address);
	return (username, password, headers = {}) => new Promise((resolve, reject) => {
		const payload = Buffer.from(JSON.stringify({ username, password }));
		const req = https.request(new URL('/api/v1/auth/login', BASE_URL), {
			method: 'POST', agent,
			headers: { 'Content-Type': 'application/json', 'Content-Length': payload.length, ...headers },
		}, (res) => {
			const chunks = [];
			res.on('data', (c) => chunks.push(c));
			res.on('end', () => {
				const text = Buffer.concat(chunks).toString('utf8');
				let json;
				try { json = JSON.parse(text); } catch { json = undefined; }
				resolve({ status: res.statusCode, headers: res.headers, text, json });
			});
		});
		req.on('error', reject);
		req.end(payload);
	});
}

function sameBody(a, b) {
	const strip = (res) => ({ ...res.json, request_id: undefined });
	assert.deepEqual(strip(a), strip(b));
}

test('5 failed logins for a username: 429 with Retry-After, even with the right password, known or not', async () => {
	const post = from('127.0.0.11');
	const name = username('throttle');
	const ghost = username('ghost'); // no such user
	await createUser(name, ['author']);
	for (const u of [name, ghost])
		for (let i = 0; i < 5; i++)
			assertInvalidToken(await post(u, 'wrong password'));
	const refused = [];
	for (let i = 0; i < 3; i++) {
		refused.push(await post(name, PASSWORD));
		refused.push(await post(ghost, PASSWORD));
	}
	for (const res of refused) {
		assertProblem(res, 429);
		const after = Number(res.headers['retry-after']);
		assert.ok(Number.isInteger(after) && after >= 1 && after <= WINDOW, `Retry-After ${res.headers['retry-after']}`);
		assert.equal(res.json.access_token, undefined);
	}
	sameBody(refused[0], refused[1]);
	// Another case of the same name shares the counter.
	assertProblem(await post(name.toUpperCase(), PASSWORD), 429);

	// Audited: five failures each, and one login_throttled per burst however many were refused.
	for (const u of [name, ghost]) {
		const rows = await auditRows(`object_type=session&object_id=${encodeURIComponent(u)}`);
		const count = (a) => rows.filter((r) => r.action === a).length;
		assert.equal(count('login_failed'), 5, `${u}: ${JSON.stringify(rows.map((r) => r.action))}`);
		assert.equal(count('login_throttled'), 1);
		assert.equal(count('login'), 0);
	}
});

test('30 parallel wrong logins for one username: at most 5 are looked at', async () => {
	const post = from('127.0.0.12');
	const name = username('parallel');
	await createUser(name, ['author']);
	const all = await Promise.all(Array.from({ length: 30 }, () => post(name, 'wrong password')));
	const statuses = all.map((r) => r.status);
	assert.equal(statuses.filter((s) => s === 401).length, 5, statuses.join(','));
	assert.equal(statuses.filter((s) => s === 429).length, 25, statuses.join(','));
	const rows = await auditRows(`object_type=session&object_id=${name}`);
	assert.equal(rows.filter((r) => r.action === 'login_failed').length, 5);
	assert.equal(rows.filter((r) => r.action === 'login_throttled').length, 1);
});

test('20 failed logins from one address within a minute throttle that address', async () => {
	const post = from('127.0.0.13');
	const name = username('addr');
	await createUser(name, ['author']);
	for (let i = 0; i < 20; i++)
		assertInvalidToken(await post(username('addr-guess'), 'wrong password'));
	const res = await post(name, PASSWORD);
	assertProblem(res, 429);
	assert.ok(Number(res.headers['retry-after']) >= 1);
	// Another address is not affected.
	assert.equal((await from('127.0.0.14')(name, PASSWORD)).status, 200);
});

test('a right password before the limit forgets the username\'s failures; the window ends', async (t) => {
	const post = from('127.0.0.15');
	const name = username('window');
	await createUser(name, ['author']);
	for (let i = 0; i < 4; i++)
		assertInvalidToken(await post(name, 'wrong password'));
	assert.equal((await post(name, PASSWORD)).status, 200);
	for (let i = 0; i < 5; i++)
		assertInvalidToken(await post(name, 'wrong password'));
	const refused = await post(name, PASSWORD);
	assertProblem(refused, 429);
	if (WINDOW > 60) {
		t.skip(`login_throttle_window is ${WINDOW} s: too long to wait for its end here`);
		return;
	}
	await new Promise((r) => setTimeout(r, (Number(refused.headers['retry-after']) + 1) * 1000));
	const res = await post(name, PASSWORD);
	assert.equal(res.status, 200, res.text);
});

test('a user agent that is not UTF-8 is stored sanitised; the write and its audit row go through', async () => {
	const post = from('127.0.0.16');
	const name = username('agent');
	await createUser(name, ['author']);
	const agent = 'Bad\u00ff\u00feAgent\tX'; // sent as latin1 bytes: ff fe are not UTF-8
	const rid = `${TAG}-ua-${serial++}`;
	const res = await post(name, PASSWORD, { 'User-Agent': agent, 'X-Request-Id': rid });
	assert.equal(res.status, 200, res.text);
	const failed = `${TAG}-ua-failed-${serial++}`;
	assertInvalidToken(await post(name, 'wrong', { 'User-Agent': agent, 'X-Request-Id': failed }));
	const created = await request('POST', '/api/v1/users', {
		token: admin, headers: { 'User-Agent': 'x'.repeat(1000) + '\u00ff' },
		body: { username: username('agent-made'), password: PASSWORD },
	});
	assert.equal(created.status, 201, created.text);
	const rows = await auditRows(`request_id=${rid}`);
	assert.equal(rows.length, 1);
	assert.equal(rows[0].user_agent, 'Bad\ufffd\ufffdAgent?X');
	const failedRows = await auditRows(`request_id=${failed}`);
	assert.deepEqual(failedRows.map((r) => r.action), ['login_failed']);
	const long = await auditRows(`request_id=${created.headers['x-request-id']}`);
	assert.equal(long[0].user_agent, 'x'.repeat(256));
});

test('a reused X-Request-Id: each audit row also has the server\'s own id, shown in the access log', async () => {
	const rid = `${TAG}-shared-id`;
	const mine = await request('POST', '/api/v1/users', {
		token: admin, headers: { 'X-Request-Id': rid }, body: { username: username('rid-a'), password: PASSWORD },
	});
	assert.equal(mine.status, 201, mine.text);
	const other = tokenFor({ sub: `${TAG}-other-admin`, roles: ['admin'] });
	const theirs = await request('POST', '/api/v1/users', {
		token: other, headers: { 'X-Request-Id': rid }, body: { username: username('rid-b'), password: PASSWORD },
	});
	assert.equal(theirs.status, 201, theirs.text);
	const rows = await auditRows(`request_id=${rid}`);
	assert.equal(rows.length, 2);
	const sids = rows.map((r) => r.server_request_id);
	assert.match(sids[0], /^[0-9a-f]{32}$/);
	assert.notEqual(sids[0], sids[1]);
	const log = readFileSync(join(LOGBOOK_VAR, 'log', 'workers.log'), 'utf8');
	for (const sid of sids)
		assert.match(log, new RegExp(` req=${rid} sid=${sid} method=POST `));
});

test('events shown to non-auditors leave out client_ip, user_agent and roles', async () => {
	await publishTemplate(templateKey('access'));
	const res = await request('GET', '/api/v1/events?after=0&limit=50', { token: author });
	assert.equal(res.status, 200, res.text);
	assert.ok(res.json.items.length > 0, 'some public events exist');
	for (const item of res.json.items) {
		for (const k of ['client_ip', 'user_agent', 'roles'])
			assert.ok(!(k in item), `${k} in ${JSON.stringify(item)}`);
		assert.ok('actor' in item && 'hash' in item);
	}
	const full = await request('GET', '/api/v1/events?after=0&limit=50', { token: auditor });
	assert.equal(full.status, 200, full.text);
	for (const item of full.json.items)
		for (const k of ['client_ip', 'user_agent', 'roles'])
			assert.ok(k in item, `${k} missing for an auditor`);
});
