// Section forms generated from a template version's section definition: one control per
// field type, tables with add / remove / reorder rows, required markers, help texts, the
// server's constraints checked in the browser, and errors (the browser's or the server's
// 422 errors[]) shown beside the field or cell their path names:
//   data.<field>, data.<field>[i], tables.<table>, tables.<table>[i], tables.<table>[i].<column>
import { h, clear, newId } from './dom.js';

// --- values -------------------------------------------------------------------------------

const pad = (n) => String(n).padStart(2, '0');

// An RFC 3339 instant as the value of <input type=datetime-local step=1> (local time).
function toLocalInput(s) {
	const d = new Date(s);
	if (Number.isNaN(d.getTime()))
		return '';
	return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

function fromLocalInput(v) {
	if (!v)
		return null;
	const d = new Date(v);
	return Number.isNaN(d.getTime()) ? v : d.toISOString().replace('.000Z', 'Z');
}

function chars(s) {
	return [...s].length;
}

function normTime(t) {
	return /^\d\d:\d\d$/.test(t) ? `${t}:00` : t;
}

// Compares two values of a field's type: <0, 0, >0 (NaN when not comparable).
function compare(type, a, b) {
	switch (type) {
	case 'integer':
	case 'decimal': {
		const x = Number(a), y = Number(b);
		return x === y ? 0 : x < y ? -1 : x > y ? 1 : NaN;
	}
	case 'date':
		return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
	case 'time': {
		const x = normTime(String(a)), y = normTime(String(b));
		return x < y ? -1 : x > y ? 1 : 0;
	}
	case 'datetime':
		return Math.sign(new Date(a).getTime() - new Date(b).getTime());
	default:
		return NaN;
	}
}

// The pattern as the server applies it (POSIX ERE, anchored at both ends). JavaScript's
// RegExp wrapped in ^(?:...)$ agrees with POSIX ERE on the common subset (classes, [...]
// ranges, ?, *, +, {m,n}, |, groups); POSIX bracket classes like [[:digit:]] are translated,
// back-references and leftmost-longest subtleties are not. The server has the last word.
const POSIX_CLASSES = { alpha: 'A-Za-z', digit: '0-9', alnum: 'A-Za-z0-9', upper: 'A-Z', lower: 'a-z', space: '\\s', punct: '!-/:-@\\[-`{-~', xdigit: '0-9A-Fa-f' };
const patternCache = new Map();
function patternRe(p) {
	if (!patternCache.has(p)) {
		let re = null;
		try {
			re = new RegExp(`^(?:${p.replace(/\[:([a-z]+):\]/g, (m, c) => POSIX_CLASSES[c] || m)})$`);
		} catch {
			re = null;
		}
		patternCache.set(p, re);
	}
	return patternCache.get(p);
}

// The errors [{code, message}] of value v (as it would be sent; null = empty) for field f.
export function checkValue(f, v) {
	const errs = [];
	const err = (code, message) => errs.push({ code, message });
	const empty = v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0);
	if (empty) {
		if (f.required)
			err('required', 'is required');
		return errs;
	}
	switch (f.type) {
	case 'integer':
		if (typeof v !== 'number' && !/^[+-]?\d+$/.test(String(v)))
			return [{ code: 'type', message: 'must be a whole number' }];
		break;
	case 'decimal':
		if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(String(v)))
			return [{ code: 'format', message: 'must be a number, like 12.50' }];
		break;
	case 'date':
		if (!/^\d{4}-\d\d-\d\d$/.test(v))
			return [{ code: 'format', message: 'must be a date (YYYY-MM-DD)' }];
		break;
	case 'time':
		if (!/^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$/.test(v))
			return [{ code: 'format', message: 'must be a time (HH:MM)' }];
		break;
	case 'datetime':
		if (Number.isNaN(new Date(v).getTime()))
			return [{ code: 'format', message: 'must be a date and time' }];
		break;
	case 'choice':
		if (f.choices && !f.choices.includes(v))
			err('choice', `must be one of ${f.choices.join(', ')}`);
		break;
	case 'multichoice':
		if (f.choices)
			for (const x of v)
				if (!f.choices.includes(x))
					err('choice', `${x} is not one of the choices`);
		break;
	default:
		break;
	}
	if (f.min !== undefined && f.min !== null && compare(f.type, v, f.min) < 0)
		err('min', `must be >= ${f.min}`);
	if (f.max !== undefined && f.max !== null && compare(f.type, v, f.max) > 0)
		err('max', `must be <= ${f.max}`);
	if (typeof v === 'string' && (f.type === 'text' || f.type === undefined)) {
		if (f.min_length !== undefined && chars(v) < f.min_length)
			err('min_length', `must be at least ${f.min_length} characters`);
		if (f.max_length !== undefined && chars(v) > f.max_length)
			err('max_length', `must be at most ${f.max_length} characters`);
		if (f.pattern) {
			const re = patternRe(f.pattern);
			if (re && !re.test(v))
				err('pattern', `must match the pattern ${f.pattern}`);
		}
	}
	return errs;
}

