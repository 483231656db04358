// Open311 GeoReport v2 (issue 19) end to end through nginx. The third-party GeoReport client
// `georeport` (PyPI, in the venv of tests/e2e/georeport/setup.sh) reads discovery-free parts of
// the spec it implements: the service list, service definitions, request search and request
// status, in JSON and in XML (it parses the XML itself). It has no create call and no
// discovery call, so those are driven raw, as the spec's form POST and GET. Then every error
// raw (the spec's list, JSON and XML, XML checked by a strict parser), the key scheme (missing,
// wrong, revoked → 403), the per-key rate limit (429) and the privacy rule.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { REPO, STACK, BASE_URL, request, get, login, registerUser } from './lib/stack.mjs';
import { now } from './lib/clock.mjs';

const VENV_PY = resolve(REPO, 'tests/e2e/georeport/.venv/bin/python');
const CLIENT = resolve(REPO, 'tests/e2e/georeport/client.py');
const ROOT = `${BASE_URL.replace(/\/$/, '')}/open311/v2`;
const auth = (token) => ({ headers: { authorization: `Bearer ${token}` } });
const FORM = 'application/x-www-form-urlencoded';
const ctx = {};

/** The georeport client: op services|definition|requests|request, in `format`. */
function georeport(format, op, arg) {
  const args = [CLIENT, ROOT, format, op, ...(arg === undefined ? [] : [typeof arg === 'string' ? arg : JSON.stringify(arg)])];
  try {
    return JSON.parse(execFileSync(VENV_PY, args, { encoding: 'utf8', timeout: 30000 }));
  } catch (e) {
    if (e.status === 3) return JSON.parse(e.stdout);
    throw e;
  }
}

/** Parses XML strictly (expat, through xmltodict of the venv): throws on malformed XML. */
function parseXml(text) {
  const code = 'import sys, json, xmltodict; print(json.dumps(xmltodict.parse(sys.stdin.buffer.read(), force_list=("request", "error", "service", "attribute", "value", "endpoint", "format"))))';
  return JSON.parse(execFileSync(VENV_PY, ['-c', code], { input: text, encoding: 'utf8', timeout: 30000 }));
}

function seed() {
  const build = process.env.SWMRA_BUILD_DIR || STACK.SWMRA_BUILD_DIR || REPO;
  const bin = resolve(build, 'seed/swmra-seed');
  if (!existsSync(bin)) return false;
  execFileSync(bin, ['--env-file', ''], { env: { ...process.env, ...STACK }, stdio: 'ignore', timeout: 60000 });
  return true;
}

async function tokenOf(email) {
  const res = await login(email, 'Passw0rd!');
  assert.equal(res.status, 200, res.text);
  return res.json.access_token;
}

async function issueKey(name, extra = {}) {
  const res = await request('POST', '/api/admin/api-keys', { ...auth(ctx.admin), json: { name, ...extra } });
  assert.equal(res.status, 201, res.text);
  assert.match(res.json.key, /^o311_[0-9a-f]{64}$/);
  return res.json;
}

const form = (fields) => new URLSearchParams(fields).toString();
/** POST requests.<fmt> with a form body. */
const create = (fields, fmt = 'json', opts = {}) =>
  request('POST', `/open311/v2/requests.${fmt}`, { headers: { 'content-type': FORM }, body: form(fields), ...opts });

/** YYYY-MM-DD of a local date 2..8 days ahead that offers recyclable slots, and its slots. */
async function dayWithSlots(token) {
  const tz = STACK.SERVICE_TZ || 'Asia/Kolkata';
  for (let d = 2; d <= 8; d++) {
    const day = new Intl.DateTimeFormat('en-CA', { timeZone: tz }).format(new Date(now() + d * 86400000));
    const res = await get(`/api/slots/available?date=${day}&category=recyclable`, auth(token));
    if (res.status === 200 && res.json.length) return { day, slots: res.json };
  }
  assert.fail('no day with recyclable slots in the next 8 days');
}

