// Session and slot-setting changes through the real stack (WORKERS=4, each with its own caches,
// src/domain/session_cache.h): right after a logout, a disable or a demotion answered, every
// following request is refused, whichever worker takes it — the writer bumps a counter the
// node's workers share, so no worker answers from a stale cache, not even for a second.
// (Across machines the same change arrives within a second: tests/integration/
// test_session_cache.c races separate processes that share only the database.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request, get, login, registerUser } from './lib/stack.mjs';

const auth = (token) => ({ headers: { authorization: `Bearer ${token}` } });

/** `n` requests at once and then `n` one after the other: the statuses. */
async function burst(path, token, n = 12) {
  const together = await Promise.all(Array.from({ length: n }, () => get(path, auth(token))));
  const serial = [];
  for (let i = 0; i < n; i++) serial.push(await get(path, auth(token)));
  return [...together, ...serial].map((r) => r.status);
}

async function admin() {
  const r = await login('admin@example.com', 'Passw0rd!');
  assert.equal(r.status, 200, r.text);
  return r.json.access_token;
}

test('a logged-out token is refused by every worker at once', async () => {
  const u = await registerUser();
  // every worker has seen (cached) this session
  assert.deepEqual([...new Set(await burst('/api/auth/me', u.token))], [200]);
  const out = await request('POST', '/api/auth/logout', auth(u.token));
  assert.equal(out.status, 204, out.text);
  assert.deepEqual([...new Set(await burst('/api/auth/me', u.token))], [401]);
});

test('a disabled account is refused by every worker at once; enabled again, it signs in afresh', async () => {
  const a = await admin();
  const u = await registerUser();
  assert.deepEqual([...new Set(await burst('/api/notifications/unread-count', u.token))], [200]);
  let r = await request('PATCH', `/api/admin/users/${u.user.id}`, { ...auth(a), json: { disabled: true } });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual([...new Set(await burst('/api/notifications/unread-count', u.token))], [401]);
  r = await request('PATCH', `/api/admin/users/${u.user.id}`, { ...auth(a), json: { disabled: false } });
  assert.equal(r.status, 200, r.text);
  // disabling ended the account's sessions: the old token stays refused everywhere
  assert.deepEqual([...new Set(await burst('/api/notifications/unread-count', u.token))], [401]);
  const again = await login(u.body.email, u.body.password);
  assert.equal(again.status, 200, again.text);
  assert.deepEqual([...new Set(await burst('/api/notifications/unread-count', again.json.access_token))], [200]);
});

test('a demoted staff member loses staff routes on every worker at once', async () => {
  const a = await admin();
  const u = await registerUser();
  let r = await request('PATCH', `/api/admin/users/${u.user.id}`, { ...auth(a), json: { role: 'staff' } });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual([...new Set(await burst('/api/staff/requests?limit=1', u.token))], [200]);
  r = await request('PATCH', `/api/admin/users/${u.user.id}`, { ...auth(a), json: { role: 'citizen' } });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual([...new Set(await burst('/api/staff/requests?limit=1', u.token))], [403]);
});

test('a profile edit shows in /api/auth/me on every worker at once (answered from the session cache)', async () => {
  const a = await admin();
  const u = await registerUser();
  const names = async () => {
    const together = await Promise.all(Array.from({ length: 12 }, () => get('/api/auth/me', auth(u.token))));
    const serial = [];
    for (let i = 0; i < 12; i++) serial.push(await get('/api/auth/me', auth(u.token)));
    return [...together, ...serial].map((r) => {
      assert.equal(r.status, 200, r.text);
      return `${r.json.name}|${r.json.phone}|${r.json.locale}|${r.json.prefs.sms}|${r.json.role}`;
    });
  };
  const before = [...new Set(await names())];
  assert.equal(before.length, 1);
  assert.ok(before[0].startsWith(`${u.user.name}|`), before[0]);
  let r = await request('PATCH', '/api/auth/me', { ...auth(u.token), json: { name: 'Edited Once', phone: '+91 98450 11111', locale: 'hi', prefs: { sms: true } } });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual([...new Set(await names())], ['Edited Once|+91 98450 11111|hi|true|citizen']);
  // an admin's change of the same account (its role), through another session
  r = await request('PATCH', `/api/admin/users/${u.user.id}`, { ...auth(a), json: { role: 'staff' } });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual([...new Set(await names())], ['Edited Once|+91 98450 11111|hi|true|staff']);
});

test('a date closed by an admin is closed on every worker at once, and open again at once', async () => {
  // the slot template and overrides are cached per worker on the same generation
  const a = await admin();
  const u = await registerUser();
  const dateIn = (d) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Kolkata' }).format(new Date(Date.now() + d * 86400000));
  let date;
  const counts = async () => {
    const path = `/api/slots/available?date=${date}&category=recyclable`;
    const rs = await Promise.all(Array.from({ length: 12 }, () => get(path, auth(u.token))));
    rs.forEach((r) => assert.equal(r.status, 200, r.text));
    return [...new Set(rs.map((r) => r.json.length))];
  };
  let open = [0];
  for (let d = 2; d < 10 && !(open[0] > 0); d++) {
    date = dateIn(d);
    open = await counts();
  }
  assert.equal(open.length, 1);
  assert.ok(open[0] > 0, 'the seeded template offers slots on that date');
  const ov = await request('POST', '/api/admin/slot-overrides', { ...auth(a), json: { from: date, to: date, closed: true } });
  assert.equal(ov.status, 201, ov.text);
  try {
    assert.deepEqual(await counts(), [0]);
  } finally {
    const del = await request('DELETE', `/api/admin/slot-overrides/${ov.json.id}`, auth(a));
    assert.equal(del.status, 204, del.text);
  }
  assert.deepEqual(await counts(), open);
});
