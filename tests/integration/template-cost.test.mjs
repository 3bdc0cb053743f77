// The cost of the largest template the limits allow (issue 10, item 9): every worker keeps the
// version's statements and one entry read is one statement over all its tables, so memory and
// read time must stay bounded and grow linearly with the template. Prints what it measured.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request, workerPids } from './lib/index.mjs';
import { author, designer, templateKey, createEntry, save } from './lib/entries.mjs';

function rssKb(pid) {
	const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
	return m ? Number(m[1]) : 0;
}

const sanitized = () => workerPids().some((pid) => readFileSync(`/proc/${pid}/maps`, 'utf8').includes('libasan'));

// nsections sections, each with ntables tables of one column and enough integer fields that
// fields plus columns make `fields` over the template.
function definition(key, nsections, ntables, fields) {
	const per = Math.floor(fields / nsections) - ntables;
	return {
		key,
		sections: Array.from({ length: nsections }, (_, s) => ({
			key: `s${s}`,
			fields: Array.from({ length: per }, (_, i) => ({ key: `f${i}`, type: 'integer', label: `Field ${i} of section ${s}` })),
			tables: Array.from({ length: ntables }, (_, t) => ({ key: `t${t}`, columns: [{ key: 'v', type: 'text' }] })),
		})),
	};
}

async function measure(nsections, ntables, fields) {
	const key = templateKey(`cost${nsections}x${ntables}`);
	let res = await request('POST', '/api/v1/templates', { token: designer, body: definition(key, nsections, ntables, fields) });
	assert.equal(res.status, 201, res.text);
	res = await request('POST', `/api/v1/templates/${key}/versions/1/publish`, { token: designer });
	assert.equal(res.status, 200, res.text);
	const pids = workerPids();
	const before = pids.map(rssKb);
	const ids = [];
	for (let i = 0; i < 4; i++)
		ids.push((await createEntry(key)).id);
	const data = Object.fromEntries(Array.from({ length: Math.floor(fields / nsections) - ntables }, (_, i) => [`f${i}`, i]));
	const tables = Object.fromEntries(Array.from({ length: ntables }, (_, t) => [`t${t}`, [{ v: 'row' }]]));
	assert.equal((await save(ids[0], 's0', { data, tables }, { ifMatch: '*' })).status, 200);
	// Enough reads that every worker has built and run the version's statements.
	const times = [];
	for (let i = 0; i < 24; i++) {
		const t0 = process.hrtime.bigint();
		res = await request('GET', `/api/v1/entries/${ids[i % ids.length]}`, { token: author });
		times.push(Number(process.hrtime.bigint() - t0) / 1e6);
		assert.equal(res.status, 200, res.text);
	}
	const after = pids.map(rssKb);
	times.sort((a, b) => a - b);
	const grew = Math.max(...after.map((kb, i) => kb - before[i])) / 1024;
	const m = { tables: nsections * (1 + ntables), fields, medianMs: times[times.length >> 1], maxMs: times[times.length - 1], rssGrowthMb: grew, bytes: res.text.length };
	console.log(`template cost: ${JSON.stringify(m)}`);
	return m;
}

test('the largest template the limits allow: reads stay fast, worker memory bounded, growth linear', { timeout: 600000 }, async () => {
	const half = await measure(25, 3, 1000); // 100 tables, 1,000 fields
	const full = await measure(50, 3, 2000); // 200 tables (TPL_TABLES_MAX), 2,000 fields (TPL_FIELDS_MAX)
	const slow = sanitized() ? 4 : 1;
	assert.ok(full.medianMs < 100 * slow, `median read ${full.medianMs} ms`);
	assert.ok(full.rssGrowthMb < 16 * slow, `a worker grew by ${full.rssGrowthMb} MB`);
	// Linear, not quadratic: twice the template costs about twice, not four times (with slack
	// for noise on a shared machine).
	assert.ok(full.medianMs < 3.2 * Math.max(half.medianMs, 5), `read ${half.medianMs} -> ${full.medianMs} ms`);
});
