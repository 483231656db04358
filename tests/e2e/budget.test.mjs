// Store-command budgets per route (issue 13, "Fewer trips"). In the test build (APP_ENV=test)
// every API answer carries X-Store-Commands: the number of MongoDB commands the worker sent
// for it, the auth guard's session check included (libmongoc APM, src/infra/db_trace.c).
// BUDGETS below is the one table of what each route may cost on a warm worker; the test
// fails when a route goes over it, and when a route of src/api/routes.c has no budget.
//
// "Warm": the stack runs several workers and the kernel picks which one accepts, so a call
// may land on a worker that has not cached this user yet (+1 user lookup) or whose
// once-a-second poll of the session generation is due (+1). Each route is called several
// times and the cheapest answer is its cost: what the route costs once the caches are warm.
// A write that changes a session or a user (logout, password, profile, admin patch) makes
// the next request of every worker sync its session cache first (generation + revocations +
// user changes, and the user itself again): those routes' budgets include that sync.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { REPO, request, get, login, registerUser } from './lib/stack.mjs';

// route → max store commands (steady state, session check included)
export const BUDGETS = {
  // reads: the session check costs nothing on a warm worker
  'GET /api/health': 0,
  'GET /api/health/ready': 1, // ping
  'GET /api/auth/me': 1, // the user, fresh (a profile edit shows at once)
  'GET /api/requests': 2, // count + page of documents (each carries its timeline)
  'GET /api/requests/{id}': 3, // the document + a probe for changes past its version + its waitlist entries
  'GET /api/notifications': 1, // one find
  'GET /api/notifications/unread-count': 1, // one count on {user_id, channel, read}
  'GET /api/slots/available': 1, // the day's seat claims (template and overrides are cached)
  'GET /api/rewards/summary': 2,
  'GET /api/staff/requests': 3, // count + page + the page's residents in one $in
  'GET /api/staff/requests/{id}': 3, // document + probe + resident
  'GET /api/staff/slots': 2, // the day's claims and bookings
  'GET /api/admin/users': 3,
  // the job records, then per queue (email, sms, push, effects) a count, and a sorted
  // one-document read of the oldest only when the queue is not empty
  'GET /api/admin/system': 9,
  'GET /api/admin/slot-templates': 0, // cached
  'GET /api/admin/slot-overrides': 0, // cached
  'GET /api/push/vapid-public-key': 0,
  'GET /api/internal/ws-auth': 1, // nginx-internal (auth_request): the session check alone
  'GET /api/internal/upload-object': 0, // nginx-internal (s3 photos): the store, not the database
  'GET /api/internal/metrics': 12, // nginx-internal listener, once per scrape: ping, seats, queues, jobs
  'POST /api/ws/ticket': 1, // the ticket's hash, inserted (the session check is cached)
  // writes: a change of a request reads it (document + probe), claims its version (insert),
  // writes the document forward (re-read + update), notifies (insert + publish)
  'POST /api/auth/register': 4,
  'POST /api/auth/login': 6,
  'POST /api/auth/logout': 6, // revocation + generation bump, after the sync they cause
  'PATCH /api/auth/me': 8, // update + generation bump + the user again (+ sync)
  'POST /api/auth/password': 10,
  'PATCH /api/admin/users/{id}': 8,
  'POST /api/requests': 8,
  'PATCH /api/requests/{id}': 11,
  'POST /api/requests/{id}/submit': 11,
  'POST /api/requests/{id}/cancel': 11,
  'POST /api/requests/{id}/confirm-slot': 14,
  // waitlist: the request (document + probe), the slot's seats, a place claim, the entry's
  // first event and document, its position
  'POST /api/requests/{id}/waitlist': 7,
  // the request's entries, the entry (document + probe), its LEFT change and effects, then
  // the request and its waitlist for the answer
  'DELETE /api/requests/{id}/waitlist': 13,
  // the offer's entry, the request, the ACCEPTED change, its effects (the booking: a whole
  // request change with its notification), then the request and its waitlist. Measured once
  // (an offer is accepted once): +1 over its warm cost for a worker that syncs its session.
  'POST /api/requests/{id}/accept-offer': 29,
  // the offer's entry, the DECLINED change, its effects (the hold back, the next offer: the
  // line, the next entry and its request, the hold, the OFFERED change and its
  // notification), then the request and its waitlist
  'POST /api/requests/{id}/decline-offer': 37,
  'POST /api/staff/requests/{id}/transition': 12,
  'POST /api/staff/requests/{id}/notes': 10,
  'PUT /api/admin/slot-templates': 4,
  'POST /api/admin/slot-overrides': 4,
  'DELETE /api/admin/slot-overrides/{id}': 4,
  'POST /api/files/upload': 2,
  'POST /api/notifications/read-all': 2,
  'POST /api/notifications/{id}/read': 3,
  'POST /api/push/subscriptions': 3,
  'DELETE /api/push/subscriptions': 3,
};

const auth = (token) => ({ headers: { authorization: `Bearer ${token}` } });
const observed = new Map();

