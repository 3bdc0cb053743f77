// Concurrency and sessions in the browser: a stale save shows who changed the section and
// offers to reload; an expired session goes back to the login page with a message, and the
// unsaved input comes back after logging in again.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
	TAG, BASE_URL, request, launch, newPage, login, createUser, publishTemplate, shiftLog, createEntry,
	control, saveDraft, axe,
} from './lib.mjs';
import { tokenFor, now } from '../integration/lib/jwt.mjs';

const KEY = `${TAG}_conflict`;
let browser, author, other;

before(async () => {
	browser = await launch();
	[author, other] = await Promise.all([
		createUser('author', ['author'], 'Ada Author'),
		createUser('other', ['author'], 'Olga Other'),
	]);
	await publishTemplate(shiftLog(KEY));
});

after(async () => {
	await browser?.close();
});

test('a stale save shows the conflict: who changed it and when, and offers to reload', async () => {
	const e = await createEntry(KEY, author, 'Conflict shift');
	const A = await newPage(browser);
	await login(A.page, author);
	await A.page.goto(`${BASE_URL}/entries/${e.id}/summary`);
	await control(A.page, 'text').fill('my version');

	// Someone else saves the section meanwhile.
	const r = await request('PUT', `/api/v1/entries/${e.id}/sections/summary`, {
		token: await other.token(), headers: { 'If-Match': '*' }, body: { data: { text: 'their version' } },
	});
	assert.equal(r.status, 200, r.text);

	const text = await saveDraft(A.page);
	assert.match(text, /changed by someone else/);
	assert.match(text, new RegExp(other.username));
	assert.equal(await control(A.page, 'text').inputValue(), 'my version', 'the input is kept');
	await axe(A.page, 'entry (conflict)');

	await A.page.click('button:text("Reload the latest version")');
	await A.page.waitForSelector('.notice:has-text("Reloaded the latest version")');
	assert.equal(await control(A.page, 'text').inputValue(), 'their version');
	assert.deepEqual(A.problems, []);
	await A.context.close();
});

test('session expiry: back to the login page with a message; the unsaved input is restored', async () => {
	const e = await createEntry(KEY, author, 'Expiring shift');
	const A = await newPage(browser);
	await login(A.page, author);
	await A.page.goto(`${BASE_URL}/entries/${e.id}/summary`);
	await control(A.page, 'text').fill('typed before the session ended');

	// The token expires: the tab now holds one whose exp is long past (beyond the leeway).
	const t = now();
	await A.page.evaluate((tok) => sessionStorage.setItem('logbook.token', tok),
		tokenFor({ sub: author.username, name: author.name, roles: ['author'], iat: t - 7200, exp: t - 3600 }));
	await A.page.click('button[data-action="save"]');
	await A.page.waitForSelector('form.login');
	assert.match(A.page.url(), /\/login\?next=/);
	assert.match(await A.page.locator('.notice').textContent(), /session has expired/);
	// The token is gone from the tab; nothing is in localStorage.
	assert.equal(await A.page.evaluate(() => sessionStorage.getItem('logbook.token')), null);
	assert.equal(await A.page.evaluate(() => localStorage.length), 0);

	await A.page.fill('#login-user', author.username);
	await A.page.fill('#login-pass', author.password);
	await A.page.click('form.login button[type=submit]');
	await A.page.waitForSelector('.section-form');
	assert.match(A.page.url(), new RegExp(`/entries/${e.id}/summary$`));
	await A.page.waitForSelector('.notice:has-text("unsaved input was restored")');
	assert.equal(await control(A.page, 'text').inputValue(), 'typed before the session ended');
	assert.match(await saveDraft(A.page), /Draft saved/);
	assert.deepEqual(A.problems, []);
	await A.context.close();
});
