// The whole life of a section in the browser: an author fills a section with a table (a
// validation error shows beside its field), saves and submits; a reviewer sees it arrive in
// the inbox live and rejects it with a comment; the author reopens, fixes and submits again;
// the reviewer starts the review and an approver approves. The timeline shows every step.
// Separation of duties: the submitter gets no review, approve or reject button.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
	TAG, BASE_URL, request, launch, newPage, login, createUser, publishTemplate, shiftLog, createEntry,
	axe, shot, field, control, cell, saveDraft, act, waitNotice,
} from './lib.mjs';

const KEY = `${TAG}_shift`;
let browser, author, reviewer, approver, auditor, solo;

before(async () => {
	browser = await launch();
	[author, reviewer, approver, auditor, solo] = await Promise.all([
		createUser('author', ['author'], 'Ada Author'),
		createUser('reviewer', ['reviewer'], 'Rui Reviewer'),
		createUser('approver', ['approver'], 'Ana Approver'),
		createUser('auditor', ['auditor'], 'Otto Auditor'),
		createUser('solo', ['author', 'reviewer', 'approver'], 'Sam Solo'),
	]);
	await publishTemplate(shiftLog(KEY));
});

after(async () => {
	await browser?.close();
});

test('author -> reviewer (live inbox) rejects -> author fixes -> approver approves; the timeline shows it all', async () => {
	const A = await newPage(browser);
	const R = await newPage(browser);
	const P = await newPage(browser);
	const pa = A.page, pr = R.page, pp = P.page;

	// The reviewer's inbox is open before anything is submitted.
	await login(pr, reviewer);
	await pr.goto(`${BASE_URL}/inbox`);
	await pr.waitForSelector('.inbox, .inbox .notice');
	await axe(pr, 'inbox');

	// The author creates an entry from the entries page.
	await login(pa, author);
	await pa.waitForSelector('h1:text("Entries")');
	await axe(pa, 'entries');
	await pa.selectOption('#new-template', KEY);
	await pa.fill('#new-title', 'Night shift 12');
	await pa.click('form.new-entry button[type=submit]');
	await pa.waitForURL(/\/entries\/[0-9a-f-]{36}$/);
	const id = pa.url().split('/').pop();
	await pa.waitForSelector('.section-form');
	assert.equal(await pa.locator('h1').textContent(), 'Night shift 12');

	// Required markers and help texts come from the template.
	assert.match(await field(pa, 'operator').locator('label').textContent(), /Operator \*/);
	assert.equal(await field(pa, 'temperature').locator('.hint').textContent(), 'Degrees Celsius at the inlet');

	// A value over the maximum: the browser says so beside the field when it is left.
	await control(pa, 'operator').fill('Ada');
	await control(pa, 'temperature').fill('130');
	await control(pa, 'pressure').focus();
	await pa.waitForSelector('.field[data-path="data.temperature"] .error:not([hidden])');
	assert.match(await field(pa, 'temperature').locator('.error').textContent(), /<= 120/);
	assert.equal(await control(pa, 'temperature').getAttribute('aria-invalid'), 'true');

	await control(pa, 'pressure').fill('250');
	await control(pa, 'ok').selectOption('true');
	await control(pa, 'day').fill('2026-11-23');
	await control(pa, 'shift').selectOption('night');
	await field(pa, 'checks').getByLabel('pumps').check();
	await control(pa, 'tag').fill('BX-042');

	// The table: two rows, the second moved to the top.
	await pa.click('button:text("Add row to Measuring points")');
	await cell(pa, 'points', 0, 'Point').fill('Inlet');
	await cell(pa, 'points', 0, 'Value').fill('12.50');
	await pa.click('button:text("Add row to Measuring points")');
	await cell(pa, 'points', 1, 'Point').fill('Outlet');
	await cell(pa, 'points', 1, 'Value').fill('7');
	await pa.click('button[aria-label="Move row 2 up"]');
	assert.equal(await cell(pa, 'points', 0, 'Point').inputValue(), 'Outlet');
	assert.equal(await cell(pa, 'points', 1, 'Point').inputValue(), 'Inlet');

	// Saving with the bad value: the server's 422 names data.temperature, shown beside it.
	await saveDraft(pa);
	await pa.waitForSelector('.messages .notice.error:has-text("Not saved")');
	assert.match(await field(pa, 'temperature').locator('.error').textContent(), /120/);
	assert.match(await pa.locator('.error-summary').textContent(), /Temperature/);

	await control(pa, 'temperature').fill('85.5');
	assert.match(await saveDraft(pa), /Draft saved/);
	// What was saved reads back (decimal as a string, rows in their new order).
	const saved = (await request('GET', `/api/v1/entries/${id}`, { token: await author.token() })).json.sections.readings;
	assert.equal(saved.data.temperature, '85.5');
	assert.deepEqual(saved.data.checks, ['pumps']);
	assert.deepEqual(saved.tables.points.map((r) => r.point), ['Outlet', 'Inlet']);
	await shot(pa, 'entry-desktop');
	await pa.evaluate(() => window.scrollTo(0, 0));
	await shot(pa, 'entry-desktop-view', { view: true });
	await axe(pa, 'entry (draft)');

	assert.match(await act(pa, 'submit'), /Submitted/);
	assert.equal(await pa.locator('button[data-action="save"]').count(), 0, 'no save once submitted');

	// It arrives in the reviewer's inbox without a reload.
	const item = pr.locator(`.inbox-item[data-entry="${id}"]`);
	await item.waitFor({ timeout: 30000 });
	assert.match(await item.textContent(), /Night shift 12/);
	console.log(`inbox live mode: ${await pr.locator('.live').getAttribute('data-mode')} (stream: SSE over fetch; poll: the long-poll fallback)`);
	await shot(pr, 'inbox-desktop');
	await item.locator('a.inbox-title').click();
	await pr.waitForSelector('button[data-action="start_review"]');
	assert.equal(await pr.locator('button[data-action="approve"]').count(), 0, 'a reviewer has no approve button');
	assert.match(await act(pr, 'start_review'), /Review started/);

	// Reject needs a comment.
	await pr.click('button[data-action="reject"]');
	await pr.waitForSelector('.workflow-box .error:not([hidden])');
	await pr.fill('.workflow-box textarea', 'Outlet value looks wrong, check the gauge');
	assert.match(await act(pr, 'reject'), /Rejected/);

	// The author reopens, fixes and submits again.
	await pa.reload();
	await pa.waitForSelector('button[data-action="reopen"]');
	assert.match(await act(pa, 'reopen'), /Reopened/);
	await cell(pa, 'points', 0, 'Value').fill('7.25');
	assert.match(await saveDraft(pa), /Draft saved/);
	assert.match(await act(pa, 'submit'), /Submitted/);

	// Back in the reviewer's inbox (live again); the reviewer starts the review.
	await pr.goto(`${BASE_URL}/inbox`);
	await item.waitFor({ timeout: 30000 });
	await item.locator('a.inbox-title').click();
	await pr.waitForSelector('button[data-action="start_review"]');
	assert.match(await act(pr, 'start_review'), /Review started/);

	// The approver approves.
	await login(pp, approver);
	await pp.goto(`${BASE_URL}/entries/${id}/readings`);
	await pp.waitForSelector('button[data-action="approve"]');
	assert.match(await act(pp, 'approve'), /Approved/);
	assert.match(await pp.locator('.section-head .badge').textContent(), /approved/);

	// The timeline, as the author sees it: every save and transition, with the comment and
	// the changed value.
	await pa.reload();
	await pa.waitForSelector('.timeline .ev');
	const actions = await pa.locator('.timeline ol.events > li.ev').evaluateAll((els) => els.map((e) => e.dataset.action));
	const steps = actions.filter((a) => a !== 'save');
	assert.deepEqual(steps, ['submit', 'start_review', 'reject', 'reopen', 'submit', 'start_review', 'approve']);
	assert.ok(actions.filter((a) => a === 'save').length >= 2, `saves in ${actions}`);
	const tl = await pa.locator('.timeline').textContent();
	assert.match(tl, /Outlet value looks wrong, check the gauge/);
	assert.match(tl, /7 *7\.25|Measuring points, row 1, Value/);
	await shot(pa, 'timeline-desktop');

	// The auditor sees the audit trail of the entry too.
	const U = await newPage(browser);
	await login(U.page, auditor);
	await U.page.goto(`${BASE_URL}/entries/${id}/readings`);
	await U.page.waitForSelector('.audit-rows ol.events li');
	assert.ok(await U.page.locator('.audit-rows li:has-text("approve")').count() >= 1);
	await axe(U.page, 'entry (auditor)');

	for (const x of [A, R, P, U])
		assert.deepEqual(x.problems, []);
	await Promise.all([A, R, P, U].map((x) => x.context.close()));
});

