// The OpenAPI document (app/openapi.json) against the running server: it is served without a
// token, byte for byte the file in the repository, cacheable; every documented path answers
// the methods it documents and 405 (with exactly those in Allow) for the others; every
// operation documented with security wants a token and the public ones do not; and a sample of
// real answers, success and failure, has a documented status, media type, headers and body
// (checked with a small JSON Schema validator for the keywords the document uses).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { request, tokenFor, assertProblem, assertInvalidToken, REPO_ROOT } from './lib/index.mjs';

const FILE = readFileSync(join(REPO_ROOT, 'app', 'openapi.json'));
const DOC = JSON.parse(FILE.toString('utf8'));
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

const TAG = `oa${process.pid}${Math.floor(Math.random() * 1e4)}`;
const who = (name, roles) => tokenFor({ sub: `${TAG}-${name}`, name, roles });
const designer = who('designer', ['designer']);
const author = who('author', ['author']);
const reviewer = who('reviewer', ['reviewer']);
const auditor = who('auditor', ['auditor']);
const admin = who('admin', ['admin']);
const readerToken = who('reader', ['reviewer']);

// --- a JSON Schema (2020-12) subset: the keywords app/openapi.json uses --------------------

function pointer(ref) {
	assert.ok(ref.startsWith('#/'), `only local references: ${ref}`);
	let node = DOC;
	for (const seg of ref.slice(2).split('/'))
		node = node?.[seg.replace(/~1/g, '/').replace(/~0/g, '~')];
	assert.ok(node !== undefined, `$ref ${ref} resolves`);
	return node;
}

function deref(node) {
	for (let i = 0; node && typeof node === 'object' && typeof node.$ref === 'string'; i++) {
		assert.ok(i < 8, 'reference chain too long');
		node = pointer(node.$ref);
	}
	return node;
}

function typeOf(v) {
	if (v === null)
		return 'null';
	if (Array.isArray(v))
		return 'array';
	if (typeof v === 'number' && Number.isInteger(v))
		return 'integer';
	return typeof v;
}

const isObject = (v) => typeOf(v) === 'object';
const FORMATS = {
	'date-time': /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/,
	uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
	uri: /^[A-Za-z][A-Za-z0-9+.-]*:\S+$/,
};

// The property names a schema evaluates itself or through allOf (for unevaluatedProperties).
function evaluatedNames(schema) {
	schema = deref(schema);
	const names = new Set(Object.keys(schema.properties ?? {}));
	for (const sub of schema.allOf ?? [])
		for (const n of evaluatedNames(sub))
			names.add(n);
	return names;
}

