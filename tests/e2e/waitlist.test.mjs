// The waitlist and the change deadline end to end through nginx (issue 18): joining the line
// of a full slot and every refusal, the offer a freed seat makes (held: the slot stays full),
// declining passes it on, accepting books it (as a reschedule that frees the old seat, which
// is offered in turn), leaving; and `change_deadline` on requests.
//
// Isolation: its own residents and hazardous (special class, capacity 2 in the seed
// template) slots on service-local days 45 and later, which no other file books; every
// slot it uses it finds empty first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { REPO, STACK, request, get, login, registerUser } from './lib/stack.mjs';
import { now } from './lib/clock.mjs';

const TZ = process.env.SERVICE_TZ || STACK.SERVICE_TZ || 'Asia/Kolkata';
const CANCEL_MIN_MS = Number(STACK.CANCEL_MIN_HOURS || 24) * 3600000;
const HOLD_MS = Number(STACK.WAITLIST_HOLD_MIN || 30) * 60000;

const auth = (token) => ({ headers: { authorization: `Bearer ${token}` } });
const call = (method, path, token, json) => request(method, path, { ...auth(token), json });
const dayFmt = new Intl.DateTimeFormat('en-CA', { timeZone: TZ });
const dateIn = (days) => dayFmt.format(new Date(now() + days * 86400000));

const used = new Set();
/** `n` empty hazardous slots (nobody booked, nobody waiting) from day 45 on, each used once. */
async function emptySlots(token, n) {
  const out = [];
  for (let d = 45; d < 60 && out.length < n; d++) {
    const res = await get(`/api/slots/available?date=${dateIn(d)}&category=hazardous&include_full=true`, auth(token));
    assert.equal(res.status, 200, res.text);
    for (const s of res.json) {
      if (out.length < n && s.capacity > 0 && s.remaining === s.capacity && !used.has(s.start)) {
        used.add(s.start);
        out.push(s);
      }
    }
  }
  assert.equal(out.length, n, 'empty hazardous slots on days 45..59');
  return out;
}

async function newRequest(token) {
  const res = await call('POST', '/api/requests', token, {
    category: 'hazardous',
    description: 'Old paint tins for the waitlist test',
    quantity: 1,
    address: { line1: '3 Queue Street', city: 'Pune', pincode: '411001' },
  });
  assert.equal(res.status, 201, res.text);
  return res.json;
}

const slotBody = (s) => ({ slot_start: s.start, slot_end: s.end });
async function book(token, id, s) {
  const res = await call('POST', `/api/requests/${id}/confirm-slot`, token, slotBody(s));
  assert.equal(res.status, 200, res.text);
  return res.json;
}
/** Books every seat of slot `s` with new requests of `token`; returns their ids. */
async function fill(token, s) {
  const ids = [];
  for (let i = 0; i < s.capacity; i++) {
    const r = await newRequest(token);
    await book(token, r.id, s);
    ids.push(r.id);
  }
  return ids;
}
const join = (token, id, s) => call('POST', `/api/requests/${id}/waitlist`, token, slotBody(s));
const leave = (token, id, s) => call('DELETE', `/api/requests/${id}/waitlist`, token, slotBody(s));
const detail = async (token, id) => {
  const res = await get(`/api/requests/${id}`, auth(token));
  assert.equal(res.status, 200, res.text);
  return res.json;
};
async function remaining(token, s) {
  const res = await get(`/api/slots/available?date=${dayFmt.format(new Date(s.start))}&category=hazardous&include_full=true`, auth(token));
  assert.equal(res.status, 200, res.text);
  const hit = res.json.find((x) => x.start === s.start);
  assert.ok(hit, `slot ${s.start} listed`);
  return hit.remaining;
}
const run = promisify(execFile);
function jobBinary(name) {
  const bin = resolve(process.env.SWMRA_BUILD_DIR || STACK.SWMRA_BUILD_DIR || REPO, `cron/swmra-job-${name}`);
  return existsSync(bin) ? bin : null;
}
/** The SMTP sink's messages (null without one). */
function mails() {
  const dir = STACK.SWMRA_MAILDIR || process.env.SWMRA_MAILDIR;
  if (!dir) return null;
  const out = [];
  for (const sub of ['new', 'cur']) {
    let names = [];
    try {
      names = readdirSync(`${dir}/${sub}`);
    } catch {
      continue;
    }
    for (const n of names) if (!n.startsWith('.')) out.push(readFileSync(`${dir}/${sub}/${n}`, 'utf8'));
  }
  return out;
}

