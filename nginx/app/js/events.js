// Live events: GET /api/v1/events/stream read as Server-Sent Events with fetch and a stream
// reader (EventSource cannot send the bearer token, and a token in the URL would be logged),
// resuming with Last-Event-ID; when the stream endpoint answers 404, long-polls
// GET /api/v1/events?after=&wait=25 instead. subscribe(onEvent) -> stop(). onEvent also gets
// {resync: true} once the feed is followed (events before that moment are not replayed).
import { getToken } from './api.js';

function parseSse(buffer, onMessage) {
	// Events are separated by a blank line; lines are "field: value".
	let idx;
	while ((idx = buffer.search(/\r?\n\r?\n/)) >= 0) {
		const block = buffer.slice(0, idx);
		buffer = buffer.slice(idx + (buffer[idx] === '\r' ? 4 : 2));
		let id = null, data = [], event = 'message';
		for (const line of block.split(/\r?\n/)) {
			if (line.startsWith(':'))
				continue;
			const c = line.indexOf(':');
			const field = c < 0 ? line : line.slice(0, c);
			const value = c < 0 ? '' : line.slice(c + 1).replace(/^ /, '');
			if (field === 'id')
				id = value;
			else if (field === 'data')
				data.push(value);
			else if (field === 'event')
				event = value;
		}
		if (data.length || id !== null)
			onMessage({ id, event, data: data.join('\n') });
	}
	return buffer;
}

export function subscribe(onEvent, { onMode = () => {} } = {}) {
	let stopped = false;
	let lastId = null;
	const ctl = new AbortController();
	const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

	const deliver = (item) => {
		try {
			onEvent(item);
		} catch (e) {
			console.error(e);
		}
	};

	async function stream() {
		const headers = { Accept: 'text/event-stream', Authorization: `Bearer ${getToken()}` };
		if (lastId !== null)
			headers['Last-Event-ID'] = lastId;
		const res = await fetch('/api/v1/events/stream', { headers, signal: ctl.signal, cache: 'no-store' });
		if (res.status === 404 || res.status === 405)
			return 'poll';
		if (res.status === 401)
			return 'stop';
		if (!res.ok || !res.body)
			return 'retry';
		onMode('stream');
		connected = true;
		// Whatever happened between the page's first read and this connection is not in the
		// stream: the caller reads again once.
		deliver({ resync: true });
		const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
		let buf = '';
		for (;;) {
			const { value, done } = await reader.read();
			if (done)
				return 'retry';
			buf = parseSse(buf + value, (m) => {
				if (m.id !== null)
					lastId = m.id;
				if (!m.data)
					return;
				try {
					deliver(JSON.parse(m.data));
				} catch {
					// not JSON: a keep-alive or an event type we do not know
				}
			});
		}
	}

	async function poll() {
		let after = lastId;
		if (after === null) {
			// Start from now: the newest seq the caller may see, found with a few wait=0,
			// limit=1 questions ("is there an event after x?"), doubling then halving.
			const after_ = async (x) => {
				const r = await get(`/api/v1/events?after=${x}&wait=0&limit=1`);
				return r ? r.items.length > 0 : false;
			};
			let lo = 0, step = 1024;
			while (!stopped && step < 2 ** 52 && await after_(lo + step)) {
				lo += step;
				step *= 2;
			}
			let hi = lo + step;
			while (!stopped && hi - lo > 1) {
				const mid = Math.floor((lo + hi) / 2);
				if (await after_(mid))
					lo = mid;
				else
					hi = mid;
			}
			after = String(await after_(lo) ? hi : lo);
		}
		onMode('poll');
		deliver({ resync: true });
		while (!stopped) {
			const r = await get(`/api/v1/events?after=${encodeURIComponent(after)}&wait=25`);
			if (!r) {
				await sleep(2000);
				continue;
			}
			for (const item of r.items)
				deliver(item);
			if (r.next_cursor !== null && r.next_cursor !== undefined)
				after = String(r.next_cursor);
			lastId = after;
			if (!r.items.length)
				await sleep(300);
		}
	}

	async function get(url) {
		try {
			const res = await fetch(url, { headers: { Authorization: `Bearer ${getToken()}`, Accept: 'application/json' }, signal: ctl.signal, cache: 'no-store' });
			if (!res.ok)
				return null;
			return await res.json();
		} catch {
			return null;
		}
	}

	let connected = false;
	(async () => {
		let delay = 500;
		while (!stopped) {
			let next;
			connected = false;
			try {
				next = await stream();
			} catch {
				next = 'retry';
			}
			if (stopped || next === 'stop')
				return;
			if (next === 'poll')
				return poll();
			// A stream that ended after it was up (a finite catch-up, a restart) reconnects at
			// once, from the last id it got; failures back off up to 10 s.
			delay = connected ? 100 : Math.min(delay * 2, 10000);
			await sleep(delay);
		}
	})();

	return () => {
		stopped = true;
		ctl.abort();
	};
}