test('separation of duties: the submitter sees no review, approve or reject button', async () => {
	const e = await createEntry(KEY, solo, 'Solo shift');
	const tok = await solo.token();
	let r = await request('PUT', `/api/v1/entries/${e.id}/sections/summary`, { token: tok, headers: { 'If-Match': '*' }, body: { data: { text: 'all fine' } } });
	assert.equal(r.status, 200, r.text);
	r = await request('POST', `/api/v1/entries/${e.id}/sections/summary/transitions`, { token: tok, headers: { 'If-Match': r.json.etag }, body: { action: 'submit' } });
	assert.equal(r.status, 200, r.text);

	const S = await newPage(browser);
	await login(S.page, solo);
	await S.page.goto(`${BASE_URL}/entries/${e.id}/summary`);
	await S.page.waitForSelector('.workflow-box');
	assert.equal(await S.page.locator('button[data-action="start_review"]').count(), 0);
	assert.match(await S.page.locator('.sod').textContent(), /separation of duties/);

	// Someone else starts the review: still no approve or reject for the submitter.
	r = await request('POST', `/api/v1/entries/${e.id}/sections/summary/transitions`, { token: await reviewer.token(), headers: { 'If-Match': '*' }, body: { action: 'start_review' } });
	assert.equal(r.status, 200, r.text);
	await S.page.reload();
	await S.page.waitForSelector('.sod');
	assert.equal(await S.page.locator('button[data-action="approve"]').count(), 0);
	assert.equal(await S.page.locator('button[data-action="reject"]').count(), 0);

	// Another approver does get the button.
	const P = await newPage(browser);
	await login(P.page, approver);
	await P.page.goto(`${BASE_URL}/entries/${e.id}/summary`);
	await P.page.waitForSelector('button[data-action="approve"]');
	assert.deepEqual(S.problems, []);
	await Promise.all([S.context.close(), P.context.close()]);
});