/** Calls make() `times` times; records and returns the cheapest X-Store-Commands. */
async function measure(route, make, { times = 5, ok = (r) => r.status < 400 } = {}) {
  let best = Infinity;
  let last;
  for (let i = 0; i < times; i++) {
    last = await make(i);
    assert.ok(ok(last), `${route}: ${last.status} ${last.text}`);
    const n = Number(last.headers['x-store-commands']);
    assert.ok(Number.isInteger(n), `${route}: no X-Store-Commands header (is APP_ENV=test?)`);
    best = Math.min(best, n);
    if (process.env.BUDGET_DEBUG) console.log(route, n);
  }
  observed.set(route, Math.min(best, observed.get(route) ?? Infinity));
  return last;
}

function routeTable() {
  const src = readFileSync(resolve(REPO, 'src/api/routes.c'), 'utf8');
  return [...src.matchAll(/\{"([A-Z]+)", "(\/api[^"]*)",/g)].map((m) => `${m[1]} ${m[2]}`);
}

test('every route of the route table has a store-command budget', () => {
  const missing = routeTable().filter((r) => !(r in BUDGETS));
  assert.deepEqual(missing, [], 'add these routes to BUDGETS in tests/e2e/budget.test.mjs');
});

test('reads and writes stay within their store-command budgets', async () => {
  const resident = await registerUser();
  assert.ok(resident, 'register');
  const tok = resident.token;
  const staffLogin = await login('staff@example.com', 'Passw0rd!');
  assert.equal(staffLogin.status, 200, staffLogin.text);
  const staff = staffLogin.json.access_token;
  const adminLogin = await login('admin@example.com', 'Passw0rd!');
  assert.equal(adminLogin.status, 200, adminLogin.text);
  const admin = adminLogin.json.access_token;

  // let every worker sync and cache these sessions (parallel calls spread over the workers)
  for (const t of [tok, staff, admin]) await Promise.all(Array.from({ length: 12 }, () => get('/api/auth/me', auth(t))));

  await measure('GET /api/health', () => get('/api/health'));
  await measure('GET /api/health/ready', () => get('/api/health/ready'));
  await measure('GET /api/push/vapid-public-key', () => get('/api/push/vapid-public-key'), { ok: () => true });

  // a resident with a few requests and notifications
  const body = (i) => ({
    category: 'recyclable',
    is_special: false,
    description: `budget test request ${i}`,
    quantity: 1,
    address: { line1: '12 Budget Street', city: 'Pune', pincode: '411001' },
  });
  const created = [];
  await measure('POST /api/requests', async (i) => {
    const r = await request('POST', '/api/requests', { ...auth(tok), json: body(i) });
    if (r.status === 201) created.push(r.json.id);
    return r;
  }, { times: 6 });
  const drafts = [];
  for (let i = 0; i < 4; i++) {
    const r = await request('POST', '/api/requests', { ...auth(tok), json: { ...body(i), draft: true } });
    assert.equal(r.status, 201, r.text);
    drafts.push(r.json.id);
  }
  const id = created[0];

  await measure('GET /api/auth/me', () => get('/api/auth/me', auth(tok)), { times: 8 });
  await measure('POST /api/ws/ticket', () => request('POST', '/api/ws/ticket', auth(tok)), { times: 8 });
  await measure('GET /api/requests', () => get('/api/requests?limit=20', auth(tok)), { times: 8 });
  await measure('GET /api/requests/{id}', () => get(`/api/requests/${id}`, auth(tok)), { times: 8 });
  await measure('GET /api/notifications', () => get('/api/notifications', auth(tok)), { times: 8 });
  await measure('GET /api/notifications/unread-count', () => get('/api/notifications/unread-count', auth(tok)), { times: 8 });
  const day = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Kolkata' }).format(new Date(Date.now() + 3 * 86400000));
  await measure('GET /api/slots/available', () => get(`/api/slots/available?date=${day}&category=recyclable`, auth(tok)), { times: 8 });
  await measure('GET /api/rewards/summary', () => get('/api/rewards/summary', auth(tok)), { times: 8 });

  await measure('PATCH /api/requests/{id}', (i) =>
    request('PATCH', `/api/requests/${drafts[0]}`, { ...auth(tok), json: { description: `edited draft ${i}` } }));
  await measure('POST /api/requests/{id}/submit', (i) => request('POST', `/api/requests/${drafts[i]}/submit`, auth(tok)), { times: 4 });
  await measure('POST /api/requests/{id}/cancel', (i) =>
    request('POST', `/api/requests/${created[i + 1]}/cancel`, { ...auth(tok), json: { reason: 'budget' } }), { times: 5 });

  // waitlist: a hazardous slot (capacity 2) far ahead, filled, then a line of three
  const wl = (i) => ({ ...body(i), category: 'hazardous' });
  const wlDay = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Kolkata' }).format(new Date(Date.now() + 58 * 86400000));
  const wlSlots = await get(`/api/slots/available?date=${wlDay}&category=hazardous&include_full=true`, auth(tok));
  const S = wlSlots.json.find((x) => x.capacity > 0 && x.remaining === x.capacity);
  assert.ok(S, `an empty hazardous slot on ${wlDay}`);
  const slotJson = { slot_start: S.start, slot_end: S.end };
  const holders = [];
  for (let i = 0; i < S.capacity; i++) {
    const r = await request('POST', '/api/requests', { ...auth(tok), json: wl(i) });
    assert.equal(r.status, 201, r.text);
    const b = await request('POST', `/api/requests/${r.json.id}/confirm-slot`, { ...auth(tok), json: slotJson });
    assert.equal(b.status, 200, b.text);
    holders.push(r.json.id);
  }
  const line = [];
  for (let i = 0; i < 6; i++) {
    const r = await request('POST', '/api/requests', { ...auth(tok), json: wl(i) });
    assert.equal(r.status, 201, r.text);
    line.push(r.json.id);
  }
  const joinAs = (id) => request('POST', `/api/requests/${id}/waitlist`, { ...auth(tok), json: slotJson });
  await measure('POST /api/requests/{id}/waitlist', (i) => joinAs(line[i]), { times: 6 });
  await measure('DELETE /api/requests/{id}/waitlist', async (i) => {
    if (i > 0) assert.equal((await joinAs(line[5])).status, 201);
    return request('DELETE', `/api/requests/${line[5]}/waitlist`, { ...auth(tok), json: slotJson });
  }, { times: 3 });
  const freed = await request('POST', `/api/requests/${holders[0]}/cancel`, { ...auth(tok), json: {} });
  assert.equal(freed.status, 200, freed.text); // line[0] gets the offer
  // each decline passes the seat to the next in line: line[0..2] decline, line[3] accepts
  await measure('POST /api/requests/{id}/decline-offer', (i) =>
    request('POST', `/api/requests/${line[i]}/decline-offer`, auth(tok)), { times: 3 });
  await measure('POST /api/requests/{id}/accept-offer', () =>
    request('POST', `/api/requests/${line[3]}/accept-offer`, auth(tok)), { times: 1 });
  for (const id of [holders[1], line[3]]) {
    const r = await request('POST', `/api/requests/${id}/cancel`, { ...auth(tok), json: {} });
    assert.equal(r.status, 200, r.text);
  }

  const notes = await get('/api/notifications', auth(tok));
  await measure('POST /api/notifications/{id}/read', () => request('POST', `/api/notifications/${notes.json[0].id}/read`, auth(tok)));
  await measure('POST /api/notifications/read-all', () => request('POST', '/api/notifications/read-all', auth(tok)));

  // staff
  await measure('GET /api/staff/requests', () => get('/api/staff/requests?limit=20', auth(staff)), { times: 8 });
  await measure('GET /api/staff/requests/{id}', () => get(`/api/staff/requests/${id}`, auth(staff)), { times: 8 });
  await measure('GET /api/staff/slots', () => get(`/api/staff/slots?date=${day}`, auth(staff)), { times: 8 });
  await measure('POST /api/staff/requests/{id}/notes', (i) =>
    request('POST', `/api/staff/requests/${id}/notes`, { ...auth(staff), json: { note: `budget note ${i}` } }));
  await measure('POST /api/staff/requests/{id}/transition', (i) =>
    request('POST', `/api/staff/requests/${drafts[i]}/transition`, { ...auth(staff), json: { to: 'pending_review' } }), { times: 4 });

  // admin
  await measure('GET /api/admin/users', () => get('/api/admin/users?limit=20', auth(admin)), { times: 8 });
  await measure('GET /api/admin/system', () => get('/api/admin/system', auth(admin)), { times: 8 });
  await measure('GET /api/admin/slot-templates', () => get('/api/admin/slot-templates', auth(admin)), { times: 8 });
  await measure('GET /api/admin/slot-overrides', () => get('/api/admin/slot-overrides', auth(admin)), { times: 8 });

  // writes that change sessions, last (each makes every worker sync once)
  await measure('PATCH /api/auth/me', (i) => request('PATCH', '/api/auth/me', { ...auth(tok), json: { name: `Budget ${i}` } }));
  await measure('PATCH /api/admin/users/{id}', () =>
    request('PATCH', `/api/admin/users/${resident.user.id}`, { ...auth(admin), json: { role: 'citizen' } }));
  await measure('POST /api/auth/logout', async () => {
    const r = await login(resident.body.email, resident.body.password);
    assert.equal(r.status, 200, r.text);
    return request('POST', '/api/auth/logout', auth(r.json.access_token));
  }, { times: 3 });

  const over = [];
  const table = [];
  for (const [route, n] of observed) {
    table.push(`${route.padEnd(44)} ${String(n).padStart(3)} / ${BUDGETS[route]}`);
    if (!(route in BUDGETS)) over.push(`${route}: no budget`);
    else if (n > BUDGETS[route]) over.push(`${route}: ${n} commands, budget ${BUDGETS[route]}`);
  }
  console.log(`store commands per route (cheapest of several calls / budget):\n${table.join('\n')}`);
  assert.deepEqual(over, [], 'routes over their store-command budget');
});
