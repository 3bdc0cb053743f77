// The stack under test, as tests/integration/run.sh describes it in the environment
// (the output of `stack.sh env`), and the files the stack wrote under $LOGBOOK_VAR.
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

function required(name) {
	const v = process.env[name];
	if (!v)
		throw new Error(`${name} is not set: run the tests through tests/integration/run.sh`);
	return v;
}

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const LOGBOOK_VAR = required('LOGBOOK_VAR');
export const BASE_URL = required('BASE_URL');
export const HTTP_PORT = Number(required('HTTP_PORT'));
export const HTTPS_PORT = Number(required('HTTPS_PORT'));
export const WORKERS = Number(process.env.WORKERS || 2);

// logbook.conf as a plain object: `key = value` lines, '#' comments (the worker's format).
export function readConfig() {
	const path = process.env.LOGBOOK_CONFIG || join(LOGBOOK_VAR, 'logbook.conf');
	const conf = {};
	for (const raw of readFileSync(path, 'utf8').split('\n')) {
		const line = raw.replace(/#.*/, '').trim();
		const eq = line.indexOf('=');
		if (eq > 0)
			conf[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
	}
	return conf;
}

// Bytes of a key file the way the worker reads it: the content with trailing whitespace
// (C isspace: space, \t \n \v \f \r) stripped, otherwise used as-is.
export function readKeyFile(path) {
	const buf = readFileSync(path);
	let n = buf.length;
	while (n > 0 && [0x20, 0x09, 0x0a, 0x0b, 0x0c, 0x0d].includes(buf[n - 1]))
		n--;
	return buf.subarray(0, n);
}

export function jwtSecret() {
	const conf = readConfig();
	return readKeyFile(conf.jwt_secret_file || join(LOGBOOK_VAR, 'keys', 'jwt-secret'));
}

export function jwtIssuer() {
	return readConfig().jwt_issuer;
}

export function jwtLeeway() {
	const v = readConfig().jwt_leeway;
	return v === undefined ? 60 : Number(v);
}

export function adminPassword() {
	return readKeyFile(join(LOGBOOK_VAR, 'keys', 'admin-password')).toString('utf8');
}

export function tlsCertificate() {
	return readFileSync(join(LOGBOOK_VAR, 'keys', 'tls.crt'));
}
