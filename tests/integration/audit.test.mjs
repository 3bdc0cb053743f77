// The audit trail (issue 5): one row per action with actor and request id, append-only in the
// database, changes made with psql recorded, list filters and keyset paging on indexes, export
// streamed in flat worker memory, and tampering found by verify and `logbookctl audit verify`
// at the exact seq. Tampering is undone in `finally` blocks, so the files after this one find
// a whole chain.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { readFileSync, writeFileSync } from 'node:fs';
import {
	request, tokenFor, assertProblem, workerPids, BASE_URL, tlsCertificate,
} from './lib/index.mjs';
import { psql, psqlError, psqlSession, superuser, logbookctl } from './lib/psql.mjs';

const TAG = `t5${process.pid}`;
const auditor = tokenFor({ sub: `${TAG}-auditor`, name: 'Auditor', roles: ['auditor'] });
const ADMIN_SUB = `${TAG}-admin`;
const admin = tokenFor({ sub: ADMIN_SUB, name: 'Audit admin', roles: ['admin'] });
const author = tokenFor({ sub: `${TAG}-author`, roles: ['author'] });
let ridCounter = 0;
const rid = (what) => `${TAG}-${what}-${++ridCounter}`;

// Every item of GET /api/v1/audit?<query>, following next_cursor.
async function auditAll(query, token = auditor) {
	const items = [];
	let cursor = null;
	for (let page = 0; page < 1000; page++) {
		const q = cursor === null ? query : `${query}&cursor=${encodeURIComponent(cursor)}`;
		const res = await request('GET', `/api/v1/audit?${q}`, { token });
		assert.equal(res.status, 200, res.text);
		items.push(...res.json.items);
		cursor = res.json.next_cursor;
		if (cursor === null)
			return items;
	}
	throw new Error('more than 1000 pages');
}

async function createUser(username, requestId, token = admin) {
	const res = await request('POST', '/api/v1/users', {
		token, headers: { 'X-Request-Id': requestId },
		body: { username, password: 'correct horse battery', name: username, roles: ['author'] },
	});
	assert.equal(res.status, 201, res.text);
	assert.equal(res.headers['x-request-id'], requestId);
	return res;
}

async function verify(query = '') {
	const res = await request('GET', `/api/v1/audit/verify${query}`, { token: auditor });
	assert.equal(res.status, 200, res.text);
	return res.json;
}

// Runs statements on audit_log as the superuser with one of its triggers off, in one
// transaction (other sessions never see the trigger disabled).
function tamper(sql, { trigger = 'audit_no_update', vars = {} } = {}) {
	psql(`BEGIN;
ALTER TABLE audit_log DISABLE TRIGGER ${trigger};
${sql};
ALTER TABLE audit_log ENABLE TRIGGER ${trigger};
COMMIT;`, { vars });
}

const ITEM_KEYS = ['seq', 'at', 'actor', 'action', 'object_type', 'object_id', 'section',
	'request_id', 'client_ip', 'before', 'after', 'prev_hash', 'hash'];

