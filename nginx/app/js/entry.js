// One entry: its sections as forms generated from the template version, save with If-Match
// (412: who changed it, reload), the workflow actions the caller may take, and the timeline
// (history of saves and transitions, the audit trail for auditors) with before/after diffs.
import { h, clear, badge, timeEl, notice, newId } from './dom.js';
import { api, hasRole, currentUser, all, ApiError } from './api.js';
import { sectionForm } from './form.js';
import { templateVersion, allowedActions, reasonRequired, signatureMeaning, ACTION_LABELS } from './model.js';

const unsavedKey = (id, sec) => `logbook.unsaved.${id}.${sec}`;
let keepCurrent = () => {};
window.addEventListener('pagehide', () => keepCurrent());

export async function entryPage(root, [id, secParam], query) {
	let flash = null;
	const render = async (message) => {
		flash = message || null;
		const entry = (await api('GET', `/entries/${id}`)).json;
		const tpl = await templateVersion(entry.template, entry.template_version);
		const sectionKey = secParam && tpl.sections.some((s) => s.key === secParam) ? secParam : tpl.sections[0].key;
		const histRes = await api('GET', `/entries/${id}/sections/${sectionKey}/history`);
		const history = histRes.json.items || [];
		clear(root);
		root.appendChild(h('div', { class: 'page-head' },
			h('h1', null, entry.title || '(untitled entry)'),
			h('p', { class: 'meta' }, `${tpl.title || tpl.key} · version ${entry.template_version} · created by ${entry.created_by} · `, timeEl(entry.created_at))));
		root.appendChild(h('nav', { class: 'sections', 'aria-label': 'Sections' }, h('ul', null, tpl.sections.map((s) => {
			const st = entry.sections[s.key];
			return h('li', null, h('a', { href: `/entries/${id}/${s.key}`, 'aria-current': s.key === sectionKey ? 'page' : null },
				h('span', null, s.title || s.key), ' ', st ? badge(st.state) : null));
		}))));
		const def = tpl.sections.find((s) => s.key === sectionKey);
		root.appendChild(sectionPanel({ entry, tpl, def, section: entry.sections[sectionKey], history, render, flash, query }));
	};
	await render();
}

