// Soak (issue 16): a mixed load of reads, saves, lists, creates and event long-polls at
// SOAK_CONNECTIONS connections, plus SOAK_STREAMS open event streams, for DURATION seconds.
// Sampled every SOAK_SAMPLE seconds: req/s and p50/p99 per operation, answers by status,
// worker RSS and open file descriptors, and the private memory of the workers' PostgreSQL
// backends. Passes with zero 5xx and flat memory and descriptor counts; writes
// var/soak-report.md and, when gnuplot is there, var/soak-latency.png.
//
// Run by `make soak DURATION=…` (tests/integration/run.sh, 4 workers).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BASE_URL, REPO_ROOT, WORKERS, tlsCertificate, workerPids } from '../integration/lib/index.mjs';
import { author, auditor, publishTemplate, templateKey, randomUUID } from '../integration/lib/entries.mjs';
import { psql } from '../integration/lib/psql.mjs';

const DURATION = Number(process.env.DURATION || 60);
const CONNECTIONS = Number(process.env.SOAK_CONNECTIONS || 64);
const STREAMS = Number(process.env.SOAK_STREAMS || 16);
const SAMPLE = Number(process.env.SOAK_SAMPLE || Math.max(2, Math.round(DURATION / 20)));
const ENTRIES = 200;
const OPS = ['read', 'save', 'list', 'create', 'events'];
const WEIGHTS = { read: 50, save: 20, list: 15, create: 10, events: 5 };

const agent = new https.Agent({ ca: tlsCertificate(), keepAlive: true, maxSockets: CONNECTIONS + STREAMS + 4 });

function call(method, path, { token = author, body, headers = {} } = {}) {
	const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
	const h = { Authorization: `Bearer ${token}`, ...headers };
	if (payload) {
		h['Content-Type'] = 'application/json';
		h['Content-Length'] = String(payload.length);
	}
	return new Promise((resolve) => {
		const req = https.request(BASE_URL + path, { method, headers: h, agent, timeout: 30000 }, (res) => {
			const chunks = [];
			res.on('data', (c) => chunks.push(c));
			res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString() }));
			res.on('error', (e) => resolve({ status: 0, text: e.message }));
		});
		req.on('timeout', () => req.destroy(new Error('timeout')));
		req.on('error', (e) => resolve({ status: 0, text: e.message }));
		req.end(payload);
	});
}

function payload(n) {
	return {
		data: { n, temperature: `${n % 100}.5`, count: n % 1000, note: `soak ${n}` },
		tables: { readings: [{ n, label: 'a', value: '1.5' }, { n, label: 'b', value: '2.5' }] },
	};
}

class Window {
	constructor() {
		this.lat = Object.fromEntries(OPS.map((o) => [o, []]));
		this.status = new Map();
	}
	add(op, ms, status) {
		this.lat[op].push(ms);
		const k = `${op} ${status}`;
		this.status.set(k, (this.status.get(k) || 0) + 1);
	}
}

