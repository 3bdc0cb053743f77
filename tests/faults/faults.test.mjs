// Fault injection under a mixed write load (issue 16): workers killed with SIGKILL, PostgreSQL
// stopped with -m immediate and started again, connection slots exhausted by another client,
// and a tablespace holding the template's tables filled to the last byte. After the faults:
// every write answered 2xx is in the database with its audit row, no section has a partial
// set of table rows, the chain verifies, and the service answered every request during the
// outages with 2xx or 503 + Retry-After, never another status, recovering by itself.
//
// Run by `make faults` (tests/integration/run.sh with 4 workers); writes var/faults-report.md.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { statSync, writeFileSync, mkdirSync, rmSync, openSync, closeSync, ftruncateSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
	request, stack, workerPids, WORKERS, LOGBOOK_VAR, REPO_ROOT,
} from '../integration/lib/index.mjs';
import {
	author, reviewer, approver, auditor, publishTemplate, templateKey, randomUUID,
} from '../integration/lib/entries.mjs';
import { psql, logbookctl } from '../integration/lib/psql.mjs';

const LOOPS = Number(process.env.FAULT_LOOPS || 8);
const SAVES_PER_ENTRY = 3;
const ROWS = 3;

// A valid save of the `readings` section (lib/entries.mjs's definition) that names itself
// by n, in the section and in each of its ROWS rows.
function payload(n) {
	return {
		data: { n, temperature: `${n % 100}.5`, count: n % 1000, note: `payload ${n}` },
		tables: {
			readings: Array.from({ length: ROWS }, (_, i) => ({ n, label: `row ${i} of ${n}`, value: `${i}.5` })),
		},
	};
}

const statuses = new Map(); // "METHOD status" -> count
const unexpected = []; // answers that are neither 2xx nor 503 + Retry-After
const phases = [];
let stopping = false;

function count(method, res, expected = []) {
	const key = `${method} ${res.status}`;
	statuses.set(key, (statuses.get(key) || 0) + 1);
	const ok = res.status >= 200 && res.status < 300;
	if (expected.includes(res.status))
		return false;
	const outage = res.status === 503 && /^\d+$/.test(res.headers['retry-after'] || '');
	if (!ok && !outage)
		unexpected.push(`${method} ${res.status} ${res.text.slice(0, 200)}`);
	return ok;
}

// One request; a network error (none expected: Nginx stays up) counts as unexpected.
async function send(method, path, options, expected) {
	try {
		const res = await request(method, path, { timeoutMs: 30000, ...options });
		return { res, ok: count(method, res, expected) };
	} catch (err) {
		unexpected.push(`${method} ${path}: ${err.message}`);
		return { res: null, ok: false };
	}
}

// Reads the entry until it answers (an outage answers 503 meanwhile).
async function readEntry(id) {
	for (;;) {
		const { res, ok } = await send('GET', `/api/v1/entries/${id}`, { token: author }, [404]);
		if (ok)
			return res.json;
		if (res && res.status === 404)
			return null;
		await sleep(100);
	}
}

/*
 * One writer: entries one after another, each created, saved SAVES_PER_ENTRY times and taken
 * through submit, start_review and approve by three different users. Every attempt is
 * recorded with whether it was acknowledged; after an unacknowledged one the loop reads the
 * entry to learn what actually happened (the change may have committed before the answer was
 * lost) and carries on from there.
 */
async function writer(key, loop, log) {
	let n = loop * 10000000;
	while (!stopping) {
		const id = randomUUID();
		const entry = { id, created: false, createAttempted: true, saves: [], transitions: [] };
		log.push(entry);
		const c = await send('POST', `/api/v1/templates/${key}/entries`, { token: author, body: { id } });
		entry.created = c.ok;
		if (!c.ok && (await readEntry(id)) === null)
			continue; // not created: a new id
		for (let i = 0; i < SAVES_PER_ENTRY && !stopping; i++) {
			n++;
			const s = await send('PUT', `/api/v1/entries/${id}/sections/readings`, {
				token: author, body: payload(n), headers: { 'If-Match': '*' },
			});
			entry.saves.push({ n, acked: s.ok });
		}
		// A submit checks the section's content (issue 10): when no save is known to have
		// landed and none did, the section is empty and a submit would rightly be a 422.
		if (!stopping && !entry.saves.some((s) => s.acked)) {
			const e = await readEntry(id);
			if (e === null || e.sections.readings.data.temperature === null)
				continue;
		}
		for (const [action, token] of [['submit', author], ['start_review', reviewer], ['approve', approver]]) {
			if (stopping)
				break;
			const t = await send('POST', `/api/v1/entries/${id}/sections/readings/transitions`, {
				token, body: { action }, headers: { 'If-Match': '*' },
			});
			entry.transitions.push({ action, acked: t.ok });
			if (!t.ok) {
				const e = await readEntry(id);
				const state = e.sections.readings.state;
				const reached = { submit: 'submitted', start_review: 'in_review', approve: 'approved' }[action];
				if (state !== reached)
					break; // not applied: this entry stops here
				entry.transitions[entry.transitions.length - 1].applied = true;
			}
		}
	}
}

