// bench/booking-race.mjs — the booking race of bench/booking.sh, through nginx.
//
// Per round: a slot with capacity CAPACITY (admin override on its date), N residents each
// with one submitted request, then N concurrent POST /api/requests/{id}/confirm-slot on
// that slot, fired at once over N pre-opened keep-alive connections (node:http, no extra
// dependency). Records throughput (N / wall time of the burst) and latency percentiles,
// counts 2xx / 409, then checks what the slot holds through the staff calendar and directly
// in the database (bench/booking-dbcheck, MongoDB wire protocol), and prints
// "OVERBOOKING: none" or "OVERBOOKING: N extra".
//
// env: BASE_URL (required)  N [200]  CAPACITY [5]  ROUNDS [3]  DATE_OFFSET_DAYS [3]
//      SERVICE_TZ [Asia/Kolkata]  ADMIN_EMAIL / STAFF_EMAIL / SEED_PASSWORD (seed users)
//      DBCHECK (path of booking-dbcheck) with MONGO_URI and MONGO_DB; unset = no DB check
//      RESULT_JSON (file to write the summary to)
import http from 'node:http';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { request as httpRequest, must, pct } from './http.mjs';

const BASE = new URL(process.env.BASE_URL || 'http://127.0.0.1:18390');
const N = Number(process.env.N || 200);
const CAPACITY = Number(process.env.CAPACITY || 5);
const ROUNDS = Number(process.env.ROUNDS || 3);
const TZ = process.env.SERVICE_TZ || 'Asia/Kolkata';
const PASSWORD = process.env.SEED_PASSWORD || 'Passw0rd!';

// ------------------------------------------------------------------ HTTP
let addr = 0;
const addrBase = 100 + (process.pid % 100);
/** A fresh loopback source address (nginx rate-limits login/register per address). */
function freshAddress() {
  addr += 1;
  return `127.${addrBase}.${Math.floor(addr / 250) % 250}.${(addr % 250) + 2}`;
}
const loopback = /^(127\.|localhost$)/.test(BASE.hostname);

function request(method, path, { token, json, agent, localAddress } = {}) {
  return httpRequest(BASE, method, path, { token, json, agent, localAddress: loopback ? localAddress : undefined });
}

/** Runs fn over items with at most `limit` in flight. */
async function pool(items, limit, fn) {
  const out = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i], i);
      }
    }),
  );
  return out;
}

// ------------------------------------------------------------------ dates
const dayFmt = new Intl.DateTimeFormat('en-CA', { timeZone: TZ });
const dateIn = (days) => dayFmt.format(new Date(Date.now() + days * 86400000));
const weekdayOf = (date) => new Date(`${date}T12:00:00Z`).getUTCDay();


