// Store-command budgets per route (issue 13, "Fewer trips"). In the test build (APP_ENV=test)
// every API answer carries X-Store-Commands: the number of MongoDB commands the worker sent
// for it, the auth guard's session check included (libmongoc APM, src/infra/db_trace.c),
// and X-Store-Commands-Upkeep: how many of those were a cache's upkeep (the session
// cache's sync and user refills, the slot settings' reloads, the node's poll of read marks
// bumped elsewhere). Upkeep falls on whichever request comes first after a change, a poll
// interval (1 s) or a reload (60 s):
// on a slow machine (the sanitizer build) nearly every call pays a poll. So a route's cost
// here is its own commands, X-Store-Commands minus upkeep, and upkeep is held to its own
// bound (UPKEEP_MAX) on every answer.
// BUDGETS below is the one table of what each route may cost; the test fails when a route
// goes over it, and when a route of src/api/routes.c has no budget.
//
// Reads are called several times and the cheapest answer is their cost: a worker that has
// not cached an answer yet (the read cache) pays a miss once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { REPO, request, get, login, newUser, registerUser } from './lib/stack.mjs';

// route → max store commands (steady state, session check included)
export const BUDGETS = {
  // reads: the session check costs nothing on a warm worker. The resident's lists, the
  // request detail, availability and the staff board are answered from the worker's read
  // cache, checked on the node's table of read marks: a hit costs nothing (issue 13;
  // domain/read_marks.h, "On this node"); a miss costs what each comment says.
  'GET /api/health': 0,
  'GET /api/health/ready': 1, // ping
  'GET /api/auth/me': 0, // from the session cache (a profile edit shows at once on this node, within 1 s on others)
  'GET /api/requests': 0, // a miss: count + page of documents (each carries its timeline)
  // a miss: the document, a probe for changes past its version, its waitlist entries
  'GET /api/requests/{id}': 0,
  'GET /api/notifications': 0, // a miss: one find
  'GET /api/notifications/unread-count': 0, // a miss: one count on {user_id, channel, read}
  // a miss: the day's seat claims (template and overrides cached; slots-cache.test.mjs)
  'GET /api/slots/available': 0,
  'GET /api/rewards/summary': 2,
  'GET /api/rewards/ledger': 1, // every entry of the caller in one find (balances need them all)
  // one pass over the range's requests (projection) in batches of 10,000: find + getMore
  // (+1 per 10,000 requests in the range)
  'GET /api/staff/reports/summary': 2,
  // the first page of 500 (find + getMores of FerretDB's batches) before the answer starts;
  // the other pages stream after it
  'GET /api/staff/requests.csv': 3,

  'GET /api/staff/requests': 0, // a miss: count + page + the page's residents in one $in (board-cache.test.mjs)
  'GET /api/staff/requests/{id}': 4, // document + probe + resident (+ its crew, when assigned)
  // crews (issue 17): the crews are read whole (a small collection); a day is one query
  'GET /api/admin/crews': 1,
  'GET /api/staff/crews': 1,
  'GET /api/staff/my-route': 3, // crews + the day's stops of the caller's crews + residents
  'GET /api/staff/route-sheet': 3, // crews + the day's stops + residents (JSON or CSV)
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
  // writes the document forward (re-read + update), notifies (insert + publish), and bumps
  // the owner's read mark after the document and after an in-app notification (read cache)
  // login and register also start a refresh session (session + first refresh token)
  'POST /api/auth/register': 4,
  'POST /api/auth/login': 6,
  // revocation of the token and of its refresh session (+ generation bumps), the session
  // ended
  'POST /api/auth/logout': 5,
  // the token and its session by _id, the one-use claim, the next token, the session's
  // last-seen update, the account
  'POST /api/auth/refresh': 6,
  'GET /api/auth/sessions': 1,
  'DELETE /api/auth/sessions/{id}': 3, // session ended + its revocation + bump
  // the account, its end of sessions (update + bump), its refresh sessions listed and
  // ended, one revocation (+ bump) per session (two here)
  'POST /api/auth/logout-all': 9,
  // the per-client and per-email counts, the request record, the account, the link and
  // (for an account) its mail
  'POST /api/auth/password-reset': 6,
  // the link, its one-use claim, the account, the password update (+ bump), the sessions
  // ended, the account's links forgotten (not measured here: the link comes by mail;
  // tests/e2e/password-reset*.test.mjs drive it)
  'POST /api/auth/password-reset/confirm': 12,
  'PATCH /api/auth/me': 4, // update + generation bump + the user again
  'POST /api/auth/password': 9,
  'PATCH /api/admin/users/{id}': 5, // the account before (audit), the update + bump, the audit entry
  'POST /api/requests': 10,
  'PATCH /api/requests/{id}': 12,
  'POST /api/requests/{id}/submit': 13,
  'POST /api/requests/{id}/cancel': 13,
  // a booking (measured since issue 13): the request (document + probe), the slot's claims, the
  // seat's insert and the count after it, the version claim, the document forward, the
  // notification and the read marks (the owner's and the board's, and with them the seat
  // map's for cached availability: one command, src/domain/read_marks.h); a reschedule also
  // gives back the old seat (18, not measured here; a cancel that frees a seat: 15)
  'POST /api/requests/{id}/confirm-slot': 16,
  'POST /api/staff/requests/{id}/transition': 13, // audit entry included
  // a dispute: the change (as a transition), the credit looked up (and reversed with the
  // request's reward_points when there was one), the staff list with one keyed in-app
  // notification per staff member (the seed has one: +1 per staff account)
  'POST /api/requests/{id}/not-collected': 17, // + the read marks (resident, staff; with the seat given back, the seat map)
  'POST /api/staff/requests/{id}/notes': 12, // + the read mark, the audit entry
  'POST /api/admin/crews': 2, // members checked in one $in + the insert
  'PATCH /api/admin/crews/{id}': 3, // members + update + the crew again
  // the crew, then a change of the request (as a transition, without effects), the answer
  'POST /api/staff/requests/{id}/assign': 11,
  // crew + the selection, then per request assigned one change (measured with one)
  'POST /api/staff/assign': 10,
  // measured since the audit trail (before, these were not measured): the change, the
  // cache generation, the seat map's mark (cached availability), the audit entry, and what
  // the change replaces (template; overrides)
  'PUT /api/admin/slot-templates': 5,
  'POST /api/admin/slot-overrides': 5,
  'DELETE /api/admin/slot-overrides/{id}': 5,
  // waitlist: the request (document + probe), the slot's seats, a place claim, the entry's
  // first event and document, the owner's read mark (the detail shows the entry), its position
  'POST /api/requests/{id}/waitlist': 8,
  // the request's entries, the entry (document + probe), its LEFT change and effects, the
  // owner's read mark, then the request and its waitlist for the answer
  'DELETE /api/requests/{id}/waitlist': 14,
  // the offer's entry, the request, the ACCEPTED change, its effects (the booking: a whole
  // request change with its notification), the owner's read mark, then the request and its
  // waitlist, the seat map's mark flushed alone (measured once: an offer is accepted once)
  'POST /api/requests/{id}/accept-offer': 31,
  // the offer's entry, the DECLINED change, its effects (the hold back, the next offer: the
  // line, the next entry and its request, the hold, the OFFERED change and its
  // notification, the read marks of both owners, one bump carrying the seat map's mark
  // for the hold given back and the new one), then the request and its waitlist
  'POST /api/requests/{id}/decline-offer': 40,
  'POST /api/files/upload': 2,
  'POST /api/notifications/read-all': 3, // update + the read mark
  'POST /api/notifications/{id}/read': 3,
  // data rights: the export's cost before its streamed body (one hourly claim); the
  // archive's reads follow the head and grow with the account (one request load, one
  // photo read each), so they are not a per-request constant
  'GET /api/auth/me/export': 1, // the claim
  'GET /api/admin/audit': 2, // count + page
  // erasure of an account without requests: password check (with its backoff), the
  // account's traces by user (each a find or a delete: requests, uploads and their
  // fates/quota, notifications, push, tickets, export claims, login failures, rewards),
  // the tombstone, the session bump, the board's read mark (staff see each request's
  // resident; src/domain/users.c), the audit entry; + 2 finds per request it had
  'DELETE /api/auth/me': 23,
  'DELETE /api/admin/users/{id}': 22, // as DELETE /api/auth/me, with the admin's audit entry
  'POST /api/push/subscriptions': 3,
  'DELETE /api/push/subscriptions': 3,
  // Open311 (issue 19): the catalogue is static; a keyed call finds its key by hash and takes
  // a rate claim (count + insert; the last-use write at most once a minute per key)
  'GET /open311/v2/discovery.json': 0,
  'GET /open311/v2/discovery.xml': 0,
  'GET /open311/v2/services.json': 0,
  'GET /open311/v2/services.xml': 0,
  'GET /open311/v2/services/{code}.json': 0,
  'GET /open311/v2/services/{code}.xml': 0,
  'GET /open311/v2/requests.json': 5, // key + rate (2) + the page + who created it ($in)
  'GET /open311/v2/requests.xml': 5,
  'GET /open311/v2/requests/{id}.json': 5,
  'GET /open311/v2/requests/{id}.xml': 5,
  // key + rate (2) + the resident by email + the request (as POST /api/requests) + its key
  'POST /open311/v2/requests.json': 13, // + the owner's read marks (the request, its notification)
  'POST /open311/v2/requests.xml': 13,
  'GET /api/admin/api-keys': 2, // the keys + their last uses (two small collections)
  'POST /api/admin/api-keys': 1,
  'DELETE /api/admin/api-keys/{id}': 1,
};

