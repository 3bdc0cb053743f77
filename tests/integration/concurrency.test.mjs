// Concurrency (issue 4): of many simultaneous transitions or saves on one section exactly one
// wins and the others change nothing; saves interrupted by a worker killed with SIGKILL leave
// every section either fully old or fully new.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { request, workerPids, WORKERS, LOGBOOK_VAR } from './lib/index.mjs';
import { psql, superuser } from './lib/psql.mjs';
import {
	TAG, user, author, reviewer, approver, auditor, publishTemplate, templateKey,
	createEntry, sectionOf, save, transition, step, driveTo, readingsBody, randomUUID,
	auditRows,
} from './lib/entries.mjs';

const KEY = templateKey('concurrency');
test.before(async () => {
	await publishTemplate(KEY);
});

async function history(id, section) {
	const res = await request('GET', `/api/v1/entries/${id}/sections/${section}/history`, { token: auditor });
	assert.equal(res.status, 200, res.text);
	return res.json.items;
}

function tally(responses) {
	const t = {};
	for (const r of responses)
		t[r.status] = (t[r.status] || 0) + 1;
	return t;
}

// Ten approvers at once, each a different user, all with the ETag they read.
const approvers = Array.from({ length: 10 }, (_, i) => user(`approver-${i}`, ['approver']));

test('10 parallel approvals with the same If-Match: exactly one 200, the others 409/412, one audit row', async () => {
	for (let round = 0; round < 3; round++) {
		const e = await createEntry(KEY);
		const s = await driveTo(e.id, 'readings', 'in_review');
		const responses = await Promise.all(approvers.map((token) =>
			transition(e.id, 'readings', 'approve', { token, ifMatch: s.etag })));
		const t = tally(responses);
		assert.equal(t[200], 1, `exactly one winner: ${JSON.stringify(t)}`);
		for (const r of responses)
			assert.ok([200, 409, 412].includes(r.status), `${r.status}: ${r.text}`);
		const winner = responses.find((r) => r.status === 200);
		const after = await sectionOf(e.id, 'readings');
		assert.equal(after.state, 'approved');
		assert.equal(after.etag, winner.json.etag);
		assert.equal(after.updated_by, winner.json.updated_by);
		const rows = await auditRows(`object_type=entry&object_id=${e.id}&action=approve`);
		assert.equal(rows.length, 1, 'one audit row for the approval');
		assert.equal(rows[0].actor, winner.json.updated_by);
		assert.equal((await history(e.id, 'readings')).filter((h) => h.action === 'approve').length, 1);
	}
});

test('10 parallel transitions with If-Match: * (only the state decides): one 200, the others 409', async () => {
	const e = await createEntry(KEY);
	await driveTo(e.id, 'readings', 'in_review');
	const responses = await Promise.all(approvers.map((token, i) =>
		transition(e.id, 'readings', i % 2 ? 'approve' : 'reject', { token, ifMatch: '*', comment: `verdict ${i}` })));
	const t = tally(responses);
	assert.deepEqual(t, { 200: 1, 409: 9 }, JSON.stringify(responses.map((r) => r.text)));
	const winner = responses.find((r) => r.status === 200).json;
	const after = await sectionOf(e.id, 'readings');
	assert.equal(after.state, winner.state);
	const rows = (await auditRows(`object_type=entry&object_id=${e.id}`))
		.filter((r) => r.action === 'approve' || r.action === 'reject');
	assert.equal(rows.length, 1);
	assert.equal(rows[0].action, winner.state === 'approved' ? 'approve' : 'reject');
});

test('parallel saves: with one If-Match exactly one wins; with If-Match: * all apply, one after another, never mixed', async () => {
	const e = await createEntry(KEY);
	let res = await save(e.id, 'readings', readingsBody(1), { ifMatch: '*' });
	assert.equal(res.status, 200, res.text);
	const etag = res.json.etag;

	const bodies = Array.from({ length: 12 }, (_, i) => readingsBody(100 + i, 1 + (i % 5)));
	let responses = await Promise.all(bodies.map((body) => save(e.id, 'readings', body, { ifMatch: etag })));
	let t = tally(responses);
	assert.equal(t[200], 1, JSON.stringify(t));
	assert.equal(t[412], bodies.length - 1, JSON.stringify(t));
	const winner = responses.find((r) => r.status === 200).json;
	let s = await sectionOf(e.id, 'readings');
	assert.deepEqual(s.data, winner.data);
	assert.deepEqual(s.tables, winner.tables);
	assert.equal((await history(e.id, 'readings')).length, 2, 'one save before, one now');

	responses = await Promise.all(bodies.map((body) => save(e.id, 'readings', body, { ifMatch: '*' })));
	assert.deepEqual(tally(responses), { 200: bodies.length });
	// Each save got its own ETag: they ran one after another.
	assert.equal(new Set(responses.map((r) => r.json.etag)).size, bodies.length);
	s = await sectionOf(e.id, 'readings');
	const n = s.data.n;
	const last = responses.find((r) => r.json.data.n === n);
	assert.equal(last.json.etag, s.etag, 'the section is the last save, whole');
	assert.deepEqual(s.tables, last.json.tables);
	assert.equal((await history(e.id, 'readings')).length, 2 + bodies.length);
});

