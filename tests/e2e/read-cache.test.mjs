// The workers' cache of a user's own lists (src/api/read_cache.c, issue 13): a repeated
// read is answered from the cache (X-Read-Cache: hit) after one lookup of the user's read
// mark, and every change the list shows — made by the resident, by staff, by a
// notification, by a read mark — is seen by the very next read on every worker.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request, get, login, registerUser } from './lib/stack.mjs';

const auth = (token) => ({ headers: { authorization: `Bearer ${token}` } });
const WORKERS = 4; // scripts/stack.sh's test stack; the calls below spread over them

/** `n` parallel reads of `path` (the kernel spreads them over the workers). */
const many = (path, token, n = 3 * WORKERS) => Promise.all(Array.from({ length: n }, () => get(path, auth(token))));

/** Reads `path` until some worker answers it from its cache; that answer. */
async function cachedRead(path, token) {
  for (let round = 0; round < 10; round++) {
    const answers = await many(path, token);
    for (const a of answers) assert.equal(a.status, 200, a.text);
    const hit = answers.find((a) => a.headers['x-read-cache'] === 'hit');
    if (hit) return { hit, answers };
  }
  assert.fail(`${path}: no worker answered from its cache in 10 rounds`);
}

const body = (i) => ({
  category: 'recyclable',
  is_special: false,
  description: `read cache request ${i}`,
  quantity: 1,
  address: { line1: '12 Cache Street', city: 'Pune', pincode: '411001' },
});

test('a repeated list read is a cache hit costing one store command, identical to a fresh read', async () => {
  const r = await registerUser();
  for (let i = 0; i < 3; i++)
    assert.equal((await request('POST', '/api/requests', { ...auth(r.token), json: body(i) })).status, 201);
  for (const path of ['/api/requests?limit=20', '/api/notifications', '/api/notifications/unread-count']) {
    const { hit, answers } = await cachedRead(path, r.token);
    assert.equal(hit.headers['x-store-commands'], '1', `${path}: a hit reads only the read mark`);
    for (const a of answers) assert.deepEqual(a.json, hit.json, `${path}: hit and miss answers agree`);
  }
  // each query is its own entry: a filtered list is not the unfiltered one
  const { hit } = await cachedRead('/api/requests?status=cancelled', r.token);
  assert.equal(hit.json.total, 0);
});

test('every change shows on the very next read, on every worker', async () => {
  const r = await registerUser();
  const other = await registerUser();
  const staffLogin = await login('staff@example.com', 'Passw0rd!');
  assert.equal(staffLogin.status, 200, staffLogin.text);
  const staff = staffLogin.json.access_token;
  const first = await request('POST', '/api/requests', { ...auth(r.token), json: body(0) });
  assert.equal(first.status, 201, first.text);
  const list = '/api/requests?limit=20';
  await cachedRead(list, r.token);
  await cachedRead(list, other.token);

  // the resident creates one: every worker's next read has it
  const second = await request('POST', '/api/requests', { ...auth(r.token), json: body(1) });
  assert.equal(second.status, 201, second.text);
  for (const a of await many(list, r.token)) assert.equal(a.json.total, 2, `after create (${a.headers['x-read-cache']})`);
  // another user's cached list is theirs alone
  for (const a of await many(list, other.token)) assert.equal(a.json.total, 0);

  // staff move it: the resident's next reads show the new status
  await cachedRead(list, r.token);
  const moved = await request('POST', `/api/staff/requests/${second.json.id}/transition`, { ...auth(staff), json: { to: 'pending_review' } });
  assert.equal(moved.status, 200, moved.text);
  for (const a of await many(list, r.token)) {
    const item = a.json.items.find((x) => x.id === second.json.id);
    assert.equal(item.status, 'pending_review', `after the staff transition (${a.headers['x-read-cache']})`);
  }

  // the resident cancels: shown at once
  await cachedRead(list, r.token);
  const cancelled = await request('POST', `/api/requests/${first.json.id}/cancel`, { ...auth(r.token), json: { reason: 'cache test' } });
  assert.equal(cancelled.status, 200, cancelled.text);
  for (const a of await many(list, r.token))
    assert.equal(a.json.items.find((x) => x.id === first.json.id).status, 'cancelled');

  // notifications: what the changes above sent, then read marks, seen at once
  const unread = '/api/notifications/unread-count';
  const notes = await get('/api/notifications', auth(r.token));
  const before = notes.json.filter((n) => !n.read).length;
  assert.ok(before > 0, 'the changes above notified the resident');
  const { hit } = await cachedRead(unread, r.token);
  assert.equal(hit.json.unread, before);
  const first_unread = notes.json.find((n) => !n.read);
  assert.equal((await request('POST', `/api/notifications/${first_unread.id}/read`, auth(r.token))).status, 200);
  for (const a of await many(unread, r.token)) assert.equal(a.json.unread, before - 1, 'after one read mark');
  await cachedRead('/api/notifications', r.token);
  assert.equal((await request('POST', '/api/notifications/read-all', auth(r.token))).status, 200);
  for (const a of await many(unread, r.token)) assert.equal(a.json.unread, 0, 'after read-all');
  for (const a of await many('/api/notifications', r.token)) assert.ok(a.json.every((n) => n.read), 'list after read-all');

  // a new notification (staff move the other request) counts at once
  await cachedRead(unread, r.token);
  const again = await request('POST', `/api/staff/requests/${second.json.id}/transition`, { ...auth(staff), json: { to: 'cancelled' } });
  assert.equal(again.status, 200, again.text);
  for (const a of await many(unread, r.token)) assert.ok(a.json.unread >= 1, `a new notification (${a.headers['x-read-cache']})`);
});
