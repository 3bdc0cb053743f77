// GET /metrics through Nginx from 127.0.0.1: Prometheus text (format 0.0.4, checked by a strict
// parser) that reports the whole service whichever worker answers: requests counted by exactly
// the right amounts across both workers, consecutive scrapes that agree though different
// workers answer them (which one did is read from the workers' access log by request id), and
// a worker killed with SIGKILL whose counts stay while its replacement joins.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { request, stack, workerPids, assertProblem, LOGBOOK_VAR, WORKERS } from './lib/index.mjs';

const TAG = `metrics-${process.pid}-${Math.floor(Math.random() * 1e6)}`;
let sent = 0;
const nextId = () => `${TAG}-${++sent}`;

// --- the text format -------------------------------------------------------------------------

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

function parseValue(s, line) {
	if (s === '+Inf' || s === '-Inf' || s === 'NaN')
		return s === 'NaN' ? NaN : s === '+Inf' ? Infinity : -Infinity;
	assert.match(s, /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/, `a number: ${line}`);
	return Number(s);
}

// `{a="x",b="y\"z"}` at text[i] -> [labels, index after '}'].
function parseLabels(text, i, line) {
	const labels = {};
	assert.equal(text[i], '{');
	i++;
	while (text[i] !== '}') {
		const eq = text.indexOf('=', i);
		assert.ok(eq > i, `a label name: ${line}`);
		const name = text.slice(i, eq);
		assert.match(name, LABEL, `label name in ${line}`);
		assert.ok(!(name in labels), `label ${name} twice: ${line}`);
		assert.equal(text[eq + 1], '"', `a quoted value: ${line}`);
		let value = '';
		for (i = eq + 2; ; i++) {
			assert.ok(i < text.length, `an unterminated label value: ${line}`);
			const c = text[i];
			if (c === '"')
				break;
			if (c === '\\') {
				const e = text[++i];
				assert.ok(e === '\\' || e === '"' || e === 'n', `escape \\${e} in ${line}`);
				value += e === 'n' ? '\n' : e;
			} else {
				assert.notEqual(c, '\n', `a raw newline in a label value: ${line}`);
				value += c;
			}
		}
		labels[name] = value;
		i++;
		if (text[i] === ',')
			i++;
		else
			assert.equal(text[i], '}', `',' or '}' after a label: ${line}`);
	}
	return [labels, i + 1];
}

const seriesKey = (name, labels) =>
	name + JSON.stringify(Object.keys(labels).sort().map((k) => [k, labels[k]]));

