// Straight to the stack's database with psql, as an operator would: as the cluster's superuser,
// the schema owner (logbook_owner) or the application's role (logbook_app). The stack's socket
// takes peer authentication, and maps root and the service user to those roles (stack.sh), so
// no password is involved; no other local user gets in.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { userInfo } from 'node:os';
import { LOGBOOK_VAR, REPO_ROOT } from './env.mjs';

const FIELD = '\x1f';
const RECORD = '\x1e';

// The cluster's superuser, as stack.sh recorded it beside the cluster.
export function superuser() {
	try {
		return readFileSync(join(LOGBOOK_VAR, 'pg', 'logbook-superuser'), 'utf8').trim();
	} catch {
		return process.getuid() === 0 ? 'logbook' : userInfo().username;
	}
}

function psqlArgs(user, vars) {
	const args = ['-X', '-q', '-A', '-t', '-F', FIELD, '-R', RECORD, '-v', 'ON_ERROR_STOP=1',
		'-h', process.env.PGHOST || join(LOGBOOK_VAR, 'run'), '-U', user,
		'-d', process.env.PGDATABASE || 'logbook'];
	for (const [k, v] of Object.entries(vars))
		args.push('-v', `${k}=${v}`);
	return args;
}

/*
 * Runs sql (any number of statements, at most one of them returning rows) and returns those
 * rows as arrays of strings (SQL NULL reads as ''; values may hold newlines). options: user (default the superuser),
 * appName (application_name, default 'psql'), vars (psql variables: use them as :'name' for a
 * safely quoted literal), timeoutMs (default 120 s). Throws with psql's message when a
 * statement fails.
 */
export function psql(sql, { user = superuser(), appName = 'psql', vars = {}, timeoutMs = 120000 } = {}) {
	const out = execFileSync('psql', psqlArgs(user, vars), {
		input: sql,
		env: { ...process.env, PGAPPNAME: appName },
		encoding: 'utf8',
		stdio: ['pipe', 'pipe', 'pipe'],
		timeout: timeoutMs,
	});
	// Records are separated by RECORD; the row set ends with one newline.
	const text = out.replace(/\n$/, '');
	return text === '' ? [] : text.split(RECORD).map((r) => r.split(FIELD));
}

// Like psql, for SQL that must fail: resolves to psql's error text (throws if it succeeded).
export function psqlError(sql, options = {}) {
	const { user = superuser(), appName = 'psql', vars = {} } = options;
	const res = spawnSync('psql', psqlArgs(user, vars), {
		input: sql,
		env: { ...process.env, PGAPPNAME: appName },
		encoding: 'utf8',
		timeout: 60000,
	});
	if (res.status === 0)
		throw new Error(`expected psql to fail, but it succeeded: ${sql}`);
	return res.stderr;
}

/*
 * An open psql session, for transactions that stay open while a test does something else:
 * send(sql) writes to its input, waitFor(text) resolves once its output holds text, end()
 * closes its input and resolves to {status, stdout, stderr} when it exits.
 */
export function psqlSession({ user = superuser(), appName = 'psql' } = {}) {
	const child = spawn('psql', psqlArgs(user, {}), {
		env: { ...process.env, PGAPPNAME: appName },
		stdio: ['pipe', 'pipe', 'pipe'],
	});
	let stdout = '', stderr = '';
	child.stdout.on('data', (d) => { stdout += d; });
	child.stderr.on('data', (d) => { stderr += d; });
	const exited = new Promise((resolve) => {
		child.on('close', (status) => resolve({ status, stdout, stderr }));
	});
	return {
		send(sql) {
			child.stdin.write(`${sql}\n`);
		},
		async waitFor(text, ms = 10000) {
			const deadline = Date.now() + ms;
			while (!stdout.includes(text)) {
				if (Date.now() > deadline || child.exitCode !== null)
					throw new Error(`psql session: no '${text}' (stdout ${stdout}, stderr ${stderr})`);
				await sleep(20);
			}
		},
		end() {
			child.stdin.end();
			return exited;
		},
	};
}

// The chain's head seq (committed).
// The chain's head once every committed audit row is chained (audit_seal, 002_audit.sql).
export function auditHead() {
	psql('SELECT audit_seal(true)');
	return Number(psql('SELECT seq FROM audit_head')[0][0]);
}

// Runs build/logbookctl (BUILD from run.sh) with the stack's settings: {status, stdout, stderr}.
export function logbookctl(...args) {
	const build = process.env.BUILD || join(REPO_ROOT, 'build');
	const res = spawnSync(join(build, 'logbookctl'), args, {
		env: process.env,
		encoding: 'utf8',
		timeout: 120000,
	});
	if (res.error)
		throw res.error;
	return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}
