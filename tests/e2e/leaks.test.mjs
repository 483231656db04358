// Issue 12 §5, small leaks and inconsistencies, end to end through nginx: JSON bodies for
// the errors nginx answers itself (odd requests sent over raw sockets, as a hostile client
// would), `null` bodies, NUL and duplicate keys, %00 in query values, Cache-Control on
// signed-in and token answers. (Readiness while the database is down, and the log volume
// of an outage, are in zz-resilience.test.mjs: they stop FerretDB.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { BASE_URL, request, get, post, login, registerUser, freshAddress, newUser } from './lib/stack.mjs';

const base = new URL(BASE_URL);

/** Sends `raw` bytes on a fresh connection; resolves { status, headers, body } of the answer. */
function rawRequest(raw) {
  return new Promise((resolvePromise, reject) => {
    const sock = net.connect({ host: base.hostname, port: Number(base.port || 80) });
    const chunks = [];
    sock.setTimeout(15000, () => sock.destroy(new Error('raw request timed out')));
    sock.on('connect', () => sock.end(raw));
    sock.on('data', (c) => chunks.push(c));
    sock.on('error', (err) => (chunks.length ? null : reject(err)));
    sock.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const split = text.indexOf('\r\n\r\n');
      const head = split < 0 ? text : text.slice(0, split);
      const [statusLine, ...lines] = head.split('\r\n');
      const headers = {};
      for (const l of lines) {
        const i = l.indexOf(':');
        if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
      }
      resolvePromise({ status: Number(statusLine.split(' ')[1]), headers, body: split < 0 ? '' : text.slice(split + 4) });
    });
  });
}

function assertJsonDetail(res, what) {
  assert.match(res.headers['content-type'] || '', /^application\/json/, `${what}: content-type ${res.headers['content-type']}`);
  let body;
  assert.doesNotThrow(() => (body = JSON.parse(res.body)), `${what}: body is JSON: ${res.body.slice(0, 200)}`);
  assert.equal(typeof body.detail, 'string', `${what}: ${res.body.slice(0, 200)}`);
  assert.ok(!/<html/i.test(res.body), what);
}

test('errors nginx answers itself under /api are JSON {"detail": ...}, never HTML', async () => {
  const long = 'a'.repeat(9000);
  const cases = [
    ['%00 in the path', `GET /api/requests%00x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, 400],
    ['a header over 8 KB', `GET /api/health HTTP/1.1\r\nHost: x\r\nX-Big: ${long}\r\nConnection: close\r\n\r\n`, 400],
    ['a cookie over 8 KB', `GET /api/auth/me HTTP/1.1\r\nHost: x\r\nCookie: c=${long}\r\nConnection: close\r\n\r\n`, 400],
    ['a URI over 8 KB', `GET /api/requests?q=${long} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, 414],
    ['a broken request line', `G@T /api/health HTTP/1.1\r\nHost: x\r\n\r\n`, 400],
    ['no Host header', `GET /api/health HTTP/1.1\r\nConnection: close\r\n\r\n`, 400],
    ['a bad chunked body', `POST /api/auth/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\nConnection: close\r\n\r\nzz\r\n`, 400],
    ['a bad chunked upload', `POST /api/files/upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n`, 400],
    ['a missing static file under /api', `GET /api/docs/dist/missing.js HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, 404],
    ['a method nginx refuses', `TRACE /api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, 405],
    ['a body over the limit', `POST /api/requests HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2000000\r\nConnection: close\r\n\r\n`, 413],
  ];
  for (const [what, raw, status] of cases) {
    const res = await rawRequest(raw);
    assert.equal(res.status, status, `${what}: ${res.status} ${res.body.slice(0, 200)}`);
    assertJsonDetail(res, what);
  }
});

test('a JSON body of null is the same 422 as true or []', async () => {
  const u = await registerUser();
  assert.ok(u, 'register works');
  const auth = { authorization: `Bearer ${u.token}` };
  for (const body of ['null', 'true', '[]', ' null ']) {
    const res = await request('POST', '/api/requests', { headers: { ...auth, 'content-type': 'application/json' }, body });
    assert.equal(res.status, 422, `${body}: ${res.text}`);
    assert.equal(res.json.detail[0].type, 'dict_type', `${body}: ${res.text}`);
  }
  const loginNull = await request('POST', '/api/auth/login', { headers: { 'content-type': 'application/json' }, body: 'null', localAddress: freshAddress() });
  assert.equal(loginNull.status, 422, loginNull.text);
});

