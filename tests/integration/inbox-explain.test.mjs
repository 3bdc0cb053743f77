// GET /api/v1/inbox and ?q= of GET /api/v1/entries stay index scans with 1,000,000 entries
// (issue 9). As in entries-explain.test.mjs: the rows are inserted with psql in one
// transaction, analysed, the server's statements explained under custom and generic plans,
// and the transaction rolled back (then VACUUM), so the files after this one find the tables
// as they were.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { psql } from './lib/psql.mjs';
import { publishTemplate, templateKey } from './lib/entries.mjs';

const ROWS = Number(process.env.EXPLAIN_ROWS || 1000000);

// The page statements of app/store/inbox_store.c (INBOX_SQL): $1 roles, $2 admin, $3 user,
// $4 limit, then $5 template when filtered, then the cursor's state_since, entry id and section.
function inboxStatement(cursor, template = false) {
	let where = '';
	let n = 4;
	if (template)
		where += ` AND e.template_key = $${++n}`;
	if (cursor)
		where += ` AND (s.state_since, s.entry_id, s.section) > ($${n + 1}::timestamptz, $${n + 2}::uuid, $${n + 3})`;
	return 'SELECT s.entry_id, e.template_key, e.title, s.section, s.state, s.revision,' +
		" to_char(s.state_since AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')," +
		' array_to_json(a.actions)::text, s.state_since::text' +
		' FROM entry_sections s JOIN entries e ON e.id = s.entry_id' +
		' CROSS JOIN LATERAL (SELECT array_agg(w.action ORDER BY w.ord) AS actions' +
		'   FROM template_workflow w WHERE w.template_key = e.template_key' +
		'   AND w.version = e.template_version AND w.from_state = s.state' +
		'   AND ($2::boolean OR w.roles && $1::text[])' +
		'   AND NOT (w.reviewing AND s.submitted_by IS NOT DISTINCT FROM $3)) a' +
		" WHERE s.state IN ('submitted', 'in_review', 'rejected') AND a.actions IS NOT NULL" +
		where + ' ORDER BY s.state_since, s.entry_id, s.section LIMIT $4::integer';
}

// The ?q= page statement of app/handlers/entries_list.c (statement_for) with q and
// optionally template: $1 kinds, $2 terms, [$3 template], then the limit.
function searchStatement(template) {
	const rank = 'ts_rank(x.search, qq.q)';
	return 'WITH qq AS MATERIALIZED (SELECT q FROM (SELECT lb_search_query($1::text[],' +
		' $2::text[]) AS q) x WHERE numnode(x.q) > 0) ' +
		'SELECT e.id, e.template_key, e.template_version, e.title, e.created_by, e.created_at,' +
		' e.updated_at, e.updated_at::text,' +
		" (SELECT json_object_agg(s.section, json_build_object('state', s.state, 'revision'," +
		"   s.revision, 'etag', '\"' || s.etag || '\"')) FROM entry_sections s WHERE s.entry_id = e.id)," +
		` ${rank}::text FROM entries e JOIN entry_search x ON x.entry_id = e.id, qq WHERE true AND x.search @@ qq.q` +
		(template ? ' AND e.template_key = $3' : '') +
		` ORDER BY ${rank} DESC, e.updated_at, e.id LIMIT $${template ? 4 : 3}::integer`;
}

const quote = (s) => `'${String(s).replace(/'/g, "''")}'`;

function nodes(plan, out = []) {
	out.push(plan);
	for (const child of plan.Plans || [])
		nodes(child, out);
	return out;
}

const summaryOf = (all) => all.map((x) => `${x['Node Type']}${x['Index Name'] ? ` using ${x['Index Name']}` : ''}` +
	`${x['Relation Name'] ? ` on ${x['Relation Name']}` : ''}`).join(' > ');

