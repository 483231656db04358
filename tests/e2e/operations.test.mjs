// Running the collection (issue 17, second part) end to end through nginx: proof of service
// (weight and staff photos on the collected step, seen by the resident), the resident's
// dispute ("not collected") with its points reversal exactly once under 16 concurrent
// disputes, the points ledger (paging, balance_after, sum = summary total), the staff
// reports (numbers checked against the requests made here), the CSV export (RFC 4180,
// hostile text neutralised, streamed past one page) and the board's per-column filters.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { BASE_URL, REPO, STACK, request, get, login, registerUser } from './lib/stack.mjs';
import { now } from './lib/clock.mjs';

const base = BASE_URL.replace(/\/$/, '');
const auth = (token) => ({ headers: { authorization: `Bearer ${token}` } });
const call = (method, path, token, json) => request(method, path, { ...auth(token), json });
const TZ = STACK.SERVICE_TZ || 'Asia/Kolkata';
const dayFmt = new Intl.DateTimeFormat('en-CA', { timeZone: TZ });
const today = () => dayFmt.format(new Date(now()));

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

function seed() {
  const build = process.env.SWMRA_BUILD_DIR || STACK.SWMRA_BUILD_DIR || REPO;
  const bin = resolve(build, 'seed/swmra-seed');
  if (!existsSync(bin)) return false;
  execFileSync(bin, ['--env-file', ''], { env: { ...process.env, ...STACK }, stdio: 'ignore', timeout: 60000 });
  return true;
}

let staffTok;
async function staff() {
  if (staffTok) return staffTok;
  const res = await login('staff@example.com', 'Passw0rd!');
  assert.equal(res.status, 200, res.text);
  staffTok = res.json.access_token;
  return staffTok;
}

async function setup(t) {
  if (!seed()) return t.skip('seed/swmra-seed not built') && null;
  const resident = await registerUser();
  assert.ok(resident, 'register');
  return { resident, staff: await staff() };
}

async function upload(token) {
  const fd = new FormData();
  fd.append('file', new Blob([JPEG_2X2], { type: 'image/jpeg' }), 'proof.jpg');
  const res = await fetch(`${base}/api/files/upload`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: fd });
  const json = await res.json();
  assert.equal(res.status, 201, JSON.stringify(json));
  return json;
}

/** Free grid slots from the staff calendar, tomorrow on, handed out one seat at a time per
 * capacity class (special: hazardous and e-waste). */
const seats = { standard: [], special: [] };
async function nextSlot(token, category = 'recyclable') {
  const cls = category === 'e-waste' || category === 'hazardous' ? 'special' : 'standard';
  const pool = seats[cls];
  for (let d = 1; pool.length === 0 && d < 14; d++) {
    const date = dayFmt.format(new Date(now() + d * 86400000));
    const res = await get(`/api/staff/slots?date=${date}`, auth(token));
    assert.equal(res.status, 200, res.text);
    for (const s of res.json) {
      if (s.capacity_class !== cls || s.closed) continue;
      for (let i = 0; i < s.remaining; i++) pool.push({ slot_start: s.start, slot_end: s.end });
    }
  }
  assert.ok(pool.length, `a free ${cls} slot in the next two weeks`);
  return pool.shift();
}

function body(extra = {}) {
  return {
    category: 'recyclable',
    description: 'Two bags of bottles and cans',
    quantity: 2,
    address: { line1: '12 MG Road', city: 'Pune', pincode: '411001' },
    ...extra,
  };
}

async function create(token, extra) {
  const res = await call('POST', '/api/requests', token, body(extra));
  assert.equal(res.status, 201, res.text);
  return res.json;
}

async function move(token, id, to, extra = {}) {
  const res = await call('POST', `/api/staff/requests/${id}/transition`, token, { to, ...extra });
  assert.equal(res.status, 200, `${to}: ${res.text}`);
  return res.json;
}

/** A new request of `resident` taken to `upto` (collected needs a weight: `kg`). */
async function walk(resident, st, upto, { kg = 3, extra, photos } = {}) {
  const r = await create(resident.token, extra);
  const steps = ['pending_review', 'scheduled', 'enroute', 'onsite', 'collecting', 'collected', 'handover', 'verification', 'completed'];
  for (const to of steps.slice(0, steps.indexOf(upto) + 1)) {
    const more = to === 'scheduled' ? await nextSlot(st, r.category) : to === 'collected' ? { weight_kg: kg, ...(photos ? { proof_photos: photos } : {}) } : {};
    await move(st, r.id, to, more);
  }
  return r.id;
}

