// The workers' cache of a user's own lists (src/api/read_cache.c, issue 13): a repeated
// read is answered from the cache (X-Read-Cache: hit) once the user's read mark is checked
// on the node's table (no store command of its own), and every change the list shows — made by the resident, by staff, by a
// notification, by a read mark — is seen by the very next read on every worker. The same for
// the resident's request detail (GET /api/requests/{id}): each kind of change it shows
// (staff, the resident, a note, a photo, a crew, the waitlist and its job), and someone
// else's read of the id stays 404.
//
// Isolation: the waitlist part uses its own residents and hazardous slots on service-local
// days 38..44 (waitlist.test uses 45 and later, the other files the first free days).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { tinyPng } from './lib/images.mjs';
import { REPO, STACK, request, get, login, registerUser } from './lib/stack.mjs';
import { NOW_OFFSET_MS, now } from './lib/clock.mjs';
import { auth, many, cachedRead, ownCommands } from './lib/cache.mjs';

const body = (i) => ({
  category: 'recyclable',
  is_special: false,
  description: `read cache request ${i}`,
  quantity: 1,
  address: { line1: '12 Cache Street', city: 'Pune', pincode: '411001' },
});

test('a repeated list read is a cache hit costing no store command, identical to a fresh read', async () => {
  const r = await registerUser();
  for (let i = 0; i < 3; i++)
    assert.equal((await request('POST', '/api/requests', { ...auth(r.token), json: body(i) })).status, 201);
  for (const path of ['/api/requests?limit=20', '/api/notifications', '/api/notifications/unread-count']) {
    const { hit, answers } = await cachedRead(path, r.token);
    assert.equal(ownCommands(hit), 0, `${path}: a hit checks the read mark on the node's table, no store command`);
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

// ------------------------------------------------------------------ the request detail

const detailPath = (id) => `/api/requests/${id}`;

/** `many` reads of a detail, each checked by `check` (answer, its cache header). */
async function everyWorker(path, token, what, check) {
  for (const a of await many(path, token)) {
    assert.equal(a.status, 200, `${what}: ${a.text}`);
    check(a.json, `${what} (${a.headers['x-read-cache']})`);
  }
}

async function staffToken() {
  const res = await login('staff@example.com', 'Passw0rd!');
  assert.equal(res.status, 200, res.text);
  return res.json.access_token;
}

async function uploadPng(token) {
  const boundary = `readcache${Date.now().toString(16)}`;
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="x.png"\r\nContent-Type: image/png\r\n\r\n`),
    tinyPng(),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  const res = await request('POST', '/api/files/upload', {
    body,
    headers: { authorization: `Bearer ${token}`, 'content-type': `multipart/form-data; boundary=${boundary}` },
  });
  assert.equal(res.status, 201, res.text);
  return res.json.url;
}

const TZ = process.env.SERVICE_TZ || STACK.SERVICE_TZ || 'Asia/Kolkata';
const HOLD_MS = Number(STACK.WAITLIST_HOLD_MIN || 30) * 60000;
const dayFmt = new Intl.DateTimeFormat('en-CA', { timeZone: TZ });
const used = new Set();
/** `n` empty slots of `category` (nobody booked, nobody waiting) on days 38..44, each used once. */
async function emptySlots(token, n, category = 'hazardous') {
  const out = [];
  for (let d = 38; d <= 44 && out.length < n; d++) {
    const date = dayFmt.format(new Date(now() + d * 86400000));
    const res = await get(`/api/slots/available?date=${date}&category=${category}&include_full=true`, auth(token));
    assert.equal(res.status, 200, res.text);
    for (const s of res.json) {
      if (out.length < n && s.capacity > 0 && s.remaining === s.capacity && !used.has(s.start)) {
        used.add(s.start);
        out.push(s);
      }
    }
  }
  assert.equal(out.length, n, `empty ${category} slots on days 38..44`);
  return out;
}

test('a repeated detail read is a hit costing no store command; someone else gets 404, never a cached answer', async () => {
  const r = await registerUser();
  const other = await registerUser();
  const created = await request('POST', '/api/requests', { ...auth(r.token), json: body(0) });
  assert.equal(created.status, 201, created.text);
  const path = detailPath(created.json.id);
  const { hit, answers } = await cachedRead(path, r.token);
  for (const a of answers) assert.deepEqual(a.json, hit.json, 'hit and miss answers agree');
  assert.equal(hit.json.id, created.json.id);
  // a hit reads only the read mark (a worker's first call of this user also looks the user
  // up, and its once-a-second session poll may fall on any call: the cheapest hit counts)
  let cheapest = Infinity;
  for (let round = 0; round < 5 && cheapest > 0; round++)
    for (const a of await many(path, r.token))
      if (a.headers['x-read-cache'] === 'hit') cheapest = Math.min(cheapest, ownCommands(a));
  assert.equal(cheapest, 0, 'a hit costs no store command');
  assert.deepEqual(hit.json.waitlist, { entries: [], offer: null });
  // right after the owner's answer was cached on the workers: anyone else's read is 404
  for (let round = 0; round < 2; round++) {
    for (const a of await many(path, other.token)) {
      assert.equal(a.status, 404, a.text);
      assert.equal(a.json.detail, 'Request not found');
      assert.equal(a.headers['x-read-cache'], undefined, 'a 404 is neither served from nor kept in the cache');
    }
  }
  // and the other way round: the owner's cached answer is theirs, the other's request theirs
  const theirs = await request('POST', '/api/requests', { ...auth(other.token), json: body(1) });
  assert.equal(theirs.status, 201, theirs.text);
  await cachedRead(detailPath(theirs.json.id), other.token);
  for (const a of await many(detailPath(theirs.json.id), r.token)) assert.equal(a.status, 404, a.text);
  // a malformed or unknown id stays 404
  assert.equal((await get('/api/requests/not-an-id', auth(r.token))).status, 404);
  assert.equal((await get('/api/requests/0123456789abcdef01234567', auth(r.token))).status, 404);
});

test('every change the detail shows is on the very next read, on every worker', async () => {
  const r = await registerUser();
  const staff = await staffToken();
  const adminLogin = await login('admin@example.com', 'Passw0rd!');
  assert.equal(adminLogin.status, 200, adminLogin.text);
  const admin = adminLogin.json.access_token;
  const created = await request('POST', '/api/requests', { ...auth(r.token), json: body(0) });
  assert.equal(created.status, 201, created.text);
  const id = created.json.id;
  const path = detailPath(id);

  // staff move it
  await cachedRead(path, r.token);
  const moved = await request('POST', `/api/staff/requests/${id}/transition`, { ...auth(staff), json: { to: 'pending_review' } });
  assert.equal(moved.status, 200, moved.text);
  await everyWorker(path, r.token, 'after the staff transition', (j, m) => assert.equal(j.status, 'pending_review', m));

  // a staff note
  await cachedRead(path, r.token);
  const noted = await request('POST', `/api/staff/requests/${id}/notes`, { ...auth(staff), json: { note: 'Read cache note' } });
  assert.equal(noted.status, 201, noted.text);
  await everyWorker(path, r.token, 'after the note', (j, m) => assert.ok(j.events.some((e) => e.note === 'Read cache note' || e.data?.note === 'Read cache note'), `${m}: ${JSON.stringify(j.events)}`));

  // staff schedule it (a slot: a status change with its slot and change deadline)
  const S = (await emptySlots(r.token, 1, 'recyclable'))[0];
  await cachedRead(path, r.token);
  const sched = await request('POST', `/api/staff/requests/${id}/transition`, { ...auth(staff), json: { to: 'scheduled', slot_start: S.start, slot_end: S.end } });
  assert.equal(sched.status, 200, sched.text);
  await everyWorker(path, r.token, 'after scheduling', (j, m) => {
    assert.equal(j.status, 'scheduled', m);
    assert.equal(Date.parse(j.assigned_slot.start), Date.parse(S.start), m);
    assert.ok(j.change_deadline, m);
  });

  // a crew is given the pickup, then taken off it
  const crew = await request('POST', '/api/admin/crews', { ...auth(admin), json: { name: `Read cache crew ${Date.now()}`, members: [] } });
  assert.equal(crew.status, 201, crew.text);
  await cachedRead(path, r.token);
  const assigned = await request('POST', `/api/staff/requests/${id}/assign`, { ...auth(staff), json: { crew_id: crew.json.id } });
  assert.equal(assigned.status, 200, assigned.text);
  await everyWorker(path, r.token, 'after the crew assignment', (j, m) => assert.equal(j.crew_id, crew.json.id, m));
  await cachedRead(path, r.token);
  const unassigned = await request('POST', `/api/staff/requests/${id}/assign`, { ...auth(staff), json: { crew_id: null } });
  assert.equal(unassigned.status, 200, unassigned.text);
  await everyWorker(path, r.token, 'after unassigning', (j, m) => assert.equal(j.crew_id, null, m));

  // the resident cancels
  await cachedRead(path, r.token);
  const cancelled = await request('POST', `/api/requests/${id}/cancel`, { ...auth(r.token), json: { reason: 'detail cache' } });
  assert.equal(cancelled.status, 200, cancelled.text);
  await everyWorker(path, r.token, 'after the cancel', (j, m) => assert.equal(j.status, 'cancelled', m));

  // a photo attached to a draft, then the draft submitted
  const draft = await request('POST', '/api/requests', { ...auth(r.token), json: { ...body(1), draft: true } });
  assert.equal(draft.status, 201, draft.text);
  const dpath = detailPath(draft.json.id);
  const { hit } = await cachedRead(dpath, r.token);
  assert.deepEqual(hit.json.photos, []);
  const photo = await uploadPng(r.token);
  const patched = await request('PATCH', dpath, { ...auth(r.token), json: { photos: [photo] } });
  assert.equal(patched.status, 200, patched.text);
  await everyWorker(dpath, r.token, 'after attaching a photo', (j, m) => assert.equal(j.photos.length, 1, m));
  await cachedRead(dpath, r.token);
  const submitted = await request('POST', `${dpath}/submit`, auth(r.token));
  assert.equal(submitted.status, 200, submitted.text);
  await everyWorker(dpath, r.token, 'after the submit', (j, m) => assert.equal(j.status, 'submitted', m));
});

// Each entry of the line belongs to its own resident, so no change of one (nor the
// notification of the next one's offer) bumps another's read mark by chance.
test('waitlist changes show on the very next detail read: join, position, offer, leave, decline, accept, the job\'s expiry', async (t) => {
  const holder = await registerUser();
  const [S] = await emptySlots(holder.token, 1);
  const slot = { slot_start: S.start, slot_end: S.end };
  const hazard = (i) => ({ ...body(i), category: 'hazardous' });
  const make = async (who, i) => {
    const res = await request('POST', '/api/requests', { ...auth(who.token), json: hazard(i) });
    assert.equal(res.status, 201, res.text);
    return res.json.id;
  };
  const holds = [];
  for (let i = 0; i < S.capacity; i++) {
    const h = await make(holder, i);
    const b = await request('POST', `/api/requests/${h}/confirm-slot`, { ...auth(holder.token), json: slot });
    assert.equal(b.status, 200, b.text);
    holds.push(h);
  }
  assert.ok(holds.length >= 2, 'the hazardous slot has two seats (seed template)');
  const line = [];
  for (let i = 0; i < 5; i++) {
    const who = await registerUser();
    line.push({ who, id: await make(who, i) });
  }
  const path = (k) => detailPath(line[k].id);
  const cached = (k) => cachedRead(path(k), line[k].who.token);
  const each = (k, what, check) => everyWorker(path(k), line[k].who.token, what, check);
  const act = (k, method, what) =>
    request(method, `${path(k)}/${what}`, { ...auth(line[k].who.token), json: what === 'waitlist' ? slot : undefined });
  const none = { entries: [], offer: null };

  // joining: the cached detail (no entries) is replaced at once
  await cached(0);
  assert.equal((await act(0, 'POST', 'waitlist')).status, 201);
  await each(0, 'after joining', (j, m) => {
    assert.equal(j.waitlist.entries.length, 1, m);
    assert.equal(j.waitlist.entries[0].position, 1, m);
  });
  for (let k = 1; k < line.length; k++) assert.equal((await act(k, 'POST', 'waitlist')).status, 201);

  // a waiting entry's position moves with the entries ahead of it (other residents' changes):
  // such answers are not kept
  for (let round = 0; round < 2; round++)
    for (const a of await many(path(2), line[2].who.token)) {
      assert.equal(a.json.waitlist.entries[0].position, 3);
      assert.equal(a.headers['x-read-cache'], 'miss', 'an answer with a waiting entry is not kept');
    }
  assert.equal((await act(0, 'DELETE', 'waitlist')).status, 200);
  await each(0, 'after leaving', (j, m) => assert.deepEqual(j.waitlist, none, m));
  await each(2, 'after one ahead left', (j, m) => assert.equal(j.waitlist.entries[0].position, 2, m));

  // a seat frees (the holder cancels): the first in line is offered it at once
  const cancel = (h) => request('POST', `/api/requests/${h}/cancel`, { ...auth(holder.token), json: {} });
  assert.equal((await cancel(holds[0])).status, 200);
  await each(1, 'after the offer', (j, m) => assert.ok(j.waitlist.offer, m));

  // leaving with the offer: gone at once (the next is offered)
  await cached(1);
  assert.equal((await act(1, 'DELETE', 'waitlist')).status, 200);
  await each(1, 'after leaving with the offer', (j, m) => assert.deepEqual(j.waitlist, none, m));
  // declining: gone at once (the next is offered)
  await cached(2);
  assert.equal((await act(2, 'POST', 'decline-offer')).status, 200);
  await each(2, 'after declining', (j, m) => assert.deepEqual(j.waitlist, none, m));
  // accepting: booked at once
  await cached(3);
  assert.equal((await act(3, 'POST', 'accept-offer')).status, 200);
  await each(3, 'after accepting', (j, m) => {
    assert.equal(j.status, 'scheduled', m);
    assert.equal(Date.parse(j.assigned_slot.start), Date.parse(S.start), m);
    assert.deepEqual(j.waitlist, none, m);
  });

  // the job expires a lapsed offer (run on a clock past the hold): gone at once
  const job = resolve(process.env.SWMRA_BUILD_DIR || STACK.SWMRA_BUILD_DIR || REPO, 'cron/swmra-job-waitlist');
  if (!existsSync(job)) return t.skip('cron/swmra-job-waitlist is not built');
  assert.equal((await cancel(holds[1])).status, 200);
  const { hit } = await cached(4);
  assert.ok(hit.json.waitlist.offer, 'the last in line holds the second seat');
  const offset = Math.ceil((NOW_OFFSET_MS + HOLD_MS + 5 * 60000) / 1000);
  await promisify(execFile)(job, ['--once', '--env-file', ''], { env: { ...process.env, ...STACK, TEST_NOW_OFFSET: String(offset) }, timeout: 60000 });
  await each(4, 'after the job expired the offer', (j, m) => assert.deepEqual(j.waitlist, none, m));
});
