// GET /api/v1/inbox (issue 9): the sections the caller may act on now, from the workflow's roles
// with separation of duties applied, oldest waiting first, keyset-paginated.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request, assertProblem } from './lib/index.mjs';
import {
	user, subOf, author, reviewer, approver, publishTemplate, templateKey, definition, createEntry,
	driveTo, step, sectionOf,
} from './lib/entries.mjs';

const KEY = templateKey('inbox');
const admin = user('inbox-admin', ['admin']);
const designerOnly = user('inbox-designer', ['designer']);
// Both author and reviewer: may submit, and review what others submitted.
const both = user('inbox-both', ['author', 'reviewer']);
const otherReviewer = user('inbox-reviewer2', ['reviewer']);

const at = {}; // state -> [entry id, section]
test.before(async () => {
	await publishTemplate(KEY);
	// One section per waiting state (and the non-waiting ones), created oldest first.
	for (const state of ['submitted', 'in_review', 'rejected', 'draft', 'approved']) {
		const e = await createEntry(KEY, { body: { title: `inbox ${state}` } });
		await driveTo(e.id, 'summary', state);
		at[state] = e.id;
	}
});

async function inbox(token, query = '') {
	const items = [];
	let cursor = null;
	do {
		const q = `template=${KEY}${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
		const res = await request('GET', `/api/v1/inbox?${q}`, { token });
		assert.equal(res.status, 200, res.text);
		assert.deepEqual(Object.keys(res.json).sort(), ['items', 'next_cursor']);
		items.push(...res.json.items);
		cursor = res.json.next_cursor;
	} while (cursor !== null);
	return items;
}

const summary = (items) => items.map((i) => [i.entry_id, i.section, i.state, i.actions]);

test('each role sees the waiting sections its workflow roles may act on, with those actions', async () => {
	assert.deepEqual(summary(await inbox(reviewer)), [
		[at.submitted, 'summary', 'submitted', ['start_review']],
		[at.in_review, 'summary', 'in_review', ['reject']],
	]);
	assert.deepEqual(summary(await inbox(approver)), [
		[at.in_review, 'summary', 'in_review', ['approve', 'reject']],
	]);
	// Drafts wait for no one (README "Inbox"); a rejected section waits for an author to reopen.
	assert.deepEqual(summary(await inbox(user('inbox-author2', ['author']))), [
		[at.rejected, 'summary', 'rejected', ['reopen']],
	]);
	assert.deepEqual(await inbox(designerOnly), []);
	// admin counts as every role.
	assert.deepEqual(summary(await inbox(admin)), [
		[at.submitted, 'summary', 'submitted', ['start_review']],
		[at.in_review, 'summary', 'in_review', ['approve', 'reject']],
		[at.rejected, 'summary', 'rejected', ['reopen']],
	]);
});

test('items have the contract shape and wait since the state was entered', async () => {
	const [item] = (await inbox(reviewer)).filter((i) => i.entry_id === at.submitted);
	assert.deepEqual(Object.keys(item).sort(),
		['actions', 'entry_id', 'revision', 'section', 'state', 'template', 'title', 'waiting_since']);
	assert.equal(item.template, KEY);
	assert.equal(item.title, 'inbox submitted');
	assert.equal(item.revision, 1);
	assert.match(item.waiting_since, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
	const section = await sectionOf(at.submitted, 'summary');
	assert.ok(Date.parse(item.waiting_since) <= Date.parse(section.updated_at) + 1);
});

test('separation of duties: the submitter of the revision gets no review action, others do', async () => {
	const key = templateKey('inbox_sod');
	const def = definition(key);
	def.workflow = { submit: ['author'], start_review: ['reviewer'], approve: ['reviewer'], reject: ['reviewer'], reopen: ['author'] };
	await publishTemplate(key, def);
	const e = await createEntry(key, { token: both });
	await step(e.id, 'summary', 'submit', both);
	const mine = async (token) => {
		const res = await request('GET', `/api/v1/inbox?template=${key}`, { token });
		assert.equal(res.status, 200, res.text);
		return summary(res.json.items);
	};
	assert.deepEqual(await mine(both), [], 'the submitter may not start the review');
	assert.deepEqual(await mine(otherReviewer), [[e.id, 'summary', 'submitted', ['start_review']]]);
	// The template's own workflow decides: here reviewers approve.
	await step(e.id, 'summary', 'start_review', otherReviewer);
	assert.deepEqual(await mine(otherReviewer), [[e.id, 'summary', 'in_review', ['approve', 'reject']]]);
	assert.deepEqual(await mine(approver), [], 'approver has no role in this workflow');
	assert.deepEqual(await mine(both), [], 'still the submitter');
	// Admin may do everything except bypass separation of duties.
	const adminSub = user('inbox-admin-sub', ['admin']);
	const e2 = await createEntry(key, { token: adminSub });
	await step(e2.id, 'summary', 'submit', adminSub);
	const res = await request('GET', `/api/v1/inbox?template=${key}`, { token: adminSub });
	assert.deepEqual(summary(res.json.items), [[e.id, 'summary', 'in_review', ['approve', 'reject']]]);
	// Rejected: the submitter may reopen (not a reviewing action).
	await step(e.id, 'summary', 'reject', otherReviewer, 'redo');
	assert.deepEqual(await mine(both), [
		[e2.id, 'summary', 'submitted', ['start_review']], // someone else's submission
		[e.id, 'summary', 'rejected', ['reopen']],
	]);
	assert.ok(subOf('inbox-both'));
});

test('oldest waiting first, across states, and pages that add up to the whole list', async () => {
	const key = templateKey('inbox_pages');
	await publishTemplate(key);
	const expected = [];
	for (let i = 0; i < 7; i++) {
		const e = await createEntry(key);
		await driveTo(e.id, 'summary', i % 2 ? 'submitted' : 'in_review');
		expected.push(e.id);
	}
	// The first one moves on: it now waits since later than all the others.
	await step(expected[1], 'summary', 'start_review', reviewer);
	expected.push(expected.splice(1, 1)[0]);
	const all = [];
	let cursor = null, pages = 0;
	do {
		const res = await request('GET', `/api/v1/inbox?template=${key}&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
			{ token: reviewer });
		assert.equal(res.status, 200, res.text);
		assert.ok(res.json.items.length <= 2);
		all.push(...res.json.items);
		cursor = res.json.next_cursor;
		pages++;
	} while (cursor !== null);
	assert.deepEqual(all.map((i) => i.entry_id), expected);
	assert.equal(pages, 4);
	const times = all.map((i) => i.waiting_since);
	assert.deepEqual([...times].sort(), times);
});

test('bad limit or cursor: 400; no token: 401', async () => {
	for (const q of ['limit=0', 'limit=501', 'limit=x', 'cursor=%%%', 'cursor=YWJj',
		`cursor=${Buffer.from('2026-01-01 00:00:00+00|not-a-uuid|summary').toString('base64url')}`,
		`cursor=${Buffer.from('not a time|00000000-0000-4000-8000-000000000000|summary').toString('base64url')}`]) {
		const res = await request('GET', `/api/v1/inbox?${q}`, { token: reviewer });
		assertProblem(res, 400);
	}
	const res = await request('GET', '/api/v1/inbox');
	assert.equal(res.status, 401);
	assert.ok(author);
});
