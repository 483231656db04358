// Slot availability kept per worker (src/api/read_cache.c, issue 13: GET /api/slots/available
// fell behind as a day's seat claims grew, FerretDB decoding every claim of the day on every
// call): a repeated read is a hit that checks the seat map's mark on the node's table (no
// store command of its own) and answers
// what a fresh read answers, and every change of a seat count or of a slot's capacity — a
// booking, a staff scheduling, a reschedule, a cancellation, an admin's capacity override
// and its removal — is on the very next read of every worker.
//
// And under a race: 16 residents booking a slot of capacity 3 at once while others keep
// reading it on every worker, exactly 3 bookings are taken (the store's seats are those
// bookings) and, once the last answer is in, every worker answers the slot full.
//
// Isolation: its own residents and dates of its own (25+ days ahead, where no other file
// books), counts checked against what it read first, its overrides deleted at the end. The
// store is read through tests/swmra-test-dbdump (built by make check).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { request, get, login, registerUser, STACK, REPO } from './lib/stack.mjs';
import { auth, many, cachedRead, ownCommands } from './lib/cache.mjs';
import { now } from './lib/clock.mjs';

const TZ = process.env.SERVICE_TZ || STACK.SERVICE_TZ || 'Asia/Kolkata';
const dayFmt = new Intl.DateTimeFormat('en-CA', { timeZone: TZ });
const dateIn = (days) => dayFmt.format(new Date(now() + days * 86400000));
const weekdayOf = (date) => new Date(`${date}T12:00:00Z`).getUTCDay();
const sameStart = (a, b) => Date.parse(a) === Date.parse(b);
const call = (method, path, token, json) => request(method, path, { ...auth(token), json });
const BUILD = process.env.SWMRA_BUILD_DIR || REPO;

/** The documents of a collection as the store holds them (tests/swmra-test-dbdump). */
function stored(coll) {
  const out = execFileSync(resolve(BUILD, 'tests/swmra-test-dbdump'), [coll], {
    env: { ...process.env, ...STACK },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return out
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l).d);
}
/** The seat claims of the slot starting at `start`. */
const claimsOf = (start) => stored('slot_claims').filter((d) => sameStart(d.start.$date, start));
/** The seat map's read mark (src/domain/read_marks.h): what every cached availability answer is checked against. */
const seatMapMark = () => stored('read_marks').find((d) => d._id.$oid === '000000000000000000000001')?.mark;

async function tokenOf(email) {
  const r = await login(email, 'Passw0rd!');
  assert.equal(r.status, 200, r.text);
  return r.json.access_token;
}

/** A date `from`+ days ahead that the template offers (a weekday with windows, not closed). */
async function offeredDate(admin, from) {
  const tpl = await get('/api/admin/slot-templates', auth(admin));
  assert.equal(tpl.status, 200, tpl.text);
  const days = new Set(tpl.json.weekly.map((w) => w.weekday));
  for (let d = from; d < from + 14; d++) {
    const date = dateIn(d);
    if (days.has(weekdayOf(date)) && !tpl.json.closed_dates.includes(date)) return date;
  }
  assert.fail('no offered date');
}

async function newRequest(token) {
  const r = await call('POST', '/api/requests', token, {
    category: 'organic',
    description: 'slot cache test',
    quantity: 1,
    address: { line1: '3 Cache Lane', city: 'Pune', pincode: '411004' },
  });
  assert.equal(r.status, 201, r.text);
  return r.json.id;
}

/** Every answer of a parallel round (reaching every worker): the slot starting at `start`, or undefined. */
async function everyWorker(path, token, start) {
  const answers = await many(path, token);
  return answers.map((a) => {
    assert.equal(a.status, 200, a.text);
    return { slot: a.json.find((s) => sameStart(s.start, start)), how: a.headers['x-read-cache'] };
  });
}

test('a repeated slots/available is a hit costing no store command, the same as a fresh read', async () => {
  const resident = await registerUser();
  const admin = await tokenOf('admin@example.com');
  const date = await offeredDate(admin, 25);
  const path = `/api/slots/available?date=${date}&category=organic`;
  const { hit, answers } = await cachedRead(path, resident.token);
  assert.equal(ownCommands(hit), 0, 'a hit checks the seat map mark on the node table, no store command');
  assert.ok(hit.json.length > 0, `slots offered on ${date}`);
  for (const a of answers) assert.deepEqual(a.json, hit.json, 'hit and miss answers agree');
  // the same question asked another way is its own entry: a fresh read, the same answer
  const fresh = (await many(`/api/slots/available?category=organic&date=${date}&include_full=false`, resident.token)).find(
    (a) => a.headers['x-read-cache'] === 'miss',
  );
  assert.ok(fresh, 'a fresh read');
  assert.ok(ownCommands(fresh) >= 1, 'a miss reads the claims');
  assert.deepEqual(fresh.json, hit.json);
  // the answer is everyone's: another resident's first read on a worker is a hit too
  const other = await registerUser();
  const { hit: theirs } = await cachedRead(path, other.token);
  assert.deepEqual(theirs.json, hit.json);
  // bad input is still refused, whatever is cached
  assert.equal((await get(`/api/slots/available?date=${date}&category=nope`, auth(resident.token))).status, 422);
  assert.equal((await get(`/api/slots/available?date=${date}`, auth(resident.token))).status, 422);
  // and a caller without a token gets nothing
  assert.equal((await get(path)).status, 401);
});