const pickup = (extra = {}) => ({
  service_code: 'recyclable',
  'attribute[quantity]': '2',
  'attribute[special_handling]': 'false',
  address_string: '12 MG Road, Shivajinagar, Pune 411005',
  lat: '18.5308',
  long: '73.8475',
  description: 'Two bags of bottles by the gate',
  media_url: 'https://photos.example.org/bottles.jpg',
  first_name: 'Asha',
  last_name: 'Kulkarni',
  phone: '+91 98765 43210',
  ...extra,
});
const fresh = () => `o311-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}@example.com`;

before(async () => {
  assert.ok(existsSync(VENV_PY), 'tests/e2e/georeport/.venv is missing: run tests/e2e/georeport/setup.sh (scripts/dev install does)');
  assert.ok(seed(), 'seed/swmra-seed not built');
  ctx.admin = await tokenOf('admin@example.com');
  ctx.staff = await tokenOf('staff@example.com');
  ctx.keyA = await issueKey('Call centre A');
  ctx.keyB = await issueKey('Citizen app B');
});

test('discovery (raw: the client has no discovery call), JSON and XML', async () => {
  const j = await get('/open311/v2/discovery.json');
  assert.equal(j.status, 200, j.text);
  assert.match(j.headers['content-type'], /^application\/json/);
  const ep = j.json.endpoints[0];
  assert.equal(ep.specification, 'http://wiki.open311.org/GeoReport_v2');
  assert.match(ep.url, /\/open311\/v2$/);
  assert.deepEqual(ep.formats, ['application/json', 'text/xml']);
  const x = await get('/open311/v2/discovery.xml');
  assert.equal(x.status, 200);
  assert.match(x.headers['content-type'], /^text\/xml/);
  const d = parseXml(x.text).discovery;
  assert.equal(d.endpoints.endpoint[0].specification, 'http://wiki.open311.org/GeoReport_v2');
  assert.deepEqual(d.endpoints.endpoint[0].formats.format, ['application/json', 'text/xml']);
});

for (const fmt of ['json', 'xml']) {
  test(`georeport client (${fmt}): services and service definitions`, () => {
    const services = georeport(fmt, 'services');
    assert.deepEqual(services.map((s) => s.service_code), ['organic', 'recyclable', 'hazardous', 'e-waste', 'bulk', 'other']);
    for (const s of services) {
      assert.equal(String(s.metadata), fmt === 'json' ? 'true' : 'true');
      assert.equal(s.type, 'realtime');
      assert.equal(s.group, 'Waste pickup');
      assert.ok(s.service_name && s.description);
    }
    const def = georeport(fmt, 'definition', 'hazardous');
    assert.equal(def.service_code, 'hazardous');
    const attrs = fmt === 'json' ? def.attributes : [].concat(def.attributes.attribute);
    assert.deepEqual(attrs.map((a) => a.code), ['quantity', 'special_handling', 'preferred_date']);
    const [qty, special, date] = attrs;
    assert.equal(qty.datatype, 'number');
    assert.equal(String(qty.required), 'true');
    assert.equal(special.datatype, 'singlevaluelist');
    const values = fmt === 'json' ? special.values : special.values.value;
    assert.deepEqual(values.map((v) => v.key), ['true', 'false']);
    assert.equal(date.datatype, 'datetime');
    assert.equal(String(date.required), 'false');
    const missing = georeport(fmt, 'definition', 'furniture');
    assert.equal(missing.http_error, 404);
  });
}

