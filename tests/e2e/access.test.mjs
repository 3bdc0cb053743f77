// Keyboard alone, a 360 px phone, and axe-core on every page of the app; the screenshots
// (desktop and phone) are written under var/e2e/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
	TAG, BASE_URL, request, launch, newPage, login, createUser, publishTemplate, shiftLog, createEntry,
	axe, shot, PHONE, control, cell, saveDraft,
} from './lib.mjs';

const KEY = `${TAG}_keys`;
let browser, author, boss;

before(async () => {
	browser = await launch();
	[author, boss] = await Promise.all([
		createUser('author', ['author'], 'Kim Keyboard'),
		createUser('boss', ['designer', 'auditor', 'author', 'reviewer'], 'Dana Designer'),
	]);
	await publishTemplate(shiftLog(KEY));
});

after(async () => {
	await browser?.close();
});

// Presses Tab until the focused element matches `pred` (evaluated in the page).
async function tabTo(page, pred, arg, max = 80) {
	for (let i = 0; i < max; i++) {
		await page.keyboard.press('Tab');
		if (await page.evaluate(pred, arg))
			return;
	}
	throw new Error(`tabTo: not reached in ${max} presses: ${pred}`);
}

const focusVisible = (page) => page.evaluate(() => {
	const s = getComputedStyle(document.activeElement);
	return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2;
});

test('the save path with the keyboard alone: log in, open the entry, fill fields and a row, save', async () => {
	const e = await createEntry(KEY, author, `Keyboard shift ${TAG}`);
	const K = await newPage(browser);
	const page = K.page;
	await page.goto(`${BASE_URL}/login`);
	await page.waitForSelector('#login-user:focus');
	await page.keyboard.type(author.username);
	await page.keyboard.press('Tab');
	await page.keyboard.type(author.password);
	await page.keyboard.press('Enter');
	await page.waitForSelector('h1:text("Entries")');

	await tabTo(page, (t) => document.activeElement.textContent === t, `Keyboard shift ${TAG}`, 200);
	assert.ok(await focusVisible(page), 'the focused link is visibly outlined');
	await page.keyboard.press('Enter');
	await page.waitForSelector('.section-form');

	await tabTo(page, () => document.activeElement.closest('[data-path="data.operator"]') !== null);
	assert.ok(await focusVisible(page), 'the focused input is visibly outlined');
	await page.keyboard.type('Kim');
	await page.keyboard.press('Tab');
	await tabTo(page, () => document.activeElement.closest('[data-path="data.temperature"]') !== null);
	await page.keyboard.type('21.5');
	await tabTo(page, () => document.activeElement.textContent.startsWith('Add row to'));
	await page.keyboard.press('Enter');
	// The new row's first cell has the focus.
	assert.equal(await page.evaluate(() => document.activeElement.getAttribute('aria-label')), 'Point, row 1');
	await page.keyboard.type('Boiler room');
	await page.keyboard.press('Tab');
	await page.keyboard.type('3.75');
	await tabTo(page, () => document.activeElement.dataset.action === 'save');
	assert.ok(await focusVisible(page), 'the focused button is visibly outlined');
	await page.keyboard.press('Enter');
	await page.waitForSelector('.section-panel .notice:has-text("Draft saved")');

	const s = (await request('GET', `/api/v1/entries/${e.id}`, { token: await author.token() })).json.sections.readings;
	assert.equal(s.data.operator, 'Kim');
	assert.equal(s.data.temperature, '21.5');
	assert.deepEqual(s.tables.points, [{ point: 'Boiler room', value: '3.75' }]);
	assert.deepEqual(K.problems, []);
	await K.context.close();
});

test('a 360 px phone: every page fits the width, works and passes axe', async () => {
	const e = await createEntry(KEY, author, 'Phone shift');
	const tok = await author.token();
	const r = await request('PUT', `/api/v1/entries/${e.id}/sections/readings`, {
		token: tok, headers: { 'If-Match': '*' },
		body: { data: { operator: 'Pat', temperature: '19.0', shift: 'early' }, tables: { points: [{ point: 'Inlet', value: '1.5' }, { point: 'Outlet', value: '2' }] } },
	});
	assert.equal(r.status, 200, r.text);

	const M = await newPage(browser, { viewport: PHONE, isMobile: true });
	const page = M.page;
	await page.goto(`${BASE_URL}/login`);
	await axe(page, 'login (phone)');
	await shot(page, 'phone-login');
	await login(page, author);
	const fits = async (what) => {
		const w = await page.evaluate(() => document.documentElement.scrollWidth);
		assert.ok(w <= PHONE.width, `${what} is ${w} px wide on a ${PHONE.width} px screen`);
	};
	await page.waitForSelector('h1:text("Entries")');
	await fits('entries');
	await axe(page, 'entries (phone)');
	await shot(page, 'phone-entries');

	await page.goto(`${BASE_URL}/entries/${e.id}/readings`);
	await page.waitForSelector('.section-form');
	await fits('entry');
	await axe(page, 'entry (phone)');
	await control(page, 'operator').fill('Pat Phone');
	await cell(page, 'points', 1, 'Value').fill('2.25');
	assert.match(await saveDraft(page), /Draft saved/);
	await page.evaluate(() => window.scrollTo(0, 0));
	await shot(page, 'phone-entry');
	await shot(page, 'phone-entry-view', { view: true });

	for (const path of ['/inbox', '/templates']) {
		await page.goto(`${BASE_URL}${path}`);
		await page.waitForSelector('h1');
		await page.waitForLoadState('networkidle').catch(() => {});
		await fits(path);
		await axe(page, `${path} (phone)`);
	}
	assert.deepEqual(M.problems, []);
	await M.context.close();
});

