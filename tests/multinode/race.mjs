// tests/multinode/race.mjs — the booking race of tests/multinode/run.sh, split across two app
// nodes: per round, one slot gets capacity CAPACITY (admin override through node A), N
// residents (registered alternately through A and B) each have one submitted request, and
// N confirm-slot attempts are fired at once over pre-opened keep-alive connections, half
// through node A and half through node B. Checks: exactly CAPACITY succeed, every other
// one is 409 "Slot is full", the staff calendar through node A AND through node B shows
// booked = CAPACITY with exactly the winners' request ids, and the database holds exactly
// CAPACITY seat claims (distinct seats, the winners' requests).
//
// Prints one "ok   ..." / "FAIL ..." line per check (run.sh counts them) and "# ..." notes.
// env: BASE_A, BASE_B (https://127.0.0.1:port)  N [60]  CAPACITY [5]  ROUNDS [2]
//      SERVICE_TZ [Asia/Kolkata]  SEED_PASSWORD [Passw0rd!]
//      DBFIND (tests/multinode/dbfind binary) + MONGO_URI + MONGO_DB: the database check
//      TAG (a string unique to the run, used in the residents' emails)
import https from 'node:https';
import { execFileSync } from 'node:child_process';

const BASES = [new URL(process.env.BASE_A), new URL(process.env.BASE_B)];
const NAMES = ['A', 'B'];
const N = Number(process.env.N || 60);
const CAPACITY = Number(process.env.CAPACITY || 5);
const ROUNDS = Number(process.env.ROUNDS || 2);
const TZ = process.env.SERVICE_TZ || 'Asia/Kolkata';
const PASSWORD = process.env.SEED_PASSWORD || 'Passw0rd!';
const TAG = process.env.TAG || `${Date.now().toString(36)}${process.pid.toString(36)}`;

let failed = 0;
const ok = (msg) => console.log(`ok   ${msg}`);
const bad = (msg) => {
  failed += 1;
  console.log(`FAIL ${msg}`);
};
const check = (cond, msg, detail) => {
  if (cond) ok(msg);
  else bad(detail ? `${msg}: ${detail}` : msg);
};

// ------------------------------------------------------------------ HTTP(S)
let addr = 0;
const addrBase = 100 + (process.pid % 100);
/** A fresh loopback source address (nginx rate-limits login/register per address). */
const freshAddress = () => {
  addr += 1;
  return `127.${addrBase}.${Math.floor(addr / 250) % 250}.${(addr % 250) + 2}`;
};

/** node: 0 = A, 1 = B. Resolves { status, text, json, ms }; network errors become status 0. */
function request(node, method, path, { token, json, agent, localAddress } = {}) {
  const base = BASES[node];
  const headers = {};
  let body;
  if (token) headers.authorization = `Bearer ${token}`;
  if (json !== undefined) {
    body = JSON.stringify(json);
    headers['content-type'] = 'application/json';
    headers['content-length'] = Buffer.byteLength(body);
  }
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const req = https.request(
      {
        host: base.hostname,
        port: base.port,
        method,
        path,
        headers,
        agent: agent ?? false,
        localAddress,
        rejectUnauthorized: false, // the test's self-signed certificate
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed;
          try {
            parsed = JSON.parse(text);
          } catch {
            parsed = undefined;
          }
          resolve({ status: res.statusCode, text, json: parsed, ms: Number(process.hrtime.bigint() - t0) / 1e6 });
        });
        res.on('error', (e) => resolve({ status: 0, text: String(e), ms: 0 }));
      },
    );
    req.setTimeout(60000, () => req.destroy(new Error(`${method} ${path}: timed out`)));
    req.on('error', (e) => resolve({ status: 0, text: String(e), ms: Number(process.hrtime.bigint() - t0) / 1e6 }));
    if (body !== undefined) req.write(body);
    req.end();
  });
}