test('each action writes exactly one audit row with its actor and request id', async () => {
	const user = `${TAG}u0`;
	const created = rid('create');
	await createUser(user, created);
	let rows = await auditAll(`request_id=${created}`);
	assert.equal(rows.length, 1, JSON.stringify(rows));
	for (const k of ITEM_KEYS)
		assert.ok(k in rows[0], `item has ${k}`);
	assert.equal(rows[0].action, 'create');
	assert.equal(rows[0].object_type, 'user');
	assert.equal(rows[0].object_id, user);
	assert.equal(rows[0].actor, ADMIN_SUB);
	assert.equal(rows[0].request_id, created);
	assert.deepEqual(rows[0].roles, ['admin']);
	assert.equal(rows[0].after.username, user);
	assert.equal(rows[0].before, null);
	assert.match(rows[0].at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
	assert.match(rows[0].hash, /^[0-9a-f]{64}$/);

	const updated = rid('update');
	let res = await request('PATCH', `/api/v1/users/${user}`, {
		token: admin, headers: { 'X-Request-Id': updated, 'If-Match': '*' },
		body: { name: 'Renamed' },
	});
	assert.equal(res.status, 200, res.text);
	rows = await auditAll(`request_id=${updated}`);
	assert.equal(rows.length, 1);
	assert.equal(rows[0].action, 'update');
	assert.equal(rows[0].actor, ADMIN_SUB);
	// Updates store a diff: what changed, not the unchanged username.
	assert.equal(rows[0].before.name, user);
	assert.equal(rows[0].after.name, 'Renamed');
	assert.ok(!('username' in rows[0].after), JSON.stringify(rows[0].after));

	const login = rid('login');
	res = await request('POST', '/api/v1/auth/login', {
		headers: { 'X-Request-Id': login }, body: { username: user, password: 'correct horse battery' },
	});
	assert.equal(res.status, 200, res.text);
	rows = await auditAll(`request_id=${login}`);
	assert.equal(rows.length, 1);
	assert.deepEqual([rows[0].action, rows[0].object_type, rows[0].object_id, rows[0].actor],
		['login', 'session', user, user]);

	const failed = rid('login-failed');
	res = await request('POST', '/api/v1/auth/login', {
		headers: { 'X-Request-Id': failed }, body: { username: user, password: 'wrong password' },
	});
	assert.equal(res.status, 401);
	rows = await auditAll(`request_id=${failed}`);
	assert.equal(rows.length, 1);
	assert.deepEqual([rows[0].action, rows[0].object_type, rows[0].actor],
		['login_failed', 'session', user]);

	// A refused request changes nothing and writes nothing.
	const invalid = rid('invalid');
	res = await request('POST', '/api/v1/users', {
		token: admin, headers: { 'X-Request-Id': invalid }, body: { username: `${TAG}u1` },
	});
	assertProblem(res, 422);
	assert.equal((await auditAll(`request_id=${invalid}`)).length, 0);
});

test('audit rows refuse UPDATE, DELETE and TRUNCATE, for the application and for the owner', () => {
	const last = '(SELECT max(seq) FROM audit_log)';
	for (const user of ['logbook_app', 'logbook_owner']) {
		for (const sql of [`UPDATE audit_log SET actor = 'x' WHERE seq = ${last}`,
			`DELETE FROM audit_log WHERE seq = ${last}`, 'TRUNCATE audit_log']) {
			const err = psqlError(sql, { user });
			assert.match(err, /append-only|permission denied/, `${user}: ${sql}: ${err}`);
		}
	}
	// The owner is stopped by the trigger itself, not only by missing privileges.
	assert.match(psqlError('DELETE FROM audit_log WHERE seq = 1', { user: 'logbook_owner' }),
		/append-only: DELETE refused/);
	assert.match(psqlError('TRUNCATE audit_log', { user: 'logbook_owner' }),
		/append-only: TRUNCATE refused/);
});

test('list: every filter, keyset pages in seq order, and 400/401/403', async () => {
	const actor = `${TAG}-lister`;
	const token = tokenFor({ sub: actor, roles: ['admin'] });
	const names = [];
	for (let i = 0; i < 5; i++) {
		names.push(`${TAG}l${i}`);
		await createUser(names[i], rid('list'), token);
	}
	// Pages of 2: 2 + 2 + 1, seq strictly increasing, next_cursor null at the end.
	const pages = [];
	let cursor = null;
	do {
		const res = await request('GET', `/api/v1/audit?actor=${actor}&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
			{ token: auditor });
		assert.equal(res.status, 200, res.text);
		pages.push(res.json.items);
		cursor = res.json.next_cursor;
	} while (cursor !== null && pages.length < 10);
	assert.deepEqual(pages.map((p) => p.length), [2, 2, 1]);
	const items = pages.flat();
	assert.deepEqual(items.map((x) => x.object_id), names);
	for (let i = 1; i < items.length; i++)
		assert.ok(items[i].seq > items[i - 1].seq);

	assert.deepEqual((await auditAll(`object_type=user&object_id=${names[2]}`)).map((x) => x.seq),
		[items[2].seq]);
	assert.equal((await auditAll(`action=create&actor=${actor}`)).length, 5);
	assert.equal((await auditAll(`action=update&actor=${actor}`)).length, 0);
	// from <= at < to, at microsecond precision as the items show it.
	const window = await auditAll(`actor=${actor}&from=${items[1].at}&to=${items[3].at}`);
	assert.deepEqual(window.map((x) => x.seq), [items[1].seq, items[2].seq]);
	const offset = await auditAll(`actor=${actor}&from=${encodeURIComponent('2000-01-01T01:00:00+01:00')}`);
	assert.equal(offset.length, 5);

	for (const q of ['from=yesterday', 'to=2026-02-30T00:00:00Z', 'limit=0', 'limit=501',
		'cursor=%21%21', `actor=${'a'.repeat(300)}`, 'object_id=%FF']) {
		assertProblem(await request('GET', `/api/v1/audit?${q}`, { token: auditor }), 400);
	}
	assertProblem(await request('GET', '/api/v1/audit', { token: author }), 403);
	assertProblem(await request('GET', '/api/v1/audit'), 401);
	const asAdmin = await request('GET', `/api/v1/audit?actor=${actor}`, { token });
	assert.equal(asAdmin.status, 200, 'admins read the trail too');
});

test('a change made with psql on a generated table is in the trail, with the database user as actor', async () => {
	const schema = `${TAG}_tpl`;
	const entry = '6f0e3f43-7a8e-4cbb-8f3b-0d3a3b1a0c01';
	const other = '6f0e3f43-7a8e-4cbb-8f3b-0d3a3b1a0c02';
	const app = { user: 'logbook_app' };
	// Generated schemas belong to the owner (011_least_privilege.sql), as the publisher makes them.
	const owner = { user: 'logbook_owner' };
	const operator = `${TAG}_operator`;
	psql(`CREATE SCHEMA ${schema};
CREATE TABLE ${schema}.checks (_entry_id uuid NOT NULL, value integer, note text);
SELECT audit_attach('${schema}', 'checks', 'checks');`, owner);
	try {
		// The application's own write, marked with its request id and covered by its own
		// audit row (audit_write, in the same transaction): left to that row.
		psql(`BEGIN;
SELECT set_config('logbook.request_id', '${TAG}-app-write', true), set_config('logbook.actor', 'alice', true);
INSERT INTO ${schema}.checks VALUES ('${entry}', 1, 'from the API');
SELECT audit_write('alice', '{author}', 'save', 'entry', '${entry}', 'checks', '${TAG}-app-write',
	NULL, NULL, NULL, '{"value": 1}');
COMMIT;`, app);
		assert.deepEqual((await auditAll(`object_type=entry&object_id=${entry}`)).map((x) => x.action),
			['save']);

		// An operator's UPDATE.
		psql(`UPDATE ${schema}.checks SET value = 2 WHERE _entry_id = '${entry}'`,
			{ appName: `${TAG}-operator` });
		let rows = await auditAll(`object_type=entry&object_id=${entry}&action=sql_update`);
		assert.equal(rows.length, 1, JSON.stringify(rows));
		assert.equal(rows[0].action, 'sql_update');
		assert.equal(rows[0].actor, superuser());
		assert.equal(rows[0].section, 'checks');
		assert.equal(rows[0].user_agent, `${TAG}-operator`);
		assert.equal(rows[0].request_id, null);
		assert.equal(rows[0].before.value, 1);
		assert.equal(rows[0].after.value, 2);
		assert.equal(rows[0].after._entry_id, entry);

		// An operator role that may update the table but not write the trail itself, with a
		// made-up request id: recorded all the same, under its own name. (Peer authentication
		// maps no OS user to it: the superuser becomes it, session user included.)
		psql(`CREATE ROLE ${operator} LOGIN; GRANT CONNECT ON DATABASE logbook TO ${operator}`);
		psql(`GRANT USAGE ON SCHEMA ${schema} TO ${operator};
GRANT SELECT, UPDATE ON ${schema}.checks TO ${operator}`, owner);
		psql(`SET SESSION AUTHORIZATION ${operator}; SET logbook.request_id = '${TAG}-spoof';
UPDATE ${schema}.checks SET note = 'edited'`);
		rows = await auditAll(`object_type=entry&object_id=${entry}&action=sql_update`);
		assert.equal(rows.length, 2);
		assert.equal(rows[1].actor, operator);
		assert.equal(rows[1].request_id, `${TAG}-spoof`);
		assert.equal(rows[1].after.note, 'edited');

		// An operator's transaction left open holds up nothing: its audit rows are written at
		// its COMMIT, so the chain's lock is not held meanwhile.
		const session = psqlSession({ appName: `${TAG}-operator` });
		try {
			session.send(`BEGIN;\nUPDATE ${schema}.checks SET value = 3 WHERE _entry_id = '${entry}';\nSELECT 'updated';`);
			await session.waitFor('updated');
			const t = Date.now();
			await createUser(`${TAG}op`, rid('during-operator-tx'));
			assert.ok(Date.now() - t < 3000, `a write took ${Date.now() - t} ms during the operator's transaction`);
			assert.equal((await auditAll(`object_type=entry&object_id=${entry}&action=sql_update`)).length, 2,
				'nothing before COMMIT');
			session.send('COMMIT;');
		} finally {
			const done = await session.end();
			assert.equal(done.status, 0, done.stderr);
		}
		rows = await auditAll(`object_type=entry&object_id=${entry}&action=sql_update`);
		assert.equal(rows.length, 3);
		assert.deepEqual([rows[2].action, rows[2].before.value, rows[2].after.value], ['sql_update', 2, 3]);

		// The application's role without the mark is recorded too; then a DELETE.
		psql(`INSERT INTO ${schema}.checks VALUES ('${other}', 5, 'unmarked')`, app);
		psql(`DELETE FROM ${schema}.checks WHERE _entry_id = '${other}'`);
		rows = await auditAll(`object_type=entry&object_id=${other}`);
		assert.deepEqual(rows.map((x) => [x.action, x.actor]),
			[['sql_insert', 'logbook_app'], ['sql_delete', superuser()]]);
		assert.equal(rows[1].before.note, 'unmarked');
		assert.equal(rows[1].after, null);

		// Only tables that name their entry can be attached.
		psql(`CREATE TABLE ${schema}.loose (x integer)`, owner);
		assert.match(psqlError(`SELECT audit_attach('${schema}', 'loose')`, owner), /no _entry_id column/);
	} finally {
		psql(`DROP SCHEMA ${schema} CASCADE`, owner);
		// The role's CONNECT grant goes with DROP OWNED (it covers shared objects too).
		psql(`DO $$ BEGIN
	IF EXISTS (SELECT FROM pg_roles WHERE rolname = '${operator}') THEN
		DROP OWNED BY ${operator};
		DROP ROLE ${operator};
	END IF;
END $$`);
	}
});

// Resident set size (VmRSS) or its peak (VmHWM) of a process, in kB.
function memKb(pid, field = 'VmRSS') {
	const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
	return m ? Number(m[1]) : 0;
}

// Resets the peak (VmHWM) to the current RSS (Linux >= 4.0, as root or the owner); false when
// not allowed, and then sampling VmRSS while the data flows has to do.
function resetPeak(pid) {
	try {
		writeFileSync(`/proc/${pid}/clear_refs`, '5');
		return true;
	} catch {
		return false;
	}
}

// Whether a process runs with AddressSanitizer.
function sanitized(pid) {
	return readFileSync(`/proc/${pid}/maps`, 'utf8').includes('libasan');
}

let agent;
// Streams GET path to onLine(line) per '\n'-terminated line, calling onChunk() between
// chunks; resolves to {status, headers, bytes}.
function streamLines(path, token, onLine, onChunk) {
	agent ??= new https.Agent({ ca: tlsCertificate() });
	return new Promise((resolve, reject) => {
		const req = https.get(BASE_URL + path, { agent, headers: { Authorization: `Bearer ${token}` } }, (res) => {
			let rest = '', bytes = 0;
			res.setEncoding('utf8');
			res.on('data', (chunk) => {
				bytes += Buffer.byteLength(chunk);
				const parts = (rest + chunk).split('\n');
				rest = parts.pop();
				for (const line of parts)
					onLine(line);
				onChunk();
			});
			res.on('end', () => {
				if (rest !== '')
					onLine(rest);
				resolve({ status: res.statusCode, headers: res.headers, bytes });
			});
			res.on('error', reject);
		});
		req.on('error', reject);
		req.setTimeout(120000, () => req.destroy(new Error('export: no data for 120 s')));
	});
}

const BULK = 100000;
const BULK_TYPE = `${TAG}-bulk`;

test('export: 100,000 rows stream as JSONL and CSV while worker memory stays flat', { timeout: 600000 }, async () => {
	// 1,000 rows per transaction: the chain's head row is updated once per row, and one
	// transaction of 100,000 would grow its version chain quadratically.
	const batches = [];
	for (let k = 0; k < BULK / 1000; k++) {
		batches.push(`INSERT INTO audit_log (actor, roles, action, object_type, object_id, request_id, after)
SELECT '${TAG}-bulk', '{auditor}', 'import', '${BULK_TYPE}', 'obj-' || (g % 1000), '${TAG}-bulk-' || g,
 jsonb_build_object('n', g, 'note', 'comma, "quote" and é', 'pad', repeat('x', 300))
FROM generate_series(${k * 1000 + 1}, ${k * 1000 + 1000}) g;`);
	}
	psql(batches.join('\n') + '\nANALYZE audit_log;', { user: 'logbook_owner', timeoutMs: 540000 });

	for (const format of ['jsonl', 'csv']) {
		// Nginx buffers the body, so a worker may be done before the client reads much: the
		// kernel's peak RSS since the reset is the measure, VmRSS samples the fallback.
		const pids = workerPids();
		const before = Object.fromEntries(pids.map((p) => [p, memKb(p)]));
		const peakKnown = pids.every(resetPeak);
		const peak = { ...before };
		const sample = () => {
			for (const p of pids)
				peak[p] = Math.max(peak[p], memKb(p));
		};
		let lines = 0, lastN = 0, ordered = true, header = null;
		const res = await streamLines(`/api/v1/audit/export?format=${format}&object_type=${BULK_TYPE}`,
			auditor, (line) => {
				if (format === 'csv' && header === null) {
					header = line;
					return;
				}
				lines++;
				const n = format === 'jsonl' ? JSON.parse(line).after.n :
					Number(/^\d+,/.test(line) && /""n"": (\d+)/.exec(line)[1]);
				if (n !== lastN + 1)
					ordered = false;
				lastN = n;
			}, sample);
		assert.equal(res.status, 200);
		if (peakKnown)
			for (const p of pids)
				peak[p] = Math.max(peak[p], memKb(p, 'VmHWM'));
		assert.equal(lines, BULK, `${format}: every row once`);
		assert.ok(ordered, `${format}: rows in seq order`);
		const growth = Math.max(...pids.map((p) => peak[p] - before[p]));
		// AddressSanitizer keeps freed memory in quarantine (256 MB by default): under it RSS
		// says nothing about leaks or buffering, and LeakSanitizer does that job instead.
		if (!pids.some(sanitized))
			assert.ok(growth < 4096, `${format}: a worker grew by ${growth} kB while streaming ${res.bytes} bytes`);
		console.log(`export ${format}: ${lines} rows, ${res.bytes} bytes, worker RSS growth ${growth} kB (peak ${peakKnown ? 'VmHWM' : 'sampled'})`);
		assert.ok(res.bytes > 40 * 1024 * 1024, `${format}: ${res.bytes} bytes`);
		if (format === 'csv') {
			assert.match(res.headers['content-type'], /^text\/csv/);
			assert.equal(header, 'seq,at,actor,action,object_type,object_id,section,request_id,client_ip,before,after,prev_hash,hash,roles,user_agent\r');
		} else
			assert.match(res.headers['content-type'], /^application\/jsonl/);
	}
});

// The list query for one set of filters, as audit_select_sql() builds it (see
// tests/unit/test_audit_query.c), explained by PostgreSQL with those values.
function plan(where, values) {
	const sql = `SELECT i.seq, row_to_json(i)::text FROM (SELECT seq FROM audit_log WHERE ${where} ORDER BY seq LIMIT 51) i ORDER BY i.seq`;
	const vars = Object.fromEntries(values.map((v, i) => [`v${i}`, v]));
	const args = values.map((_, i) => `:'v${i}'`).join(', ');
	return psql(`PREPARE q AS ${sql};\nEXPLAIN (FORMAT JSON, COSTS OFF) EXECUTE q(${args});`, { vars })
		.map((r) => r[0]).join('\n');
}

test('EXPLAIN: each filtered page is an index scan, not a sequential one', async () => {
	const [firstAt] = psql(`SELECT min(at) FROM audit_log WHERE object_type = '${BULK_TYPE}'`)[0];
	const cases = [
		['seq > $1 AND object_type = $2 AND object_id = $3', ['0', BULK_TYPE, 'obj-7'], 'audit_log_object'],
		['object_type = $1', ['user'], 'audit_log_type'],
		['actor = $1', [`${TAG}-lister`], 'audit_log_actor'],
		['action = $1', ['login_failed'], 'audit_log_action'],
		['request_id = $1', [`${TAG}-bulk-77`], 'audit_log_request'],
		['at >= $1 AND at < $2', [firstAt, new Date(Date.parse(firstAt) + 1).toISOString()], 'audit_log_at'],
		['seq > $1', ['50000'], 'audit_log_pkey'],
	];
	for (const [where, values, index] of cases) {
		const text = plan(where, values);
		assert.ok(!/"Seq Scan"/.test(text), `${where}: ${text}`);
		assert.ok(text.includes(`"Index Name": "${index}"`), `${where} should use ${index}: ${text}`);
	}
});

// Minimal RFC 4180 reader: rows of fields; a quoted field may hold commas, quotes, CR and LF.
function parseCsv(text) {
	const rows = [];
	let row = [], field = '', i = 0, quoted = false;
	while (i < text.length) {
		const c = text[i];
		if (quoted) {
			if (c === '"' && text[i + 1] === '"') {
				field += '"';
				i += 2;
				continue;
			}
			if (c === '"')
				quoted = false;
			else
				field += c;
			i++;
			continue;
		}
		if (c === '"' && field === '')
			quoted = true;
		else if (c === ',') {
			row.push(field);
			field = '';
		} else if (c === '\r' && text[i + 1] === '\n') {
			row.push(field);
			rows.push(row);
			row = [];
			field = '';
			i++;
		} else
			field += c;
		i++;
	}
	assert.equal(row.length + field.length, 0, 'the last record ends with CRLF');
	return rows;
}

test('export: CSV round-trips awkward values; same filters as the list; 400 for other formats', async () => {
	const user = `${TAG}csv`;
	const created = rid('csv');
	const formula = '=HYPERLINK("http://evil.example/","click")';
	await request('POST', '/api/v1/users', {
		token: admin, headers: { 'X-Request-Id': created, 'User-Agent': formula },
		body: { username: user, password: 'correct horse battery', name: 'a,b "c"\nd\re', roles: [] },
	});
	const listed = await auditAll(`request_id=${created}`);
	assert.equal(listed.length, 1);

	const csv = await request('GET', `/api/v1/audit/export?format=csv&request_id=${created}`, { token: auditor });
	assert.equal(csv.status, 200);
	const rows = parseCsv(csv.text);
	assert.equal(rows.length, 2);
	const rec = Object.fromEntries(rows[0].map((k, i) => [k, rows[1][i]]));
	assert.equal(Number(rec.seq), listed[0].seq);
	assert.equal(rec.at, listed[0].at);
	assert.deepEqual(JSON.parse(rec.after), listed[0].after);
	assert.equal(JSON.parse(rec.after).name, 'a,b "c"\nd\re');
	assert.equal(rec.before, '', 'SQL NULL is an empty field');
	assert.equal(rec.hash, listed[0].hash);
	// CSV injection (OWASP): a cell a spreadsheet would run as a formula gets a leading quote.
	assert.equal(listed[0].user_agent, formula, 'the trail itself keeps the value as sent');
	assert.equal(rec.user_agent, `'${formula}`);
	assert.match(csv.text, /"'=HYPERLINK\(""http:\/\/evil\.example\/"",""click""\)"/);

	const jsonl = await request('GET', `/api/v1/audit/export?format=jsonl&request_id=${created}`, { token: auditor });
	assert.equal(jsonl.status, 200);
	assert.deepEqual(jsonl.text.split('\n').filter(Boolean).map((l) => JSON.parse(l)), listed);

	assertProblem(await request('GET', '/api/v1/audit/export?format=xml', { token: auditor }), 400);
	assertProblem(await request('GET', '/api/v1/audit/export?format=csv&from=soon', { token: auditor }), 400);
	assertProblem(await request('GET', '/api/v1/audit/export?format=csv', { token: author }), 403);
});

// Seq of the one audit row a request wrote.
async function seqOf(requestId) {
	const rows = await auditAll(`request_id=${requestId}`);
	assert.equal(rows.length, 1);
	return rows[0].seq;
}

function ctlVerify() {
	return logbookctl('audit', 'verify');
}

test('verify: whole chain ok, incremental from the checkpoint, and tampering found at the exact seq', { timeout: 300000 }, async () => {
	let v = await verify('?full=true');
	assert.equal(v.ok, true, JSON.stringify(v));
	assert.match(v.head, /^[0-9a-f]{64}$/);
	assert.equal(v.checked, v.head_seq);
	let ctl = ctlVerify();
	assert.equal(ctl.status, 0, ctl.stdout + ctl.stderr);
	assert.match(ctl.stdout, new RegExp(`audit chain ok: ${v.head_seq} rows`));

	// Incremental: only what came after the checkpoint.
	const mark = v.head_seq;
	const ids = [rid('chain'), rid('chain'), rid('chain')];
	for (const [i, id] of ids.entries())
		await createUser(`${TAG}c${i}`, id);
	const seqs = [];
	for (const id of ids)
		seqs.push(await seqOf(id));
	v = await verify();
	assert.equal(v.ok, true, JSON.stringify(v));
	assert.equal(v.from_seq, mark);
	assert.equal(v.checked, v.head_seq - mark);

	// 1. A changed `after`, past the checkpoint: the incremental verify finds it.
	const more = [rid('chain'), rid('chain')];
	for (const [i, id] of more.entries())
		await createUser(`${TAG}d${i}`, id);
	const changed = await seqOf(more[1]);
	const [[original]] = psql(`SELECT after::text FROM audit_log WHERE seq = ${changed}`);
	tamper(`UPDATE audit_log SET after = after || '{"name": "forged"}' WHERE seq = ${changed}`);
	try {
		v = await verify();
		assert.deepEqual([v.ok, v.first_bad_seq, v.reason], [false, changed, 'hash_mismatch'], JSON.stringify(v));
		v = await verify('?full=true');
		assert.deepEqual([v.ok, v.first_bad_seq], [false, changed]);
		ctl = ctlVerify();
		assert.equal(ctl.status, 1, ctl.stdout + ctl.stderr);
		assert.match(ctl.stdout, new RegExp(`BROKEN at seq ${changed} \\(hash_mismatch\\)`));
	} finally {
		tamper(`UPDATE audit_log SET after = :'original'::jsonb WHERE seq = ${changed}`, { vars: { original } });
	}
	v = await verify();
	assert.equal(v.ok, true, JSON.stringify(v));

	// 2. A deleted row, below the checkpoint now: full verify and logbookctl find the gap.
	const deleted = seqs[1];
	const [[saved]] = psql(`SELECT row_to_json(a)::text FROM audit_log a WHERE seq = ${deleted}`);
	tamper(`DELETE FROM audit_log WHERE seq = ${deleted}`);
	try {
		v = await verify('?full=true');
		assert.deepEqual([v.ok, v.first_bad_seq, v.reason], [false, deleted, 'missing'], JSON.stringify(v));
		ctl = ctlVerify();
		assert.equal(ctl.status, 1);
		assert.match(ctl.stdout, new RegExp(`BROKEN at seq ${deleted} \\(missing\\)`));
	} finally {
		tamper('INSERT INTO audit_log SELECT * FROM json_populate_record(NULL::audit_log, :\'saved\')',
			{ trigger: 'audit_chain', vars: { saved } });
	}
	v = await verify('?full=true');
	assert.equal(v.ok, true, JSON.stringify(v));

	// 3. The checkpoint's own row deleted: the incremental verify notices and locates it.
	const anchor = v.head_seq;
	const [[anchorRow]] = psql(`SELECT row_to_json(a)::text FROM audit_log a WHERE seq = ${anchor}`);
	tamper(`DELETE FROM audit_log WHERE seq = ${anchor}`);
	try {
		v = await verify();
		assert.deepEqual([v.ok, v.first_bad_seq], [false, anchor], JSON.stringify(v));
	} finally {
		tamper('INSERT INTO audit_log SELECT * FROM json_populate_record(NULL::audit_log, :\'row\')',
			{ trigger: 'audit_chain', vars: { row: anchorRow } });
	}

	// 4. A reordered pair: rows k and k+1 swap places.
	const k = seqs[0];
	const swap = `UPDATE audit_log SET seq = -${k} WHERE seq = ${k};
UPDATE audit_log SET seq = ${k} WHERE seq = ${k + 1};
UPDATE audit_log SET seq = ${k + 1} WHERE seq = -${k}`;
	tamper(swap);
	try {
		v = await verify('?full=true');
		assert.deepEqual([v.ok, v.first_bad_seq], [false, k], JSON.stringify(v));
		ctl = ctlVerify();
		assert.equal(ctl.status, 1);
		assert.match(ctl.stdout, new RegExp(`BROKEN at seq ${k} `));
	} finally {
		tamper(swap);
	}

	v = await verify('?full=true');
	assert.equal(v.ok, true, JSON.stringify(v));
	ctl = ctlVerify();
	assert.equal(ctl.status, 0, ctl.stdout + ctl.stderr);
});

test('verify and export are for auditors', async () => {
	assertProblem(await request('GET', '/api/v1/audit/verify', { token: author }), 403);
	assertProblem(await request('GET', '/api/v1/audit/verify?full=maybe', { token: auditor }), 400);
});
