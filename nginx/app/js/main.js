// The app shell: the router (History API; Nginx answers index.html for the app's paths),
// the header with the navigation, the login page and session expiry.
import { h, clear, notice } from './dom.js';
import { api, login, hasToken, setToken, whoami, hasRole, setExpiredHandler, currentUser, ApiError } from './api.js';
import { entriesPage, templatesPage, inboxPage } from './pages.js';
import { entryPage } from './entry.js';
import { designerPage, auditPage } from './admin.js';

const main = document.getElementById('main');
const top = document.getElementById('top');
let cleanup = null;
let expiredMessage = null;

const routes = [
	[/^\/login$/, loginPage, { public: true }],
	[/^\/$/, () => navigate('/entries', { replace: true })],
	[/^\/entries$/, entriesPage],
	[/^\/entries\/([0-9a-fA-F-]{36})(?:\/([a-z][a-z0-9_]*))?$/, entryPage],
	[/^\/inbox$/, inboxPage],
	[/^\/templates$/, templatesPage],
	[/^\/designer(?:\/([a-z][a-z0-9_]*))?$/, designerPage],
	[/^\/audit$/, auditPage],
];

export function navigate(path, { replace = false } = {}) {
	if (replace)
		history.replaceState(null, '', path);
	else
		history.pushState(null, '', path);
	render();
}

// A link that the router follows without reloading.
export function link(href, ...children) {
	return h('a', { href }, ...children);
}

document.addEventListener('click', (ev) => {
	const a = ev.target.closest && ev.target.closest('a[href]');
	if (!a || a.target || a.hasAttribute('download') || ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey)
		return;
	const url = new URL(a.href, location.href);
	if (url.origin !== location.origin || url.pathname.startsWith('/api/') || a.getAttribute('href').startsWith('#'))
		return;
	ev.preventDefault();
	navigate(url.pathname + url.search);
});
window.addEventListener('popstate', () => render());

setExpiredHandler(() => {
	// The page's unsaved input is already in sessionStorage (see entry.js); after the login,
	// the same page opens again and restores it.
	expiredMessage = 'Your session has expired. Log in again to continue; your unsaved input is kept.';
	const back = location.pathname + location.search;
	if (location.pathname !== '/login')
		navigate(`/login?next=${encodeURIComponent(back)}`, { replace: true });
});

function header() {
	clear(top);
	const me = currentUser();
	const brand = h('a', { href: '/entries', class: 'brand' }, 'Logbook');
	if (!me) {
		top.appendChild(h('div', { class: 'bar' }, brand));
		return;
	}
	const items = [['/entries', 'Entries'], ['/inbox', 'Inbox'], ['/templates', 'Templates']];
	if (hasRole('designer'))
		items.push(['/designer', 'Designer']);
	if (hasRole('auditor'))
		items.push(['/audit', 'Audit']);
	const here = location.pathname;
	const nav = h('nav', { 'aria-label': 'Main' }, h('ul', null, items.map(([href, label]) =>
		h('li', null, h('a', { href, 'aria-current': here === href || here.startsWith(`${href}/`) ? 'page' : null }, label)))));
	const who = h('div', { class: 'who' },
		h('span', { class: 'user', title: me.roles.join(', ') }, me.name || me.sub),
		h('button', { type: 'button', class: 'link', onclick: logout }, 'Log out'));
	top.appendChild(h('div', { class: 'bar' }, brand, nav, who));
}

function logout() {
	setToken(null);
	for (const k of Object.keys(sessionStorage))
		if (k.startsWith('logbook.'))
			sessionStorage.removeItem(k);
	expiredMessage = null;
	navigate('/login', { replace: true });
}

async function render() {
	if (cleanup) {
		try {
			cleanup();
		} catch {
			// ignore
		}
		cleanup = null;
	}
	const path = location.pathname;
	const query = new URLSearchParams(location.search);
	let match = null;
	for (const [re, page, opts] of routes) {
		const m = re.exec(path);
		if (m) {
			match = { page, params: m.slice(1), opts: opts || {} };
			break;
		}
	}
	if (!match)
		match = { page: notFoundPage, params: [], opts: {} };
	if (!match.opts.public && !hasToken()) {
		navigate(`/login?next=${encodeURIComponent(path + location.search)}`, { replace: true });
		return;
	}
	if (hasToken()) {
		try {
			await whoami();
		} catch (e) {
			if (!(e instanceof ApiError && e.status === 401))
				console.error(e);
			if (!hasToken())
				return;
		}
	}
	header();
	clear(main);
	try {
		const out = await match.page(main, match.params, query);
		if (typeof out === 'function')
			cleanup = out;
	} catch (e) {
		if (e instanceof ApiError && e.status === 401)
			return;
		clear(main);
		main.appendChild(h('h1', { tabindex: '-1' }, 'Something went wrong'));
		main.appendChild(notice('error', e.message || String(e)));
		console.error(e);
	}
	const h1 = main.querySelector('h1');
	if (h1) {
		h1.setAttribute('tabindex', '-1');
		document.title = `${h1.textContent} · Logbook`;
		if (document.activeElement === document.body || !main.contains(document.activeElement))
			h1.focus({ preventScroll: true });
	}
}
export { render };

function loginPage(root, params, query) {
	if (hasToken()) {
		navigate(query.get('next') || '/entries', { replace: true });
		return;
	}
	const user = h('input', { id: 'login-user', name: 'username', autocomplete: 'username', required: true });
	const pass = h('input', { id: 'login-pass', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
	const msg = h('div', { class: 'messages', 'aria-live': 'polite' });
	if (expiredMessage)
		msg.appendChild(notice('warn', expiredMessage));
	const button = h('button', { type: 'submit' }, 'Log in');
	const form = h('form', { class: 'login card', novalidate: true, onsubmit: async (ev) => {
		ev.preventDefault();
		clear(msg);
		if (!user.value || !pass.value) {
			msg.appendChild(notice('error', 'Enter your user name and password.'));
			(user.value ? pass : user).focus();
			return;
		}
		button.disabled = true;
		try {
			await login(user.value, pass.value);
			expiredMessage = null;
			const next = query.get('next');
			navigate(next && next.startsWith('/') && !next.startsWith('//') ? next : '/entries', { replace: true });
		} catch (e) {
			const text = e.status === 401 ? 'Wrong user name or password.'
				: e.status === 429 ? `Too many attempts. Try again in ${e.headers?.get('retry-after') || 'a few'} seconds.`
					: e.message;
			msg.appendChild(notice('error', text));
			pass.value = '';
			pass.focus();
		} finally {
			button.disabled = false;
		}
	} },
	h('h1', null, 'Log in to Logbook'),
	msg,
	h('div', { class: 'field' }, h('label', { for: 'login-user' }, 'User name'), user),
	h('div', { class: 'field' }, h('label', { for: 'login-pass' }, 'Password'), pass),
	h('div', { class: 'actions' }, button));
	root.appendChild(h('div', { class: 'center' }, form));
	setTimeout(() => user.focus(), 0);
}

function notFoundPage(root) {
	root.appendChild(h('h1', null, 'Page not found'));
	root.appendChild(h('p', null, 'There is no page at this address. ', h('a', { href: '/entries' }, 'Go to the entries'), '.'));
}

// An API that is not there yet answers 404 (e.g. GET /inbox on an older server).
export function isMissing(e) {
	return e instanceof ApiError && (e.status === 404 || e.status === 405);
}

render();
void api;
