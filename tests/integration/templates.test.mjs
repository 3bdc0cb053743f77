// Templates (issue 3), the API: create, every definition error in one 422, duplicate keys,
// roles, list filters, versions, drafts with If-Match, archive, and the audit row of every
// change. The DDL of publishing is in templates-publish.test.mjs, schema evolution with live
// data in templates-evolution.test.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request, assertProblem, tokenFor } from './lib/index.mjs';
import { psql } from './lib/psql.mjs';
import {
	designer, author, auditor, reader, DESIGNER_SUB, createTemplate, getTemplate, putDraft,
	publish, publishOk, newEntry, getEntry, templateAudit, schemaExists,
} from './lib/templates.mjs';

function simple(key, title = `Template ${key}`) {
	return {
		key, title, description: 'one section, one field',
		sections: [{ key: 'main', title: 'Main', fields: [{ key: 'note', label: 'Note', type: 'text' }] }],
	};
}

// The {path, code} pairs of a 422's errors.
function errorPairs(res) {
	assert.ok(Array.isArray(res.json.errors), `errors[] in ${res.text}`);
	for (const e of res.json.errors) {
		assert.equal(typeof e.path, 'string');
		assert.equal(typeof e.code, 'string');
		assert.equal(typeof e.message, 'string');
		assert.ok(e.message.length > 0);
	}
	return res.json.errors.map((e) => `${e.path} ${e.code}`);
}

function templateCount() {
	return Number(psql('SELECT count(*) FROM templates')[0][0]);
}

test('POST /templates answers 201 with Location, ETag and version 1 as a draft', async () => {
	const def = {
		key: 't3_create', title: 'Shift log', description: 'Handover notes',
		sections: [
			{
				key: 'handover', title: 'Handover', review_sla_hours: 8,
				fields: [
					{ key: 'summary', label: 'Summary', type: 'text', required: true, max_length: 500 },
					{ key: 'temperature', label: 'Temperature', type: 'decimal', min: -40, max: '120.5' },
				],
				tables: [{ key: 'alarms', label: 'Alarms', min_rows: 0, max_rows: 20,
					columns: [{ key: 'at', type: 'time', required: true }, { key: 'what', type: 'text' }] }],
			},
		],
		workflow: { submit: ['author'], approve: ['approver', 'admin'] },
	};
	const res = await createTemplate(def);
	assert.match(res.headers['content-type'], /^application\/json\b/);
	assert.equal(res.headers.location, '/api/v1/templates/t3_create');
	assert.match(res.headers.etag, /^"[^"]+"$/);
	const t = res.json;
	assert.equal(t.key, 't3_create');
	assert.equal(t.title, 'Shift log');
	assert.equal(t.description, 'Handover notes');
	assert.equal(t.version, 1);
	assert.equal(t.status, 'draft');
	assert.equal(t.created_by, DESIGNER_SUB);
	assert.equal(t.published_at, null);
	assert.equal(t.archived, false);
	// The definition comes back as it was sent, members in the designer's order.
	assert.deepEqual(t.sections, def.sections);
	assert.deepEqual(Object.keys(t.sections[0].fields[0]), ['key', 'label', 'type', 'required', 'max_length']);
	assert.deepEqual(t.workflow, def.workflow);
	assert.deepEqual(t.versions, [{ version: 1, status: 'draft', published_at: null }]);

	const got = await getTemplate('t3_create');
	assert.equal(got.headers.etag, res.headers.etag, 'GET answers the same ETag');
	assert.deepEqual(got.json.sections, def.sections);
	// A draft creates no tables.
	assert.equal(schemaExists('tpl_t3_create'), false);
});