function expectDetail(res, status, detail) {
  assert.equal(res.status, status, res.text);
  if (detail) assert.equal(res.json.detail, detail);
}

test('change_deadline: null without a slot, the slot start less CANCEL_MIN_HOURS when booked, null once cancelled', async () => {
  const a = await registerUser();
  const r = await newRequest(a.token);
  assert.equal(r.change_deadline, null);
  const [s] = await emptySlots(a.token, 1);
  const booked = await book(a.token, r.id, s);
  assert.equal(Date.parse(booked.change_deadline), Date.parse(s.start) - CANCEL_MIN_MS);
  assert.match(booked.change_deadline, /Z$/);
  const listed = await get('/api/requests?limit=5', auth(a.token));
  assert.equal(listed.json.items.find((x) => x.id === r.id).change_deadline, booked.change_deadline);
  assert.equal((await detail(a.token, r.id)).change_deadline, booked.change_deadline);
  const cancelled = await call('POST', `/api/requests/${r.id}/cancel`, a.token, {});
  assert.equal(cancelled.status, 200, cancelled.text);
  assert.equal(cancelled.json.change_deadline, null);
});

test('joining a full slot, and every refusal', async () => {
  const holder = await registerUser();
  const b = await registerUser();
  const other = await registerUser();
  const [full, free, full2, full3, full4] = await emptySlots(holder.token, 5);
  await fill(holder.token, full);
  const listed = await get(`/api/slots/available?date=${dayFmt.format(new Date(full.start))}&category=hazardous`, auth(b.token));
  assert.ok(!listed.json.some((x) => x.start === full.start), 'a full slot is not offered for booking');
  assert.equal(await remaining(b.token, full), 0, 'include_full lists it with remaining 0');

  const rb = await newRequest(b.token);
  const joined = await join(b.token, rb.id, full);
  assert.equal(joined.status, 201, joined.text);
  assert.deepEqual(joined.json, { position: 1 });
  const rb2 = await newRequest(other.token);
  const second = await join(other.token, rb2.id, full);
  assert.equal(second.status, 201, second.text);
  assert.equal(second.json.position, 2);

  const d = await detail(b.token, rb.id);
  assert.equal(d.waitlist.offer, null);
  assert.equal(d.waitlist.entries.length, 1);
  assert.equal(d.waitlist.entries[0].status, 'waiting');
  assert.equal(d.waitlist.entries[0].position, 1);
  assert.equal(Date.parse(d.waitlist.entries[0].slot_start), Date.parse(full.start));

  expectDetail(await join(b.token, rb.id, full), 409, 'Already on the waitlist of this slot');
  expectDetail(await join(b.token, rb.id, free), 409, 'Slot has free seats: book it instead');
  const offGrid = { start: new Date(Date.parse(full.start) + 7 * 60000).toISOString(), end: new Date(Date.parse(full.end) + 7 * 60000).toISOString() };
  expectDetail(await join(b.token, rb.id, offGrid), 409, 'Slot not available');
  expectDetail(await join(other.token, rb.id, full), 404, 'Request not found');
  expectDetail(await call('POST', '/api/requests/nope/waitlist', b.token, slotBody(full)), 404, 'Request not found');
  assert.equal((await call('POST', `/api/requests/${rb.id}/waitlist`, b.token, { slot_start: full.start })).status, 422);
  assert.equal((await call('POST', `/api/requests/${rb.id}/waitlist`, b.token, { ...slotBody(full), why: 1 })).status, 422);
  assert.equal((await call('POST', `/api/requests/${rb.id}/waitlist`, b.token, { slot_start: full.end, slot_end: full.start })).status, 422);
  const bad = await request('POST', `/api/requests/${rb.id}/waitlist`, { ...auth(b.token), body: '{', headers: { ...auth(b.token).headers, 'content-type': 'application/json' } });
  assert.equal(bad.status, 400, bad.text);
  assert.equal((await request('POST', `/api/requests/${rb.id}/waitlist`, { json: slotBody(full) })).status, 401);
  // a draft books no slot: it cannot wait for one either
  const draft = await call('POST', '/api/requests', b.token, { category: 'hazardous', description: 'A draft for the waitlist', quantity: 1, address: { line1: '3 Queue Street', city: 'Pune', pincode: '411001' }, draft: true });
  expectDetail(await join(b.token, draft.json.id, full), 409, 'The request cannot book a slot in its status');
  // booked there already
  const mine = await newRequest(b.token);
  await book(b.token, mine.id, free);
  await fill(holder.token, { ...free, capacity: free.capacity - 1 });
  expectDetail(await join(b.token, mine.id, free), 409, 'The request is booked in this slot');

  // at most 3 slots per request
  for (const s of [full2, full3, full4]) await fill(holder.token, s);
  assert.equal((await join(b.token, rb.id, full2)).status, 201);
  assert.equal((await join(b.token, rb.id, full3)).status, 201);
  expectDetail(await join(b.token, rb.id, full4), 409, 'A request can wait on at most 3 slots');
  assert.equal((await detail(b.token, rb.id)).waitlist.entries.length, 3);

  // leaving frees a place
  const left = await leave(b.token, rb.id, full3);
  assert.equal(left.status, 200, left.text);
  assert.equal(left.json.waitlist.entries.length, 2);
  expectDetail(await leave(b.token, rb.id, full3), 404, 'Not on the waitlist of this slot');
  expectDetail(await leave(other.token, rb.id, full2), 404);
  assert.equal((await join(b.token, rb.id, full4)).status, 201);

  // nothing offered yet
  expectDetail(await call('POST', `/api/requests/${rb.id}/accept-offer`, b.token), 409, 'No offer to answer');
  expectDetail(await call('POST', `/api/requests/${rb.id}/decline-offer`, b.token), 409, 'No offer to answer');
  expectDetail(await call('POST', `/api/requests/${rb.id}/accept-offer`, other.token), 404, 'Request not found');
});

