// Issue 10, low items: what Nginx answers by itself is problem+json, even for a broken request
// line; the http -> https redirect goes to the configured name, not the client's Host; a PUT is
// never re-sent to another worker; and the stack's PostgreSQL is closed to other local users.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import { spawnSync } from 'node:child_process';
import { statSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { HTTPS_PORT, HTTP_PORT, LOGBOOK_VAR, workerPids, WORKERS } from './lib/index.mjs';
import { psql, psqlError, psqlSession, superuser } from './lib/psql.mjs';
import {
	TAG, publishTemplate, templateKey, createEntry, save, readingsBody, auditRows,
} from './lib/entries.mjs';

// Sends raw bytes (TLS unless plain) and resolves to {status, headers, body} of the answer.
function raw(bytes, { plain = false, port = plain ? HTTP_PORT : HTTPS_PORT } = {}) {
	return new Promise((resolve, reject) => {
		const chunks = [];
		const socket = plain
			? net.connect({ host: '127.0.0.1', port })
			: tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] });
		socket.once(plain ? 'connect' : 'secureConnect', () => socket.write(bytes));
		socket.on('data', (d) => chunks.push(d));
		socket.on('error', reject);
		socket.setTimeout(10000, () => socket.destroy(new Error('no answer in 10 s')));
		socket.on('close', () => {
			const text = Buffer.concat(chunks).toString('latin1');
			const [head, ...rest] = text.split('\r\n\r\n');
			const lines = head.split('\r\n');
			const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] || '');
			const headers = {};
			for (const l of lines.slice(1)) {
				const i = l.indexOf(':');
				if (i > 0)
					headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim();
			}
			resolve({ status: m ? Number(m[1]) : 0, headers, body: rest.join('\r\n'), text });
		});
	});
}

function assertNginxProblem(res, status, what) {
	assert.equal(res.status, status, `${what}: ${res.text.slice(0, 300)}`);
	assert.equal(res.headers['content-type'], 'application/problem+json', `${what}: ${res.text.slice(0, 300)}`);
	const body = JSON.parse(res.body);
	assert.equal(body.status, status, what);
	assert.equal(typeof body.title, 'string');
}

test('every error Nginx makes itself is problem+json, broken request lines included', async () => {
	const cases = [
		['GET /api/v1/me%00 HTTP/1.1', 400],
		['GET /app/../../etc/passwd HTTP/1.1', 400],
		['GET /../x HTTP/1.1', 400],
		['GET /%2e%2e/%2e%2e/etc/passwd HTTP/1.1', 400],
	];
	for (const [line, status] of cases)
		assertNginxProblem(await raw(`${line}\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`), status, line);
	assertNginxProblem(await raw('GARBAGE\r\n\r\n'), 400, 'no method, no target');
	assertNginxProblem(await raw('GET / HTTP/1.1\r\nConnection: close\r\n\r\n'), 400, 'HTTP/1.1 without Host');
	assertNginxProblem(await raw(`GET /api/v1/me HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'a'.repeat(20000)}\r\nConnection: close\r\n\r\n`),
		400, 'a header over the buffers (494)');
	assertNginxProblem(await raw(`GET /${'a'.repeat(20000)} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`),
		414, 'a target over the buffers');
	assertNginxProblem(await raw('POST /api/v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: gzip\r\nConnection: close\r\n\r\n'),
		501, 'an unknown transfer coding');
	// Plain http sent to the https port (497).
	assertNginxProblem(await raw('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n',
		{ plain: true, port: HTTPS_PORT }), 400, 'http on the https port');
	// And on the plain http port.
	assertNginxProblem(await raw('GET /api/v1/me%00 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n',
		{ plain: true }), 400, 'broken target on the http port');
});

test('the http -> https redirect names this server, whatever Host the client sent', async () => {
	for (const host of ['evil.example', 'evil.example:443', '127.0.0.1:1', `127.0.0.1:${HTTP_PORT}`]) {
		const res = await raw(`GET /api/v1/me?x=1 HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`, { plain: true });
		assert.equal(res.status, 301, res.text);
		assert.equal(res.headers.location, `https://127.0.0.1:${HTTPS_PORT}/api/v1/me?x=1`, host);
	}
	const res = await raw('GET /healthz HTTP/1.0\r\n\r\n', { plain: true });
	assert.equal(res.headers.location, `https://127.0.0.1:${HTTPS_PORT}/healthz`);
});