// A session sync: the generation, the revocations and the users changed since the last
// one; the caller's user again; the slot template and overrides (they follow the same
// epoch). A reload (every 60 s) reads less: the generation and every live revocation. The
// node's poll of read marks (one find) may fall on the same answer: 7.
export const UPKEEP_MAX = 7;

const auth = (token) => ({ headers: { authorization: `Bearer ${token}` } });
const observed = new Map();
const dearest = new Map(); // the dearest call of each route, shown beside the cheapest
let upkeepMax = { n: 0, route: '' };

/** Calls make() `times` times; records and returns the cheapest X-Store-Commands. */
async function measure(route, make, { times = 5, ok = (r) => r.status < 400 } = {}) {
  let best = Infinity;
  let worst = 0;
  let last;
  for (let i = 0; i < times; i++) {
    last = await make(i);
    assert.ok(ok(last), `${route}: ${last.status} ${last.text}`);
    const all = Number(last.headers['x-store-commands']);
    const upkeep = Number(last.headers['x-store-commands-upkeep']);
    assert.ok(Number.isInteger(all) && Number.isInteger(upkeep), `${route}: no X-Store-Commands headers (is APP_ENV=test?)`);
    const n = all - upkeep;
    if (upkeep > upkeepMax.n) upkeepMax = { n: upkeep, route };
    best = Math.min(best, n);
    worst = Math.max(worst, n);
    if (process.env.BUDGET_DEBUG) console.log(route, n, upkeep);
  }
  observed.set(route, Math.min(best, observed.get(route) ?? Infinity));
  dearest.set(route, Math.max(worst, dearest.get(route) ?? 0));
  return last;
}

