// GET /api/v1/entries stays an index scan with 1,000,000 entries (issue 4): the rows are
// inserted with psql in one transaction, analysed, the server's page statements explained
// under both custom and generic plans, and the transaction rolled back (then VACUUM), so the
// files after this one find the table as it was.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { psql } from './lib/psql.mjs';
import { publishTemplate, templateKey } from './lib/entries.mjs';

const ROWS = 1000000;

/*
 * The page statement of app/store/entry_list.c (statement_for) for a combination of
 * filters, with its parameters in the server's order: template, author, then the cursor's
 * time and id, then the limit (page size + 1).
 */
function pageStatement({ template, author, cursor }) {
	let where = '';
	let n = 0;
	if (template)
		where += ` AND e.template_key = $${++n}`;
	if (author)
		where += ` AND e.created_by = $${++n}`;
	if (cursor) {
		where += ` AND (e.updated_at, e.id) > ($${n + 1}::timestamptz, $${n + 2}::uuid)`;
		n += 2;
	}
	return 'SELECT e.id, e.template_key, e.template_version, e.title, e.created_by, e.created_at,' +
		' e.updated_at, e.updated_at::text AS cursor_at,' +
		" (SELECT json_object_agg(s.section, json_build_object('state', s.state, 'revision'," +
		"   s.revision, 'etag', '\"' || s.etag || '\"')) FROM entry_sections s WHERE s.entry_id = e.id)" +
		` AS sections FROM entries e WHERE true${where} ORDER BY e.updated_at, e.id LIMIT $${n + 1}::integer`;
}

const quote = (s) => `'${String(s).replace(/'/g, "''")}'`;

// Every node of an EXPLAIN (FORMAT JSON) plan.
function nodes(plan, out = []) {
	out.push(plan);
	for (const child of plan.Plans || [])
		nodes(child, out);
	return out;
}

test('a page of GET /api/v1/entries is an index scan with 1,000,000 entries, with and without filters', { timeout: 600000 }, async (t) => {
	// Four templates share the rows, so that a template filter selects a quarter of them.
	const keys = [];
	for (let i = 0; i < 4; i++)
		keys.push(await publishTemplate(templateKey(`explain${i}`)));

	const started = Date.now();
	const combos = [];
	for (const template of [false, true])
		for (const author of [false, true])
			for (const cursor of [false, true])
				combos.push({ template, author, cursor });

	// The secondary indexes (the full-text GIN index above all) are dropped for the load and
	// built again from their own definitions afterwards, in the same transaction: one build is
	// much faster than a million insertions, and the plans see exactly the schema's indexes.
	const sql = [`BEGIN;
CREATE TEMP TABLE saved_indexes AS SELECT indexrelid::regclass::text AS name, pg_get_indexdef(indexrelid) AS def
  FROM pg_index WHERE indrelid = 'entries'::regclass AND NOT indisprimary;
DO $$
DECLARE
	ix record;
BEGIN
	FOR ix IN SELECT * FROM saved_indexes LOOP
		EXECUTE 'DROP INDEX ' || ix.name;
	END LOOP;
END
$$;
-- The rows are known to be consistent: no foreign key check row by row (superuser only).
SET LOCAL session_replication_role = replica;
SET LOCAL maintenance_work_mem = '256MB';
INSERT INTO entries (id, template_key, template_version, title, created_by, created_at, updated_at)
SELECT gen_random_uuid(), (ARRAY[${keys.map(quote).join(',')}])[1 + i % 4], 1, '', 'bulk-' || (i % 37), at, at
  FROM (SELECT i, timestamptz '2020-01-01 00:00:00Z' + i * interval '61 seconds' + (random() * interval '60 seconds') AS at
          FROM generate_series(1, ${ROWS}) i) g;
SET LOCAL session_replication_role = origin;
DO $$
DECLARE
	ix record;
BEGIN
	FOR ix IN SELECT * FROM saved_indexes LOOP
		EXECUTE ix.def;
	END LOOP;
END
$$;
ANALYZE entries;
CREATE TEMP TABLE plans (name text, mode text, plan json);
CREATE TEMP TABLE mid AS SELECT updated_at::text AS at, id::text AS id FROM entries
  WHERE created_by = 'bulk-5' ORDER BY updated_at, id OFFSET ${Math.floor(ROWS / 37 / 2)} LIMIT 1;`];
	combos.forEach((c, i) => sql.push(`PREPARE page${i} AS ${pageStatement(c)};`));
	sql.push(`DO $$
DECLARE
	p json;
	cur record;
	mode text;
BEGIN
	SELECT * INTO cur FROM mid;`);
	combos.forEach((c, i) => {
		// SQL expressions for the arguments, quoted for the dynamic EXECUTE by quote_literal.
		const args = [];
		if (c.template)
			args.push(`quote_literal(${quote(keys[2])})`);
		if (c.author)
			args.push("quote_literal('bulk-5')");
		if (c.cursor)
			args.push('quote_literal(cur.at)', 'quote_literal(cur.id)');
		args.push("'51'");
		const name = `template=${c.template} author=${c.author} cursor=${c.cursor}`;
		sql.push(`	FOREACH mode IN ARRAY ARRAY['force_custom_plan', 'force_generic_plan'] LOOP
		PERFORM set_config('plan_cache_mode', mode, true);
		EXECUTE 'EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE page${i}(' || concat_ws(', ', ${args.join(', ')}) || ')' INTO p;
		INSERT INTO plans VALUES (${quote(name)}, mode, p);
	END LOOP;`);
	});
	sql.push(`END
$$;
SELECT name, mode, plan FROM plans ORDER BY name, mode;
ROLLBACK;`);

	let rows;
	try {
		rows = psql(sql.join('\n'), { timeoutMs: 580000 });
	} finally {
		// Nothing was committed; VACUUM gives the space of the aborted rows back and
		// ANALYZE the statistics of the table as it is.
		psql('VACUUM ANALYZE entries');
	}
	t.diagnostic(`insert, analyse, ${rows.length} plans, rollback and vacuum: ${Date.now() - started} ms`);
	assert.equal(rows.length, combos.length * 2);
	assert.equal(Number(psql(`SELECT count(*) FROM entries WHERE created_by LIKE 'bulk-%'`)[0][0]), 0, 'rolled back');

	for (const [name, mode, text] of rows) {
		const [top] = JSON.parse(text);
		const all = nodes(top.Plan);
		const scans = all.filter((x) => x['Relation Name'] === 'entries');
		const summary = all.map((x) => `${x['Node Type']}${x['Index Name'] ? ` using ${x['Index Name']}` : ''}` +
			`${x['Relation Name'] ? ` on ${x['Relation Name']}` : ''}`).join(' > ');
		t.diagnostic(`${name} ${mode}: ${summary}; ${top['Execution Time']} ms`);
		assert.equal(scans.length, 1, `${name} ${mode}: one scan of entries: ${summary}`);
		assert.equal(scans[0]['Node Type'], 'Index Scan', `${name} ${mode}: ${summary}`);
		assert.ok(!all.some((x) => /Sort/.test(x['Node Type'])), `${name} ${mode}: no sort: ${summary}`);
		assert.ok(!all.some((x) => x['Node Type'] === 'Seq Scan' && x['Relation Name'] === 'entries'),
			`${name} ${mode}: no sequential scan of entries: ${summary}`);
		assert.equal(top.Plan['Actual Rows'], 51, `${name} ${mode}: a full page`);
		assert.ok(top['Execution Time'] < 1000, `${name} ${mode}: ${top['Execution Time']} ms for a page`);
	}
});