// ------------------------------------------------------------------ main
async function main() {
  const admin = must(await request('POST', '/api/auth/login', { json: { email: process.env.ADMIN_EMAIL || 'admin@example.com', password: PASSWORD }, localAddress: freshAddress() }), 200, 'admin login').access_token;
  const staff = must(await request('POST', '/api/auth/login', { json: { email: process.env.STAFF_EMAIL || 'staff@example.com', password: PASSWORD }, localAddress: freshAddress() }), 200, 'staff login').access_token;

  // a date the template offers, beyond the lead time
  const template = must(await request('GET', '/api/admin/slot-templates', { token: admin }), 200, 'template');
  const days = new Set(template.weekly.map((w) => w.weekday));
  let date = null;
  for (let d = Number(process.env.DATE_OFFSET_DAYS || 3); d < 60 && !date; d++) {
    const cand = dateIn(d);
    if (!days.has(weekdayOf(cand)) || template.closed_dates.includes(cand)) continue;
    const cal = must(await request('GET', `/api/staff/slots?date=${cand}`, { token: staff }), 200, 'calendar');
    const empty = cal.filter((e) => e.capacity_class === 'standard' && e.booked === 0 && !e.closed);
    if (empty.length >= ROUNDS) date = cand;
  }
  if (!date) throw new Error(`no date with ${ROUNDS} empty slots`);
  const override = must(
    await request('POST', '/api/admin/slot-overrides', { token: admin, json: { from: date, to: date, capacity_class: 'standard', capacity: CAPACITY } }),
    201,
    'override',
  );
  console.log(`bench: slot date ${date} (${TZ}), standard capacity ${CAPACITY} (override ${override.id})`);

  // N residents
  const t0 = Date.now();
  const tag = `${Date.now().toString(36)}${process.pid.toString(36)}`;
  const residents = await pool(Array.from({ length: N }, (_, i) => i), 8, async (i) => {
    const body = { name: `Bench Resident ${i}`, email: `bench-${tag}-${i}@example.com`, phone: '+91 98765 43210', password: 'Passw0rd!bench' };
    for (let attempt = 0; ; attempt++) {
      const res = await request('POST', '/api/auth/register', { json: body, localAddress: freshAddress() });
      if (res.status === 429 && attempt < 5) {
        await new Promise((r) => setTimeout(r, 1000));
        continue;
      }
      return must(res, 201, `register ${i}`).access_token;
    }
  });
  console.log(`bench: ${N} residents registered in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  const slots = must(await request('GET', `/api/slots/available?date=${date}&category=organic`, { token: residents[0] }), 200, 'available').filter(
    (s) => s.capacity === CAPACITY && s.remaining === CAPACITY,
  );
  if (slots.length < ROUNDS) throw new Error(`only ${slots.length} empty slots offered on ${date}`);

  const rounds = [];
  for (let r = 0; r < ROUNDS; r++) {
    const slot = slots[r];
    // one submitted request per resident for this round
    const ids = await pool(residents, 8, async (token, i) => {
      const res = await request('POST', '/api/requests', {
        token,
        json: { category: 'organic', description: `Bench round ${r + 1} resident ${i}`, quantity: 1, address: { line1: '1 Bench Street', city: 'Pune', pincode: '411001' } },
      });
      const doc = must(res, 201, `request ${i}`);
      if (doc.status !== 'submitted') throw new Error(`request ${i}: status ${doc.status}`);
      return doc.id;
    });

    // N keep-alive connections, opened before the burst
    const agent = new http.Agent({ keepAlive: true, maxSockets: N, maxFreeSockets: N, keepAliveMsecs: 30000 });
    await Promise.all(Array.from({ length: N }, () => request('GET', '/api/health', { agent })));
    const open = Object.values(agent.freeSockets).reduce((n, l) => n + l.length, 0);
    const load = (await import('node:fs')).readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

    const start = process.hrtime.bigint();
    const results = await Promise.all(
      ids.map((id, i) =>
        request('POST', `/api/requests/${id}/confirm-slot`, { token: residents[i], agent, json: { slot_start: slot.start, slot_end: slot.end } }).catch((e) => ({
          status: 0,
          text: String(e),
          ms: Number(process.hrtime.bigint() - start) / 1e6,
        })),
      ),
    );
    const wallMs = Number(process.hrtime.bigint() - start) / 1e6;

    // for scale: the same refused attempt one at a time (20 losers retry the full slot)
    const seq = [];
    for (const i of results.map((x, k) => (x.status === 409 ? k : -1)).filter((k) => k >= 0).slice(0, 20)) {
      const x = await request('POST', `/api/requests/${ids[i]}/confirm-slot`, { token: residents[i], agent, json: { slot_start: slot.start, slot_end: slot.end } });
      if (x.status !== 409) throw new Error(`sequential retry: expected 409, got ${x.status} ${x.text}`);
      seq.push(x.ms);
    }
    seq.sort((a, b) => a - b);
    agent.destroy();

    const lat = results.map((x) => x.ms).sort((a, b) => a - b);
    const by = {};
    for (const x of results) by[x.status] = (by[x.status] || 0) + 1;
    const ok = results.filter((x) => x.status >= 200 && x.status < 300);
    const full = results.filter((x) => x.status === 409 && x.json?.detail === 'Slot is full').length;
    const conflict409 = results.filter((x) => x.status === 409).length - full;
    const others = results.filter((x) => !(x.status >= 200 && x.status < 300) && x.status !== 409);
    const winners = new Set(ok.map((x) => x.json?.id));

    // what the slot holds: the staff calendar, and the database
    const cal = must(await request('GET', `/api/staff/slots?date=${date}`, { token: staff }), 200, 'calendar');
    const entry = cal.find((e) => e.capacity_class === 'standard' && Date.parse(e.start) === Date.parse(slot.start));
    const calIds = new Set(entry.requests.map((x) => x.id));
    let db = null;
    if (process.env.DBCHECK && process.env.MONGO_URI) {
      const out = execFileSync(process.env.DBCHECK, [process.env.MONGO_URI, process.env.MONGO_DB || 'swmra', 'standard', String(Date.parse(slot.start))], { encoding: 'utf8' });
      db = JSON.parse(out.trim());
    }
    const scheduled = must(await request('GET', `/api/staff/requests?status=scheduled&date=${date}&limit=100`, { token: staff }), 200, 'staff list');
    const scheduledInSlot = scheduled.items.filter((x) => x.assigned_slot && Date.parse(x.assigned_slot.start) === Date.parse(slot.start)).length;

    const held = Math.max(ok.length, entry.booked, calIds.size, scheduledInSlot, db ? Math.max(db.claims, db.scheduled) : 0);
    const extra = Math.max(0, held - CAPACITY);
    const sameWinners = [...winners].every((id) => calIds.has(id)) && winners.size === calIds.size;
    const round = {
      round: r + 1,
      slot: slot.start,
      attempts: N,
      open_connections: open,
      load_before: load,
      wall_ms: wallMs,
      throughput: (N / wallMs) * 1000,
      p50_ms: pct(lat, 50),
      p90_ms: pct(lat, 90),
      p99_ms: pct(lat, 99),
      max_ms: lat[lat.length - 1],
      sequential_409_p50_ms: pct(seq, 50),
      statuses: by,
      ok: ok.length,
      full_409: full,
      other_409: conflict409,
      other: others.length,
      other_samples: [...new Set(others.map((x) => `${x.status} ${x.text.slice(0, 120)}`))].slice(0, 3),
      calendar_booked: entry.booked,
      calendar_requests: calIds.size,
      calendar_matches_2xx: sameWinners,
      staff_scheduled_in_slot: scheduledInSlot,
      db,
      extra,
    };
    rounds.push(round);
    console.log(
      `round ${r + 1}: slot ${slot.start}: ${N} attempts in ${wallMs.toFixed(0)} ms = ${round.throughput.toFixed(0)} req/s; ` +
        `p50 ${round.p50_ms.toFixed(1)} ms, p99 ${round.p99_ms.toFixed(1)} ms, max ${round.max_ms.toFixed(1)} ms; ` +
        `2xx ${ok.length}, 409 "Slot is full" ${full}, other 409 ${conflict409}, other ${others.length} ${JSON.stringify(by)}; ` +
        `one at a time a refused attempt takes ${round.sequential_409_p50_ms.toFixed(1)} ms (p50 of ${seq.length})`,
    );
    console.log(
      `round ${r + 1}: calendar booked ${entry.booked} (${calIds.size} requests, same as the 2xx: ${sameWinners}); ` +
        `scheduled in the slot ${scheduledInSlot}; DB ${db ? JSON.stringify(db) : 'not checked'}`,
    );
    if (ok.length < CAPACITY) console.log(`round ${r + 1}: UNDERBOOKING: only ${ok.length} of ${CAPACITY} seats sold`);
  }

  const extra = rounds.reduce((n, r) => n + r.extra, 0);
  const summary = { date, capacity: CAPACITY, n: N, rounds, extra, tool: `node ${process.version} node:http, ${N} keep-alive connections opened before the burst` };
  if (process.env.RESULT_JSON) writeFileSync(process.env.RESULT_JSON, JSON.stringify(summary, null, 2));
  console.log(extra === 0 ? 'OVERBOOKING: none' : `OVERBOOKING: ${extra} extra`);
  const bad = rounds.some((r) => r.ok !== CAPACITY || !r.calendar_matches_2xx || (r.db && (r.db.claims !== CAPACITY || r.db.scheduled !== CAPACITY)));
  process.exitCode = extra > 0 ? 1 : bad ? 3 : 0;
}

main().catch((e) => {
  console.error(`bench: ${e.stack || e}`);
  process.exitCode = 2;
});
