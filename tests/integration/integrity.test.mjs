// Integrity and denial of service (issue 10, items 1, 4, 5, 6 part, 7 and 8 of the list given
// to the integrity branch): a hostile field pattern cannot freeze the API, a failed create
// leaves no memory in the workers, a submit checks the section's content, whoever wrote a
// revision cannot review it, entry ids are canonical in the trail.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request, assertProblem } from './lib/index.mjs';
import { psql } from './lib/psql.mjs';
import {
	TAG, user, subOf, author, reviewer, approver, designer, templateKey, createEntry, save,
	transition, step, auditRows, randomUUID,
} from './lib/entries.mjs';

async function publish(def) {
	let res = await request('POST', '/api/v1/templates', { token: designer, body: def });
	assert.equal(res.status, 201, `create template ${def.key}: ${res.text}`);
	res = await request('POST', `/api/v1/templates/${def.key}/versions/1/publish`, { token: designer });
	assert.equal(res.status, 200, `publish ${def.key}: ${res.text}`);
	return def.key;
}

function randomAB(n) {
	let s = '';
	for (let i = 0; i < n; i++)
		s += Math.random() < 0.5 ? 'a' : 'b';
	return s;
}

async function timed(fn) {
	const t0 = process.hrtime.bigint();
	const res = await fn();
	return { res, ms: Number(process.hrtime.bigint() - t0) / 1e6 };
}

// --- 1. a field pattern plus one long value ----------------------------------------------

test('pattern .*a.{20} against 40,000 a/b characters answers at once; /healthz stays fast during 8 such saves', { timeout: 120000 }, async () => {
	const key = await publish({
		key: templateKey('redos'),
		sections: [{ key: 'main', fields: [{ key: 'code', type: 'text', pattern: '.*a.{20}' }] }],
	});
	const entries = [];
	for (let i = 0; i < 8; i++)
		entries.push((await createEntry(key)).id);
	const value = randomAB(40000);
	const expect = value[value.length - 21] === 'a' ? 200 : 422;

	const one = await timed(() => save(entries[0], 'main', { data: { code: value } }, { ifMatch: '*' }));
	assert.equal(one.res.status, expect, one.res.text);
	assert.ok(one.ms < 1000, `one save took ${one.ms} ms`);
	// The exact outcome both ways: the last 21 characters decide.
	const yes = await save(entries[0], 'main', { data: { code: 'b'.repeat(39979) + 'a' + 'b'.repeat(20) } }, { ifMatch: '*' });
	assert.equal(yes.status, 200, yes.text);
	const no = await save(entries[0], 'main', { data: { code: 'b'.repeat(40000) } }, { ifMatch: '*' });
	assertProblem(no, 422);
	assert.deepEqual(no.json.errors.map((e) => [e.path ?? e.pointer, e.code]).filter(([, c]) => c === 'pattern').length, 1);

	const saves = entries.map((id) => timed(() => save(id, 'main', { data: { code: randomAB(40000) } }, { ifMatch: '*' })));
	const health = await timed(() => request('GET', '/healthz'));
	const done = await Promise.all(saves);
	assert.equal(health.res.status, 200);
	assert.ok(health.ms < 1500, `/healthz took ${health.ms} ms while 8 hostile saves ran`);
	for (const { res, ms } of done) {
		assert.ok([200, 422].includes(res.status), res.text);
		assert.ok(ms < 3000, `a save took ${ms} ms with 7 others`);
	}
});

test('text values are bounded by max_text_bytes (65,536 by default) whatever max_length says', async () => {
	const key = await publish({
		key: templateKey('maxtext'),
		sections: [{ key: 'main', fields: [{ key: 't', type: 'text', max_length: 100000 }] }],
	});
	const { id } = await createEntry(key);
	const ok = await save(id, 'main', { data: { t: 'x'.repeat(65536) } }, { ifMatch: '*' });
	assert.equal(ok.status, 200, ok.text);
	const big = await save(id, 'main', { data: { t: 'x'.repeat(65537) } }, { ifMatch: '*' });
	assertProblem(big, 422);
	assert.ok(big.json.errors.some((e) => e.code === 'too_long'), big.text);
});

test('non-POSIX patterns are refused at definition time with invalid_pattern', async () => {
	for (const pattern of ['\\d+', '[[.a.]]', '(a)\\1', 'a{1001}']) {
		const res = await request('POST', '/api/v1/templates', {
			token: designer,
			body: { key: templateKey('badpat'), sections: [{ key: 'main', fields: [{ key: 'c', type: 'text', pattern }] }] },
		});
		assertProblem(res, 422);
		assert.ok(res.json.errors.some((e) => e.code === 'invalid_pattern'), `${pattern}: ${res.text}`);
	}
});

