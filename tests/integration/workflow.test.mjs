// The section workflow through the API (issue 4): every (role x action x state) combination
// answers 403 (wrong role), 409 (invalid from this state) or 200, and only a 200 changes the
// section; separation of duties; the template's own workflow map.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request, assertProblem } from './lib/index.mjs';
import {
	user, subOf, author, author2, reviewer, approver, auditor, publishTemplate, templateKey, definition,
	createEntry, sectionOf, save, transition, step, driveTo, readingsBody, STATES,
} from './lib/entries.mjs';

const KEY = templateKey('workflow');
test.before(async () => {
	await publishTemplate(KEY);
});

const ROLES = ['admin', 'designer', 'author', 'reviewer', 'approver', 'auditor'];
const ACTIONS = ['submit', 'start_review', 'approve', 'reject', 'reopen'];
// API.md's default workflow; admin may take every action.
const WORKFLOW = {
	submit: ['author'],
	start_review: ['reviewer'],
	approve: ['approver'],
	reject: ['reviewer', 'approver'],
	reopen: ['author'],
};
const TRANSITIONS = {
	submit: ['draft', 'submitted'],
	start_review: ['submitted', 'in_review'],
	approve: ['in_review', 'approved'],
	reject: ['in_review', 'rejected'],
	reopen: ['rejected', 'draft'],
};

// One user per role, none of whom submits anything (driveTo's author does), so separation of
// duties never decides here.
const tokens = Object.fromEntries(ROLES.map((role) => [role, user(`only-${role}`, [role])]));

function expected(role, action, state) {
	if (role !== 'admin' && !WORKFLOW[action].includes(role))
		return [403];
	const [from, to] = TRANSITIONS[action];
	if (state !== from)
		return [409];
	return [200, to];
}

test('every role x action x state: 403 wrong role, 409 invalid from this state, 200 otherwise', async () => {
	// One section per state, replaced by a fresh one after a 200 moved it on. Both sections of
	// an entry serve (summary needs no data to be submitted).
	const pool = {};
	let created = 0;
	async function subject(state) {
		if (!pool[state]) {
			const e = await createEntry(KEY);
			created++;
			for (const section of ['readings', 'summary'])
				await driveTo(e.id, section, state);
			pool[state] = [[e.id, 'readings'], [e.id, 'summary']];
		}
		return pool[state][0];
	}

	const table = [];
	for (const state of STATES)
		for (const role of ROLES)
			for (const action of ACTIONS)
				table.push([role, action, state]);
	assert.equal(table.length, 150);

	let ok = 0;
	for (const [role, action, state] of table) {
		const [id, section] = await subject(state);
		const before = await sectionOf(id, section);
		assert.equal(before.state, state);
		const res = await transition(id, section, action, {
			token: tokens[role], ifMatch: before.etag, comment: 'a comment for reject',
		});
		const [status, to] = expected(role, action, state);
		const what = `${role} ${action} from ${state}`;
		assert.equal(res.status, status, `${what}: ${res.text}`);
		if (status === 200) {
			ok++;
			assert.equal(res.json.state, to, what);
			assert.equal(res.headers.etag, res.json.etag, what);
			const after = await sectionOf(id, section);
			assert.equal(after.state, to, what);
			assert.equal(after.etag, res.json.etag, what);
			assert.equal(after.revision, action === 'reopen' ? before.revision + 1 : before.revision, what);
			assert.equal(after.updated_by, subOf(`only-${role}`), what);
			pool[state].shift();
			if (pool[state].length === 0)
				delete pool[state];
		} else {
			assertProblem(res, status);
			assert.deepEqual(await sectionOf(id, section), before, `${what}: nothing changed`);
		}
	}
	// author: submit, reopen; reviewer: start_review, reject; approver: approve, reject; admin: all 5.
	assert.equal(ok, 11);
	assert.ok(created <= 16, `${created} entries`);
});

test('an unknown or missing action is a 422, checked before the role', async () => {
	const e = await createEntry(KEY);
	const etag = e.sections.readings.etag;
	for (const body of [{ action: 'publish' }, { action: '' }, {}, { action: 7 }, { action: 'submit', extra: 1 }]) {
		const res = await request('POST', `/api/v1/entries/${e.id}/sections/readings/transitions`, {
			token: tokens.auditor, body, headers: { 'If-Match': etag },
		});
		assertProblem(res, 422);
	}
	assert.equal((await sectionOf(e.id, 'readings')).etag, etag);
	let res = await transition(e.id, 'nosuch', 'submit', { token: author, ifMatch: '*' });
	assertProblem(res, 404);
	res = await transition('00000000-0000-4000-8000-000000000000', 'readings', 'submit', { token: author, ifMatch: '*' });
	assertProblem(res, 404);
});

