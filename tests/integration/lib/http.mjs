// HTTP(S) requests against the stack. Node's fetch cannot trust one self-signed certificate
// per request, so this uses node:https with the stack's own certificate as the only CA: the
// tests also check that the certificate Nginx serves is the one stack.sh made for 127.0.0.1.
import https from 'node:https';
import http from 'node:http';
import { BASE_URL, tlsCertificate } from './env.mjs';

let agent;
function tlsAgent() {
	if (!agent)
		agent = new https.Agent({ ca: tlsCertificate(), keepAlive: true, maxSockets: 8 });
	return agent;
}

function encodeBody(body, headers) {
	if (body === undefined)
		return undefined;
	if (Buffer.isBuffer(body) || body instanceof Uint8Array)
		return Buffer.from(body);
	if (typeof body === 'string')
		return Buffer.from(body, 'utf8');
	if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
		headers['Content-Type'] = 'application/json';
	return Buffer.from(JSON.stringify(body), 'utf8');
}

/*
 * Sends one request to an absolute URL and resolves to {status, headers, text, json}:
 * headers with lower-case names, json the parsed body when it is JSON (else undefined).
 * options: headers, body (object -> JSON, string or Buffer -> as is), token (Bearer),
 * timeoutMs. Never rejects on an HTTP status; rejects on network errors and timeouts.
 */
export function requestUrl(method, url, { headers = {}, body, token, timeoutMs = 15000 } = {}) {
	const target = new URL(url);
	const hdrs = { ...headers };
	const payload = encodeBody(body, hdrs);
	if (token !== undefined)
		hdrs.Authorization = `Bearer ${token}`;
	if (payload !== undefined)
		hdrs['Content-Length'] = String(payload.length);
	const lib = target.protocol === 'https:' ? https : http;
	const opts = { method, headers: hdrs, timeout: timeoutMs };
	if (lib === https)
		opts.agent = tlsAgent();

	return new Promise((resolve, reject) => {
		let answered = false;
		const req = lib.request(target, opts, (res) => {
			answered = true;
			const chunks = [];
			res.on('data', (c) => chunks.push(c));
			res.on('error', reject);
			res.on('end', () => {
				const text = Buffer.concat(chunks).toString('utf8');
				let json;
				if (/json/.test(res.headers['content-type'] || '')) {
					try {
						json = JSON.parse(text);
					} catch {
						json = undefined;
					}
				}
				resolve({ status: res.statusCode, headers: res.headers, text, json });
			});
		});
		req.on('timeout', () => req.destroy(new Error(`${method} ${url}: no answer in ${timeoutMs} ms`)));
		// A server may answer (413) and close before it has read a large body; once the
		// answer is in, a write error on the rest of the body is expected.
		req.on('error', (err) => {
			if (!answered)
				reject(err);
		});
		if (payload !== undefined)
			req.end(payload);
		else
			req.end();
	});
}

// requestUrl for a path on the stack's HTTPS base URL.
export function request(method, path, options = {}) {
	return requestUrl(method, BASE_URL + path, options);
}
