// ?q= on GET /api/v1/entries (issue 9): full-text search over the title, the sections' text
// fields and text table cells; words ANDed, prefix*, "phrases"; best matches first with a
// working cursor; combined with the other filters; hostile input gives 400 or results, never
// a 5xx.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request, assertProblem } from './lib/index.mjs';
import {
	author, publishTemplate, templateKey, definition, createEntry, save, etagOf, step, reviewer,
	driveTo,
} from './lib/entries.mjs';

const KEY = templateKey('search');
const OTHER = templateKey('search_other');
// Words unique to this process, so that other files' entries never match.
const W = `zq${process.pid.toString(36)}`;

function def(key) {
	const d = definition(key);
	d.sections[0].fields.find((f) => f.key === 'note').max_length = 200;
	return d;
}

const ids = {};
async function entryWith(name, { key = KEY, title = '', note, summary, rows = [] }) {
	const e = await createEntry(key, { body: { title } });
	if (note !== undefined || rows.length > 0) {
		const res = await save(e.id, 'readings', {
			data: { temperature: '20.5', note },
			tables: { readings: rows.map((label, i) => ({ label, value: `${i}` })) },
		}, { ifMatch: await etagOf(e.id, 'readings') });
		assert.equal(res.status, 200, res.text);
	}
	if (summary !== undefined) {
		const res = await save(e.id, 'summary', { data: { text: summary } }, { ifMatch: await etagOf(e.id, 'summary') });
		assert.equal(res.status, 200, res.text);
	}
	ids[name] = e.id;
	return e.id;
}

test.before(async () => {
	await publishTemplate(KEY, def(KEY));
	await publishTemplate(OTHER, def(OTHER));
	await entryWith('title', { title: `${W}pump station north` });
	await entryWith('note', { note: `${W}pump leaking at valve` });
	await entryWith('cell', { rows: [`${W}pump bearing`, 'valve seal worn'] });
	await entryWith('summary', { summary: `night shift: ${W}pump checked, leaking stopped` });
	await entryWith('prefix', { note: `${W}pumping test` });
	await entryWith('other', { key: OTHER, note: `${W}pump in the other template` });
	await entryWith('unrelated', { note: 'nothing to see' });
});

async function search(q, extra = '') {
	const found = [];
	let cursor = null;
	do {
		const res = await request('GET',
			`/api/v1/entries?q=${encodeURIComponent(q)}${extra}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
			{ token: author });
		assert.equal(res.status, 200, `${q}: ${res.text}`);
		found.push(...res.json.items.map((i) => i.id));
		cursor = res.json.next_cursor;
	} while (cursor !== null);
	return found;
}
const names = (found) => found.map((id) => Object.keys(ids).find((k) => ids[k] === id) ?? id);

test('a word matches the title, text fields, text table cells and every section; the title ranks first', async () => {
	const found = names(await search(`${W}pump`));
	assert.equal(found[0], 'title', `title first: ${found}`);
	assert.deepEqual([...found].sort(), ['cell', 'note', 'other', 'summary', 'title']);
});

test('words are ANDed, across fields and sections of one entry', async () => {
	assert.deepEqual(names(await search(`${W}pump leaking`)).sort(), ['note', 'summary']);
	assert.deepEqual(names(await search(`${W}pump valve`)).sort(), ['cell', 'note']);
	assert.deepEqual(names(await search(`${W}pump nosuchword`)), []);
});

test('prefix* and "quoted phrases"', async () => {
	assert.deepEqual(names(await search(`${W}pum*`)).sort(), ['cell', 'note', 'other', 'prefix', 'summary', 'title']);
	assert.deepEqual(names(await search(`"${W}pump leaking"`)), ['note']);
	assert.deepEqual(names(await search(`"leaking ${W}pump"`)), []);
	assert.deepEqual(names(await search(`"valve seal" ${W}pump`)), ['cell']);
	// Case does not matter.
	assert.deepEqual(names(await search(`${W.toUpperCase()}PUMP LEAKING`)).sort(), ['note', 'summary']);
});

test('q combines with the other filters', async () => {
	assert.deepEqual(names(await search(`${W}pump`, `&template=${OTHER}`)), ['other']);
	assert.deepEqual(names(await search(`${W}pump`, `&template=${KEY}&state=draft&section=summary`)).sort(),
		['cell', 'note', 'summary', 'title']);
	await driveTo(ids.summary, 'summary', 'submitted');
	assert.deepEqual(names(await search(`${W}pump`, '&state=submitted')), ['summary']);
	const later = new Date(Date.now() + 3600e3).toISOString();
	assert.deepEqual(await search(`${W}pump`, `&updated_after=${later}`), []);
});

test('best matches first, and the cursor walks the ranked list without gaps or repeats', async () => {
	const all = await search(`${W}pump`);
	const paged = [];
	let cursor = null;
	do {
		const res = await request('GET',
			`/api/v1/entries?q=${W}pump&limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { token: author });
		assert.equal(res.status, 200, res.text);
		assert.ok(res.json.items.length <= 1);
		paged.push(...res.json.items.map((i) => i.id));
		cursor = res.json.next_cursor;
	} while (cursor !== null);
	assert.deepEqual(paged, all);
	// A cursor of the unranked list is not one of the ranked list, and the other way round.
	const plain = await request('GET', '/api/v1/entries?limit=1', { token: author });
	const res = await request('GET', `/api/v1/entries?q=${W}pump&cursor=${plain.json.next_cursor}`, { token: author });
	assertProblem(res, 400);
	const ranked = await request('GET', `/api/v1/entries?q=${W}pump&limit=1`, { token: author });
	assertProblem(await request('GET', `/api/v1/entries?cursor=${ranked.json.next_cursor}`, { token: author }), 400);
	const forged = Buffer.from(`abc|2026-01-01 00:00:00+00|${ids.note}`).toString('base64url');
	assertProblem(await request('GET', `/api/v1/entries?q=${W}pump&cursor=${forged}`, { token: author }), 400);
});