test('create (raw form POST) then follow it with the georeport client; new residents get a password-less account', async () => {
  const email = fresh();
  const { day } = await dayWithSlots((await registerUser()).token);
  const res = await create({ ...pickup(), api_key: ctx.keyA.key, email, 'attribute[preferred_date]': day });
  assert.equal(res.status, 200, res.text);
  const [made] = res.json;
  assert.match(made.service_request_id, /^[0-9a-f]{24}$/);
  assert.match(made.account_id, /^[0-9a-f]{24}$/);
  assert.ok(made.service_notice);
  // the account exists, without a password: nobody can sign in to it until a reset
  const li = await login(email, 'Passw0rd!');
  assert.equal(li.status, 401, li.text);
  const users = await get(`/api/admin/users?q=${encodeURIComponent(email)}`, auth(ctx.admin));
  assert.equal(users.json.items.length, 1);
  assert.equal(users.json.items[0].id, made.account_id);
  assert.equal(users.json.items[0].name, 'Asha Kulkarni');
  // staff see an ordinary submitted request, with the preferred slots of that day
  const staffView = await get(`/api/staff/requests/${made.service_request_id}`, auth(ctx.staff));
  assert.equal(staffView.status, 200, staffView.text);
  assert.equal(staffView.json.status, 'submitted');
  assert.equal(staffView.json.quantity, 2);
  assert.equal(staffView.json.address.pincode, '411005');
  assert.ok(staffView.json.preferred_slots.length >= 1);

  for (const fmt of ['json', 'xml']) {
    const one = georeport(fmt, 'request', made.service_request_id);
    assert.equal(one.service_request_id, made.service_request_id);
    assert.equal(one.status, 'open');
    assert.equal(one.service_code, 'recyclable');
    assert.equal(one.zipcode, '411005');
    assert.ok(one.requested_datetime);
    // the client sends no key: nothing personal
    for (const k of ['description', 'address', 'lat', 'long', 'media_url']) assert.equal(one[k], undefined, `${fmt}: ${k} shown without a key`);
    const many = [].concat(georeport(fmt, 'requests', { service_request_id: made.service_request_id }));
    assert.equal(many.length, 1);
    assert.equal(many[0].service_request_id, made.service_request_id);
    const open = [].concat(georeport(fmt, 'requests', { service_code: 'recyclable', status: 'open' }));
    assert.ok(open.some((r) => r.service_request_id === made.service_request_id));
  }
  ctx.madeA = made;
});

test('an existing resident owns the request; status, notes and expected time follow the lifecycle', async () => {
  const resident = await registerUser();
  const res = await create({ ...pickup(), api_key: ctx.keyA.key, email: resident.body.email.toUpperCase() }, 'xml');
  assert.equal(res.status, 200, res.text);
  assert.match(res.headers['content-type'], /^text\/xml/);
  const made = parseXml(res.text).service_requests.request[0];
  assert.equal(made.account_id, resident.user.id);
  const mine = await get('/api/requests', auth(resident.token));
  assert.ok(mine.json.items.some((r) => r.id === made.service_request_id));

  const { slots } = await dayWithSlots(resident.token);
  const id = made.service_request_id;
  for (const [to, extra] of [['pending_review', {}], ['scheduled', { slot_start: slots[0].start, slot_end: slots[0].end, note: 'Crew 4 comes in the morning' }]]) {
    const t = await request('POST', `/api/staff/requests/${id}/transition`, { ...auth(ctx.staff), json: { to, ...extra } });
    assert.equal(t.status, 200, t.text);
  }
  const sched = georeport('json', 'request', id);
  assert.equal(sched.status, 'open');
  assert.equal(sched.status_notes, 'Crew 4 comes in the morning');
  assert.equal(Date.parse(sched.expected_datetime), Date.parse(slots[0].start));
  const c = await request('POST', `/api/staff/requests/${id}/transition`, { ...auth(ctx.staff), json: { to: 'cancelled', note: 'Duplicate of an earlier request' } });
  assert.equal(c.status, 200, c.text);
  const closed = georeport('xml', 'request', id);
  assert.equal(closed.status, 'closed');
  assert.equal(closed.status_notes, 'Duplicate of an earlier request');
  const closedList = [].concat(georeport('json', 'requests', { service_request_id: id, status: 'open' }));
  assert.equal(closedList[0].status, 'closed', 'ids override the other filters (the spec)');
  const onlyClosed = await get(`/open311/v2/requests.json?status=closed&service_code=recyclable`);
  assert.ok(onlyClosed.json.some((r) => r.service_request_id === id));
  assert.ok(onlyClosed.json.every((r) => r.status === 'closed'));
});