test('every definition error is reported with its path in one 422, and nothing is stored', async () => {
	const before = templateCount();
	const doc = {
		key: 'Bad Key',
		title: 'T'.repeat(201),
		colour: 'red',
		sections: [
			{
				key: 'main',
				fields: [
					{ key: 'a', type: 'float' },
					{ key: 'b', type: 'integer', min: 10, max: 1 },
					{ key: 'c', type: 'choice' },
					{ key: 'a', type: 'text' },
					{ key: 'e', type: 'text', pattern: '(unclosed' },
					{ key: 'f', type: 'text', min_length: 5, max_length: 2 },
					{ key: 'g', type: 'choice', choices: [] },
					{ key: 'h', type: 'multichoice', choices: ['x', 'y', 'x', ''] },
					{ key: 'i', type: 'integer', pattern: '[0-9]+' },
					{ key: 'j', type: 'text', label: 'L'.repeat(201) },
					{ key: 'k', type: 'choice', choices: Array.from({ length: 501 }, (_, n) => `c${n}`) },
					{ key: 'l', type: 'text', max_length: 100001 },
					{ key: 'Upper', type: 'text' },
					{ key: 'x'.repeat(41), type: 'text' },
					{ key: 'm', type: 'date', min: '2026-02-30' },
					{ key: 'n', type: 'text', required: 'yes' },
					{ label: 'no key', type: 'text' },
					{ key: 'o', type: 'integer', default: 'abc' },
					{ key: 'p', type: 'text', pattern: '(a)\\1' },
					{ key: 'q', type: 'decimal', min: '1.5', max: '1.25' },
					{ key: 'r', type: 'date', min: '2026-12-31', max: '2026-01-01' },
					{ key: 's', type: 'choice', choices: ['ok', 'c'.repeat(201)] },
					{ key: 't', type: 'text', help: 'H'.repeat(2001) },
					{ key: 'u', type: 'text', pattern: 'p'.repeat(501) },
				],
				tables: [
					{ key: 'rows', min_rows: 5, max_rows: 1, columns: [] },
					{ key: 'more', columns: [{ key: 'q', type: 'blob' }, { key: 'q', type: 'text' }] },
				],
			},
			{ key: 'main', fields: [] },
			{ key: '9lives' },
			{ key: 'a__b', tables: [{ key: 'c', columns: [{ key: 'x', type: 'text' }] }] },
			{ key: 'a', tables: [{ key: 'b__c', columns: [{ key: 'x', type: 'text' }] }] },
		],
		workflow: { submit: ['wizard'], fly: ['author'] },
	};
	const res = await request('POST', '/api/v1/templates', { token: designer, body: doc });
	assertProblem(res, 422);
	const got = errorPairs(res);
	const f = (i, rest) => `sections[0].fields[${i}].${rest}`;
	const expected = [
		'key invalid_key',
		'title too_long',
		'colour unknown_member',
		f(0, 'type unknown_type'),
		f(1, 'max range'),
		f(2, 'choices required'),
		f(3, 'key duplicate'),
		f(4, 'pattern invalid_pattern'),
		f(5, 'max_length range'),
		f(6, 'choices empty'),
		f(7, 'choices[2] duplicate'),
		f(7, 'choices[3] empty'),
		f(8, 'pattern not_applicable'),
		f(9, 'label too_long'),
		f(10, 'choices too_many'),
		f(11, 'max_length max'),
		f(12, 'key invalid_key'),
		f(13, 'key invalid_key'),
		f(14, 'min format'),
		f(15, 'required type'),
		f(16, 'key required'),
		f(17, 'default type'),
		f(18, 'pattern invalid_pattern'),
		f(19, 'max range'),
		f(20, 'max range'),
		f(21, 'choices[1] too_long'),
		f(22, 'help too_long'),
		f(23, 'pattern too_long'),
		'sections[0].tables[0].max_rows range',
		'sections[0].tables[0].columns empty',
		'sections[0].tables[1].columns[0].type unknown_type',
		'sections[0].tables[1].columns[1].key duplicate',
		'sections[1].key duplicate',
		'sections[2].key invalid_key',
		'sections[4].tables[0].key collision',
		'workflow.submit[0] unknown_role',
		'workflow.fly unknown_member',
	];
	for (const e of expected)
		assert.ok(got.includes(e), `missing error "${e}" in ${JSON.stringify(got, null, 1)}`);
	assert.equal(got.length, new Set(got).size, 'each error once');
	assert.match(res.json.detail, new RegExp(`${res.json.errors.length} errors`));
	assert.equal(templateCount(), before, 'nothing stored');
});