// ------------------------------------------------------------------------ proof of service
test('collected needs a weight (0 < w <= 1000) and takes up to 5 staff proof photos the resident sees', async (t) => {
  const ctx = await setup(t);
  if (!ctx) return;
  const { resident, staff: st } = ctx;
  const id = await walk(resident, st, 'collecting');
  const tr = (json) => call('POST', `/api/staff/requests/${id}/transition`, st, json);
  for (const [json, loc] of [
    [{ to: 'collected' }, 'weight_kg'],
    [{ to: 'collected', weight_kg: 0 }, 'weight_kg'],
    [{ to: 'collected', weight_kg: -2 }, 'weight_kg'],
    [{ to: 'collected', weight_kg: 1000.01 }, 'weight_kg'],
    [{ to: 'collected', weight_kg: '12' }, 'weight_kg'],
    [{ to: 'failed', weight_kg: 5 }, 'weight_kg'],
    [{ to: 'collected', weight_kg: 5, proof_photos: 'x' }, 'proof_photos'],
    [{ to: 'collected', weight_kg: 5, proof_photos: ['https://evil.example/a.jpg'] }, 'proof_photos'],
  ]) {
    const res = await tr(json);
    assert.equal(res.status, 422, `${JSON.stringify(json)}: ${res.text}`);
    assert.equal(res.json.detail[0].loc[1], loc, res.text);
  }
  // six photos, or a photo the resident uploaded (not the staff member's own)
  const mine = await upload(st);
  const six = Array.from({ length: 6 }, () => mine.url);
  assert.equal((await tr({ to: 'collected', weight_kg: 5, proof_photos: six })).status, 422);
  const theirs = await upload(resident.token);
  const notOwn = await tr({ to: 'collected', weight_kg: 5, proof_photos: [theirs.url] });
  assert.equal(notOwn.status, 422, notOwn.text);
  // nothing changed
  assert.equal((await call('GET', `/api/requests/${id}`, resident.token)).json.status, 'collecting');

  const second = await upload(st);
  const ok = await tr({ to: 'collected', weight_kg: 1000, proof_photos: [mine.url, second.path] });
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.json.weight_kg, 1000);
  const seen = await call('GET', `/api/requests/${id}`, resident.token);
  assert.equal(seen.status, 200);
  const ev = seen.json.events.at(-1);
  assert.equal(ev.data.to, 'collected');
  assert.equal(ev.data.weight_kg, 1000);
  assert.equal(ev.data.proof_photos.length, 2);
  for (const [i, url] of ev.data.proof_photos.entries()) {
    const u = new URL(url);
    assert.equal(u.pathname, `/uploads/${[mine.path, second.path][i]}`);
    const img = await fetch(`${base}${u.pathname}${u.search}`);
    assert.equal(img.status, 200, `proof photo ${i} is served by its signed link`);
  }
  assert.equal(seen.json.proof_photos.length, 2);
});