test('a freed seat is held for the first in line; decline passes it on; accept books it as a reschedule and offers the old seat', async () => {
  const holder = await registerUser();
  const b = await registerUser();
  const c = await registerUser();
  const e = await registerUser();
  const [S, old] = await emptySlots(holder.token, 2);
  const holds = await fill(holder.token, S);
  const rb = await newRequest(b.token);
  // c's request is booked elsewhere: accepting moves it
  const rc = await newRequest(c.token);
  await book(c.token, rc.id, old);
  await fill(holder.token, { ...old, capacity: old.capacity - 1 });
  const re = await newRequest(e.token);
  assert.equal((await join(b.token, rb.id, S)).status, 201);
  assert.equal((await join(c.token, rc.id, S)).status, 201);
  assert.equal((await join(e.token, re.id, old)).status, 201); // waits on c's old slot

  // a seat frees: b (first in line) gets it, held: nobody else can book it
  const t0 = now();
  const cancel = await call('POST', `/api/requests/${holds[0]}/cancel`, holder.token, {});
  assert.equal(cancel.status, 200, cancel.text);
  const db = await detail(b.token, rb.id);
  assert.ok(db.waitlist.offer, `b has an offer: ${JSON.stringify(db.waitlist)}`);
  assert.equal(Date.parse(db.waitlist.offer.slot_start), Date.parse(S.start));
  const expires = Date.parse(db.waitlist.offer.expires_at);
  assert.ok(Math.abs(expires - (t0 + HOLD_MS)) < 120000, `held for WAITLIST_HOLD_MIN: ${db.waitlist.offer.expires_at}`);
  assert.equal(db.waitlist.entries[0].status, 'offered');
  assert.equal(await remaining(b.token, S), 0, 'the held seat counts');
  const someone = await registerUser();
  const rs = await newRequest(someone.token);
  expectDetail(await call('POST', `/api/requests/${rs.id}/confirm-slot`, someone.token, slotBody(S)), 409, 'Slot is full');
  const notes = await get('/api/notifications', auth(b.token));
  const offer = notes.json.find((n) => n.event === 'waitlist_offer');
  assert.ok(offer, 'b is told');
  assert.equal(offer.meta.request_id, rb.id);
  assert.equal(Date.parse(offer.meta.expires_at), expires);
  expectDetail(await call('POST', `/api/requests/${rc.id}/accept-offer`, c.token), 409, 'No offer to answer');

  // b declines: the seat goes to c
  const declined = await call('POST', `/api/requests/${rb.id}/decline-offer`, b.token);
  assert.equal(declined.status, 200, declined.text);
  assert.equal(declined.json.waitlist.offer, null);
  assert.equal(declined.json.waitlist.entries.length, 0);
  expectDetail(await call('POST', `/api/requests/${rb.id}/decline-offer`, b.token), 409, 'No offer to answer');
  const dc = await detail(c.token, rc.id);
  assert.ok(dc.waitlist.offer, 'c is next');

  // c accepts: a reschedule from `old` into S; the old seat goes to e
  const accepted = await call('POST', `/api/requests/${rc.id}/accept-offer`, c.token);
  assert.equal(accepted.status, 200, accepted.text);
  assert.equal(accepted.json.status, 'scheduled');
  assert.equal(Date.parse(accepted.json.assigned_slot.start), Date.parse(S.start));
  assert.equal(accepted.json.waitlist.offer, null);
  assert.equal(Date.parse(accepted.json.change_deadline), Date.parse(S.start) - CANCEL_MIN_MS);
  assert.equal(accepted.json.events.at(-1).data.note, 'Booked from the waitlist');
  expectDetail(await call('POST', `/api/requests/${rc.id}/accept-offer`, c.token), 409, 'No offer to answer');
  const de = await detail(e.token, re.id);
  assert.ok(de.waitlist.offer, 'the seat c left is offered to e');
  assert.equal(Date.parse(de.waitlist.offer.slot_start), Date.parse(old.start));
  // e leaves the line with its offer: the seat is free again
  const left = await leave(e.token, re.id, old);
  assert.equal(left.status, 200, left.text);
  assert.equal(await remaining(e.token, old), 1);
  assert.equal(await remaining(e.token, S), 0);
});