test('SIGKILL of workers in the middle of saves: each section is fully old or fully new, and the service answers again', { timeout: 120000 }, async (t) => {
	const key = templateKey('kill');
	await publishTemplate(key);
	const entries = [];
	for (let i = 0; i < 4; i++) {
		const e = await createEntry(key);
		const res = await save(e.id, 'readings', readingsBody(i + 1, 2), { ifMatch: '*' });
		assert.equal(res.status, 200, res.text);
		entries.push(e.id);
	}
	// Payload n: rows = 1 + n % 7, so a section mixing two saves shows it in its row count too.
	const rowsFor = (n) => 1 + (n % 7);
	let next = 1000;
	const sent = new Map(entries.map((id) => [id, new Set()]));
	const outcomes = {};
	let stop = false;

	async function saver(id) {
		while (!stop) {
			const n = next++;
			sent.get(id).add(n);
			try {
				const r = await save(id, 'readings', readingsBody(n, rowsFor(n)), { ifMatch: '*' });
				outcomes[r.status] = (outcomes[r.status] || 0) + 1;
			} catch (err) {
				outcomes[err.code || 'error'] = (outcomes[err.code || 'error'] || 0) + 1;
			}
		}
	}
	const load = entries.flatMap((id) => [saver(id), saver(id), saver(id)]);

	// Each worker once, then one of their replacements: multiwatch gives up on a child that
	// dies three times within its timeout, and the files after this one need every worker.
	const first = workerPids();
	const victims = [];
	for (const pid of first) {
		await sleep(250);
		process.kill(pid, 'SIGKILL');
		victims.push(pid);
	}
	await sleep(250);
	const replacement = workerPids().find((pid) => !first.includes(pid));
	assert.ok(replacement, 'a replacement worker');
	process.kill(replacement, 'SIGKILL');
	victims.push(replacement);
	await sleep(250);
	stop = true;
	await Promise.all(load);
	t.diagnostic(`save outcomes while ${victims.length} workers were killed: ${JSON.stringify(outcomes)}`);
	assert.ok(outcomes[200] > 0, `some saves succeeded: ${JSON.stringify(outcomes)}`);
	for (const status of Object.keys(outcomes))
		assert.ok(['200', '502', '503', 'ECONNRESET', 'EPIPE', 'error'].includes(status),
			`only successes and dropped requests: ${JSON.stringify(outcomes)}`);

	// The service answers again, with every worker back.
	const deadline = Date.now() + 10000;
	for (;;) {
		const r = await request('GET', '/readyz');
		if (r.status === 200 && workerPids().length === WORKERS)
			break;
		assert.ok(Date.now() < deadline, 'the workers come back');
		await sleep(100);
	}

	for (const [i, id] of entries.entries()) {
		const s = await sectionOf(id, 'readings');
		const n = s.data.n;
		assert.ok(n === i + 1 || sent.get(id).has(n), `n ${n} is the old payload or one that was sent`);
		assert.deepEqual({ data: s.data, tables: s.tables },
			readBack(readingsBody(n, n === i + 1 ? 2 : rowsFor(n))), `section ${id} is exactly payload ${n}`);
		// The tables themselves, as the database holds them.
		const rows = psql(`SELECT s.n, count(r.*), count(*) FILTER (WHERE r.n = s.n), coalesce(max(r._row_no), 0)
			FROM "tpl_${key}"."readings" s LEFT JOIN "tpl_${key}"."readings__readings" r ON r._entry_id = s._entry_id
			WHERE s._entry_id = :'id' GROUP BY s.n`, { vars: { id } });
		const want = String(n === i + 1 ? 2 : rowsFor(n));
		assert.deepEqual(rows, [[String(n), want, want, want]], `the stored rows of ${id} all belong to payload ${n}`);
		// And the last history row is that payload too.
		const h = (await history(id, 'readings')).at(-1);
		assert.equal(h.data.n, n);
		assert.equal(h.tables.readings.length, Number(want));
		// A save goes through now.
		const res = await save(id, 'readings', readingsBody(1, 1), { ifMatch: s.etag });
		assert.equal(res.status, 200, res.text);
	}
	await step(entries[0], 'readings', 'submit', author);
	await step(entries[0], 'readings', 'start_review', reviewer);
	await step(entries[0], 'readings', 'approve', approver);
	// The audit chain is whole: no half-written row from a killed transaction.
	const verify = await request('GET', '/api/v1/audit/verify', { token: auditor });
	assert.equal(verify.status, 200, verify.text);
	assert.equal(verify.json.ok, true, verify.text);
});