test('NUL in a JSON key, a repeated key (login too) and %00 in a query value are refused with 422', async () => {
  const u = await registerUser();
  const auth = { authorization: `Bearer ${u.token}` };
  const good = '"description":"Kitchen waste, two bins","quantity":2,"address":{"line1":"7 FC Road","city":"Pune","pincode":"411004"}';
  const bodies = [
    `{"category\\u0000x":"organic",${good}}`,
    `{"category":"organic","category":"bulk",${good}}`,
    `{"category":"organic","description":"Kitchen waste, two bins","quantity":2,"address":{"line1":"7 FC Road","city":"Pune","city":"Mumbai","pincode":"411004"}}`,
  ];
  const before = (await get('/api/requests', { headers: auth })).json.total;
  for (const body of bodies) {
    const res = await request('POST', '/api/requests', { headers: { ...auth, 'content-type': 'application/json' }, body });
    assert.equal(res.status, 422, `${body}: ${res.status} ${res.text}`);
    assert.equal(res.json.detail[0].type, 'key_invalid', res.text);
  }
  assert.equal((await get('/api/requests', { headers: auth })).json.total, before, 'nothing was stored');

  // login: the last password used to win; now the body is refused whatever the values
  const { email, password } = u.body;
  const dup = await request('POST', '/api/auth/login', {
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: 'wrong-one' }).replace(/}$/, `,"password":${JSON.stringify(password)}}`),
    localAddress: freshAddress(),
  });
  assert.equal(dup.status, 422, dup.text);
  assert.equal(dup.json.detail[0].type, 'key_invalid');
  assert.equal((await login(email, password)).status, 200, 'the plain login still works');

  for (const q of ['status=draft%00xyz', 'category=bulk%00', 'skip=0%00']) {
    const res = await get(`/api/requests?${q}`, { headers: auth });
    assert.equal(res.status, 422, `${q}: ${res.text}`);
    assert.equal(res.json.detail[0].type, 'string_nul');
  }
});

test('signed-in answers and login/register answers carry Cache-Control: no-store', async () => {
  const body = newUser();
  const reg = await post('/api/auth/register', body, { localAddress: freshAddress() });
  assert.equal(reg.status, 201, reg.text);
  assert.equal(reg.headers['cache-control'], 'no-store', 'register');
  const log = await login(body.email, body.password);
  assert.equal(log.status, 200);
  assert.equal(log.headers['cache-control'], 'no-store', 'login');
  const bad = await login(body.email, 'wrong password');
  assert.equal(bad.headers['cache-control'], 'no-store', 'a failed login');
  const auth = { authorization: `Bearer ${log.json.access_token}` };
  for (const path of ['/api/auth/me', '/api/requests', '/api/notifications', '/api/rewards/summary']) {
    const res = await get(path, { headers: auth });
    assert.equal(res.status, 200, `${path}: ${res.text}`);
    assert.equal(res.headers['cache-control'], 'no-store', path);
  }
  const anon = await get('/api/auth/me');
  assert.equal(anon.status, 401);
  assert.equal(anon.headers['cache-control'], 'no-store', '401 of a signed-in route');
});

test('events[].by is the acting user id as a string, with by_role beside it', async () => {
  const u = await registerUser();
  const auth = { authorization: `Bearer ${u.token}` };
  const created = await post('/api/requests', {
    category: 'organic',
    description: 'Kitchen waste, two bins',
    quantity: 2,
    address: { line1: '7 FC Road', city: 'Pune', pincode: '411004' },
  }, { headers: auth });
  assert.equal(created.status, 201, created.text);
  const staffLogin = await login('staff@example.com', 'Passw0rd!');
  assert.equal(staffLogin.status, 200, `the seed staff user: ${staffLogin.text}`);
  const staff = staffLogin.json;
  const moved = await post(`/api/staff/requests/${created.json.id}/transition`, { to: 'pending_review', note: 'Looks fine' }, { headers: { authorization: `Bearer ${staff.access_token}` } });
  assert.equal(moved.status, 200, moved.text);
  const got = await get(`/api/requests/${created.json.id}`, { headers: auth });
  assert.equal(got.status, 200);
  const [first, second] = got.json.events;
  assert.equal(first.by, u.user.id);
  assert.equal(first.by_role, 'citizen');
  assert.equal(second.by, staff.user.id);
  assert.equal(second.by_role, 'staff');
  for (const e of got.json.events) assert.equal(typeof e.by, 'string', JSON.stringify(e));
});
