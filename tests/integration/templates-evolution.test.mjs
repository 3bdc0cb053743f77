// Templates (issue 3), schema evolution with live data. One template (t3_evo) goes through
// versions while entries of every version live in its tables: additive changes alter in place;
// changes the rows that exist would violate are listed by the dry run and refused by publish
// (409) with nothing changed; type changes every value allows are applied with the values
// kept; removed fields keep their column and data; entries stay readable in their version.
// Last, a publish that fails midway (a table in the way of its third statement) leaves
// nothing behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertProblem } from './lib/index.mjs';
import { psql } from './lib/psql.mjs';
import {
	createTemplate, getTemplate, putDraft, publish, publishOk, evolve, newEntry,
	saveSection, saveSectionOk, getEntry, templateAudit, tablesOf, tableExists, columnsOf,
	constraintsOf, catalogue, versionRows, rowsOf,
} from './lib/templates.mjs';

const KEY = 't3_evo';
const SCHEMA = `tpl_${KEY}`;

const V1 = {
	key: KEY, title: 'Evolving log',
	sections: [{
		key: 'log', title: 'Log',
		fields: [
			{ key: 'reading', type: 'integer', required: true, max: 10 },
			{ key: 'note', type: 'text' },
			{ key: 'level', type: 'choice', choices: ['low', 'mid', 'high'] },
			{ key: 'code', type: 'text' },
			{ key: 'count', type: 'integer' },
			{ key: 'ref', type: 'integer' },
			{ key: 'obsolete', type: 'text', required: true },
		],
		tables: [{ key: 'items', columns: [
			{ key: 'qty', type: 'integer', required: true, min: 0 },
			{ key: 'label', type: 'text' },
		] }],
	}],
};

// A copy of base changed by edit(def, helpers).
function variant(base, edit) {
	const def = structuredClone(base);
	const section = (k) => def.sections.find((s) => s.key === k);
	const field = (k, s = 'log') => section(s).fields.find((f) => f.key === k);
	edit(def, { section, field });
	return def;
}

const V2 = variant(V1, (d, { section, field }) => {
	field('reading').max = 100;                                      // relaxed
	field('level').choices.push('critical');                         // relaxed
	section('log').fields.push({ key: 'extra', type: 'decimal' });   // new optional
	section('log').fields.push({ key: 'shift', type: 'text', required: true, default: 'day' });
	section('log').tables.push({ key: 'parts', columns: [{ key: 'part', type: 'text', required: true }] });
	d.sections.push({ key: 'checks', fields: [{ key: 'ok', type: 'boolean' }] });
});

// Entries live across the versions: id -> what was saved.
const E = {};
const sorted = (...ids) => ids.sort();

// The state a refused publish must leave untouched.
async function snapshot() {
	const t = await getTemplate(KEY);
	return {
		catalogue: catalogue(SCHEMA),
		versions: versionRows(KEY),
		etag: t.headers.etag,
		listed: t.json.versions,
		audit: (await templateAudit(KEY)).map((a) => a.seq),
		rows: rowsOf(SCHEMA, 'log', Object.keys(columnsOf(SCHEMA, 'log'))),
	};
}

// Dry run and publish of version n must both report these conflicts, and change nothing.
async function assertRefused(n, expectedConflicts) {
	const before = await snapshot();
	const dry = await publish(KEY, n, { dryRun: true });
	assert.equal(dry.status, 200, dry.text);
	const shape = (c) => ({ kind: c.kind, count: c.count, example_entries: c.example_entries });
	assert.deepEqual(dry.json.conflicts.map(shape), expectedConflicts, dry.text);
	for (const c of dry.json.conflicts) {
		assert.equal(typeof c.operation, 'string');
		assert.ok(dry.json.operations.some((o) => o.description === c.operation && o.checks_existing_rows),
			`conflict ${c.operation} is one of the operations that check existing rows`);
	}
	const res = await publish(KEY, n);
	assertProblem(res, 409);
	assert.deepEqual(res.json.conflicts, dry.json.conflicts, 'publish reports what the dry run listed');
	assert.deepEqual(await snapshot(), before, 'nothing changed');
	return dry.json;
}