test('every seat and capacity change is on the next read of every worker', async (t) => {
  const resident = await registerUser();
  const staff = await tokenOf('staff@example.com');
  const admin = await tokenOf('admin@example.com');
  const date = await offeredDate(admin, 27);
  const path = `/api/slots/available?date=${date}&category=organic`;
  const full = `${path}&include_full=true`;
  const offered = (await cachedRead(path, resident.token)).hit.json.filter((s) => s.remaining >= 3);
  assert.ok(offered.length >= 2, `two free slots on ${date}`);
  const [A, B] = [offered[0], offered[offered.length - 1]];
  // before each change, workers answer `p` from their caches
  const warm = (p = path) => cachedRead(p, resident.token);
  const expectEvery = async (slot, want, why, p = path) => {
    for (const { slot: s, how } of await everyWorker(p, resident.token, slot.start)) {
      if (want === null) assert.equal(s, undefined, `${why}: not offered (${how})`);
      else assert.equal(s?.remaining, want, `${why} (${how})`);
    }
  };

  // a resident's booking takes a seat in A
  const r1 = await newRequest(resident.token);
  await warm();
  const booked = await call('POST', `/api/requests/${r1}/confirm-slot`, resident.token, { slot_start: A.start, slot_end: A.end });
  assert.equal(booked.status, 200, booked.text);
  await expectEvery(A, A.remaining - 1, 'after a booking');

  // staff schedule another request into A
  const r2 = await newRequest(resident.token);
  const review = await call('POST', `/api/staff/requests/${r2}/transition`, staff, { to: 'pending_review' });
  assert.equal(review.status, 200, review.text);
  await warm();
  const scheduled = await call('POST', `/api/staff/requests/${r2}/transition`, staff, { to: 'scheduled', slot_start: A.start, slot_end: A.end });
  assert.equal(scheduled.status, 200, scheduled.text);
  await expectEvery(A, A.remaining - 2, 'after staff scheduled');

  // the resident reschedules r1 to B: B loses a seat, A gets it back
  await warm();
  const moved = await call('POST', `/api/requests/${r1}/confirm-slot`, resident.token, { slot_start: B.start, slot_end: B.end });
  assert.equal(moved.status, 200, moved.text);
  await expectEvery(A, A.remaining - 1, 'A after the reschedule');
  await expectEvery(B, B.remaining - 1, 'B after the reschedule');

  // cancelling r1 gives B's seat back
  await warm();
  const cancelled = await call('POST', `/api/requests/${r1}/cancel`, resident.token, { reason: 'slot cache test' });
  assert.equal(cancelled.status, 200, cancelled.text);
  await expectEvery(B, B.remaining, 'after the cancellation');

  // an admin lowers the day's capacity to what A holds: A is full at once, everywhere (not
  // offered; with include_full, offered with no seat left), and B shows the new capacity
  const held = A.capacity - (A.remaining - 1);
  await warm();
  await warm(full);
  // (this node's workers also see the change through their session-cache epoch; other nodes,
  // at once, only through the seat map's mark, written before the answer)
  const markBefore = seatMapMark();
  const ov = await call('POST', '/api/admin/slot-overrides', admin, { from: date, to: date, capacity_class: 'standard', capacity: held });
  assert.equal(ov.status, 201, ov.text);
  t.after(() => call('DELETE', `/api/admin/slot-overrides/${ov.json.id}`, admin));
  assert.notEqual(seatMapMark(), markBefore, 'the seat map mark moved before the answer');
  await expectEvery(A, null, 'a full slot after the capacity edit');
  await expectEvery(A, 0, 'full, with include_full', full);
  for (const { slot, how } of await everyWorker(full, resident.token, B.start)) assert.equal(slot?.capacity, held, `B's capacity (${how})`);

  // the override removed: A has its free seats again
  await warm(full);
  const markHeld = seatMapMark();
  const del = await call('DELETE', `/api/admin/slot-overrides/${ov.json.id}`, admin);
  assert.equal(del.status, 204, del.text);
  assert.notEqual(seatMapMark(), markHeld, 'the seat map mark moved before the answer');
  await expectEvery(A, A.remaining - 1, 'after the override was removed');

  // staff cancel r2: A is back where it started
  await warm();
  const gone = await call('POST', `/api/staff/requests/${r2}/transition`, staff, { to: 'cancelled', note: 'slot cache test' });
  assert.equal(gone.status, 200, gone.text);
  await expectEvery(A, A.remaining, 'after staff cancelled');
});