async function waitReady(what, ms = 30000) {
	const t0 = Date.now();
	for (;;) {
		const res = await request('GET', '/readyz').catch(() => null);
		if (res && res.status === 200 && workerPids().length === WORKERS)
			return Date.now() - t0;
		if (Date.now() - t0 > ms)
			assert.fail(`${what}: not ready again within ${ms} ms`);
		await sleep(100);
	}
}

async function phase(name, fn) {
	const before = new Map(statuses);
	const t0 = Date.now();
	const detail = await fn();
	const recoverMs = await waitReady(name);
	const delta = {};
	for (const [k, v] of statuses)
		if (v - (before.get(k) || 0) > 0)
			delta[k] = v - (before.get(k) || 0);
	phases.push({ name, ms: Date.now() - t0, recoverMs, detail, answers: delta });
}

function sh(cmd, args) {
	return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function killRandomWorker() {
	const pids = workerPids();
	const pid = pids[Math.floor(Math.random() * pids.length)];
	process.kill(pid, 'SIGKILL');
	return pid;
}

// Opens sessions as logbook_owner (not a superuser) until PostgreSQL refuses more; each sleeps
// `seconds`. Connected sessions are counted in pg_stat_activity (the superuser keeps its
// reserved slots), so a slow refusal is never mistaken for a session.
async function exhaustConnections(seconds) {
	const children = [];
	const host = process.env.PGHOST || join(LOGBOOK_VAR, 'run');
	const sleeping = () => Number(psql(`SELECT count(*) FROM pg_stat_activity
		WHERE usename = 'logbook_owner' AND query LIKE 'SELECT pg_sleep%'`)[0][0]);
	let refusal = '';
	for (let i = 0; i < 200 && refusal === ''; i++) {
		const child = spawn('psql', ['-X', '-q', '-h', host, '-U', 'logbook_owner', '-d', 'logbook',
			'-c', `SELECT pg_sleep(${seconds})`], { stdio: ['ignore', 'ignore', 'pipe'] });
		let err = '';
		let exited = false;
		child.stderr.on('data', (d) => { err += d; });
		child.on('exit', () => { exited = true; });
		children.push(child);
		const deadline = Date.now() + 5000;
		while (!exited && sleeping() < children.length && Date.now() < deadline)
			await sleep(20);
		if (exited) {
			await sleep(50);
			refusal = err || 'exited';
		}
	}
	assert.match(refusal, /too many clients|remaining connection slots/, `psql: ${refusal}`);
	return { sessions: sleeping(), children };
}

function generatedTables(key) {
	return psql(`SELECT format('%I.%I', schemaname, tablename) FROM pg_tables
		WHERE schemaname = 'tpl_' || :'key'`, { vars: { key } }).map((r) => r[0]);
}

test('faults under a mixed write load lose nothing that was acknowledged', { timeout: 600000 }, async (t) => {
	const key = templateKey('faults');
	await publishTemplate(key);
	assert.equal(workerPids().length, WORKERS);

	const logs = Array.from({ length: LOOPS }, () => []);
	const load = Promise.all(logs.map((log, i) => writer(key, i + 1, log)));
	try {
		await faults(key);
	} finally {
		stopping = true;
		await load;
	}
	await checkEverything(t, key, logs);
});

async function faults(key) {

	await phase('baseline (no fault)', async () => { await sleep(3000); });

	await phase('SIGKILL of a random worker every second, 6 times', async () => {
		const killed = [];
		for (let i = 0; i < 6; i++) {
			killed.push(killRandomWorker());
			await sleep(1000);
		}
		return `killed ${killed.join(', ')}`;
	});

	await phase('PostgreSQL stopped with -m immediate, started 2 s later', async () => {
		stack('pg-crash');
		await sleep(2000);
		stack('pg-start');
		await sleep(2000);
	});

	await phase('connection slots exhausted by another client; the workers\' sessions cut meanwhile', async () => {
		const { sessions, children } = await exhaustConnections(120);
		// The workers keep their persistent sessions through that. Cut them (as an operator's
		// pg_terminate_backend would) while a grabber takes every slot that frees up: the
		// workers must answer 503 while they cannot reconnect, then recover by themselves.
		const host = process.env.PGHOST || join(LOGBOOK_VAR, 'run');
		const grabber = spawn('bash', ['-c', `end=$((SECONDS + 4)); while [ $SECONDS -lt $end ]; do
			psql -X -q -h '${host}' -U logbook_owner -d logbook -c 'SELECT pg_sleep(120)' 2>/dev/null &
			sleep 0.01; done; wait`], { stdio: 'ignore', detached: true });
		await sleep(200);
		const cut = psql(`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
			WHERE usename = 'logbook_app'`)[0][0];
		await sleep(4000);
		try {
			process.kill(-grabber.pid, 'SIGTERM');
		} catch { /* already gone */ }
		for (const c of children)
			c.kill('SIGTERM');
		await sleep(300);
		psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'logbook_owner' AND query LIKE 'SELECT pg_sleep%'");
		return `${sessions} sessions held every free slot; ${cut} worker sessions cut`;
	});

	await phase('tablespace of the template tables full (tmpfs, 16 MB)', async () => {
		if (process.getuid() !== 0)
			return 'skipped: mounting a tmpfs needs root';
		const dir = join(LOGBOOK_VAR, 'faults-tablespace');
		mkdirSync(dir, { recursive: true });
		try {
			sh('mount', ['-t', 'tmpfs', '-o', 'size=16m,mode=0755', 'tmpfs', dir]);
		} catch (err) {
			return `skipped: cannot mount a tmpfs here (${err.stderr || err.message})`.trim();
		}
		const datadir = psql('SHOW data_directory')[0][0];
		const { uid, gid } = statSync(datadir);
		const tsdir = join(dir, 'ts');
		mkdirSync(tsdir, { mode: 0o700 });
		sh('chown', [`${uid}:${gid}`, tsdir]);
		const tables = generatedTables(key);
		try {
			psql(`CREATE TABLESPACE faults_small LOCATION '${tsdir}'`);
			for (const tbl of tables)
				psql(`ALTER TABLE ${tbl} SET TABLESPACE faults_small`);
			// Leave a few pages free, then let the load run into the wall.
			const filler = join(dir, 'filler');
			const { bsize, bavail } = sh('stat', ['-f', '-c', '%S %a', dir]).trim().split(' ')
				.reduce((o, v, i) => ({ ...o, [i ? 'bavail' : 'bsize']: Number(v) }), {});
			const fd = openSync(filler, 'w');
			try {
				ftruncateSync(fd, 0);
				const size = bsize * bavail; // every byte: the next page PostgreSQL adds fails
				// tmpfs allocates on write: write the filler, do not just size it.
				const chunk = Buffer.alloc(1 << 20);
				let written = 0;
				while (written + chunk.length <= size) {
					writeFileSync(fd, chunk);
					written += chunk.length;
				}
				if (size - written > 0)
					writeFileSync(fd, Buffer.alloc(size - written));
			} catch (err) {
				if (err.code !== 'ENOSPC')
					throw err;
			} finally {
				closeSync(fd);
			}
			const full = new Map(statuses);
			await sleep(4000);
			const full503 = [...statuses].reduce((s, [k, v]) => s + (k.endsWith(' 503') ? v - (full.get(k) || 0) : 0), 0);
			rmSync(filler);
			await sleep(2000);
			return `tables moved: ${tables.length}; 503 answers while full: ${full503}`;
		} finally {
			for (const tbl of tables)
				psql(`ALTER TABLE ${tbl} SET TABLESPACE pg_default`);
			psql('DROP TABLESPACE IF EXISTS faults_small');
			sh('umount', [dir]);
		}
	});

	await phase('after the faults (no fault)', async () => { await sleep(3000); });
}

async function checkEverything(t, key, logs) {
	// --- What was acknowledged is there --------------------------------------------------
	const entries = logs.flat();
	const problems = [];
	psql('SELECT audit_seal(true)');
	const auditCounts = new Map(psql(`SELECT object_id || ' ' || action, count(*) FROM audit_log
		WHERE object_type = 'entry' GROUP BY 1`).map(([k, v]) => [k, Number(v)]));
	let ackedWrites = 0, attempts = 0;
	for (const e of entries) {
		attempts += 1 + e.saves.length + e.transitions.length;
		ackedWrites += (e.created ? 1 : 0) + e.saves.filter((s) => s.acked).length +
			e.transitions.filter((x) => x.acked).length;
		const stored = await readEntry(e.id);
		if (stored === null) {
			if (e.created)
				problems.push(`${e.id}: created (201) but not found`);
			continue;
		}
		if (e.created && !(auditCounts.get(`${e.id} create`) >= 1))
			problems.push(`${e.id}: created without a create audit row`);
		const sec = stored.sections.readings;
		const lastAcked = e.saves.map((s) => s.acked).lastIndexOf(true);
		if (lastAcked >= 0) {
			const allowed = e.saves.slice(lastAcked).map((s) => s.n);
			const n = sec.data.n;
			if (!allowed.includes(n))
				problems.push(`${e.id}: holds payload ${n}, acknowledged ${e.saves[lastAcked].n} (allowed ${allowed})`);
		}
		const rows = (sec.tables && sec.tables.readings) || [];
		if (sec.data && sec.data.n !== null && sec.data.n !== undefined) {
			if (rows.length !== ROWS || rows.some((r) => r.n !== sec.data.n))
				problems.push(`${e.id}: partial table rows: ${rows.length} rows, payloads ${rows.map((r) => r.n)} for ${sec.data.n}`);
		}
		const ackedSaves = e.saves.filter((s) => s.acked).length;
		const saveRows = auditCounts.get(`${e.id} save`) || 0;
		if (saveRows < ackedSaves || saveRows > e.saves.length)
			problems.push(`${e.id}: ${saveRows} save audit rows for ${ackedSaves} acknowledged of ${e.saves.length} attempted`);
		for (const x of e.transitions)
			if ((x.acked || x.applied) && !(auditCounts.get(`${e.id} ${x.action}`) >= 1))
				problems.push(`${e.id}: ${x.action} ${x.acked ? 'acknowledged' : 'applied'} without its audit row`);
		const done = e.transitions.filter((x) => x.acked || x.applied).map((x) => x.action);
		const expect = { 0: 'draft', 1: 'submitted', 2: 'in_review', 3: 'approved' }[done.length];
		if (sec.state !== expect)
			problems.push(`${e.id}: state ${sec.state}, the transitions applied say ${expect}`);
	}

	const verify = await request('GET', '/api/v1/audit/verify?full=true', { token: auditor });
	assert.equal(verify.status, 200, verify.text);
	const ctl = logbookctl('audit', 'verify');

	const report = [
		'# Fault injection report', '',
		`${new Date().toISOString()}; ${WORKERS} workers, ${LOOPS} writers; ${entries.length} entries,`,
		`${attempts} write attempts, ${ackedWrites} acknowledged (2xx).`, '',
		'| phase | duration ms | back to ready ms | answers | detail |', '|---|---:|---:|---|---|',
		...phases.map((p) => `| ${p.name} | ${p.ms} | ${p.recoverMs} | ${Object.entries(p.answers).map(([k, v]) => `${k}: ${v}`).join(', ')} | ${p.detail || ''} |`),
		'',
		`Audit chain: ${JSON.stringify(verify.json)}; logbookctl audit verify: exit ${ctl.status}.`,
		`Unexpected answers: ${unexpected.length}. Lost or half-written acknowledged records: ${problems.length}.`,
		...unexpected.slice(0, 20).map((u) => `- unexpected: ${u}`),
		...problems.slice(0, 20).map((p) => `- problem: ${p}`),
		'',
	].join('\n');
	mkdirSync(join(REPO_ROOT, 'var'), { recursive: true });
	writeFileSync(join(REPO_ROOT, 'var', 'faults-report.md'), report);
	t.diagnostic(report);

	assert.deepEqual(unexpected, [], 'every answer was 2xx or 503 with Retry-After');
	assert.deepEqual(problems, [], 'every acknowledged write is there, whole, with its audit row');
	assert.equal(verify.json.ok, true, 'the chain verifies');
	assert.equal(ctl.status, 0, `logbookctl audit verify: ${ctl.stdout} ${ctl.stderr}`);
	assert.ok(ackedWrites > 100, `a real load: ${ackedWrites} acknowledged writes`);
}
