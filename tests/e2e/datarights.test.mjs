// Data rights end to end (issue 16): the export (GET /api/auth/me/export, a streamed ZIP
// checked entry by entry against what the store holds, photos included; its hourly limit),
// the erasure (DELETE /api/auth/me: afterwards no personal field of the account anywhere in
// any collection, the statistics unchanged, booked seats freed with the reason in the
// timeline, the email free for a new account), the admin's erasure with a reason, and the
// audit trail of every staff and admin action with its filters and paging.
// The store is read through tests/swmra-test-dbdump (the service's own driver, every
// collection), the photo store through lib/objstore.mjs (local or S3).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { STACK, BASE_URL, REPO, request, get, login, registerUser } from './lib/stack.mjs';
import { readStored } from './lib/objstore.mjs';

const base = BASE_URL.replace(/\/$/, '');
const TZ = STACK.SERVICE_TZ || 'Asia/Kolkata';
const BUILD = process.env.SWMRA_BUILD_DIR || REPO;
const PER_HOUR = Number(STACK.EXPORT_PER_HOUR || process.env.EXPORT_PER_HOUR || 3);
const auth = (token) => ({ headers: { authorization: `Bearer ${token}` } });
const call = (method, path, token, json) => request(method, path, { ...auth(token), ...(json !== undefined ? { json } : {}) });
const rnd = () => Math.random().toString(36).slice(2, 10);

// a 2x2 JPEG (tests/upload_fixtures.h)
const JPEG_2X2 = Buffer.from([
  0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01,
  0x00, 0x01, 0x00, 0x00, 0xff, 0xdb, 0x00, 0x43, 0x00, 0x10, 0x0b, 0x0c, 0x0e, 0x0c, 0x0a, 0x10,
  0x0e, 0x0d, 0x0e, 0x12, 0x11, 0x10, 0x13, 0x18, 0x28, 0x1a, 0x18, 0x16, 0x16, 0x18, 0x31, 0x23,
  0x25, 0x1d, 0x28, 0x3a, 0x33, 0x3d, 0x3c, 0x39, 0x33, 0x38, 0x37, 0x40, 0x48, 0x5c, 0x4e, 0x40,
  0x44, 0x57, 0x45, 0x37, 0x38, 0x50, 0x6d, 0x51, 0x57, 0x5f, 0x62, 0x67, 0x68, 0x67, 0x3e, 0x4d,
  0x71, 0x79, 0x70, 0x64, 0x78, 0x5c, 0x65, 0x67, 0x63, 0xff, 0xc0, 0x00, 0x0b, 0x08, 0x00, 0x02,
  0x00, 0x02, 0x01, 0x01, 0x11, 0x00, 0xff, 0xc4, 0x00, 0x14, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0xff, 0xc4, 0x00, 0x1b,
  0x10, 0x00, 0x03, 0x00, 0x02, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  0x00, 0x01, 0x02, 0x03, 0x05, 0x11, 0x00, 0x04, 0x41, 0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00,
  0x00, 0x3f, 0x00, 0x33, 0x26, 0xed, 0x1c, 0xa7, 0x6e, 0x51, 0x63, 0x39, 0xa5, 0x9d, 0x51, 0x10,
  0xe8, 0x28, 0x0c, 0x74, 0x00, 0xf0, 0x73, 0xff, 0xd9,
]);

/** Every document of the store: [{c: collection, d: document}]. */
function dumpStore(coll) {
  const out = execFileSync(resolve(BUILD, 'tests/swmra-test-dbdump'), coll ? [coll] : [], {
    env: { ...process.env, ...STACK },
    encoding: 'utf8',
    maxBuffer: 512 * 1024 * 1024,
  });
  return out.split('\n').filter(Boolean).map((l) => JSON.parse(l));
}
const oidOf = (v) => (v && typeof v === 'object' && '$oid' in v ? v.$oid : v);

/** GET the export as bytes; {status, headers, bytes, json (errors)}. */
async function exportZip(token) {
  const res = await fetch(`${base}/api/auth/me/export`, { headers: { authorization: `Bearer ${token}` } });
  const bytes = Buffer.from(await res.arrayBuffer());
  let json;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, bytes, json };
}

