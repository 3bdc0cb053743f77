// DOM helpers. User data only ever enters the page as text nodes or attribute values set
// through the DOM (never innerHTML), so a stored "<script>" shows as those characters.

// h('button', {class: 'x', onclick: fn, type: 'button'}, 'text', child, [more])
export function h(tag, attrs, ...children) {
	const el = document.createElement(tag);
	if (attrs) {
		for (const [k, v] of Object.entries(attrs)) {
			if (v === undefined || v === null || v === false)
				continue;
			if (k.startsWith('on') && typeof v === 'function')
				el.addEventListener(k.slice(2), v);
			else if (k === 'class')
				el.className = v;
			else if (k === 'dataset')
				Object.assign(el.dataset, v);
			else if (k === 'value' || k === 'checked' || k === 'selected' || k === 'disabled' || k === 'hidden')
				el[k] = v;
			else
				el.setAttribute(k, v === true ? '' : String(v));
		}
	}
	append(el, children);
	return el;
}

export function append(el, children) {
	for (const c of children) {
		if (c === undefined || c === null || c === false)
			continue;
		if (Array.isArray(c))
			append(el, c);
		else if (c instanceof Node)
			el.appendChild(c);
		else
			el.appendChild(document.createTextNode(String(c)));
	}
	return el;
}

export function clear(el) {
	while (el.firstChild)
		el.removeChild(el.firstChild);
	return el;
}

let uid = 0;
export function newId(prefix = 'id') {
	return `${prefix}-${++uid}`;
}

// A state badge: colour and text (never colour alone).
export function badge(state) {
	return h('span', { class: `badge st-${String(state).replace(/[^a-z_]/g, '')}` }, String(state).replace('_', ' '));
}

export function fmtTime(s) {
	if (!s)
		return '';
	const d = new Date(s);
	if (Number.isNaN(d.getTime()))
		return String(s);
	return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function timeEl(s) {
	return h('time', { datetime: s || '' }, fmtTime(s));
}

// A message region: kind is 'info', 'ok', 'warn' or 'error'.
export function notice(kind, ...text) {
	return h('div', { class: `notice ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, ...text);
}

// Field with label: returns the wrapper; id ties the label to the control.
export function labelled(label, control, hint) {
	const id = control.id || (control.id = newId('f'));
	return h('div', { class: 'field' }, h('label', { for: id }, label), control, hint ? h('p', { class: 'hint' }, hint) : null);
}

export function download(blob, name) {
	const url = URL.createObjectURL(blob);
	const a = h('a', { href: url, download: name, hidden: true });
	document.body.appendChild(a);
	a.click();
	a.remove();
	setTimeout(() => URL.revokeObjectURL(url), 10000);
}
