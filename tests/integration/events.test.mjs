// GET /api/v1/events (issue 5): audit rows as events in seq order, filtered by what the caller
// may read; long-polls that wake on NOTIFY; a bound on waiters that keeps the API answering;
// and no event lost when a worker dies (the client resumes from next_cursor).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import {
	request, tokenFor, assertProblem, workerPids, readConfig, WORKERS,
} from './lib/index.mjs';
import { psql, auditHead } from './lib/psql.mjs';

const TAG = `t5e${process.pid}`;
const auditor = tokenFor({ sub: `${TAG}-auditor`, roles: ['auditor'] });
const author = tokenFor({ sub: `${TAG}-author`, roles: ['author'] });
const admin = tokenFor({ sub: `${TAG}-admin`, roles: ['admin'] });
let users = 0;

// Creates a user (one audit row of type user); resolves to the response.
function createUser(timeoutMs = 15000) {
	return request('POST', '/api/v1/users', {
		token: admin, timeoutMs,
		body: { username: `${TAG}u${++users}`, password: 'correct horse battery', roles: [] },
	});
}

// An audit row about an entry (a type every signed-in user may read), written as the owner.
// An audit row the way every writer makes one: pending, then chained in order.
function entryEvent(id) {
	psql(`INSERT INTO audit_pending (actor, action, object_type, object_id)
VALUES ('${TAG}', 'save', 'entry', '${id}')`, { user: 'logbook_owner' });
}

function events(query, token, timeoutMs = 15000) {
	return request('GET', `/api/v1/events?${query}`, { token, timeoutMs });
}

test('events come in seq order; others than auditors see only entries, templates and follow-ups', async () => {
	const after = auditHead();
	for (let i = 0; i < 3; i++)
		assert.equal((await createUser()).status, 201);
	entryEvent(`${TAG}-entry-1`);

	let res = await events(`after=${after}`, auditor);
	assert.equal(res.status, 200, res.text);
	assert.deepEqual(res.json.items.map((x) => x.seq), [after + 1, after + 2, after + 3, after + 4]);
	assert.deepEqual(res.json.items.map((x) => x.object_type), ['user', 'user', 'user', 'entry']);
	assert.equal(res.json.next_cursor, String(after + 4));
	for (const k of ['seq', 'at', 'actor', 'action', 'object_type', 'object_id', 'section',
		'request_id', 'client_ip', 'before', 'after', 'prev_hash', 'hash'])
		assert.ok(k in res.json.items[0], `an event has ${k}`);

	// Pages: next_cursor is the last seq returned.
	res = await events(`after=${after}&limit=3`, auditor);
	assert.deepEqual(res.json.items.map((x) => x.seq), [after + 1, after + 2, after + 3]);
	res = await events(`after=${res.json.next_cursor}&limit=3`, auditor);
	assert.deepEqual(res.json.items.map((x) => x.seq), [after + 4]);

	res = await events(`after=${after}`, author);
	assert.equal(res.status, 200, res.text);
	assert.deepEqual(res.json.items.map((x) => [x.seq, x.object_id]), [[after + 4, `${TAG}-entry-1`]]);
	assert.equal(res.json.next_cursor, String(after + 4));
	// Nothing new: next_cursor stays where it was.
	res = await events(`after=${after + 4}`, author);
	assert.deepEqual(res.json, { items: [], next_cursor: String(after + 4) });

	for (const q of ['after=-1', 'after=abc', 'after=1e3', 'wait=31', 'wait=-1', 'wait=x', 'limit=0', 'limit=501'])
		assertProblem(await events(q, auditor), 400);
	assertProblem(await request('GET', '/api/v1/events?after=0'), 401);
});

test('a long-poll answers as soon as an event commits', { timeout: 60000 }, async () => {
	const after = auditHead();
	const t0 = Date.now();
	const poll = events(`after=${after}&wait=20`, auditor, 30000);
	await sleep(500);
	assert.equal((await createUser()).status, 201);
	const res = await poll;
	const ms = Date.now() - t0;
	assert.equal(res.status, 200, res.text);
	assert.equal(res.headers['x-events-wait'], 'done');
	assert.deepEqual(res.json.items.map((x) => x.seq), [after + 1]);
	assert.equal(res.json.items[0].object_type, 'user');
	assert.ok(ms >= 400 && ms < 5000, `answered after ${ms} ms`);
});