function pct(sorted, p) {
	if (sorted.length === 0)
		return null;
	return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function procStatus(pid, field) {
	try {
		const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${field}:\\s+(\\d+)`, 'm'));
		return m ? Number(m[1]) : 0;
	} catch {
		return 0;
	}
}

function fdCount(pid) {
	try {
		return readdirSync(`/proc/${pid}/fd`).length;
	} catch {
		return 0;
	}
}

function backendPids() {
	return psql(`SELECT pid FROM pg_stat_activity WHERE usename = 'logbook_app'`).map((r) => Number(r[0]));
}

function pick() {
	let r = Math.random() * 100;
	for (const op of OPS) {
		r -= WEIGHTS[op];
		if (r < 0)
			return op;
	}
	return 'read';
}

// One open event stream; counts the events it receives. Resolves when stopped.
function openStream(stats, stop) {
	return new Promise((resolve) => {
		const req = https.request(`${BASE_URL}/api/v1/events/stream`, {
			headers: { Authorization: `Bearer ${auditor}`, Accept: 'text/event-stream' }, agent,
		}, (res) => {
			stats.streamStatus.set(res.statusCode, (stats.streamStatus.get(res.statusCode) || 0) + 1);
			res.on('data', (c) => { stats.streamEvents += (c.toString().match(/^id:/gm) || []).length; });
			res.on('end', resolve);
			res.on('error', resolve);
			stop.then(() => req.destroy());
		});
		req.on('error', resolve);
		req.end();
	});
}

test(`soak: ${DURATION} s at ${CONNECTIONS} connections and ${STREAMS} streams`, { timeout: (DURATION + 300) * 1000 }, async (t) => {
	const key = templateKey('soak');
	await publishTemplate(key);
	const ids = [];
	for (let i = 0; i < ENTRIES; i++) {
		const res = await call('POST', `/api/v1/templates/${key}/entries`, { body: { id: randomUUID(), title: `soak ${i}` } });
		assert.equal(res.status, 201, res.text);
		ids.push(JSON.parse(res.text).id);
	}
	for (const id of ids)
		await call('PUT', `/api/v1/entries/${id}/sections/readings`, { body: payload(1), headers: { 'If-Match': '*' } });
	let after = psql('SELECT coalesce(max(seq), 0) FROM audit_log')[0][0];

	let stopping = false;
	let releaseStreams;
	const stopStreams = new Promise((r) => { releaseStreams = r; });
	const stats = { streamEvents: 0, streamStatus: new Map() };
	const streams = Array.from({ length: STREAMS }, () => openStream(stats, stopStreams));
	let win = new Window();
	const all = new Window();
	let n = 1;
	const loops = Array.from({ length: CONNECTIONS }, async () => {
		while (!stopping) {
			const op = pick();
			const id = ids[Math.floor(Math.random() * ids.length)];
			const t0 = performance.now();
			let res;
			if (op === 'read')
				res = await call('GET', `/api/v1/entries/${id}`);
			else if (op === 'save')
				res = await call('PUT', `/api/v1/entries/${id}/sections/readings`, { body: payload(++n), headers: { 'If-Match': '*' } });
			else if (op === 'list')
				res = await call('GET', `/api/v1/entries?template=${key}&limit=50`);
			else if (op === 'create')
				res = await call('POST', `/api/v1/templates/${key}/entries`, { body: {} });
			else
				res = await call('GET', `/api/v1/events?after=${after}&wait=0&limit=50`, { token: auditor });
			const ms = performance.now() - t0;
			win.add(op, ms, res.status);
			all.add(op, ms, res.status);
		}
	});

	const samples = [];
	const started = Date.now();
	while (Date.now() - started < DURATION * 1000) {
		await sleep(SAMPLE * 1000);
		const w = win;
		win = new Window();
		const pids = workerPids();
		const backends = backendPids();
		const s = {
			t: Math.round((Date.now() - started) / 1000),
			rss_kb: pids.reduce((a, p) => a + procStatus(p, 'VmRSS'), 0),
			fds: pids.reduce((a, p) => a + fdCount(p), 0),
			workers: pids.length,
			pg_anon_kb: backends.reduce((a, p) => a + procStatus(p, 'RssAnon'), 0),
			backends: backends.length,
		};
		for (const op of OPS) {
			const sorted = w.lat[op].sort((a, b) => a - b);
			s[`${op}_rps`] = Math.round(sorted.length / SAMPLE);
			s[`${op}_p50`] = pct(sorted, 50);
			s[`${op}_p99`] = pct(sorted, 99);
		}
		s.status = Object.fromEntries(w.status);
		samples.push(s);
		after = psql('SELECT coalesce(max(seq), 0) FROM audit_log')[0][0];
	}
	stopping = true;
	await Promise.all(loops);
	releaseStreams();
	await Promise.all(streams);

	// --- Report -----------------------------------------------------------------------------
	const fivexx = [...all.status].filter(([k]) => /\s5\d\d$/.test(k));
	const others = [...all.status].filter(([k]) => !/\s2\d\d$/.test(k));
	const total = [...all.status.values()].reduce((a, b) => a + b, 0);
	const warm = samples[Math.min(1, samples.length - 1)];
	const last = samples[samples.length - 1];
	const mb = (kb) => (kb / 1024).toFixed(1);
	const dir = join(REPO_ROOT, 'var');
	mkdirSync(dir, { recursive: true });
	const dat = join(dir, 'soak-latency.dat');
	writeFileSync(dat, samples.map((s) => [s.t, ...OPS.flatMap((o) => [s[`${o}_p50`] ?? 'NaN', s[`${o}_p99`] ?? 'NaN']), s.rss_kb / 1024].join(' ')).join('\n') + '\n');
	let plot = 'gnuplot not installed: no plot';
	try {
		const cols = OPS.map((o, i) => `'${dat}' using 1:${3 + 2 * i} with lines title '${o} p99'`).join(', ');
		execFileSync('gnuplot', ['-e', `set terminal pngcairo size 900,500; set output '${join(dir, 'soak-latency.png')}';
			set xlabel 'seconds'; set ylabel 'ms (p99)'; set key outside; set grid; plot ${cols}`], { stdio: 'pipe' });
		plot = '![p99 latency over time](soak-latency.png)';
	} catch (err) {
		if (err.code !== 'ENOENT')
			plot = `gnuplot failed: ${err.stderr || err.message}`;
	}
	const report = [
		'# Soak report', '',
		`${new Date().toISOString()}: ${DURATION} s, ${CONNECTIONS} connections (${OPS.map((o) => `${o} ${WEIGHTS[o]}%`).join(', ')}),`,
		`${STREAMS} event streams (answers: ${JSON.stringify(Object.fromEntries(stats.streamStatus))}, ${stats.streamEvents} events received), ${WORKERS} workers.`,
		`${total} requests, ${Math.round(total / DURATION)} req/s; not 2xx: ${JSON.stringify(Object.fromEntries(others))}.`, '',
		`Worker RSS (all ${WORKERS}): ${mb(warm.rss_kb)} MB after warm-up, ${mb(last.rss_kb)} MB at the end; file descriptors ${warm.fds} → ${last.fds};`,
		`PostgreSQL backends' private memory: ${mb(warm.pg_anon_kb)} MB → ${mb(last.pg_anon_kb)} MB (${last.backends} backends).`, '',
		'| t s | ' + OPS.map((o) => `${o} req/s, p50/p99 ms`).join(' | ') + ' | worker RSS MB | fds | PG anon MB |',
		'|---:|' + OPS.map(() => '---|').join('') + '---:|---:|---:|',
		...samples.map((s) => `| ${s.t} | ${OPS.map((o) => `${s[`${o}_rps`]}, ${s[`${o}_p50`]?.toFixed(1) ?? '-'}/${s[`${o}_p99`]?.toFixed(1) ?? '-'}`).join(' | ')} | ${mb(s.rss_kb)} | ${s.fds} | ${mb(s.pg_anon_kb)} |`),
		'', plot, '',
	].join('\n');
	writeFileSync(join(dir, 'soak-report.md'), report);
	t.diagnostic(report);

	assert.deepEqual(fivexx, [], 'no 5xx');
	assert.ok(last.workers === WORKERS && warm.workers === WORKERS, 'no worker died');
	assert.ok(last.rss_kb <= warm.rss_kb * 1.15 + 4096, `worker RSS flat: ${warm.rss_kb} → ${last.rss_kb} kB`);
	assert.ok(last.fds <= warm.fds + 2, `file descriptors flat: ${warm.fds} → ${last.fds}`);
	assert.ok(last.pg_anon_kb <= warm.pg_anon_kb * 1.25 + 8192, `backend memory flat: ${warm.pg_anon_kb} → ${last.pg_anon_kb} kB`);
});
