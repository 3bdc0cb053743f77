// The stack keeps answering through a PostgreSQL restart and a worker killed with SIGKILL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import {
	request, adminToken, stack, workerPids, assertProblem, WORKERS,
} from './lib/index.mjs';

async function waitFor(what, timeoutMs, probe) {
	const deadline = Date.now() + timeoutMs;
	let last;
	while (Date.now() < deadline) {
		last = await probe();
		if (last.ok)
			return last;
		await sleep(100);
	}
	assert.fail(`${what}: not within ${timeoutMs} ms (last: ${JSON.stringify(last)})`);
}

test('PostgreSQL down: 503 with Retry-After, then 200 again, and no worker crashed', { timeout: 120000 }, async (t) => {
	const token = adminToken();
	const before = workerPids();
	assert.equal(before.length, WORKERS);
	let res = await request('GET', '/api/v1/users', { token });
	assert.equal(res.status, 200, res.text);

	stack('pg-stop');
	try {
		// Enough requests that every worker meets the dead connection.
		for (let i = 0; i < 2 * WORKERS + 2; i++) {
			res = await request('GET', '/api/v1/users', { token });
			assertProblem(res, 503);
			assert.match(res.headers['retry-after'] || '', /^\d+$/, 'Retry-After in seconds');
		}
		res = await request('GET', '/readyz');
		assert.equal(res.status, 503, res.text);
		assert.match(res.headers['retry-after'] || '', /^\d+$/, 'Retry-After on /readyz');
		// Liveness does not depend on the database.
		res = await request('GET', '/healthz');
		assert.equal(res.status, 200, res.text);
		// Nor does the token's own check: a bad token is refused as ever.
		assertProblem(await request('GET', '/api/v1/me', { token: `${token}x` }), 401);
		// But a local user's access follows the users table, which cannot be read now: 503,
		// never an answer from a worker's cache (the user may have been disabled just before).
		res = await request('GET', '/api/v1/me', { token });
		assertProblem(res, 503);
	} finally {
		stack('pg-start');
	}

	await waitFor('/readyz 200 after pg-start', 10000, async () => {
		const r = await request('GET', '/readyz');
		return { ok: r.status === 200, status: r.status };
	});
	// Every worker reconnects: a run of requests, all 200.
	for (let i = 0; i < 2 * WORKERS + 2; i++) {
		res = await request('GET', '/api/v1/users', { token });
		assert.equal(res.status, 200, `request ${i} after the restart: ${res.text}`);
	}
	assert.deepEqual(workerPids(), before, 'the same workers, none restarted');
});

test('a worker killed with SIGKILL is replaced within a second; requests keep answering', { timeout: 60000 }, async () => {
	const before = workerPids();
	assert.equal(before.length, WORKERS);
	const victim = before[0];

	// Requests run back to back while the worker dies and comes back.
	let stop = false;
	const statuses = [];
	const load = (async () => {
		while (!stop) {
			const r = await request('GET', '/healthz');
			statuses.push(r.status);
		}
	})();

	await sleep(200);
	process.kill(victim, 'SIGKILL');
	const killedAt = Date.now();
	const after = await waitFor('a replacement worker', 2000, async () => {
		const pids = workerPids();
		return { ok: pids.length === WORKERS && !pids.includes(victim), pids };
	});
	const replacedInMs = Date.now() - killedAt;
	await sleep(300);
	stop = true;
	await load;

	assert.ok(replacedInMs <= 1500, `replaced after ${replacedInMs} ms`);
	const fresh = after.pids.filter((p) => !before.includes(p));
	assert.equal(fresh.length, 1, `one new worker: before ${before}, after ${after.pids}`);
	assert.ok(statuses.length > 10, `only ${statuses.length} requests were made`);
	const bad = statuses.filter((s) => s !== 200);
	assert.deepEqual(bad, [], `non-200 answers among ${statuses.length}`);

	// The new worker serves too: enough requests to reach every worker.
	for (let i = 0; i < 4 * WORKERS; i++)
		assert.equal((await request('GET', '/healthz')).status, 200);
});