test('16 residents racing for a slot of 3 while every worker reads it: 3 bookings, then full everywhere', async (t) => {
  const staff = await tokenOf('staff@example.com');
  const admin = await tokenOf('admin@example.com');
  const date = await offeredDate(admin, 31);
  const CAP = 3;
  const RACERS = 16;
  const ov = await call('POST', '/api/admin/slot-overrides', admin, { from: date, to: date, capacity_class: 'standard', capacity: CAP });
  assert.equal(ov.status, 201, ov.text);
  t.after(() => call('DELETE', `/api/admin/slot-overrides/${ov.json.id}`, admin));
  const residents = await Promise.all(Array.from({ length: RACERS }, () => registerUser()));
  const requests = await Promise.all(residents.map((r) => newRequest(r.token)));
  const reader = residents[0].token;
  const path = `/api/slots/available?date=${date}&category=organic`;
  const full = `${path}&include_full=true`;
  const A = (await cachedRead(path, reader)).hit.json.find((s) => s.remaining === CAP);
  assert.ok(A, `an empty slot of capacity ${CAP} on ${date}`);
  assert.equal(claimsOf(A.start).length, 0, 'no seat of it taken yet');
  // workers answer both questions from their caches before the race: without the seat
  // map's bump they would go on answering the empty slot
  await cachedRead(full, reader);

  // readers keep asking over every worker until the last booking is answered
  let racing = true;
  const readers = Array.from({ length: 6 }, async (_, i) => {
    do {
      const r = await get(i % 2 ? full : path, auth(reader));
      assert.equal(r.status, 200, r.text);
    } while (racing);
  });
  const answers = await Promise.all(
    requests.map((id, i) => call('POST', `/api/requests/${id}/confirm-slot`, residents[i].token, { slot_start: A.start, slot_end: A.end })),
  );
  racing = false;
  await Promise.all(readers);
  const won = requests.filter((_, i) => answers[i].status === 200);
  t.after(async () => {
    for (const id of won) await call('POST', `/api/staff/requests/${id}/transition`, staff, { to: 'cancelled', note: 'slot race test' });
  });
  assert.equal(won.length, CAP, `bookings taken: ${answers.map((a) => a.status).join(' ')}`);
  for (const a of answers.filter((x) => x.status !== 200)) {
    assert.equal(a.status, 409, a.text);
    assert.deepEqual(a.json, { detail: 'Slot is full' });
  }

  // the store: one seat per booking taken, and those are the slot's scheduled requests
  const seats = claimsOf(A.start);
  assert.deepEqual(seats.map((c) => c.request_id.$oid).sort(), [...won].sort(), 'the seats are the bookings');
  const cal = await get(`/api/staff/slots?date=${date}`, auth(staff));
  assert.equal(cal.status, 200, cal.text);
  const entry = cal.json.find((e) => e.capacity_class === 'standard' && sameStart(e.start, A.start));
  assert.ok(entry, 'the staff calendar lists the slot');
  assert.deepEqual([entry.capacity, entry.booked, entry.remaining], [CAP, CAP, 0]);
  const scheduled = entry.requests.filter((r) => r.status === 'scheduled').map((r) => r.id);
  assert.deepEqual(scheduled.sort(), [...won].sort(), 'the scheduled requests are the bookings');

  // every worker answers the slot full: a parallel round (12 reads at once), then one by one
  for (const { slot, how } of await everyWorker(path, reader, A.start)) assert.equal(slot, undefined, `not offered (${how})`);
  for (const { slot, how } of await everyWorker(full, reader, A.start)) assert.equal(slot?.remaining, 0, `no seat left (${how})`);
  for (let i = 0; i < 8; i++) {
    const [r, f] = [await get(path, auth(reader)), await get(full, auth(reader))];
    assert.equal(r.json.find((s) => sameStart(s.start, A.start)), undefined, `serial read ${i}: not offered (${r.headers['x-read-cache']})`);
    assert.equal(f.json.find((s) => sameStart(s.start, A.start))?.remaining, 0, `serial read ${i}: full (${f.headers['x-read-cache']})`);
  }
});