// --- 2. a failed create poisons no worker -------------------------------------------------

// Two templates with a section of the same name; Y's field is required, X's is not there.
async function twoTemplates(what) {
	const x = await publish({ key: templateKey(`${what}x`), sections: [{ key: 'main', fields: [{ key: 'x', type: 'text' }] }] });
	const y = await publish({ key: templateKey(`${what}y`), sections: [{ key: 'main', fields: [{ key: 'y', type: 'text', required: true }] }] });
	return { x, y };
}

// After creates of u into X that failed, u is created in Y: saves of X's fields must be
// refused as Y's definition says, on every worker, and nothing may land in X's table.
async function assertNoMemory(x, y, u) {
	const created = await request('POST', `/api/v1/templates/${y}/entries`, { token: author, body: { id: u } });
	assert.equal(created.status, 201, created.text);
	assert.equal(created.json.template, y);
	// Concurrent saves, so that every worker gets some (one after the other, the kernel
	// tends to hand them all to the same worker).
	for (let round = 0; round < 4; round++) {
		const all = await Promise.all(Array.from({ length: 6 }, () =>
			save(u, 'main', { data: { x: 'lands in X?' } }, { ifMatch: '*' })));
		for (const res of all) {
			assertProblem(res, 422);
			assert.ok(res.json.errors.some((e) => e.code === 'unknown_member' || e.code === 'required'), res.text);
		}
	}
	const ok = await save(u, 'main', { data: { y: 'yes' } }, { ifMatch: '*' });
	assert.equal(ok.status, 200, ok.text);
	assert.equal(psql(`SELECT count(*) FROM ${`tpl_${x}`}.main WHERE _entry_id = :'u'`, { vars: { u } })[0][0], '0');
	const read = await request('GET', `/api/v1/entries/${u}`, { token: author });
	assert.equal(read.json.template, y);
	assert.deepEqual(read.json.sections.main.data, { y: 'yes' });
}

test('six creates that fail (Latin-1 User-Agent) leave no memory: U created in Y then follows Y', async () => {
	const { x, y } = await twoTemplates('latin');
	const u = randomUUID();
	// Six at once, so that several workers see one.
	const all = await Promise.all(Array.from({ length: 6 }, () => request('POST', `/api/v1/templates/${x}/entries`, {
		token: author, body: { id: u }, headers: { 'User-Agent': 'Mozilla caf\u00e9 na\u00efve' },
	})));
	// Once the User-Agent is stored sanitised (another fix), these succeed or answer 409
	// duplicate: the next test forces the failure another way.
	if (all.some((res) => res.status === 201))
		return;
	for (const res of all)
		assert.equal(res.status, 422, res.text);
	await assertNoMemory(x, y, u);
});

test('six creates that fail at COMMIT (a deferred constraint) leave no memory', async () => {
	const { x, y } = await twoTemplates('defer');
	const title = `poison-${TAG}`;
	psql(`CREATE OR REPLACE FUNCTION public.lb_test_poison() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.title LIKE 'poison-%' THEN
		RAISE EXCEPTION 'refused at commit' USING ERRCODE = '23514';
	END IF;
	RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS lb_test_poison ON entries;
CREATE CONSTRAINT TRIGGER lb_test_poison AFTER INSERT ON entries DEFERRABLE INITIALLY DEFERRED
	FOR EACH ROW EXECUTE FUNCTION public.lb_test_poison();`);
	const u = randomUUID();
	try {
		const all = await Promise.all(Array.from({ length: 6 }, () =>
			request('POST', `/api/v1/templates/${x}/entries`, { token: author, body: { id: u, title } })));
		for (const res of all)
			assertProblem(res, 422);
	} finally {
		psql('DROP TRIGGER IF EXISTS lb_test_poison ON entries; DROP FUNCTION IF EXISTS public.lb_test_poison()');
	}
	await assertNoMemory(x, y, u);
});

// --- 3. a submit checks the content --------------------------------------------------------