// ------------------------------------------------------------------------ disputes
test('a dispute within 48 h fails the request, reverses the points once under 16 racers, tells staff', async (t) => {
  const ctx = await setup(t);
  if (!ctx) return;
  const { resident, staff: st } = ctx;
  const early = await walk(resident, st, 'scheduled');
  const no = await call('POST', `/api/requests/${early}/not-collected`, resident.token, { reason: 'Nobody came' });
  assert.equal(no.status, 409, no.text);
  assert.equal(no.json.detail, 'Only a collected pickup can be disputed');

  const id = await walk(resident, st, 'completed');
  const before = await call('GET', '/api/rewards/summary', resident.token);
  assert.equal(before.json.total_points, 5);
  // bad bodies and someone else's request change nothing
  assert.equal((await call('POST', `/api/requests/${id}/not-collected`, resident.token, {})).status, 422);
  assert.equal((await call('POST', `/api/requests/${id}/not-collected`, resident.token, { reason: 'x', more: 1 })).status, 422);
  const other = await registerUser();
  assert.equal((await call('POST', `/api/requests/${id}/not-collected`, other.token, { reason: 'Not mine' })).status, 404);
  assert.equal((await call('POST', `/api/staff/requests/${id}/transition`, resident.token, { to: 'failed' })).status, 403);

  const reason = `Bins still full ${randomBytes(3).toString('hex')}`;
  const racers = await Promise.all(
    Array.from({ length: 16 }, () => call('POST', `/api/requests/${id}/not-collected`, resident.token, { reason })),
  );
  const codes = racers.map((r) => r.status).sort();
  assert.equal(codes.filter((c) => c === 200).length, 1, `one dispute wins: ${codes}`);
  assert.ok(codes.every((c) => c === 200 || c === 409), `the others are refused: ${codes}`);
  const won = racers.find((r) => r.status === 200).json;
  assert.equal(won.status, 'failed');
  assert.equal(won.events.at(-1).data.reason, reason);
  assert.equal(won.events.at(-1).by_role, 'citizen');
  assert.equal(won.reward_points, 0);

  const ledger = await call('GET', '/api/rewards/ledger?limit=100', resident.token);
  assert.equal(ledger.status, 200, ledger.text);
  const mineForId = ledger.json.items.filter((e) => e.request_id === id);
  assert.deepEqual(mineForId.map((e) => e.points).sort(), [-5, 5], 'one credit, one reversal');
  assert.match(mineForId.find((e) => e.points < 0).reason, /not collected/);
  const after = await call('GET', '/api/rewards/summary', resident.token);
  assert.equal(after.json.total_points, 0);
  assert.equal(ledger.json.items[0].balance_after, 0);

  // staff hear of it (in-app)
  const notes = await call('GET', '/api/notifications?limit=100', st);
  assert.equal(notes.status, 200);
  const heard = notes.json.find((n) => n.event === 'disputed' && n.meta?.request_id === id);
  assert.ok(heard, 'a disputed notification for staff');
  assert.match(heard.body, new RegExp(reason));
  // a failed request is not disputed twice; staff reschedule it
  assert.equal((await call('POST', `/api/requests/${id}/not-collected`, resident.token, { reason })).status, 409);
  const again = await move(st, id, 'scheduled', await nextSlot(st));
  assert.equal(again.status, 'scheduled');
});

test('a dispute is allowed from collected on, before completion credits anything', async (t) => {
  const ctx = await setup(t);
  if (!ctx) return;
  const { resident, staff: st } = ctx;
  const id = await walk(resident, st, 'collected');
  const res = await call('POST', `/api/requests/${id}/not-collected`, resident.token, { reason: 'Only half was taken' });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.status, 'failed');
  const ledger = await call('GET', '/api/rewards/ledger', resident.token);
  assert.equal(ledger.json.total, 0, 'nothing credited, nothing reversed');
});

// ------------------------------------------------------------------------ ledger
test('the ledger pages newest first with balance_after; its sum is the summary total under concurrent completions', async (t) => {
  const ctx = await setup(t);
  if (!ctx) return;
  const { resident, staff: st } = ctx;
  const ids = [];
  for (let i = 0; i < 4; i++) ids.push(await walk(resident, st, 'verification', { extra: { category: i % 2 ? 'e-waste' : 'recyclable' } }));
  // complete all four at once while reading the ledger and the summary
  const reads = [];
  const done = Promise.all(ids.map((id) => move(st, id, 'completed')));
  for (let i = 0; i < 6; i++) {
    reads.push(Promise.all([call('GET', '/api/rewards/ledger?limit=100', resident.token), call('GET', '/api/rewards/summary', resident.token)]));
  }
  await done;
  for (const [ledger] of await Promise.all(reads)) {
    assert.equal(ledger.status, 200);
    const sum = ledger.json.items.reduce((a, e) => a + e.points, 0);
    assert.equal(ledger.json.items[0]?.balance_after ?? 0, sum, 'the newest balance is the sum of the page read');
  }
  const all = await call('GET', '/api/rewards/ledger?limit=100', resident.token);
  const summary = await call('GET', '/api/rewards/summary', resident.token);
  const sum = all.json.items.reduce((a, e) => a + e.points, 0);
  assert.equal(sum, 30);
  assert.equal(summary.json.total_points, sum);
  assert.equal(all.json.total, 4);

  const p1 = await call('GET', '/api/rewards/ledger?skip=0&limit=2', resident.token);
  const p2 = await call('GET', '/api/rewards/ledger?skip=2&limit=2', resident.token);
  assert.deepEqual([p1.json.total, p1.json.skip, p1.json.limit], [4, 0, 2]);
  const items = [...p1.json.items, ...p2.json.items];
  assert.deepEqual(items.map((e) => e.id), all.json.items.map((e) => e.id));
  let bal = sum;
  for (const e of items) {
    assert.equal(e.balance_after, bal);
    assert.ok(ids.includes(e.request_id));
    assert.match(e.created_at, /Z$/);
    bal -= e.points;
  }
  assert.equal(bal, 0);
  for (const q of ['limit=0', 'limit=101', 'skip=-1', 'limit=x']) {
    const bad = await call('GET', `/api/rewards/ledger?${q}`, resident.token);
    assert.equal(bad.status, 422, `${q}: ${bad.text}`);
  }
  assert.equal((await get('/api/rewards/ledger')).status, 401);
});

