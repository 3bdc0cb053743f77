// Helpers of the browser tests: the stack (from tests/integration/lib, via run.sh's
// environment), users and templates made through the API as the admin, and Debian's
// chromium driven by playwright-core.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';
import { request, BASE_URL, adminPassword, REPO_ROOT, LOGBOOK_VAR } from '../integration/lib/index.mjs';

export { request, BASE_URL };
const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

// Screenshots land in var/e2e/ (the run's state directory is removed after a green run).
export const SHOTS = process.env.E2E_SHOTS || join(REPO_ROOT, 'var', 'e2e');
mkdirSync(SHOTS, { recursive: true });

export const TAG = `e${process.pid % 100000}${Math.floor(Math.random() * 1000)}`;

let adminTok = null;
export async function admin() {
	if (!adminTok) {
		const r = await request('POST', '/api/v1/auth/login', { body: { username: 'admin', password: adminPassword() } });
		assert.equal(r.status, 200, r.text);
		adminTok = r.json.access_token;
	}
	return adminTok;
}

// A user with a password, made by the admin: {username, password, name, token()}.
export async function createUser(short, roles, name = short) {
	const username = `${TAG}_${short}`;
	const password = `pw-${short}-${TAG}-correct-horse`;
	const r = await request('POST', '/api/v1/users', { token: await admin(), body: { username, password, name, roles } });
	assert.equal(r.status, 201, r.text);
	let tok = null;
	return {
		username, password, name, roles,
		async token() {
			if (!tok) {
				const l = await request('POST', '/api/v1/auth/login', { body: { username, password } });
				assert.equal(l.status, 200, l.text);
				tok = l.json.access_token;
			}
			return tok;
		},
	};
}

export async function setDisabled(user, disabled) {
	const r = await request('PATCH', `/api/v1/users/${user.username}`, { token: await admin(), headers: { 'If-Match': '*' }, body: { disabled } });
	assert.equal(r.status, 200, r.text);
}

// Creates and publishes a template as the admin; returns its key.
export async function publishTemplate(def) {
	let r = await request('POST', '/api/v1/templates', { token: await admin(), body: def });
	assert.equal(r.status, 201, r.text);
	r = await request('POST', `/api/v1/templates/${def.key}/versions/1/publish`, { token: await admin() });
	assert.equal(r.status, 200, r.text);
	return def.key;
}

// The shift log of the tests: one of several field types and a table of readings.
export function shiftLog(key, extra = {}) {
	return {
		key,
		title: `Boiler shift log ${key}`,
		description: 'browser tests',
		sections: [
			{
				key: 'readings',
				title: 'Readings',
				fields: [
					{ key: 'operator', label: 'Operator', type: 'text', required: true, max_length: 40, help: 'Who took the readings' },
					{ key: 'temperature', label: 'Temperature', type: 'decimal', required: true, min: -50, max: 120, help: 'Degrees Celsius at the inlet' },
					{ key: 'pressure', label: 'Pressure', type: 'integer', min: 0, max: 400 },
					{ key: 'ok', label: 'All OK', type: 'boolean' },
					{ key: 'day', label: 'Day', type: 'date' },
					{ key: 'shift', label: 'Shift', type: 'choice', choices: ['early', 'late', 'night'] },
					{ key: 'checks', label: 'Checks done', type: 'multichoice', choices: ['valves', 'pumps', 'doors'] },
					{ key: 'tag', label: 'Tag', type: 'text', pattern: '[A-Z]{2}-[0-9]{3}' },
				],
				tables: [{
					key: 'points', label: 'Measuring points', min_rows: 1, max_rows: 20, columns: [
						{ key: 'point', label: 'Point', type: 'text', required: true },
						{ key: 'value', label: 'Value', type: 'decimal', required: true, max: 1000 },
					],
				}],
			},
			{ key: 'summary', title: 'Summary', fields: [{ key: 'text', label: 'Summary', type: 'text' }] },
		],
		...extra,
	};
}

export async function createEntry(key, user, title) {
	const r = await request('POST', `/api/v1/templates/${key}/entries`, { token: await user.token(), body: title ? { title } : {} });
	assert.equal(r.status, 201, r.text);
	return r.json;
}

// --- the browser --------------------------------------------------------------------------

