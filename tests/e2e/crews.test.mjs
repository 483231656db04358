// Crews, assignment, My route and the route sheet (issue 17) end to end through nginx:
// admin crew CRUD and its validation; staff assign one request (and 16 clients racing to
// assign one request: the final crew is the last ASSIGN of its log, one event per winner),
// bulk assign by slot and by pincode; the route sheet in route order (crew, slot,
// pincode) as JSON and as RFC 4180 CSV with hostile text neutralised; My route's stops and
// fields for a crew member.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { REPO, STACK, request, login, registerUser, freshAddress } from './lib/stack.mjs';
import { now } from './lib/clock.mjs';

const auth = (token) => ({ headers: { authorization: `Bearer ${token}` } });
const call = (method, path, token, json, extra = {}) => request(method, path, { ...auth(token), json, ...extra });
const TZ = STACK.SERVICE_TZ || 'Asia/Kolkata';
const tag = `${Date.now().toString(36)}${process.pid.toString(36)}`;

function seed() {
  const build = process.env.SWMRA_BUILD_DIR || STACK.SWMRA_BUILD_DIR || REPO;
  const bin = resolve(build, 'seed/swmra-seed');
  if (!existsSync(bin)) return false;
  execFileSync(bin, ['--env-file', ''], { env: { ...process.env, ...STACK }, stdio: 'ignore', timeout: 60000 });
  return true;
}

async function token(email) {
  const r = await login(email, 'Passw0rd!');
  assert.equal(r.status, 200, r.text);
  return r.json;
}

/** A fresh account made staff by the admin; returns { token, user }. */
async function newStaff(admin, overrides = {}) {
  const u = await registerUser(overrides);
  const p = await call('PATCH', `/api/admin/users/${u.user.id}`, admin, { role: 'staff' });
  assert.equal(p.status, 200, p.text);
  const r = await login(u.body.email, u.body.password);
  assert.equal(r.status, 200, r.text);
  return { token: r.json.access_token, user: r.json.user };
}

const dateIn = (days) => new Intl.DateTimeFormat('en-CA', { timeZone: TZ }).format(new Date(now() + days * 86400000));

/** `n` standard slots of one day (6..12 days ahead) with at least `room` seats left. */
async function daySlots(staff, n, room) {
  for (let d = 6; d < 13; d++) {
    const date = dateIn(d);
    const r = await call('GET', `/api/staff/slots?date=${date}`, staff);
    assert.equal(r.status, 200, r.text);
    const ok = r.json.filter((s) => s.capacity_class === 'standard' && !s.closed && s.remaining >= room);
    if (ok.length >= n) return { date, slots: ok.slice(0, n) };
  }
  return null;
}

function body(pincode, extra = {}) {
  return {
    category: 'recyclable',
    description: 'Three bags of bottles',
    quantity: 3,
    address: { line1: '12 MG Road', city: 'Pune', pincode, lat: 18.52, lng: 73.85 },
    ...extra,
  };
}

/** A resident's request scheduled by staff into `slot`. */
async function scheduled(resident, staff, slot, pincode, extra) {
  const c = await call('POST', '/api/requests', resident.token, body(pincode, extra));
  assert.equal(c.status, 201, c.text);
  const pr = await call('POST', `/api/staff/requests/${c.json.id}/transition`, staff, { to: 'pending_review' });
  assert.equal(pr.status, 200, pr.text);
  const s = await call('POST', `/api/staff/requests/${c.json.id}/transition`, staff, {
    to: 'scheduled', slot_start: slot.start, slot_end: slot.end,
  });
  assert.equal(s.status, 200, s.text);
  return s.json;
}

async function setup(t) {
  const probe = await registerUser();
  if (!probe) return t.skip('auth routes not deployed') && null;
  if (!seed()) return t.skip('seed/swmra-seed not built') && null;
  const staff = await token('staff@example.com');
  const admin = await token('admin@example.com');
  return { resident: probe, staff: staff.access_token, staffUser: staff.user, admin: admin.access_token };
}

async function newCrew(admin, name, members = []) {
  const r = await call('POST', '/api/admin/crews', admin, { name, members });
  assert.equal(r.status, 201, r.text);
  return r.json;
}

