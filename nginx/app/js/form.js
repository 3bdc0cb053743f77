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
// A control is made once per field (or once per table column, then cloned for every row:
// cloning a prepared row is several times faster than building it node by node), and read
// and written by type. Events reach the form by delegation, not one listener per control.

// The bare control for field f (no value, no id): input, select, textarea or a fieldset of
// checkboxes (multichoice; each box inside its own label, so clones need no ids).
function makeControl(f, { readOnly, cellOf }) {
	const ro = readOnly || null;
	const req = f.required ? 'true' : null;
	switch (f.type) {
	case 'integer':
		return h('input', { type: 'text', inputmode: 'numeric', autocomplete: 'off', class: 'num', readonly: ro, 'aria-required': req });
	case 'decimal':
		// Kept as a string from the input to the JSON body, so that no digit is lost.
		return h('input', { type: 'text', inputmode: 'decimal', autocomplete: 'off', class: 'num', readonly: ro, 'aria-required': req });
	case 'boolean':
		return h('select', { disabled: ro, 'aria-required': req }, h('option', { value: '' }, '—'), h('option', { value: 'true' }, 'Yes'), h('option', { value: 'false' }, 'No'));
	// Native date and time pickers cost several milliseconds each to build; in a table of
	// many rows a cell is a plain text input in the wire format instead (checked the same way).
	case 'date':
		if (cellOf)
			return h('input', { type: 'text', inputmode: 'numeric', placeholder: 'YYYY-MM-DD', autocomplete: 'off', readonly: ro, 'aria-required': req });
		return h('input', { type: 'date', min: f.min, max: f.max, readonly: ro, 'aria-required': req });
	case 'time':
		if (cellOf)
			return h('input', { type: 'text', inputmode: 'numeric', placeholder: 'HH:MM', autocomplete: 'off', readonly: ro, 'aria-required': req });
		return h('input', { type: 'time', step: 1, readonly: ro, 'aria-required': req });
	case 'datetime':
		if (cellOf)
			return h('input', { type: 'text', placeholder: 'YYYY-MM-DDTHH:MM:SSZ', autocomplete: 'off', readonly: ro, 'aria-required': req, dataset: { plain: '1' } });
		return h('input', { type: 'datetime-local', step: 1, readonly: ro, 'aria-required': req });
	case 'choice':
		return h('select', { disabled: ro, 'aria-required': req }, h('option', { value: '' }, '—'), (f.choices || []).map((c) => h('option', { value: c }, c)));
	case 'multichoice':
		return h('fieldset', { class: 'multi' }, (f.choices || []).map((c) =>
			h('label', { class: 'check' }, h('input', { type: 'checkbox', value: c, disabled: ro }), ' ', c)));
	default: {
		const long = f.max_length === undefined ? !f.pattern : f.max_length > 200;
		if (long && !cellOf)
			return h('textarea', { rows: 2, readonly: ro, 'aria-required': req });
		return h('input', { type: 'text', readonly: ro, 'aria-required': req });
	}
	}
}

function setControl(f, el, v) {
	switch (f.type) {
	case 'boolean':
		el.value = v === true ? 'true' : v === false ? 'false' : '';
		break;
	case 'datetime':
		el.value = v ? (el.dataset.plain ? String(v) : toLocalInput(v)) : '';
		break;
	case 'multichoice':
		for (const box of el.querySelectorAll('input'))
			box.checked = Array.isArray(v) && v.includes(box.value);
		break;
	case 'choice':
		el.value = v === null || v === undefined ? '' : String(v);
		break;
	default:
		el.value = v === null || v === undefined ? '' : String(v);
	}
}

function getControl(f, el) {
	switch (f.type) {
	case 'integer': {
		const s = el.value.trim();
		if (s === '')
			return null;
		if (/^[+-]?\d+$/.test(s) && Number.isSafeInteger(Number(s)))
			return Number(s);
		return s;
	}
	case 'decimal':
		return el.value.trim() === '' ? null : el.value.trim();
	case 'boolean':
		return el.value === '' ? null : el.value === 'true';
	case 'datetime':
		if (el.dataset.plain)
			return el.value.trim() === '' ? null : el.value.trim();
		return fromLocalInput(el.value);
	case 'date':
	case 'time':
		return el.value.trim() === '' ? null : el.value.trim();
	case 'multichoice': {
		const out = [...el.querySelectorAll('input')].filter((b) => b.checked).map((b) => b.value);
		return out.length ? out : null;
	}
	default:
		return el.value === '' ? null : el.value;
	}
}