// Every way value breaks schema, as "path: why" strings; empty when it conforms.
function validate(schema, value, path = '$', errors = []) {
	schema = deref(schema);
	if (schema === true || schema === undefined)
		return errors;
	if (schema === false) {
		errors.push(`${path}: no value is allowed here`);
		return errors;
	}
	if (schema.type !== undefined) {
		const types = [].concat(schema.type);
		const t = typeOf(value);
		if (!types.some((want) => want === t || (want === 'number' && t === 'integer'))) {
			errors.push(`${path}: ${JSON.stringify(value)} is not ${types.join(' or ')}`);
			return errors;
		}
	}
	if ('const' in schema && value !== schema.const)
		errors.push(`${path}: ${JSON.stringify(value)} is not ${JSON.stringify(schema.const)}`);
	if (schema.enum && !schema.enum.includes(value))
		errors.push(`${path}: ${JSON.stringify(value)} is not one of ${schema.enum.join(', ')}`);
	if (typeof value === 'string') {
		const len = [...value].length;
		if (schema.minLength !== undefined && len < schema.minLength)
			errors.push(`${path}: shorter than ${schema.minLength}`);
		if (schema.maxLength !== undefined && len > schema.maxLength)
			errors.push(`${path}: longer than ${schema.maxLength}`);
		if (schema.pattern !== undefined && !new RegExp(schema.pattern, 'u').test(value))
			errors.push(`${path}: ${JSON.stringify(value)} does not match ${schema.pattern}`);
		if (schema.format in FORMATS && !FORMATS[schema.format].test(value))
			errors.push(`${path}: ${JSON.stringify(value)} is not a ${schema.format}`);
	}
	if (typeof value === 'number') {
		if (schema.minimum !== undefined && value < schema.minimum)
			errors.push(`${path}: ${value} < ${schema.minimum}`);
		if (schema.maximum !== undefined && value > schema.maximum)
			errors.push(`${path}: ${value} > ${schema.maximum}`);
	}
	if (Array.isArray(value)) {
		if (schema.minItems !== undefined && value.length < schema.minItems)
			errors.push(`${path}: fewer than ${schema.minItems} items`);
		if (schema.maxItems !== undefined && value.length > schema.maxItems)
			errors.push(`${path}: more than ${schema.maxItems} items`);
		if (schema.uniqueItems && new Set(value.map((v) => JSON.stringify(v))).size !== value.length)
			errors.push(`${path}: items repeat`);
		if (schema.items !== undefined)
			value.forEach((v, i) => validate(schema.items, v, `${path}[${i}]`, errors));
	}
	if (isObject(value)) {
		for (const name of schema.required ?? [])
			if (!(name in value))
				errors.push(`${path}: lacks ${name}`);
		const props = schema.properties ?? {};
		for (const [name, v] of Object.entries(value)) {
			if (name in props)
				validate(props[name], v, `${path}.${name}`, errors);
			else if (schema.additionalProperties !== undefined)
				validate(schema.additionalProperties, v, `${path}.${name}`, errors);
		}
		if (schema.unevaluatedProperties === false) {
			const known = evaluatedNames(schema);
			for (const name of Object.keys(value))
				if (!known.has(name))
					errors.push(`${path}: unexpected member ${name}`);
		}
	}
	for (const sub of schema.allOf ?? [])
		validate(sub, value, path, errors);
	if (schema.oneOf) {
		const results = schema.oneOf.map((sub) => validate(sub, value, path, []));
		const passed = results.filter((e) => e.length === 0).length;
		if (passed !== 1)
			errors.push(`${path}: matches ${passed} of the oneOf alternatives, not 1 ` +
				`(${results.map((e) => e[0] ?? 'ok').join(' | ')})`);
	}
	return errors;
}

function assertValid(schema, value, what) {
	const errors = validate(schema, value);
	assert.deepEqual(errors, [], `${what}: ${JSON.stringify(value).slice(0, 600)}`);
}

// --- the document's operations --------------------------------------------------------------

// The operation of a path template, which may carry a query string ("/api/v1/users?limit=1").
function operationOf(method, template) {
	const path = template.split('?')[0];
	const op = DOC.paths[path]?.[method.toLowerCase()];
	assert.ok(op, `${method} ${path} is documented`);
	return op;
}

// A concrete path for a template: {id} a fresh UUID, {n} 1, other parameters a plain word,
// unless values names them; the query string is kept as it is.
function concrete(template, values = {}) {
	const [path, query] = template.split('?');
	const filled = path.replace(/\{([^}]+)\}/g, (_, name) =>
		encodeURIComponent(values[name] ?? (name === 'id' ? randomUUID() : name === 'n' ? '1' : 'nosuch')));
	return query === undefined ? filled : `${filled}?${query}`;
}

/*
 * Checks that res is an answer the document gives for (method, template): its status is
 * documented, every header the documented response marks required is there, documented
 * headers that are present match their schemas, and the body has a documented media type and
 * matches its schema (no body where none is documented). Returns res.
 */
function conforms(method, template, res) {
	const op = operationOf(method, template);
	const documented = op.responses[String(res.status)];
	assert.ok(documented, `${method} ${template}: ${res.status} is not among the documented ` +
		`${Object.keys(op.responses).join(', ')}: ${res.text}`);
	return conformsTo(deref(documented), res, `${method} ${template} ${res.status}`);
}