test('designer and auditor pages: preview, definition errors, dry run, publish, verify, export; axe everywhere', async () => {
	const D = await newPage(browser);
	const page = D.page;
	await login(page, boss);
	await axe(page, 'entries');
	await page.goto(`${BASE_URL}/templates`);
	await page.waitForSelector('table.list');
	await axe(page, 'templates');
	await shot(page, 'templates-desktop');

	// A new template: the preview follows the JSON as it is typed.
	await page.goto(`${BASE_URL}/designer`);
	await page.waitForSelector('.preview .section-form');
	await axe(page, 'designer (new)');
	const key = `${TAG}_designed`;
	const def = shiftLog(key);
	def.sections[0].fields[0].label = 'Operator on duty';
	await page.fill('#def-json', JSON.stringify(def, null, 2));
	await page.waitForSelector('.preview label:has-text("Operator on duty")');

	// A definition error is listed with its JSON path.
	const bad = structuredClone(def);
	bad.sections[0].fields[1].type = 'colour';
	await page.fill('#def-json', JSON.stringify(bad, null, 2));
	await page.click('.designer-actions button:text("Create template")');
	await page.waitForSelector('.def-errors li');
	assert.match(await page.locator('.def-errors').textContent(), /sections\[0\]\.fields\[1\]/);

	await page.fill('#def-json', 'not json {');
	await page.waitForSelector('#def-json-state.bad');
	await page.fill('#def-json', JSON.stringify(def, null, 2));
	await page.click('.designer-actions button:text("Create template")');
	await page.waitForURL(new RegExp(`/designer/${key}$`));
	await page.waitForSelector('.designer-actions button:text("Check publish (dry run)")');
	await page.click('.designer-actions button:text("Check publish (dry run)")');
	await page.waitForSelector('.plan ol.ops li');
	assert.match(await page.locator('.plan').textContent(), /create_table/);
	await axe(page, 'designer (plan)');
	await shot(page, 'designer-desktop');
	await page.click('.plan button:text("Publish version 1")');
	await page.waitForSelector('.notice:has-text("Version 1 is published")');

	// A draft of version 2 that adds a field, saved with If-Match.
	def.sections[1].fields.push({ key: 'extra', label: 'Extra', type: 'integer' });
	await page.fill('#def-json', JSON.stringify(def, null, 2));
	await page.click('.designer-actions button:text("Save draft")');
	await page.waitForSelector('.notice:has-text("Draft saved as version 2")');
	await page.click('.designer-actions button:text("Check publish (dry run)")');
	await page.waitForSelector('.plan ol.ops li:has-text("add_column")');

	// The auditor's page.
	await page.goto(`${BASE_URL}/audit?object_type=template&object_id=${key}`);
	await page.waitForSelector('table.audit tbody tr');
	assert.ok(await page.locator('table.audit tbody tr:has-text("publish")').count() >= 1);
	await axe(page, 'audit');
	await page.click('button:text("Verify the chain")');
	await page.waitForSelector('.notice:has-text("Chain verified")');
	const [download] = await Promise.all([page.waitForEvent('download'), page.click('button:text("Export JSON Lines")')]);
	const file = await download.path();
	const { readFileSync } = await import('node:fs');
	const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
	assert.ok(lines.length >= 2 && lines.every((l) => l.object_id === key), `export is the filtered trail (${lines.length} rows)`);
	await shot(page, 'audit-desktop');

	await page.goto(`${BASE_URL}/inbox`);
	await page.waitForSelector('h1');
	await axe(page, 'inbox');
	await page.click('button:text("Log out")');
	await page.waitForSelector('form.login');
	await axe(page, 'login');
	assert.equal(await page.evaluate(() => sessionStorage.getItem('logbook.token')), null);
	assert.deepEqual(D.problems, []);
	await D.context.close();
});
