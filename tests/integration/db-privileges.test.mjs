// What an attacker holding the application role's password can and cannot do (issue 10, item
// 10; 011_least_privilege.sql): connected with psql as logbook_app, every way of rewriting
// history fails or is recorded, while the API, which uses that same role, keeps working.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from './lib/index.mjs';
import { psql, psqlError, auditHead } from './lib/psql.mjs';
import {
	TAG, publishTemplate, templateKey, createEntry, save, step, readingsBody, author, reviewer,
	auditor, auditRows, etagOf,
} from './lib/entries.mjs';

const app = { user: 'logbook_app', appName: `${TAG}-attacker` };
const KEY = templateKey('privs');
const SCHEMA = `tpl_${KEY}`;
let entry;

test.before(async () => {
	await publishTemplate(KEY);
	entry = (await createEntry(KEY)).id;
	const res = await save(entry, 'readings', readingsBody(1), { ifMatch: await etagOf(entry, 'readings') });
	assert.equal(res.status, 200, res.text);
});

// Sets the application's request mark, as the workers do, before sql.
function marked(sql) {
	return `BEGIN;
SELECT set_config('logbook.request_id', '${TAG}-forged', true), set_config('logbook.actor', 'alice', true);
${sql}
COMMIT;`;
}

function refused(sql, pattern = /permission denied|must be owner|append-only/) {
	const err = psqlError(sql, app);
	assert.match(err, pattern, `${sql}\n-> ${err}`);
}

test('the trail: no direct INSERT, no back-dating, no reordering', () => {
	const head = auditHead();
	refused(`INSERT INTO audit_log (at, actor, action, object_type, object_id)
VALUES ('2020-01-01', 'alice', 'approve', 'entry', '${entry}')`);
	refused(`INSERT INTO audit_pending (at, actor, action, object_type, object_id)
VALUES ('2020-01-01', 'alice', 'approve', 'entry', '${entry}')`);
	refused(`INSERT INTO audit_pending (id, actor, action, object_type, object_id) OVERRIDING SYSTEM VALUE
VALUES (1, 'alice', 'approve', 'entry', '${entry}')`);
	refused(`UPDATE audit_pending SET at = '2020-01-01'`);
	refused(`DELETE FROM audit_pending`);
	refused(`UPDATE audit_head SET seq = 0`);
	refused(`UPDATE audit_log SET at = '2020-01-01' WHERE seq = ${head}`);
	refused(`DELETE FROM audit_log WHERE seq = ${head}`);
	refused('TRUNCATE audit_log');
	refused('ALTER TABLE audit_log DISABLE TRIGGER audit_no_update');
	// The one way in stamps time and order itself: there is no `at` to pass.
	const [[id]] = psql(`SELECT audit_write('alice', '{author}', 'approve', 'entry', '${entry}',
	'readings', '${TAG}-stamped', NULL, NULL, NULL, NULL)`, app);
	assert.ok(Number(id) > 0);
	assert.equal(auditHead(), head + 1);
	const [[at, seq, fresh]] = psql(`SELECT at, seq, at > now() - interval '1 minute' FROM audit_log
WHERE request_id = '${TAG}-stamped'`);
	assert.equal(Number(seq), head + 1, at);
	assert.equal(fresh, 't', `stamped at ${at}`);
});

test('section history is append-only, with id and time from the database', () => {
	refused(`UPDATE section_history SET actor = 'mallory' WHERE entry_id = '${entry}'`);
	refused(`DELETE FROM section_history WHERE entry_id = '${entry}'`);
	refused('TRUNCATE section_history');
	refused(`INSERT INTO section_history (entry_id, section, revision, action, from_state, to_state, actor, at)
VALUES ('${entry}', 'readings', 1, 'approve', 'in_review', 'approved', 'alice', '2020-01-01')`);
	refused(`INSERT INTO section_history (id, entry_id, section, revision, action, from_state, to_state,
	actor) OVERRIDING SYSTEM VALUE VALUES (1, '${entry}', 'readings', 1, 'save', 'draft', 'draft', 'alice')`);
	// Not even the owner changes it: the trigger refuses.
	assert.match(psqlError(`UPDATE section_history SET actor = 'x' WHERE entry_id = '${entry}'`,
		{ user: 'logbook_owner' }), /section_history is append-only: UPDATE refused/);
	assert.match(psqlError(`DELETE FROM section_history WHERE entry_id = '${entry}'`,
		{ user: 'logbook_owner' }), /section_history is append-only: DELETE refused/);
});

