// Templates (issue 3) for the integration tests: API calls with the right roles, and the
// PostgreSQL catalogue as a designer would read it with `psql \d`, straight from pg_catalog.
import assert from 'node:assert/strict';
import { request } from './http.mjs';
import { tokenFor } from './jwt.mjs';
import { psql } from './psql.mjs';

export const DESIGNER_SUB = 'tpl-designer';
export const designer = tokenFor({ sub: DESIGNER_SUB, name: 'Template designer', roles: ['designer'] });
export const author = tokenFor({ sub: 'tpl-author', name: 'Author', roles: ['author'] });
export const auditor = tokenFor({ sub: 'tpl-auditor', name: 'Auditor', roles: ['auditor'] });
export const reader = tokenFor({ sub: 'tpl-reader', name: 'Reader', roles: ['reviewer'] });

// POST /api/v1/templates; asserts 201 and returns the response.
export async function createTemplate(def, token = designer) {
	const res = await request('POST', '/api/v1/templates', { token, body: def });
	assert.equal(res.status, 201, `create ${def.key}: ${res.text}`);
	return res;
}

export async function getTemplate(key, token = reader) {
	const res = await request('GET', `/api/v1/templates/${key}`, { token });
	assert.equal(res.status, 200, `get ${key}: ${res.text}`);
	return res;
}

// PUT /api/v1/templates/{key}/draft with the current ETag; asserts 200.
export async function putDraft(key, def) {
	const etag = (await getTemplate(key)).headers.etag;
	const res = await request('PUT', `/api/v1/templates/${key}/draft`, {
		token: designer, headers: { 'If-Match': etag }, body: def,
	});
	assert.equal(res.status, 200, `draft of ${key}: ${res.text}`);
	return res;
}

// POST .../versions/{n}/publish[?dry_run=true]; returns the response whatever its status.
export function publish(key, version, { dryRun = false, token = designer } = {}) {
	return request('POST', `/api/v1/templates/${key}/versions/${version}/publish` +
		(dryRun ? '?dry_run=true' : ''), { token });
}

// Publishes and asserts 200.
export async function publishOk(key, version) {
	const res = await publish(key, version);
	assert.equal(res.status, 200, `publish ${key} v${version}: ${res.text}`);
	return res;
}

// Creates (as version 1), publishes and returns the template.
export async function createPublished(def) {
	await createTemplate(def);
	return publishOk(def.key, 1);
}

// PUT the draft of a published template and publish it as the next version; returns the
// publish response (asserting 200).
export async function evolve(key, def) {
	const draft = await putDraft(key, def);
	return publishOk(key, draft.json.version);
}

// POST /api/v1/templates/{key}/entries; asserts 201, returns the entry.
export async function newEntry(key, body = {}) {
	const res = await request('POST', `/api/v1/templates/${key}/entries`, { token: author, body });
	assert.equal(res.status, 201, `entry of ${key}: ${res.text}`);
	return res.json;
}

// PUT /api/v1/entries/{id}/sections/{section} with If-Match: *; returns the response.
export function saveSection(id, section, data, tables = undefined) {
	const body = tables === undefined ? { data } : { data, tables };
	return request('PUT', `/api/v1/entries/${id}/sections/${section}`, {
		token: author, headers: { 'If-Match': '*' }, body,
	});
}

export async function saveSectionOk(id, section, data, tables = undefined) {
	const res = await saveSection(id, section, data, tables);
	assert.equal(res.status, 200, `save ${id}/${section}: ${res.text}`);
	return res.json;
}

export async function getEntry(id) {
	const res = await request('GET', `/api/v1/entries/${id}`, { token: reader });
	assert.equal(res.status, 200, `entry ${id}: ${res.text}`);
	return res.json;
}