test('v1: publish and fill entries', async () => {
	await createTemplate(V1);
	await publishOk(KEY, 1);
	const e1 = await newEntry(KEY), e2 = await newEntry(KEY), e3 = await newEntry(KEY), e4 = await newEntry(KEY);
	E.e1 = e1.id; E.e2 = e2.id; E.e3 = e3.id; E.e4 = e4.id;
	await saveSectionOk(E.e1, 'log', { reading: 7, note: 'a', level: 'high', code: '123', count: 5, ref: 42,
		obsolete: 'keep me' }, { items: [{ qty: 1, label: 'x' }, { qty: 0 }] });
	await saveSectionOk(E.e2, 'log', { reading: 3, level: 'low', code: '007', count: -2, ref: 1, obsolete: 'old2' },
		{ items: [] });
	await saveSectionOk(E.e4, 'log', { reading: 9, level: 'mid', obsolete: 'o4' });
	assert.equal(rowsOf(SCHEMA, 'log', ['_entry_id']).length, 3, 'e3 has no section row yet');
	assert.equal(rowsOf(SCHEMA, 'log__items', ['_entry_id']).length, 2);
});

test('additive changes (optional field, field with default, section, table, relaxed checks) alter in place', async () => {
	const before = rowsOf(SCHEMA, 'log', ['_entry_id', 'reading', 'note', 'level', 'code', 'count', 'ref', 'obsolete']);
	const draft = await putDraft(KEY, V2);
	assert.equal(draft.json.version, 2);
	const cat = catalogue(SCHEMA);
	const dry = await publish(KEY, 2, { dryRun: true });
	assert.equal(dry.status, 200, dry.text);
	assert.deepEqual(catalogue(SCHEMA), cat, 'the dry run altered nothing');
	assert.deepEqual(versionRows(KEY), [['1', 'published', 't'], ['2', 'draft', 'f']]);
	assert.deepEqual(dry.json.conflicts, []);
	assert.deepEqual(dry.json.operations.map((o) => o.kind).sort(), [
		'add_check', 'add_check', 'add_column', 'add_column', 'create_table', 'create_table',
		'drop_check', 'drop_check',
	]);
	for (const op of dry.json.operations)
		assert.equal(op.checks_existing_rows, false, `${op.description} needs no look at the rows`);
	assert.ok(!dry.json.operations.some((o) => /DROP (TABLE|COLUMN|SCHEMA)/i.test(o.sql)));
	await publishOk(KEY, 2);

	const cols = columnsOf(SCHEMA, 'log');
	assert.deepEqual(cols.extra, { type: 'numeric', notNull: false, default: null });
	assert.deepEqual(cols.shift, { type: 'text', notNull: true, default: "'day'::text" });
	const checks = constraintsOf(SCHEMA, 'log');
	assert.equal(checks.reading__max, "CHECK ((reading <= '100'::bigint))");
	assert.equal(checks.level__choices, "CHECK ((level = ANY (ARRAY['low'::text, 'mid'::text, 'high'::text, 'critical'::text])))");
	assert.deepEqual(tablesOf(SCHEMA), ['checks', 'log', 'log__items', 'log__parts']);
	assert.deepEqual(Object.keys(columnsOf(SCHEMA, 'log__parts')), ['_entry_id', '_row_no', 'part']);
	// The rows are as they were; the new required field took its default.
	assert.deepEqual(rowsOf(SCHEMA, 'log', ['_entry_id', 'reading', 'note', 'level', 'code', 'count', 'ref', 'obsolete']), before);
	assert.deepEqual(rowsOf(SCHEMA, 'log', ['extra', 'shift']), [['', 'day'], ['', 'day'], ['', 'day']]);

	// Old entries keep their version and read as they were saved.
	const e1 = await getEntry(E.e1);
	assert.equal(e1.template_version, 1);
	assert.deepEqual(Object.keys(e1.sections), ['log']);
	assert.deepEqual(e1.sections.log.data, { reading: 7, note: 'a', level: 'high', code: '123', count: 5, ref: 42,
		obsolete: 'keep me' });
	assert.deepEqual(e1.sections.log.tables, { items: [{ qty: 1, label: 'x' }, { qty: 0, label: null }] });
	// New entries use v2 and its relaxed limits.
	const e5 = await newEntry(KEY);
	E.e5 = e5.id;
	assert.equal(e5.template_version, 2);
	assert.deepEqual(Object.keys(e5.sections).sort(), ['checks', 'log']);
	const saved = await saveSectionOk(E.e5, 'log', { reading: 50, level: 'critical', code: '-15', count: 7,
		obsolete: 'o5', extra: '1.50' }, { items: [{ qty: 3 }], parts: [{ part: 'valve' }] });
	assert.equal(saved.data.shift, 'day');
	assert.equal(saved.data.extra, '1.50');
	await saveSectionOk(E.e5, 'checks', { ok: true });
	// A v1 entry still validates against v1: 50 is above its max.
	assertProblem(await saveSection(E.e4, 'log', { reading: 50, obsolete: 'o4' }), 422);
});