export async function launch() {
	const args = ['--disable-dev-shm-usage', '--disable-gpu', '--font-render-hinting=none'];
	if (process.getuid && process.getuid() === 0)
		args.push('--no-sandbox');
	return chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true, args });
}

export const PHONE = { width: 360, height: 740 };

/*
 * A fresh context and page (own sessionStorage): {page, context, problems}. problems collects
 * page errors, console errors other than failed requests the test meant to cause, and CSP
 * violations (which Chromium reports on the console).
 */
export async function newPage(browser, { viewport = { width: 1280, height: 860 }, isMobile = false } = {}) {
	const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport, isMobile, hasTouch: isMobile, deviceScaleFactor: 1, locale: 'en-GB', timezoneId: 'UTC' });
	const page = await context.newPage();
	page.setDefaultTimeout(15000);
	const problems = [];
	page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
	page.on('console', (m) => {
		const t = m.text();
		if (m.type() === 'error' && !/Failed to load resource/.test(t))
			problems.push(`console: ${t}`);
		if (/Content Security Policy|Refused to/.test(t))
			problems.push(`csp: ${t}`);
	});
	page.on('dialog', (d) => {
		problems.push(`dialog: ${d.message()}`);
		d.dismiss();
	});
	return { page, context, problems };
}

export async function login(page, user) {
	await page.goto(`${BASE_URL}/login`);
	await page.fill('#login-user', user.username);
	await page.fill('#login-pass', user.password);
	await page.click('form.login button[type=submit]');
	await page.waitForSelector('.top .who');
}

// A screenshot under var/e2e/: the whole page, and (view) what the screen shows.
export async function shot(page, name, { view = false } = {}) {
	const path = join(SHOTS, `${name}.png`);
	mkdirSync(dirname(path), { recursive: true });
	await page.screenshot({ path, fullPage: !view });
	return path;
}

// axe-core on the page: asserts no serious or critical violation; returns the others.
export async function axe(page, what) {
	// Evaluated through the DevTools protocol, which the page's CSP does not apply to.
	await page.evaluate(AXE_SOURCE);
	const result = await page.evaluate(async () => {
		// eslint-disable-next-line no-undef
		const r = await axe.run(document, { resultTypes: ['violations'] });
		return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
	});
	const bad = result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
	assert.deepEqual(bad, [], `axe on ${what}: ${JSON.stringify(bad, null, 1)}`);
	return result;
}

// Empties the section panel's message region, so that the next notice is the answer to
// what the test does next.
export async function clearMessages(page) {
	await page.evaluate(() => {
		const m = document.querySelector('.section-panel .messages');
		if (m)
			m.replaceChildren();
	});
}

// Clicks a workflow button and waits for the panel's next notice; returns its text.
export async function act(page, action) {
	await clearMessages(page);
	await page.click(`button[data-action="${action}"]`);
	const n = await page.waitForSelector('.section-panel .messages .notice');
	return n.textContent();
}

// The section panel's status message (after a save or a transition).
export async function waitNotice(page, text) {
	await page.waitForSelector(`.section-panel .messages .notice:has-text("${text}")`);
}

// The field `key` of the section form (its wrapper: label, control, hint, error).
export function field(page, key) {
	return page.locator(`.section-form .field[data-path="data.${key}"]`);
}

// The control of field `key`.
export function control(page, key) {
	return field(page, key).locator('input, select, textarea').first();
}

// Clicks "Save draft" and waits for the answer; gives a reason for change when the server
// asks for one. Returns the notice text.
export async function saveDraft(page, reason = 'Corrected after review') {
	await clearMessages(page);
	await page.click('button[data-action="save"]');
	const n = await page.waitForSelector('.section-panel .messages .notice, .reason:not([hidden]) .error:not([hidden])');
	if (await page.locator('.reason:not([hidden]) .error:not([hidden])').count()) {
		await page.fill('.reason textarea', reason);
		await page.click('button[data-action="save"]');
		await waitNotice(page, 'Draft saved');
		return 'Draft saved.';
	}
	return n.textContent();
}

export function cell(page, table, row, column) {
	return page.locator(`.table-block[data-path="tables.${table}"] tbody tr`).nth(row).locator(`[aria-label="${column}, row ${row + 1}"]`);
}

export { LOGBOOK_VAR };