function conformsTo(response, res, what) {
	for (const [name, h] of Object.entries(response.headers ?? {})) {
		const header = deref(h);
		const value = res.headers[name.toLowerCase()];
		if (header.required)
			assert.ok(value !== undefined, `${what}: header ${name} is documented as always sent`);
		if (value !== undefined && header.schema) {
			const typed = deref(header.schema).type === 'integer' ? Number(value) : value;
			assertValid(header.schema, typed, `${what}: header ${name}`);
		}
	}
	if (!response.content) {
		assert.equal(res.text, '', `${what}: no body is documented`);
		return res;
	}
	const mediaType = (res.headers['content-type'] ?? '').split(';')[0].trim();
	const media = response.content[mediaType];
	assert.ok(media, `${what}: media type '${mediaType}' is not among ` +
		`${Object.keys(response.content).join(', ')}`);
	if (/json$/.test(mediaType))
		assertValid(media.schema, JSON.parse(res.text), `${what}: body`);
	return res;
}

// Sends a request. A JSON body must be one the document accepts for the operation, or, with
// `invalid`, one it refuses as well (what the server refuses with 422 the document must not
// promise to take).
function send(method, template, values, { body, invalid = false, ...options } = {}) {
	const op = operationOf(method, template);
	if (isObject(body)) {
		const schema = deref(op.requestBody).content['application/json'].schema;
		const errors = validate(schema, body);
		if (invalid)
			assert.notDeepEqual(errors, [], `${method} ${template}: the document refuses ${JSON.stringify(body)} too`);
		else
			assert.deepEqual(errors, [], `${method} ${template}: request body ${JSON.stringify(body)}`);
	}
	return request(method, concrete(template, values), { ...options, body });
}

async function call(method, template, values, options) {
	return conforms(method, template, await send(method, template, values, options));
}

// --- the tests ------------------------------------------------------------------------------

test('the validator is not vacuous: it refuses what the schemas forbid', () => {
	const problem = { $ref: '#/components/schemas/Problem' };
	assert.deepEqual(validate(problem, { type: 'urn:x:y', title: 'Not Found', status: 404 }), []);
	assert.notDeepEqual(validate(problem, { title: 'Not Found', status: 404 }), []);
	assert.notDeepEqual(validate(problem, { type: 'urn:x:y', title: 'Not Found', status: '404' }), []);
	const plan = { $ref: '#/components/schemas/PublishPlan' };
	assert.notDeepEqual(validate(plan, { operations: [], conflicts: [], extra: 1 }), []);
	const def = { $ref: '#/components/schemas/TemplateDefinition' };
	assert.deepEqual(validate(def, { key: 'a', sections: [] }), []);
	assert.notDeepEqual(validate(def, { key: 'a', sections: [], colour: 'red' }), []);
	assert.notDeepEqual(validate(def, { key: 'A b', sections: [] }), []);
	const publish = operationOf('POST', '/api/v1/templates/{key}/versions/{n}/publish');
	const either = deref(publish.responses['200']).content['application/json'].schema;
	assert.deepEqual(validate(either, { operations: [], conflicts: [] }), []);
	assert.notDeepEqual(validate(either, { operations: [] }), []);
});

test('GET /api/v1/openapi.json is public, JSON, and app/openapi.json byte for byte', async () => {
	const res = await request('GET', '/api/v1/openapi.json');
	assert.equal(res.status, 200, res.text);
	assert.match(res.headers['content-type'], /^application\/json\b/);
	assert.ok(Buffer.from(res.text, 'utf8').equals(FILE), 'served document equals app/openapi.json');
	assert.deepEqual(JSON.parse(res.text), DOC);
	assert.equal(DOC.openapi, '3.1.0');
	assert.match(res.headers.etag, /^"[0-9a-f]{16,}"$/, 'a strong ETag');
	assert.equal(res.headers['cache-control'], 'public, max-age=300');
	conforms('GET', '/api/v1/openapi.json', res);
});