function sectionPanel({ entry, tpl, def, section, history, render, flash, query }) {
	const id = entry.id;
	const me = currentUser();
	const editable = section.state === 'draft' && hasRole('author');
	const messages = h('div', { class: 'messages', 'aria-live': 'polite', tabindex: '-1' });
	const panel = h('section', { class: 'card section-panel', 'aria-labelledby': 'sec-title' });
	panel.appendChild(h('div', { class: 'section-head' },
		h('h2', { id: 'sec-title' }, def.title || def.key),
		h('p', { class: 'meta' }, badge(section.state), ` revision ${section.revision} · last change by ${section.updated_by || '—'} · `, timeEl(section.updated_at))));
	panel.appendChild(messages);
	const say = (kind, ...text) => {
		clear(messages);
		if (text.length)
			messages.appendChild(notice(kind, ...text));
	};
	if (flash)
		say(flash.kind, flash.text);

	// Unsaved input of this section (kept across reloads and a session expiry), restored when
	// the section has not changed since.
	let snapshot = null;
	try {
		snapshot = JSON.parse(sessionStorage.getItem(unsavedKey(id, def.key)) || 'null');
	} catch {
		snapshot = null;
	}
	if (snapshot && (snapshot.etag !== section.etag || !editable)) {
		sessionStorage.removeItem(unsavedKey(id, def.key));
		snapshot = null;
	}

	let dirty = !!snapshot;
	let persistTimer = null;
	const persist = () => {
		dirty = true;
		clearTimeout(persistTimer);
		persistTimer = setTimeout(keep, 200);
	};
	const keep = () => {
		if (dirty)
			sessionStorage.setItem(unsavedKey(id, def.key), JSON.stringify({ etag: section.etag, value: form.value(), reason: reasonInput.value }));
	};
	// A reload or a closed tab keeps what was typed.
	keepCurrent = keep;

	const t0 = performance.now();
	const form = sectionForm(def, snapshot ? snapshot.value : section, { readOnly: !editable, onChange: persist });
	const formEl = h('form', { class: 'entry-form', novalidate: true, 'aria-labelledby': 'sec-title', onsubmit: (ev) => { ev.preventDefault(); save(); } }, form.el);
	panel.appendChild(formEl);
	if (snapshot)
		say('info', 'Your unsaved input was restored. ', h('button', { type: 'button', class: 'link', onclick: () => {
			sessionStorage.removeItem(unsavedKey(id, def.key));
			render();
		} }, 'Discard it'));

	// Reason for change: asked when the template requires one (or the server says so).
	const reasonId = newId('reason');
	const reasonInput = h('textarea', { id: reasonId, rows: 2, maxlength: 500, 'aria-describedby': `${reasonId}-err`, oninput: persist });
	if (snapshot && snapshot.reason)
		reasonInput.value = snapshot.reason;
	const reasonErr = h('p', { class: 'error', id: `${reasonId}-err`, hidden: true });
	const reasonBox = h('div', { class: 'field reason', hidden: !(editable && reasonRequired(tpl, section)) },
		h('label', { for: reasonId }, 'Reason for change', h('span', { class: 'req', title: 'required' }, ' *')), reasonInput,
		h('p', { class: 'hint' }, 'This revision reopens signed-off work: say why it changes.'), reasonErr);
	formEl.appendChild(reasonBox);

	// Workflow.
	const { actions, denied, submitter } = allowedActions(tpl, section, history);
	const commentId = newId('comment');
	const comment = h('textarea', { id: commentId, rows: 2, maxlength: 2000, 'aria-describedby': `${commentId}-err` });
	const commentErr = h('p', { class: 'error', id: `${commentId}-err`, hidden: true });
	const needsComment = actions.some((a) => a !== 'submit');
	const sigActions = actions.filter((a) => signatureMeaning(tpl, a));
	const sigId = newId('sig');
	const sigInput = h('input', { id: sigId, type: 'password', autocomplete: 'current-password' });
	const buttons = h('div', { class: 'actions workflow' });
	const busy = (on) => {
		for (const b of panel.querySelectorAll('.actions button'))
			b.disabled = on;
	};

	if (editable)
		buttons.appendChild(h('button', { type: 'submit', class: 'primary', dataset: { action: 'save' }, onclick: (ev) => { ev.preventDefault(); save(); } }, 'Save draft'));
	for (const a of actions)
		buttons.appendChild(h('button', { type: 'button', class: a === 'reject' ? 'danger' : a === 'approve' || (a === 'submit' && !editable) ? 'primary' : 'secondary', dataset: { action: a }, onclick: () => transition(a) }, ACTION_LABELS[a] || a));
	const wfBox = h('div', { class: 'workflow-box' });
	if (needsComment)
		wfBox.appendChild(h('div', { class: 'field' }, h('label', { for: commentId }, 'Comment', actions.includes('reject') ? h('span', { class: 'hint-inline' }, ' (required to reject)') : null), comment, commentErr));
	if (sigActions.length)
		wfBox.appendChild(h('div', { class: 'field' }, h('label', { for: sigId }, 'Your password, to sign'), sigInput,
			h('p', { class: 'hint' }, `Electronic signature for: ${sigActions.map((a) => `${ACTION_LABELS[a]} (“${signatureMeaning(tpl, a)}”)`).join(', ')}.`)));
	wfBox.appendChild(buttons);
	if (denied.start_review === 'separation' || denied.approve === 'separation' || denied.reject === 'separation')
		wfBox.appendChild(h('p', { class: 'sod note' }, 'You submitted this revision, so someone else reviews and approves it (separation of duties).'));
	else if (!actions.length && !editable)
		wfBox.appendChild(h('p', { class: 'hint' }, section.state === 'approved' ? 'Approved: this section is final.' : 'Nothing for you to do on this section now.'));
	if (submitter && section.state !== 'draft')
		wfBox.appendChild(h('p', { class: 'hint' }, `Submitted by ${submitter}.`));
	panel.appendChild(wfBox);

	// Timeline.
	panel.appendChild(timeline(entry, def, history));

	// The render time of the form, in the page (the browser tests read it).
	requestAnimationFrame(() => {
		const ms = performance.now() - t0;
		formEl.dataset.renderMs = ms.toFixed(1);
		try {
			performance.measure('section-form', { start: t0, duration: form.renderMs });
		} catch {
			// older browsers
		}
	});

	if (query && query.get('action')) {
		const b = buttons.querySelector(`[data-action="${query.get('action')}"]`);
		setTimeout(() => (query.get('action') === 'reject' ? comment : b || buttons)?.focus(), 0);
	}

	function setFieldError(el, errEl, text) {
		errEl.textContent = text || '';
		errEl.hidden = !text;
		if (text)
			el.setAttribute('aria-invalid', 'true');
		else
			el.removeAttribute('aria-invalid');
	}

	async function conflict() {
		const fresh = (await api('GET', `/entries/${id}`)).json.sections[def.key];
		say('warn', h('strong', null, 'This section was changed by someone else. '),
			`${fresh.updated_by} saved it at `, timeEl(fresh.updated_at), ` (now ${fresh.state.replace('_', ' ')}, revision ${fresh.revision}). Your input is kept here and was not saved. `,
			h('button', { type: 'button', class: 'secondary', onclick: () => {
				sessionStorage.removeItem(unsavedKey(id, def.key));
				render({ kind: 'info', text: 'Reloaded the latest version.' });
			} }, 'Reload the latest version'));
		messages.focus();
	}

	async function save({ quiet = false } = {}) {
		keep();
		form.clearErrors();
		setFieldError(reasonInput, reasonErr, '');
		const body = form.value();
		if (!reasonBox.hidden) {
			if (!reasonInput.value.trim()) {
				setFieldError(reasonInput, reasonErr, 'A reason is required for this change.');
				reasonInput.focus();
				return false;
			}
			body.reason = reasonInput.value.trim();
		}
		// The browser's own checks show at once; the server has the last word (its 422).
		const local = form.validate();
		if (local.length)
			form.showErrors(local);
		busy(true);
		try {
			await api('PUT', `/entries/${id}/sections/${def.key}`, { body, headers: { 'If-Match': section.etag } });
			dirty = false;
			sessionStorage.removeItem(unsavedKey(id, def.key));
			if (!quiet)
				await render({ kind: 'ok', text: 'Draft saved.' });
			return true;
		} catch (e) {
			busy(false);
			if (!(e instanceof ApiError))
				throw e;
			if (e.status === 422) {
				const loose = form.showErrors(e.errors.filter((x) => x.path !== 'reason'));
				const r = e.errors.find((x) => x.path === 'reason');
				if (r) {
					reasonBox.hidden = false;
					setFieldError(reasonInput, reasonErr, r.message);
				}
				say('error', `Not saved: ${e.errors.length} ${e.errors.length === 1 ? 'value needs' : 'values need'} attention.`,
					loose.length ? h('ul', null, loose.filter((x) => x.path !== 'reason').map((x) => h('li', null, `${x.path}: ${x.message}`))) : null);
				if (r && e.errors.length === 1)
					reasonInput.focus();
				else
					form.focusFirstError();
			} else if (e.status === 412) {
				await conflict();
			} else if (e.status === 409) {
				say('warn', 'This section is no longer a draft, so it cannot be saved. ', h('button', { type: 'button', class: 'secondary', onclick: () => render() }, 'Reload'));
				messages.focus();
			} else if (e.status !== 401) {
				say('error', `Not saved: ${e.message}`);
				messages.focus();
			}
			return false;
		}
	}

	async function transition(action) {
		setFieldError(comment, commentErr, '');
		if (action === 'reject' && !comment.value.trim()) {
			setFieldError(comment, commentErr, 'A comment is required to reject.');
			comment.focus();
			return;
		}
		let etag = section.etag;
		if (action === 'submit' && editable && dirty) {
			if (!(await save({ quiet: true })))
				return;
			etag = (await api('GET', `/entries/${id}`)).json.sections[def.key].etag;
		}
		const body = { action };
		if (comment.value.trim() && action !== 'submit')
			body.comment = comment.value.trim();
		if (signatureMeaning(tpl, action)) {
			if (!sigInput.value) {
				say('error', 'Enter your password to sign.');
				sigInput.focus();
				return;
			}
			body.signature = { password: sigInput.value };
		}
		busy(true);
		try {
			const r = await api('POST', `/entries/${id}/sections/${def.key}/transitions`, { body, headers: { 'If-Match': etag } });
			sessionStorage.removeItem(unsavedKey(id, def.key));
			const done = { submit: 'Submitted for review.', start_review: 'Review started.', approve: 'Approved.', reject: 'Rejected; the author can reopen it.', reopen: 'Reopened as a new revision.' };
			await render({ kind: 'ok', text: `${done[action] || 'Done.'} The section is now ${r.json.state.replace('_', ' ')}.` });
		} catch (e) {
			busy(false);
			if (!(e instanceof ApiError))
				throw e;
			if (e.status === 412)
				await conflict();
			else if (e.status === 422) {
				const c = e.errors.find((x) => x.path === 'comment');
				if (c)
					setFieldError(comment, commentErr, c.message);
				say('error', e.errors.map((x) => `${x.path}: ${x.message}`).join('; ') || e.message);
				if (action === 'submit')
					form.showErrors(e.errors);
			} else if (e.status !== 401) {
				say('error', `${ACTION_LABELS[action]} failed: ${e.message}`);
				messages.focus();
			}
		}
	}

	return panel;
}