test('the inbox page and a search are index scans with 1,000,000 entries', { timeout: 600000 }, async (t) => {
	const keys = [];
	for (let i = 0; i < 2; i++)
		keys.push(await publishTemplate(templateKey(`inboxexplain${i}`)));
	const started = Date.now();
	// Arguments are SQL expressions that give the text of each argument (concat_ws below
	// builds the EXECUTE from them).
	const lit = (v) => `quote_literal(${quote(v)})`;
	const cases = [
		{ name: 'inbox reviewer', sql: inboxStatement(false),
			args: [lit('{reviewer}'), "'false'", lit('someone'), "'51'"] },
		{ name: 'inbox reviewer cursor', sql: inboxStatement(true),
			args: [lit('{reviewer}'), "'false'", lit('someone'), "'51'", 'quote_literal(cur.at)',
				'quote_literal(cur.id)', lit('summary')] },
		{ name: 'inbox approver template', sql: inboxStatement(false, true),
			args: [lit('{approver}'), "'false'", lit('bulk-3'), "'51'", lit(keys[1])] },
		{ name: 'inbox admin', sql: inboxStatement(false),
			args: [lit('{admin}'), "'true'", lit('bulk-1'), "'51'"] },
		{ name: 'search word', sql: searchStatement(false), args: [lit('{w}'), lit('{rare123}'), "'51'"], gin: true },
		{ name: 'search prefix template', sql: searchStatement(true),
			args: [lit('{p}'), lit('{rare77}'), lit(keys[0]), "'51'"], gin: true },
		{ name: 'search phrase', sql: searchStatement(false), args: [lit('{x}'), lit('{"rare5 common"}'), "'51'"], gin: true },
	];
	// The secondary indexes are dropped for the load and built again afterwards, from their
	// own definitions, inside the same transaction: one build is much faster than a million
	// insertions (GIN above all), and the plans see exactly the indexes the schema has.
	const sql = [`BEGIN;
CREATE TEMP TABLE saved_indexes AS SELECT indexrelid::regclass::text AS name, pg_get_indexdef(indexrelid) AS def
  FROM pg_index WHERE indrelid IN ('entries'::regclass, 'entry_sections'::regclass, 'entry_search'::regclass)
  AND NOT indisprimary;
DO $$
DECLARE
	ix record;
BEGIN
	FOR ix IN SELECT * FROM saved_indexes LOOP
		EXECUTE 'DROP INDEX ' || ix.name;
	END LOOP;
END
$$;
-- The rows are known to be consistent: no foreign key checks row by row (superuser only).
SET LOCAL session_replication_role = replica;
SET LOCAL maintenance_work_mem = '256MB';
INSERT INTO entries (id, template_key, template_version, title, created_by, created_at, updated_at)
SELECT md5('bulk' || i)::uuid, (ARRAY[${keys.map(quote).join(',')}])[1 + i % 2], 1, '', 'bulk-' || (i % 37), at, at
  FROM (SELECT i, timestamptz '2020-01-01 00:00:00Z' + i * interval '61 seconds' AS at
          FROM generate_series(1, ${ROWS}) i) g;
-- Every entry has its search row, as the server makes them; one in ten has text (rare<k> for
-- k below 5000, 20 entries each, and common).
INSERT INTO entry_search (entry_id, search)
SELECT md5('bulk' || i)::uuid,
       CASE WHEN i % 10 = 0 THEN to_tsvector('simple', 'rare' || (i / 10 % 5000) || ' common') ELSE '' END
  FROM generate_series(1, ${ROWS}) i;
INSERT INTO entry_sections (entry_id, section, state, submitted_by, updated_by, updated_at, state_since)
SELECT md5('bulk' || i)::uuid, 'summary', (ARRAY['draft', 'submitted', 'in_review', 'rejected', 'approved'])[1 + i % 5],
       'bulk-' || (i % 37), 'bulk-' || (i % 37), at, at + (i::bigint * 7919 % 86400) * interval '1 second'
  FROM (SELECT i, timestamptz '2020-01-01 00:00:00Z' + i * interval '61 seconds' AS at
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
ANALYZE entry_sections;
ANALYZE entry_search;
CREATE TEMP TABLE plans (name text, mode text, plan json);
CREATE TEMP TABLE mid AS SELECT state_since::text AS at, entry_id::text AS id FROM entry_sections
  WHERE state = 'submitted' AND section = 'summary' ORDER BY state_since, entry_id OFFSET ${Math.floor(ROWS / 10)} LIMIT 1;`];
	cases.forEach((c, i) => sql.push(`PREPARE stmt${i} AS ${c.sql};`));
	sql.push(`DO $$
DECLARE
	p json;
	cur record;
	mode text;
BEGIN
	SELECT * INTO cur FROM mid;`);
	cases.forEach((c, i) => {
		sql.push(`	FOREACH mode IN ARRAY ARRAY['force_custom_plan', 'force_generic_plan'] LOOP
		PERFORM set_config('plan_cache_mode', mode, true);
		EXECUTE 'EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE stmt${i}(' || concat_ws(', ', ${c.args.join(', ')}) || ')' INTO p;
		INSERT INTO plans VALUES (${quote(c.name)}, mode, p);
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
		psql('VACUUM ANALYZE entries');
		psql('VACUUM ANALYZE entry_sections');
		psql('VACUUM ANALYZE entry_search');
	}
	t.diagnostic(`insert, analyse, ${rows.length} plans, rollback and vacuum: ${Date.now() - started} ms`);
	assert.equal(rows.length, cases.length * 2);
	assert.equal(Number(psql(`SELECT count(*) FROM entries WHERE created_by LIKE 'bulk-%'`)[0][0]), 0, 'rolled back');
	for (const [name, mode, text] of rows) {
		const c = cases.find((x) => x.name === name);
		const [top] = JSON.parse(text);
		const all = nodes(top.Plan);
		const summary = summaryOf(all);
		t.diagnostic(`${name} ${mode}: ${summary}; ${top['Plan']['Actual Rows']} rows, ${top['Execution Time']} ms`);
		assert.ok(!all.some((x) => x['Node Type'] === 'Seq Scan' && ['entries', 'entry_sections', 'entry_search'].includes(x['Relation Name'])),
			`${name} ${mode}: no sequential scan: ${summary}`);
		if (c.gin) {
			assert.ok(all.some((x) => x['Index Name'] === 'entry_search_search'), `${name} ${mode}: the GIN index: ${summary}`);
			assert.ok(top.Plan['Actual Rows'] > 0, `${name} ${mode}: finds rows`);
		} else {
			assert.ok(!all.some((x) => /Sort/.test(x['Node Type'])), `${name} ${mode}: no sort: ${summary}`);
			assert.ok(all.some((x) => x['Index Name'] === 'entry_sections_waiting'), `${name} ${mode}: ${summary}`);
			assert.equal(top.Plan['Actual Rows'], 51, `${name} ${mode}: a full page`);
		}
		assert.ok(top['Execution Time'] < 1000, `${name} ${mode}: ${top['Execution Time']} ms for a page`);
	}
});