test('GET /api/v1/openapi.json answers 304 to its own ETag and 200 to another', async () => {
	const first = await request('GET', '/api/v1/openapi.json');
	const etag = first.headers.etag;
	const again = await request('GET', '/api/v1/openapi.json', { headers: { 'If-None-Match': etag } });
	assert.equal(again.status, 304);
	assert.equal(again.headers.etag, etag);
	conforms('GET', '/api/v1/openapi.json', again);
	const weak = await request('GET', '/api/v1/openapi.json', { headers: { 'If-None-Match': `"x", W/${etag}` } });
	assert.equal(weak.status, 304, 'If-None-Match compares weakly');
	const other = await request('GET', '/api/v1/openapi.json', { headers: { 'If-None-Match': '"0000"' } });
	assert.equal(other.status, 200);
	assert.ok(Buffer.from(other.text, 'utf8').equals(FILE));
});

test('problems still say Cache-Control: no-store', async () => {
	const res = await request('GET', '/api/v1/me');
	assert.equal(res.status, 401);
	assert.equal(res.headers['cache-control'], 'no-store');
});

test('every documented path answers other methods with 405 and Allow naming the documented ones', async () => {
	for (const [template, item] of Object.entries(DOC.paths)) {
		const documented = METHODS.filter((m) => m in item).map((m) => m.toUpperCase());
		const other = ['DELETE', 'PATCH', 'PUT', 'POST'].find((m) => !documented.includes(m));
		const res = await request(other, concrete(template));
		assertProblem(res, 405);
		conformsTo(deref({ $ref: '#/components/responses/MethodNotAllowed' }), res, `${other} ${template}`);
		const allow = res.headers.allow.split(',').map((m) => m.trim()).sort();
		assert.deepEqual(allow, documented.sort(), `Allow of ${template}`);
	}
});

test('operations documented with bearer security want a token; the public ones do not', async () => {
	for (const [template, item] of Object.entries(DOC.paths)) {
		for (const method of METHODS.filter((m) => m in item)) {
			const op = item[method];
			const security = op.security ?? DOC.security;
			const res = await request(method.toUpperCase(), concrete(template));
			if (security.length > 0) {
				assert.ok(security.every((alt) => 'bearerAuth' in alt));
				assertInvalidToken(res);
			} else {
				assert.notEqual(res.status, 401, `${method} ${template} is public: ${res.text}`);
			}
			conforms(method, template, res);
		}
	}
});

test('health, readiness and the caller', async () => {
	await call('GET', '/healthz');
	await call('GET', '/readyz');
	const me = await call('GET', '/api/v1/me', {}, { token: author });
	assert.deepEqual(me.json, { sub: `${TAG}-author`, name: 'author', roles: ['author'] });
});