// --- timeline -----------------------------------------------------------------------------

function show(v) {
	if (v === null || v === undefined)
		return '—';
	if (typeof v === 'object')
		return JSON.stringify(v);
	return String(v);
}

// [{what, before, after}] between two section states {data, tables} (labels from def).
export function diffSection(def, a, b) {
	const out = [];
	const label = (key, list) => ((list || []).find((f) => f.key === key) || {}).label || key;
	const da = (a && a.data) || {}, db = (b && b.data) || {};
	const order = [...(def.fields || []).map((f) => f.key), ...Object.keys(da), ...Object.keys(db)];
	for (const k of new Set(order)) {
		if (JSON.stringify(da[k] ?? null) !== JSON.stringify(db[k] ?? null))
			out.push({ what: label(k, def.fields), before: show(da[k]), after: show(db[k]) });
	}
	const ta = (a && a.tables) || {}, tb = (b && b.tables) || {};
	for (const t of new Set([...Object.keys(ta), ...Object.keys(tb)])) {
		const tdef = (def.tables || []).find((x) => x.key === t) || { columns: [] };
		const ra = ta[t] || [], rb = tb[t] || [];
		for (let i = 0; i < Math.max(ra.length, rb.length); i++) {
			const x = ra[i], y = rb[i];
			const name = `${tdef.label || t}, row ${i + 1}`;
			if (!x)
				out.push({ what: name, before: '(none)', after: 'added' });
			else if (!y)
				out.push({ what: name, before: 'present', after: 'removed' });
			else
				for (const c of new Set([...Object.keys(x), ...Object.keys(y)]))
					if (!c.startsWith('_') && JSON.stringify(x[c] ?? null) !== JSON.stringify(y[c] ?? null))
						out.push({ what: `${name}, ${label(c, tdef.columns)}`, before: show(x[c]), after: show(y[c]) });
		}
	}
	return out;
}