// --- controls -----------------------------------------------------------------------------

// One control for field f with value v. Returns {el, focusEl, get(), describe(ids)}.
// label: the visible label's id (fields) or an aria-label (table cells).
function control(f, v, { id, ariaLabel, readOnly, onChange }) {
	const common = { id, 'aria-label': ariaLabel, 'aria-required': f.required ? 'true' : null };
	let el, get;
	const text = (type, extra = {}) => {
		el = h('input', { type, ...common, ...extra, value: v === null || v === undefined ? '' : String(v), readonly: readOnly, oninput: onChange });
		return el;
	};
	switch (f.type) {
	case 'integer':
		text('text', { inputmode: 'numeric', autocomplete: 'off', class: 'num' });
		get = () => {
			const s = el.value.trim();
			if (s === '')
				return null;
			if (/^[+-]?\d+$/.test(s) && Number.isSafeInteger(Number(s)))
				return Number(s);
			return s;
		};
		break;
	case 'decimal':
		// Kept as a string from the input to the JSON body, so that no digit is lost.
		text('text', { inputmode: 'decimal', autocomplete: 'off', class: 'num' });
		get = () => (el.value.trim() === '' ? null : el.value.trim());
		break;
	case 'boolean':
		el = h('select', { ...common, disabled: readOnly, onchange: onChange },
			h('option', { value: '' }, '—'),
			h('option', { value: 'true', selected: v === true }, 'Yes'),
			h('option', { value: 'false', selected: v === false }, 'No'));
		get = () => (el.value === '' ? null : el.value === 'true');
		break;
	case 'date':
		text('date', { min: f.min, max: f.max });
		get = () => el.value || null;
		break;
	case 'time':
		text('time', { step: 1 });
		get = () => el.value || null;
		break;
	case 'datetime':
		el = h('input', { type: 'datetime-local', step: 1, ...common, value: v ? toLocalInput(v) : '', readonly: readOnly, oninput: onChange });
		get = () => fromLocalInput(el.value);
		break;
	case 'choice':
		el = h('select', { ...common, disabled: readOnly, onchange: onChange },
			h('option', { value: '' }, '—'),
			(f.choices || []).map((c) => h('option', { value: c, selected: v === c }, c)));
		get = () => el.value || null;
		break;
	case 'multichoice': {
		const boxes = (f.choices || []).map((c) => {
			const bid = newId('mc');
			const box = h('input', { type: 'checkbox', id: bid, value: c, checked: Array.isArray(v) && v.includes(c), disabled: readOnly, onchange: onChange });
			return { box, row: h('span', { class: 'check' }, box, h('label', { for: bid }, c)) };
		});
		el = h('fieldset', { class: 'multi', id, 'aria-label': ariaLabel }, boxes.map((b) => b.row));
		el.focusEl = boxes.length ? boxes[0].box : el;
		get = () => {
			const out = boxes.filter((b) => b.box.checked).map((b) => b.box.value);
			return out.length ? out : null;
		};
		break;
	}
	default: {
		const long = f.max_length === undefined ? !f.pattern : f.max_length > 200;
		if (long && !ariaLabel) {
			el = h('textarea', { ...common, rows: 2, readonly: readOnly, oninput: onChange });
			el.value = v === null || v === undefined ? '' : String(v);
		} else {
			text('text');
		}
		get = () => (el.value === '' ? null : el.value);
	}
	}
	return { el, focusEl: el.focusEl || el, get };
}

// --- the form -----------------------------------------------------------------------------

function describe(el, ids) {
	const v = ids.filter(Boolean).join(' ');
	if (v)
		el.setAttribute('aria-describedby', v);
	else
		el.removeAttribute('aria-describedby');
}

function isEmptySection(section) {
	if (!section)
		return true;
	const noData = !section.data || Object.values(section.data).every((x) => x === null);
	const noRows = !section.tables || Object.values(section.tables).every((r) => !r || r.length === 0);
	return noData && noRows;
}