test('a new required field without default is refused with the rows that lack it; nothing changes', async () => {
	const v3 = variant(V2, (d, { section }) => {
		section('log').fields.push({ key: 'inspector', type: 'text', required: true });
	});
	assert.equal((await putDraft(KEY, v3)).json.version, 3);
	const plan = await assertRefused(3, [
		{ kind: 'add_column', count: 4, example_entries: sorted(E.e1, E.e2, E.e4, E.e5) },
	]);
	assert.ok(plan.conflicts[0].operation.includes('inspector'), plan.conflicts[0].operation);
	assert.equal(columnsOf(SCHEMA, 'log').inspector, undefined);
	assert.deepEqual(versionRows(KEY), [['1', 'archived', 't'], ['2', 'published', 't'], ['3', 'draft', 'f']]);
	assert.equal((await newEntry(KEY)).template_version, 2, 'entries still come from v2');
});

test('a tightened max, a removed choice and a raised min on table rows are refused with their rows', async () => {
	const v3 = variant(V2, (d, { section, field }) => {
		field('reading').max = 8;                                    // e4 (9) and e5 (50) are above
		field('level').choices = ['low', 'mid', 'critical'];         // e1 holds 'high'
		field('note').max_length = 1;                                // tighter, but no row breaks it
		section('log').tables[0].columns[0].min = 2;                 // both rows of e1 (qty 1 and 0)
	});
	await putDraft(KEY, v3);
	await assertRefused(3, [
		{ kind: 'add_check', count: 2, example_entries: sorted(E.e4, E.e5) },
		{ kind: 'add_check', count: 1, example_entries: [E.e1] },
		{ kind: 'add_check', count: 2, example_entries: [E.e1] },
	]);
	assert.equal(constraintsOf(SCHEMA, 'log').reading__max, "CHECK ((reading <= '100'::bigint))");
	assert.equal(constraintsOf(SCHEMA, 'log').note__max_length, undefined);
	assert.equal(constraintsOf(SCHEMA, 'log__items').qty__min, "CHECK ((qty >= '0'::bigint))");
});

test('type changes every value allows are applied with USING, the values kept', async () => {
	const v3 = variant(V2, (d, { field }) => {
		field('count').type = 'decimal';   // integer -> decimal
		field('ref').type = 'text';        // integer -> text
		field('code').type = 'integer';    // text -> integer: '123', '007', '-15' all convert
	});
	await putDraft(KEY, v3);
	const dry = await publish(KEY, 3, { dryRun: true });
	assert.equal(dry.status, 200, dry.text);
	assert.deepEqual(dry.json.conflicts, []);
	const alters = dry.json.operations.filter((o) => o.kind === 'alter_type');
	assert.equal(alters.length, 3, JSON.stringify(dry.json.operations));
	assert.ok(alters.every((o) => / USING /.test(o.sql)));
	assert.equal(alters.find((o) => o.sql.includes('"code"')).checks_existing_rows, true, 'text -> integer checks the rows');
	assert.equal(alters.find((o) => o.sql.includes('"count"')).checks_existing_rows, false);
	await publishOk(KEY, 3);

	const cols = columnsOf(SCHEMA, 'log');
	assert.equal(cols.count.type, 'numeric');
	assert.equal(cols.ref.type, 'text');
	assert.equal(cols.code.type, 'bigint');
	const byId = Object.fromEntries(rowsOf(SCHEMA, 'log', ['_entry_id', 'code', 'count', 'ref']).map(([id, ...v]) => [id, v]));
	assert.deepEqual(byId, {
		[E.e1]: ['123', '5', '42'],
		[E.e2]: ['7', '-2', '1'],
		[E.e4]: ['', '', ''],
		[E.e5]: ['-15', '7', ''],
	});
	// Entries of v1 and v2 still read, through their own definitions.
	const e1 = await getEntry(E.e1);
	assert.equal(e1.template_version, 1);
	assert.deepEqual(e1.sections.log.data, { reading: 7, note: 'a', level: 'high', code: '123', count: 5, ref: 42,
		obsolete: 'keep me' });
	assert.equal((await getEntry(E.e2)).sections.log.data.code, '7', "'007' became the integer 7");
	const e5 = await getEntry(E.e5);
	assert.equal(e5.template_version, 2);
	assert.equal(e5.sections.log.data.code, '-15');
	// A v3 entry takes the new types.
	const e6 = await newEntry(KEY);
	E.e6 = e6.id;
	assert.equal(e6.template_version, 3);
	const saved = await saveSectionOk(E.e6, 'log', { reading: 1, code: 99, count: '2.75', ref: 'R-1', obsolete: 'o6' });
	assert.deepEqual([saved.data.code, saved.data.count, saved.data.ref], [99, '2.75', 'R-1']);
	const bad = await saveSection(E.e6, 'log', { reading: 1, code: 'abc', obsolete: 'o6' });
	assertProblem(bad, 422);
	assert.deepEqual(bad.json.errors.map((e) => `${e.path} ${e.code}`), ['data.code type']);
});