test('privacy: full detail only for the key that created the request', async () => {
  const id = ctx.madeA.service_request_id;
  const withA = await get(`/open311/v2/requests/${id}.json?api_key=${ctx.keyA.key}`);
  assert.equal(withA.status, 200, withA.text);
  const a = withA.json[0];
  assert.equal(a.description, 'Two bags of bottles by the gate');
  assert.match(a.address, /12 MG Road/);
  assert.equal(a.lat, 18.5308);
  assert.equal(a.long, 73.8475);
  assert.equal(a.media_url, 'https://photos.example.org/bottles.jpg');
  const xmlA = parseXml((await get(`/open311/v2/requests/${id}.xml?api_key=${ctx.keyA.key}`)).text);
  assert.equal(xmlA.service_requests.request[0].description, 'Two bags of bottles by the gate');
  for (const path of [`/open311/v2/requests/${id}.json?api_key=${ctx.keyB.key}`, `/open311/v2/requests/${id}.json`,
    `/open311/v2/requests.json?service_request_id=${id}&api_key=${ctx.keyB.key}`]) {
    const r = await get(path);
    assert.equal(r.status, 200, r.text);
    const item = r.json[0];
    assert.equal(item.zipcode, '411005');
    for (const k of ['description', 'address', 'lat', 'long', 'media_url']) assert.equal(item[k], undefined, `${path}: ${k}`);
    for (const v of Object.values(item)) assert.ok(!/Asha|Kulkarni|MG Road|bottles/.test(String(v)), `${path}: ${v}`);
  }
  const xmlB = parseXml((await get(`/open311/v2/requests/${id}.xml?api_key=${ctx.keyB.key}`)).text);
  assert.equal(xmlB.service_requests.request[0].description, undefined);
  // a list with key A: its own request in full, others not
  const list = await get(`/open311/v2/requests.json?api_key=${ctx.keyA.key}`);
  assert.equal(list.status, 200, list.text);
  assert.ok(list.json.find((r) => r.service_request_id === id).description);
});

/** Asserts the spec's error list, JSON or XML (strictly parsed). */
function assertError(res, status, fmt = 'json', re = /./) {
  assert.equal(res.status, status, `${res.status} ${res.text}`);
  if (fmt === 'xml') {
    assert.match(res.headers['content-type'], /^text\/xml/, res.text);
    const e = parseXml(res.text).errors.error;
    assert.equal(e.length, 1);
    assert.equal(e[0].code, String(status));
    assert.match(e[0].description, re);
  } else {
    assert.match(res.headers['content-type'], /^application\/json/, res.text);
    assert.equal(res.json.length, 1, res.text);
    assert.equal(res.json[0].code, status);
    assert.match(res.json[0].description, re);
  }
  assert.ok(!/<html/i.test(res.text));
}

