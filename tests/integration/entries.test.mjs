// Entries and section saves (issue 4): the whole lifecycle from draft to approved with a
// rejection and a reopen on the way, every field type round-tripping, validation reporting
// every error at once, ETags, Idempotency-Key on POST, a database constraint the template does
// not know, and the list with its filters and keyset pagination.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { request, assertProblem } from './lib/index.mjs';
import { psql } from './lib/psql.mjs';
import {
	TAG, user, subOf, author, author2, reviewer, approver, auditor, publishTemplate, templateKey,
	createEntry, getEntry, sectionOf, save, transition, step, driveTo, readingsBody, randomUUID,
	auditRows,
} from './lib/entries.mjs';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const KEY = templateKey('entries');
test.before(async () => {
	await publishTemplate(KEY);
});

async function history(id, section) {
	const res = await request('GET', `/api/v1/entries/${id}/sections/${section}/history`, { token: auditor });
	assert.equal(res.status, 200, res.text);
	return res.json.items;
}

// A body with every field type; `checks` has a choice with a comma and quotes in it.
const FULL = {
	data: {
		n: 1,
		temperature: '12.50',
		count: 42,
		// note: absent (optional) -> null
		ok: false,
		day: '2026-02-28',
		at: '07:35:50',
		logged: '2026-11-23T07:35:50.123Z',
		shift: 'night',
		checks: ['pumps', 'doors, "gates"'],
	},
	tables: {
		readings: [
			{ n: 1, label: 'first', value: '0.10' },
			{ n: -7, label: 'zweite Zeile — ü', value: '-99999.000' },
			{ label: 'no n', value: 3 },
		],
	},
};

const FULL_READ = {
	data: { ...FULL.data, note: null },
	tables: {
		readings: [
			{ n: 1, label: 'first', value: '0.10' },
			{ n: -7, label: 'zweite Zeile — ü', value: '-99999.000' },
			{ n: null, label: 'no n', value: '3' },
		],
	},
};

const SECOND = {
	data: { n: 2, temperature: -3, count: 0, note: 'second try', shift: 'early', checks: [] },
	tables: { readings: [{ n: 2, label: 'only', value: 100000 }] },
};

const SECOND_READ = {
	data: {
		n: 2, temperature: '-3', count: 0, note: 'second try', ok: null, day: null, at: null,
		logged: null, shift: 'early', checks: [],
	},
	tables: { readings: [{ n: 2, label: 'only', value: '100000' }] },
};