test('separation of duties: the submitter may not start_review, approve or reject their revision, whatever their roles', async () => {
	const all = user('sod-everything', ['author', 'reviewer', 'approver', 'admin']);
	const adminOnly = user('sod-admin', ['admin']);
	for (const submitter of [all, adminOnly]) {
		const e = await createEntry(KEY, { token: all });
		let res = await save(e.id, 'readings', readingsBody(1), { token: all, ifMatch: '*' });
		assert.equal(res.status, 200, res.text);
		let s = await step(e.id, 'readings', 'submit', submitter);

		const refused = async (action) => {
			const before = await sectionOf(e.id, 'readings');
			const r = await transition(e.id, 'readings', action, { token: submitter, ifMatch: before.etag, comment: 'mine' });
			assertProblem(r, 403);
			assert.match(r.json.type, /separation-of-duties/, r.text);
			assert.deepEqual(await sectionOf(e.id, 'readings'), before, `${action}: nothing changed`);
		};
		await refused('start_review');
		s = await step(e.id, 'readings', 'start_review', reviewer);
		await refused('approve');
		await refused('reject');
		// Someone else may: a reject, then the submitter reopens (that is theirs to do).
		s = await step(e.id, 'readings', 'reject', approver, 'redo');
		assert.equal(s.state, 'rejected');
		s = await step(e.id, 'readings', 'reopen', all);
		assert.equal(s.revision, 2);

		// Revision 2 is written and submitted by someone else: now the first submitter may
		// review it. (Resubmitted unchanged, it would still carry the data they wrote.)
		res = await save(e.id, 'readings', readingsBody(2), { token: author2, ifMatch: '*' });
		assert.equal(res.status, 200, res.text);
		s = await step(e.id, 'readings', 'submit', author2);
		s = await step(e.id, 'readings', 'start_review', submitter);
		assert.equal(s.state, 'in_review');
		s = await step(e.id, 'readings', 'approve', submitter);
		assert.equal(s.state, 'approved');
	}

	// An approver who submitted (the workflow lets approvers submit here) may not approve.
	const key = templateKey('wfsod');
	const def = definition(key);
	def.workflow = { submit: ['author', 'approver'], start_review: ['reviewer'], approve: ['approver'],
		reject: ['reviewer', 'approver'], reopen: ['author'] };
	await publishTemplate(key, def);
	const both = user('sod-approver', ['approver']);
	const other = user('sod-approver-2', ['approver']);
	const e = await createEntry(key);
	await step(e.id, 'summary', 'submit', both);
	await step(e.id, 'summary', 'start_review', reviewer);
	const before = await sectionOf(e.id, 'summary');
	const res = await transition(e.id, 'summary', 'approve', { token: both, ifMatch: before.etag });
	assertProblem(res, 403);
	assert.match(res.json.type, /separation-of-duties/);
	assert.equal((await step(e.id, 'summary', 'approve', other)).state, 'approved');
});

test("the template's workflow map decides the roles, not the defaults", async () => {
	const key = templateKey('wfmap');
	const def = definition(key);
	def.workflow = { submit: ['author'], start_review: ['approver'], approve: ['reviewer'], reject: ['auditor'], reopen: ['designer'] };
	await publishTemplate(key, def);
	const designer2 = user('wf-designer', ['designer']);

	const e = await createEntry(key);
	await step(e.id, 'summary', 'submit', author);
	let before = await sectionOf(e.id, 'summary');
	let res = await transition(e.id, 'summary', 'start_review', { token: reviewer, ifMatch: before.etag });
	assertProblem(res, 403);
	await step(e.id, 'summary', 'start_review', approver);
	before = await sectionOf(e.id, 'summary');
	res = await transition(e.id, 'summary', 'reject', { token: reviewer, ifMatch: before.etag, comment: 'no' });
	assertProblem(res, 403);
	await step(e.id, 'summary', 'reject', auditor, 'the auditor rejects here');
	before = await sectionOf(e.id, 'summary');
	res = await transition(e.id, 'summary', 'reopen', { token: author, ifMatch: before.etag });
	assertProblem(res, 403);
	await step(e.id, 'summary', 'reopen', designer2);
	await step(e.id, 'summary', 'submit', author);
	await step(e.id, 'summary', 'start_review', approver);
	before = await sectionOf(e.id, 'summary');
	res = await transition(e.id, 'summary', 'approve', { token: approver, ifMatch: before.etag });
	assertProblem(res, 403);
	assert.equal((await step(e.id, 'summary', 'approve', reviewer)).state, 'approved');
});