function diffList(changes, limit = 40) {
	if (!changes.length)
		return null;
	const shown = changes.slice(0, limit);
	return h('table', { class: 'diff' }, h('caption', { class: 'sr-only' }, 'Changes'),
		h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Value'), h('th', { scope: 'col' }, 'Before'), h('th', { scope: 'col' }, 'After'))),
		h('tbody', null, shown.map((c) => h('tr', null, h('th', { scope: 'row' }, c.what), h('td', { class: 'before' }, c.before), h('td', { class: 'after' }, c.after))),
			changes.length > limit ? h('tr', null, h('td', { colspan: 3 }, `… and ${changes.length - limit} more`)) : null));
}

// Flattens JSON into {path: scalar-as-text}, for the before/after of audit rows.
function flatten(v, prefix = '', out = {}, depth = 0) {
	if (v !== null && typeof v === 'object' && depth < 4) {
		const entries = Array.isArray(v) ? v.map((x, i) => [`[${i}]`, x]) : Object.entries(v).map(([k, x]) => [prefix ? `.${k}` : k, x]);
		if (!entries.length)
			out[prefix || '(value)'] = Array.isArray(v) ? '[]' : '{}';
		for (const [k, x] of entries)
			flatten(x, prefix + k, out, depth + 1);
	} else {
		out[prefix || '(value)'] = show(v);
	}
	return out;
}