test('users and login answer as documented', async () => {
	const username = `${TAG}-user`;
	const password = 'correct horse battery';
	const created = await call('POST', '/api/v1/users', {}, {
		token: admin, body: { username, password, name: 'OpenAPI user', roles: ['author'] },
	});
	assert.equal(created.status, 201);
	assert.equal(created.headers.etag, created.json.etag);
	const dup = await call('POST', '/api/v1/users', {}, { token: admin, body: { username, password } });
	assertProblem(dup, 409);
	const bad = await call('POST', '/api/v1/users', {}, {
		token: admin, body: { username: 'x y', password: 'short' }, invalid: true,
	});
	assertProblem(bad, 422);
	assert.ok(bad.json.errors.length >= 1);
	assertProblem(await call('POST', '/api/v1/users', {}, { token: author, body: { username, password } }), 403);
	await call('GET', '/api/v1/users', {}, { token: admin });
	assertProblem(await call('GET', '/api/v1/users?limit=0', {}, { token: admin }), 400);
	const one = await call('GET', '/api/v1/users/{username}', { username }, { token: admin });
	assertProblem(await call('GET', '/api/v1/users/{username}', { username: `${TAG}-nobody` }, { token: admin }), 404);
	assertProblem(await call('PATCH', '/api/v1/users/{username}', { username }, { token: admin, body: { name: 'x' } }), 428);
	assertProblem(await call('PATCH', '/api/v1/users/{username}', { username }, {
		token: admin, body: { name: 'x' }, headers: { 'If-Match': '"0"' },
	}), 412);
	const patched = await call('PATCH', '/api/v1/users/{username}', { username }, {
		token: admin, body: { name: 'Renamed', roles: ['author', 'reviewer'] }, headers: { 'If-Match': one.headers.etag },
	});
	assert.equal(patched.status, 200);
	assert.deepEqual(patched.json.roles, ['author', 'reviewer']);

	const login = await call('POST', '/api/v1/auth/login', {}, { body: { username, password } });
	assert.equal(login.status, 200);
	assert.equal(login.json.token_type, 'Bearer');
	const wrong = await call('POST', '/api/v1/auth/login', {}, { body: { username, password: 'wrong password' } });
	assertInvalidToken(wrong);
	assertProblem(await call('POST', '/api/v1/auth/login', {}, { body: '{"username": ', headers: { 'Content-Type': 'application/json' } }), 400);
	assertProblem(await call('POST', '/api/v1/auth/login', {}, { body: 'x', headers: { 'Content-Type': 'text/plain' } }), 415);
	assertProblem(await call('POST', '/api/v1/auth/login', {}, { body: { username }, invalid: true }), 422);
	const me = await call('GET', '/api/v1/me', {}, { token: login.json.access_token });
	assert.equal(me.json.sub, username);
});

