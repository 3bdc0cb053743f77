// The app's security headers, and stored script injection shown as text everywhere: in a
// template's labels, an entry's title, field values, table cells and review comments.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { TAG, BASE_URL, request, launch, newPage, login, createUser, publishTemplate, createEntry, admin } from './lib.mjs';

const XSS = '<script>window.__xss=1</script><img src=x onerror="window.__xss=2">';
const KEY = `${TAG}_xss`;
let browser, author, reviewer;

before(async () => {
	browser = await launch();
	[author, reviewer] = await Promise.all([
		createUser('author', ['author', 'auditor']),
		createUser('reviewer', ['reviewer']),
	]);
	await publishTemplate({
		key: KEY,
		title: `Title ${XSS}`,
		sections: [{
			key: 'main',
			title: `Section ${XSS}`,
			fields: [
				{ key: 'note', label: `Note ${XSS}`, type: 'text', help: `Help ${XSS}` },
				{ key: 'pick', label: 'Pick', type: 'choice', choices: [`<b>bold</b>`, 'plain'] },
			],
			tables: [{ key: 'rows', label: `Rows ${XSS}`, columns: [{ key: 'c', label: `Col ${XSS}`, type: 'text' }] }],
		}],
	});
});

after(async () => {
	await browser?.close();
});

test('the app is served with a strict CSP, nosniff, no-referrer; hashed assets cached for good', async () => {
	for (const path of ['/', '/entries', '/login']) {
		const r = await request('GET', path);
		assert.equal(r.status, 200, path);
		const csp = r.headers['content-security-policy'] || '';
		for (const d of ["default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data: blob:",
			"connect-src 'self'", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'self'"])
			assert.ok(csp.includes(d), `${path} CSP has ${d}: ${csp}`);
		assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
		assert.equal(r.headers['x-content-type-options'], 'nosniff');
		assert.equal(r.headers['referrer-policy'], 'no-referrer');
		assert.equal(r.headers['cache-control'], 'no-cache');
		// No inline script or style in the page itself.
		assert.doesNotMatch(r.text, /<script(?![^>]*\bsrc=)[^>]*>/i);
		assert.doesNotMatch(r.text, /<style|\sstyle=/i);
	}
	const index = (await request('GET', '/')).text;
	const asset = /\/assets\/[0-9a-f]{12}\/js\/main\.js/.exec(index)[0];
	const r = await request('GET', asset);
	assert.equal(r.status, 200);
	assert.match(r.headers['content-type'], /javascript/);
	assert.match(r.headers['cache-control'], /max-age=31536000.*immutable/);
	// The API keeps answering problem+json where the app has no page.
	const nf = await request('GET', '/no-such-thing', { token: await admin() });
	assert.equal(nf.status, 404);
	assert.match(nf.headers['content-type'], /problem\+json/);
});

test('stored <script> and <img onerror> in labels, title, values, cells and comments show as text', async () => {
	const e = await createEntry(KEY, author, `Entry ${XSS}`);
	let r = await request('PUT', `/api/v1/entries/${e.id}/sections/main`, {
		token: await author.token(), headers: { 'If-Match': '*' },
		body: { data: { note: `Value ${XSS}`, pick: '<b>bold</b>' }, tables: { rows: [{ c: `Cell ${XSS}` }] } },
	});
	assert.equal(r.status, 200, r.text);
	r = await request('POST', `/api/v1/entries/${e.id}/sections/main/transitions`, { token: await author.token(), headers: { 'If-Match': r.json.etag }, body: { action: 'submit' } });
	assert.equal(r.status, 200, r.text);
	r = await request('POST', `/api/v1/entries/${e.id}/sections/main/transitions`, { token: await reviewer.token(), headers: { 'If-Match': '*' }, body: { action: 'start_review' } });
	r = await request('POST', `/api/v1/entries/${e.id}/sections/main/transitions`, { token: await reviewer.token(), headers: { 'If-Match': '*' }, body: { action: 'reject', comment: `Comment ${XSS}` } });
	assert.equal(r.status, 200, r.text);

	const A = await newPage(browser);
	await login(A.page, author);
	for (const path of [`/entries/${e.id}/main`, '/entries', '/templates', `/audit?object_id=${e.id}`]) {
		await A.page.goto(`${BASE_URL}${path}`);
		await A.page.waitForSelector('h1');
		await A.page.waitForLoadState('networkidle');
		assert.equal(await A.page.evaluate(() => window.__xss), undefined, `no script ran on ${path}`);
		assert.equal(await A.page.locator('main script, main img[src="x"], main b').count(), 0, `no injected element on ${path}`);
	}
	await A.page.goto(`${BASE_URL}/entries/${e.id}/main`);
	await A.page.waitForSelector('.timeline .ev-reject');
	const visible = await A.page.locator('main').innerText();
	for (const what of ['Entry', 'Section', 'Note', 'Help', 'Rows', 'Col', 'Comment'])
		assert.ok(visible.includes(`${what} <script>window.__xss=1</script>`), `${what} shows as text`);
	assert.equal(await A.page.locator('.field[data-path="data.note"] input, .field[data-path="data.note"] textarea').inputValue(), `Value ${XSS}`);
	assert.equal(await A.page.locator('.field[data-path="data.pick"] select').inputValue(), '<b>bold</b>');
	assert.ok(visible.includes('Cell <script>') || (await A.page.locator('table.rows input').first().inputValue()).startsWith('Cell <script>'));
	assert.equal(await A.page.evaluate(() => window.__xss), undefined);
	assert.deepEqual(A.problems, []);
	await A.context.close();
});
