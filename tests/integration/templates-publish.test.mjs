// Templates (issue 3), publishing: the dry run changes nothing; publishing creates schema
// tpl_<key> with a typed, constrained table per section and a child table per table, as the
// catalogue shows it; reserved words, names beyond 63 bytes, and SQL injection attempts in keys
// (refused) and in every free text (stored verbatim, never executed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request, assertProblem } from './lib/index.mjs';
import { psql } from './lib/psql.mjs';
import {
	designer, author, reader, createTemplate, getTemplate, publish, publishOk, newEntry,
	saveSection, saveSectionOk, getEntry, templateAudit, schemaExists, tablesOf, tableExists,
	columnsOf, constraintsOf, versionRows, rowsOf, ident, literal, fitName,
} from './lib/templates.mjs';

const col = (type, notNull = false, def = null) => ({ type, notNull, default: def });

// Runs SQL as the superuser inside a transaction that is always rolled back; returns the
// error text psql printed ('' when every statement succeeded).
function tryInRollback(sql) {
	try {
		psql(`BEGIN;\n${sql};\nROLLBACK;`);
		return '';
	} catch (err) {
		return String(err.stderr || err.message);
	}
}

test('dry run answers the plan and changes nothing', async () => {
	const def = {
		key: 't3_dry', sections: [{ key: 'main', fields: [{ key: 'n', type: 'integer', required: true }],
			tables: [{ key: 'rows', columns: [{ key: 'x', type: 'text' }] }] }],
	};
	await createTemplate(def);
	const etag = (await getTemplate('t3_dry')).headers.etag;
	const res = await publish('t3_dry', 1, { dryRun: true });
	assert.equal(res.status, 200, res.text);
	assert.deepEqual(Object.keys(res.json).sort(), ['conflicts', 'operations']);
	assert.deepEqual(res.json.conflicts, []);
	assert.deepEqual(res.json.operations.map((o) => o.kind), ['create_schema', 'create_table', 'create_table']);
	for (const op of res.json.operations) {
		assert.equal(typeof op.description, 'string');
		assert.equal(typeof op.sql, 'string');
		assert.equal(op.checks_existing_rows, false);
	}
	assert.equal(res.json.operations[0].sql, 'CREATE SCHEMA "tpl_t3_dry"');
	assert.match(res.json.operations[1].sql, /^CREATE TABLE "tpl_t3_dry"\."main" \(/);
	assert.match(res.json.operations[2].sql, /^CREATE TABLE "tpl_t3_dry"\."main__rows" \(/);

	assert.equal(schemaExists('tpl_t3_dry'), false, 'no schema after a dry run');
	assert.deepEqual(versionRows('t3_dry'), [['1', 'draft', 'f']]);
	const t = await getTemplate('t3_dry');
	assert.equal(t.headers.etag, etag);
	assert.equal(t.json.status, 'draft');
	assert.deepEqual((await templateAudit('t3_dry')).map((a) => a.action), ['create']);
	assertProblem(await request('POST', '/api/v1/templates/t3_dry/entries', { token: author, body: {} }), 409);

	// The real publish does what the dry run announced.
	const pub = await publishOk('t3_dry', 1);
	const audit = await templateAudit('t3_dry');
	assert.deepEqual(audit.map((a) => a.action), ['create', 'publish']);
	assert.deepEqual(audit[1].after.operations, res.json.operations);
	assert.equal(pub.json.status, 'published');
	assert.deepEqual(tablesOf('tpl_t3_dry'), ['main', 'main__rows']);
});

const EVERY_TYPE = {
	key: 't3_types', title: 'Every type',
	sections: [{
		key: 'obs', title: 'Observation',
		fields: [
			{ key: 't_text', type: 'text', required: true, min_length: 2, max_length: 20, pattern: '[A-Z][a-z]+' },
			{ key: 't_int', type: 'integer', required: true, min: -5, max: 1000 },
			{ key: 't_dec', type: 'decimal', min: '0.5', max: '99.95' },
			{ key: 't_bool', type: 'boolean', required: true },
			{ key: 't_date', type: 'date', min: '2026-01-01', max: '2026-12-31' },
			{ key: 't_time', type: 'time', min: '06:00', max: '18:30:15' },
			{ key: 't_dt', type: 'datetime', min: '2026-01-01T00:00:00Z' },
			{ key: 't_choice', type: 'choice', required: true, choices: ['low', 'high'] },
			{ key: 't_multi', type: 'multichoice', choices: ['a', 'b', 'c'] },
			{ key: 't_def', type: 'text', default: 'n/a' },
			{ key: 't_idef', type: 'integer', required: true, default: 7 },
		],
		tables: [{
			key: 'readings', min_rows: 1, max_rows: 5,
			columns: [
				{ key: 'r_at', type: 'time', required: true },
				{ key: 'r_val', type: 'decimal', required: true, min: 0 },
				{ key: 'r_note', type: 'text', max_length: 50 },
			],
		}],
	}],
};

test('publish creates tpl_<key>: typed columns, NOT NULL, CHECKs, PK and FKs per type', async () => {
	await createTemplate(EVERY_TYPE);
	await publishOk('t3_types', 1);
	assert.deepEqual(tablesOf('tpl_t3_types'), ['obs', 'obs__readings']);

	assert.deepEqual(columnsOf('tpl_t3_types', 'obs'), {
		_entry_id: col('uuid', true),
		_revision: col('integer', true),
		t_text: col('text', true),
		t_int: col('bigint', true),
		t_dec: col('numeric'),
		t_bool: col('boolean', true),
		t_date: col('date'),
		t_time: col('time without time zone'),
		t_dt: col('timestamp with time zone'),
		t_choice: col('text', true),
		t_multi: col('text[]'),
		t_def: col('text', false, "'n/a'::text"),
		t_idef: col('bigint', true, "'7'::bigint"),
	});
	assert.deepEqual(constraintsOf('tpl_t3_types', 'obs'), {
		obs__entry_id_fkey: 'FOREIGN KEY (_entry_id) REFERENCES entries(id)',
		obs_pkey: 'PRIMARY KEY (_entry_id)',
		t_choice__choices: "CHECK ((t_choice = ANY (ARRAY['low'::text, 'high'::text])))",
		t_date__max: "CHECK ((t_date <= '2026-12-31'::date))",
		t_date__min: "CHECK ((t_date >= '2026-01-01'::date))",
		t_dec__max: "CHECK ((t_dec <= 99.95))",
		t_dec__min: "CHECK ((t_dec >= 0.5))",
		t_dt__min: "CHECK ((t_dt >= '2026-01-01 00:00:00+00'::timestamp with time zone))",
		t_int__max: "CHECK ((t_int <= '1000'::bigint))",
		t_int__min: "CHECK ((t_int >= '-5'::bigint))",
		t_multi__choices: "CHECK ((t_multi <@ ARRAY['a'::text, 'b'::text, 'c'::text]))",
		t_text__max_length: 'CHECK ((char_length(t_text) <= 20))',
		t_text__min_length: 'CHECK ((char_length(t_text) >= 2))',
		t_time__max: "CHECK ((t_time <= '18:30:15'::time without time zone))",
		t_time__min: "CHECK ((t_time >= '06:00:00'::time without time zone))",
	});
	assert.deepEqual(columnsOf('tpl_t3_types', 'obs__readings'), {
		_entry_id: col('uuid', true),
		_row_no: col('integer', true),
		r_at: col('time without time zone', true),
		r_val: col('numeric', true),
		r_note: col('text'),
	});
	assert.deepEqual(constraintsOf('tpl_t3_types', 'obs__readings'), {
		obs__readings__entry_id_fkey: 'FOREIGN KEY (_entry_id) REFERENCES tpl_t3_types.obs(_entry_id) ON DELETE CASCADE',
		obs__readings_pkey: 'PRIMARY KEY (_entry_id, _row_no)',
		r_note__max_length: 'CHECK ((char_length(r_note) <= 50))',
		r_val__min: "CHECK ((r_val >= '0'::numeric))",
	});
	// The primary keys' indexes (the child's also serves its foreign key).
	const indexes = psql(`SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i
JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'tpl_t3_types' ORDER BY 1`);
	assert.deepEqual(indexes, [
		['obs__readings_pkey', 'CREATE UNIQUE INDEX obs__readings_pkey ON tpl_t3_types.obs__readings USING btree (_entry_id, _row_no)'],
		['obs_pkey', 'CREATE UNIQUE INDEX obs_pkey ON tpl_t3_types.obs USING btree (_entry_id)'],
	]);

	// Values of every type go in through the API and come back, typed in the table.
	const entry = await newEntry('t3_types');
	assert.equal(entry.template_version, 1);
	const data = {
		t_text: 'Hello', t_int: -5, t_dec: '99.95', t_bool: false, t_date: '2026-02-28',
		t_time: '18:30:15', t_dt: '2026-11-23T07:35:50.123Z', t_choice: 'high', t_multi: ['c', 'a'],
	};
	const tables = { readings: [{ r_at: '06:15', r_val: 0 }, { r_at: '07:00:01', r_val: '12.50', r_note: 'ok' }] };
	const saved = await saveSectionOk(entry.id, 'obs', data, tables);
	const expected = {
		...data, t_time: '18:30:15', t_multi: ['c', 'a'], t_def: 'n/a', t_idef: 7,
	};
	assert.deepEqual(saved.data, expected);
	assert.deepEqual((await getEntry(entry.id)).sections.obs.data, expected);
	assert.deepEqual((await getEntry(entry.id)).sections.obs.tables.readings, [
		{ r_at: '06:15:00', r_val: '0', r_note: null },
		{ r_at: '07:00:01', r_val: '12.50', r_note: 'ok' },
	]);
	assert.deepEqual(rowsOf('tpl_t3_types', 'obs', ['t_text', 't_int', 't_dec', 't_bool', 't_date', 't_time',
		't_choice', 't_multi', 't_def', 't_idef']),
	[['Hello', '-5', '99.95', 'false', '2026-02-28', '18:30:15', 'high', '{c,a}', 'n/a', '7']]);
	assert.deepEqual(psql(`SET TimeZone = 'UTC'; SELECT t_dt::text FROM tpl_t3_types.obs`), [['2026-11-23 07:35:50.123+00']]);
	assert.deepEqual(rowsOf('tpl_t3_types', 'obs__readings', ['_row_no', 'r_at', 'r_val', 'r_note'], ['_row_no']),
		[['1', '06:15:00', '0', ''], ['2', '07:00:01', '12.50', 'ok']]);

	// Every constraint holds in the database itself, whoever writes: a row that breaks one
	// is refused by PostgreSQL, naming the constraint.
	const good = {
		t_text: "'Hello'", t_int: '1', t_dec: '1', t_bool: 'true', t_date: "'2026-06-01'",
		t_time: "'12:00'", t_dt: "'2026-06-01T00:00:00Z'", t_choice: "'low'", t_multi: "'{a}'",
	};
	const insert = (over) => {
		const row = { ...good, ...over };
		return `INSERT INTO tpl_t3_types.obs (_entry_id, _revision, ${Object.keys(row).join(', ')})
VALUES ((SELECT id FROM entries WHERE template_key = 't3_types' AND id <> ${literal(entry.id)} LIMIT 1), 1, ${Object.values(row).join(', ')})`;
	};
	await newEntry('t3_types'); // an entry without a section row, for the inserts to refer to
	assert.equal(tryInRollback(insert({})), '', 'a valid row inserts');
	const breaking = {
		t_text__min_length: { t_text: "'H'" },
		t_text__max_length: { t_text: `'${'x'.repeat(21)}'` },
		t_int__min: { t_int: '-6' },
		t_int__max: { t_int: '1001' },
		t_dec__min: { t_dec: '0.49' },
		t_dec__max: { t_dec: '99.951' },
		t_date__min: { t_date: "'2025-12-31'" },
		t_date__max: { t_date: "'2027-01-01'" },
		t_time__min: { t_time: "'05:59:59'" },
		t_time__max: { t_time: "'18:30:16'" },
		t_dt__min: { t_dt: "'2025-12-31T23:59:59Z'" },
		t_choice__choices: { t_choice: "'medium'" },
		t_multi__choices: { t_multi: "'{a,d}'" },
	};
	for (const [name, over] of Object.entries(breaking)) {
		const err = tryInRollback(insert(over));
		assert.match(err, new RegExp(`violates check constraint "${name}"`), `${name}: ${err}`);
	}
	for (const c of ['t_text', 't_int', 't_bool', 't_choice']) {
		const err = tryInRollback(insert({ [c]: 'NULL' }));
		assert.match(err, new RegExp(`null value in column "${c}".*violates not-null constraint`), err);
	}
	assert.match(tryInRollback(`INSERT INTO tpl_t3_types.obs (_entry_id, _revision, t_text, t_int, t_bool, t_choice)
VALUES (gen_random_uuid(), 1, 'Hello', 1, true, 'low')`), /violates foreign key constraint "obs__entry_id_fkey"/);
	assert.match(tryInRollback(`INSERT INTO tpl_t3_types.obs__readings (_entry_id, _row_no, r_at, r_val)
VALUES (gen_random_uuid(), 1, '12:00', 1)`), /violates foreign key constraint "obs__readings__entry_id_fkey"/);
	assert.match(tryInRollback(`INSERT INTO tpl_t3_types.obs__readings (_entry_id, _row_no, r_at, r_val)
VALUES (${literal(entry.id)}, 1, '12:00', 1)`), /duplicate key value violates unique constraint "obs__readings_pkey"/);

	// The value engine refuses the same values before they reach the database, all at once.
	const bad = await saveSection(entry.id, 'obs', {
		t_text: 'H', t_int: 1001, t_dec: '0.1', t_bool: 'yes', t_date: '2026-02-30', t_time: '05:00',
		t_dt: '2025-01-01T00:00:00Z', t_choice: 'medium', t_multi: ['a', 'a'],
	}, { readings: [] });
	assertProblem(bad, 422);
	assert.deepEqual(bad.json.errors.map((e) => `${e.path} ${e.code}`).sort(), [
		'data.t_bool type', 'data.t_choice choice', 'data.t_date format', 'data.t_dec min',
		'data.t_dt min', 'data.t_int max', 'data.t_multi[1] duplicate', 'data.t_text min_length',
		'data.t_text pattern', 'data.t_time min', 'tables.readings min_rows',
	], bad.text);
	assert.deepEqual((await getEntry(entry.id)).sections.obs.data, expected, 'the 422 changed nothing');

	// Published versions are final.
	assertProblem(await publish('t3_types', 1), 409);
});

test('reserved words as keys work end to end', async () => {
	const words = ['select', 'user', 'order', 'table', 'from', 'where', 'group', 'check', 'default',
		'null', 'primary', 'references', 'column', 'limit', 'grant'];
	const def = {
		key: null,
		sections: [
			{
				key: 'user',
				fields: words.map((w) => ({ key: w, type: w === 'check' ? 'integer' : 'text', required: w === 'select' })),
				tables: [{ key: 'window', columns: [{ key: 'table', type: 'boolean' }] }],
			},
			{
				key: 'select',
				fields: [{ key: 'from', type: 'choice', choices: ['where', 'group by'] }],
				tables: [{ key: 'table', columns: [{ key: 'order', type: 'integer', required: true, min: 1 },
					{ key: 'user', type: 'text' }] }],
			},
		],
	};
	for (const key of ['select', 'table']) {
		def.key = key;
		await createTemplate(def);
		await publishOk(key, 1);
		const schema = `tpl_${key}`;
		assert.deepEqual(tablesOf(schema), ['select', 'select__table', 'user', 'user__window']);
		const cols = columnsOf(schema, 'user');
		assert.deepEqual(Object.keys(cols), ['_entry_id', '_revision', ...words]);
		assert.equal(cols.select.notNull, true);
		assert.equal(cols.check.type, 'bigint');
		assert.deepEqual(constraintsOf(schema, 'select__table').order__min, `CHECK (("order" >= '1'::bigint))`);

		const entry = await newEntry(key);
		const data = Object.fromEntries(words.map((w) => [w, w === 'check' ? 42 : `value of ${w}`]));
		const saved = await saveSectionOk(entry.id, 'user', data, { window: [{ table: true }, { table: null }] });
		assert.deepEqual(saved.data, data);
		await saveSectionOk(entry.id, 'select', { from: 'group by' }, { table: [{ order: 1, user: 'u1' }, { order: 2 }] });
		const got = await getEntry(entry.id);
		assert.deepEqual(got.sections.user.data, data);
		assert.deepEqual(got.sections.user.tables.window, [{ table: true }, { table: null }]);
		assert.deepEqual(got.sections.select.data, { from: 'group by' });
		assert.deepEqual(got.sections.select.tables.table, [{ order: 1, user: 'u1' }, { order: 2, user: null }]);
		assert.deepEqual(rowsOf(schema, 'select__table', ['order', 'user'], ['_row_no']), [['1', 'u1'], ['2', '']]);
		assert.deepEqual(rowsOf(schema, 'user', ['select', 'check', 'null']), [['value of select', '42', 'value of null']]);
		const bad = await saveSection(entry.id, 'select', { from: 'where', select: 'x' }, { table: [{ order: 0 }] });
		assertProblem(bad, 422);
		assert.deepEqual(bad.json.errors.map((e) => `${e.path} ${e.code}`).sort(),
			['data.select unknown_member', 'tables.table[0].order min']);
	}
});

test('names beyond 63 bytes are shortened deterministically, and distinct', async () => {
	const tkey = 't3_' + 'long'.repeat(9) + 'x';           // 40 characters
	const skey = 'section_' + 'a'.repeat(32);                // 40
	const t1 = 'table_' + 'b'.repeat(33) + '1';              // 40
	const t2 = 'table_' + 'b'.repeat(33) + '2';              // 40: same first 54 bytes of the child name
	const fkey = 'field_' + 'c'.repeat(34);                  // 40
	for (const k of [tkey, skey, t1, t2, fkey])
		assert.equal(k.length, 40);
	const def = {
		key: tkey,
		sections: [{
			key: skey,
			fields: [{ key: fkey, type: 'text', required: true, min_length: 1, max_length: 9 }],
			tables: [
				{ key: t1, columns: [{ key: fkey, type: 'integer', min: 0 }] },
				{ key: t2, columns: [{ key: fkey, type: 'text' }] },
			],
		}],
	};
	await createTemplate(def);
	const plan = await publish(tkey, 1, { dryRun: true });
	assert.equal(plan.status, 200, plan.text);
	await publishOk(tkey, 1);

	const schema = `tpl_${tkey}`;
	const child1 = fitName(`${skey}__${t1}`), child2 = fitName(`${skey}__${t2}`);
	assert.equal(Buffer.byteLength(`${skey}__${t1}`), 82);
	assert.equal(child1.length, 63);
	assert.equal(child1.slice(0, 54), `${skey}__${t1}`.slice(0, 54));
	assert.match(child1, /_[0-9a-f]{8}$/);
	assert.notEqual(child1, child2);
	assert.deepEqual(tablesOf(schema), [skey, child1, child2].sort());
	assert.ok(plan.json.operations.some((o) => o.sql.startsWith(`CREATE TABLE ${ident(schema)}.${ident(child1)} (`)),
		'the plan names the shortened table');
	// PostgreSQL truncated nothing: every name is what the plan says.
	assert.deepEqual(Object.keys(columnsOf(schema, skey)), ['_entry_id', '_revision', fkey]);
	assert.ok(`${fkey}__max_length` in constraintsOf(schema, skey));
	assert.ok(`${fkey}__min` in constraintsOf(schema, child1));

	const entry = await newEntry(tkey);
	await saveSectionOk(entry.id, skey, { [fkey]: 'short' },
		{ [t1]: [{ [fkey]: 1 }, { [fkey]: 2 }], [t2]: [{ [fkey]: 'two' }] });
	const got = await getEntry(entry.id);
	assert.deepEqual(got.sections[skey].data, { [fkey]: 'short' });
	assert.deepEqual(got.sections[skey].tables, { [t1]: [{ [fkey]: 1 }, { [fkey]: 2 }], [t2]: [{ [fkey]: 'two' }] });
	assert.deepEqual(rowsOf(schema, child1, [fkey], ['_row_no']), [['1'], ['2']]);
	assert.deepEqual(rowsOf(schema, child2, [fkey], ['_row_no']), [['two']]);
});

const HOSTILE = [
	'x"; DROP TABLE entries; --',
	"x'); DROP TABLE users; --",
	'a b', 'A', 'é', '_x', '1x', 'x-y', 'x.y', 'x;y', 'x\u0000', 'x\n', '',
	'select"', 'a'.repeat(41),
];

test('SQL injection in keys is refused with 422 wherever a key goes', async () => {
	const before = psql('SELECT count(*) FROM templates')[0][0];
	for (const bad of HOSTILE) {
		const docs = {
			key: { key: bad, sections: [{ key: 's', fields: [{ key: 'f', type: 'text' }] }] },
			'sections[0].key': { key: 't3_inj', sections: [{ key: bad, fields: [{ key: 'f', type: 'text' }] }] },
			'sections[0].fields[0].key': { key: 't3_inj', sections: [{ key: 's', fields: [{ key: bad, type: 'text' }] }] },
			'sections[0].tables[0].key': { key: 't3_inj', sections: [{ key: 's',
				tables: [{ key: bad, columns: [{ key: 'c', type: 'text' }] }] }] },
			'sections[0].tables[0].columns[0].key': { key: 't3_inj', sections: [{ key: 's',
				tables: [{ key: 't', columns: [{ key: bad, type: 'text' }] }] }] },
		};
		for (const [path, doc] of Object.entries(docs)) {
			const res = await request('POST', '/api/v1/templates', { token: designer, body: doc });
			assertProblem(res, 422);
			const pairs = res.json.errors.map((e) => `${e.path} ${e.code}`);
			// U+0000 is refused before the key pattern is looked at.
			const code = bad.includes('\u0000') ? 'format' : 'invalid_key';
			assert.deepEqual(pairs, [`${path} ${code}`], `${JSON.stringify(bad)} at ${path}: ${res.text}`);
		}
	}
	// Keys in URLs are looked up, never spliced: unknown.
	for (const bad of ['x"; DROP TABLE entries; --', "x'); DROP TABLE users; --", 'ORDER'])
		for (const path of [`/api/v1/templates/${encodeURIComponent(bad)}`,
			`/api/v1/templates/${encodeURIComponent(bad)}/versions/1`]) {
			const res = await request('GET', path, { token: reader });
			assertProblem(res, 404);
		}
	const res = await request('POST', `/api/v1/templates/${encodeURIComponent('x"; DROP SCHEMA public; --')}/versions/1/publish`,
		{ token: designer });
	assertProblem(res, 404);
	assert.equal(psql('SELECT count(*) FROM templates')[0][0], before, 'nothing stored');
	for (const t of ['entries', 'users', 'templates', 'audit_log'])
		assert.equal(tableExists('public', t), true, t);
});

test('SQL in titles, labels, help, choices and defaults is stored verbatim and never executed', async () => {
	const evil = {
		title: "Robert'); DROP TABLE users; --",
		description: 'x"); DROP TABLE entries; -- $$ $q$ \\ /* */ \u2028 \ud83d\ude00',
		label: 'x"); DROP TABLE entries; --',
		help: "'; DELETE FROM audit_log; --",
		choice: "a'); DROP TABLE users; --",
		def: "'); DROP TABLE users; --",
	};
	const choices = [evil.choice, 'plain', "it's", 'back\\slash', 'quo"te', '{x,y}', '$$', 'NULL', 'a, b'];
	const def = {
		key: 't3_evil', title: evil.title, description: evil.description,
		sections: [{
			key: 'main', title: evil.label,
			fields: [
				{ key: 'pick', label: evil.label, help: evil.help, type: 'choice', choices, required: true },
				{ key: 'many', label: evil.label, type: 'multichoice', choices },
				{ key: 'txt', label: evil.help, help: evil.label, type: 'text', default: evil.def, pattern: "[^']*|.*'.*" },
			],
			tables: [{ key: 'rows', label: evil.title, columns: [{ key: 'c', label: evil.label, type: 'choice', choices }] }],
		}],
	};
	const auditRows = Number(psql('SELECT count(*) FROM audit_log')[0][0]);
	await createTemplate(def);
	const v1 = await request('GET', '/api/v1/templates/t3_evil/versions/1', { token: reader });
	assert.equal(v1.status, 200, v1.text);
	for (const k of ['key', 'title', 'description', 'sections'])
		assert.deepEqual(v1.json[k], def[k], `${k} stored verbatim`);
	const plan = await publish('t3_evil', 1, { dryRun: true });
	assert.equal(plan.status, 200, plan.text);
	for (const op of plan.json.operations)
		for (const text of [evil.title, evil.label, evil.help])
			assert.ok(!op.sql.includes(text), `free text never reaches DDL: ${op.sql}`);
	await publishOk('t3_evil', 1);

	// Choices and the default are SQL literals in the DDL, quoted: the catalogue shows them.
	const q = (s) => `'${s.replace(/'/g, "''")}'::text`;
	const checks = constraintsOf('tpl_t3_evil', 'main');
	assert.equal(checks.pick__choices, `CHECK ((pick = ANY (ARRAY[${choices.map(q).join(', ')}])))`);
	assert.equal(checks.many__choices, `CHECK ((many <@ ARRAY[${choices.map(q).join(', ')}]))`);
	assert.equal(columnsOf('tpl_t3_evil', 'main').txt.default, q(evil.def));
	assert.equal(constraintsOf('tpl_t3_evil', 'main__rows').c__choices,
		`CHECK ((c = ANY (ARRAY[${choices.map(q).join(', ')}])))`);

	// Every choice is a value that saves and reads back exactly.
	const entry = await newEntry('t3_evil');
	const saved = await saveSectionOk(entry.id, 'main', { pick: evil.choice, many: ['quo"te', 'back\\slash', '{x,y}', 'NULL', 'a, b'] },
		{ rows: choices.map((c) => ({ c })) });
	const got = await getEntry(entry.id);
	assert.deepEqual(got.sections.main.data, { pick: evil.choice, many: ['quo"te', 'back\\slash', '{x,y}', 'NULL', 'a, b'], txt: evil.def });
	assert.deepEqual(saved.data, got.sections.main.data);
	assert.deepEqual(got.sections.main.tables.rows, choices.map((c) => ({ c })));
	assert.deepEqual(rowsOf('tpl_t3_evil', 'main', ['pick', 'txt']), [[evil.choice, evil.def]]);
	assert.deepEqual(psql('SELECT many[1], many[2], many[3], many[4], many[5], many[4] IS NULL FROM tpl_t3_evil.main'),
		[['quo"te', 'back\\slash', '{x,y}', 'NULL', 'a, b', 'f']]);
	assert.deepEqual(rowsOf('tpl_t3_evil', 'main__rows', ['c'], ['_row_no']), choices.map((c) => [c]));
	// A string that is not a choice is refused by the API and by the database.
	assertProblem(await saveSection(entry.id, 'main', { pick: "a'); DROP TABLE users; -- " }), 422);
	assert.match(tryInRollback(`UPDATE tpl_t3_evil.main SET pick = 'a'`), /violates check constraint "pick__choices"/);

	for (const t of ['entries', 'users', 'templates', 'audit_log'])
		assert.equal(tableExists('public', t), true, t);
	assert.ok(Number(psql('SELECT count(*) FROM audit_log')[0][0]) > auditRows, 'the audit trail only grew');
	const t = await getTemplate('t3_evil');
	assert.equal(t.json.title, evil.title);
	assert.equal(t.json.description, evil.description);
});

test('concurrent creates, drafts and publishes: one wins, the others get 409 or 412', async () => {
	const body = (title) => ({ key: 't3_race', title, sections: [{ key: 'main', fields: [{ key: 'n', type: 'integer' }] }] });
	let res = await Promise.all([1, 2, 3, 4].map((i) => request('POST', '/api/v1/templates', { token: designer, body: body(`racer ${i}`) })));
	assert.deepEqual(res.map((r) => r.status).sort(), [201, 409, 409, 409], res.map((r) => r.text).join('\n'));

	const etag = (await getTemplate('t3_race')).headers.etag;
	res = await Promise.all([1, 2, 3].map((i) => request('PUT', '/api/v1/templates/t3_race/draft', {
		token: designer, headers: { 'If-Match': etag }, body: body(`edit ${i}`),
	})));
	assert.deepEqual(res.map((r) => r.status).sort(), [200, 412, 412], res.map((r) => r.text).join('\n'));
	const winner = res.find((r) => r.status === 200).json.title;
	assert.equal((await getTemplate('t3_race')).json.title, winner);

	res = await Promise.all([1, 2, 3].map(() => publish('t3_race', 1)));
	assert.deepEqual(res.map((r) => r.status).sort(), [200, 409, 409], res.map((r) => r.text).join('\n'));
	assert.deepEqual(tablesOf('tpl_t3_race'), ['main']);
	assert.deepEqual((await templateAudit('t3_race')).map((a) => a.action), ['create', 'update', 'publish']);
});