test('every bad input answers the spec error list (JSON and XML) and changes nothing', async () => {
  const before = (await get(`/open311/v2/requests.json?api_key=${ctx.keyA.key}`)).json.length;
  const key = ctx.keyA.key;
  const email = fresh();
  const cases = [
    [{ ...pickup(), email }, 403, /api_key required/],
    [{ ...pickup(), email, api_key: `o311_${'0'.repeat(64)}` }, 403, /Invalid api_key/],
    [{ ...pickup(), email, api_key: 'short' }, 403, /Invalid api_key/],
    [{ ...pickup({ service_code: '' }), email, api_key: key }, 400, /service_code is required/],
    [{ ...pickup({ service_code: 'furniture' }), email, api_key: key }, 404, /service_code not found/],
    [{ ...pickup({ 'attribute[quantity]': '' }), email, api_key: key }, 400, /quantity/],
    [{ ...pickup({ 'attribute[quantity]': '0' }), email, api_key: key }, 400, /quantity/],
    [{ ...pickup({ 'attribute[quantity]': '101' }), email, api_key: key }, 400, /quantity/],
    [{ ...pickup({ 'attribute[special_handling]': 'maybe' }), email, api_key: key }, 400, /special_handling/],
    [{ ...pickup({ 'attribute[preferred_date]': 'soon' }), email, api_key: key }, 400, /preferred_date/],
    [{ ...pickup({ 'attribute[preferred_date]': '2001-01-01' }), email, api_key: key }, 400, /no pickup slots/],
    [{ ...pickup({ 'attribute[colour]': 'red' }), email, api_key: key }, 400, /unknown field or attribute/],
    [{ ...pickup({ address_string: '', lat: '', long: '' }), email, api_key: key }, 400, /location is required/],
    [{ ...pickup({ long: '' }), email, api_key: key }, 400, /both or neither/],
    [{ ...pickup({ lat: '91' }), email, api_key: key }, 400, /decimal degrees/],
    [{ ...pickup({ address_string: 'x' }), email, api_key: key }, 400, /address_string/],
    [{ ...pickup({ description: 'hey' }), email, api_key: key }, 400, /description/],
    [{ ...pickup({ media_url: 'javascript:alert(1)' }), email, api_key: key }, 400, /media_url/],
    [{ ...pickup({ phone: 'call me' }), email, api_key: key }, 400, /phone/],
    [{ ...pickup({ first_name: 'A'.repeat(51) }), email, api_key: key }, 400, /first_name/],
    [{ ...pickup(), email: 'not-an-email', api_key: key }, 400, /email/],
    [{ ...pickup(), api_key: key }, 400, /email/],
  ];
  for (const fmt of ['json', 'xml']) {
    for (const [fields, status, re] of cases) {
      const body = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== ''));
      if (fields.service_code === '') delete body.service_code;
      assertError(await create(body, fmt), status, fmt, re);
    }
  }
  // repeated field, NUL, and bodies that are not a form
  const dup = `${form({ ...pickup(), email, api_key: key })}&service_code=bulk`;
  assertError(await request('POST', '/open311/v2/requests.json', { headers: { 'content-type': FORM }, body: dup }), 400, 'json', /more than once/);
  const nul = `${form({ ...pickup(), email, api_key: key })}&description=abc%00defgh`;
  assertError(await request('POST', '/open311/v2/requests.xml', { headers: { 'content-type': FORM }, body: nul }), 400, 'xml', /NUL/);
  assertError(await request('POST', `/open311/v2/requests.json?api_key=${key}`, { json: { ...pickup(), email } }), 400, 'json', /x-www-form-urlencoded/);
  // a body over the limit (nginx's, MAX_BODY_BYTES in the worker): the spec's list, never HTML
  assertError(await create({ ...pickup(), email, api_key: key, description: 'x'.repeat(2 * 1024 * 1024) }), 413, 'json');
  // reads
  assertError(await get('/open311/v2/requests/nothing.json'), 404, 'json', /not found/);
  assertError(await get('/open311/v2/requests/000000000000000000000000.xml'), 404, 'xml', /not found/);
  assertError(await get('/open311/v2/services/furniture.xml'), 404, 'xml', /service_code not found/);
  assertError(await get('/open311/v2/requests.json?status=pending'), 400, 'json', /status/);
  assertError(await get('/open311/v2/requests.xml?service_code=furniture'), 400, 'xml', /service_code/);
  assertError(await get('/open311/v2/requests.json?service_request_id=abc'), 400, 'json', /service_request_id/);
  assertError(await get('/open311/v2/requests.json?start_date=yesterday'), 400, 'json', /start_date/);
  assertError(await get('/open311/v2/requests.xml?start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z'), 400, 'xml', /90 days/);
  assertError(await get('/open311/v2/requests.json?start_date=2026-02-01T00:00:00Z&end_date=2026-01-01T00:00:00Z'), 400, 'json', /after/);
  assertError(await get(`/open311/v2/requests.json?api_key=nope`), 403, 'json', /Invalid api_key/);
  // the router's own answers under /open311/
  assertError(await get('/open311/v2/nothing.json'), 404, 'json');
  assertError(await get('/open311/v2/nothing.xml'), 404, 'xml');
  assertError(await request('DELETE', '/open311/v2/requests.xml'), 405, 'xml');
  assertError(await request('PUT', '/open311/v2/services.json'), 405, 'json');
  const after = (await get(`/open311/v2/requests.json?api_key=${ctx.keyA.key}`)).json.length;
  assert.equal(after, before, 'no request was created by a refused call');
  const users = await get(`/api/admin/users?q=${encodeURIComponent(email)}`, auth(ctx.admin));
  assert.equal(users.json.items.length, 0, 'no account was created by a refused call');
});