// Bug (app/store/template_cache.c, not the publish code): each version's generated upsert
// casts every value to that version's own column type ("$6::text"), and PostgreSQL has no
// assignment cast from text to bigint or text[]. So after a later version changes a column
// text -> integer (or choice -> multichoice), every save of a draft section of an entry made
// with an earlier version fails with 42804 -> 500, whatever the values.
test('a draft of an older version still saves after a later version changed a column type', async () => {
	// e1 and e2 are v1 entries (code: text); v3 made code an integer column.
	const ok = await saveSection(E.e2, 'log', { reading: 3, level: 'low', code: '8', count: -2, ref: 1, obsolete: 'old2' });
	assert.equal(ok.status, 200, ok.text);
	assert.equal((await getEntry(E.e2)).sections.log.data.code, '8');
	// A value v1 allows but the column no longer can hold: refused with its path, not a 500.
	const bad = await saveSection(E.e2, 'log', { reading: 3, code: 'abc', obsolete: 'old2' });
	assertProblem(bad, 422);
	assert.ok(bad.json.errors?.some((e) => e.path === 'data.code'), bad.text);
});

test('text -> integer with a value that is not a number is refused; a change no value survives is 422', async () => {
	const V3 = variant(V2, (d, { field }) => {
		field('count').type = 'decimal';
		field('ref').type = 'text';
		field('code').type = 'integer';
	});
	const v4 = variant(V3, (d, { field }) => {
		field('note').type = 'integer';   // e1 holds 'a'
	});
	assert.equal((await putDraft(KEY, v4)).json.version, 4);
	await assertRefused(4, [{ kind: 'alter_type', count: 1, example_entries: [E.e1] }]);
	assert.equal(columnsOf(SCHEMA, 'log').note.type, 'text');

	// decimal -> integer with a fraction in a row (e6 holds 2.75), on the same terms.
	await putDraft(KEY, variant(V3, (d, { field }) => { field('count').type = 'integer'; }));
	await assertRefused(4, [{ kind: 'alter_type', count: 1, example_entries: [E.e6] }]);

	// boolean -> integer: no conversion is defined at all, whatever the rows.
	await putDraft(KEY, variant(V3, (d, { field }) => { field('ok', 'checks').type = 'integer'; }));
	const before = await snapshot();
	for (const dryRun of [true, false]) {
		const res = await publish(KEY, 4, { dryRun });
		assertProblem(res, 422);
		assert.deepEqual(res.json.errors.map((e) => `${e.path} ${e.code}`), ['sections[1].fields[0].type type_change']);
	}
	assert.deepEqual(await snapshot(), before);
});

