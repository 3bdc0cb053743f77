// The designer (a template's JSON with a live preview of its forms, create / save draft,
// the dry-run plan, publish) and the auditor's page (the trail with filters, chain
// verification, exports).
import { h, clear, badge, timeEl, notice, labelled, download } from './dom.js';
import { api, hasRole, ApiError } from './api.js';
import { sectionForm } from './form.js';
import { navigate } from './main.js';
import { forgetTemplates } from './pages.js';
import { diffJson } from './entry.js';

const STARTER = {
	key: 'shift_log',
	title: 'Shift log',
	description: 'One shift of the plant',
	sections: [{
		key: 'readings',
		title: 'Readings',
		fields: [
			{ key: 'operator', label: 'Operator', type: 'text', required: true, max_length: 80 },
			{ key: 'temperature', label: 'Temperature (°C)', type: 'decimal', min: -50, max: 120, help: 'At the main inlet' },
			{ key: 'shift', label: 'Shift', type: 'choice', choices: ['early', 'late', 'night'] },
		],
		tables: [{ key: 'checks', label: 'Checks', min_rows: 0, max_rows: 20, columns: [
			{ key: 'item', label: 'Item', type: 'text', required: true },
			{ key: 'ok', label: 'OK', type: 'boolean' },
		] }],
	}],
};

// The members a designer writes (the rest of a version is metadata).
const DEF_MEMBERS = ['key', 'title', 'description', 'sections', 'workflow', 'signatures', 'reason_for_change'];

function errorList(errors) {
	return h('ul', { class: 'def-errors' }, errors.map((e) => h('li', null, h('code', null, e.path || '(template)'), ' ', e.message)));
}