test('API keys: issued (secret once), listed with last use, revoked → 403; admins only', async () => {
  const k = await issueKey('Short-lived');
  const list = await get('/api/admin/api-keys', auth(ctx.admin));
  assert.equal(list.status, 200, list.text);
  const row = list.json.items.find((i) => i.id === k.id);
  assert.equal(row.name, 'Short-lived');
  assert.equal(row.key, undefined, 'the secret is never listed');
  assert.ok(!list.text.includes(k.key));
  assert.equal(row.last_used_at, null);
  assert.equal((await get(`/open311/v2/requests.json?api_key=${k.key}`)).status, 200);
  const used = (await get('/api/admin/api-keys', auth(ctx.admin))).json.items.find((i) => i.id === k.id);
  assert.ok(used.last_used_at, 'last use recorded');
  const del = await request('DELETE', `/api/admin/api-keys/${k.id}`, auth(ctx.admin));
  assert.equal(del.status, 204, del.text);
  assertError(await get(`/open311/v2/requests.json?api_key=${k.key}`), 403, 'json', /Invalid api_key/);
  assertError(await create({ ...pickup(), email: fresh(), api_key: k.key }, 'xml'), 403, 'xml', /Invalid api_key/);
  const revoked = (await get('/api/admin/api-keys', auth(ctx.admin))).json.items.find((i) => i.id === k.id);
  assert.ok(revoked.revoked_at);
  assert.equal((await request('DELETE', '/api/admin/api-keys/000000000000000000000000', auth(ctx.admin))).status, 404);
  const bad = await request('POST', '/api/admin/api-keys', { ...auth(ctx.admin), json: { name: '' } });
  assert.equal(bad.status, 422, bad.text);
  assert.equal((await get('/api/admin/api-keys', auth(ctx.staff))).status, 403);
  assert.equal((await request('POST', '/api/admin/api-keys', { ...auth(ctx.staff), json: { name: 'x' } })).status, 403);
});

test('each key has its own rate limit (429 with Retry-After, the spec list)', async () => {
  const slow = await issueKey('Rate limited', { rate_per_minute: 3 });
  // the limit counts per clock minute: start well inside one
  const into = Date.now() % 60000;
  if (into > 50000) await new Promise((r) => setTimeout(r, 60500 - into));
  for (let i = 0; i < 3; i++) {
    const r = await get(`/open311/v2/requests.json?api_key=${slow.key}&service_code=bulk`);
    assert.equal(r.status, 200, `call ${i}: ${r.text}`);
  }
  const over = await get(`/open311/v2/requests.xml?api_key=${slow.key}`);
  assertError(over, 429, 'xml', /Slow down/);
  assert.ok(Number(over.headers['retry-after']) >= 1 && Number(over.headers['retry-after']) <= 60);
  const post = await create({ ...pickup(), email: fresh(), api_key: slow.key });
  assertError(post, 429, 'json');
  // another key is not affected, nor is a caller without a key
  assert.equal((await get(`/open311/v2/requests.json?api_key=${ctx.keyB.key}&service_code=bulk`)).status, 200);
  assert.equal((await get('/open311/v2/requests.json?service_code=bulk')).status, 200);
});