// ------------------------------------------------------------------------ reports
test('the reports summary counts what was made here (by status, category, day; rates; kg)', async (t) => {
  const ctx = await setup(t);
  if (!ctx) return;
  const { resident, staff: st } = ctx;
  const day = today();
  const report = async () => {
    const res = await call('GET', `/api/staff/reports/summary?from=${day}&to=${day}`, st);
    assert.equal(res.status, 200, res.text);
    return res.json;
  };
  const a = await report();
  const reason = `Gate locked ${randomBytes(3).toString('hex')}`;
  await create(resident.token, { category: 'organic' }); // submitted
  await walk(resident, st, 'completed', { kg: 2.5 }); // recyclable
  await walk(resident, st, 'completed', { kg: 4, extra: { category: 'e-waste' } });
  const f = await walk(resident, st, 'enroute', { extra: { category: 'bulk' } });
  await move(st, f, 'failed', { reason });
  const draft = await call('POST', '/api/requests', resident.token, { ...body(), draft: true });
  assert.equal(draft.status, 201);
  const b = await report();

  assert.equal(b.from, day);
  assert.equal(b.to, day);
  assert.equal(b.total - a.total, 4, 'drafts are not counted');
  const d = (k, m) => b[m][k] - a[m][k];
  assert.equal(d('submitted', 'by_status'), 1);
  assert.equal(d('completed', 'by_status'), 2);
  assert.equal(d('failed', 'by_status'), 1);
  assert.equal(d('organic', 'by_category'), 1);
  assert.equal(d('recyclable', 'by_category'), 1);
  assert.equal(d('e-waste', 'by_category'), 1);
  assert.equal(d('bulk', 'by_category'), 1);
  assert.equal(b.by_day.length, 1);
  assert.equal(b.by_day[0].date, day);
  assert.equal(b.by_day[0].count, b.total);
  assert.equal(Math.round((d('recyclable', 'kg_by_category')) * 100) / 100, 2.5);
  assert.equal(Math.round((d('e-waste', 'kg_by_category')) * 100) / 100, 4);
  assert.equal(Math.round((b.kg_total - a.kg_total) * 100) / 100, 6.5);
  assert.deepEqual(b.failure_reasons.find((r) => r.reason === reason), { reason, count: 1 });
  assert.equal(b.completion_rate, Math.round((b.by_status.completed / b.total) * 10000) / 10000);
  assert.equal(b.failure_rate, Math.round((b.by_status.failed / b.total) * 10000) / 10000);
  for (const k of ['submitted_to_scheduled', 'scheduled_to_completed']) {
    assert.equal(typeof b.median_hours[k], 'number', k);
    assert.ok(b.median_hours[k] >= 0, k);
  }
  // the default range is the last 30 days up to today
  const def = await call('GET', '/api/staff/reports/summary', st);
  assert.equal(def.status, 200);
  assert.equal(def.json.by_day.length, 30);
  assert.equal(def.json.to, day);
  for (const q of ['from=2026-13-01', 'from=2026-02-01&to=2026-01-01', 'from=2020-01-01&to=2026-01-01', 'to=x']) {
    const bad = await call('GET', `/api/staff/reports/summary?${q}`, st);
    assert.equal(bad.status, 422, `${q}: ${bad.text}`);
  }
  assert.equal((await call('GET', '/api/staff/reports/summary', resident.token)).status, 403);
});

// ------------------------------------------------------------------------ CSV export
/** RFC 4180 parser: rows of cells (quoted cells may hold commas, quotes and line breaks). */
function parseCsv(text) {
  const rows = [];
  let row = [], cell = '', q = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (q) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i++; }
      else if (c === '"') q = false;
      else cell += c;
    } else if (c === '"') q = true;
    else if (c === ',') { row.push(cell); cell = ''; }
    else if (c === '\r' && text[i + 1] === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; i++; }
    else cell += c;
  }
  if (cell || row.length) { row.push(cell); rows.push(row); }
  return rows;
}