// Throws unless text is a well-formed exposition: HELP/TYPE before their samples, one block
// per family, no series twice, histograms with ascending `le`, cumulative buckets, +Inf equal
// to _count, and _sum. Returns {families: Map name -> {type, help, samples}, get(name, labels)}.
function parseExposition(text) {
	assert.ok(text.endsWith('\n'), 'the text ends with a newline');
	const families = new Map();
	const seen = new Set();
	let current = null;
	const familyOf = (sample) => {
		for (const name of [sample, sample.replace(/_(bucket|sum|count)$/, '')]) {
			const f = families.get(name);
			if (f && (name === sample || f.type === 'histogram' || f.type === 'summary'))
				return f;
		}
		return undefined;
	};
	// HELP and TYPE open a family's block; a family has one block.
	const declare = (name) => {
		assert.match(name, NAME, `metric name ${name}`);
		if (!families.has(name))
			families.set(name, { name, type: 'untyped', help: undefined, samples: [] });
		const f = families.get(name);
		assert.ok(current === null || current === f || (f.samples.length === 0 && !f.typed && f.help === undefined),
			`family ${name} is declared in two places`);
		assert.equal(f.samples.length, 0, `HELP/TYPE of ${name} after its samples`);
		current = f;
		return f;
	};
	for (const line of text.slice(0, -1).split('\n')) {
		let m;
		if ((m = /^# HELP (\S+) (.*)$/.exec(line))) {
			const f = declare(m[1]);
			assert.equal(f.help, undefined, `HELP of ${m[1]} twice`);
			f.help = m[2];
		} else if ((m = /^# TYPE (\S+) (\S+)$/.exec(line))) {
			const f = declare(m[1]);
			assert.ok(TYPES.has(m[2]), `type ${m[2]}`);
			assert.ok(!f.typed, `TYPE of ${m[1]} twice`);
			f.type = m[2];
			f.typed = true;
		} else if (line.startsWith('#')) {
			continue;
		} else {
			m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(line);
			assert.ok(m, `a sample line: '${line}'`);
			const name = m[1];
			let labels = {};
			let i = name.length;
			if (line[i] === '{')
				[labels, i] = parseLabels(line, i, line);
			const rest = line.slice(i);
			assert.match(rest, /^ \S+( -?\d+)?$/, `' value [timestamp]' in '${line}'`);
			const value = parseValue(rest.trim().split(' ')[0], line);
			const f = familyOf(name);
			assert.ok(f && f.typed, `sample ${name} has a TYPE before it`);
			assert.equal(f, current, `sample ${name} inside its family's block`);
			const key = seriesKey(name, labels);
			assert.ok(!seen.has(key), `series twice: ${line}`);
			seen.add(key);
			f.samples.push({ name, labels, value });
		}
	}
	for (const f of families.values()) {
		if (f.type === 'counter')
			for (const s of f.samples)
				assert.ok(s.value >= 0, `counter ${s.name} is not negative`);
		if (f.type !== 'histogram')
			continue;
		const buckets = f.samples.filter((s) => s.name === `${f.name}_bucket`);
		assert.ok(buckets.length > 0, `${f.name} has buckets`);
		const les = buckets.map((s) => parseValue(s.labels.le, s.labels.le));
		for (let i = 1; i < buckets.length; i++) {
			assert.ok(les[i] > les[i - 1], `${f.name}: le ascending`);
			assert.ok(buckets[i].value >= buckets[i - 1].value, `${f.name}: buckets cumulative`);
		}
		assert.equal(les.at(-1), Infinity, `${f.name}: the last bucket is +Inf`);
		const count = f.samples.find((s) => s.name === `${f.name}_count`);
		assert.ok(count, `${f.name}_count`);
		assert.equal(buckets.at(-1).value, count.value, `${f.name}: +Inf bucket equals _count`);
		assert.ok(f.samples.some((s) => s.name === `${f.name}_sum`), `${f.name}_sum`);
	}
	const index = new Map();
	for (const f of families.values())
		for (const s of f.samples)
			index.set(seriesKey(s.name, s.labels), s.value);
	return { families, get: (name, labels = {}) => index.get(seriesKey(name, labels)) ?? 0 };
}

// --- the stack -------------------------------------------------------------------------------

// The pid of the worker that answered request id (the access line is logged before the
// answer goes out).
function answeredBy(id) {
	const log = readFileSync(join(LOGBOOK_VAR, 'log', 'workers.log'), 'utf8');
	const m = new RegExp(` access pid=(\\d+) req=${id} `).exec(log);
	assert.ok(m, `no access line for request ${id}`);
	return Number(m[1]);
}

async function send(method, path) {
	const id = nextId();
	const res = await request(method, path, { headers: { 'X-Request-Id': id } });
	return { res, id };
}

async function scrape() {
	const { res, id } = await send('GET', '/metrics');
	assert.equal(res.status, 200, res.text);
	assert.match(res.headers['content-type'], /^text\/plain; version=0\.0\.4\b/);
	assert.equal(res.headers['x-request-id'], id);
	const m = parseExposition(res.text);
	const requests = (method, status) => m.get('logbook_http_requests_total', { method, status });
	const total = m.families.get('logbook_http_requests_total').samples.reduce((a, s) => a + s.value, 0);
	return {
		m, requests, total, pid: answeredBy(id),
		count: m.get('logbook_http_request_duration_seconds_count'),
		workers: m.get('logbook_workers'),
		starts: m.get('logbook_worker_starts_total'),
	};
}

// Scrapes until every worker in pids has answered one, checking that each scrape counts
// exactly the one before it and nothing else: the numbers are the service's, not the
// answering worker's. Returns the last scrape.
async function scrapeEveryWorker(first, pids) {
	const answered = new Set([first.pid]);
	let prev = first;
	for (let i = 0; i < 60 && !pids.every((p) => answered.has(p)); i++) {
		const s = await scrape();
		assert.equal(s.requests('GET', '200'), prev.requests('GET', '200') + 1,
			`scrape answered by ${s.pid} counts the one before (answered by ${prev.pid})`);
		assert.equal(s.total, prev.total + 1);
		assert.equal(s.count, prev.count + 1);
		answered.add(s.pid);
		prev = s;
	}
	assert.deepEqual([...answered].filter((p) => pids.includes(p)).sort(), [...pids].sort(),
		`every worker answered a scrape (${[...answered]})`);
	return prev;
}

async function waitFor(what, timeoutMs, probe) {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const v = await probe();
		if (v)
			return v;
		assert.ok(Date.now() < deadline, `${what}: not within ${timeoutMs} ms`);
		await sleep(100);
	}
}

// --- the tests -------------------------------------------------------------------------------

test('the exposition parser refuses what the format forbids', () => {
	const ok = '# HELP a A thing.\n# TYPE a counter\na{x="1\\"\\\\\\n"} 3\n' +
		'# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 2\nh_sum 0.5\nh_count 2\n';
	assert.equal(parseExposition(ok).get('a', { x: '1"\\\n' }), 3);
	const bad = [
		'a 1\n',                                            // no TYPE
		'# TYPE a counter\na 1',                            // no final newline
		'# TYPE a counter\na one\n',                        // value
		'# TYPE a counter\na{x="1} 1\n',                    // unterminated
		'# TYPE a counter\na{x="\\t"} 1\n',                 // escape
		'# TYPE a counter\na 1\na 2\n',                     // series twice
		'# TYPE a counter\n# TYPE b gauge\nb 1\na 1\n',    // sample outside its block
		'# TYPE a counter\na 1\n# TYPE b gauge\nb 1\n# HELP a again\n', // family in two blocks
		'# TYPE a counter\na -1\n',                         // negative counter
		'# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n',
		'# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 3\n',
		'# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 1\nh_count 1\n',
	];
	for (const text of bad)
		assert.throws(() => parseExposition(text), undefined, JSON.stringify(text));
});

test('one scrape reports every worker: exact counts, and scrapes agree whichever worker answers', { timeout: 60000 }, async () => {
	const pids = workerPids();
	assert.equal(pids.length, WORKERS);
	const before = await scrape();
	const info = before.m.families.get('logbook_build_info').samples;
	assert.equal(info.length, 1);
	assert.ok(info[0].labels.version, 'logbook_build_info{version}');
	assert.equal(info[0].value, 1);
	assert.equal(before.m.get('logbook_metrics_shared'), 1, 'the answering worker maps the shared file');

	for (let i = 0; i < 7; i++)
		assertProblem((await send('DELETE', '/healthz')).res, 405);
	for (let i = 0; i < 5; i++)
		assert.equal((await send('GET', '/healthz')).res.status, 200);
	for (let i = 0; i < 3; i++)
		assertProblem((await send('GET', `/${TAG}/nothing-here`)).res, 404);
	assertProblem((await send('BREW', '/healthz')).res, 405);

	const after = await scrape();
	assert.equal(after.requests('DELETE', '405') - before.requests('DELETE', '405'), 7);
	assert.equal(after.requests('GET', '200') - before.requests('GET', '200'), 5 + 1, '5 and the first scrape');
	assert.equal(after.requests('GET', '404') - before.requests('GET', '404'), 3);
	assert.equal(after.requests('other', '405') - before.requests('other', '405'), 1, 'BREW counts as other');
	assert.equal(after.total - before.total, 7 + 5 + 3 + 1 + 1);
	assert.equal(after.count - before.count, 7 + 5 + 3 + 1 + 1, 'the histogram saw each request once');
	const sum = (s) => s.m.get('logbook_http_request_duration_seconds_sum');
	assert.ok(sum(after) > sum(before), 'durations add up');

	const last = await scrapeEveryWorker(after, pids);
	assert.equal(last.workers, WORKERS, 'logbook_workers counts every live worker');
	const rss = last.m.families.get('logbook_worker_rss_bytes').samples;
	assert.equal(rss.length, WORKERS, 'one RSS per live worker');
	for (const s of rss)
		assert.ok(s.value > 1 << 20 && s.value < 1 << 30, `a plausible RSS: ${s.value}`);
	assert.equal(new Set(rss.map((s) => s.labels.slot)).size, WORKERS, 'each worker its own slot');
});

test('a worker killed with SIGKILL keeps its counts; its replacement joins', { timeout: 60000 }, async () => {
	const pids = workerPids();
	assert.equal(pids.length, WORKERS);
	const first = await scrape();
	const ids = [];
	for (let i = 0; i < 6; i++) {
		const { res, id } = await send('PUT', '/healthz');
		assertProblem(res, 405);
		ids.push(id);
	}
	// Both workers have counted (they answered scrapes), so the victim's share is in its slot.
	const counted = await scrapeEveryWorker(await scrape(), pids);
	assert.equal(counted.requests('PUT', '405') - first.requests('PUT', '405'), 6);
	const victim = answeredBy(ids[0]);
	const share = ids.filter((id) => answeredBy(id) === victim).length;
	assert.ok(share >= 1);

	process.kill(victim, 'SIGKILL');
	const now = await waitFor('a replacement worker', 5000, async () => {
		const p = workerPids();
		return p.length === WORKERS && !p.includes(victim) ? p : null;
	});
	const fresh = now.filter((p) => !pids.includes(p));
	assert.equal(fresh.length, 1);

	const dead = await scrape();
	assert.equal(dead.requests('PUT', '405') - first.requests('PUT', '405'), 6,
		`the ${share} answered by the killed worker stay counted`);
	assert.equal(dead.requests('GET', '200'), counted.requests('GET', '200') + 1, 'nothing lost');
	assert.ok(dead.workers <= WORKERS && dead.workers >= WORKERS - 1, 'the dead worker is not live');

	// The replacement counts once it has answered: then every worker is live again, the slot
	// count stays bounded (the dead worker's slot is reused), and one more start is counted.
	const joined = await scrapeEveryWorker(dead, now);
	assert.equal(joined.workers, WORKERS);
	assert.equal(joined.starts, counted.starts + 1, 'one restart');
	assert.equal(joined.requests('PUT', '405') - first.requests('PUT', '405'), 6);
	const slots = joined.m.families.get('logbook_worker_rss_bytes').samples.map((s) => s.labels.slot);
	assert.equal(new Set(slots).size, WORKERS, 'each live worker its own slot');
});

test('a PostgreSQL restart counts one reconnect per worker', { timeout: 120000 }, async () => {
	const pids = workerPids();
	const before = await scrape();
	stack('pg-restart');
	// Each worker meets its dead connection once (503), then reconnects and answers 200.
	const ready = new Set();
	for (let i = 0; i < 100 && ready.size < pids.length; i++) {
		const { res, id } = await send('GET', '/readyz');
		assert.ok(res.status === 200 || res.status === 503, res.text);
		if (res.status === 200)
			ready.add(answeredBy(id));
	}
	assert.equal(ready.size, pids.length, 'every worker answered /readyz again');
	const after = await scrape();
	assert.equal(after.m.get('logbook_db_reconnects_total') - before.m.get('logbook_db_reconnects_total'),
		pids.length);
});

test('GET /metrics only: other methods get 405 with Allow', async () => {
	const res = await request('POST', '/metrics');
	assertProblem(res, 405);
	assert.equal(res.headers.allow, 'GET');
});