test('create: server id, client-supplied UUID (any case), duplicate 409, malformed 422, unknown template 404', async () => {
	// No body at all: both members are optional.
	const bare = await request('POST', `/api/v1/templates/${KEY}/entries`, { token: author });
	assert.equal(bare.status, 201, bare.text);
	assert.match(bare.json.id, UUID);
	assert.equal(bare.json.title, '');
	const e = await createEntry(KEY, { body: { title: 'Night shift' } });
	assert.match(e.id, UUID);
	assert.equal(e.template, KEY);
	assert.equal(e.template_version, 1);
	assert.equal(e.title, 'Night shift');
	assert.equal(e.created_by, subOf('author'));
	assert.match(e.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
	assert.deepEqual(Object.keys(e.sections), ['readings', 'summary']);
	for (const s of Object.values(e.sections)) {
		assert.equal(s.state, 'draft');
		assert.equal(s.revision, 1);
		assert.match(s.etag, /^"[^"]+"$/);
	}
	assert.equal(e.sections.readings.data.temperature, null);
	assert.deepEqual(e.sections.readings.tables, { readings: [] });
	assert.deepEqual(await getEntry(e.id), e, 'GET reads what POST answered');

	const own = randomUUID();
	let res = await request('POST', `/api/v1/templates/${KEY}/entries`, {
		token: author, body: { id: own.toUpperCase() },
	});
	assert.equal(res.status, 201, res.text);
	assert.equal(res.json.id, own, 'a client id is kept (in lower case)');
	assert.equal(res.headers.location, `/api/v1/entries/${own}`);
	assert.equal((await getEntry(own)).id, own);

	for (const spelling of [own, own.toUpperCase()]) {
		res = await request('POST', `/api/v1/templates/${KEY}/entries`, {
			token: author2, body: { id: spelling, title: 'again' },
		});
		assertProblem(res, 409);
	}
	assert.equal((await getEntry(own)).created_by, subOf('author'), 'the duplicate changed nothing');

	for (const bad of ['not-a-uuid', `${own}0`, own.slice(1), own.replace(/-/g, ''), '', 42]) {
		res = await request('POST', `/api/v1/templates/${KEY}/entries`, { token: author, body: { id: bad } });
		assertProblem(res, 422);
		assert.ok(res.json.errors.some((x) => x.path === 'id'), `an error at id for ${JSON.stringify(bad)}: ${res.text}`);
	}
	res = await request('POST', `/api/v1/templates/${KEY}/entries`, { token: author, body: { id: randomUUID(), colour: 'red' } });
	assertProblem(res, 422);

	res = await request('POST', `/api/v1/templates/${TAG}_nothing_here/entries`, { token: author, body: {} });
	assertProblem(res, 404);
	res = await request('POST', `/api/v1/templates/${KEY}/entries`, { token: reviewer, body: {} });
	assertProblem(res, 403);
	res = await request('GET', `/api/v1/entries/${randomUUID()}`, { token: author });
	assertProblem(res, 404);
	res = await request('GET', '/api/v1/entries/not-a-uuid', { token: author });
	assertProblem(res, 404);
});

test('lifecycle: save, submit, review, reject, reopen (revision 2), save, submit, review, approve; history', async () => {
	const e = await createEntry(KEY);
	const id = e.id;

	// Save every field type; the ETag header is the section's etag.
	let res = await save(id, 'readings', FULL, { ifMatch: e.sections.readings.etag });
	assert.equal(res.status, 200, res.text);
	assert.equal(res.json.state, 'draft');
	assert.equal(res.json.revision, 1);
	assert.deepEqual(res.json.data, FULL_READ.data);
	assert.deepEqual(res.json.tables, FULL_READ.tables);
	assert.equal(res.headers.etag, res.json.etag);
	assert.notEqual(res.json.etag, e.sections.readings.etag, 'a save changes the ETag');
	assert.equal(res.json.updated_by, subOf('author'));
	let s = await sectionOf(id, 'readings');
	assert.deepEqual(s.data, FULL_READ.data, 'GET reads every type back as saved');
	assert.deepEqual(s.tables, FULL_READ.tables);
	assert.equal(typeof s.data.count, 'number');
	assert.equal(typeof s.data.temperature, 'string');
	assert.equal(s.etag, res.json.etag);

	// The other section has its own state, ETag and data.
	res = await save(id, 'summary', { data: { text: 'all quiet' } }, { ifMatch: '*' });
	assert.equal(res.status, 200, res.text);

	res = await step(id, 'readings', 'submit', author);
	assert.equal(res.state, 'submitted');
	res = await step(id, 'readings', 'start_review', reviewer);
	assert.equal(res.state, 'in_review');

	// A rejection needs a comment; blank ones do not count.
	for (const comment of [undefined, '', '   \n\t']) {
		res = await transition(id, 'readings', 'reject', {
			token: reviewer, ifMatch: (await sectionOf(id, 'readings')).etag, comment,
		});
		assertProblem(res, 422);
		assert.ok(res.json.errors.some((x) => x.path === 'comment'), res.text);
	}
	assert.equal((await sectionOf(id, 'readings')).state, 'in_review', 'the 422s changed nothing');
	res = await step(id, 'readings', 'reject', reviewer, 'temperature looks wrong');
	assert.equal(res.state, 'rejected');
	assert.deepEqual(res.data, FULL_READ.data, 'a transition answers the section with its data');

	res = await step(id, 'readings', 'reopen', author);
	assert.equal(res.state, 'draft');
	assert.equal(res.revision, 2);
	s = await sectionOf(id, 'readings');
	assert.equal(s.revision, 2);
	assert.deepEqual(s.data, FULL_READ.data, 'the new revision starts from the old data');

	res = await save(id, 'readings', SECOND, { ifMatch: s.etag });
	assert.equal(res.status, 200, res.text);
	assert.deepEqual(res.json.data, SECOND_READ.data);
	assert.deepEqual(res.json.tables, SECOND_READ.tables);
	assert.equal(res.json.revision, 2);
	await step(id, 'readings', 'submit', author);
	await step(id, 'readings', 'start_review', reviewer);
	res = await step(id, 'readings', 'approve', approver);
	assert.equal(res.state, 'approved');
	assert.equal(res.revision, 2);
	assert.equal(res.updated_by, subOf('approver'));
	s = await sectionOf(id, 'readings');
	assert.equal(s.state, 'approved');
	assert.deepEqual(s.data, SECOND_READ.data);
	assert.deepEqual(s.tables, SECOND_READ.tables);
	assert.equal((await getEntry(id)).sections.summary.state, 'draft', 'sections move on their own');

	// Approved is final: every action is a 409, even for an admin.
	const admin = user('lifecycle-admin', ['admin']);
	for (const action of ['submit', 'start_review', 'approve', 'reject', 'reopen']) {
		res = await transition(id, 'readings', action, { token: admin, ifMatch: s.etag, comment: 'x' });
		assertProblem(res, 409);
	}
	res = await save(id, 'readings', SECOND, { ifMatch: s.etag });
	assertProblem(res, 409);

	const items = await history(id, 'readings');
	const A = subOf('author'), R = subOf('reviewer'), P = subOf('approver');
	const expected = [
		[1, 'save', 'draft', 'draft', A, null, FULL_READ],
		[1, 'submit', 'draft', 'submitted', A, null, FULL_READ],
		[1, 'start_review', 'submitted', 'in_review', R, null, FULL_READ],
		[1, 'reject', 'in_review', 'rejected', R, 'temperature looks wrong', FULL_READ],
		[2, 'reopen', 'rejected', 'draft', A, null, FULL_READ],
		[2, 'save', 'draft', 'draft', A, null, SECOND_READ],
		[2, 'submit', 'draft', 'submitted', A, null, SECOND_READ],
		[2, 'start_review', 'submitted', 'in_review', R, null, SECOND_READ],
		[2, 'approve', 'in_review', 'approved', P, null, SECOND_READ],
	];
	assert.equal(items.length, expected.length, JSON.stringify(items, null, 1));
	let lastAt = '';
	expected.forEach(([revision, action, from, to, actor, comment, snapshot], i) => {
		const h = items[i];
		const where = `history item ${i} (${action})`;
		assert.deepEqual({ revision: h.revision, action: h.action, from: h.from, to: h.to, actor: h.actor, comment: h.comment },
			{ revision, action, from, to, actor, comment }, where);
		assert.deepEqual(h.data, snapshot.data, `${where}: data as it was`);
		assert.deepEqual(h.tables, snapshot.tables, `${where}: tables as they were`);
		assert.match(h.at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
		assert.ok(h.at >= lastAt, `${where}: oldest first`);
		lastAt = h.at;
	});

	// Every step wrote one audit row on the entry, with the section named.
	const rows = await auditRows(`object_type=entry&object_id=${id}`);
	const readings = rows.filter((r) => r.section === 'readings').map((r) => [r.action, r.actor]);
	assert.deepEqual(readings, expected.map(([, action, , , actor]) => [action, actor]));
	assert.deepEqual(rows.filter((r) => r.section === null || r.section === undefined).map((r) => r.action), ['create']);
});

test('the section read back is the section as saved: PUT answer, GET and history agree (datetimes in UTC)', async () => {
	const e = await createEntry(KEY);
	// Raw JSON text, so that the numbers keep the digits they were written with.
	const put = (count) => request('PUT', `/api/v1/entries/${e.id}/sections/readings`, {
		token: author, headers: { 'If-Match': '*', 'Content-Type': 'application/json' },
		body: `{"data":{"temperature":12.50,"count":${count},"at":"07:35","logged":"2026-11-23T07:35:50+01:00",` +
			'"day":"2024-02-29"},"tables":{"readings":[{"label":"x","value":1e3},{"label":"y","value":"-0.000100"},' +
			'{"label":"z","value":99999.99}]}}',
	});
	let res = await put('9007199254740993');
	assertProblem(res, 422);
	assert.deepEqual(res.json.errors.map((x) => x.path), ['data.count'], 'beyond its max (and beyond a double)');
	res = await put('999999');
	assert.equal(res.status, 200, res.text);
	const s = await sectionOf(e.id, 'readings');
	assert.equal(s.data.temperature, '12.50', 'a decimal keeps its digits, sent as a JSON number');
	assert.equal(s.data.count, 999999);
	assert.equal(s.data.day, '2024-02-29');
	assert.equal(s.data.logged, '2026-11-23T06:35:50.000Z', 'a datetime reads back in UTC');
	assert.equal(s.data.at, '07:35:00');
	assert.deepEqual(s.tables.readings.map((r) => r.value), ['1000', '-0.000100', '99999.99']);
	assert.deepEqual(res.json.data, s.data, 'the PUT answer has the values as GET reads them');
	assert.deepEqual(res.json.tables, s.tables);
	const [h] = await history(e.id, 'readings');
	assert.deepEqual(h.data, s.data, 'history keeps the values as GET reads them');
	assert.deepEqual(h.tables, s.tables);

	// Datetimes in any offset read back in UTC with milliseconds, the same in every answer.
	for (const [written, read] of [
		['2024-03-01T00:30:00+01:00', '2024-02-29T23:30:00.000Z'],
		['2026-12-31T23:59:59.9999-00:30', '2027-01-01T00:29:59.999Z'],
		['0001-01-01T00:00:00Z', '0001-01-01T00:00:00.000Z'],
		['9999-12-31T23:59:59.123456z', '9999-12-31T23:59:59.123Z'],
		['2000-02-29t12:00:00.5-15:59', '2000-03-01T03:59:00.500Z'],
	]) {
		const r = await save(e.id, 'readings', { data: { temperature: 1, logged: written } }, { ifMatch: '*' });
		assert.equal(r.status, 200, r.text);
		assert.equal(r.json.data.logged, read, `${written}: the PUT answer`);
		assert.equal((await sectionOf(e.id, 'readings')).data.logged, read, `${written}: GET`);
		assert.equal((await history(e.id, 'readings')).at(-1).data.logged, read, `${written}: history`);
	}
});

// RFC 3339 allows offsets up to ±23:59 while PostgreSQL refuses offsets beyond ±15:59 (22009):
// the value engine hands the store the UTC instant, so such a value saves like any other.
test('a datetime with an offset beyond ±15:59 is saved, or refused with its path', async () => {
	const e = await createEntry(KEY);
	const r = await save(e.id, 'readings', { data: { temperature: 1, logged: '2000-02-29T12:00:00-23:59' } }, { ifMatch: '*' });
	if (r.status === 422)
		assert.deepEqual(r.json.errors?.map((x) => x.path), ['data.logged'], r.text);
	else {
		assert.equal(r.status, 200, r.text);
		assert.equal(r.json.data.logged, '2000-03-01T11:59:00.000Z');
	}
});

test('422 lists every error of a save in one response, and the section is unchanged', async () => {
	const e = await createEntry(KEY);
	let res = await save(e.id, 'readings', readingsBody(7), { ifMatch: '*' });
	assert.equal(res.status, 200, res.text);
	const before = await sectionOf(e.id, 'readings');

	res = await save(e.id, 'readings', {
		data: {
			temperature: 120.01,
			count: 1.5,
			note: 'x'.repeat(21),
			ok: 'yes',
			day: '2026-02-30',
			at: '25:00',
			logged: '2026-11-23 07:35:50',
			shift: 'afternoon',
			checks: ['pumps', 'pumps'],
			colour: 'red',
		},
		tables: {
			readings: [
				{ label: 'fine', value: 1 },
				{ label: 'bad value', value: 'twelve' },
				{ value: '1' },
				{ label: 'too big', value: 100000.5, extra: true },
			],
		},
	}, { ifMatch: before.etag });
	assertProblem(res, 422);
	const got = res.json.errors.map((x) => `${x.path}:${x.code}`).sort();
	assert.deepEqual(got, [
		'data.at:format',
		'data.checks[1]:duplicate',
		'data.colour:unknown_member',
		'data.count:type',
		'data.day:format',
		'data.logged:format',
		'data.note:max_length',
		'data.ok:type',
		'data.shift:choice',
		'data.temperature:max',
		'tables.readings[1].value:format',
		'tables.readings[2].label:required',
		'tables.readings[3].extra:unknown_member',
		'tables.readings[3].value:max',
	].sort(), res.text);
	for (const x of res.json.errors)
		assert.equal(typeof x.message, 'string');

	// A required field missing and a row count over max_rows, together.
	res = await save(e.id, 'readings', {
		data: {},
		tables: { readings: Array.from({ length: 51 }, () => ({ label: 'r', value: 1 })) },
	}, { ifMatch: before.etag });
	assertProblem(res, 422);
	assert.deepEqual(res.json.errors.map((x) => `${x.path}:${x.code}`).sort(),
		['data.temperature:required', 'tables.readings:max_rows']);

	const after = await sectionOf(e.id, 'readings');
	assert.deepEqual(after, before, 'nothing changed');
	assert.equal((await history(e.id, 'readings')).length, 1);

	// Malformed JSON is a 400, a body that is not an object a 422 or 400, unknown section 404.
	res = await request('PUT', `/api/v1/entries/${e.id}/sections/readings`, {
		token: author, headers: { 'If-Match': before.etag, 'Content-Type': 'application/json' }, body: '{"data":',
	});
	assertProblem(res, 400);
	res = await save(e.id, 'nosuch', readingsBody(1), { ifMatch: '*' });
	assertProblem(res, 404);
	res = await save(randomUUID(), 'readings', readingsBody(1), { ifMatch: '*' });
	assertProblem(res, 404);
	res = await save(e.id, 'readings', readingsBody(1), { ifMatch: '*', token: reviewer });
	assertProblem(res, 403);

	// Unknown tables and body members are reported with their paths, all at once.
	res = await save(e.id, 'readings', { data: { temperature: 1 }, tables: { readings: [], nosuch: [] }, extra: 1 },
		{ ifMatch: '*' });
	assertProblem(res, 422);
	assert.deepEqual(res.json.errors.map((x) => `${x.path}:${x.code}`).sort(), ['extra:unknown_member', 'tables.nosuch:unknown_member']);
	assert.deepEqual(await sectionOf(e.id, 'readings'), after);
});

test('history: 404 for an unknown entry or section; every user may read it', async () => {
	const e = await createEntry(KEY);
	for (const path of [`${e.id}/sections/nosuch`, `00000000-0000-4000-8000-000000000000/sections/readings`, 'nope/sections/readings']) {
		const res = await request('GET', `/api/v1/entries/${path}/history`, { token: auditor });
		assertProblem(res, 404);
	}
	// A section nobody has saved or moved yet has an empty history, not a 404.
	const empty = await request('GET', `/api/v1/entries/${e.id}/sections/readings/history`, { token: auditor });
	assert.equal(empty.status, 200, empty.text);
	assert.deepEqual(empty.json, { items: [], next_cursor: null });
	await save(e.id, 'readings', readingsBody(3), { ifMatch: '*' });
	for (const token of [author2, reviewer, approver, user('history-designer', ['designer'])]) {
		const res = await request('GET', `/api/v1/entries/${e.id}/sections/readings/history`, { token });
		assert.equal(res.status, 200, res.text);
		assert.equal(res.json.items.length, 1);
	}
});

test('saving a section that is not a draft is a 409 and changes nothing', async () => {
	for (const state of ['submitted', 'in_review', 'approved', 'rejected']) {
		const e = await createEntry(KEY);
		let res = await save(e.id, 'readings', readingsBody(1), { ifMatch: '*' });
		assert.equal(res.status, 200, res.text);
		const before = await driveTo(e.id, 'readings', state);
		for (const ifMatch of [before.etag, '*']) {
			res = await save(e.id, 'readings', readingsBody(2), { ifMatch });
			assertProblem(res, 409);
		}
		const after = await sectionOf(e.id, 'readings');
		assert.equal(after.etag, before.etag, state);
		assert.deepEqual(after.data, before.data, state);
		assert.deepEqual(after.tables, before.tables, state);
	}
});

test('ETags: missing If-Match 428, stale 412 changing nothing, If-Match: * overwrites, ETag header = etag', async () => {
	const e = await createEntry(KEY);
	const first = e.sections.readings.etag;

	let res = await save(e.id, 'readings', readingsBody(1));
	assertProblem(res, 428);
	res = await transition(e.id, 'readings', 'submit', { token: author });
	assertProblem(res, 428);
	assert.deepEqual(await sectionOf(e.id, 'readings'), e.sections.readings, '428s changed nothing');

	res = await save(e.id, 'readings', readingsBody(1), { ifMatch: first });
	assert.equal(res.status, 200, res.text);
	const saved = res.json;
	assert.equal(res.headers.etag, saved.etag);

	// The first ETag is stale now, for saves and transitions alike.
	for (const stale of [first, '"999999"', 'W/' + saved.etag, saved.etag.replace(/"/g, '')]) {
		res = await save(e.id, 'readings', readingsBody(2), { ifMatch: stale });
		assertProblem(res, 412);
		res = await transition(e.id, 'readings', 'submit', { token: author, ifMatch: stale });
		assertProblem(res, 412);
	}
	let now = await sectionOf(e.id, 'readings');
	assert.equal(now.etag, saved.etag);
	assert.equal(now.state, 'draft');
	assert.deepEqual(now.data, saved.data);
	assert.deepEqual(now.tables, saved.tables);
	assert.equal((await history(e.id, 'readings')).length, 1, 'no history for a 412');

	// If-Match: * matches whatever the section's revision is.
	res = await save(e.id, 'readings', readingsBody(3), { ifMatch: '*' });
	assert.equal(res.status, 200, res.text);
	assert.equal(res.json.data.n, 3);
	assert.equal(res.headers.etag, res.json.etag);
	now = await sectionOf(e.id, 'readings');
	assert.equal(now.etag, res.json.etag);
	res = await transition(e.id, 'readings', 'submit', { token: author, ifMatch: '*' });
	assert.equal(res.status, 200, res.text);
	assert.equal(res.json.state, 'submitted');
	assert.equal(res.headers.etag, res.json.etag);
	now = await sectionOf(e.id, 'readings');
	assert.equal(now.etag, res.json.etag, 'the transition ETag is the section etag');
	assert.notEqual(now.etag, saved.etag);
});

test('Idempotency-Key on entry creation: replayed once, same status and body; another body 409', async () => {
	const creator = user('idem-creator', ['author']);
	const key = `create-${TAG}-${randomUUID()}`;
	const body = { title: 'retried over a bad network' };
	const first = await request('POST', `/api/v1/templates/${KEY}/entries`, {
		token: creator, body, headers: { 'Idempotency-Key': key },
	});
	assert.equal(first.status, 201, first.text);
	assert.equal(first.headers['idempotent-replayed'], undefined);
	const again = await request('POST', `/api/v1/templates/${KEY}/entries`, {
		token: creator, body, headers: { 'Idempotency-Key': key },
	});
	assert.equal(again.status, 201, again.text);
	assert.equal(again.text, first.text, 'the same body, byte for byte');
	assert.equal(again.headers['idempotent-replayed'], 'true');
	assert.equal(again.headers.location, first.headers.location);

	const list = await request('GET', `/api/v1/entries?author=${subOf('idem-creator')}`, { token: creator });
	assert.equal(list.status, 200, list.text);
	assert.deepEqual(list.json.items.map((x) => x.id), [first.json.id], 'one entry');
	const rows = await auditRows(`object_type=entry&object_id=${first.json.id}&action=create`);
	assert.equal(rows.length, 1, 'one audit row');

	const other = await request('POST', `/api/v1/templates/${KEY}/entries`, {
		token: creator, body: { title: 'something else' }, headers: { 'Idempotency-Key': key },
	});
	assertProblem(other, 409);
	// Another user's key space is their own.
	const stranger = await request('POST', `/api/v1/templates/${KEY}/entries`, {
		token: author2, body: { title: 'something else' }, headers: { 'Idempotency-Key': key },
	});
	assert.equal(stranger.status, 201, stranger.text);
	assert.notEqual(stranger.json.id, first.json.id);
});

test('Idempotency-Key on transitions: replayed with its ETag, done once (one audit row); another body 409', async () => {
	const e = await createEntry(KEY);
	let res = await save(e.id, 'readings', readingsBody(4), { ifMatch: '*' });
	assert.equal(res.status, 200, res.text);
	const key = `submit-${TAG}-${randomUUID()}`;
	const headers = { 'Idempotency-Key': key };
	const first = await transition(e.id, 'readings', 'submit', { token: author, ifMatch: res.json.etag, headers });
	assert.equal(first.status, 200, first.text);
	// The retry comes with the ETag the client had before: the replay answers all the same.
	const again = await transition(e.id, 'readings', 'submit', { token: author, ifMatch: res.json.etag, headers });
	assert.equal(again.status, 200, again.text);
	assert.equal(again.text, first.text);
	assert.equal(again.headers['idempotent-replayed'], 'true');
	assert.equal(again.headers.etag, first.headers.etag);
	const s = await sectionOf(e.id, 'readings');
	assert.equal(s.state, 'submitted');
	assert.equal(s.etag, first.json.etag, 'done once');
	const rows = await auditRows(`object_type=entry&object_id=${e.id}&action=submit`);
	assert.equal(rows.length, 1, 'one audit row');
	assert.equal((await history(e.id, 'readings')).filter((h) => h.action === 'submit').length, 1);

	res = await transition(e.id, 'readings', 'submit', { token: author, ifMatch: s.etag, comment: 'other body', headers });
	assertProblem(res, 409);

	// The same key on another object is another request.
	const e2 = await createEntry(KEY);
	res = await transition(e2.id, 'readings', 'submit', { token: author, ifMatch: '*', headers });
	assertProblem(res, 409);
	assert.equal((await sectionOf(e2.id, 'readings')).state, 'draft');
	// Keys are at most 128 visible characters.
	res = await transition(e2.id, 'readings', 'submit', { token: author, ifMatch: '*', headers: { 'Idempotency-Key': 'k'.repeat(129) } });
	assertProblem(res, 400);
	assert.equal((await sectionOf(e2.id, 'readings')).state, 'draft');

	// A failed attempt is not stored: the same key may be used again once it can succeed.
	const key2 = `review-${TAG}-${randomUUID()}`;
	res = await transition(e.id, 'readings', 'start_review', { token: reviewer, ifMatch: '"0"', headers: { 'Idempotency-Key': key2 } });
	assertProblem(res, 412);
	res = await transition(e.id, 'readings', 'start_review', { token: reviewer, ifMatch: s.etag, headers: { 'Idempotency-Key': key2 } });
	assert.equal(res.status, 200, res.text);
	assert.equal(res.headers['idempotent-replayed'], undefined);
});

test('a table row that breaks a database constraint the template lacks: 4xx naming it, the whole section unchanged', async () => {
	const key = templateKey('constraint');
	await publishTemplate(key);
	const e = await createEntry(key);
	let res = await save(e.id, 'readings', readingsBody(1), { ifMatch: '*' });
	assert.equal(res.status, 200, res.text);
	const before = await sectionOf(e.id, 'readings');
	const historyBefore = await history(e.id, 'readings');
	const auditBefore = await auditRows(`object_type=entry&object_id=${e.id}`);

	psql(`ALTER TABLE "tpl_${key}"."readings__readings" ADD CONSTRAINT readings_value_below_1000 CHECK (value < 1000)`);
	const body = readingsBody(2, 4);
	body.tables.readings[2].value = '5000'; // within the template's max of 100000
	res = await save(e.id, 'readings', body, { ifMatch: before.etag });
	// A CHECK violation (23514) is a 422 whose errors name the table the rows were for.
	assertProblem(res, 422);
	assert.deepEqual(res.json.errors?.map((x) => `${x.path}:${x.code}`), ['tables.readings:constraint'], res.text);

	const after = await sectionOf(e.id, 'readings');
	assert.deepEqual(after, before, 'section row and table rows as before');
	assert.deepEqual(await history(e.id, 'readings'), historyBefore);
	assert.equal((await auditRows(`object_type=entry&object_id=${e.id}`)).length, auditBefore.length);
	const rows = psql(`SELECT n, count(*) FROM "tpl_${key}"."readings__readings" WHERE _entry_id = :'id' GROUP BY n`,
		{ vars: { id: e.id } });
	assert.deepEqual(rows, [['1', '3']], 'the old rows, all of them, and nothing else');

	// A NOT NULL the definition lacks, on a section field: named as data.
	psql(`ALTER TABLE "tpl_${key}"."readings" ALTER COLUMN note SET NOT NULL`);
	res = await save(e.id, 'readings', { data: { temperature: 1 } }, { ifMatch: before.etag });
	assertProblem(res, 422);
	assert.deepEqual(res.json.errors?.map((x) => `${x.path}:${x.code}`), ['data:constraint'], res.text);
	assert.deepEqual(await sectionOf(e.id, 'readings'), before);

	// The same save within the constraint goes through.
	body.tables.readings[2].value = '999.99';
	res = await save(e.id, 'readings', body, { ifMatch: before.etag });
	assert.equal(res.status, 200, res.text);
	assert.equal((await sectionOf(e.id, 'readings')).tables.readings.length, 4);
});

test('list: each filter, keyset pagination visits every entry once, bad query 400', async () => {
	const key = templateKey('list');
	await publishTemplate(key);
	const la = user('list-a', ['author']);
	const lb = user('list-b', ['author']);
	const ids = { a: [], b: [] };
	for (let i = 0; i < 5; i++)
		ids.a.push((await createEntry(key, { token: la })).id);
	for (let i = 0; i < 3; i++)
		ids.b.push((await createEntry(key, { token: lb })).id);
	const all = [...ids.a, ...ids.b];

	// States: a[0] readings approved, a[1] readings submitted, b[0] summary submitted.
	for (const [id, section, state, tok] of [[ids.a[0], 'readings', 'approved', la], [ids.a[1], 'readings', 'submitted', la],
		[ids.b[0], 'summary', 'submitted', lb]]) {
		const res = await save(id, section, section === 'readings' ? readingsBody(1) : { data: { text: 'x' } },
			{ ifMatch: '*', token: tok });
		assert.equal(res.status, 200, res.text);
		let s = res.json;
		const path = { submitted: [['submit', tok]], approved: [['submit', tok], ['start_review', reviewer], ['approve', approver]] }[state];
		for (const [action, t] of path)
			s = await step(id, section, action, t);
		assert.equal(s.state, state);
	}
	await sleep(30);
	const cut = new Date().toISOString();
	await sleep(30);
	const touched = [ids.a[3], ids.b[2]];
	for (const id of touched) {
		const res = await save(id, 'summary', { data: { text: 'late' } }, { ifMatch: '*', token: id === ids.a[3] ? la : lb });
		assert.equal(res.status, 200, res.text);
	}

	async function walk(query, limit) {
		const seen = [];
		let cursor = null, pages = 0;
		do {
			const q = `${query}&limit=${limit}` + (cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`);
			const res = await request('GET', `/api/v1/entries?${q}`, { token: reviewer });
			assert.equal(res.status, 200, res.text);
			assert.ok(res.json.items.length <= limit);
			seen.push(...res.json.items);
			cursor = res.json.next_cursor;
			assert.ok(++pages < 10000);
		} while (cursor !== null);
		return seen;
	}
	const idsOf = (items) => items.map((x) => x.id);
	const sorted = (xs) => [...xs].sort();

	let items = await walk(`template=${key}`, 50);
	assert.deepEqual(sorted(idsOf(items)), sorted(all), 'template filter');
	// (updated_at, id) order: the touched ones come last.
	assert.deepEqual(sorted(idsOf(items.slice(-2))), sorted(touched));
	for (let i = 1; i < items.length; i++)
		assert.ok(items[i - 1].updated_at <= items[i].updated_at, 'ordered by updated_at');
	const one = items.find((x) => x.id === ids.a[0]);
	assert.equal(one.template, key);
	assert.equal(one.template_version, 1);
	assert.equal(one.created_by, subOf('list-a'));
	assert.equal(one.sections.readings.state, 'approved');
	assert.match(one.sections.readings.etag, /^"[^"]+"$/);

	// Every page size walks the same entries, each exactly once.
	for (const limit of [1, 2, 3, 7, 8, 500]) {
		const got = idsOf(await walk(`template=${key}`, limit));
		assert.equal(new Set(got).size, got.length, `limit ${limit}: no entry twice`);
		assert.deepEqual(got, idsOf(items), `limit ${limit}: the same entries in the same order`);
	}
	// Without filters too (the whole table so far).
	const everything = idsOf(await walk('', 500));
	assert.equal(new Set(everything).size, everything.length);
	for (const id of all)
		assert.ok(everything.includes(id));

	assert.deepEqual(sorted(idsOf(await walk(`author=${subOf('list-a')}`, 2))), sorted(ids.a), 'author filter');
	assert.deepEqual(sorted(idsOf(await walk(`author=${subOf('list-b')}&template=${key}`, 2))), sorted(ids.b), 'author and template');
	assert.deepEqual(idsOf(await walk(`template=${key}&state=approved`, 2)), [ids.a[0]], 'state filter');
	assert.deepEqual(sorted(idsOf(await walk(`template=${key}&state=submitted`, 2))), sorted([ids.a[1], ids.b[0]]), 'state: any section');
	assert.deepEqual(idsOf(await walk(`template=${key}&section=summary&state=submitted`, 2)), [ids.b[0]], 'section and state');
	assert.deepEqual(idsOf(await walk(`template=${key}&section=readings&state=submitted`, 2)), [ids.a[1]]);
	assert.deepEqual(sorted(idsOf(await walk(`template=${key}&section=readings`, 3))), sorted(all), 'section filter');
	assert.deepEqual(idsOf(await walk(`template=${key}&section=nosuch`, 3)), []);
	assert.deepEqual(sorted(idsOf(await walk(`template=${key}&updated_after=${encodeURIComponent(cut)}`, 1))), sorted(touched), 'updated_after');
	assert.deepEqual(idsOf(await walk(`template=${key}&updated_after=${encodeURIComponent(cut)}&author=${subOf('list-b')}`, 1)), [ids.b[2]]);
	assert.deepEqual(idsOf(await walk(`template=${key}&state=draft&author=${subOf('list-a')}&section=readings`, 5)),
		idsOf(items).filter((id) => ids.a.includes(id) && id !== ids.a[0] && id !== ids.a[1]), 'all filters together');
	assert.deepEqual(idsOf(await walk(`template=${TAG}_nosuch`, 5)), []);

	const cursor = Buffer.from(`2026-01-01 00:00:00+00|${randomUUID()}`).toString('base64url');
	const ok = await request('GET', `/api/v1/entries?limit=1&cursor=${cursor}`, { token: reviewer });
	assert.equal(ok.status, 200, `a well-formed cursor: ${ok.text}`);
	for (const q of ['limit=0', 'limit=501', 'limit=-1', 'limit=abc', 'limit=', 'limit=1.5', 'cursor=%%%',
		'cursor=bm90LWEtY3Vyc29y', `cursor=${Buffer.from(`not a time|${randomUUID()}`).toString('base64url')}`,
		`cursor=${Buffer.from('2026-01-01 00:00:00+00|nope').toString('base64url')}`,
		'state=done', 'updated_after=yesterday', 'updated_after=2026-13-45T99:00:00Z']) {
		const res = await request('GET', `/api/v1/entries?${q}`, { token: reviewer });
		assert.equal(res.status, 400, `${q}: ${res.text}`);
		assertProblem(res, 400);
	}
});
