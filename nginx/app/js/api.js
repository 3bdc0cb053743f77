// The API client: the bearer token (memory + sessionStorage), JSON requests, problem
// details as ApiError, and what happens when the session expires (401).
//
// The token lives in this tab only: sessionStorage survives a reload but not the tab, is not
// shared with other tabs and is never sent by the browser on its own (no CSRF). It is not in
// localStorage (which outlives the session on shared plant PCs) nor in a cookie a script can
// read. A script injected into the page could still read it, which is why the CSP allows no
// inline or foreign script and the app inserts user data as text only.

const TOKEN_KEY = 'logbook.token';
let token = sessionStorage.getItem(TOKEN_KEY);
let me = null;
let onExpired = () => {};

export class ApiError extends Error {
	constructor(status, problem, headers) {
		super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
		this.status = status;
		this.problem = problem || {};
		this.errors = (problem && Array.isArray(problem.errors)) ? problem.errors : [];
		this.headers = headers;
	}
}

export function hasToken() {
	return !!getToken();
}

// The tab's token: sessionStorage is the truth (it survives a reload), memory the fallback
// when storage is unavailable (a private window with storage blocked).
export function getToken() {
	try {
		return sessionStorage.getItem(TOKEN_KEY) || token;
	} catch {
		return token;
	}
}

export function setToken(t) {
	token = t;
	me = null;
	if (t)
		sessionStorage.setItem(TOKEN_KEY, t);
	else
		sessionStorage.removeItem(TOKEN_KEY);
}

// Called with no arguments when a request answers 401 (the token expired or was revoked).
export function setExpiredHandler(fn) {
	onExpired = fn;
}

/*
 * api('GET', '/entries', {query, body, headers, raw}) -> {status, json, etag, headers}
 * throws ApiError for a status >= 400. raw: returns the Response itself (exports).
 */
export async function api(method, path, { query, body, headers = {}, raw = false, auth = true, signal } = {}) {
	let url = path.startsWith('/') && !path.startsWith('/api/') ? `/api/v1${path}` : path;
	if (query) {
		const q = new URLSearchParams();
		for (const [k, v] of Object.entries(query))
			if (v !== undefined && v !== null && v !== '')
				q.set(k, String(v));
		const s = q.toString();
		if (s)
			url += (url.includes('?') ? '&' : '?') + s;
	}
	const h = { Accept: 'application/json', ...headers };
	const bearer = getToken();
	if (auth && bearer)
		h.Authorization = `Bearer ${bearer}`;
	const init = { method, headers: h, signal, cache: 'no-store' };
	if (body !== undefined) {
		h['Content-Type'] = 'application/json';
		init.body = JSON.stringify(body);
	}
	let res;
	try {
		res = await fetch(url, init);
	} catch (e) {
		if (e.name === 'AbortError')
			throw e;
		throw new ApiError(0, { title: 'Network error', detail: 'The server could not be reached. Check the connection and try again.' });
	}
	if (res.status === 401 && auth && bearer) {
		setToken(null);
		onExpired();
	}
	if (raw && res.ok)
		return res;
	const text = await res.text();
	let json;
	if (text && /json/.test(res.headers.get('content-type') || '')) {
		try {
			json = JSON.parse(text);
		} catch {
			json = undefined;
		}
	}
	if (!res.ok)
		throw new ApiError(res.status, json || { title: res.statusText || `HTTP ${res.status}` }, res.headers);
	return { status: res.status, json, etag: res.headers.get('etag'), headers: res.headers };
}

export async function login(username, password) {
	const r = await api('POST', '/auth/login', { body: { username, password }, auth: false });
	setToken(r.json.access_token);
	return r.json;
}

// GET /me, once per token.
export async function whoami() {
	if (!me)
		me = (await api('GET', '/me')).json;
	return me;
}

export function currentUser() {
	return me;
}

export function hasRole(...roles) {
	if (!me)
		return false;
	return me.roles.includes('admin') || roles.some((r) => me.roles.includes(r));
}

// Every page of a list endpoint (bounded).
export async function all(path, query = {}, maxPages = 20) {
	const items = [];
	let cursor = null;
	for (let i = 0; i < maxPages; i++) {
		const r = await api('GET', path, { query: { ...query, limit: 500, cursor } });
		items.push(...r.json.items);
		cursor = r.json.next_cursor;
		if (cursor === null || cursor === undefined)
			break;
	}
	return items;
}