test('a removed field keeps its column and data, and leaves new entries; old entries still read it', async () => {
	const V3 = variant(V2, (d, { field }) => {
		field('count').type = 'decimal';
		field('ref').type = 'text';
		field('code').type = 'integer';
	});
	const v4 = variant(V3, (d, { section }) => {
		const log = section('log');
		log.fields = log.fields.filter((f) => f.key !== 'obsolete');   // was required
		log.tables = log.tables.filter((t) => t.key !== 'items');      // a removed table
	});
	await putDraft(KEY, v4);
	const dry = await publish(KEY, 4, { dryRun: true });
	assert.equal(dry.status, 200, dry.text);
	assert.deepEqual(dry.json.conflicts, []);
	assert.deepEqual(dry.json.operations.map((o) => o.kind), ['drop_not_null']);
	await publishOk(KEY, 4);

	assert.deepEqual(columnsOf(SCHEMA, 'log').obsolete, { type: 'text', notNull: false, default: null });
	assert.deepEqual(rowsOf(SCHEMA, 'log', ['_entry_id', 'obsolete']),
		[[E.e1, 'keep me'], [E.e2, 'old2'], [E.e4, 'o4'], [E.e5, 'o5'], [E.e6, 'o6']].sort((a, b) => (a[0] < b[0] ? -1 : 1)));
	assert.equal(tableExists(SCHEMA, 'log__items'), true);
	assert.deepEqual(rowsOf(SCHEMA, 'log__items', ['_entry_id', 'qty'], ['_entry_id', '_row_no']),
		[[E.e1, '1'], [E.e1, '0'], [E.e5, '3']].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));

	const e7 = await newEntry(KEY);
	assert.equal(e7.template_version, 4);
	assert.ok(!('obsolete' in e7.sections.log.data));
	assert.ok(!('items' in e7.sections.log.tables));
	const saved = await saveSectionOk(e7.id, 'log', { reading: 2 });
	assert.ok(!('obsolete' in saved.data));
	assert.deepEqual(psql(`SELECT obsolete IS NULL FROM ${SCHEMA}.log WHERE _entry_id = '${e7.id}'`), [['t']]);
	const bad = await saveSection(e7.id, 'log', { reading: 2, obsolete: 'no' }, { items: [] });
	assertProblem(bad, 422);
	assert.deepEqual(bad.json.errors.map((e) => `${e.path} ${e.code}`).sort(),
		['data.obsolete unknown_member', 'tables.items unknown_member']);

	const e1 = await getEntry(E.e1);
	assert.equal(e1.template_version, 1);
	assert.equal(e1.sections.log.data.obsolete, 'keep me');
	assert.deepEqual(e1.sections.log.tables.items, [{ qty: 1, label: 'x' }, { qty: 0, label: null }]);
	assert.equal((await getEntry(E.e5)).sections.log.data.obsolete, 'o5');

	// Adding it back (optional now) finds the kept column and its data.
	const v5 = variant(v4, (d, { section }) => {
		section('log').fields.push({ key: 'obsolete', type: 'text' });
	});
	const draft = await putDraft(KEY, v5);
	const plan = await publish(KEY, draft.json.version, { dryRun: true });
	assert.deepEqual(plan.json.operations, [], 'the column is there already');
	await publishOk(KEY, draft.json.version);
	const e8 = await newEntry(KEY);
	assert.equal(e8.template_version, 5);
	assert.equal((await saveSectionOk(e8.id, 'log', { reading: 1, obsolete: 'back' })).data.obsolete, 'back');
	assert.equal((await getEntry(E.e1)).sections.log.data.obsolete, 'keep me');
});

test('the trail has one row per change of t3_evo, and none for refused publishes', async () => {
	const rows = await templateAudit(KEY);
	const actions = rows.map((a) => a.action);
	assert.deepEqual(actions.filter((a) => a === 'publish').length, 5);
	assert.equal(actions[0], 'create');
	assert.deepEqual(rows.filter((a) => a.action === 'publish').map((a) => a.after.version), [1, 2, 3, 4, 5]);
	assert.deepEqual(versionRows(KEY).map((r) => r[1]), ['archived', 'archived', 'archived', 'archived', 'published']);
});