test('templates, entries, sections and history answer as documented', async () => {
	const key = `${TAG}_tpl`.slice(0, 40);
	const def = {
		key,
		title: 'OpenAPI conformance',
		sections: [{
			key: 'main',
			title: 'Main',
			fields: [
				{ key: 'temperature', label: 'Temperature', type: 'decimal', required: true, min: -50, max: 120 },
				{ key: 'note', type: 'text', max_length: 20 },
				{ key: 'shift', type: 'choice', choices: ['early', 'late'] },
			],
			tables: [{ key: 'rows', label: 'Rows', columns: [{ key: 'n', type: 'integer', required: true }] }],
		}],
	};
	const T = '/api/v1/templates/{key}';
	const created = await call('POST', '/api/v1/templates', {}, { token: designer, body: def });
	assert.equal(created.status, 201);
	assert.equal(created.headers.location, `/api/v1/templates/${key}`);
	assert.equal(created.headers.etag, created.json.etag);
	assertProblem(await call('POST', '/api/v1/templates', {}, { token: designer, body: def }), 409);
	assertProblem(await call('POST', '/api/v1/templates', {}, { token: author, body: def }), 403);
	const invalid = await call('POST', '/api/v1/templates', {}, {
		token: designer, invalid: true,
		body: { key: 'Bad Key', sections: [{ key: 's', fields: [{ key: 'f', type: 'colour' }] }] },
	});
	assertProblem(invalid, 422);
	assert.ok(invalid.json.errors.length >= 2, 'every definition error is listed');

	await call('GET', '/api/v1/templates', {}, { token: readerToken });
	await call('GET', '/api/v1/templates?status=draft&limit=2', {}, { token: readerToken });
	assertProblem(await call('GET', '/api/v1/templates?status=gone', {}, { token: readerToken }), 400);
	const got = await call('GET', T, { key }, { token: readerToken });
	assert.equal(got.status, 200);
	assertProblem(await call('GET', T, { key: `${TAG}_none` }, { token: readerToken }), 404);
	await call('GET', `${T}/versions/{n}`, { key, n: '1' }, { token: readerToken });
	assertProblem(await call('GET', `${T}/versions/{n}`, { key, n: '9' }, { token: readerToken }), 404);

	const draftBody = { ...def, title: 'OpenAPI conformance, revised' };
	delete draftBody.key;
	assertProblem(await call('PUT', `${T}/draft`, { key }, { token: designer, body: draftBody }), 428);
	assertProblem(await call('PUT', `${T}/draft`, { key }, {
		token: designer, body: draftBody, headers: { 'If-Match': '"0"' },
	}), 412);
	const draft = await call('PUT', `${T}/draft`, { key }, {
		token: designer, body: draftBody, headers: { 'If-Match': got.headers.etag },
	});
	assert.equal(draft.status, 200);

	const P = `${T}/versions/{n}/publish`;
	const plan = await call('POST', `${P}?dry_run=true`, { key, n: '1' }, { token: designer });
	assert.equal(plan.status, 200);
	assert.ok(Array.isArray(plan.json.operations) && plan.json.operations.length > 0, plan.text);
	assertProblem(await call('POST', `${P}?dry_run=maybe`, { key, n: '1' }, { token: designer }), 400);
	const published = await call('POST', P, { key, n: '1' }, { token: designer });
	assert.equal(published.json.status, 'published');
	assertProblem(await call('POST', P, { key, n: '1' }, { token: designer }), 409);

	const E = '/api/v1/entries/{id}';
	const S = `${E}/sections/{section}`;
	const entry = await call('POST', `${T}/entries`, { key }, { token: author, body: {} });
	assert.equal(entry.status, 201);
	const id = entry.json.id;
	assert.equal(entry.headers.location, `/api/v1/entries/${id}`);
	const chosen = randomUUID();
	await call('POST', `${T}/entries`, { key }, { token: author, body: { id: chosen, title: 'chosen' } });
	assertProblem(await call('POST', `${T}/entries`, { key }, { token: author, body: { id: chosen } }), 409);
	assertProblem(await call('POST', `${T}/entries`, { key: `${TAG}_none` }, { token: author, body: {} }), 404);
	await call('GET', E, { id }, { token: readerToken });
	assertProblem(await call('GET', E, { id: 'not-a-uuid' }, { token: readerToken }), 404);
	const list = await call('GET', `/api/v1/entries?template=${key}&limit=1`, {}, { token: readerToken });
	assert.equal(list.json.items.length, 1);
	assert.equal(typeof list.json.next_cursor, 'string', 'two entries, one per page');
	assertProblem(await call('GET', '/api/v1/entries?state=lost', {}, { token: readerToken }), 400);

	const values = { id, section: 'main' };
	const etag = entry.json.sections.main.etag;
	const good = { data: { temperature: '21.5', note: 'ok', shift: 'early' }, tables: { rows: [{ n: 1 }, { n: 2 }] } };
	assertProblem(await call('PUT', S, values, { token: author, body: good }), 428);
	const saved = await call('PUT', S, values, { token: author, body: good, headers: { 'If-Match': etag } });
	assert.equal(saved.status, 200);
	assert.equal(saved.headers.etag, saved.json.etag);
	assertProblem(await call('PUT', S, values, { token: author, body: good, headers: { 'If-Match': etag } }), 412);
	// Valid as far as the document can tell (it knows no template's fields); not for this one.
	const wrong = await call('PUT', S, values, {
		token: author, headers: { 'If-Match': '*' },
		body: { data: { temperature: 500, note: 'far too long for twenty' }, tables: { rows: [{}] } },
	});
	assertProblem(wrong, 422);
	assert.ok(wrong.json.errors.length >= 3, `every invalid value is listed: ${wrong.text}`);
	assertProblem(await call('PUT', `${E}/sections/{section}`, { id, section: 'nosuch' }, {
		token: author, body: good, headers: { 'If-Match': '*' },
	}), 404);

	const X = `${S}/transitions`;
	const idem = { 'If-Match': saved.json.etag, 'Idempotency-Key': `${TAG}-submit` };
	const submitted = await call('POST', X, values, { token: author, body: { action: 'submit' }, headers: idem });
	assert.equal(submitted.json.state, 'submitted');
	const replay = await call('POST', X, values, { token: author, body: { action: 'submit' }, headers: idem });
	assert.equal(replay.headers['idempotent-replayed'], 'true');
	assert.deepEqual(replay.json, submitted.json);
	assertProblem(await call('POST', X, values, {
		token: author, body: { action: 'submit', comment: 'other' }, headers: idem,
	}), 409);
	assertProblem(await call('POST', X, values, {
		token: author, body: { action: 'submit' }, headers: { 'If-Match': '*' },
	}), 409);
	assertProblem(await call('POST', X, values, {
		token: author, body: { action: 'start_review' }, headers: { 'If-Match': '*' },
	}), 403);
	const review = await call('POST', X, values, {
		token: reviewer, body: { action: 'start_review' }, headers: { 'If-Match': submitted.headers.etag },
	});
	assert.equal(review.json.state, 'in_review');
	assertProblem(await call('POST', X, values, {
		token: reviewer, body: { action: 'reject' }, headers: { 'If-Match': '*' },
	}), 422);
	const history = await call('GET', `${S}/history`, values, { token: readerToken });
	assert.deepEqual(history.json.items.map((h) => h.action), ['save', 'submit', 'start_review']);
	assertProblem(await call('GET', `${S}/history`, { id: randomUUID(), section: 'main' }, { token: readerToken }), 404);

	const archived = await call('POST', `${T}/archive`, { key }, { token: designer });
	assert.equal(archived.json.archived, true);
	assertProblem(await call('POST', `${T}/archive`, { key }, { token: designer }), 409);
	assertProblem(await call('POST', `${T}/entries`, { key }, { token: author, body: {} }), 409);
	await call('GET', '/api/v1/templates?status=archived', {}, { token: readerToken });
});