test('the search box sends q: entries whose title or text match, others not', async () => {
	const word = `zebra${TAG}`;
	const hit = await createEntry(KEY, author, `Pump check ${word}`);
	const miss = await createEntry(KEY, author, `Pump check other ${TAG}`);
	const S = await newPage(browser);
	await login(S.page, author);
	await S.page.fill('#flt-q', word);
	await S.page.press('#flt-q', 'Enter');
	await S.page.waitForURL(/[?&]q=/);
	await S.page.waitForSelector('.list-foot .hint:has-text("entr")');
	const links = await S.page.locator('table.list tbody a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
	assert.ok(links.includes(`/entries/${hit.id}`), `the match is listed: ${links}`);
	assert.ok(!links.includes(`/entries/${miss.id}`), 'the other entry is not');
	assert.equal(await S.page.inputValue('#flt-q'), word, 'the search stays in the box (and the URL)');
	assert.deepEqual(S.problems, []);
	await S.context.close();
});

test('without the stream (404), the inbox follows the events by long-polling', async () => {
	const e = await createEntry(KEY, author, `Polled shift ${TAG}`);
	const R = await newPage(browser);
	await R.page.route('**/api/v1/events/stream*', (route) => route.fulfill({
		status: 404, contentType: 'application/problem+json',
		body: JSON.stringify({ type: 'about:blank', title: 'Not Found', status: 404 }),
	}));
	await login(R.page, reviewer);
	await R.page.goto(`${BASE_URL}/inbox`);
	await R.page.waitForSelector('.live[data-mode="poll"]');
	const tok = await author.token();
	let r = await request('PUT', `/api/v1/entries/${e.id}/sections/summary`, { token: tok, headers: { 'If-Match': '*' }, body: { data: { text: 'polled' } } });
	assert.equal(r.status, 200, r.text);
	r = await request('POST', `/api/v1/entries/${e.id}/sections/summary/transitions`, { token: tok, headers: { 'If-Match': r.json.etag }, body: { action: 'submit' } });
	assert.equal(r.status, 200, r.text);
	await R.page.locator(`.inbox-item[data-entry="${e.id}"]`).waitFor({ timeout: 40000 });
	assert.deepEqual(R.problems, []);
	await R.context.close();
});