test('the CSV export is RFC 4180 with hostile text neutralised, filtered like the staff list', async (t) => {
  const ctx = await setup(t);
  if (!ctx) return;
  const { resident, staff: st } = ctx;
  const tag = `csvtag${randomBytes(4).toString('hex')}`;
  const hostile = `=HYPERLINK("http://evil.example","click") ${tag}, "quoted"\nline two`;
  const r = await create(resident.token, {
    description: hostile,
    address: { line1: '+SUM(A1:A9)', line2: '-2+3', city: '@cmd', pincode: '411002' },
  });
  const res = await call('GET', `/api/staff/requests.csv?q=${tag}`, st);
  assert.equal(res.status, 200, res.text);
  assert.match(res.headers['content-type'], /^text\/csv/);
  assert.match(res.headers['content-disposition'], /attachment/);
  const rows = parseCsv(res.text);
  assert.deepEqual(rows[0].slice(0, 4), ['id', 'created_at', 'status', 'category']);
  assert.equal(rows.length, 2, res.text);
  const head = rows[0];
  const row = Object.fromEntries(head.map((h, i) => [h, rows[1][i]]));
  assert.equal(row.id, r.id);
  assert.equal(row.description, `'${hostile}`);
  assert.equal(row.line1, "'+SUM(A1:A9)");
  assert.equal(row.line2, "'-2+3");
  assert.equal(row.city, "'@cmd");
  assert.equal(row.pincode, '411002');
  assert.equal(row.status, 'submitted');
  assert.ok(res.text.endsWith('\r\n'));
  // filters as the staff list: a status that does not match gives the header alone
  const none = await call('GET', `/api/staff/requests.csv?q=${tag}&status=completed`, st);
  assert.equal(parseCsv(none.text).length, 1);
  assert.equal((await call('GET', '/api/staff/requests.csv?status=bogus', st)).status, 422);
  assert.equal((await call('GET', '/api/staff/requests.csv', resident.token)).status, 403);
});

test('the CSV export streams past one page (keyset pages, every row once, newest first)', async (t) => {
  const ctx = await setup(t);
  if (!ctx) return;
  const { resident } = ctx;
  const tag = `pagetag${randomBytes(4).toString('hex')}`;
  const N = 523; // a page is 500
  const made = [];
  for (let i = 0; i < N; i += 12) {
    const batch = Array.from({ length: Math.min(12, N - i) }, (_, k) => create(resident.token, { description: `row ${i + k} ${tag}` }));
    for (const r of await Promise.all(batch)) made.push(r.id);
  }
  const res = await call('GET', `/api/staff/requests.csv?q=${tag}`, await staff());
  assert.equal(res.status, 200);
  assert.equal(res.headers['content-length'], undefined, 'streamed: no length up front');
  const rows = parseCsv(res.text).slice(1);
  assert.equal(rows.length, N);
  const ids = rows.map((x) => x[0]);
  assert.equal(new Set(ids).size, N, 'no row twice');
  assert.deepEqual([...ids].sort(), [...made].sort());
  const times = rows.map((x) => Date.parse(x[1]));
  for (let i = 1; i < times.length; i++) assert.ok(times[i - 1] >= times[i], 'newest first');
});

// ------------------------------------------------------------------------ the board
test('the board pages a column and filters it by pincode and date', async (t) => {
  const ctx = await setup(t);
  if (!ctx) return;
  const { resident, staff: st } = ctx;
  const pin = String(500000 + Math.floor(Math.random() * 99999));
  for (let i = 0; i < 3; i++) await create(resident.token, { address: { line1: '1 Pin Road', city: 'Pune', pincode: pin } });
  const p1 = await call('GET', `/api/staff/requests?status=submitted&pincode=${pin}&limit=2`, st);
  assert.equal(p1.status, 200, p1.text);
  assert.equal(p1.json.total, 3);
  assert.equal(p1.json.items.length, 2);
  const p2 = await call('GET', `/api/staff/requests?status=submitted&pincode=${pin}&limit=2&skip=2`, st);
  assert.equal(p2.json.items.length, 1);
  assert.ok(p1.json.items.concat(p2.json.items).every((x) => x.address.pincode === pin));
  const sched = await walk(resident, st, 'scheduled', { extra: { address: { line1: '1 Pin Road', city: 'Pune', pincode: pin } } });
  const detail = await call('GET', `/api/staff/requests/${sched}`, st);
  const date = dayFmt.format(new Date(detail.json.assigned_slot.start));
  const col = await call('GET', `/api/staff/requests?status=scheduled&pincode=${pin}&date=${date}`, st);
  assert.deepEqual(col.json.items.map((x) => x.id), [sched]);
  assert.equal((await call('GET', `/api/staff/requests?pincode=${'9'.repeat(11)}`, st)).status, 422);
});