test('the audit trail and events answer as documented', async () => {
	// Something of this file's in the trail: a template of its own.
	const key = `${TAG}_audit`.slice(0, 40);
	await call('POST', '/api/v1/templates', {}, { token: designer, body: { key, sections: [] } });
	const q = `object_type=template&object_id=${key}`;
	const page = await call('GET', `/api/v1/audit?${q}&limit=1`, {}, { token: auditor });
	assert.equal(page.json.items.length, 1);
	assert.equal(page.json.items[0].action, 'create');
	assertProblem(await call('GET', `/api/v1/audit?${q}`, {}, { token: author }), 403);
	assertProblem(await call('GET', '/api/v1/audit?from=yesterday', {}, { token: auditor }), 400);
	await call('GET', '/api/v1/audit/verify', {}, { token: auditor });
	assertProblem(await call('GET', '/api/v1/audit/verify?full=perhaps', {}, { token: auditor }), 400);

	const jsonl = await call('GET', `/api/v1/audit/export?format=jsonl&${q}`, {}, { token: auditor });
	const lines = jsonl.text.split('\n').filter((l) => l !== '');
	assert.equal(lines.length, 1);
	for (const line of lines)
		assertValid({ $ref: '#/components/schemas/AuditItem' }, JSON.parse(line), 'an exported line');
	const csv = await call('GET', `/api/v1/audit/export?format=csv&${q}`, {}, { token: auditor });
	assert.match(csv.text, /^seq,at,actor,action,object_type,object_id,section,request_id,client_ip,before,after,prev_hash,hash,roles,user_agent\r\n/);
	assertProblem(await call('GET', '/api/v1/audit/export?format=xml', {}, { token: auditor }), 400);

	const seq = page.json.items[0].seq;
	const events = await call('GET', `/api/v1/events?after=${seq - 1}&limit=5`, {}, { token: readerToken });
	assert.ok(events.json.items.length >= 1);
	assert.equal(events.json.items[0].seq, seq);
	const none = await call('GET', `/api/v1/events?after=999999999999&wait=0`, {}, { token: readerToken });
	assert.deepEqual(none.json, { items: [], next_cursor: '999999999999' });
	assertProblem(await call('GET', '/api/v1/events?wait=99', {}, { token: readerToken }), 400);
});