function routeTable() {
  const src = readFileSync(resolve(REPO, 'src/api/routes.c'), 'utf8');
  return [...src.matchAll(/\{"([A-Z]+)", "(\/(?:api|open311)[^"]*)",/g)].map((m) => `${m[1]} ${m[2]}`);
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
  // 16 reads over the stack's 4 workers: some worker answers from its cache
  await measure('GET /api/requests/{id}', () => get(`/api/requests/${id}`, auth(tok)), { times: 16 });
  await measure('GET /api/notifications', () => get('/api/notifications', auth(tok)), { times: 8 });
  await measure('GET /api/notifications/unread-count', () => get('/api/notifications/unread-count', auth(tok)), { times: 8 });
  const day = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Kolkata' }).format(new Date(Date.now() + 3 * 86400000));
  await measure('GET /api/slots/available', () => get(`/api/slots/available?date=${day}&category=recyclable`, auth(tok)), { times: 8 });
  // a booking (new requests into a free slot of the next offered days)
  let free = null;
  for (let d = 3; d < 10 && !free; d++) {
    const date = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Kolkata' }).format(new Date(Date.now() + d * 86400000));
    free = (await get(`/api/slots/available?date=${date}&category=recyclable`, auth(tok))).json.find((s) => s.remaining >= 3);
  }
  assert.ok(free, 'a slot with 3 free seats');
  await measure('POST /api/requests/{id}/confirm-slot', async (i) => {
    const r = await request('POST', '/api/requests', { ...auth(tok), json: body(10 + i) });
    assert.equal(r.status, 201, r.text);
    return request('POST', `/api/requests/${r.json.id}/confirm-slot`, { ...auth(tok), json: { slot_start: free.start, slot_end: free.end } });
  }, { times: 3 });
  await measure('GET /api/rewards/summary', () => get('/api/rewards/summary', auth(tok)), { times: 8 });
  await measure('GET /api/rewards/ledger', () => get('/api/rewards/ledger?limit=20', auth(tok)), { times: 8 });

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
  await measure('GET /api/staff/reports/summary', () => get('/api/staff/reports/summary', auth(staff)), { times: 8 });
  await measure('GET /api/staff/requests.csv', () => get('/api/staff/requests.csv?status=submitted', auth(staff)), { times: 8 });
  await measure('POST /api/staff/requests/{id}/notes', (i) =>
    request('POST', `/api/staff/requests/${id}/notes`, { ...auth(staff), json: { note: `budget note ${i}` } }));
  await measure('POST /api/staff/requests/{id}/transition', (i) =>
    request('POST', `/api/staff/requests/${drafts[i]}/transition`, { ...auth(staff), json: { to: 'pending_review' } }), { times: 4 });

  // a resident's dispute of a collected pickup (three of them, walked there by staff)
  const collected = [];
  for (let d = 1; d < 14 && collected.length < 3; d++) {
    const date = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Kolkata' }).format(new Date(Date.now() + d * 86400000));
    const slots = (await get(`/api/staff/slots?date=${date}`, auth(staff))).json || [];
    for (const s of slots.filter((x) => x.capacity_class === 'standard' && !x.closed && x.remaining > 0)) {
      if (collected.length >= 3) break;
      const r = await request('POST', '/api/requests', { ...auth(tok), json: body(100 + collected.length) });
      assert.equal(r.status, 201, r.text);
      const steps = [['pending_review'], ['scheduled', { slot_start: s.start, slot_end: s.end }], ['enroute'], ['onsite'], ['collecting'], ['collected', { weight_kg: 2 }]];
      for (const [to, extra] of steps) {
        const m = await request('POST', `/api/staff/requests/${r.json.id}/transition`, { ...auth(staff), json: { to, ...extra } });
        assert.equal(m.status, 200, `${to}: ${m.text}`);
      }
      collected.push(r.json.id);
    }
  }
  assert.equal(collected.length, 3, 'three collected requests');
  await measure('POST /api/requests/{id}/not-collected', (i) =>
    request('POST', `/api/requests/${collected[i]}/not-collected`, { ...auth(tok), json: { reason: 'Bins still full' } }), { times: 3 });
  // crews (issue 17): a crew of the staff account, two scheduled requests in one slot
  const me = await get('/api/auth/me', auth(staff));
  const crews = [];
  for (const name of ['Budget crew A', 'Budget crew B']) {
    const r = await request('POST', '/api/admin/crews', { ...auth(admin), json: { name, members: [me.json.id] } });
    assert.equal(r.status, 201, r.text);
    crews.push(r.json.id);
  }
  await measure('GET /api/admin/crews', () => get('/api/admin/crews', auth(admin)), { times: 8 });
  await measure('GET /api/staff/crews', () => get('/api/staff/crews', auth(staff)), { times: 8 });
  await measure('POST /api/admin/crews', (i) =>
    request('POST', '/api/admin/crews', { ...auth(admin), json: { name: `Budget crew ${i}`, members: [me.json.id] } }), { times: 3 });
  await measure('PATCH /api/admin/crews/{id}', (i) =>
    request('PATCH', `/api/admin/crews/${crews[1]}`, { ...auth(admin), json: { name: `Budget crew B${i}`, members: [me.json.id] } }), { times: 3 });
  const slots = await get(`/api/staff/slots?date=${day}`, auth(staff));
  const slot = slots.json.find((x) => x.capacity_class === 'standard' && !x.closed && x.remaining >= 2);
  assert.ok(slot, `a free slot on ${day}`);
  const onRoute = [];
  const pins = [0, 1].map((i) => `${4 + i}${String(Date.now()).slice(-5)}`); // this run's own
  for (let i = 0; i < 2; i++) {
    const r = await request('POST', '/api/requests', { ...auth(tok), json: { ...body(i), address: { ...body(i).address, pincode: pins[i] } } });
    await request('POST', `/api/staff/requests/${r.json.id}/transition`, { ...auth(staff), json: { to: 'pending_review' } });
    const s = await request('POST', `/api/staff/requests/${r.json.id}/transition`, {
      ...auth(staff), json: { to: 'scheduled', slot_start: slot.start, slot_end: slot.end },
    });
    assert.equal(s.status, 200, s.text);
    onRoute.push(r.json.id);
  }
  await measure('POST /api/staff/requests/{id}/assign', (i) =>
    request('POST', `/api/staff/requests/${onRoute[0]}/assign`, { ...auth(staff), json: { crew_id: crews[i % 2] } }));
  await measure('POST /api/staff/assign', (i) =>
    request('POST', '/api/staff/assign', { ...auth(staff), json: { crew_id: crews[i % 2], date: day, slot_start: slot.start, pincode: pins[1] } }),
    { ok: (r) => r.status === 200 && r.json.assigned === 1 });
  await measure('GET /api/staff/requests/{id}', () => get(`/api/staff/requests/${onRoute[0]}`, auth(staff)), { times: 8 });
  await measure('GET /api/staff/my-route', () => get(`/api/staff/my-route?date=${day}`, auth(staff)), {
    times: 8, ok: (r) => r.status === 200 && r.json.stops.length >= 2,
  });
  await measure('GET /api/staff/route-sheet', () => get(`/api/staff/route-sheet?date=${day}`, auth(staff)), { times: 8 });
  await measure('GET /api/staff/route-sheet', () => get(`/api/staff/route-sheet?date=${day}&format=csv`, auth(staff)), { times: 8 });

  // admin
  await measure('GET /api/admin/users', () => get('/api/admin/users?limit=20', auth(admin)), { times: 8 });
  await measure('GET /api/admin/system', () => get('/api/admin/system', auth(admin)), { times: 8 });
  await measure('GET /api/admin/slot-templates', () => get('/api/admin/slot-templates', auth(admin)), { times: 8 });
  await measure('GET /api/admin/slot-overrides', () => get('/api/admin/slot-overrides', auth(admin)), { times: 8 });

  // Open311: an API key, then the door with and without it
  const keys = [];
  await measure('POST /api/admin/api-keys', async (i) => {
    const r = await request('POST', '/api/admin/api-keys', { ...auth(admin), json: { name: `budget ${i}`, rate_per_minute: 1000 } });
    if (r.status === 201) keys.push(r.json);
    return r;
  });
  await measure('GET /api/admin/api-keys', () => get('/api/admin/api-keys', auth(admin)), { times: 8 });
  const key = keys[0].key;
  for (const fmt of ['json', 'xml']) {
    await measure(`GET /open311/v2/discovery.${fmt}`, () => get(`/open311/v2/discovery.${fmt}`));
    await measure(`GET /open311/v2/services.${fmt}`, () => get(`/open311/v2/services.${fmt}`));
    await measure(`GET /open311/v2/services/{code}.${fmt}`, () => get(`/open311/v2/services/bulk.${fmt}`));
    const made = [];
    await measure(`POST /open311/v2/requests.${fmt}`, async (i) => {
      const body = new URLSearchParams({
        api_key: key, service_code: 'bulk', 'attribute[quantity]': '1', address_string: '4 Budget Lane, Pune 411001',
        email: i % 2 ? resident.body.email : `budget-${fmt}-${i}-${Date.now()}@example.com`,
      }).toString();
      const r = await request('POST', `/open311/v2/requests.${fmt}`, { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
      if (r.status === 200 && fmt === 'json') made.push(r.json[0].service_request_id);
      return r;
    }, { times: 6 });
    const rid = made[0] || id;
    await measure(`GET /open311/v2/requests.${fmt}`, () => get(`/open311/v2/requests.${fmt}?api_key=${key}&service_code=bulk`), { times: 8 });
    await measure(`GET /open311/v2/requests/{id}.${fmt}`, () => get(`/open311/v2/requests/${rid}.${fmt}?api_key=${key}`), { times: 8 });
  }
  await measure('DELETE /api/admin/api-keys/{id}', (i) => request('DELETE', `/api/admin/api-keys/${keys[i].id}`, auth(admin)));
  await measure('GET /api/auth/me/export', () => get('/api/auth/me/export', auth(tok)), { times: 3 });
  await measure('GET /api/admin/audit', () => get('/api/admin/audit?limit=20', auth(admin)), { times: 8 });

  // writes that change sessions, last (each makes every worker sync once)
  await measure('PATCH /api/auth/me', (i) => request('PATCH', '/api/auth/me', { ...auth(tok), json: { name: `Budget ${i}` } }));
  await measure('PATCH /api/admin/users/{id}', () =>
    request('PATCH', `/api/admin/users/${resident.user.id}`, { ...auth(admin), json: { role: 'citizen' } }));
  // refresh sessions
  const cookieOf = (r) => /^swmra_refresh=([^;]*)/.exec([].concat(r.headers['set-cookie']).find((c) => c.startsWith('swmra_refresh=')))[1];
  const second = await login(resident.body.email, resident.body.password);
  assert.equal(second.status, 200, second.text);
  let cookie = cookieOf(second);
  await measure('POST /api/auth/refresh', async () => {
    const r = await request('POST', '/api/auth/refresh', { headers: { cookie: `swmra_refresh=${cookie}` } });
    if (r.status === 200) cookie = cookieOf(r);
    return r;
  });
  await measure('GET /api/auth/sessions', () => get('/api/auth/sessions', auth(tok)), { times: 8 });
  await measure('DELETE /api/auth/sessions/{id}', async () => {
    const r = await login(resident.body.email, resident.body.password);
    assert.equal(r.status, 200, r.text);
    const sid = JSON.parse(Buffer.from(r.json.access_token.split('.')[1], 'base64url').toString()).sid;
    return request('DELETE', `/api/auth/sessions/${sid}`, auth(tok));
  }, { times: 3 });
  await measure('POST /api/auth/password-reset', () =>
    request('POST', '/api/auth/password-reset', { json: { email: resident.body.email } }), { times: 3 });
  await measure('POST /api/auth/logout-all', async () => {
    const a = await login(resident.body.email, resident.body.password);
    const b = await login(resident.body.email, resident.body.password);
    assert.equal(b.status, 200, b.text);
    return request('POST', '/api/auth/logout-all', auth(a.json.access_token));
  }, { times: 3 });

  await measure('POST /api/auth/logout', async () => {
    const r = await login(resident.body.email, resident.body.password);
    assert.equal(r.status, 200, r.text);
    return request('POST', '/api/auth/logout', auth(r.json.access_token));
  }, { times: 3 });

  await measure('POST /api/auth/register', async () => {
    const r = await request('POST', '/api/auth/register', { json: newUser() });
    return r;
  }, { times: 3 });
  await measure('POST /api/auth/login', () => login(resident.body.email, resident.body.password), { times: 3 });
  const changer = await registerUser();
  let password = changer.body.password;
  await measure('POST /api/auth/password', async (i) => {
    const signedIn = await login(changer.body.email, password);
    assert.equal(signedIn.status, 200, signedIn.text);
    const next = `Budget-pass-${i}!x`;
    const r = await request('POST', '/api/auth/password', {
      ...auth(signedIn.json.access_token), json: { current_password: password, new_password: next },
    });
    if (r.status < 400) password = next;
    return r;
  }, { times: 3 });

  const doomed = [];
  for (let i = 0; i < 6; i++) doomed.push(await registerUser());
  await measure('DELETE /api/auth/me', (i) =>
    request('DELETE', '/api/auth/me', { ...auth(doomed[i].token), json: { password: doomed[i].body.password } }), { times: 3 });
  await measure('DELETE /api/admin/users/{id}', (i) =>
    request('DELETE', `/api/admin/users/${doomed[i + 3].user.id}`, { ...auth(admin), json: { reason: 'budget test' } }), { times: 3 });

  // slot template and override changes (audited), last: they reset the template caches
  const tplNow = await get('/api/admin/slot-templates', auth(admin));
  const { weekly, slot_minutes, capacity, closed_dates } = tplNow.json;
  await measure('PUT /api/admin/slot-templates', () =>
    request('PUT', '/api/admin/slot-templates', { ...auth(admin), json: { weekly, slot_minutes, capacity, closed_dates } }), { times: 3 });
  const farDay = (i) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Kolkata' }).format(new Date(Date.now() + (300 + i) * 86400000));
  const overrides = [];
  await measure('POST /api/admin/slot-overrides', async (i) => {
    const r = await request('POST', '/api/admin/slot-overrides', { ...auth(admin), json: { from: farDay(i), to: farDay(i), closed: true } });
    if (r.status === 201) overrides.push(r.json.id);
    return r;
  }, { times: 3 });
  await measure('DELETE /api/admin/slot-overrides/{id}', (i) =>
    request('DELETE', `/api/admin/slot-overrides/${overrides[i]}`, auth(admin)), { times: 3 });

  const over = [];
  const table = [];
  for (const [route, n] of observed) {
    table.push(`${route.padEnd(44)} ${String(n).padStart(3)} / ${String(BUDGETS[route]).padEnd(3)} (dearest call ${dearest.get(route)})`);
    if (!(route in BUDGETS)) over.push(`${route}: no budget`);
    else if (n > BUDGETS[route]) over.push(`${route}: ${n} commands, budget ${BUDGETS[route]}`);
  }
  console.log(`store commands per route, upkeep not counted (cheapest of several calls / budget):\n${table.join('\n')}`);
  console.log(`most upkeep on one answer: ${upkeepMax.n} (${upkeepMax.route}), bound ${UPKEEP_MAX}`);
  assert.deepEqual(over, [], 'routes over their store-command budget');
  assert.ok(upkeepMax.n <= UPKEEP_MAX, `${upkeepMax.route} paid ${upkeepMax.n} commands of cache upkeep, bound ${UPKEEP_MAX}`);
});
