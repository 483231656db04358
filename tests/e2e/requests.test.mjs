// Pickup requests end to end through nginx: a resident creates a request, staff move it
// through every stage to completed and the points appear; failed → rescheduled; cancel
// outside and within 24 h; IDOR attempts on every request route answer 404.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { REPO, STACK, request, get, login, registerUser } from './lib/stack.mjs';
import { now, soonSlot } from './lib/clock.mjs';

const auth = (token) => ({ headers: { authorization: `Bearer ${token}` } });
const call = (method, path, token, json) => request(method, path, { ...auth(token), json });

/** Runs the idempotent seed (staff@example.com, admin@example.com, slot template). */
function seed() {
  const build = process.env.SWMRA_BUILD_DIR || STACK.SWMRA_BUILD_DIR || REPO;
  const bin = resolve(build, 'seed/swmra-seed');
  if (!existsSync(bin)) return false;
  execFileSync(bin, ['--env-file', ''], { env: { ...process.env, ...STACK }, stdio: 'ignore', timeout: 60000 });
  return true;
}

async function staffToken() {
  const res = await login('staff@example.com', 'Passw0rd!');
  assert.equal(res.status, 200, res.text);
  return res.json.access_token;
}

async function adminToken() {
  const res = await login('admin@example.com', 'Passw0rd!');
  assert.equal(res.status, 200, res.text);
  return res.json.access_token;
}

/** YYYY-MM-DD of now + days, in the service time zone (Asia/Kolkata unless configured). */
function dateIn(days) {
  const tz = STACK.SERVICE_TZ || 'Asia/Kolkata';
  return new Intl.DateTimeFormat('en-CA', { timeZone: tz }).format(new Date(now() + days * 86400000));
}

/** Bookable slots for residents (beyond the lead time), over the next days. */
async function residentSlots(token, category, n = 3) {
  const out = [];
  for (let d = 1; d < 10 && out.length < n; d++) {
    const res = await get(`/api/slots/available?date=${dateIn(d)}&category=${category}`, auth(token));
    if (res.status !== 200) continue;
    for (const s of res.json) if (s.remaining > 0 && out.length < n) out.push(s);
  }
  return out;
}

function body(category = 'recyclable', extra = {}) {
  return {
    category,
    description: 'Two bags of bottles and cans',
    quantity: 2,
    address: { line1: '12 MG Road', city: 'Pune', pincode: '411001', lat: 18.52, lng: 73.85 },
    ...extra,
  };
}

async function setup(t) {
  const resident = await registerUser();
  if (!resident) return t.skip('auth routes not deployed') && null;
  const probe = await call('GET', '/api/requests', resident.token);
  if (probe.status === 404) return t.skip('request routes not deployed') && null;
  if (!seed()) return t.skip('seed/swmra-seed not built') && null;
  return { resident, staff: await staffToken() };
}

async function move(staff, id, to, extra = {}) {
  const res = await call('POST', `/api/staff/requests/${id}/transition`, staff, { to, ...extra });
  assert.equal(res.status, 200, `${to}: ${res.text}`);
  assert.equal(res.json.status, to);
  return res.json;
}