test('a long-poll with nothing the caller may read waits its time, then answers empty', { timeout: 60000 }, async () => {
	const after = auditHead();
	const t0 = Date.now();
	const poll = events(`after=${after}&wait=2`, author, 30000);
	await sleep(300);
	assert.equal((await createUser()).status, 201); // an event the author may not see
	const res = await poll;
	const ms = Date.now() - t0;
	assert.equal(res.status, 200, res.text);
	assert.deepEqual(res.json, { items: [], next_cursor: String(after) });
	assert.ok(ms >= 1900 && ms < 6000, `answered after ${ms} ms`);
});

test('waiters at the bound still leave the API answering; more long-polls answer at once', { timeout: 60000 }, async () => {
	const bound = Number(readConfig().events_max_waiters ?? 1);
	assert.ok(bound >= 1 && bound < WORKERS,
		`the test needs 1 <= events_max_waiters (${bound}) < workers (${WORKERS})`);
	const after = auditHead();
	const t0 = Date.now();
	// Authors see no user events, so these wait their whole time whatever else happens.
	const holders = [];
	for (let i = 0; i < bound; i++)
		holders.push(events(`after=${after}&wait=6`, author, 30000));
	await sleep(700);

	for (let i = 0; i < 3; i++) {
		const t = Date.now();
		const res = await events(`after=${after}&wait=6`, author);
		assert.equal(res.status, 200, res.text);
		assert.equal(res.headers['x-events-wait'], 'busy');
		assert.deepEqual(res.json.items, []);
		assert.ok(Date.now() - t < 2000, `an extra long-poll took ${Date.now() - t} ms`);
	}
	for (const path of ['/api/v1/me', '/api/v1/users']) {
		const t = Date.now();
		const res = await request('GET', path, { token: admin });
		assert.equal(res.status, 200, res.text);
		assert.ok(Date.now() - t < 2000, `${path} took ${Date.now() - t} ms`);
	}
	assert.equal((await createUser()).status, 201, 'writes go through as well');

	for (const res of await Promise.all(holders)) {
		assert.equal(res.status, 200, res.text);
		assert.equal(res.headers['x-events-wait'], 'done');
		assert.deepEqual(res.json.items, []);
	}
	assert.ok(Date.now() - t0 >= 5500, 'the holders waited their time');
});

async function waitFor(what, ms, probe) {
	const deadline = Date.now() + ms;
	while (Date.now() < deadline) {
		const v = await probe();
		if (v)
			return v;
		await sleep(100);
	}
	assert.fail(`${what}: not within ${ms} ms`);
}

test('no event is lost when a worker dies: the client resumes from next_cursor', { timeout: 120000 }, async () => {
	const start = auditHead();
	let cursor = String(start), stop = false, failures = 0;
	const seen = [];
	const consumer = (async () => {
		while (!stop) {
			try {
				const res = await events(`after=${cursor}&wait=2&limit=500`, auditor, 10000);
				if (res.status !== 200) {
					failures++;
					await sleep(100);
					continue;
				}
				seen.push(...res.json.items.map((x) => x.seq));
				cursor = res.json.next_cursor;
			} catch {
				failures++;
				await sleep(100);
			}
		}
	})();

	const before = workerPids();
	const victim = before[0];
	for (let i = 0; i < 20; i++) {
		if (i === 10)
			process.kill(victim, 'SIGKILL');
		// A request the dying worker had taken fails; the trail holds what committed.
		await createUser().catch(() => null);
		await sleep(50);
	}
	await waitFor('a replacement worker', 5000, () => {
		const pids = workerPids();
		return pids.length === WORKERS && !pids.includes(victim);
	});
	const end = auditHead();
	await waitFor('the consumer to catch up', 20000, () => Number(cursor) >= end);
	stop = true;
	await consumer;

	const expected = psql(`SELECT seq FROM audit_log WHERE seq > ${start} AND seq <= ${end} ORDER BY seq`)
		.map((r) => Number(r[0]));
	assert.ok(expected.length >= 10, `${expected.length} events were written`);
	assert.deepEqual(seen.filter((s) => s <= end), expected, `failures along the way: ${failures}`);

	// The dead worker's waiter slot was released with its database session.
	await waitFor('a long-poll slot again', 10000, async () => {
		const res = await events(`after=${auditHead()}&wait=1`, author);
		return res.status === 200 && res.headers['x-events-wait'] === 'done';
	});
});