function must(res, status, what) {
  if (res.status !== status) throw new Error(`${what}: expected ${status}, got ${res.status} ${res.text.slice(0, 300)}`);
  return res.json;
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

const dayFmt = new Intl.DateTimeFormat('en-CA', { timeZone: TZ });
const dateIn = (days) => dayFmt.format(new Date(Date.now() + days * 86400000));
const weekdayOf = (date) => new Date(`${date}T12:00:00Z`).getUTCDay();

/** The database view of one slot: its seat claims (dbfind), or null without DBFIND. */
function dbClaims(startMs) {
  if (!process.env.DBFIND || !process.env.MONGO_URI) return null;
  const filter = JSON.stringify({ class: 'standard', start: { $date: { $numberLong: String(startMs) } } });
  const out = execFileSync(process.env.DBFIND, [process.env.MONGO_URI, process.env.MONGO_DB, 'slot_claims', filter], { encoding: 'utf8' });
  return out
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

// ------------------------------------------------------------------ main
async function main() {
  const login = async (node, email, what) =>
    must(await request(node, 'POST', '/api/auth/login', { json: { email, password: PASSWORD }, localAddress: freshAddress() }), 200, what).access_token;
  const admin = await login(0, process.env.ADMIN_EMAIL || 'admin@example.com', 'admin login through A');
  const staff = await login(1, process.env.STAFF_EMAIL || 'staff@example.com', 'staff login through B');

  // a date the template offers, beyond the lead time, with ROUNDS empty standard slots
  const template = must(await request(0, 'GET', '/api/admin/slot-templates', { token: admin }), 200, 'slot template');
  const days = new Set(template.weekly.map((w) => w.weekday));
  let date = null;
  for (let d = Number(process.env.DATE_OFFSET_DAYS || 3); d < 60 && !date; d++) {
    const cand = dateIn(d);
    if (!days.has(weekdayOf(cand)) || template.closed_dates.includes(cand)) continue;
    const cal = must(await request(1, 'GET', `/api/staff/slots?date=${cand}`, { token: staff }), 200, 'calendar');
    if (cal.filter((e) => e.capacity_class === 'standard' && e.booked === 0 && !e.closed).length >= ROUNDS) date = cand;
  }
  if (!date) throw new Error(`no date with ${ROUNDS} empty standard slots in the next 60 days`);
  const override = must(
    await request(0, 'POST', '/api/admin/slot-overrides', { token: admin, json: { from: date, to: date, capacity_class: 'standard', capacity: CAPACITY } }),
    201,
    'capacity override through A',
  );
  console.log(`# slot date ${date} (${TZ}), standard capacity ${CAPACITY} (override ${override.id} created through node A)`);

  // N residents, registered alternately through A and B
  const t0 = Date.now();
  const residents = await pool(Array.from({ length: N }, (_, i) => i), 8, async (i) => {
    const body = { name: `Race Resident ${i}`, email: `mnrace-${TAG}-${i}@example.com`, phone: '+91 98765 43210', password: 'Passw0rd!race' };
    for (let attempt = 0; ; attempt++) {
      const res = await request(i % 2, 'POST', '/api/auth/register', { json: body, localAddress: freshAddress() });
      if (res.status === 429 && attempt < 5) {
        await new Promise((r) => setTimeout(r, 1000));
        continue;
      }
      return must(res, 201, `register resident ${i} through ${NAMES[i % 2]}`).access_token;
    }
  });
  ok(`${N} residents registered, alternately through node A and node B (${((Date.now() - t0) / 1000).toFixed(1)} s)`);

  // the capacity as both nodes see it
  const offered = [];
  for (const node of [0, 1]) {
    const slots = must(await request(node, 'GET', `/api/slots/available?date=${date}&category=organic`, { token: residents[node] }), 200, `available slots through ${NAMES[node]}`);
    offered.push(slots.filter((s) => s.capacity === CAPACITY && s.remaining === CAPACITY));
  }
  check(
    offered[0].length >= ROUNDS && JSON.stringify(offered[0].map((s) => s.start)) === JSON.stringify(offered[1].map((s) => s.start)),
    `both nodes offer the same empty capacity-${CAPACITY} slots on ${date} (${offered[0].length})`,
  );
  if (offered[0].length < ROUNDS) throw new Error(`only ${offered[0].length} empty slots offered on ${date}`);

  for (let r = 0; r < ROUNDS; r++) {
    const slot = offered[0][r];
    const label = `round ${r + 1} (slot ${slot.start})`;
    // one submitted request per resident, created through the node the resident did NOT register on
    const ids = await pool(residents, 8, async (token, i) => {
      const doc = must(
        await request(1 - (i % 2), 'POST', '/api/requests', {
          token,
          json: { category: 'organic', description: `Multinode race round ${r + 1} resident ${i}`, quantity: 1, address: { line1: '1 Race Street', city: 'Pune', pincode: '411001' } },
        }),
        201,
        `request of resident ${i}`,
      );
      if (doc.status !== 'submitted') throw new Error(`request of resident ${i}: status ${doc.status}`);
      return doc.id;
    });

    // N/2 keep-alive connections to each node, opened before the burst
    const agents = [0, 1].map(() => new https.Agent({ keepAlive: true, maxSockets: N, maxFreeSockets: N, keepAliveMsecs: 30000, rejectUnauthorized: false }));
    const nodeOf = (i) => i % 2; // half through A, half through B
    await Promise.all(ids.map((_, i) => request(nodeOf(i), 'GET', '/api/health', { agent: agents[nodeOf(i)] })));
    const start = process.hrtime.bigint();
    const results = await Promise.all(
      ids.map((id, i) =>
        request(nodeOf(i), 'POST', `/api/requests/${id}/confirm-slot`, { token: residents[i], agent: agents[nodeOf(i)], json: { slot_start: slot.start, slot_end: slot.end } }),
      ),
    );
    const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
    agents.forEach((a) => a.destroy());

    const by = {};
    results.forEach((x, i) => {
      const k = `${NAMES[nodeOf(i)]}:${x.status}`;
      by[k] = (by[k] || 0) + 1;
    });
    const winners = results.map((x, i) => (x.status >= 200 && x.status < 300 ? i : -1)).filter((i) => i >= 0);
    const full = results.filter((x) => x.status === 409 && x.json?.detail === 'Slot is full').length;
    const others = results.filter((x) => !(x.status >= 200 && x.status < 300) && !(x.status === 409 && x.json?.detail === 'Slot is full'));
    console.log(`# ${label}: ${N} attempts in ${wallMs.toFixed(0)} ms; by node:status ${JSON.stringify(by)}`);
    const winIds = winners.map((i) => ids[i]).sort();
    const winnerNodes = winners.map((i) => NAMES[nodeOf(i)]).join('');
    check(winners.length === CAPACITY, `${label}: exactly ${CAPACITY} of ${N} concurrent confirm-slot attempts succeed (winners through nodes ${winnerNodes})`, `${winners.length} succeeded`);
    check(
      full === N - CAPACITY && others.length === 0,
      `${label}: the other ${N - CAPACITY} are 409 "Slot is full"`,
      `${full} "Slot is full", others: ${[...new Set(others.map((x) => `${x.status} ${x.text.slice(0, 100)}`))].slice(0, 3).join(' | ')}`,
    );
    check(
      winners.every((i) => results[i].json?.id === ids[i] && results[i].json?.status === 'scheduled'),
      `${label}: each 2xx answer is the winner's request, now scheduled`,
    );
    for (const node of [0, 1]) {
      const cal = must(await request(node, 'GET', `/api/staff/slots?date=${date}`, { token: staff }), 200, `calendar through ${NAMES[node]}`);
      const entry = cal.find((e) => e.capacity_class === 'standard' && Date.parse(e.start) === Date.parse(slot.start));
      const calIds = (entry?.requests || []).map((x) => x.id).sort();
      check(
        entry && entry.booked === CAPACITY && JSON.stringify(calIds) === JSON.stringify(winIds),
        `${label}: the staff calendar through node ${NAMES[node]} shows booked = ${CAPACITY} with exactly the winners' request ids`,
        entry ? `booked ${entry.booked}, ${calIds.length} request ids, same as winners: ${JSON.stringify(calIds) === JSON.stringify(winIds)}` : 'slot not in the calendar',
      );
    }
    const claims = dbClaims(Date.parse(slot.start));
    if (claims) {
      const seats = new Set(claims.map((c) => JSON.stringify(c.seat)));
      const reqs = claims.map((c) => c.request_id?.$oid).sort();
      check(
        claims.length === CAPACITY && seats.size === CAPACITY && JSON.stringify(reqs) === JSON.stringify(winIds),
        `${label}: the database holds exactly ${CAPACITY} seat claims (distinct seats, the winners' requests)`,
        `${claims.length} claims, ${seats.size} distinct seats, requests match: ${JSON.stringify(reqs) === JSON.stringify(winIds)}`,
      );
    } else {
      console.log('# database check skipped (no DBFIND / MONGO_URI)');
    }
  }
}

main()
  .catch((e) => bad(`booking race: ${e.stack || e}`))
  .finally(() => {
    process.exitCode = failed ? 1 : 0;
  });