test('a never-saved section cannot be submitted: 422 with every error, paths as in a save', async () => {
	const key = await publish({
		key: templateKey('submitcheck'),
		sections: [{
			key: 'main',
			fields: [
				{ key: 'req', type: 'text', required: true },
				{ key: 'opt', type: 'integer' },
			],
			tables: [{ key: 'rows', min_rows: 2, columns: [{ key: 'v', type: 'integer', required: true }] }],
		}],
	});
	const { id } = await createEntry(key);
	const res = await transition(id, 'main', 'submit', { token: author, ifMatch: '*' });
	assertProblem(res, 422);
	const errors = res.json.errors.map((e) => [e.path ?? e.pointer, e.code]);
	assert.deepEqual(errors.sort(), [['data.req', 'required'], ['tables.rows', 'min_rows']], res.text);
	// Nothing changed: still a draft, and no submit in the history.
	let section = (await request('GET', `/api/v1/entries/${id}`, { token: author })).json.sections.main;
	assert.equal(section.state, 'draft');

	// A save that leaves a required field empty is refused anyway; a complete one can be submitted.
	const saved = await save(id, 'main', { data: { req: 'here' }, tables: { rows: [{ v: 1 }, { v: 2 }] } }, { ifMatch: '*' });
	assert.equal(saved.status, 200, saved.text);
	section = await step(id, 'main', 'submit', author);
	assert.equal(section.state, 'submitted');
});

// --- 4. separation of duties covers who wrote the data -------------------------------------

test('whoever saved a revision may not start its review, approve or reject it (403)', async () => {
	const key = await publish({ key: templateKey('sod'), sections: [{ key: 'main', fields: [{ key: 'note', type: 'text' }] }] });
	// W may do everything, and saves; the author submits; W must not judge what W wrote.
	const writer = user('sod-writer', ['author', 'reviewer', 'approver']);
	const { id } = await createEntry(key);
	const saved = await save(id, 'main', { data: { note: 'written by W' } }, { token: writer, ifMatch: '*' });
	assert.equal(saved.status, 200, saved.text);
	await step(id, 'main', 'submit', author);
	let etag = (await request('GET', `/api/v1/entries/${id}`, { token: author })).json.sections.main.etag;
	let res = await transition(id, 'main', 'start_review', { token: writer, ifMatch: etag });
	assertProblem(res, 403);
	assert.match(res.json.type, /separation-of-duties/);
	await step(id, 'main', 'start_review', reviewer);
	etag = (await request('GET', `/api/v1/entries/${id}`, { token: author })).json.sections.main.etag;
	for (const [action, comment] of [['approve'], ['reject', 'no']]) {
		res = await transition(id, 'main', action, { token: writer, ifMatch: etag, comment });
		assertProblem(res, 403);
		assert.match(res.json.type, /separation-of-duties/);
	}
	const done = await step(id, 'main', 'approve', approver);
	assert.equal(done.state, 'approved');
});

test('a revision reopened and resubmitted unchanged still carries its writer', async () => {
	const key = await publish({ key: templateKey('sodreopen'), sections: [{ key: 'main', fields: [{ key: 'note', type: 'text' }] }] });
	const writer = user('sod-writer2', ['author', 'reviewer', 'approver']);
	const { id } = await createEntry(key);
	assert.equal((await save(id, 'main', { data: { note: 'W' } }, { token: writer, ifMatch: '*' })).status, 200);
	await step(id, 'main', 'submit', author);
	await step(id, 'main', 'start_review', reviewer);
	await step(id, 'main', 'reject', reviewer, 'again');
	await step(id, 'main', 'reopen', author);
	await step(id, 'main', 'submit', author);
	const etag = (await request('GET', `/api/v1/entries/${id}`, { token: author })).json.sections.main.etag;
	assertProblem(await transition(id, 'main', 'start_review', { token: writer, ifMatch: etag }), 403);
});

// --- 5. entry ids are canonical everywhere --------------------------------------------------

test('saves, transitions, history and reads on an upper-case id path are audited under the canonical id', async () => {
	const key = await publish({ key: templateKey('upper'), sections: [{ key: 'main', fields: [{ key: 'note', type: 'text' }] }] });
	const { id } = await createEntry(key);
	const UP = id.toUpperCase();
	const saved = await save(UP, 'main', { data: { note: 'x' } }, { ifMatch: '*' });
	assert.equal(saved.status, 200, saved.text);
	const etag = saved.headers.etag;
	const submitted = await transition(UP, 'main', 'submit', { token: author, ifMatch: etag });
	assert.equal(submitted.status, 200, submitted.text);
	const hist = await request('GET', `/api/v1/entries/${UP}/sections/main/history`, { token: author });
	assert.equal(hist.status, 200, hist.text);
	const read = await request('GET', `/api/v1/entries/${UP}`, { token: author });
	assert.equal(read.json.id, id);
	const rows = await auditRows(`object_id=${id}`);
	assert.deepEqual(rows.map((r) => r.action), ['create', 'save', 'submit']);
	assert.ok(rows.every((r) => r.object_id === id));
	assert.equal((await auditRows(`object_id=${UP}`)).length, 0, 'nothing is filed under the upper-case spelling');
});

// --- 6. templates a designer can build do not break the server ------------------------------

async function createDraft(def) {
	return request('POST', '/api/v1/templates', { token: designer, body: def });
}

