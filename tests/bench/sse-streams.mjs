// Holds N Server-Sent Events streams of GET /api/v1/events/stream open (tests/bench/streams.sh).
//   BASE_URL=https://127.0.0.1:8443 TOKEN=... CA=var/keys/tls.crt STREAMS=500 node sse-streams.mjs
// Prints "open N" once every stream has its headers, then one line per second with the number
// still open and the events received, until SIGTERM/SIGINT or SECONDS have passed.
import https from 'node:https';
import { readFileSync } from 'node:fs';

const base = process.env.BASE_URL;
const token = process.env.TOKEN;
const n = Number(process.env.STREAMS || 500);
const seconds = Number(process.env.SECONDS || 120);
const agent = new https.Agent({ ca: readFileSync(process.env.CA), keepAlive: false, maxSockets: Infinity });

let open = 0, events = 0, failed = 0;
const reqs = [];
function one() {
	return new Promise((resolve) => {
		const req = https.request(`${base}/api/v1/events/stream`, {
			agent, headers: { Authorization: `Bearer ${token}`, Accept: 'text/event-stream' },
		}, (res) => {
			if (res.statusCode !== 200 || res.headers['x-events-stream'] !== 'live')
				failed++;
			else
				open++;
			res.setEncoding('utf8');
			res.on('data', (c) => { events += (c.match(/^id: /gm) || []).length; });
			res.on('close', () => { open--; });
			resolve();
		});
		req.on('error', () => { failed++; resolve(); });
		req.end();
		reqs.push(req);
	});
}

const started = Date.now();
for (let i = 0; i < n; i += 50)
	await Promise.all(Array.from({ length: Math.min(50, n - i) }, one));
console.log(`open ${open} failed ${failed} in ${Date.now() - started} ms`);
const timer = setInterval(() => console.log(`still open ${open} events ${events}`), 1000);
const stop = () => {
	clearInterval(timer);
	console.log(`closing: open ${open} events ${events}`);
	reqs.forEach((r) => r.destroy());
	setTimeout(() => process.exit(0), 200);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
setTimeout(stop, seconds * 1000);