// Every audit item about template `key`, oldest first.
export async function templateAudit(key) {
	const items = [];
	let cursor = null;
	for (let page = 0; page < 100; page++) {
		const q = `object_type=template&object_id=${encodeURIComponent(key)}&limit=500` +
			(cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`);
		const res = await request('GET', `/api/v1/audit?${q}`, { token: auditor });
		assert.equal(res.status, 200, res.text);
		items.push(...res.json.items);
		cursor = res.json.next_cursor;
		if (cursor === null)
			return items;
	}
	throw new Error('more than 100 pages of audit rows');
}

// --- the catalogue, read as the cluster's superuser -------------------------------------

// The relation schema.table, as a regclass expression built from psql variables :'s', :'t'.
const REL = `to_regclass(format('%I.%I', :'s', :'t'))`;

export function schemaExists(schema) {
	return psql(`SELECT count(*) FROM pg_namespace WHERE nspname = :'s'`, { vars: { s: schema } })[0][0] === '1';
}

// The ordinary tables of schema, sorted by name.
export function tablesOf(schema) {
	return psql(`SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = :'s' AND c.relkind = 'r' ORDER BY c.relname COLLATE "C"`, { vars: { s: schema } })
		.map((r) => r[0]);
}

export function tableExists(schema, table) {
	return psql(`SELECT ${REL} IS NOT NULL`, { vars: { s: schema, t: table } })[0][0] === 't';
}

// {column: {type, notNull, default}} of schema.table in column order (format_type's
// spelling: bigint, numeric, text[], time without time zone, ...).
export function columnsOf(schema, table) {
	const rows = psql(`SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
	coalesce(pg_get_expr(d.adbin, d.adrelid), '')
FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attrelid = ${REL} AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
	{ vars: { s: schema, t: table } });
	const cols = {};
	for (const [name, type, notNull, def] of rows)
		cols[name] = { type, notNull: notNull === 't', default: def === '' ? null : def };
	return cols;
}

// {constraint name: pg_get_constraintdef} of schema.table: checks, keys, uniques (not the
// constraint triggers the audit trail attaches).
export function constraintsOf(schema, table) {
	const rows = psql(`SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
WHERE conrelid = ${REL} AND contype <> 't' ORDER BY conname COLLATE "C"`, { vars: { s: schema, t: table } });
	return Object.fromEntries(rows);
}

// Everything psql \d would show for every table of schema, as one comparable object.
export function catalogue(schema) {
	const out = {};
	for (const t of tablesOf(schema))
		out[t] = { columns: columnsOf(schema, t), constraints: constraintsOf(schema, t) };
	return out;
}

// The rows of template_versions for key: [[version, status, published?], ...].
export function versionRows(key) {
	return psql(`SELECT version, status, published_at IS NOT NULL FROM template_versions
WHERE template_key = :'k' ORDER BY version`, { vars: { k: key } });
}

// A quoted SQL identifier (for names the tests chose).
export function ident(s) {
	return `"${String(s).replace(/"/g, '""')}"`;
}

// A SQL string literal (for names and values the tests chose).
export function literal(s) {
	return `'${String(s).replace(/'/g, "''")}'`;
}

// The given columns (as text, NULL as '') of every row of schema.table, ordered by orderBy
// (column names).
export function rowsOf(schema, table, columns, orderBy = ['_entry_id']) {
	return psql(`SELECT ${columns.map((c) => `${ident(c)}::text`).join(', ')}
FROM ${ident(schema)}.${ident(table)} ORDER BY ${orderBy.map(ident).join(', ')}`);
}

// 32-bit FNV-1a of a string's UTF-8 bytes, as naming.h computes it.
export function fnv1a32(s) {
	let h = 0x811c9dc5;
	for (const b of Buffer.from(s, 'utf8')) {
		h ^= b;
		h = Math.imul(h, 0x01000193) >>> 0;
	}
	return h >>> 0;
}

// The physical name naming.h gives to a name: itself up to 63 bytes, else its first 54
// bytes, '_' and the FNV-1a hash of the whole name in 8 lower-case hex digits.
export function fitName(name) {
	if (Buffer.byteLength(name) <= 63)
		return name;
	return `${name.slice(0, 54)}_${fnv1a32(name).toString(16).padStart(8, '0')}`;
}