test('resident creates, staff move it through every stage, points appear', async (t) => {
  const ctx = await setup(t);
  if (!ctx) return;
  const { resident, staff } = ctx;
  const created = await call('POST', '/api/requests', resident.token, body('recyclable'));
  assert.equal(created.status, 201, created.text);
  const r = created.json;
  assert.equal(r.status, 'submitted');
  assert.equal(r.user_id, resident.user.id);
  assert.equal(r.assigned_slot, null);
  assert.match(r.created_at, /Z$/);
  assert.equal(r.events.length, 1);

  const list = await call('GET', '/api/requests?status=submitted', resident.token);
  assert.equal(list.status, 200);
  assert.ok(list.json.items.some((x) => x.id === r.id));
  assert.equal((await call('GET', '/api/requests?status=bogus', resident.token)).status, 422);

  // resident confirms a slot
  const [slot] = await residentSlots(resident.token, 'recyclable', 1);
  if (!slot) return t.skip('no bookable slot in the next days');
  const conf = await call('POST', `/api/requests/${r.id}/confirm-slot`, resident.token, { slot_start: slot.start, slot_end: slot.end });
  assert.equal(conf.status, 200, conf.text);
  assert.equal(conf.json.status, 'scheduled');

  // the resident cannot touch staff routes
  assert.equal((await call('GET', '/api/staff/requests', resident.token)).status, 403);
  assert.equal((await call('POST', `/api/staff/requests/${r.id}/transition`, resident.token, { to: 'enroute' })).status, 403);

  const detail = await call('GET', `/api/staff/requests/${r.id}`, staff);
  assert.equal(detail.status, 200);
  assert.deepEqual(detail.json.allowed_transitions, ['enroute', 'cancelled']);
  // staff see who the resident is
  const who = { id: resident.user.id, name: resident.user.name, email: resident.user.email, phone: resident.user.phone };
  assert.deepEqual(detail.json.user, who);
  const page = await call('GET', '/api/staff/requests?status=scheduled&limit=100', staff);
  assert.equal(page.status, 200, page.text);
  const item = page.json.items.find((x) => x.id === r.id);
  assert.ok(item, 'the request is on the staff list (newest first)');
  assert.deepEqual(item.user, who);
  for (const x of page.json.items) assert.ok('user' in x, `item ${x.id} has user`);
  assert.equal('user' in conf.json, false, "the resident's own view has no user");
  const bad = await call('POST', `/api/staff/requests/${r.id}/transition`, staff, { to: 'completed' });
  assert.equal(bad.status, 409);
  assert.equal(bad.json.detail, 'Invalid transition from scheduled to completed');
  assert.deepEqual(bad.json.allowed, ['enroute', 'cancelled']);

  const note = await call('POST', `/api/staff/requests/${r.id}/notes`, staff, { note: 'Gate code 1234' });
  assert.equal(note.status, 201, note.text);
  for (const to of ['enroute', 'onsite', 'collecting', 'collected', 'handover', 'verification']) {
    await move(staff, r.id, to, to === 'collected' ? { weight_kg: 3.5 } : {});
  }
  const done = await move(staff, r.id, 'completed');
  assert.equal(done.reward_points, 5);

  const mine = await call('GET', `/api/requests/${r.id}`, resident.token);
  assert.equal(mine.json.status, 'completed');
  const types = mine.json.events.map((e) => `${e.type}:${e.data?.to ?? ''}`);
  assert.ok(types.includes('NOTE:'));
  assert.equal(mine.json.events.at(-1).data.from, 'verification');

  const summary = await call('GET', '/api/rewards/summary', resident.token);
  assert.equal(summary.status, 200);
  assert.equal(summary.json.total_points, 5);
  assert.equal(summary.json.recent[0].reason, 'Completed recyclable pickup');
  assert.equal(summary.json.recent[0].request_id, r.id);
  // completing again credits nothing
  assert.equal((await call('POST', `/api/staff/requests/${r.id}/transition`, staff, { to: 'completed' })).status, 409);
  assert.equal((await call('GET', '/api/rewards/summary', resident.token)).json.total_points, 5);
});

test('failed → rescheduled with a new slot', async (t) => {
  const ctx = await setup(t);
  if (!ctx) return;
  const { resident, staff } = ctx;
  const slots = await residentSlots(resident.token, 'organic', 2);
  if (slots.length < 2) return t.skip('not enough bookable slots');
  const r = (await call('POST', '/api/requests', resident.token, body('organic'))).json;
  await move(staff, r.id, 'pending_review');
  const noSlot = await call('POST', `/api/staff/requests/${r.id}/transition`, staff, { to: 'scheduled' });
  assert.equal(noSlot.status, 422);
  await move(staff, r.id, 'scheduled', { slot_start: slots[0].start, slot_end: slots[0].end });
  await move(staff, r.id, 'enroute');
  const failed = await move(staff, r.id, 'failed', { note: 'Nobody home' });
  assert.equal(failed.assigned_slot, null);
  assert.equal((await call('POST', `/api/staff/requests/${r.id}/transition`, staff, { to: 'scheduled' })).status, 422);
  const again = await move(staff, r.id, 'scheduled', { slot_start: slots[1].start, slot_end: slots[1].end });
  assert.equal(Date.parse(again.assigned_slot.start), Date.parse(slots[1].start));
});

