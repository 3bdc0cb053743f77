// Helpers for the entry and workflow tests (issue 4): users with the roles they need, a
// published template with every field type, entries, section saves and transitions, and a
// helper that drives a section into any workflow state with other users.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { request } from './http.mjs';
import { tokenFor } from './jwt.mjs';

// A short tag unique to this test process, so that files sharing one stack never collide
// (template keys allow [a-z0-9_], at most 40 characters).
export const TAG = `t${process.pid}${Math.floor(Math.random() * 1e4)}`;

// A token for user `sub` holding `roles`.
export function user(sub, roles) {
	return tokenFor({ sub: `${TAG}-${sub}`, name: sub, roles });
}

// The full user id of a short name given to user().
export function subOf(name) {
	return `${TAG}-${name}`;
}

export const designer = user('designer', ['designer']);
export const author = user('author', ['author']);
export const author2 = user('author2', ['author']);
export const reviewer = user('reviewer', ['reviewer']);
export const approver = user('approver', ['approver']);
export const auditor = user('auditor', ['auditor']);

/*
 * A definition with one field of every type in section `readings` (plus a table `readings`
 * whose rows carry every numeric kind) and a second, smaller section `summary`. `n` (integer)
 * is in the section and in every row, so a payload can identify itself.
 */
export function definition(key) {
	return {
		key,
		title: `Shift log ${key}`,
		description: 'integration tests of issue 4',
		sections: [
			{
				key: 'readings',
				title: 'Readings',
				fields: [
					{ key: 'n', label: 'Payload number', type: 'integer' },
					{ key: 'temperature', label: 'Temperature', type: 'decimal', required: true, min: -50, max: 120 },
					{ key: 'count', label: 'Count', type: 'integer', min: 0, max: 1000000 },
					{ key: 'note', label: 'Note', type: 'text', max_length: 20 },
					{ key: 'ok', label: 'OK', type: 'boolean' },
					{ key: 'day', label: 'Day', type: 'date' },
					{ key: 'at', label: 'At', type: 'time' },
					{ key: 'logged', label: 'Logged', type: 'datetime' },
					{ key: 'shift', label: 'Shift', type: 'choice', choices: ['early', 'late', 'night'] },
					{ key: 'checks', label: 'Checks', type: 'multichoice', choices: ['valves', 'pumps', 'doors, "gates"'] },
				],
				tables: [
					{
						key: 'readings',
						label: 'Readings',
						min_rows: 0,
						max_rows: 50,
						columns: [
							{ key: 'n', label: 'Payload number', type: 'integer' },
							{ key: 'label', label: 'Label', type: 'text', required: true },
							{ key: 'value', label: 'Value', type: 'decimal', required: true, max: 100000 },
						],
					},
				],
			},
			{
				key: 'summary',
				title: 'Summary',
				fields: [
					{ key: 'text', label: 'Summary', type: 'text' },
				],
			},
		],
	};
}

// Creates and publishes a template with definition(key) (or def); returns its key.
export async function publishTemplate(key, def = definition(key)) {
	let res = await request('POST', '/api/v1/templates', { token: designer, body: def });
	assert.equal(res.status, 201, `create template ${key}: ${res.text}`);
	res = await request('POST', `/api/v1/templates/${key}/versions/1/publish`, { token: designer });
	assert.equal(res.status, 200, `publish ${key}: ${res.text}`);
	return key;
}

// A fresh template key of this process.
let keyCounter = 0;
export function templateKey(what) {
	return `${TAG}_${what}_${++keyCounter}`.slice(0, 40);
}

// POST /templates/{key}/entries; asserts 201 and returns the entry.
export async function createEntry(key, { token = author, body = {}, headers = {} } = {}) {
	const res = await request('POST', `/api/v1/templates/${key}/entries`, { token, body, headers });
	assert.equal(res.status, 201, `create entry: ${res.text}`);
	return res.json;
}

export async function getEntry(id, token = author) {
	const res = await request('GET', `/api/v1/entries/${id}`, { token });
	assert.equal(res.status, 200, `get entry ${id}: ${res.text}`);
	return res.json;
}

export async function sectionOf(id, section) {
	return (await getEntry(id)).sections[section];
}

// PUT a section; ifMatch: a string, or undefined for no If-Match header. Returns the response.
export function save(id, section, body, { token = author, ifMatch, headers = {} } = {}) {
	const h = { ...headers };
	if (ifMatch !== undefined)
		h['If-Match'] = ifMatch;
	return request('PUT', `/api/v1/entries/${id}/sections/${section}`, { token, body, headers: h });
}

// POST a transition; comment undefined leaves it out. Returns the response.
export function transition(id, section, action, { token, ifMatch, comment, headers = {} } = {}) {
	const h = { ...headers };
	if (ifMatch !== undefined)
		h['If-Match'] = ifMatch;
	const body = { action };
	if (comment !== undefined)
		body.comment = comment;
	return request('POST', `/api/v1/entries/${id}/sections/${section}/transitions`, { token, body, headers: h });
}

// The section's current etag (quoted, as If-Match wants it).
export async function etagOf(id, section) {
	return (await sectionOf(id, section)).etag;
}

// A transition that must succeed, with the section's current ETag; returns the section.
export async function step(id, section, action, token, comment) {
	const res = await transition(id, section, action, { token, ifMatch: await etagOf(id, section), comment });
	assert.equal(res.status, 200, `${action} on ${id}/${section}: ${res.text}`);
	return res.json;
}

// The transitions that take a fresh draft to each state, with the users who take them.
const PATHS = {
	draft: [],
	submitted: [['submit', author]],
	in_review: [['submit', author], ['start_review', reviewer]],
	approved: [['submit', author], ['start_review', reviewer], ['approve', approver]],
	rejected: [['submit', author], ['start_review', reviewer], ['reject', reviewer, 'not good enough']],
};
export const STATES = Object.keys(PATHS);

// Moves a section that is in draft (revision 1, as created) to `state`; returns the section.
// A submit checks the content like a save (issue 10), so `readings`, which has a required
// field, is first saved by the author with a valid body.
export async function driveTo(id, section, state) {
	let s = await sectionOf(id, section);
	assert.equal(s.state, 'draft', 'driveTo starts from a draft');
	if (section === 'readings') {
		const res = await save(id, section, readingsBody(1, 1), { ifMatch: s.etag });
		assert.equal(res.status, 200, `save before submit: ${res.text}`);
		s = res.json;
	}
	for (const [action, token, comment] of PATHS[state])
		s = await step(id, section, action, token, comment);
	assert.equal(s.state, state);
	return s;
}

// A valid save body for the `readings` section, identified by n (in the section and every row).
export function readingsBody(n, rows = 3) {
	return {
		data: { n, temperature: `${n % 100}.5`, count: n, note: `payload ${n}` },
		tables: {
			readings: Array.from({ length: rows }, (_, i) => ({ n, label: `row ${i} of ${n}`, value: `${i}.${n}` })),
		},
	};
}

export { randomUUID };

// Every audit row of GET /api/v1/audit?<query> (all pages), as the auditor.
export async function auditRows(query) {
	const items = [];
	let cursor = null;
	do {
		const q = cursor === null ? query : `${query}&cursor=${encodeURIComponent(cursor)}`;
		const res = await request('GET', `/api/v1/audit?${q}`, { token: auditor });
		assert.equal(res.status, 200, res.text);
		items.push(...res.json.items);
		cursor = res.json.next_cursor;
	} while (cursor !== null);
	return items;
}
