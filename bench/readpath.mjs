// bench/readpath.mjs — the API calls of bench/readpath.sh (node:http, no dependency).
//
//   node bench/readpath.mjs setup   registers the measured resident, creates the template
//        requests the loader clones (one submitted, one scheduled into a slot), opens a
//        high-capacity slot date for the write timings; prints JSON
//        {token, user_id, templates: [id...], request_id, date, category}
//   node bench/readpath.mjs writes  N [20] sequential POST /api/requests, then N
//        confirm-slot on them (one at a time, keep-alive); prints JSON with p50/p99 of both
// env: BASE_URL (required), STATE (the setup JSON, for writes), N, SEED_PASSWORD,
//      ADMIN_EMAIL, SERVICE_TZ [Asia/Kolkata]
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { request as httpRequest, must, pct } from './http.mjs';

const BASE = new URL(process.env.BASE_URL || 'http://127.0.0.1:18470');
const TZ = process.env.SERVICE_TZ || 'Asia/Kolkata';
const PASSWORD = process.env.SEED_PASSWORD || 'Passw0rd!';
const CATEGORY = 'recyclable';
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

const request = (method, path, opts = {}) => httpRequest(BASE, method, path, { ...opts, agent });

const dayFmt = new Intl.DateTimeFormat('en-CA', { timeZone: TZ });
const dateIn = (days) => dayFmt.format(new Date(Date.now() + days * 86400000));
const weekdayOf = (date) => new Date(`${date}T12:00:00Z`).getUTCDay();

const requestBody = (i) => ({
  category: CATEGORY,
  is_special: false,
  description: `Read-path bench request ${i}`,
  quantity: 2,
  address: { line1: '12 Bench Road', city: 'Pune', pincode: '411001' },
});

async function setup() {
  const admin = must(await request('POST', '/api/auth/login', { json: { email: process.env.ADMIN_EMAIL || 'admin@example.com', password: PASSWORD } }), 200, 'admin login').access_token;
  // a date the template offers, beyond the lead time, with room for every write timing
  const template = must(await request('GET', '/api/admin/slot-templates', { token: admin }), 200, 'template');
  const days = new Set(template.weekly.map((w) => w.weekday));
  let date = null;
  for (let d = 3; d < 60 && !date; d++) {
    const cand = dateIn(d);
    if (days.has(weekdayOf(cand)) && !template.closed_dates.includes(cand)) date = cand;
  }
  if (!date) throw new Error('no slot date in the next 60 days');
  must(await request('POST', '/api/admin/slot-overrides', { token: admin, json: { from: date, to: date, capacity_class: 'standard', capacity: 1000 } }), 201, 'override');

  const email = `readpath-${Date.now().toString(36)}@example.com`;
  const reg = must(await request('POST', '/api/auth/register', { json: { name: 'Bench Resident', email, phone: '+91 98765 43210', password: 'Passw0rd!bench' } }), 201, 'register');
  const token = reg.access_token;
  const me = must(await request('GET', '/api/auth/me', { token }), 200, 'me');
  const submitted = must(await request('POST', '/api/requests', { token, json: requestBody(0) }), 201, 'template request');
  const scheduled = must(await request('POST', '/api/requests', { token, json: requestBody(1) }), 201, 'template request');
  const slot = must(await request('GET', `/api/slots/available?date=${date}&category=${CATEGORY}`, { token }), 200, 'slots').find((s) => s.remaining > 0);
  if (!slot) throw new Error(`no slot left on ${date}`);
  must(await request('POST', `/api/requests/${scheduled.id}/confirm-slot`, { token, json: { slot_start: slot.start, slot_end: slot.end } }), 200, 'template confirm');
  console.log(JSON.stringify({ token, user_id: me.id, templates: [submitted.id, scheduled.id], request_id: scheduled.id, date, category: CATEGORY }));
}

async function writes() {
  const st = JSON.parse(readFileSync(process.env.STATE, 'utf8'));
  const n = Number(process.env.N || 20);
  const slot = must(await request('GET', `/api/slots/available?date=${st.date}&category=${st.category}`, { token: st.token }), 200, 'slots').find((s) => s.remaining >= n);
  if (!slot) throw new Error(`no slot with ${n} seats on ${st.date}`);
  const create = [];
  const confirm = [];
  const ids = [];
  for (let i = 0; i < n; i++) {
    const res = await request('POST', '/api/requests', { token: st.token, json: requestBody(i + 2) });
    ids.push(must(res, 201, 'create').id);
    create.push(res.ms);
  }
  for (const id of ids) {
    const res = await request('POST', `/api/requests/${id}/confirm-slot`, { token: st.token, json: { slot_start: slot.start, slot_end: slot.end } });
    must(res, 200, 'confirm-slot');
    confirm.push(res.ms);
  }
  create.sort((a, b) => a - b);
  confirm.sort((a, b) => a - b);
  const r = (x) => Math.round(x * 10) / 10;
  console.log(JSON.stringify({ n, create_p50: r(pct(create, 50)), create_p99: r(pct(create, 99)), confirm_p50: r(pct(confirm, 50)), confirm_p99: r(pct(confirm, 99)) }));
}

const cmd = process.argv[2];
(cmd === 'setup' ? setup() : cmd === 'writes' ? writes() : Promise.reject(new Error('usage: readpath.mjs setup|writes')))
  .then(() => agent.destroy())
  .catch((e) => {
    console.error(`readpath: ${e.message}`);
    process.exit(1);
  });
