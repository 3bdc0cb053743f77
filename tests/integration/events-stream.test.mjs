// GET /api/v1/events/stream (issue 9): Server-Sent Events held by nchan, not by the workers;
// `id:` is the audit row's seq, `data:` its JSON as GET /api/v1/events shows it; a client
// reconnecting with Last-Event-ID (or ?after=) gets exactly what it missed; the caller sees
// only what GET /api/v1/events shows it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request, assertProblem, assertInvalidToken, mintToken, claims } from './lib/index.mjs';
import { openStream, followStream } from './lib/sse.mjs';
import { user, author, auditor, publishTemplate, templateKey, createEntry, TAG } from './lib/entries.mjs';

const KEY = templateKey('stream');
const admin = user('stream-admin', ['admin']);
test.before(async () => {
	await publishTemplate(KEY);
});

// Every event GET /api/v1/events gives token after seq `after` (all pages).
async function feed(token, after) {
	const items = [];
	let cursor = String(after);
	for (;;) {
		const res = await request('GET', `/api/v1/events?after=${cursor}&limit=500`, { token });
		assert.equal(res.status, 200, res.text);
		items.push(...res.json.items);
		if (res.json.items.length === 0)
			return items;
		cursor = res.json.next_cursor;
	}
}

let userCounter = 0;
async function createUser() {
	const res = await request('POST', '/api/v1/users', {
		token: admin,
		body: { username: `${TAG}s${++userCounter}`, password: 'a long enough password', name: 'x', roles: ['author'] },
	});
	assert.equal(res.status, 201, res.text);
	return res.json.username;
}

const has = (ids) => (s) => ids.every((id) => s.events.some((e) => e.data.object_id === id));

test('a live stream gets new events in order, id = seq, data = the event of GET /api/v1/events', async () => {
	const s = await openStream({ token: auditor });
	try {
		assert.equal(s.status, 200);
		assert.match(s.headers['content-type'], /^text\/event-stream/);
		assert.equal(s.headers['x-events-stream'], 'live');
		assert.ok(s.headers['x-request-id']);
		const ids = [];
		for (let i = 0; i < 5; i++)
			ids.push((await createEntry(KEY, { body: { title: `stream ${i}` } })).id);
		ids.push(await createUser());
		await s.waitFor(has(ids));
		const first = Number(s.events[0].id);
		const expected = (await feed(auditor, first - 1)).filter((e) => e.seq <= Number(s.events.at(-1).id));
		assert.deepEqual(s.events.map((e) => e.data), expected, 'the same events as GET /api/v1/events, in order');
		for (const e of s.events)
			assert.equal(e.id, String(e.data.seq));
		// An auditor sees every row: the seqs have no holes.
		s.events.forEach((e, i) => assert.equal(Number(e.id), first + i));
	} finally {
		s.close();
	}
});

test('reconnecting with Last-Event-ID or ?after= gets exactly the missed events', async () => {
	const s = await openStream({ token: auditor });
	const warm = (await createEntry(KEY)).id;
	await s.waitFor(has([warm]));
	const last = s.events.at(-1).id;
	s.close();
	const missed = [(await createEntry(KEY)).id, await createUser(), (await createEntry(KEY)).id];
	const expected = await feed(auditor, last);
	assert.ok(expected.length >= 3);
	for (const how of ['header', 'query']) {
		const again = how === 'header'
			? await openStream({ token: auditor, lastEventId: last })
			: await openStream({ token: auditor, query: `after=${last}` });
		try {
			assert.equal(again.status, 200, again.text);
			await again.waitFor(has(missed));
			await new Promise((r) => setTimeout(r, 200)); // nothing more may follow
			assert.deepEqual(again.events.map((e) => e.data), expected, `${how}: exactly the missed ones`);
		} finally {
			again.close();
		}
	}
});

test('a client far behind catches up from the database, then goes live, missing nothing', async () => {
	const head = await feed(auditor, 0);
	const { events, live } = await followStream({ token: auditor, lastEventId: 0 });
	try {
		const fresh = (await createEntry(KEY)).id;
		await live.waitFor(has([fresh]));
		const all = [...events, ...live.events].map((e) => Number(e.id));
		const want = (await feed(auditor, 0)).map((e) => e.seq).filter((q) => q <= all.at(-1));
		assert.ok(want.length >= head.length);
		assert.deepEqual(all, want, 'every seq once, in order');
	} finally {
		live.close();
	}
});

test('no token or a bad one: 401, and no stream', async () => {
	for (const token of [undefined, 'not-a-jwt', mintToken(claims(), { secret: Buffer.from('x'.repeat(40)) })]) {
		const s = await openStream({ token });
		s.close();
		assert.equal(s.status, 401);
		const res = await request('GET', '/api/v1/events/stream', { token });
		assertInvalidToken(res);
	}
	for (const bad of ['abc', '-1', '1.5', '99999999999999999999', '1 2', '0x10']) {
		const res = await request('GET', '/api/v1/events/stream', { token: auditor, headers: { 'Last-Event-ID': bad } });
		assertProblem(res, 400);
	}
	assertProblem(await request('GET', '/api/v1/events/stream?after=x', { token: auditor }), 400);
});

test('a non-auditor sees only what GET /api/v1/events shows it', async () => {
	const mine = await openStream({ token: author });
	const all = await openStream({ token: auditor });
	try {
		const before = Number((await feed(auditor, 0)).at(-1).seq);
		const hidden = await createUser();
		const shown = (await createEntry(KEY)).id;
		await all.waitFor(has([hidden, shown]));
		await mine.waitFor(has([shown]));
		assert.ok(!mine.events.some((e) => e.data.object_id === hidden), 'a user row is not shown to an author');
		const expected = (await feed(author, before)).filter((e) => e.seq <= Number(mine.events.at(-1).id));
		assert.deepEqual(mine.events.map((e) => e.data).filter((e) => e.seq > before), expected);
		assert.ok(all.events.some((e) => e.data.object_id === hidden));
		// Resuming as the author from before the hidden row skips it as well.
		const again = await openStream({ token: author, lastEventId: before });
		try {
			await again.waitFor(has([shown]));
			assert.ok(!again.events.some((e) => e.data.object_id === hidden));
		} finally {
			again.close();
		}
	} finally {
		mine.close();
		all.close();
	}
});

test('open streams do not hold the workers: 60 listeners, and the API still answers at once', async () => {
	const streams = [];
	try {
		for (let i = 0; i < 60; i++)
			streams.push(await openStream({ token: i % 2 ? author : auditor }));
		assert.ok(streams.every((s) => s.status === 200 && s.headers['x-events-stream'] === 'live'));
		const started = Date.now();
		for (let i = 0; i < 20; i++) {
			const res = await request('GET', '/api/v1/me', { token: author });
			assert.equal(res.status, 200);
		}
		assert.ok(Date.now() - started < 5000, `20 requests took ${Date.now() - started} ms`);
		const id = (await createEntry(KEY)).id;
		await Promise.all(streams.map((s) => s.waitFor(has([id]))));
	} finally {
		streams.forEach((s) => s.close());
	}
});