test('limits: sections, items per section, columns per table', async () => {
	const field = (k) => ({ key: k, type: 'text' });
	const doc = {
		key: 't3_limits',
		sections: [
			{
				key: 's0',
				fields: Array.from({ length: 201 }, (_, i) => field(`f${i}`)),
			},
			{
				key: 's1',
				tables: [{ key: 't', columns: Array.from({ length: 101 }, (_, i) => field(`c${i}`)) }],
			},
			...Array.from({ length: 49 }, (_, i) => ({ key: `x${i}`, fields: [field('a')] })),
		],
	};
	let res = await request('POST', '/api/v1/templates', { token: designer, body: doc });
	assertProblem(res, 422);
	let got = errorPairs(res);
	for (const e of ['sections too_many', 'sections[0] too_many', 'sections[1].tables[0].columns too_many'])
		assert.ok(got.includes(e), `missing "${e}" in ${JSON.stringify(got)}`);

	// Exactly at every limit is fine.
	doc.sections = [
		{ key: 's0', fields: Array.from({ length: 200 }, (_, i) => field(`f${i}`)) },
		{ key: 's1', tables: [{ key: 't', columns: Array.from({ length: 100 }, (_, i) => field(`c${i}`)) }] },
		...Array.from({ length: 48 }, (_, i) => ({ key: `x${i}`, fields: [field('a')] })),
	];
	res = await createTemplate(doc);
	assert.equal(res.json.sections.length, 50);

	// No sections at all, and a document that is not an object.
	res = await request('POST', '/api/v1/templates', { token: designer, body: { key: 't3_nosections' } });
	assertProblem(res, 422);
	got = errorPairs(res);
	assert.ok(got.includes('sections required'), JSON.stringify(got));
	res = await request('POST', '/api/v1/templates', {
		token: designer, headers: { 'Content-Type': 'application/json' }, body: '{"key": "t3_broken", ',
	});
	assertProblem(res, 400);
	await request('GET', '/api/v1/templates/t3_nosections', { token: reader }).then((r) => assertProblem(r, 404));
});

test('a second template with an existing key gets 409 and changes nothing', async () => {
	await createTemplate(simple('t3_dup', 'First'));
	const etag = (await getTemplate('t3_dup')).headers.etag;
	const res = await request('POST', '/api/v1/templates', { token: designer, body: simple('t3_dup', 'Second') });
	assertProblem(res, 409);
	const got = await getTemplate('t3_dup');
	assert.equal(got.json.title, 'First');
	assert.equal(got.headers.etag, etag);
	assert.deepEqual((await templateAudit('t3_dup')).map((a) => a.action), ['create']);
});

test('only designers (and admins) change templates; any user reads them', async () => {
	await createTemplate(simple('t3_roles'));
	const etag = (await getTemplate('t3_roles')).headers.etag;
	for (const token of [author, auditor, reader]) {
		assertProblem(await request('POST', '/api/v1/templates', { token, body: simple('t3_roles_x') }), 403);
		assertProblem(await request('PUT', '/api/v1/templates/t3_roles/draft', {
			token, headers: { 'If-Match': etag }, body: simple('t3_roles', 'Changed'),
		}), 403);
		assertProblem(await publish('t3_roles', 1, { token }), 403);
		assertProblem(await publish('t3_roles', 1, { token, dryRun: true }), 403);
		assertProblem(await request('POST', '/api/v1/templates/t3_roles/archive', { token }), 403);
		assert.equal((await getTemplate('t3_roles', token)).json.title, 'Template t3_roles');
	}
	assertProblem(await request('GET', '/api/v1/templates/t3_roles'), 401);
	assertProblem(await request('POST', '/api/v1/templates', { body: simple('t3_roles_y') }), 401);
	const t = await getTemplate('t3_roles');
	assert.equal(t.headers.etag, etag, 'nothing changed');
	assert.equal(t.json.status, 'draft');
	assert.deepEqual((await templateAudit('t3_roles')).map((a) => a.action), ['create']);
	// An admin may do what a designer does.
	const admin = tokenFor({ sub: 'tpl-admin', roles: ['admin'] });
	await createTemplate(simple('t3_roles_admin'), admin);
});

// Every item of GET /templates?status=..., two per page to go through the cursor.
async function listAll(status) {
	const keys = [];
	let cursor = null;
	for (let page = 0; page < 1000; page++) {
		let q = `limit=2${status ? `&status=${status}` : ''}`;
		if (cursor !== null)
			q += `&cursor=${encodeURIComponent(cursor)}`;
		const res = await request('GET', `/api/v1/templates?${q}`, { token: reader });
		assert.equal(res.status, 200, res.text);
		assert.ok(res.json.items.length <= 2);
		for (const it of res.json.items)
			keys.push(it);
		cursor = res.json.next_cursor;
		if (cursor === null)
			return keys;
	}
	throw new Error('too many pages');
}

