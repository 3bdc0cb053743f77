// Lists: entries (filters, search, keyset paging, new entry), templates, the reviewer's inbox.
import { h, clear, badge, timeEl, notice, labelled } from './dom.js';
import { api, hasRole, all, ApiError } from './api.js';
import { navigate, isMissing } from './main.js';
import { subscribe } from './events.js';
import { STATES, ACTION_LABELS } from './model.js';

function pageHead(title, ...extra) {
	return h('div', { class: 'page-head' }, h('h1', null, title), ...extra);
}

let templatesCache = null;
async function templates() {
	if (!templatesCache)
		templatesCache = all('/templates').catch((e) => {
			templatesCache = null;
			throw e;
		});
	return templatesCache;
}
export function forgetTemplates() {
	templatesCache = null;
}

function sectionStates(sections) {
	return h('ul', { class: 'states' }, Object.entries(sections || {}).map(([k, s]) =>
		h('li', null, h('span', { class: 'sec-key' }, k), ' ', badge(s.state))));
}

// --- entries ------------------------------------------------------------------------------

export async function entriesPage(root, params, query) {
	const tpls = await templates();
	root.appendChild(pageHead('Entries'));

	if (hasRole('author')) {
		const published = tpls.filter((t) => t.published_version !== null && !t.archived);
		const tplSel = h('select', { id: 'new-template', required: true },
			published.map((t) => h('option', { value: t.key }, t.title ? `${t.title} (${t.key})` : t.key)));
		const title = h('input', { id: 'new-title', maxlength: 200, autocomplete: 'off' });
		const msg = h('div', { 'aria-live': 'polite' });
		const btn = h('button', { type: 'submit', disabled: !published.length }, 'Create entry');
		root.appendChild(h('form', { class: 'card new-entry', novalidate: true, 'aria-labelledby': 'new-entry-h', onsubmit: async (ev) => {
			ev.preventDefault();
			clear(msg);
			btn.disabled = true;
			try {
				const body = title.value.trim() ? { title: title.value.trim() } : {};
				const r = await api('POST', `/templates/${encodeURIComponent(tplSel.value)}/entries`, { body });
				navigate(`/entries/${r.json.id}`);
			} catch (e) {
				msg.appendChild(notice('error', e.message));
				btn.disabled = false;
			}
		} },
		h('h2', { id: 'new-entry-h' }, 'New entry'),
		published.length ? null : h('p', { class: 'hint' }, 'No published template yet.'),
		h('div', { class: 'row' }, labelled('Template', tplSel), labelled('Title (optional)', title), h('div', { class: 'actions' }, btn)),
		msg));
	}

	// Filters: kept in the URL, so that a filtered list can be bookmarked and shared.
	const f = {
		q: h('input', { id: 'flt-q', type: 'search', name: 'q', value: query.get('q') || '', placeholder: 'words, prefix*, "a phrase"' }),
		template: h('select', { id: 'flt-template', name: 'template' }, h('option', { value: '' }, 'Any template'),
			tpls.map((t) => h('option', { value: t.key, selected: query.get('template') === t.key }, t.key))),
		state: h('select', { id: 'flt-state', name: 'state' }, h('option', { value: '' }, 'Any state'),
			STATES.map((s) => h('option', { value: s, selected: query.get('state') === s }, s.replace('_', ' ')))),
		section: h('input', { id: 'flt-section', name: 'section', value: query.get('section') || '', autocomplete: 'off' }),
		author: h('input', { id: 'flt-author', name: 'author', value: query.get('author') || '', autocomplete: 'off' }),
	};
	const filters = h('form', { class: 'filters card', role: 'search', 'aria-label': 'Filter entries', onsubmit: (ev) => {
		ev.preventDefault();
		const q = new URLSearchParams();
		for (const [k, el] of Object.entries(f))
			if (el.value.trim())
				q.set(k, el.value.trim());
		navigate(`/entries${q.toString() ? `?${q}` : ''}`);
	} },
	h('div', { class: 'row' },
		h('div', { class: 'grow' }, labelled('Search', f.q)),
		labelled('Template', f.template), labelled('State', f.state),
		labelled('Section', f.section), labelled('Author', f.author),
		h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Apply'))));
	root.appendChild(filters);

	const list = h('tbody');
	const table = h('table', { class: 'list' }, h('caption', { class: 'sr-only' }, 'Entries'),
		h('thead', null, h('tr', null, ['Title', 'Template', 'Sections', 'Created by', 'Updated'].map((x) => h('th', { scope: 'col' }, x)))), list);
	const status = h('p', { class: 'hint', 'aria-live': 'polite' });
	const more = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Load more');
	root.appendChild(h('div', { class: 'table-scroll' }, table));
	root.appendChild(h('div', { class: 'list-foot' }, status, more));

	const filter = {};
	for (const k of Object.keys(f))
		if (query.get(k))
			filter[k] = query.get(k);
	let cursor = null;
	let shown = 0;
	async function load() {
		more.disabled = true;
		try {
			const r = await api('GET', '/entries', { query: { ...filter, limit: 50, cursor } });
			for (const e of r.json.items) {
				list.appendChild(h('tr', null,
					h('td', null, h('a', { href: `/entries/${e.id}` }, e.title || '(untitled)')),
					h('td', null, e.template, h('span', { class: 'muted' }, ` v${e.template_version}`)),
					h('td', null, sectionStates(e.sections)),
					h('td', null, e.created_by),
					h('td', null, timeEl(e.updated_at))));
			}
			shown += r.json.items.length;
			cursor = r.json.next_cursor;
			more.hidden = cursor === null || cursor === undefined;
			status.textContent = shown ? `${shown} ${shown === 1 ? 'entry' : 'entries'}${more.hidden ? '' : ' so far'}` : 'No entries match.';
		} catch (e) {
			status.textContent = '';
			status.after(notice('error', e instanceof ApiError && e.status === 400 && filter.q ? `The search is not understood: ${e.message}` : e.message));
		} finally {
			more.disabled = false;
		}
	}
	more.addEventListener('click', load);
	await load();
}

// --- templates ----------------------------------------------------------------------------

export async function templatesPage(root) {
	forgetTemplates();
	const tpls = await templates();
	root.appendChild(pageHead('Templates', hasRole('designer') ? h('a', { href: '/designer', class: 'button' }, 'New template') : null));
	if (!tpls.length) {
		root.appendChild(h('p', null, 'No templates yet.'));
		return;
	}
	const rows = tpls.map((t) => h('tr', null,
		h('td', null, hasRole('designer') ? h('a', { href: `/designer/${t.key}` }, t.key) : t.key),
		h('td', null, t.title || ''),
		h('td', null, `v${t.latest_version} `, badge(t.latest_status)),
		h('td', null, t.published_version === null ? '—' : `v${t.published_version}`),
		h('td', null, t.archived ? badge('archived') : ''),
		h('td', null, timeEl(t.updated_at)),
		h('td', null, t.published_version !== null ? h('a', { href: `/entries?template=${encodeURIComponent(t.key)}` }, 'Entries') : '')));
	root.appendChild(h('div', { class: 'table-scroll' }, h('table', { class: 'list' },
		h('caption', { class: 'sr-only' }, 'Templates'),
		h('thead', null, h('tr', null, ['Key', 'Title', 'Latest', 'Published', 'State', 'Updated', ''].map((x, i) =>
			h('th', { scope: 'col' }, x || h('span', { class: 'sr-only' }, i === 6 ? 'Links' : ''))))),
		h('tbody', null, rows))));
}

// --- inbox --------------------------------------------------------------------------------

export async function inboxPage(root) {
	const live = h('span', { class: 'live', 'aria-live': 'polite' }, 'connecting…');
	root.appendChild(pageHead('Inbox', live));
	root.appendChild(h('p', { class: 'hint' }, 'The sections you may act on now, oldest waiting first. The list updates by itself.'));
	const box = h('div', { class: 'inbox' });
	root.appendChild(box);

	let loading = null, again = false;
	async function load() {
		if (loading) {
			again = true;
			return;
		}
		loading = (async () => {
			let items;
			try {
				items = await all('/inbox', {}, 5);
			} catch (e) {
				clear(box);
				box.appendChild(notice('error', isMissing(e) ? 'This server has no inbox yet (GET /api/v1/inbox).' : e.message));
				return;
			}
			clear(box);
			if (!items.length) {
				box.appendChild(h('p', { class: 'empty' }, 'Nothing waits for you.'));
				return;
			}
			box.appendChild(h('ul', { class: 'inbox-list' }, items.map((it) => {
				const href = `/entries/${it.entry_id}/${it.section}`;
				return h('li', { class: 'card inbox-item', dataset: { entry: it.entry_id, section: it.section } },
					h('div', { class: 'inbox-main' },
						h('a', { href, class: 'inbox-title' }, it.title || '(untitled)', ' — ', it.section),
						h('div', { class: 'meta' }, badge(it.state), ` ${it.template} · revision ${it.revision} · waiting since `, timeEl(it.waiting_since))),
					h('div', { class: 'inbox-actions' },
						(it.actions || []).map((a) => h('a', { href: `${href}?action=${a}`, class: 'button secondary' }, `${ACTION_LABELS[a] || a}…`))));
			})));
		})();
		await loading;
		loading = null;
		if (again) {
			again = false;
			load();
		}
	}
	await load();

	let timer = null;
	const stop = subscribe((ev) => {
		if (ev.object_type && ev.object_type !== 'entry')
			return;
		clearTimeout(timer);
		timer = setTimeout(load, 250);
	}, { onMode: (m) => { live.textContent = m === 'stream' ? 'Live' : 'Live (polling)'; live.dataset.mode = m; } });
	return () => {
		clearTimeout(timer);
		stop();
	};
}