// The element that takes the focus for a control.
function focusTarget(f, el) {
	return f.type === 'multichoice' ? (el.querySelector('input') || el) : el;
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

const reqMark = () => h('span', { class: 'req', title: 'required' }, ' *');

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
	const fieldSlots = new Map(); // field key -> slot
	const tables = []; // {t, cols, rows, slot}
	const slotOfEl = new WeakMap(); // control element -> slot (fields and cells)
	const summary = h('div', { class: 'error-summary', role: 'alert', hidden: true, tabindex: '-1' });
	const root = h('div', { class: 'section-form' }, summary);

	const initial = (f, v) => (useDefaults && (v === null || v === undefined) && f.default !== undefined ? f.default : v);

	// Fields.
	const grid = h('div', { class: 'fields' });
	for (const f of def.fields || []) {
		const id = newId(`fld-${f.key}`);
		const hintId = f.help ? `${id}-hint` : null;
		const el = makeControl(f, { readOnly });
		el.id = id;
		setControl(f, el, initial(f, data[f.key]));
		const errEl = h('p', { class: 'error', id: `${id}-err`, hidden: true });
		let labelEl;
		if (f.type === 'multichoice') {
			labelEl = h('span', { class: 'label', id: `${id}-label` }, f.label || f.key, f.required ? reqMark() : null);
			el.setAttribute('aria-labelledby', `${id}-label`);
		} else {
			labelEl = h('label', { for: id }, f.label || f.key, f.required ? reqMark() : null);
		}
		const wrap = h('div', { class: `field type-${f.type}`, dataset: { path: `data.${f.key}` } },
			labelEl, el, hintId ? h('p', { class: 'hint', id: hintId }, f.help) : null, errEl);
		describe(el, [hintId]);
		const slot = { kind: 'field', f, el, focusEl: focusTarget(f, el), errEl, hintId, box: wrap };
		fieldSlots.set(f.key, slot);
		slotOfEl.set(el, slot);
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
		const limits = [];
		if (t.min_rows)
			limits.push(`at least ${t.min_rows}`);
		if (t.max_rows !== undefined && t.max_rows < 10000)
			limits.push(`at most ${t.max_rows}`);

		// One prepared row, cloned for every row.
		const proto = h('tr', null, h('th', { scope: 'row', class: 'rownum' }),
			cols.map((c) => h('td', { class: `type-${c.type}` }, makeControl(c, { readOnly, cellOf: t }), h('p', { class: 'error', hidden: true }))),
			readOnly ? null : h('td', { class: 'row-actions' },
				h('button', { type: 'button', class: 'icon', dataset: { op: 'up' } }, '↑'),
				h('button', { type: 'button', class: 'icon', dataset: { op: 'down' } }, '↓'),
				h('button', { type: 'button', class: 'icon danger', dataset: { op: 'del' } }, '✕')));

		let addBtn = null;
		const relabel = (from = 0) => {
			for (let i = from; i < rows.length; i++) {
				const r = rows[i];
				r.num.textContent = String(i + 1);
				for (let j = 0; j < cols.length; j++)
					r.cells[j].focusEl.setAttribute('aria-label', `${cols[j].label || cols[j].key}, row ${i + 1}`);
				if (r.up) {
					r.up.setAttribute('aria-label', `Move row ${i + 1} up`);
					r.up.disabled = i === 0;
					r.down.setAttribute('aria-label', `Move row ${i + 1} down`);
					r.down.disabled = i === rows.length - 1;
					r.del.setAttribute('aria-label', `Remove row ${i + 1}`);
				}
			}
			countEl.textContent = `${rows.length} ${rows.length === 1 ? 'row' : 'rows'}${limits.length ? ` (${limits.join(', ')})` : ''}`;
			if (addBtn)
				addBtn.disabled = t.max_rows !== undefined && rows.length >= t.max_rows;
		};

		const addRow = (values) => {
			const tr = proto.cloneNode(true);
			const r = { tr, num: tr.firstChild, cells: [] };
			for (let j = 0; j < cols.length; j++) {
				const td = tr.children[j + 1];
				const el = td.firstChild;
				const c = cols[j];
				setControl(c, el, values ? values[c.key] : (useDefaults || !readOnly ? c.default ?? null : null));
				const cell = { kind: 'cell', f: c, el, focusEl: focusTarget(c, el), errEl: td.lastChild, box: td, row: r, table: t };
				slotOfEl.set(el, cell);
				r.cells.push(cell);
			}
			if (!readOnly) {
				const a = tr.lastChild;
				[r.up, r.down, r.del] = a.children;
			}
			rows.push(r);
			body.appendChild(tr);
			return r;
		};

		if (!readOnly) {
			body.addEventListener('click', (ev) => {
				const b = ev.target.closest('button[data-op]');
				if (!b)
					return;
				const i = rows.findIndex((r) => r.tr === b.closest('tr'));
				const r = rows[i];
				if (b.dataset.op === 'del') {
					rows.splice(i, 1);
					r.tr.remove();
					relabel(i);
					const next = rows[i] || rows[i - 1];
					(next ? next.del : addBtn).focus();
				} else {
					const j = b.dataset.op === 'up' ? i - 1 : i + 1;
					if (j < 0 || j >= rows.length)
						return;
					rows.splice(i, 1);
					rows.splice(j, 0, r);
					body.insertBefore(r.tr, j < i ? rows[j + 1].tr : rows[j - 1].tr.nextSibling);
					relabel(Math.min(i, j));
					const keep = b.dataset.op === 'up' ? (j === 0 ? r.down : r.up) : (j === rows.length - 1 ? r.up : r.down);
					keep.focus();
				}
				onChange();
			});
			addBtn = h('button', { type: 'button', class: 'secondary', onclick: () => {
				const r = addRow(null);
				relabel(rows.length - 1);
				if (rows.length > 1)
					relabel(rows.length - 2);
				r.cells[0].focusEl.focus();
				onChange();
			} }, `Add row to ${t.label || t.key}`);
		}

		for (const row of tablesIn[t.key] || [])
			addRow(row);
		relabel();

		const headRow = h('tr', null, h('th', { scope: 'col', class: 'rownum' }, h('span', { class: 'sr-only' }, 'Row')),
			cols.map((c) => h('th', { scope: 'col', title: c.help || null }, c.label || c.key, c.required ? reqMark() : null)),
			readOnly ? null : h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, 'Row actions')));
		const caption = h('caption', { id: `${tid}-cap` }, t.label || t.key, ' ', countEl);
		const tableEl = h('table', { class: 'rows', id: tid, 'aria-describedby': `${tid}-err` }, caption, h('thead', null, headRow), body);
		const wrap = h('div', { class: 'table-block', dataset: { path: `tables.${t.key}` } },
			h('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-labelledby': `${tid}-cap` }, tableEl), errEl, addBtn);
		const slot = { kind: 'table', table: t, errEl, box: wrap, focusEl: addBtn || tableEl };
		tables.push({ t, cols, rows, slot });
		root.appendChild(wrap);
	}

	// Events by delegation: any change is reported; a control once left is checked live.
	const slotFrom = (target) => {
		for (let el = target; el && el !== root; el = el.parentNode)
			if (slotOfEl.has(el))
				return slotOfEl.get(el);
		return null;
	};
	const live = (slot) => {
		if (slot.box.classList.contains('touched'))
			setSlotErrors(slot, checkValue(slot.f, getControl(slot.f, slot.el)).map((e) => e.message));
	};
	const changed = (ev) => {
		const slot = slotFrom(ev.target);
		if (!slot)
			return;
		live(slot);
		onChange();
	};
	root.addEventListener('input', changed);
	root.addEventListener('change', (ev) => {
		if (ev.target.type === 'checkbox' || ev.target.tagName === 'SELECT')
			changed(ev);
	});
	root.addEventListener('focusout', (ev) => {
		const slot = slotFrom(ev.target);
		if (!slot || (ev.relatedTarget && slot.el.contains(ev.relatedTarget)))
			return;
		slot.box.classList.add('touched');
		live(slot);
	});

	function setSlotErrors(slot, messages) {
		const el = slot.kind === 'table' ? null : slot.focusEl;
		if (messages.length) {
			if (!slot.errEl.id)
				slot.errEl.id = newId('err');
			slot.errEl.textContent = messages.join('; ');
			slot.errEl.hidden = false;
			if (el) {
				el.setAttribute('aria-invalid', 'true');
				describe(el, [slot.hintId, slot.errEl.id]);
			}
			slot.box.classList.add('invalid');
		} else {
			slot.errEl.textContent = '';
			slot.errEl.hidden = true;
			if (el) {
				el.removeAttribute('aria-invalid');
				describe(el, [slot.hintId]);
			}
			slot.box.classList.remove('invalid');
		}
	}

	// The slot an error path names: data.f, data.f[i] -> the field; tables.t[i].c -> the cell;
	// tables.t, tables.t[i] -> the table.
	function slotOf(path) {
		let m = /^data\.([a-z][a-z0-9_]*)/.exec(path);
		if (m)
			return fieldSlots.get(m[1]) || null;
		m = /^tables\.([a-z][a-z0-9_]*)(?:\[(\d+)\](?:\.([a-z][a-z0-9_]*))?)?/.exec(path);
		if (m) {
			const tb = tables.find((x) => x.t.key === m[1]);
			if (!tb)
				return null;
			if (m[2] !== undefined && m[3] !== undefined) {
				const row = tb.rows[Number(m[2])];
				const j = tb.cols.findIndex((c) => c.key === m[3]);
				if (row && j >= 0)
					return row.cells[j];
			}
			return tb.slot;
		}
		return null;
	}

	const labelOf = (path, s) => {
		if (!s)
			return path;
		if (s.kind === 'cell') {
			const m = /\[(\d+)\]/.exec(path);
			return `${s.table.label || s.table.key}, row ${m ? Number(m[1]) + 1 : '?'}, ${s.f.label || s.f.key}`;
		}
		if (s.kind === 'field')
			return s.f.label || s.f.key;
		return s.table.label || s.table.key;
	};

	let shown = [];
	function clearErrors() {
		for (const s of shown)
			setSlotErrors(s, []);
		shown = [];
		summary.hidden = true;
		clear(summary);
	}

	// errors: [{path, message}] as in a 422 problem. Returns those no field took (shown in
	// the summary only).
	function showErrors(errors) {
		clearErrors();
		const bySlot = new Map();
		const loose = [];
		for (const e of errors) {
			const s = slotOf(e.path || '');
			if (!s) {
				loose.push(e);
				continue;
			}
			if (!bySlot.has(s))
				bySlot.set(s, []);
			const rowMsg = s.kind === 'table' && /\[\d+\]/.test(e.path) ? `row ${Number(/\[(\d+)\]/.exec(e.path)[1]) + 1}: ` : '';
			bySlot.get(s).push(rowMsg + e.message);
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
				const text = `${labelOf(e.path || '', s)}: ${e.message}`;
				if (!s)
					return h('li', null, text);
				return h('li', null, h('a', { href: '#', onclick: (ev) => { ev.preventDefault(); s.focusEl.focus(); } }, text));
			})));
		}
		return loose;
	}

	function value() {
		const out = { data: {}, tables: {} };
		for (const s of fieldSlots.values()) {
			const v = getControl(s.f, s.el);
			if (v !== null)
				out.data[s.f.key] = v;
		}
		for (const { t, rows } of tables) {
			out.tables[t.key] = rows.map((r) => {
				const row = {};
				for (const c of r.cells) {
					const v = getControl(c.f, c.el);
					if (v !== null)
						row[c.f.key] = v;
				}
				return row;
			});
		}
		return out;
	}

	// The errors the browser can tell, in the server's path format.
	function validate() {
		const errs = [];
		for (const s of fieldSlots.values())
			for (const e of checkValue(s.f, getControl(s.f, s.el)))
				errs.push({ path: `data.${s.f.key}`, code: e.code, message: e.message });
		for (const { t, rows } of tables) {
			if (t.min_rows !== undefined && rows.length < t.min_rows)
				errs.push({ path: `tables.${t.key}`, code: 'min_rows', message: `needs at least ${t.min_rows} rows` });
			if (t.max_rows !== undefined && rows.length > t.max_rows)
				errs.push({ path: `tables.${t.key}`, code: 'max_rows', message: `allows at most ${t.max_rows} rows` });
			rows.forEach((r, i) => {
				for (const c of r.cells)
					for (const e of checkValue(c.f, getControl(c.f, c.el)))
						errs.push({ path: `tables.${t.key}[${i}].${c.f.key}`, code: e.code, message: e.message });
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