test('the offer is mailed; swmra-job-waitlist runs and records its health', async (t) => {
  const dispatch = jobBinary('dispatch');
  const job = jobBinary('waitlist');
  if (!dispatch || !job) return t.skip('the cron jobs are not built');
  if (!mails()) return t.skip('the stack has no SMTP sink Maildir (SWMRA_MAILDIR)');
  const holder = await registerUser();
  const b = await registerUser();
  const [S] = await emptySlots(holder.token, 1);
  const holds = await fill(holder.token, S);
  const rb = await newRequest(b.token);
  assert.equal((await join(b.token, rb.id, S)).status, 201);
  assert.equal((await call('POST', `/api/requests/${holds[0]}/cancel`, holder.token, {})).status, 200);
  const env = { ...process.env, ...STACK };
  await run(dispatch, ['--once', '--env-file', ''], { env, timeout: 60000 });
  const mine = mails().filter((m) => m.includes(`To: ${b.body.email}`) && /^Subject: A seat is free for your pickup$/m.test(m));
  assert.equal(mine.length, 1, 'one offer mail');
  assert.match(mine[0], /held for you until/);
  assert.ok(mine[0].includes(rb.id), 'the mail links the request');
  // the job: nothing lapsed yet (the hold is WAITLIST_HOLD_MIN), the offer stays
  const out = await run(job, ['--once', '--env-file', ''], { env, timeout: 60000 });
  assert.match(out.stderr, /"msg":"summary"/);
  assert.ok((await detail(b.token, rb.id)).waitlist.offer, 'the offer is still held');
  const dry = await run(job, ['--dry-run', '--env-file', ''], { env, timeout: 60000 });
  assert.match(dry.stdout, /^0 lapsed offer\(s\)$/m);
  const admin = await login('admin@example.com', 'Passw0rd!');
  assert.equal(admin.status, 200, admin.text);
  const sys = await get('/api/admin/system', auth(admin.json.access_token));
  assert.equal(sys.status, 200, sys.text);
  const health = sys.json.jobs.find((j) => j.name === 'waitlist');
  assert.ok(health, `job_status has the waitlist job: ${JSON.stringify(sys.json.jobs.map((j) => j.name))}`);
  assert.equal(health.last_result, 'ok');
});

test('a request cancelled while in line is passed over: the seat goes to the next', async () => {
  const holder = await registerUser();
  const b = await registerUser();
  const c = await registerUser();
  const [S] = await emptySlots(holder.token, 1);
  const holds = await fill(holder.token, S);
  const rb = await newRequest(b.token);
  const rc = await newRequest(c.token);
  assert.equal((await join(b.token, rb.id, S)).status, 201);
  assert.equal((await join(c.token, rc.id, S)).status, 201);
  assert.equal((await call('POST', `/api/requests/${rb.id}/cancel`, b.token, {})).status, 200);
  assert.equal((await call('POST', `/api/requests/${holds[0]}/cancel`, holder.token, {})).status, 200);
  assert.ok((await detail(c.token, rc.id)).waitlist.offer, 'c, next after the cancelled request, has the offer');
  const db = await detail(b.token, rb.id);
  assert.equal(db.waitlist.offer, null);
  assert.deepEqual(db.waitlist.entries, [], 'the cancelled request left the line');
  expectDetail(await call('POST', `/api/requests/${rb.id}/accept-offer`, b.token), 409, 'No offer to answer');
});