test('a publish that fails midway leaves nothing behind', async () => {
	const key = 't3_midway', schema = `tpl_${key}`;
	const v1 = { key, sections: [{ key: 'first', fields: [{ key: 'a', type: 'integer' }] }] };
	await createTemplate(v1);
	await publishOk(key, 1);
	const entry = await newEntry(key);
	await saveSectionOk(entry.id, 'first', { a: 1 });

	// v2: a column and a child table for `first`, then sections `second` and `third`.
	const v2 = structuredClone(v1);
	v2.sections[0].fields.push({ key: 'b', type: 'text' });
	v2.sections[0].tables = [{ key: 'rows', columns: [{ key: 'x', type: 'integer' }] }];
	v2.sections.push({ key: 'second', fields: [{ key: 'y', type: 'text' }] });
	v2.sections.push({ key: 'third', fields: [{ key: 'z', type: 'text' }] });
	const draft = await putDraft(key, v2);
	assert.equal(draft.json.version, 2);
	const plan = await publish(key, 2, { dryRun: true });
	assert.deepEqual(plan.json.operations.map((o) => o.kind), ['add_column', 'create_table', 'create_table', 'create_table']);

	// Someone with more rights than the application put a table where `second` goes.
	psql(`CREATE TABLE ${schema}.second (squatter integer)`);
	try {
		const t = await getTemplate(key);
		const before = {
			catalogue: catalogue(schema), versions: versionRows(key), etag: t.headers.etag,
			audit: (await templateAudit(key)).map((a) => a.seq),
		};
		const res = await publish(key, 2);
		assertProblem(res, 409);
		assert.match(res.json.detail, /second/, 'the detail names what is in the way');
		const after = {
			catalogue: catalogue(schema), versions: versionRows(key), etag: (await getTemplate(key)).headers.etag,
			audit: (await templateAudit(key)).map((a) => a.seq),
		};
		assert.deepEqual(after, before, 'the column and the table made before the failure are gone');
		assert.equal(columnsOf(schema, 'first').b, undefined);
		assert.equal(tableExists(schema, 'first__rows'), false);
		assert.equal(tableExists(schema, 'third'), false);
		assert.deepEqual(versionRows(key), [['1', 'published', 't'], ['2', 'draft', 'f']]);
		assert.deepEqual((await templateAudit(key)).map((a) => a.action), ['create', 'publish', 'update']);
		assert.equal((await newEntry(key)).template_version, 1);
	} finally {
		psql(`DROP TABLE IF EXISTS ${schema}.second`);
	}
	// With the way clear, the same version publishes completely.
	await publishOk(key, 2);
	assert.deepEqual(tablesOf(schema), ['first', 'first__rows', 'second', 'third']);
	assert.equal(columnsOf(schema, 'first').b.type, 'text');
	assert.equal((await getEntry(entry.id)).sections.first.data.a, 1);
	const e2 = await newEntry(key);
	assert.equal(e2.template_version, 2);
	await saveSectionOk(e2.id, 'second', { y: 'yes' });
	assert.deepEqual(rowsOf(schema, 'second', ['y']), [['yes']]);
});

// Bug (app/store/template_cache.c / app/handlers/entry_view.c, not the publish code): the read statements
// of a version turn each column to text and parse it as that version's field type; after a
// later version changes choice -> multichoice, the column holds {a}, and an entry of the old
// version reads "{a}", a value its own version does not even allow.
test('an entry of an older version reads its value after choice -> multichoice', async () => {
	const key = 't3_tomulti';
	const v1 = { key, sections: [{ key: 's', fields: [{ key: 'c', type: 'choice', choices: ['a', 'b'] }] }] };
	await createTemplate(v1);
	await publishOk(key, 1);
	const old = await newEntry(key);
	await saveSectionOk(old.id, 's', { c: 'a' });
	const v2 = structuredClone(v1);
	v2.sections[0].fields[0].type = 'multichoice';
	const draft = await putDraft(key, v2);
	await publishOk(key, draft.json.version);
	assert.equal(columnsOf(`tpl_${key}`, 's').c.type, 'text[]');
	assert.deepEqual(rowsOf(`tpl_${key}`, 's', ['c']), [['{a}']], 'the value converted with USING ARRAY[c]');
	const fresh = await newEntry(key);
	assert.deepEqual((await saveSectionOk(fresh.id, 's', { c: ['b', 'a'] })).data.c, ['b', 'a']);
	const got = await getEntry(old.id);
	assert.equal(got.template_version, 1);
	assert.equal(got.sections.s.data.c, 'a');
});