test('admin manages crews; bad input is a 422 that changes nothing', async (t) => {
  const ctx = await setup(t);
  if (!ctx) return;
  const { admin, staff, staffUser, resident } = ctx;
  const crew = await newCrew(admin, `Crew A ${tag}`, [staffUser.id]);
  assert.equal(crew.name, `Crew A ${tag}`);
  assert.deepEqual(crew.members, [staffUser.id]);
  assert.equal(crew.active, true);
  assert.match(crew.created_at, /Z$/);

  const list = await call('GET', '/api/admin/crews', admin);
  assert.equal(list.status, 200, list.text);
  assert.ok(list.json.items.some((c) => c.id === crew.id));
  assert.equal(list.json.total, list.json.items.length);

  const p = await call('PATCH', `/api/admin/crews/${crew.id}`, admin, { name: `Crew A2 ${tag}`, active: false });
  assert.equal(p.status, 200, p.text);
  assert.equal(p.json.name, `Crew A2 ${tag}`);
  assert.equal(p.json.active, false);
  assert.deepEqual(p.json.members, [staffUser.id]);
  const p2 = await call('PATCH', `/api/admin/crews/${crew.id}`, admin, { members: [], active: true });
  assert.equal(p2.status, 200, p2.text);
  assert.deepEqual(p2.json.members, []);

  const bad = [
    [{ members: [] }, 'body.name', 'missing'],
    [{ name: '', members: [] }, 'body.name'],
    [{ name: 'x'.repeat(101), members: [] }, 'body.name'],
    [{ name: 'ok' }, 'body.members', 'missing'],
    [{ name: 'ok', members: 'abc' }, 'body.members'],
    [{ name: 'ok', members: ['nothex'] }, 'body.members.0', 'value_error'],
    [{ name: 'ok', members: [resident.user.id] }, 'body.members.0', 'not_staff'],
    [{ name: 'ok', members: ['0123456789abcdef01234567'] }, 'body.members.0', 'not_found'],
    [{ name: 'ok', members: [staffUser.id, staffUser.id] }, 'body.members.1', 'duplicate'],
    [{ name: 'ok', members: [], boss: 1 }, 'body.boss'],
    [{ name: 'ok', members: [], active: 'yes' }, 'body.active'],
  ];
  for (const [b, loc, type] of bad) {
    const r = await call('POST', '/api/admin/crews', admin, b);
    assert.equal(r.status, 422, `${JSON.stringify(b)}: ${r.text}`);
    const hit = r.json.detail.find((d) => d.loc.join('.') === loc);
    assert.ok(hit, `${JSON.stringify(b)}: no error at ${loc}: ${r.text}`);
    if (type) assert.equal(hit.type, type, r.text);
  }
  const pb = await call('PATCH', `/api/admin/crews/${crew.id}`, admin, { members: [resident.user.id] });
  assert.equal(pb.status, 422, pb.text);
  const after = await call('GET', '/api/admin/crews', admin);
  assert.deepEqual(after.json.items.find((c) => c.id === crew.id).members, [], 'a refused change changes nothing');
  assert.equal((await call('PATCH', '/api/admin/crews/0123456789abcdef01234567', admin, { name: 'x' })).status, 404);
  assert.equal((await call('PATCH', '/api/admin/crews/zzz', admin, { name: 'x' })).status, 404);
  const notJson = await request('POST', '/api/admin/crews', { ...auth(admin), body: '{"name":', headers: { ...auth(admin).headers, 'content-type': 'application/json' } });
  assert.equal(notJson.status, 400, notJson.text);

  // staff and residents cannot manage crews
  assert.equal((await call('GET', '/api/admin/crews', staff)).status, 403);
  assert.equal((await call('POST', '/api/admin/crews', resident.token, { name: 'x', members: [] })).status, 403);
  assert.equal((await request('GET', '/api/admin/crews')).status, 401);
});