test('generated tables: owned by logbook_owner, so no DDL, no trigger switched off', () => {
	const owners = psql(`SELECT DISTINCT pg_get_userbyid(c.relowner) FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = '${SCHEMA}' AND c.relkind = 'r'
UNION SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = '${SCHEMA}'`);
	assert.deepEqual(owners, [['logbook_owner']]);
	const t = `"${SCHEMA}".readings`;
	refused(`ALTER TABLE ${t} DISABLE TRIGGER logbook_audit_rows`);
	refused(`ALTER TABLE ${t} DISABLE TRIGGER ALL`);
	refused(`DROP TRIGGER logbook_audit_rows ON ${t}`);
	refused(`DROP TABLE ${t} CASCADE`);
	refused(`ALTER TABLE ${t} ADD COLUMN x integer`);
	refused(`TRUNCATE ${t} CASCADE`);
	refused(`CREATE TRIGGER t BEFORE UPDATE ON ${t} FOR EACH ROW EXECUTE FUNCTION suppress_redundant_updates_trigger()`);
	refused(`SELECT audit_attach('${SCHEMA}', 'readings', 'readings')`);
	refused(`CREATE SCHEMA ${TAG}_mine`);
	refused(`CREATE TABLE public.${TAG}_mine (x integer)`);
	refused(`CREATE TEMP TABLE ${TAG}_mine (x integer)`);
	refused('SET session_replication_role = replica');
	refused('ALTER TABLE section_history DISABLE TRIGGER section_history_no_update');
});

test('the request mark alone hides nothing: a change without its own audit row is recorded', async () => {
	const t = `"${SCHEMA}".readings`;
	// 1. The mark, as the workers set it, and a direct UPDATE.
	psql(marked(`UPDATE ${t} SET note = 'forged 1' WHERE _entry_id = '${entry}';`), app);
	// 2. A made-up list of "my audit rows", naming rows of other transactions.
	const [[other]] = psql('SELECT max(seq) FROM audit_log');
	psql(marked(`SELECT set_config('logbook.audit_rows', '1,2,3,${other}', true);
UPDATE ${t} SET note = 'forged 2' WHERE _entry_id = '${entry}';`), app);
	// 3. An audit row of its own, but for another entry.
	psql(marked(`SELECT audit_write('alice', '{author}', 'save', 'entry', '00000000-0000-4000-8000-000000000000',
	'readings', '${TAG}-forged', NULL, NULL, NULL, NULL);
UPDATE ${t} SET note = 'forged 3' WHERE _entry_id = '${entry}';
DELETE FROM "${SCHEMA}".readings__readings WHERE _entry_id = '${entry}';`), app);
	const rows = (await auditRows(`object_type=entry&object_id=${entry}`))
		.filter((x) => x.action.startsWith('sql_'));
	assert.deepEqual(rows.map((x) => [x.action, x.actor, x.section, x.after?.note ?? null]), [
		['sql_update', 'logbook_app', 'readings', 'forged 1'],
		['sql_update', 'logbook_app', 'readings', 'forged 2'],
		['sql_update', 'logbook_app', 'readings', 'forged 3'],
		['sql_delete', 'logbook_app', 'readings', null],
		['sql_delete', 'logbook_app', 'readings', null],
		['sql_delete', 'logbook_app', 'readings', null],
	]);
	assert.ok(rows.every((x) => x.request_id === `${TAG}-forged` && x.user_agent === `${TAG}-attacker`));
});

test('the API keeps working on the same role: publish, saves, transitions, history, verify', async () => {
	const key = templateKey('privs_api');
	await publishTemplate(key);
	const id = (await createEntry(key)).id;
	let res = await save(id, 'readings', readingsBody(7), { ifMatch: await etagOf(id, 'readings') });
	assert.equal(res.status, 200, res.text);
	res = await save(id, 'readings', readingsBody(8, 1), { ifMatch: await etagOf(id, 'readings') });
	assert.equal(res.status, 200, res.text);
	await step(id, 'readings', 'submit', author);
	await step(id, 'readings', 'start_review', reviewer);
	res = await request('GET', `/api/v1/entries/${id}/sections/readings/history`, { token: author });
	assert.equal(res.status, 200, res.text);
	assert.deepEqual(res.json.items.map((h) => h.action), ['save', 'save', 'submit', 'start_review']);
	// The API's own saves are covered by their own rows: no sql_* row for them.
	const rows = await auditRows(`object_type=entry&object_id=${id}`);
	assert.deepEqual(rows.map((x) => x.action), ['create', 'save', 'save', 'submit', 'start_review']);
	res = await request('GET', '/api/v1/audit/verify?full=true', { token: auditor, timeoutMs: 60000 });
	assert.equal(res.status, 200, res.text);
	assert.equal(res.json.ok, true, res.text);
	// The new tables are the owner's too, and the application may use them.
	const [[owner, rights]] = psql(`SELECT pg_get_userbyid(relowner),
	has_table_privilege('logbook_app', oid, 'SELECT, INSERT, UPDATE, DELETE')::text || '/' ||
	has_table_privilege('logbook_app', oid, 'TRUNCATE')::text || '/' ||
	has_table_privilege('logbook_app', oid, 'TRIGGER')::text
FROM pg_class WHERE oid = '"tpl_${key}".readings'::regclass`);
	assert.deepEqual([owner, rights], ['logbook_owner', 'true/false/false']);
});