test('GET /templates lists by status, with keyset pages', async () => {
	await createTemplate(simple('t3_list_draft'));
	await createTemplate(simple('t3_list_pub'));
	await publishOk('t3_list_pub', 1);
	await createTemplate(simple('t3_list_next'));
	await publishOk('t3_list_next', 1);
	await putDraft('t3_list_next', simple('t3_list_next', 'Next version'));
	await createTemplate(simple('t3_list_gone'));
	await publishOk('t3_list_gone', 1);
	const arch = await request('POST', '/api/v1/templates/t3_list_gone/archive', { token: designer });
	assert.equal(arch.status, 200, arch.text);

	const mine = (items) => items.filter((i) => i.key.startsWith('t3_list_')).map((i) => i.key);
	const all = await listAll(null);
	const keys = all.map((i) => i.key);
	assert.deepEqual(keys, [...keys].sort(), 'ordered by key');
	assert.equal(new Set(keys).size, keys.length, 'no item twice across pages');
	assert.deepEqual(mine(all), ['t3_list_draft', 't3_list_gone', 't3_list_next', 't3_list_pub']);
	assert.deepEqual(mine(await listAll('draft')), ['t3_list_draft', 't3_list_next']);
	assert.deepEqual(mine(await listAll('published')), ['t3_list_next', 't3_list_pub']);
	assert.deepEqual(mine(await listAll('archived')), ['t3_list_gone']);

	const next = all.find((i) => i.key === 't3_list_next');
	assert.equal(next.title, 'Next version');
	assert.equal(next.latest_version, 2);
	assert.equal(next.latest_status, 'draft');
	assert.equal(next.published_version, 1);
	assert.equal(next.archived, false);
	const gone = all.find((i) => i.key === 't3_list_gone');
	assert.equal(gone.archived, true);

	assertProblem(await request('GET', '/api/v1/templates?status=deleted', { token: reader }), 400);
});