async function nextVersion(key, def) {
	const etag = (await request('GET', `/api/v1/templates/${key}`, { token: designer })).headers.etag;
	const res = await request('PUT', `/api/v1/templates/${key}/draft`, { token: designer, headers: { 'If-Match': etag }, body: def });
	assert.equal(res.status, 200, res.text);
	return request('POST', `/api/v1/templates/${key}/versions/${res.json.version}/publish`, { token: designer });
}

test('a table name belongs to one section or table across versions: 422 collision, both ways round', async () => {
	const f = [{ key: 'v', type: 'text' }];
	// section a with table b__c (table a__b__c), then a section a__b__c
	let key = templateKey('coll1');
	await publish({ key, sections: [{ key: 'a', fields: f, tables: [{ key: 'b__c', columns: f }] }] });
	// (in one definition that is refused at once; here section a is gone, its tables stay)
	let res = await nextVersion(key, { key, sections: [{ key: 'a__b__c', fields: f }] });
	assertProblem(res, 422);
	assert.deepEqual(res.json.errors.map((e) => [e.path, e.code]), [['sections[0].key', 'collision']], res.text);
	const { id } = await createEntry(key);
	assert.equal((await save(id, 'a', { data: { v: 'x' }, tables: { b__c: [{ v: 'y' }] } }, { ifMatch: '*' })).status, 200);
	// the reverse: section a__b__c first, then section a with table b__c
	key = templateKey('coll2');
	await publish({ key, sections: [{ key: 'a__b__c', fields: f }] });
	res = await nextVersion(key, { key, sections: [{ key: 'a', fields: f, tables: [{ key: 'b__c', columns: f }] }] });
	assertProblem(res, 422);
	assert.deepEqual(res.json.errors.map((e) => [e.path, e.code]), [['sections[0].tables[0].key', 'collision']], res.text);
	assert.equal((await request('POST', `/api/v1/templates/${key}/entries`, { token: author, body: {} })).status, 201);
});

test('system column names (xmin, ctid, ...) are refused as field and column keys', async () => {
	for (const k of ['xmin', 'ctid', 'tableoid']) {
		const res = await createDraft({ key: templateKey('sys'), sections: [{ key: 'main', fields: [{ key: k, type: 'text' }], tables: [{ key: 't', columns: [{ key: k, type: 'text' }] }] }] });
		assertProblem(res, 422);
		assert.deepEqual(res.json.errors.map((e) => [e.path, e.code]),
			[['sections[0].fields[0].key', 'invalid_key'], ['sections[0].tables[0].columns[0].key', 'invalid_key']], res.text);
	}
});

test('limits per version: database tables and fields of one version', async () => {
	const f = [{ key: 'v', type: 'text' }];
	const tables = (n) => Array.from({ length: n }, (_, i) => ({ key: `t${i}`, columns: f }));
	let res = await createDraft({ key: templateKey('tables'), sections: [0, 1, 2].map((s) => ({ key: `s${s}`, tables: tables(70) })) });
	assertProblem(res, 422);
	assert.ok(res.json.errors.some((e) => e.path === 'sections' && e.code === 'too_many'), res.text);
	const fields = (n, p) => Array.from({ length: n }, (_, i) => ({ key: `${p}${i}`, type: 'integer' }));
	res = await createDraft({ key: templateKey('fields'), sections: Array.from({ length: 11 }, (_, s) => ({ key: `s${s}`, fields: fields(190, 'f') })) });
	assertProblem(res, 422);
	assert.ok(res.json.errors.some((e) => e.path === 'sections' && e.code === 'too_many' && /2000/.test(e.message)), res.text);
});

test('columns of one table across versions (removed fields keep theirs): the 5th version of 200 new fields is a 422, not a 500', { timeout: 300000 }, async () => {
	const key = templateKey('cols');
	const fields = (v) => Array.from({ length: 200 }, (_, i) => ({ key: `v${v}_${i}`, type: 'integer' }));
	await publish({ key, sections: [{ key: 'main', fields: fields(1) }] });
	for (let v = 2; v <= 4; v++)
		assert.equal((await nextVersion(key, { key, sections: [{ key: 'main', fields: fields(v) }] })).status, 200);
	const res = await nextVersion(key, { key, sections: [{ key: 'main', fields: fields(5) }] });
	assertProblem(res, 422);
	assert.deepEqual(res.json.errors.map((e) => [e.path, e.code]), [['sections[0].key', 'too_many']], res.text);
	assert.match(res.json.errors[0].message, /1002 columns/);
	// The template still works.
	const { id } = await createEntry(key);
	assert.equal((await save(id, 'main', { data: { v4_0: 1 } }, { ifMatch: '*' })).status, 200);
});