test('parallel creation: one client id 5 times -> one 201 and 409s; one Idempotency-Key 5 times -> one entry, the same answer', async () => {
	const id = randomUUID();
	let responses = await Promise.all(Array.from({ length: 5 }, (_, i) =>
		request('POST', `/api/v1/templates/${KEY}/entries`, { token: author, body: { id, title: `attempt ${i}` } })));
	assert.deepEqual(tally(responses), { 201: 1, 409: 4 }, responses.map((r) => r.text).join('\n'));
	const winner = responses.find((r) => r.status === 201).json;
	assert.equal((await sectionOf(id, 'readings')).state, 'draft');
	let rows = await auditRows(`object_type=entry&object_id=${id}&action=create`);
	assert.equal(rows.length, 1);
	assert.equal(rows[0].after.title, winner.title);

	const creator = user('parallel-idem', ['author']);
	const key = `parallel-${TAG}-${randomUUID()}`;
	responses = await Promise.all(Array.from({ length: 5 }, () =>
		request('POST', `/api/v1/templates/${KEY}/entries`, {
			token: creator, body: { title: 'once' }, headers: { 'Idempotency-Key': key },
		})));
	assert.deepEqual(tally(responses), { 201: 5 }, responses.map((r) => r.text).join('\n'));
	assert.equal(new Set(responses.map((r) => r.text)).size, 1, 'every answer is the first one');
	assert.equal(responses.filter((r) => r.headers['idempotent-replayed'] === 'true').length, 4);
	const list = await request('GET', `/api/v1/entries?author=${TAG}-parallel-idem`, { token: auditor });
	assert.equal(list.status, 200, list.text);
	assert.equal(list.json.items.length, 1, 'one entry');
	rows = await auditRows(`object_type=entry&object_id=${responses[0].json.id}&action=create`);
	assert.equal(rows.length, 1, 'one audit row');
});

// Runs sql with psql as the superuser in the background; resolves when psql exits.
function psqlAsync(sql) {
	return new Promise((resolve, reject) => {
		const child = spawn('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', join(LOGBOOK_VAR, 'run'),
			'-U', superuser(), '-d', 'logbook'], { stdio: ['pipe', 'pipe', 'pipe'] });
		let err = '';
		child.stderr.on('data', (d) => { err += d; });
		child.on('error', reject);
		child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`psql: ${err}`))));
		child.stdin.end(sql);
	});
}

test('a deadlock with another session is retried inside the server: the save answers 200, done once', { timeout: 30000 }, async () => {
	const e = await createEntry(KEY);
	let res = await save(e.id, 'readings', readingsBody(1), { ifMatch: '*' });
	assert.equal(res.status, 200, res.text);
	// The other session locks the entry row, waits until the save holds the section row and
	// waits for the entry row, then asks for the section row: a cycle. The save waited first,
	// so its deadlock check fires first and it is the one aborted (40P01).
	const other = psqlAsync(`BEGIN;
UPDATE entries SET title = title WHERE id = '${e.id}';
SELECT pg_sleep(0.6);
UPDATE entry_sections SET updated_at = updated_at WHERE entry_id = '${e.id}' AND section = 'readings';
ROLLBACK;`);
	// Until it holds the entry row (it sleeps then): a fixed wait loses the race on a busy host.
	for (let i = 0; i < 200; i++) {
		if (psql(`SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(0.6);'`)[0][0] !== '0')
			break;
		await sleep(10);
	}
	const rid = `${TAG}-deadlock-${randomUUID()}`;
	res = await save(e.id, 'readings', readingsBody(2, 2), { ifMatch: res.json.etag, headers: { 'X-Request-Id': rid } });
	await other;
	assert.equal(res.status, 200, res.text);
	assert.equal(res.headers['x-request-id'], rid);
	const s = await sectionOf(e.id, 'readings');
	assert.equal(s.data.n, 2);
	assert.equal(s.tables.readings.length, 2);
	assert.equal((await history(e.id, 'readings')).length, 2, 'saved once');
	const rows = (await auditRows(`object_type=entry&object_id=${e.id}&action=save`));
	assert.equal(rows.length, 2);
	assert.equal(rows[1].request_id, rid);
	const log = readFileSync(join(LOGBOOK_VAR, 'log', 'workers.log'), 'utf8');
	assert.match(log, new RegExp(`req=${rid}: 40P01, attempt 1 of \\d`), 'the worker retried after the deadlock');
});

// readingsBody(n) as GET reads it back (decimals as strings, absent optional fields null).
function readBack(body) {
	const d = body.data;
	return {
		data: {
			n: d.n, temperature: String(d.temperature), count: d.count, note: d.note, ok: null, day: null,
			at: null, logged: null, shift: null, checks: null,
		},
		tables: { readings: body.tables.readings.map((r) => ({ n: r.n, label: r.label, value: String(r.value) })) },
	};
}
