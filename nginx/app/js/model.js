// What the app knows about templates and the workflow: published versions (immutable, so
// cached for the tab's life), the state machine, and which actions the caller may take.
import { api, currentUser } from './api.js';

const versions = new Map();

export async function templateVersion(key, n) {
	const k = `${key}/${n}`;
	if (!versions.has(k))
		versions.set(k, api('GET', `/templates/${encodeURIComponent(key)}/versions/${n}`).then((r) => r.json));
	try {
		return await versions.get(k);
	} catch (e) {
		versions.delete(k);
		throw e;
	}
}

export const DEFAULT_WORKFLOW = {
	submit: ['author'],
	start_review: ['reviewer'],
	approve: ['approver'],
	reject: ['reviewer', 'approver'],
	reopen: ['author'],
};

// action -> [from, to]
export const TRANSITIONS = {
	submit: ['draft', 'submitted'],
	start_review: ['submitted', 'in_review'],
	approve: ['in_review', 'approved'],
	reject: ['in_review', 'rejected'],
	reopen: ['rejected', 'draft'],
};

export const ACTION_LABELS = {
	submit: 'Submit',
	start_review: 'Start review',
	approve: 'Approve',
	reject: 'Reject',
	reopen: 'Reopen',
	save: 'Saved',
};

export const STATES = ['draft', 'submitted', 'in_review', 'approved', 'rejected'];

// Actions that separation of duties denies to the submitter of the revision.
export const REVIEW_ACTIONS = ['start_review', 'approve', 'reject'];

// The submitter of the section's current revision, from its history (null if none).
export function submitterOf(history, revision) {
	let who = null;
	for (const item of history || [])
		if (item.action === 'submit' && item.revision === revision)
			who = item.actor;
	return who;
}

/*
 * The workflow actions the caller may take on a section now: the section's state, the
 * template's workflow roles against the caller's roles (admin: all), and separation of
 * duties (the submitter of the revision may not review, approve or reject it).
 * Returns {actions, denied: {action: reason}}.
 */
export function allowedActions(template, section, history) {
	const me = currentUser();
	const wf = { ...DEFAULT_WORKFLOW, ...(template.workflow || {}) };
	const submitter = submitterOf(history, section.revision);
	const actions = [];
	const denied = {};
	for (const [action, [from]] of Object.entries(TRANSITIONS)) {
		if (section.state !== from)
			continue;
		const roles = wf[action] || [];
		if (!me.roles.includes('admin') && !roles.some((r) => me.roles.includes(r))) {
			denied[action] = 'role';
			continue;
		}
		if (REVIEW_ACTIONS.includes(action) && submitter !== null && submitter === me.sub) {
			denied[action] = 'separation';
			continue;
		}
		actions.push(action);
	}
	return { actions, denied, submitter };
}

// Whether a save of this section must carry a reason (API.md, reason_for_change). Only a
// template that states the member is trusted here; a server that wants a reason anyway says
// so with a 422 at path "reason", and the form then asks for one.
export function reasonRequired(template, section) {
	const rule = template.reason_for_change;
	if (rule === 'always')
		return true;
	if (rule === 'after_submit')
		return section.revision >= 2;
	return false;
}

// Signature meaning for an action, when the template wants one.
export function signatureMeaning(template, action) {
	return (template.signatures && template.signatures[action]) || null;
}