export async function designerPage(root, [key]) {
	if (!hasRole('designer')) {
		root.appendChild(h('h1', null, 'Designer'));
		root.appendChild(notice('warn', 'The designer needs the designer role.'));
		return;
	}
	let tpl = null, etag = null;
	if (key) {
		const r = await api('GET', `/templates/${encodeURIComponent(key)}`);
		tpl = r.json;
		etag = tpl.etag || r.etag;
	}
	const def = tpl ? Object.fromEntries(DEF_MEMBERS.filter((k) => tpl[k] !== undefined).map((k) => [k, tpl[k]])) : STARTER;

	const headMeta = h('p', { class: 'meta', 'aria-live': 'polite' });
	const showHead = () => {
		clear(headMeta);
		if (tpl)
			headMeta.append(`latest version ${tpl.version} `, badge(tpl.status),
				tpl.versions ? ` · ${tpl.versions.map((v) => `v${v.version} ${v.status}`).join(', ')}` : '');
	};
	showHead();
	root.appendChild(h('div', { class: 'page-head' }, h('h1', null, tpl ? `Designer: ${tpl.key}` : 'New template'), headMeta));

	const messages = h('div', { class: 'messages', 'aria-live': 'polite', tabindex: '-1' });
	const say = (kind, ...text) => {
		clear(messages);
		if (text.length)
			messages.appendChild(notice(kind, ...text));
	};
	const text = h('textarea', { id: 'def-json', class: 'code', rows: 28, spellcheck: 'false', autocomplete: 'off', 'aria-describedby': 'def-json-state' });
	text.value = JSON.stringify(def, null, 2);
	const parseState = h('p', { id: 'def-json-state', class: 'hint', 'aria-live': 'polite' });
	const preview = h('div', { class: 'preview' });
	const plan = h('div', { class: 'plan' });

	const parse = () => {
		try {
			const v = JSON.parse(text.value);
			parseState.textContent = 'Valid JSON.';
			parseState.classList.remove('bad');
			return v;
		} catch (e) {
			parseState.textContent = `Not valid JSON: ${e.message}`;
			parseState.classList.add('bad');
			return null;
		}
	};
	const renderPreview = () => {
		const v = parse();
		if (!v)
			return;
		clear(preview);
		preview.appendChild(h('h2', null, 'Preview'));
		if (v.title)
			preview.appendChild(h('p', { class: 'preview-title' }, v.title));
		for (const s of Array.isArray(v.sections) ? v.sections : []) {
			try {
				preview.appendChild(h('fieldset', { class: 'preview-section' }, h('legend', null, s.title || s.key || '(section)'), sectionForm(s, null).el));
			} catch (e) {
				preview.appendChild(notice('error', `Section ${s.key}: ${e.message}`));
			}
		}
	};
	let timer = null;
	text.addEventListener('input', () => {
		clearTimeout(timer);
		timer = setTimeout(renderPreview, 200);
	});

	const busy = (on) => root.querySelectorAll('.designer-actions button').forEach((b) => { b.disabled = on; });
	const failed = (what, e) => {
		if (e instanceof ApiError && e.errors.length)
			say('error', `${what}: ${e.errors.length} ${e.errors.length === 1 ? 'error' : 'errors'} in the definition.`, errorList(e.errors));
		else
			say('error', `${what}: ${e.message}`);
		messages.focus();
	};

	async function saveDef() {
		const v = parse();
		if (!v)
			return say('error', 'Fix the JSON first.');
		busy(true);
		try {
			if (!tpl) {
				await api('POST', '/templates', { body: v });
				forgetTemplates();
				navigate(`/designer/${v.key}`);
				return;
			}
			const r = await api('PUT', `/templates/${encodeURIComponent(tpl.key)}/draft`, { body: v, headers: { 'If-Match': etag } });
			etag = r.etag || (r.json && r.json.etag) || etag;
			const fresh = await api('GET', `/templates/${encodeURIComponent(tpl.key)}`);
			tpl = fresh.json;
			etag = tpl.etag || fresh.etag;
			showHead();
			say('ok', `Draft saved as version ${tpl.version}.`);
		} catch (e) {
			if (e.status === 412)
				say('warn', 'Someone else changed this template since you opened it. Copy your JSON, reload the page and apply your change again.');
			else
				failed(tpl ? 'Not saved' : 'Not created', e);
		} finally {
			busy(false);
		}
	}

	async function dryRun() {
		clear(plan);
		if (!tpl || tpl.status !== 'draft')
			return say('info', 'Save a draft first: publishing applies to a draft version.');
		busy(true);
		try {
			const r = await api('POST', `/templates/${encodeURIComponent(tpl.key)}/versions/${tpl.version}/publish`, { query: { dry_run: 'true' } });
			const p = r.json;
			plan.appendChild(h('h2', null, `Publishing version ${tpl.version} would do`));
			plan.appendChild(p.operations.length ? h('ol', { class: 'ops' }, p.operations.map((o) => h('li', null,
				h('span', { class: 'op-kind' }, o.kind), ' ', o.description, o.checks_existing_rows ? h('span', { class: 'muted' }, ' (checks existing rows)') : null,
				h('pre', { class: 'sql' }, o.sql)))) : h('p', null, 'No change to the tables.'));
			if (p.conflicts.length) {
				plan.appendChild(h('h3', null, 'Conflicts with existing rows'));
				plan.appendChild(h('ul', { class: 'conflicts' }, p.conflicts.map((c) => h('li', null, `${c.operation}: ${c.count} ${c.count === 1 ? 'row' : 'rows'} (${c.kind})`,
					c.example_entries.length ? h('span', null, ' e.g. ', c.example_entries.map((id, i) => [i ? ', ' : '', h('a', { href: `/entries/${id}` }, id.slice(0, 8))])) : null))));
				say('warn', 'The change conflicts with existing rows: publishing would be refused.');
			} else {
				plan.appendChild(h('button', { type: 'button', class: 'primary', onclick: publish }, `Publish version ${tpl.version}`));
				say('info', 'No conflicts: you can publish.');
			}
		} catch (e) {
			failed('Dry run failed', e);
		} finally {
			busy(false);
		}
	}

	async function publish() {
		try {
			await api('POST', `/templates/${encodeURIComponent(tpl.key)}/versions/${tpl.version}/publish`);
			forgetTemplates();
			clear(plan);
			const fresh = await api('GET', `/templates/${encodeURIComponent(tpl.key)}`);
			tpl = fresh.json;
			etag = tpl.etag || fresh.etag;
			showHead();
			say('ok', `Version ${tpl.version} is published.`);
			messages.focus();
		} catch (e) {
			failed('Not published', e);
		}
	}

	root.appendChild(messages);
	root.appendChild(h('div', { class: 'designer' },
		h('div', { class: 'editor' },
			labelled('Template definition (JSON)', text), parseState,
			h('div', { class: 'actions designer-actions' },
				h('button', { type: 'button', class: 'primary', onclick: saveDef }, tpl ? 'Save draft' : 'Create template'),
				tpl ? h('button', { type: 'button', class: 'secondary', onclick: dryRun }, 'Check publish (dry run)') : null),
			plan),
		preview));
	renderPreview();
}

// --- audit --------------------------------------------------------------------------------