export function diffJson(before, after) {
	const a = flatten(before ?? null), b = flatten(after ?? null);
	const out = [];
	for (const k of new Set([...Object.keys(a), ...Object.keys(b)]))
		if (a[k] !== b[k])
			out.push({ what: k, before: a[k] ?? '—', after: b[k] ?? '—' });
	return out;
}

function timeline(entry, def, history) {
	const box = h('section', { class: 'timeline', 'aria-labelledby': 'tl-title' }, h('h3', { id: 'tl-title' }, 'Timeline'));
	const list = h('ol', { class: 'events' });
	let prev = null;
	for (const item of history) {
		const changes = item.action === 'save' ? diffSection(def, prev, item) : [];
		list.appendChild(h('li', { class: `ev ev-${item.action}`, dataset: { action: item.action, revision: item.revision } },
			h('div', { class: 'ev-head' },
				h('strong', null, ACTION_LABELS[item.action] || item.action),
				' ', h('span', { class: 'muted' }, `revision ${item.revision}`), ' ',
				item.from !== item.to ? h('span', null, badge(item.from), ' → ', badge(item.to)) : null,
				' ', h('span', null, `by ${item.actor}`), ' · ', timeEl(item.at)),
			item.comment ? h('blockquote', { class: 'comment' }, item.comment) : null,
			item.reason ? h('p', { class: 'reason' }, 'Reason: ', item.reason) : null,
			item.action === 'save' && !changes.length ? h('p', { class: 'muted' }, 'No change in values.') : diffList(changes)));
		if (item.action === 'save')
			prev = item;
	}
	if (!history.length)
		list.appendChild(h('li', { class: 'muted' }, 'Nothing yet.'));
	box.appendChild(list);

	if (hasRole('auditor')) {
		const audit = h('div', { class: 'audit-rows' }, h('h4', null, 'Audit trail'), h('p', { class: 'hint' }, 'Loading…'));
		box.appendChild(audit);
		all('/audit', { object_id: entry.id }).then((rows) => {
			clear(audit);
			audit.appendChild(h('h4', null, 'Audit trail'));
			const mine = rows.filter((r) => r.section === null || r.section === def.key);
			audit.appendChild(h('ol', { class: 'events' }, mine.map((r) => h('li', { class: 'ev', dataset: { seq: r.seq } },
				h('div', { class: 'ev-head' }, h('strong', null, r.action), ' ', h('span', { class: 'muted' }, `#${r.seq}`), ` by ${r.actor} · `, timeEl(r.at)),
				diffList(diffJson(r.before, r.after), 25)))));
		}).catch((e) => {
			clear(audit);
			audit.appendChild(notice('error', `Audit trail: ${e.message}`));
		});
	}
	return box;
}