test('GET /templates/{key} answers the latest version with versions[]; /versions/{n} one version', async () => {
	const v1 = simple('t3_versions', 'First title');
	await createTemplate(v1);
	const pub = await publishOk('t3_versions', 1);
	assert.equal(pub.json.status, 'published');
	assert.equal(pub.json.published_by, DESIGNER_SUB);
	const publishedAt = pub.json.published_at;
	assert.match(publishedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
	const v2 = simple('t3_versions', 'Second title');
	v2.sections[0].fields.push({ key: 'count', type: 'integer' });
	await putDraft('t3_versions', v2);

	const t = (await getTemplate('t3_versions')).json;
	assert.equal(t.version, 2);
	assert.equal(t.status, 'draft');
	assert.equal(t.title, 'Second title');
	assert.deepEqual(t.versions, [
		{ version: 1, status: 'published', published_at: publishedAt },
		{ version: 2, status: 'draft', published_at: null },
	]);

	let res = await request('GET', '/api/v1/templates/t3_versions/versions/1', { token: reader });
	assert.equal(res.status, 200, res.text);
	assert.equal(res.json.version, 1);
	assert.equal(res.json.status, 'published');
	assert.equal(res.json.title, 'First title');
	assert.deepEqual(res.json.sections, v1.sections);
	res = await request('GET', '/api/v1/templates/t3_versions/versions/2', { token: reader });
	assert.equal(res.status, 200, res.text);
	assert.equal(res.json.status, 'draft');
	assert.deepEqual(res.json.sections, v2.sections);

	for (const n of ['3', '0', '-1', 'abc', '1x', '99999999999999999999'])
		assertProblem(await request('GET', `/api/v1/templates/t3_versions/versions/${n}`, { token: reader }), 404);
	assertProblem(await request('GET', '/api/v1/templates/t3_nothing', { token: reader }), 404);
	assertProblem(await request('GET', '/api/v1/templates/t3_nothing/versions/1', { token: reader }), 404);
});

test('PUT /templates/{key}/draft needs If-Match: 428 without, 412 stale, 200 with the ETag', async () => {
	await createTemplate(simple('t3_draft', 'Original'));
	const etag0 = (await getTemplate('t3_draft')).headers.etag;
	const url = '/api/v1/templates/t3_draft/draft';

	assertProblem(await request('PUT', url, { token: designer, body: simple('t3_draft', 'No if-match') }), 428);
	assertProblem(await request('PUT', url, {
		token: designer, headers: { 'If-Match': '"999999"' }, body: simple('t3_draft', 'Stale'),
	}), 412);
	assert.equal((await getTemplate('t3_draft')).json.title, 'Original', '428 and 412 change nothing');

	let res = await request('PUT', url, {
		token: designer, headers: { 'If-Match': etag0 }, body: simple('t3_draft', 'Edited'),
	});
	assert.equal(res.status, 200, res.text);
	const etag1 = res.headers.etag;
	assert.notEqual(etag1, etag0, 'a new ETag');
	assert.equal(res.json.title, 'Edited');
	assert.equal(res.json.version, 1, 'the draft is replaced, not versioned');
	assert.deepEqual(res.json.versions.map((v) => [v.version, v.status]), [[1, 'draft']]);

	// The old ETag is stale now.
	res = await request('PUT', url, { token: designer, headers: { 'If-Match': etag0 }, body: simple('t3_draft', 'Lost') });
	assertProblem(res, 412);
	assert.equal((await getTemplate('t3_draft')).json.title, 'Edited');

	// The body may leave the key out or repeat it, but not change it; invalid is 422.
	const noKey = simple('t3_draft', 'Without key');
	delete noKey.key;
	res = await request('PUT', url, { token: designer, headers: { 'If-Match': etag1 }, body: noKey });
	assert.equal(res.status, 200, res.text);
	assert.equal(res.json.key, 't3_draft');
	const etag2 = res.headers.etag;
	res = await request('PUT', url, { token: designer, headers: { 'If-Match': etag2 }, body: simple('t3_other') });
	assertProblem(res, 422);
	assert.deepEqual(errorPairs(res), ['key immutable']);
	const invalid = simple('t3_draft');
	invalid.sections[0].fields.push({ key: 'n', type: 'integer', min: 3, max: 2 });
	res = await request('PUT', url, { token: designer, headers: { 'If-Match': etag2 }, body: invalid });
	assertProblem(res, 422);
	assert.deepEqual(errorPairs(res), ['sections[0].fields[1].max range']);
	assert.equal((await getTemplate('t3_draft')).headers.etag, etag2, '422 changes nothing');

	// If-Match: * overwrites whatever is there.
	res = await request('PUT', url, { token: designer, headers: { 'If-Match': '*' }, body: simple('t3_draft', 'Star') });
	assert.equal(res.status, 200, res.text);
	assert.equal(res.json.title, 'Star');

	assertProblem(await request('PUT', '/api/v1/templates/t3_nothing/draft', {
		token: designer, headers: { 'If-Match': '*' }, body: simple('t3_nothing'),
	}), 404);
});

test('a draft after publishing creates version n+1; the published version stays as it was', async () => {
	await createTemplate(simple('t3_next', 'v1'));
	await publishOk('t3_next', 1);
	let res = await putDraft('t3_next', simple('t3_next', 'v2 first try'));
	assert.equal(res.json.version, 2);
	assert.equal(res.json.status, 'draft');
	res = await putDraft('t3_next', simple('t3_next', 'v2 second try'));
	assert.equal(res.json.version, 2, 'a second PUT replaces the new draft');
	assert.deepEqual(res.json.versions.map((v) => [v.version, v.status]), [[1, 'published'], [2, 'draft']]);
	res = await request('GET', '/api/v1/templates/t3_next/versions/1', { token: reader });
	assert.equal(res.json.title, 'v1');
	assert.equal(res.json.status, 'published');
	// Entries still come from the published version until v2 is published.
	assert.equal((await newEntry('t3_next')).template_version, 1);
	await publishOk('t3_next', 2);
	assert.equal((await newEntry('t3_next')).template_version, 2);
	res = await getTemplate('t3_next');
	assert.deepEqual(res.json.versions.map((v) => [v.version, v.status]), [[1, 'archived'], [2, 'published']]);
	res = await putDraft('t3_next', simple('t3_next', 'v3'));
	assert.equal(res.json.version, 3);
	// Publishing what is not a draft, or a version that does not exist.
	assertProblem(await publish('t3_next', 2), 409);
	assertProblem(await publish('t3_next', 1), 409);
	assertProblem(await publish('t3_next', 4), 404);
	assertProblem(await publish('t3_nothing', 1), 404);
	assertProblem(await request('POST', '/api/v1/templates/t3_next/versions/3/publish?dry_run=maybe',
		{ token: designer }), 400);
});

test('archive: no new entries, existing ones stay readable, no more drafts or publishing', async () => {
	await createTemplate(simple('t3_archive'));
	await publishOk('t3_archive', 1);
	const entry = await newEntry('t3_archive');
	const saved = await request('PUT', `/api/v1/entries/${entry.id}/sections/main`, {
		token: author, headers: { 'If-Match': '*' }, body: { data: { note: 'before archiving' } },
	});
	assert.equal(saved.status, 200, saved.text);
	await putDraft('t3_archive', simple('t3_archive', 'pending v2'));
	const etag = (await getTemplate('t3_archive')).headers.etag;

	let res = await request('POST', '/api/v1/templates/t3_archive/archive', { token: designer });
	assert.equal(res.status, 200, res.text);
	assert.equal(res.json.archived, true);
	assert.notEqual(res.headers.etag, etag);
	assert.equal((await getTemplate('t3_archive')).json.archived, true);

	res = await request('POST', '/api/v1/templates/t3_archive/entries', { token: author, body: {} });
	assertProblem(res, 409);
	const old = await getEntry(entry.id);
	assert.equal(old.template, 't3_archive');
	assert.equal(old.template_version, 1);
	assert.equal(old.sections.main.data.note, 'before archiving');

	assertProblem(await request('POST', '/api/v1/templates/t3_archive/archive', { token: designer }), 409);
	assertProblem(await request('PUT', '/api/v1/templates/t3_archive/draft', {
		token: designer, headers: { 'If-Match': '*' }, body: simple('t3_archive', 'after'),
	}), 409);
	assertProblem(await publish('t3_archive', 2), 409);
	assertProblem(await publish('t3_archive', 2, { dryRun: true }), 409);
	assertProblem(await request('POST', '/api/v1/templates/t3_nothing/archive', { token: designer }), 404);
});

test('every change writes one audit row: create, update, publish, archive', async () => {
	const rid = `t3-audit-${process.pid}`;
	const send = (method, path, body, headers = {}, n = 0) => request(method, path, {
		token: designer, body, headers: { ...headers, 'X-Request-Id': `${rid}-${n}` },
	});
	let res = await send('POST', '/api/v1/templates', simple('t3_audit', 'Audited'), {}, 1);
	assert.equal(res.status, 201, res.text);
	res = await send('PUT', '/api/v1/templates/t3_audit/draft', simple('t3_audit', 'Audited, edited'),
		{ 'If-Match': res.headers.etag }, 2);
	assert.equal(res.status, 200, res.text);
	res = await send('POST', '/api/v1/templates/t3_audit/versions/1/publish?dry_run=true', undefined, {}, 3);
	assert.equal(res.status, 200, res.text);
	res = await send('POST', '/api/v1/templates/t3_audit/versions/1/publish', undefined, {}, 4);
	assert.equal(res.status, 200, res.text);
	res = await send('PUT', '/api/v1/templates/t3_audit/draft', simple('t3_audit', 'Audited v2'),
		{ 'If-Match': res.headers.etag }, 5);
	assert.equal(res.status, 200, res.text);
	res = await send('POST', '/api/v1/templates/t3_audit/archive', undefined, {}, 6);
	assert.equal(res.status, 200, res.text);

	const rows = await templateAudit('t3_audit');
	assert.deepEqual(rows.map((a) => [a.action, a.request_id]), [
		['create', `${rid}-1`], ['update', `${rid}-2`], ['publish', `${rid}-4`],
		['update', `${rid}-5`], ['archive', `${rid}-6`],
	], 'the dry run wrote nothing');
	for (const a of rows) {
		assert.equal(a.object_type, 'template');
		assert.equal(a.object_id, 't3_audit');
		assert.equal(a.actor, DESIGNER_SUB);
	}
	assert.equal(rows[0].after.title, 'Audited');
	assert.equal(rows[1].after.title, 'Audited, edited');
	assert.equal(rows[2].after.version, 1);
	assert.ok(Array.isArray(rows[2].after.operations) && rows[2].after.operations.length === 2,
		JSON.stringify(rows[2].after));
	assert.equal(rows[3].after.title, 'Audited v2');
	// Only auditors (and admins) read the trail.
	assertProblem(await request('GET', '/api/v1/audit?object_type=template&object_id=t3_audit', { token: designer }), 403);
});
