// A Server-Sent Events reader for GET /api/v1/events/stream, as a browser's fetch + stream
// reader would use it: Authorization header, optional Last-Event-ID, events parsed as they
// arrive (id, data as JSON, comments skipped).
import https from 'node:https';
import { BASE_URL, tlsCertificate } from './env.mjs';

let agent;
function sseAgent() {
	// No keep-alive: each stream is its own connection, as an EventSource's would be.
	if (!agent)
		agent = new https.Agent({ ca: tlsCertificate(), keepAlive: false, maxSockets: Infinity });
	return agent;
}

/*
 * Opens the stream; resolves once the response headers are in, to
 * {status, headers, events, ended, text, waitFor(pred, ms), close()}:
 * events [{id, data}] grows as messages arrive; ended is true once the server closed it.
 * options: token, lastEventId, query ('after=5'), path.
 */
export function openStream({ token, lastEventId, query = '', path = '/api/v1/events/stream' } = {}) {
	const headers = { Accept: 'text/event-stream' };
	if (token !== undefined)
		headers.Authorization = `Bearer ${token}`;
	if (lastEventId !== undefined)
		headers['Last-Event-ID'] = String(lastEventId);
	const url = new URL(BASE_URL + path + (query ? `?${query}` : ''));
	return new Promise((resolve, reject) => {
		const req = https.request(url, { method: 'GET', headers, agent: sseAgent() }, (res) => {
			const stream = {
				status: res.statusCode,
				headers: res.headers,
				events: [],
				comments: [],
				ended: false,
				text: '',
				close() {
					req.destroy();
				},
				// Resolves when pred(stream) holds; rejects after ms.
				waitFor(pred, ms = 10000) {
					return new Promise((ok, fail) => {
						const started = Date.now();
						const tick = () => {
							if (pred(stream))
								return ok(stream);
							if (Date.now() - started > ms)
								return fail(new Error(`stream: condition not met in ${ms} ms; ` +
									`${stream.events.length} events, ended=${stream.ended}, last id ` +
									`${stream.events.at(-1)?.id}`));
							setTimeout(tick, 20);
						};
						tick();
					});
				},
			};
			let buf = '';
			res.setEncoding('utf8');
			res.on('data', (chunk) => {
				stream.text += chunk;
				buf += chunk;
				let end;
				while ((end = buf.indexOf('\n\n')) >= 0) {
					const block = buf.slice(0, end);
					buf = buf.slice(end + 2);
					let id, data = [];
					for (const line of block.split('\n')) {
						if (line.startsWith(':'))
							stream.comments.push(line);
						else if (line.startsWith('id:'))
							id = line.slice(3).trim();
						else if (line.startsWith('data:'))
							data.push(line.slice(5).replace(/^ /, ''));
					}
					if (data.length > 0)
						stream.events.push({ id, data: JSON.parse(data.join('\n')) });
				}
			});
			res.on('end', () => { stream.ended = true; });
			res.on('error', () => { stream.ended = true; });
			res.on('close', () => { stream.ended = true; });
			resolve(stream);
		});
		req.on('error', reject);
		req.end();
	});
}

/*
 * Reads the stream the way a client that reconnects does: from lastEventId (or the start),
 * following each finite catch-up answer with a reconnect at the last id it got, until it has
 * reached a live stream (X-Events-Stream: live). Resolves to {events, live} where live is the
 * open live stream (close it when done).
 */
export async function followStream({ token, lastEventId, query }) {
	const events = [];
	let last = lastEventId;
	for (let round = 0; round < 1000; round++) {
		const s = await openStream({ token, lastEventId: last, query: last === lastEventId ? query : '' });
		if (s.status !== 200)
			throw new Error(`stream answered ${s.status}: ${s.text}`);
		if (s.headers['x-events-stream'] === 'live')
			return { events, live: s };
		await s.waitFor((x) => x.ended, 15000);
		events.push(...s.events);
		if (s.events.length > 0)
			last = s.events.at(-1).id;
	}
	throw new Error('followStream: never reached the live stream');
}