test('staff assign one request to a crew; the detail shows it; bad crews are refused', async (t) => {
  const ctx = await setup(t);
  if (!ctx) return;
  const { admin, staff, resident } = ctx;
  const day = await daySlots(staff, 1, 2);
  if (!day) return t.skip('no free slot in the coming days');
  const crew = await newCrew(admin, `Crew B ${tag}`);
  const off = await newCrew(admin, `Crew Off ${tag}`);
  await call('PATCH', `/api/admin/crews/${off.id}`, admin, { active: false });
  const r = await scheduled(resident, staff, day.slots[0], '411001');

  const a = await call('POST', `/api/staff/requests/${r.id}/assign`, staff, { crew_id: crew.id });
  assert.equal(a.status, 200, a.text);
  assert.equal(a.json.crew_id, crew.id);
  assert.deepEqual(a.json.crew, { id: crew.id, name: crew.name, active: true });
  const assign = a.json.events.filter((e) => e.type === 'ASSIGN');
  assert.equal(assign.length, 1);
  assert.equal(assign[0].data.crew_id, crew.id);
  assert.equal(assign[0].data.note, `Assigned to crew ${crew.name}`);
  const detail = await call('GET', `/api/staff/requests/${r.id}`, staff);
  assert.equal(detail.json.crew.id, crew.id);
  // the same crew again changes nothing
  const again = await call('POST', `/api/staff/requests/${r.id}/assign`, staff, { crew_id: crew.id });
  assert.equal(again.status, 200);
  assert.equal(again.json.version, a.json.version);

  for (const [b, loc, type] of [
    [{}, 'body.crew_id', 'missing'],
    [{ crew_id: 'nope' }, 'body.crew_id', 'value_error'],
    [{ crew_id: '0123456789abcdef01234567' }, 'body.crew_id', 'not_found'],
    [{ crew_id: off.id }, 'body.crew_id', 'inactive'],
    [{ crew_id: crew.id, x: 1 }, 'body.x'],
  ]) {
    const res = await call('POST', `/api/staff/requests/${r.id}/assign`, staff, b);
    assert.equal(res.status, 422, `${JSON.stringify(b)}: ${res.text}`);
    const hit = res.json.detail.find((d) => d.loc.join('.') === loc);
    assert.ok(hit, res.text);
    if (type) assert.equal(hit.type, type);
  }
  assert.equal((await call('GET', `/api/staff/requests/${r.id}`, staff)).json.version, a.json.version, 'refused assigns change nothing');
  // a stale version is a conflict
  const stale = await call('POST', `/api/staff/requests/${r.id}/assign`, staff, { crew_id: null, expect_version: a.json.version - 1 });
  assert.equal(stale.status, 409, stale.text);
  // unassign
  const un = await call('POST', `/api/staff/requests/${r.id}/assign`, staff, { crew_id: null });
  assert.equal(un.status, 200, un.text);
  assert.equal(un.json.crew_id, null);
  assert.equal(un.json.crew, null);

  // only requests with a slot that are not finished
  const sub = await call('POST', '/api/requests', resident.token, body('411001'));
  const no = await call('POST', `/api/staff/requests/${sub.json.id}/assign`, staff, { crew_id: crew.id });
  assert.equal(no.status, 409, no.text);
  assert.equal(no.json.detail, 'A submitted request cannot be assigned to a crew');
  assert.equal((await call('POST', '/api/staff/requests/0123456789abcdef01234567/assign', staff, { crew_id: crew.id })).status, 404);
  assert.equal((await call('POST', `/api/staff/requests/${r.id}/assign`, resident.token, { crew_id: crew.id })).status, 403);
});

test('16 clients assigning one request at once: one event per winner, the last one holds', async (t) => {
  const ctx = await setup(t);
  if (!ctx) return;
  const { admin, staff, resident } = ctx;
  const day = await daySlots(staff, 1, 1);
  if (!day) return t.skip('no free slot in the coming days');
  const crews = [];
  for (let i = 0; i < 4; i++) crews.push(await newCrew(admin, `Race ${i} ${tag}`));
  const r = await scheduled(resident, staff, day.slots[0], '411002');
  const answers = await Promise.all(Array.from({ length: 16 }, (_, i) =>
    call('POST', `/api/staff/requests/${r.id}/assign`, staff, { crew_id: crews[i % 4].id }, { localAddress: freshAddress() })));
  for (const a of answers) assert.ok(a.status === 200 || a.status === 409, `${a.status} ${a.text}`);
  const won = answers.filter((a) => a.status === 200);
  assert.ok(won.length >= 1, 'at least one assign wins');
  for (const a of answers.filter((x) => x.status === 409)) assert.equal(a.json.detail, 'The request was changed meanwhile, reload and try again');

  const final = await call('GET', `/api/staff/requests/${r.id}`, staff);
  assert.equal(final.status, 200);
  const log = final.json.events.filter((e) => e.type === 'ASSIGN');
  // every ASSIGN of the log changed the crew (a same-crew assign is a no-op, not an event),
  // the document's crew is the last one's, and the version counts every event once
  assert.ok(log.length >= 1 && log.length <= won.length, `${log.length} events, ${won.length} winners`);
  assert.equal(final.json.crew_id, log.at(-1).data.crew_id);
  assert.equal(final.json.version, 3 + log.length, 'create, review, schedule, then one version per assign');
  for (let i = 1; i < log.length; i++) assert.notEqual(log[i].data.crew_id, log[i - 1].data.crew_id);
});

