// Speed: the first page's bytes on the wire, and the time to render a section form of 50
// fields and a table of 100 rows (printed, and held under 100 ms).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import { TAG, BASE_URL, request, launch, newPage, login, createUser, publishTemplate, createEntry } from './lib.mjs';

const KEY = `${TAG}_big`;
let browser, author;

const TYPES = ['text', 'integer', 'decimal', 'boolean', 'date', 'time', 'datetime', 'choice', 'multichoice', 'text'];
function bigTemplate() {
	const fields = Array.from({ length: 50 }, (_, i) => {
		const type = TYPES[i % TYPES.length];
		const f = { key: `f${i}`, label: `Field ${i} (${type})`, type, help: i % 5 === 0 ? `Help for field ${i}` : undefined, required: i < 10 && i % 7 === 0 };
		if (type === 'choice' || type === 'multichoice')
			f.choices = ['one', 'two', 'three'];
		if (type === 'integer' || type === 'decimal') {
			f.min = 0;
			f.max = 1000;
		}
		if (type === 'text')
			f.max_length = 100;
		return f;
	});
	return {
		key: KEY,
		title: 'Fifty fields',
		sections: [{
			key: 'big', title: 'Big section', fields,
			tables: [{ key: 'rows', label: 'Rows', max_rows: 200, columns: [
				{ key: 'name', label: 'Name', type: 'text', required: true },
				{ key: 'value', label: 'Value', type: 'decimal' },
				{ key: 'ok', label: 'OK', type: 'boolean' },
				{ key: 'at', label: 'At', type: 'time' },
			] }],
		}],
	};
}

before(async () => {
	browser = await launch();
	author = await createUser('author', ['author']);
	await publishTemplate(bigTemplate());
});

after(async () => {
	await browser?.close();
});

async function bytesOnTheWire(page) {
	return page.evaluate(() => {
		const nav = performance.getEntriesByType('navigation')[0];
		const res = performance.getEntriesByType('resource');
		return { total: nav.transferSize + res.reduce((n, r) => n + r.transferSize, 0), files: 1 + res.length };
	});
}

test('the first page is under 100 KB on the wire (gzip), the app entirely preloaded', async () => {
	const F = await newPage(browser);
	await F.page.goto(`${BASE_URL}/login`);
	await F.page.waitForSelector('form.login');
	await F.page.waitForLoadState('networkidle');
	const first = await bytesOnTheWire(F.page);
	console.log(`first page (/login, cold cache): ${first.total} bytes transferred in ${first.files} responses`);
	assert.ok(first.total < 100 * 1024, `${first.total} bytes`);

	// Logged in, the entries page with its API calls, from a cold cache as well.
	const G = await newPage(browser);
	await G.page.goto(`${BASE_URL}/login`);
	await G.page.evaluate(async ([u, p]) => {
		const r = await fetch('/api/v1/auth/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: u, password: p }) });
		sessionStorage.setItem('logbook.token', (await r.json()).access_token);
	}, [author.username, author.password]);
	await G.context.clearCookies();
	const cdp = await G.context.newCDPSession(G.page);
	await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
	await G.page.goto(`${BASE_URL}/entries`);
	await G.page.waitForSelector('h1:text("Entries")');
	await G.page.waitForLoadState('networkidle');
	const entries = await bytesOnTheWire(G.page);
	console.log(`entries page (logged in, no cache): ${entries.total} bytes transferred in ${entries.files} responses`);
	assert.ok(entries.total < 100 * 1024, `${entries.total} bytes`);
	await Promise.all([F.context.close(), G.context.close()]);
});

test('a section form of 50 fields and 100 table rows renders in under 100 ms', async () => {
	const e = await createEntry(KEY, author, 'Big one');
	const rows = Array.from({ length: 100 }, (_, i) => ({ name: `row ${i}`, value: `${i}.5`, ok: i % 2 === 0, at: '07:30' }));
	const data = { f0: 'hello', f1: 12, f2: '3.25', f3: true, f4: '2026-11-23', f5: '08:15', f7: 'two', f8: ['one', 'three'] };
	const r = await request('PUT', `/api/v1/entries/${e.id}/sections/big`, { token: await author.token(), headers: { 'If-Match': '*' }, body: { data, tables: { rows } } });
	assert.equal(r.status, 200, r.text);

	const P = await newPage(browser);
	await login(P.page, author);
	const times = [];
	for (let i = 0; i < 5; i++) {
		await P.page.goto(`${BASE_URL}/entries/${e.id}/big`);
		await P.page.waitForSelector('form.entry-form[data-render-ms]');
		const t = await P.page.evaluate(() => ({
			build: performance.getEntriesByName('section-form').at(-1)?.duration,
			painted: Number(document.querySelector('form.entry-form').dataset.renderMs),
			rows: document.querySelectorAll('table.rows tbody tr').length,
			controls: document.querySelectorAll('.section-form input, .section-form select, .section-form textarea').length,
		}));
		assert.equal(t.rows, 100);
		times.push(t);
	}
	const best = times.reduce((a, b) => (a.build <= b.build ? a : b));
	console.log(`section form, 50 fields + 100 rows x 4 columns (${best.controls} controls): built in ${best.build.toFixed(1)} ms, on screen (with layout, next frame) in ${best.painted.toFixed(1)} ms; runs: ${times.map((t) => t.build.toFixed(1)).join(', ')} ms`);
	// The machine may be shared (CI, other stacks): under a load above twice the cores, the
	// number is printed and only held to a looser bound.
	const load = os.loadavg()[0], cores = os.cpus().length;
	const limit = load > 2 * cores ? 400 : 100;
	if (limit !== 100)
		console.log(`load average ${load.toFixed(1)} on ${cores} cores: holding the form to ${limit} ms instead of 100 ms`);
	assert.ok(best.build < limit, `built in ${best.build} ms`);
	await P.context.close();
});
