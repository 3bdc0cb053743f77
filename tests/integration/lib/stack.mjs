// Drives app/scripts/stack.sh for tests that stop and start parts of the stack.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './env.mjs';

const STACK_SH = join(REPO_ROOT, 'app', 'scripts', 'stack.sh');

// Runs `stack.sh <cmd>` with the test environment; returns its stdout, throws on failure
// (the error carries stderr).
export function stack(cmd) {
	return execFileSync('bash', [STACK_SH, cmd], {
		cwd: REPO_ROOT,
		env: process.env,
		encoding: 'utf8',
		stdio: ['ignore', 'pipe', 'pipe'],
		timeout: 120000,
	});
}

// The pids of the running FastCGI workers (children of multiwatch), ascending.
export function workerPids() {
	return stack('worker-pids').split('\n').filter(Boolean).map(Number);
}