test('cancel outside 24 h frees the seat; within 24 h the resident is refused', async (t) => {
  const ctx = await setup(t);
  if (!ctx) return;
  const { resident, staff } = ctx;
  const [slot] = await residentSlots(resident.token, 'bulk', 1);
  if (!slot) return t.skip('no bookable slot');
  const a = (await call('POST', '/api/requests', resident.token, body('bulk'))).json;
  const conf = await call('POST', `/api/requests/${a.id}/confirm-slot`, resident.token, { slot_start: slot.start, slot_end: slot.end });
  assert.equal(conf.status, 200, conf.text);
  const cancel = await call('POST', `/api/requests/${a.id}/cancel`, resident.token, { reason: 'Changed my mind' });
  assert.equal(cancel.status, 200, cancel.text);
  assert.equal(cancel.json.status, 'cancelled');
  assert.equal(cancel.json.assigned_slot, null);
  const twice = await call('POST', `/api/requests/${a.id}/cancel`, resident.token);
  assert.equal(twice.status, 400);
  assert.equal(twice.json.detail, 'Cannot cancel in current status');

  // a grid slot 1..23 h ahead exists at every hour (soonSlot adds one to the template if not)
  const soon = await soonSlot(t, staff, await adminToken());
  const b = (await call('POST', '/api/requests', resident.token, body('bulk'))).json;
  await move(staff, b.id, 'pending_review');
  await move(staff, b.id, 'scheduled', { slot_start: soon.start, slot_end: soon.end });
  const late = await call('POST', `/api/requests/${b.id}/cancel`, resident.token);
  assert.equal(late.status, 400);
  assert.equal(late.json.detail, 'Too late to cancel (<24h)');
  // staff may still cancel
  await move(staff, b.id, 'cancelled');
});

test('someone else\'s request is 404 on every route', async (t) => {
  const ctx = await setup(t);
  if (!ctx) return;
  const { resident } = ctx;
  const other = await registerUser();
  const r = (await call('POST', '/api/requests', resident.token, body('organic', { draft: true }))).json;
  assert.equal(r.status, 'draft');
  const attempts = [
    ['GET', `/api/requests/${r.id}`],
    ['PATCH', `/api/requests/${r.id}`, { quantity: 5 }],
    ['POST', `/api/requests/${r.id}/submit`],
    ['POST', `/api/requests/${r.id}/cancel`, {}],
    ['POST', `/api/requests/${r.id}/confirm-slot`, { slot_start: '2030-01-07T04:30:00Z', slot_end: '2030-01-07T05:30:00Z' }],
  ];
  for (const [method, path, json] of attempts) {
    const res = await call(method, path, other.token, json);
    assert.equal(res.status, 404, `${method} ${path}: ${res.text}`);
    assert.deepEqual(res.json, { detail: 'Request not found' });
  }
  for (const [method, path, json] of attempts) {
    const res = await call(method, path.replace(r.id, 'not-an-id'), resident.token, json);
    assert.equal(res.status, 404, `${method} ${path} (bad id): ${res.text}`);
  }
  const theirs = await call('GET', '/api/requests', other.token);
  assert.equal(theirs.json.total, 0);
  const still = await call('GET', `/api/requests/${r.id}`, resident.token);
  assert.equal(still.json.status, 'draft');
  assert.equal(still.json.quantity, 2);
  assert.equal(still.json.events.length, 1);
});

test('the API and these tests read the same clock (TEST_NOW_OFFSET on a test stack)', async (t) => {
  const ctx = await setup(t);
  if (!ctx) return;
  const before = now();
  const r = await call('POST', '/api/requests', ctx.resident.token, body('organic'));
  assert.equal(r.status, 201, r.text);
  const at = Date.parse(r.json.created_at);
  assert.ok(at >= before - 5000 && at <= now() + 5000, `created_at ${r.json.created_at} vs now() ${new Date(before).toISOString()}`);
});