export async function auditPage(root, params, query) {
	root.appendChild(h('div', { class: 'page-head' }, h('h1', null, 'Audit trail')));
	if (!hasRole('auditor')) {
		root.appendChild(notice('warn', 'The audit trail needs the auditor role.'));
		return;
	}
	const names = ['object_type', 'object_id', 'actor', 'action', 'from', 'to'];
	const labels = { object_type: 'Object type', object_id: 'Object id', actor: 'Actor', action: 'Action', from: 'From', to: 'To' };
	const inputs = {};
	for (const n of names) {
		if (n === 'object_type')
			inputs[n] = h('select', { id: `au-${n}` }, ['', 'template', 'entry', 'followup', 'user', 'session'].map((v) =>
				h('option', { value: v, selected: query.get(n) === v }, v || 'Any')));
		else
			inputs[n] = h('input', { id: `au-${n}`, type: n === 'from' || n === 'to' ? 'datetime-local' : 'text', step: n === 'from' || n === 'to' ? 1 : null, autocomplete: 'off' });
		if (n !== 'object_type' && query.get(n))
			inputs[n].value = n === 'from' || n === 'to' ? query.get(n).replace(/Z$/, '').slice(0, 19) : query.get(n);
	}
	const filterValues = () => {
		const q = {};
		for (const n of names) {
			const v = inputs[n].value.trim();
			if (v)
				q[n] = n === 'from' || n === 'to' ? new Date(v).toISOString() : v;
		}
		return q;
	};
	root.appendChild(h('form', { class: 'filters card', role: 'search', 'aria-label': 'Filter the audit trail', onsubmit: (ev) => {
		ev.preventDefault();
		const q = new URLSearchParams(filterValues());
		navigate(`/audit${q.toString() ? `?${q}` : ''}`);
	} }, h('div', { class: 'row' }, names.map((n) => labelled(labels[n], inputs[n])), h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Apply')))));

	const verifyOut = h('div', { 'aria-live': 'polite' });
	const exportMsg = h('span', { 'aria-live': 'polite' });
	const exporter = (format) => async () => {
		exportMsg.textContent = 'Exporting…';
		try {
			const res = await api('GET', '/audit/export', { query: { ...filterValues(), format }, raw: true, headers: { Accept: format === 'csv' ? 'text/csv' : 'application/x-ndjson' } });
			const blob = await res.blob();
			download(blob, `audit-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, '')}.${format}`);
			exportMsg.textContent = `Exported ${blob.size} bytes.`;
		} catch (e) {
			exportMsg.textContent = `Export failed: ${e.message}`;
		}
	};
	root.appendChild(h('div', { class: 'card tools' },
		h('div', { class: 'actions' },
			h('button', { type: 'button', class: 'secondary', onclick: async () => {
				clear(verifyOut);
				try {
					const r = (await api('GET', '/audit/verify')).json;
					verifyOut.appendChild(r.ok
						? notice('ok', `Chain verified: ${r.checked} rows checked, head #${r.head_seq ?? ''} ${String(r.head).slice(0, 16)}…`)
						: notice('error', `Chain broken at #${r.first_bad_seq}: ${r.reason || 'hash mismatch'} (${r.checked} rows checked).`));
				} catch (e) {
					verifyOut.appendChild(notice('error', e.message));
				}
			} }, 'Verify the chain'),
			h('button', { type: 'button', class: 'secondary', onclick: exporter('jsonl') }, 'Export JSON Lines'),
			h('button', { type: 'button', class: 'secondary', onclick: exporter('csv') }, 'Export CSV'),
			exportMsg),
		verifyOut));

	const body = h('tbody');
	const status = h('p', { class: 'hint', 'aria-live': 'polite' });
	const more = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Load more');
	root.appendChild(h('div', { class: 'table-scroll' }, h('table', { class: 'list audit' }, h('caption', { class: 'sr-only' }, 'Audit rows'),
		h('thead', null, h('tr', null, ['#', 'At', 'Actor', 'Action', 'Object', 'Change'].map((x) => h('th', { scope: 'col' }, x)))), body)));
	root.appendChild(h('div', { class: 'list-foot' }, status, more));
	const q = {};
	for (const n of names)
		if (query.get(n))
			q[n] = query.get(n);
	let cursor = null, count = 0;
	async function load() {
		try {
			const r = await api('GET', '/audit', { query: { ...q, limit: 100, cursor } });
			for (const row of r.json.items) {
				const changes = diffJson(row.before, row.after);
				body.appendChild(h('tr', null,
					h('td', null, String(row.seq)), h('td', null, timeEl(row.at)), h('td', null, row.actor), h('td', null, row.action),
					h('td', null, row.object_type, ' ', row.object_type === 'entry' ? h('a', { href: `/entries/${row.object_id}${row.section ? `/${row.section}` : ''}` }, row.object_id.slice(0, 8)) : row.object_id, row.section ? ` / ${row.section}` : ''),
					h('td', { class: 'changes' }, changes.length ? h('details', null, h('summary', null, `${changes.length} ${changes.length === 1 ? 'value' : 'values'}`),
						h('ul', null, changes.slice(0, 30).map((c) => h('li', null, h('code', null, c.what), ': ', h('del', null, c.before), ' → ', h('ins', null, c.after))))) : '')));
			}
			count += r.json.items.length;
			cursor = r.json.next_cursor;
			more.hidden = cursor === null || cursor === undefined;
			status.textContent = count ? `${count} rows${more.hidden ? '' : ' so far'}` : 'No audit rows match.';
		} catch (e) {
			status.textContent = e.message;
		}
	}
	more.addEventListener('click', load);
	await load();
}