test('the index follows each save: old words stop matching, new ones match, in the same transaction', async () => {
	const id = await entryWith('changing', { note: `${W}alpha` });
	assert.deepEqual(await search(`${W}alpha`), [id]);
	const res = await save(id, 'readings', { data: { temperature: '1', note: `${W}beta` } },
		{ ifMatch: await etagOf(id, 'readings') });
	assert.equal(res.status, 200, res.text);
	assert.deepEqual(await search(`${W}alpha`), []);
	assert.deepEqual(await search(`${W}beta`), [id]);
	// A refused save (422) changes nothing.
	const bad = await save(id, 'readings', { data: { temperature: '999', note: `${W}gamma` } },
		{ ifMatch: await etagOf(id, 'readings') });
	assertProblem(bad, 422);
	assert.deepEqual(await search(`${W}gamma`), []);
	assert.deepEqual(await search(`${W}beta`), [id]);
	// Reopen and save again: the new revision's text replaces the old.
	await step(id, 'readings', 'submit', author);
	await step(id, 'readings', 'start_review', reviewer);
	await step(id, 'readings', 'reject', reviewer, 'again');
	await step(id, 'readings', 'reopen', author);
	const again = await save(id, 'readings', { data: { temperature: '2', note: `${W}delta` } },
		{ ifMatch: await etagOf(id, 'readings') });
	assert.equal(again.status, 200, again.text);
	assert.deepEqual(await search(`${W}beta`), []);
	assert.deepEqual(await search(`${W}delta`), [id]);
});

test('hostile queries get 400 or results, never a 5xx', async () => {
	const hostile = [
		'"', '""', '"""', `"${W}pump`, `${W}pump"`, '*', '**', ':*', '&', '|', '!', '!!', '()', '(', ')',
		"'", "''", "'a'", ':', 'a:*', 'a:b', 'a & b', 'a | b', '!a', 'a <-> b', 'a <2> b', '<->', '\\',
		'\\\\', '%', '%00', '%%', '+', '-', 'a-b', 'a--b', '--', ';', 'DROP TABLE entries;--',
		"x'; SELECT pg_sleep(5); --", '$1', '$$', '{}', '[]', '{"a":1}', 'null', 'ä', '中文', '👍',
		'a'.repeat(999), `${'a '.repeat(31)}`, `${'"a" '.repeat(32)}`, '*a', 'a*b', 'a**', '"*"', '":*"',
		'\u00a0', '\u200b', '\ufeff', 'ﷺ', 'a\tb', ' ', '   ', 'x'.repeat(3000).slice(0, 1000),
		'é'.repeat(500),
	];
	for (const q of hostile) {
		const res = await request('GET', `/api/v1/entries?q=${encodeURIComponent(q)}&limit=5`, { token: author });
		assert.ok(res.status === 200 || res.status === 400, `${JSON.stringify(q).slice(0, 60)}: ${res.status} ${res.text.slice(0, 200)}`);
		if (res.status === 400)
			assertProblem(res, 400);
	}
	// Raw bytes: not UTF-8, control characters, NUL; too long, too many terms.
	for (const raw of ['%FF', '%C3%28', '%ED%A0%80', '%F4%90%80%80', '%C0%AF', 'a%01b', '%1B%5B31m', '%7F',
		'a%0Ab', '%0D%0A', `${'a'.repeat(1001)}`, `${'a%20'.repeat(33)}`, 'x'.repeat(10240)]) {
		const res = await request('GET', `/api/v1/entries?q=${raw}`, { token: author });
		assertProblem(res, 400);
	}
	// NUL is kept as the three characters %00 by the query decoder: an ordinary word.
	const nul = await request('GET', '/api/v1/entries?q=a%00b', { token: author });
	assert.ok(nul.status === 200 || nul.status === 400, nul.text);
	// Only operators and punctuation: no lexemes, an empty result.
	for (const q of ['&|!():*', '"!!"', '* * *', '""""']) {
		const res = await request('GET', `/api/v1/entries?q=${encodeURIComponent(q)}`, { token: author });
		assert.equal(res.status, 200, res.text);
		assert.deepEqual(res.json.items, []);
	}
	// An empty q is no filter at all.
	const empty = await request('GET', '/api/v1/entries?q=&limit=1', { token: author });
	assert.equal(empty.status, 200);
	assert.equal(empty.json.items.length, 1);
});
