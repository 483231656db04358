// Session changes through the real stack (WORKERS=4, each with its own session cache,
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

test('a disabled account is refused by every worker at once, and back when enabled', async () => {
  const a = await admin();
  const u = await registerUser();
  assert.deepEqual([...new Set(await burst('/api/notifications/unread-count', u.token))], [200]);
  let r = await request('PATCH', `/api/admin/users/${u.user.id}`, { ...auth(a), json: { disabled: true } });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual([...new Set(await burst('/api/notifications/unread-count', u.token))], [401]);
  r = await request('PATCH', `/api/admin/users/${u.user.id}`, { ...auth(a), json: { disabled: false } });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual([...new Set(await burst('/api/notifications/unread-count', u.token))], [200]);
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
