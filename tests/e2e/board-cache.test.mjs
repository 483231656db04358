// The staff board's pages kept per worker (src/api/read_cache.c, issue 17: a board column
// answers within the store-speed budgets at 20,000 requests): a repeated page is a hit that
// checks the board's mark on the node's table (no store command of its own), and every
// change a page shows — a new request, a
// transition, a cancellation, the resident's new name — is on the very next
// read of every worker. Residents never get a page, cached or not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request, login, registerUser } from './lib/stack.mjs';
import { auth, many, cachedRead, ownCommands } from './lib/cache.mjs';

const body = (pincode, i) => ({
  category: 'recyclable',
  is_special: false,
  description: `board cache request ${i}`,
  quantity: 1,
  address: { line1: '7 Board Street', city: 'Pune', pincode },
});

async function staffToken() {
  const r = await login('staff@example.com', 'Passw0rd!');
  assert.equal(r.status, 200, r.text);
  return r.json.access_token;
}

const pin = () => String(500000 + Math.floor(Math.random() * 99999));

test('a repeated board page is a hit costing no store command, the same as a fresh read', async () => {
  const staff = await staffToken();
  const resident = await registerUser();
  const pincode = pin();
  for (let i = 0; i < 3; i++)
    assert.equal((await request('POST', '/api/requests', { ...auth(resident.token), json: body(pincode, i) })).status, 201);
  for (const path of [`/api/staff/requests?status=submitted&pincode=${pincode}&limit=20`, '/api/staff/requests?status=submitted&limit=20']) {
    const { hit, answers } = await cachedRead(path, staff);
    assert.equal(ownCommands(hit), 0, `${path}: a hit checks the board's mark on the node table, no store command`);
    for (const a of answers) assert.deepEqual(a.json, hit.json, `${path}: hit and miss answers agree`);
  }
  const { hit } = await cachedRead(`/api/staff/requests?status=submitted&pincode=${pincode}&limit=20`, staff);
  assert.equal(hit.json.total, 3);
  // each query is its own page: another column is not this one
  const other = await cachedRead(`/api/staff/requests?status=scheduled&pincode=${pincode}`, staff);
  assert.equal(other.hit.json.total, 0);
  // a resident is refused the board even while every worker holds its pages
  for (const a of await many(`/api/staff/requests?status=submitted&pincode=${pincode}&limit=20`, resident.token))
    assert.equal(a.status, 403, a.text);
});

test('every change a board page shows is on the next read of every worker', async () => {
  const staff = await staffToken();
  const resident = await registerUser();
  const pincode = pin();
  const column = (status) => `/api/staff/requests?status=${status}&pincode=${pincode}&limit=20`;
  const first = await request('POST', '/api/requests', { ...auth(resident.token), json: body(pincode, 0) });
  assert.equal(first.status, 201, first.text);

  // a new request: in its column at once
  await cachedRead(column('submitted'), staff);
  const second = await request('POST', '/api/requests', { ...auth(resident.token), json: body(pincode, 1) });
  assert.equal(second.status, 201, second.text);
  for (const a of await many(column('submitted'), staff)) assert.equal(a.json.total, 2, `after create (${a.headers['x-read-cache']})`);

  // a transition moves it from one column to the next on every worker
  await cachedRead(column('submitted'), staff);
  await cachedRead(column('pending_review'), staff);
  const moved = await request('POST', `/api/staff/requests/${second.json.id}/transition`, { ...auth(staff), json: { to: 'pending_review' } });
  assert.equal(moved.status, 200, moved.text);
  for (const a of await many(column('submitted'), staff)) assert.deepEqual(a.json.items.map((x) => x.id), [first.json.id]);
  for (const a of await many(column('pending_review'), staff)) assert.deepEqual(a.json.items.map((x) => x.id), [second.json.id]);

  // the resident's new name is on their cards at once (staff see who asked)
  await cachedRead(column('submitted'), staff);
  const renamed = await request('PATCH', '/api/auth/me', { ...auth(resident.token), json: { name: 'Board Cache Renamed' } });
  assert.equal(renamed.status, 200, renamed.text);
  for (const a of await many(column('submitted'), staff)) assert.equal(a.json.items[0].user.name, 'Board Cache Renamed');

  // the resident cancels: gone from the column, in the cancelled one
  await cachedRead(column('submitted'), staff);
  const cancelled = await request('POST', `/api/requests/${first.json.id}/cancel`, { ...auth(resident.token), json: { reason: 'board cache test' } });
  assert.equal(cancelled.status, 200, cancelled.text);
  for (const a of await many(column('submitted'), staff)) assert.equal(a.json.total, 0, `after cancel (${a.headers['x-read-cache']})`);
  for (const a of await many(column('cancelled'), staff)) assert.deepEqual(a.json.items.map((x) => x.id), [first.json.id]);
});