/** Parses RFC 4180 CSV (CRLF records, quoted fields with doubled quotes). */
function parseCsv(text) {
  const rows = [];
  let row = [], cell = '', i = 0, quoted = false;
  while (i < text.length) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { cell += '"'; i += 2; continue; }
      if (ch === '"') { quoted = false; i++; continue; }
      cell += ch; i++; continue;
    }
    if (ch === '"') { assert.equal(cell, '', 'a quote only opens a field'); quoted = true; i++; continue; }
    if (ch === ',') { row.push(cell); cell = ''; i++; continue; }
    if (ch === '\r') { assert.equal(text[i + 1], '\n', 'records end with CRLF'); row.push(cell); rows.push(row); row = []; cell = ''; i += 2; continue; }
    assert.notEqual(ch, '\n', 'no bare LF outside quotes');
    cell += ch; i++;
  }
  assert.equal(row.length, 0, 'the last record ends with CRLF');
  return rows;
}

test('bulk assign by pincode and slot; route sheet in route order, JSON and CSV; My route', async (t) => {
  const ctx = await setup(t);
  if (!ctx) return;
  const { admin, staff, resident } = ctx;
  const day = await daySlots(staff, 2, 4);
  if (!day) return t.skip('no two free slots in the coming days');
  const [s1, s2] = day.slots;
  const member = await newStaff(admin);
  const loner = await newStaff(admin);
  const north = await newCrew(admin, `North ${tag}`, [member.user.id]);
  const south = await newCrew(admin, `South ${tag}`);
  const hostile = await registerUser({ name: '=HYPERLINK("http://x.test","Click")', phone: '+91 98765 43210' });
  const pinA = `9${String(Date.now()).slice(-5)}`;
  const pinB = `8${String(Date.now()).slice(-5)}`;
  // made in an order unlike the route's, so the sheet's order is the server's doing
  const late = await scheduled(resident, staff, s2, pinA);
  const b2 = await scheduled(resident, staff, s1, pinB);
  const a1 = await scheduled(hostile, staff, s1, pinA, {
    description: '-2+3 bags, "quoted", @SUM(A1)\nsecond line',
    address: { line1: '+1 Formula Lane', line2: '=cmd|\' /C calc\'!A0', city: 'Pune', pincode: pinA, lat: -33.9, lng: 18.4 },
  });
  const other = await scheduled(resident, staff, s1, pinB);
  const note = await call('POST', `/api/staff/requests/${a1.id}/notes`, staff, { note: 'Gate code 4321' });
  assert.equal(note.status, 201, note.text);

  // bulk: a pincode's requests of the day, then a slot's
  const byPin = await call('POST', '/api/staff/assign', staff, { crew_id: north.id, date: day.date, pincode: pinA });
  assert.equal(byPin.status, 200, byPin.text);
  assert.deepEqual(byPin.json, { assigned: 2, unchanged: 0, conflicts: 0 });
  const again = await call('POST', '/api/staff/assign', staff, { crew_id: north.id, date: day.date, pincode: pinA });
  assert.deepEqual(again.json, { assigned: 0, unchanged: 2, conflicts: 0 });
  const bySlotPin = await call('POST', '/api/staff/assign', staff, { crew_id: south.id, date: day.date, slot_start: s1.start, pincode: pinB });
  assert.equal(bySlotPin.status, 200, bySlotPin.text);
  assert.equal(bySlotPin.json.assigned, 2);

  // the board's crew filter: a column (status scheduled) of one crew holds its requests only
  const ids = (r) => r.json.items.map((x) => x.id).sort();
  const northCol = await call('GET', `/api/staff/requests?status=scheduled&crew=${north.id}&limit=100`, staff);
  assert.equal(northCol.status, 200, northCol.text);
  assert.deepEqual(ids(northCol), [late.id, a1.id].sort());
  assert.equal(northCol.json.total, 2);
  const southAll = await call('GET', `/api/staff/requests?crew=${south.id}&limit=100`, staff);
  assert.deepEqual(ids(southAll), [b2.id, other.id].sort());
  const southCsv = await call('GET', `/api/staff/requests.csv?crew=${south.id}`, staff);
  assert.equal(southCsv.status, 200, southCsv.text);
  assert.equal(parseCsv(southCsv.text).length, 3, 'the header and the crew\'s two requests');
  const badCrew = await call('GET', '/api/staff/requests?crew=north', staff);
  assert.equal(badCrew.status, 422, badCrew.text);
  assert.deepEqual(badCrew.json.detail[0].loc, ['query', 'crew']);
  for (const [b, loc] of [
    [{ crew_id: north.id }, 'body.date'],
    [{ crew_id: north.id, date: '2026-02-30' }, 'body.date'],
    [{ crew_id: north.id, date: day.date, slot_start: '2001-01-01T00:00:00Z' }, 'body.slot_start'],
    [{ crew_id: north.id, date: day.date, pincode: 'x' }, 'body.pincode'],
    [{ date: day.date }, 'body.crew_id'],
    [{ crew_id: north.id, date: day.date, status: 'x' }, 'body.status'],
  ]) {
    const r = await call('POST', '/api/staff/assign', staff, b);
    assert.equal(r.status, 422, `${JSON.stringify(b)}: ${r.text}`);
    assert.ok(r.json.detail.some((d) => d.loc.join('.') === loc), r.text);
  }

  // the route sheet of North: s1 before s2, and within a slot by pincode
  const sheet = await call('GET', `/api/staff/route-sheet?date=${day.date}&crew=${north.id}`, staff);
  assert.equal(sheet.status, 200, sheet.text);
  assert.equal(sheet.json.date, day.date);
  assert.equal(sheet.json.groups.length, 1);
  const g = sheet.json.groups[0];
  assert.deepEqual(g.crew, { id: north.id, name: north.name });
  assert.deepEqual(g.slots.map((s) => s.start), [s1.start, s2.start]);
  assert.deepEqual(g.slots[0].stops.map((s) => s.id), [a1.id]);
  assert.deepEqual(g.slots[1].stops.map((s) => s.id), [late.id]);
  // the whole day: crews by name (North before South), each in slot then pincode order
  const all = await call('GET', `/api/staff/route-sheet?date=${day.date}`, staff);
  const names = all.json.groups.map((x) => x.crew?.name ?? null);
  assert.ok(names.indexOf(north.name) < names.indexOf(south.name), names.join(' | '));
  const southStops = all.json.groups.find((x) => x.crew?.id === south.id).slots.flatMap((s) => s.stops.map((st) => st.id));
  assert.deepEqual(southStops, [b2.id, other.id], 'same slot and pincode: first made first');
  const unassigned = all.json.groups.findIndex((x) => x.crew === null);
  assert.ok(unassigned === -1 || unassigned === all.json.groups.length - 1, 'the unassigned come last');
  for (const [q, loc] of [['date=2026-13-01', 'query.date'], [`date=${day.date}&crew=zz`, 'query.crew'], [`date=${day.date}&format=xml`, 'query.format']]) {
    const r = await call('GET', `/api/staff/route-sheet?${q}`, staff);
    assert.equal(r.status, 422, `${q}: ${r.text}`);
    assert.equal(r.json.detail[0].loc.join('.'), loc);
  }
  assert.equal((await call('GET', `/api/staff/route-sheet?date=${day.date}&crew=0123456789abcdef01234567`, staff)).status, 404);
  assert.equal((await call('GET', `/api/staff/route-sheet?date=${day.date}`, resident.token)).status, 403);

  // CSV: RFC 4180, a header row, hostile text quoted and neutralised, numbers left alone
  const csv = await call('GET', `/api/staff/route-sheet?date=${day.date}&crew=${north.id}&format=csv`, staff);
  assert.equal(csv.status, 200, csv.text);
  assert.match(csv.headers['content-type'], /^text\/csv; charset=utf-8/);
  assert.match(csv.headers['content-disposition'], new RegExp(`route-sheet-${day.date}\\.csv`));
  const rows = parseCsv(csv.text);
  const head = rows[0];
  assert.deepEqual(head.slice(0, 4), ['crew', 'slot', 'slot_start', 'request_id']);
  assert.equal(rows.length, 3);
  const col = (row, name) => row[head.indexOf(name)];
  assert.deepEqual(rows.slice(1).map((row) => col(row, 'request_id')), [a1.id, late.id]);
  const h = rows[1];
  assert.equal(col(h, 'crew'), north.name);
  assert.equal(col(h, 'description'), '\'-2+3 bags, "quoted", @SUM(A1)\nsecond line');
  assert.equal(col(h, 'address_line1'), '\'+1 Formula Lane');
  assert.equal(col(h, 'address_line2'), '\'=cmd|\' /C calc\'!A0');
  assert.equal(col(h, 'resident'), '\'=HYPERLINK("http://x.test","Click")');
  assert.equal(col(h, 'lat'), '-33.9');
  assert.equal(col(h, 'quantity'), '3');
  assert.equal(col(h, 'slot_start'), s1.start);
  for (const row of rows) for (const cell of row) assert.ok(!/^[=+@\t\r]/.test(cell) && !/^-[^0-9]/.test(cell), `unneutralised cell ${cell}`);

  // My route: the member's crew only, slot then pincode, with what a crew needs
  const mine = await call('GET', `/api/staff/my-route?date=${day.date}`, member.token);
  assert.equal(mine.status, 200, mine.text);
  assert.deepEqual(mine.json.crews, [{ id: north.id, name: north.name }]);
  assert.deepEqual(mine.json.stops.map((s) => s.id), [a1.id, late.id]);
  const st = mine.json.stops[0];
  assert.equal(st.status, 'scheduled');
  assert.deepEqual(st.next, ['enroute', 'cancelled']);
  assert.equal(st.category, 'recyclable');
  assert.equal(st.quantity, 3);
  assert.equal(st.phone, '+91 98765 43210');
  assert.equal(st.resident_name, '=HYPERLINK("http://x.test","Click")');
  assert.deepEqual(st.notes, ['Gate code 4321']);
  assert.equal(st.address.line1, '+1 Formula Lane');
  assert.equal(st.map.geo, 'geo:-33.900000,18.400000');
  assert.equal(st.map.osm, 'https://www.openstreetmap.org/?mlat=-33.900000&mlon=18.400000#map=18/-33.900000/18.400000');
  assert.deepEqual(st.slot, { start: s1.start, end: s1.end });
  assert.deepEqual(st.crew, { id: north.id, name: north.name });
  assert.ok(Array.isArray(st.photos));
  assert.equal(typeof st.version, 'number');
  // a stage change with the version the crew saw; a stale one is a conflict
  const go = await call('POST', `/api/staff/requests/${st.id}/transition`, member.token, { to: 'enroute', expect_version: st.version });
  assert.equal(go.status, 200, go.text);
  const stale = await call('POST', `/api/staff/requests/${st.id}/transition`, member.token, { to: 'onsite', expect_version: st.version });
  assert.equal(stale.status, 409, stale.text);
  const moved = await call('GET', `/api/staff/my-route?date=${day.date}`, member.token);
  assert.deepEqual(moved.json.stops[0].next, ['onsite', 'failed']);

  const none = await call('GET', `/api/staff/my-route?date=${day.date}`, loner.token);
  assert.equal(none.status, 200);
  assert.deepEqual(none.json, { date: day.date, crews: [], stops: [] });
  const today = await call('GET', '/api/staff/my-route', loner.token);
  assert.equal(today.json.date, dateIn(0));
  assert.equal((await call('GET', '/api/staff/my-route?date=tomorrow', member.token)).status, 422);
  assert.equal((await call('GET', '/api/staff/my-route', resident.token)).status, 403);
});