/*
 * sectionForm(def, section, {readOnly, onChange}) -> {el, value(), validate(), showErrors(errors),
 * clearErrors(), focusFirstError(), renderMs}
 * def: the section's definition (fields, tables); section: {data, tables} or null.
 */
export function sectionForm(def, section, { readOnly = false, onChange = () => {} } = {}) {
	const t0 = performance.now();
	const useDefaults = !readOnly && isEmptySection(section);
	const data = (section && section.data) || {};
	const tablesIn = (section && section.tables) || {};
	const slots = new Map(); // error path -> {errEl, ctl}
	const fields = [];
	const tables = [];
	const summary = h('div', { class: 'error-summary', role: 'alert', hidden: true, tabindex: '-1' });
	const root = h('div', { class: 'section-form' }, summary);

	const initial = (f, v) => (useDefaults && (v === null || v === undefined) && f.default !== undefined ? f.default : v);

	// Fields.
	const grid = h('div', { class: 'fields' });
	for (const f of def.fields || []) {
		const id = newId(`fld-${f.key}`);
		const errId = `${id}-err`;
		const hintId = f.help ? `${id}-hint` : null;
		const ctl = control(f, initial(f, data[f.key]), { id, readOnly, onChange: () => { liveCheck(); onChange(); } });
		const errEl = h('p', { class: 'error', id: errId, hidden: true });
		const labelEl = f.type === 'multichoice'
			? h('span', { class: 'label', id: `${id}-label` }, f.label || f.key, f.required ? h('span', { class: 'req', title: 'required' }, ' *') : null)
			: h('label', { for: id }, f.label || f.key, f.required ? h('span', { class: 'req', title: 'required' }, ' *') : null);
		if (f.type === 'multichoice') {
			ctl.el.removeAttribute('aria-label');
			ctl.el.setAttribute('aria-labelledby', `${id}-label`);
		}
		const wrap = h('div', { class: `field type-${f.type}`, dataset: { path: `data.${f.key}` } },
			labelEl, ctl.el, hintId ? h('p', { class: 'hint', id: hintId }, f.help) : null, errEl);
		describe(ctl.el, [hintId]);
		const slot = { errEl, ctl, hintId, wrap, f };
		slots.set(`data.${f.key}`, slot);
		fields.push(slot);
		const liveCheck = () => {
			if (!wrap.classList.contains('touched'))
				return;
			setSlotErrors(slot, checkValue(f, ctl.get()).map((e) => e.message));
		};
		ctl.el.addEventListener('focusout', () => {
			wrap.classList.add('touched');
			liveCheck();
		});
		grid.appendChild(wrap);
	}
	if ((def.fields || []).length)
		root.appendChild(grid);

	// Tables.
	for (const t of def.tables || []) {
		const cols = t.columns || [];
		const tid = newId(`tbl-${t.key}`);
		const body = h('tbody');
		const errEl = h('p', { class: 'error', id: `${tid}-err`, hidden: true });
		const countEl = h('span', { class: 'count' });
		const rows = [];
		const tslot = { errEl, ctl: null, wrap: null, table: t };
		slots.set(`tables.${t.key}`, tslot);

		const limits = [];
		if (t.min_rows)
			limits.push(`at least ${t.min_rows}`);
		if (t.max_rows !== undefined && t.max_rows < 10000)
			limits.push(`at most ${t.max_rows}`);

		const relabel = () => {
			rows.forEach((r, i) => {
				r.index = i;
				r.num.textContent = String(i + 1);
				for (const c of cols)
					r.cells[c.key].ctl.focusEl.setAttribute('aria-label', `${c.label || c.key}, row ${i + 1}`);
				if (r.up) {
					r.up.setAttribute('aria-label', `Move row ${i + 1} up`);
					r.up.disabled = i === 0;
					r.down.setAttribute('aria-label', `Move row ${i + 1} down`);
					r.down.disabled = i === rows.length - 1;
					r.del.setAttribute('aria-label', `Remove row ${i + 1}`);
				}
			});
			countEl.textContent = `${rows.length} ${rows.length === 1 ? 'row' : 'rows'}${limits.length ? ` (${limits.join(', ')})` : ''}`;
			if (addBtn)
				addBtn.disabled = t.max_rows !== undefined && rows.length >= t.max_rows;
		};

		const addRow = (values, at = rows.length) => {
			const r = { cells: {}, index: at };
			r.num = h('th', { scope: 'row', class: 'rownum' });
			const tr = h('tr', null, r.num);
			for (const c of cols) {
				const cid = newId(`cell-${t.key}-${c.key}`);
				const cerr = h('p', { class: 'error', id: `${cid}-err`, hidden: true });
				const ctl = control(c, values ? initial(c, values[c.key]) : (useDefaults || !readOnly ? c.default ?? null : null),
					{ id: cid, ariaLabel: c.label || c.key, readOnly, onChange: () => { check(); onChange(); } });
				const td = h('td', { class: `type-${c.type}` }, ctl.el, cerr);
				const cell = { errEl: cerr, ctl, td, f: c };
				const check = () => {
					if (td.classList.contains('touched'))
						setSlotErrors(cell, checkValue(c, ctl.get()).map((e) => e.message));
				};
				ctl.el.addEventListener('focusout', () => {
					td.classList.add('touched');
					check();
				});
				r.cells[c.key] = cell;
				tr.appendChild(td);
			}
			if (!readOnly) {
				const move = (d) => {
					const i = rows.indexOf(r), j = i + d;
					if (j < 0 || j >= rows.length)
						return;
					rows.splice(i, 1);
					rows.splice(j, 0, r);
					if (d < 0)
						body.insertBefore(r.tr, rows[j + 1].tr);
					else
						body.insertBefore(r.tr, rows[j - 1].tr.nextSibling);
					relabel();
					(d < 0 ? (j === 0 ? r.down : r.up) : (j === rows.length - 1 ? r.up : r.down)).focus();
					onChange();
				};
				r.up = h('button', { type: 'button', class: 'icon', onclick: () => move(-1) }, '↑');
				r.down = h('button', { type: 'button', class: 'icon', onclick: () => move(1) }, '↓');
				r.del = h('button', { type: 'button', class: 'icon danger', onclick: () => {
					const i = rows.indexOf(r);
					rows.splice(i, 1);
					r.tr.remove();
					relabel();
					const next = rows[i] || rows[i - 1];
					(next ? next.del : addBtn).focus();
					onChange();
				} }, '✕');
				tr.appendChild(h('td', { class: 'row-actions' }, r.up, r.down, r.del));
			}
			r.tr = tr;
			rows.splice(at, 0, r);
			body.insertBefore(tr, rows[at + 1] ? rows[at + 1].tr : null);
			return r;
		};

		const addBtn = readOnly ? null : h('button', { type: 'button', class: 'secondary', onclick: () => {
			const r = addRow(null);
			relabel();
			r.cells[cols[0].key].ctl.focusEl.focus();
			onChange();
		} }, `Add row to ${t.label || t.key}`);

		for (const row of tablesIn[t.key] || [])
			addRow(row);
		relabel();

		const headRow = h('tr', null, h('th', { scope: 'col', class: 'rownum' }, h('span', { class: 'sr-only' }, 'Row')),
			cols.map((c) => h('th', { scope: 'col', title: c.help || null }, c.label || c.key, c.required ? h('span', { class: 'req', title: 'required' }, ' *') : null)),
			readOnly ? null : h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, 'Row actions')));
		const caption = h('caption', null, t.label || t.key, ' ', countEl);
		const tableEl = h('table', { class: 'rows', id: tid, 'aria-describedby': `${tid}-err` }, caption, h('thead', null, headRow), body);
		const wrap = h('div', { class: 'table-block', dataset: { path: `tables.${t.key}` } },
			h('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-labelledby': `${tid}-cap` }, tableEl), errEl, addBtn);
		caption.id = `${tid}-cap`;
		tslot.wrap = wrap;
		tslot.focusTarget = addBtn || tableEl;
		tables.push({ t, rows, cols });
		root.appendChild(wrap);
	}

	function setSlotErrors(slot, messages) {
		const el = slot.ctl ? slot.ctl.el : null;
		if (messages.length) {
			slot.errEl.textContent = messages.join('; ');
			slot.errEl.hidden = false;
			if (el) {
				el.setAttribute('aria-invalid', 'true');
				describe(el, [slot.hintId, slot.errEl.id]);
			}
			(slot.wrap || slot.td || slot.errEl).classList.add('invalid');
		} else {
			slot.errEl.textContent = '';
			slot.errEl.hidden = true;
			if (el) {
				el.removeAttribute('aria-invalid');
				describe(el, [slot.hintId]);
			}
			(slot.wrap || slot.td || slot.errEl).classList.remove('invalid');
		}
	}

	// The slot an error path names: data.f, data.f[i] -> the field; tables.t[i].c -> the cell;
	// tables.t, tables.t[i] -> the table.
	function slotOf(path) {
		let m = /^data\.([a-z][a-z0-9_]*)/.exec(path);
		if (m)
			return slots.get(`data.${m[1]}`) || null;
		m = /^tables\.([a-z][a-z0-9_]*)(?:\[(\d+)\](?:\.([a-z][a-z0-9_]*))?)?/.exec(path);
		if (m) {
			const tb = tables.find((x) => x.t.key === m[1]);
			if (!tb)
				return null;
			if (m[2] !== undefined && m[3] !== undefined) {
				const row = tb.rows[Number(m[2])];
				if (row && row.cells[m[3]])
					return row.cells[m[3]];
			}
			return slots.get(`tables.${m[1]}`);
		}
		return null;
	}

	let shown = [];
	function clearErrors() {
		for (const s of shown)
			setSlotErrors(s, []);
		shown = [];
		summary.hidden = true;
		clear(summary);
	}

	const labelOf = (path) => {
		const s = slotOf(path);
		if (!s)
			return path;
		if (s.f && s.td) {
			const m = /\[(\d+)\]/.exec(path);
			return `${s.f.label || s.f.key}, row ${m ? Number(m[1]) + 1 : '?'}`;
		}
		if (s.f)
			return s.f.label || s.f.key;
		return s.table.label || s.table.key;
	};

	// errors: [{path, message}] as in a 422 problem. Returns those no field took (shown in
	// the summary only).
	function showErrors(errors) {
		clearErrors();
		const bySlot = new Map();
		const loose = [];
		for (const e of errors) {
			const s = slotOf(e.path || '');
			if (s) {
				if (!bySlot.has(s))
					bySlot.set(s, []);
				const rowMsg = s.table && /\[\d+\]/.test(e.path) && !s.td ? `row ${Number(/\[(\d+)\]/.exec(e.path)[1]) + 1}: ` : '';
				bySlot.get(s).push(rowMsg + e.message);
			} else {
				loose.push(e);
			}
		}
		for (const [s, msgs] of bySlot) {
			setSlotErrors(s, msgs);
			shown.push(s);
		}
		if (errors.length) {
			summary.hidden = false;
			summary.appendChild(h('p', { class: 'summary-title' }, errors.length === 1 ? 'One value needs attention:' : `${errors.length} values need attention:`));
			summary.appendChild(h('ul', null, errors.map((e) => {
				const s = slotOf(e.path || '');
				const target = s ? (s.ctl ? s.ctl.focusEl : s.focusTarget) : null;
				const text = `${labelOf(e.path || '')}: ${e.message}`;
				if (!target)
					return h('li', null, text);
				return h('li', null, h('a', { href: '#', onclick: (ev) => { ev.preventDefault(); target.focus(); } }, text));
			})));
		}
		return loose;
	}

	function value() {
		const out = { data: {}, tables: {} };
		for (const s of fields) {
			const v = s.ctl.get();
			if (v !== null)
				out.data[s.f.key] = v;
		}
		for (const { t, rows, cols } of tables) {
			out.tables[t.key] = rows.map((r) => {
				const row = {};
				for (const c of cols) {
					const v = r.cells[c.key].ctl.get();
					if (v !== null)
						row[c.key] = v;
				}
				return row;
			});
		}
		return out;
	}

	// The errors the browser can tell, in the server's path format.
	function validate() {
		const errs = [];
		for (const s of fields)
			for (const e of checkValue(s.f, s.ctl.get()))
				errs.push({ path: `data.${s.f.key}`, code: e.code, message: e.message });
		for (const { t, rows, cols } of tables) {
			if (t.min_rows !== undefined && rows.length < t.min_rows)
				errs.push({ path: `tables.${t.key}`, code: 'min_rows', message: `needs at least ${t.min_rows} rows` });
			if (t.max_rows !== undefined && rows.length > t.max_rows)
				errs.push({ path: `tables.${t.key}`, code: 'max_rows', message: `allows at most ${t.max_rows} rows` });
			rows.forEach((r, i) => {
				for (const c of cols)
					for (const e of checkValue(c, r.cells[c.key].ctl.get()))
						errs.push({ path: `tables.${t.key}[${i}].${c.key}`, code: e.code, message: e.message });
			});
		}
		return errs;
	}

	function focusFirstError() {
		summary.focus();
	}

	const renderMs = performance.now() - t0;
	return { el: root, value, validate, showErrors, clearErrors, focusFirstError, renderMs };
}