/** The entries of a ZIP: {name: Buffer}, read by unzip (Info-ZIP), not by our code. */
function unzipAll(bytes) {
  const dir = mkdtempSync(join(tmpdir(), 'swmra-export-'));
  try {
    writeFileSync(join(dir, 'x.zip'), bytes);
    execFileSync('unzip', ['-tq', 'x.zip'], { cwd: dir }); // CRCs and structure
    const names = execFileSync('unzip', ['-Z1', 'x.zip'], { cwd: dir, encoding: 'utf8' }).split('\n').filter(Boolean);
    const out = {};
    for (const n of names) out[n] = execFileSync('unzip', ['-p', 'x.zip', n], { cwd: dir, maxBuffer: 64 * 1024 * 1024 });
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function uploadPhoto(token) {
  const fd = new FormData();
  fd.append('file', new Blob([JPEG_2X2], { type: 'image/jpeg' }), 'p.jpg');
  const res = await fetch(`${base}/api/files/upload`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: fd });
  const json = await res.json();
  assert.equal(res.status, 201, JSON.stringify(json));
  return json;
}

const dayFmt = new Intl.DateTimeFormat('en-CA', { timeZone: TZ });
/** The first offered slot of a day 3..12 days ahead. */
async function futureSlot(token, category) {
  for (let d = 3; d < 13; d++) {
    const date = dayFmt.format(new Date(Date.now() + d * 86400000));
    const r = await get(`/api/slots/available?date=${date}&category=${category}`, auth(token));
    assert.equal(r.status, 200, r.text);
    if (r.json.length) return { ...r.json[0], date };
  }
  throw new Error('no slot offered in the next days');
}

async function booked(staff, slot) {
  const r = await get(`/api/staff/slots?date=${slot.date}`, auth(staff));
  assert.equal(r.status, 200, r.text);
  const e = r.json.find((x) => x.capacity_class === 'standard' && Date.parse(x.start) === Date.parse(slot.start));
  assert.ok(e, 'the slot is in the staff calendar');
  return e.booked;
}

async function tokenOf(email) {
  const r = await login(email, 'Passw0rd!');
  assert.equal(r.status, 200, r.text);
  return r.json.access_token;
}

/** A resident with personal data everywhere: a photo, a booked request with a staff note,
 * a submitted one, notifications. Returns the strings that identify them. */
async function personWithData(staff) {
  const tag = rnd();
  const pii = {
    name: `Erin Erasable ${tag}`,
    phone: `+91 ${String(Math.floor(Math.random() * 1e10)).padStart(10, '7')}`,
    line1: `${tag} Privacy Lane`,
    city: `Cityof${tag}`,
    description: `my private description ${tag}`,
    note: `staff note about ${tag}`,
  };
  const r = await registerUser({ name: pii.name, phone: pii.phone });
  pii.email = r.body.email;
  const photo = await uploadPhoto(r.token);
  const address = { line1: pii.line1, line2: `Flat ${tag}`, city: pii.city, pincode: '411001', lat: 18.5, lng: 73.8 };
  const a = await call('POST', '/api/requests', r.token, {
    category: 'recyclable', description: pii.description, quantity: 2, address, photos: [photo.url],
  });
  assert.equal(a.status, 201, a.text);
  const slot = await futureSlot(r.token, 'recyclable');
  const c = await call('POST', `/api/requests/${a.json.id}/confirm-slot`, r.token, { slot_start: slot.start, slot_end: slot.end });
  assert.equal(c.status, 200, c.text);
  const n = await call('POST', `/api/staff/requests/${a.json.id}/notes`, staff, { note: pii.note });
  assert.equal(n.status, 201, n.text);
  const b = await call('POST', '/api/requests', r.token, {
    category: 'organic', description: `${pii.description} two`, quantity: 1, address,
  });
  assert.equal(b.status, 201, b.text);
  return { ...r, pii, photo, slot, requests: [a.json.id, b.json.id] };
}

let staff, admin;
test.before(async () => {
  staff = await tokenOf('staff@example.com');
  admin = await tokenOf('admin@example.com');
});

test('export: a ZIP of everything the store holds about the caller, photos included; limited per hour', async () => {
  const p = await personWithData(staff);
  const res = await exportZip(p.token);
  assert.equal(res.status, 200, res.bytes.toString());
  assert.equal(res.headers.get('content-type'), 'application/zip');
  assert.match(res.headers.get('content-disposition'), /^attachment; filename="swmra-export-\d{4}-\d{2}-\d{2}\.zip"$/);
  const files = unzipAll(res.bytes);
  const data = JSON.parse(files['data.json'].toString('utf8'));
  assert.equal(data.format, 'swmra-export-1');
  assert.equal(data.user_id, p.user.id);

  // the profile is the user document, without the password hash
  const userDoc = dumpStore('users').find((x) => oidOf(x.d._id) === p.user.id).d;
  assert.equal(data.profile.id, p.user.id);
  for (const k of ['name', 'email', 'phone', 'role']) assert.equal(data.profile[k], userDoc[k], k);
  assert.equal(data.profile.password_hash, undefined);
  assert.equal(JSON.stringify(data).includes('argon2'), false);

  // requests: exactly the caller's, each with its events as the store's timeline holds them
  const reqDocs = dumpStore('pickup_requests').filter((x) => oidOf(x.d.user_id) === p.user.id).map((x) => x.d);
  assert.deepEqual(data.requests.map((r) => r.id).sort(), reqDocs.map((d) => oidOf(d._id)).sort());
  for (const r of data.requests) {
    const d = reqDocs.find((x) => oidOf(x._id) === r.id);
    assert.equal(r.description, d.description);
    assert.deepEqual(r.address, d.address);
    assert.equal(r.status, d.status);
    assert.equal(r.events.length, d.timeline.length, 'events = the stored timeline');
  }
  const withNote = data.requests.find((r) => r.events.some((e) => e.data?.note === p.pii.note));
  assert.ok(withNote, 'the staff note is in the export');

  // notifications, rewards, uploads: the store's documents of this user
  const notes = dumpStore('notifications').filter((x) => oidOf(x.d.user_id) === p.user.id);
  assert.ok(notes.length > 0);
  assert.deepEqual(data.notifications.map((n) => n.id).sort(), notes.map((x) => oidOf(x.d._id)).sort());
  assert.deepEqual(data.rewards, []);
  assert.ok(data.sessions && Array.isArray(data.sessions.revoked_tokens));
  const ups = dumpStore('uploads').filter((x) => oidOf(x.d.owner_id) === p.user.id);
  assert.equal(ups.length, 1);
  assert.equal(data.uploads.length, 1);
  assert.equal(data.uploads[0].path, p.photo.path.replace(/^\/?uploads\//, ''));

  // the photo: the stored bytes
  const name = `photos/${data.uploads[0].path}`;
  assert.equal(data.uploads[0].file, name);
  assert.ok(files[name], `the archive holds ${name}`);
  assert.ok(files[name].equals(readStored(data.uploads[0].path)), 'the photo is the stored object');
  assert.deepEqual(Object.keys(files).sort(), ['data.json', name].sort());

  // EXPORT_PER_HOUR per clock hour, then 429 with the wait
  for (let i = 1; i < PER_HOUR; i++) assert.equal((await exportZip(p.token)).status, 200);
  const over = await exportZip(p.token);
  assert.equal(over.status, 429);
  assert.match(over.json.detail, /^Export limit reached \(\d+ per hour\)/);
  const ra = Number(over.headers.get('retry-after'));
  assert.ok(ra >= 1 && ra <= 3600, `Retry-After ${ra}`);
  // another account is not limited by this one
  const other = await registerUser();
  assert.equal((await exportZip(other.token)).status, 200);
  assert.equal((await exportZip('')).status, 401);
});

/** Counts the city keeps: requests by status, category and pincode (all accounts). */
function statistics() {
  const by = {};
  for (const { d } of dumpStore('pickup_requests')) {
    const k = `${d.category}|${d.address?.pincode}`;
    by[k] = (by[k] || 0) + 1;
  }
  return by;
}

function findPersonal(strings) {
  const hits = [];
  for (const { c, d } of dumpStore()) {
    const text = JSON.stringify(d);
    for (const s of strings) if (text.includes(s)) hits.push(`${c}: ${s}`);
  }
  return hits;
}

test('erase: password required; afterwards nothing personal anywhere, statistics kept, seats freed, email free', async () => {
  const p = await personWithData(staff);
  const seatsBefore = await booked(staff, p.slot);
  assert.ok(seatsBefore >= 1);
  const pii = [p.pii.email, p.pii.name, p.pii.phone, p.pii.line1, p.pii.city, p.pii.description, p.pii.note];
  assert.ok(findPersonal(pii).length > 0, 'the data is there before');

  // wrong or missing password: 422, nothing changes
  const bad = await call('DELETE', '/api/auth/me', p.token, { password: 'not-it' });
  assert.equal(bad.status, 422, bad.text);
  assert.equal(bad.json.detail[0].loc.join('.'), 'body.password');
  assert.equal((await call('DELETE', '/api/auth/me', p.token, {})).status, 422);
  assert.equal((await call('DELETE', '/api/auth/me', p.token, { password: p.body.password, x: 1 })).status, 422);
  assert.equal((await get('/api/auth/me', auth(p.token))).status, 200);

  const statsBefore = statistics();
  const del = await call('DELETE', '/api/auth/me', p.token, { password: p.body.password });
  assert.equal(del.status, 204, del.text);

  // nothing personal left in any collection; the photo is gone from the store
  assert.deepEqual(findPersonal(pii), []);
  assert.equal(readStored(p.photo.path.replace(/^\/?uploads\//, '')), null);
  for (const coll of ['uploads', 'notifications', 'push_subscriptions']) {
    assert.equal(dumpStore(coll).filter(({ d }) => oidOf(d.owner_id ?? d.user_id) === p.user.id).length, 0, coll);
  }

  // sessions ended, sign-in refused (a failed sign-in is remembered under the email it
  // tried, for a day, as for any unknown address: that is after the erasure)
  assert.equal((await get('/api/auth/me', auth(p.token))).status, 401);
  assert.equal((await login(p.pii.email, p.body.password)).status, 401);

  // statistics: the same requests by category and pincode, now cancelled
  assert.deepEqual(statistics(), statsBefore);
  const docs = dumpStore('pickup_requests').filter(({ d }) => p.requests.includes(oidOf(d._id))).map((x) => x.d);
  assert.equal(docs.length, 2);
  for (const d of docs) {
    assert.equal(d.status, 'cancelled');
    assert.equal(d.address.pincode, '411001');
    assert.equal(d.description, '');
    assert.deepEqual(d.photos, []);
  }
  // the seat is freed, and staff see why
  assert.equal(await booked(staff, p.slot), seatsBefore - 1);
  const seen = await get(`/api/staff/requests/${p.requests[0]}`, auth(staff));
  assert.equal(seen.status, 200, seen.text);
  const last = seen.json.events.at(-1);
  assert.equal(last.data.to, 'cancelled');
  assert.equal(last.data.reason, 'Account erased');
  assert.equal(last.by_role, 'system');

  // the email is free: a new, empty account
  const again = await request('POST', '/api/auth/register', { json: { ...p.body } });
  assert.equal(again.status, 201, again.text);
  assert.notEqual(again.json.user.id, p.user.id);
  const mine = await get('/api/requests', auth(again.json.access_token));
  assert.equal(mine.json.total, 0);
  const note = await get('/api/notifications', auth(again.json.access_token));
  assert.deepEqual(note.json, []);
});

test('admin erase: reason required and audited, not oneself, 404 for none or already erased', async () => {
  const p = await personWithData(staff);
  const path = `/api/admin/users/${p.user.id}`;
  assert.equal((await call('DELETE', path, admin, {})).status, 422);
  assert.equal((await call('DELETE', path, admin, { reason: '' })).status, 422);
  assert.equal((await call('DELETE', path, staff, { reason: 'asked by phone' })).status, 403);
  assert.equal((await call('DELETE', '/api/admin/users/zz', admin, { reason: 'asked by phone' })).status, 422);
  const me = await get('/api/auth/me', auth(admin));
  assert.equal((await call('DELETE', `/api/admin/users/${me.json.id}`, admin, { reason: 'test self' })).status, 409);
  const ok = await call('DELETE', path, admin, { reason: 'Resident asked by letter #42' });
  assert.equal(ok.status, 204, ok.text);
  assert.equal((await get('/api/auth/me', auth(p.token))).status, 401);
  assert.equal((await call('DELETE', path, admin, { reason: 'again' })).status, 404);
  assert.equal((await call('DELETE', '/api/admin/users/0123456789abcdef01234567', admin, { reason: 'none' })).status, 404);
  assert.deepEqual(findPersonal([p.pii.email, p.pii.name, p.pii.phone, p.pii.line1, p.pii.note]), []);
  const a = await get(`/api/admin/audit?target=${p.user.id}`, auth(admin));
  assert.equal(a.status, 200, a.text);
  const e = a.json.items.find((x) => x.action === 'user.erase');
  assert.ok(e, 'the erasure is in the trail');
  assert.equal(e.actor_id, me.json.id);
  assert.equal(e.actor_role, 'admin');
  assert.equal(e.reason, 'Resident asked by letter #42');
  assert.equal(e.after.erased, true);
  assert.equal(e.after.cancelled, 2);
});

test('audit: every staff and admin action is recorded with actor, time, target, before/after; filters and paging', async () => {
  const since = new Date(Date.now() - 1000).toISOString();
  const staffMe = (await get('/api/auth/me', auth(staff))).json;
  const adminMe = (await get('/api/auth/me', auth(admin))).json;
  const r = await registerUser();
  const made = await call('POST', '/api/requests', r.token, {
    category: 'organic', description: 'audit me please', quantity: 1, address: { line1: '1 Audit Road', city: 'Pune', pincode: '411002' },
  });
  assert.equal(made.status, 201, made.text);
  const rid = made.json.id;
  assert.equal((await call('POST', `/api/staff/requests/${rid}/transition`, staff, { to: 'pending_review' })).status, 200);
  assert.equal((await call('POST', `/api/staff/requests/${rid}/notes`, staff, { note: 'secret words' })).status, 201);
  assert.equal((await call('PATCH', `/api/admin/users/${r.user.id}`, admin, { role: 'staff' })).status, 200);
  assert.equal((await call('PATCH', `/api/admin/users/${r.user.id}`, admin, { disabled: true })).status, 200);
  const tpl = await get('/api/admin/slot-templates', auth(admin));
  assert.equal(tpl.status, 200);
  const { weekly, slot_minutes, capacity, closed_dates } = tpl.json;
  const put = await call('PUT', '/api/admin/slot-templates', admin, { weekly, slot_minutes, capacity, closed_dates });
  assert.equal(put.status, 200, put.text);
  const far = dayFmt.format(new Date(Date.now() + 300 * 86400000));
  const ov = await call('POST', '/api/admin/slot-overrides', admin, { from: far, to: far, closed: true });
  assert.equal(ov.status, 201, ov.text);
  assert.equal((await call('DELETE', `/api/admin/slot-overrides/${ov.json.id}`, admin)).status, 204);

  const list = async (q) => {
    const res = await get(`/api/admin/audit?${q}`, auth(admin));
    assert.equal(res.status, 200, res.text);
    return res.json;
  };
  const onReq = await list(`target=${rid}`);
  assert.deepEqual(onReq.items.map((e) => e.action).sort(), ['request.note', 'request.transition']);
  const tr = onReq.items.find((e) => e.action === 'request.transition');
  assert.equal(tr.actor_id, staffMe.id);
  assert.equal(tr.actor_role, 'staff');
  assert.equal(tr.target_type, 'request');
  assert.deepEqual(tr.before, { status: 'submitted' });
  assert.equal(tr.after.status, 'pending_review');
  assert.ok(Date.parse(tr.at) >= Date.parse(since));
  assert.equal(JSON.stringify(onReq).includes('secret words'), false, 'no free text in the trail');

  const onUser = await list(`target=${r.user.id}`);
  const role = onUser.items.find((e) => e.action === 'user.role');
  assert.deepEqual([role.before, role.after], [{ role: 'citizen' }, { role: 'staff' }]);
  const dis = onUser.items.find((e) => e.action === 'user.disable');
  assert.deepEqual([dis.before, dis.after], [{ disabled: false }, { disabled: true }]);
  assert.equal(dis.actor_id, adminMe.id);

  const slots = await list(`actor=${adminMe.id}&from=${encodeURIComponent(since)}`);
  const actions = slots.items.map((e) => e.action);
  for (const a of ['slots.template', 'slots.override.create', 'slots.override.delete', 'user.role', 'user.disable']) assert.ok(actions.includes(a), a);
  const t = slots.items.find((e) => e.action === 'slots.template');
  assert.deepEqual(t.before.weekly, weekly);
  assert.deepEqual(t.after.weekly, weekly);
  const od = slots.items.find((e) => e.action === 'slots.override.delete');
  assert.equal(od.target_id, ov.json.id);
  assert.equal(od.before.closed, true);
  assert.equal(od.after, null);
  assert.ok(slots.items.every((e) => e.actor_id === adminMe.id));

  // newest first, paging, time window
  const all = await list(`from=${encodeURIComponent(since)}&limit=100`);
  assert.ok(all.total >= 7);
  const ats = all.items.map((e) => Date.parse(e.at));
  assert.deepEqual([...ats].sort((a, b) => b - a), ats);
  const p1 = await list(`from=${encodeURIComponent(since)}&skip=0&limit=2`);
  const p2 = await list(`from=${encodeURIComponent(since)}&skip=2&limit=2`);
  assert.equal(p1.total, all.total);
  assert.deepEqual([p1.skip, p1.limit, p2.skip], [0, 2, 2]);
  assert.deepEqual([...p1.items, ...p2.items].map((e) => e.id), all.items.slice(0, 4).map((e) => e.id));
  const none = await list(`to=${encodeURIComponent(since)}&target=${rid}`);
  assert.equal(none.total, 0);

  // bad input, other roles
  assert.equal((await get('/api/admin/audit?from=yesterday', auth(admin))).status, 422);
  assert.equal((await get('/api/admin/audit?limit=0', auth(admin))).status, 422);
  assert.equal((await get('/api/admin/audit', auth(staff))).status, 403);
  assert.equal((await get('/api/admin/audit')).status, 401);
});