test('a PUT whose worker dies is not re-sent to another worker (only GET and HEAD are)', { timeout: 60000 }, async () => {
	const key = templateKey('noretry');
	await publishTemplate(key);
	const id = (await createEntry(key)).id;
	const rid = `${TAG}-put-once`;
	// Hold the section's row: the save's first statement waits for it, inside the worker.
	const lock = psqlSession();
	lock.send(`BEGIN;\nSELECT 'locked' FROM entry_sections WHERE entry_id = '${id}' AND section = 'readings' FOR UPDATE;`);
	await lock.waitFor('locked');
	const put = save(id, 'readings', readingsBody(3), { ifMatch: '*', headers: { 'X-Request-Id': rid } });
	// Until it waits on the lock.
	for (let i = 0; i < 100; i++) {
		const [[n]] = psql(`SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'
			AND application_name = 'logbook-fcgi'`);
		if (Number(n) > 0)
			break;
		await sleep(50);
	}
	const before = workerPids();
	for (const pid of before)
		process.kill(pid, 'SIGKILL');
	// A retry would now reach a fresh worker and wait on the same lock; give it the time.
	await sleep(1500);
	lock.send('COMMIT;');
	const done = await lock.end();
	assert.equal(done.status, 0, done.stderr);
	const res = await put;
	assert.equal(res.status, 503, `the client hears that it failed: ${res.text}`);
	assert.equal(res.headers['content-type'], 'application/problem+json');
	// The dead worker's batch may still commit (it was all sent); a second run must not exist.
	await sleep(1000);
	const saves = (await auditRows(`object_type=entry&object_id=${id}`)).filter((x) => x.request_id === rid);
	assert.ok(saves.length <= 1, `the PUT ran ${saves.length} times`);
	for (let i = 0; i < 50 && workerPids().length < WORKERS; i++)
		await sleep(100);
});

test('the stack\'s PostgreSQL: a 0700 socket, peer authentication, no trust, no other local user', { skip: process.getuid() !== 0 && 'needs root to try another OS user' }, () => {
	const run = join(LOGBOOK_VAR, 'run');
	assert.equal(statSync(run).mode & 0o777, 0o700, 'run/ (the sockets) is the service user\'s alone');
	assert.equal(statSync(join(run, '.s.PGSQL.5432')).mode & 0o777, 0o700);
	assert.equal(statSync(LOGBOOK_VAR).mode & 0o777, 0o700);
	const rules = psql('SELECT DISTINCT type, auth_method FROM pg_hba_file_rules ORDER BY 1, 2');
	assert.deepEqual(rules, [['local', 'peer']], readFileSync(join(LOGBOOK_VAR, 'pg', 'logbook-hba.conf'), 'utf8'));
	// Another local user: cannot even reach the socket, for any role.
	for (const role of [superuser(), 'logbook_owner', 'logbook_app']) {
		const r = spawnSync('runuser', ['-u', 'nobody', '--', 'psql', '-X', '-h', run, '-U', role, '-d', 'logbook',
			'-c', 'SELECT 1'], { encoding: 'utf8', cwd: '/', timeout: 20000 });
		assert.notEqual(r.status, 0, `nobody connected as ${role}`);
		assert.match(r.stderr, /Permission denied|authentication failed/, r.stderr);
	}
	// A role no OS user is mapped to: refused even for root.
	const role = `${TAG}_unmapped`;
	psql(`CREATE ROLE ${role} LOGIN; GRANT CONNECT ON DATABASE logbook TO ${role}`);
	try {
		assert.match(psqlError('SELECT 1', { user: role }), /Peer authentication failed/);
	} finally {
		psql(`REVOKE CONNECT ON DATABASE logbook FROM ${role}; DROP ROLE ${role}`);
	}
});
