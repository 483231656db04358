// A small in-memory stand-in for the SWMRA API (docs/openapi.yaml, shared API.md), used to
// develop and check the web app in a real browser before or without the C stack:
//   node lib/mock-server.mjs [port]      (serves ../../frontend/dist with an SPA fallback)
// It follows the contract's paths, shapes, messages and lifecycle; it is NOT the product and
// the end-to-end suite targets the real stack by default (run.sh: E2E_MOCK=1 to use this).
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';

const DIST = fileURLToPath(new URL('../../../frontend/dist/', import.meta.url));
const PORT = Number(process.argv[2] || process.env.MOCK_PORT || 8099);
const ORIGIN = `http://127.0.0.1:${PORT}`;
const TZ_OFFSET_MIN = 330; // Asia/Kolkata
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; worker-src 'self'; manifest-src 'self'; media-src 'self' blob:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

const oid = () => randomBytes(12).toString('hex');
const now = () => new Date().toISOString();

// ------------------------------------------------------------------ state
const users = new Map(); // id -> user (with password)
const tokens = new Map(); // token -> user id
const requests = new Map();
const notifications = []; // newest last
const rewards = [];
const uploads = new Map(); // path -> {buf, type, owner}
const claims = new Map(); // `${start}|${class}` -> count
const subscribers = new Map(); // user id -> Set(send fn)
let templates = {
  timezone: 'Asia/Kolkata',
  slot_minutes: 60,
  capacity: { standard: 3, special: 2 },
  weekly: [0, 1, 2, 3, 4, 5, 6].map((weekday) => ({ weekday, start: '09:00', end: '21:00' })),
  closed_dates: [],
};
const overrides = [];

function addUser(name, email, phone, password, role) {
  const u = { id: oid(), name, email, phone, password, role, disabled: false, prefs: { email: true, sms: false, inapp: true }, created_at: now() };
  users.set(u.id, u);
  return u;
}
addUser('Sam Staff', 'staff@example.com', '+91 80 1234 5678', 'Passw0rd!', 'staff');
addUser('Ada Admin', 'admin@example.com', '+91 80 1234 5679', 'Passw0rd!', 'admin');

const pub = (u) => ({ id: u.id, name: u.name, email: u.email, phone: u.phone, role: u.role, disabled: u.disabled, prefs: u.prefs, created_at: u.created_at });

const TRANSITIONS = {
  draft: ['submitted'],
  submitted: ['pending_review', 'cancelled'],
  pending_review: ['scheduled', 'cancelled'],
  scheduled: ['enroute', 'cancelled'],
  enroute: ['onsite', 'failed'],
  onsite: ['collecting', 'failed'],
  collecting: ['collected', 'failed'],
  collected: ['handover'],
  handover: ['verification'],
  verification: ['completed'],
  completed: [],
  failed: ['scheduled', 'cancelled'],
  cancelled: [],
};
const TITLES = {
  submitted: 'Request submitted',
  scheduled: 'Pickup scheduled',
  enroute: 'Crew on the way',
  onsite: 'Crew has arrived',
  collecting: 'Collecting your waste',
  collected: 'Waste collected',
  handover: 'Handed over for processing',
  verification: 'Being verified',
  completed: 'Pickup completed',
  failed: 'Pickup could not be completed',
  cancelled: 'Request cancelled',
};

function notify(userId, event, title, body, meta) {
  const n = { id: oid(), user_id: userId, channel: 'inapp', event, title, body, meta, status: 'sent', read: false, created_at: now(), sent_at: now() };
  notifications.push(n);
  for (const send of subscribers.get(userId) ?? []) send(JSON.stringify(n));
}

// ------------------------------------------------------------------ slots
const pad = (n) => String(n).padStart(2, '0');
const capClass = (category) => (category === 'hazardous' || category === 'e-waste' ? 'special' : 'standard');
function slotsFor(date) {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(date))) return null;
  if (templates.closed_dates.includes(date)) return [];
  const [y, m, d] = date.split('-').map(Number);
  const weekday = new Date(Date.UTC(y, m - 1, d)).getUTCDay();
  const out = [];
  for (const w of templates.weekly.filter((x) => x.weekday === weekday)) {
    const [sh, sm] = w.start.split(':').map(Number);
    const [eh, em] = w.end.split(':').map(Number);
    for (let t = sh * 60 + sm; t + templates.slot_minutes <= eh * 60 + em; t += templates.slot_minutes) {
      const start = new Date(Date.UTC(y, m - 1, d, 0, t - TZ_OFFSET_MIN));
      const end = new Date(start.getTime() + templates.slot_minutes * 60000);
      out.push({ start: start.toISOString().replace('.000Z', 'Z'), end: end.toISOString().replace('.000Z', 'Z') });
    }
  }
  return out;
}
function capacityAt(start, cls) {
  let cap = templates.capacity[cls];
  const day = new Date(Date.parse(start) + TZ_OFFSET_MIN * 60000).toISOString().slice(0, 10);
  for (const o of overrides) {
    if (day >= o.from && day <= o.to && (!o.capacity_class || o.capacity_class === cls)) cap = o.closed ? 0 : o.capacity ?? cap;
  }
  return cap;
}
const booked = (start, cls) => claims.get(`${start}|${cls}`) ?? 0;

// ------------------------------------------------------------------ http helpers
function send(res, status, body, headers = {}) {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
  res.end(text);
}
const err = (res, status, detail) => send(res, status, { detail });
const v422 = (res, loc, msg) => send(res, 422, { detail: [{ loc: ['body', ...loc], msg, type: 'value_error' }] });

async function readBody(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  return Buffer.concat(chunks);
}
async function json(req) {
  const buf = await readBody(req);
  if (!buf.length) return {};
  try {
    return JSON.parse(buf.toString('utf8'));
  } catch {
    return undefined;
  }
}
function auth(req, res) {
  const h = req.headers.authorization || '';
  if (!h.startsWith('Bearer ')) {
    err(res, 401, 'Missing token');
    return null;
  }
  const uid = tokens.get(h.slice(7));
  const u = uid && users.get(uid);
  if (!u || u.disabled) {
    err(res, 401, 'Invalid token');
    return null;
  }
  return u;
}
function issue(res, u, status) {
  const t = randomBytes(24).toString('base64url');
  tokens.set(t, u.id);
  send(res, status, { access_token: t, token_type: 'bearer', user: pub(u) });
}
function page(items, q) {
  const skip = Math.max(0, Number(q.get('skip') || 0));
  const limit = Math.min(100, Math.max(1, Number(q.get('limit') || 20)));
  return { items: items.slice(skip, skip + limit), total: items.length, skip, limit };
}
function event(r, byId, data, type = 'STATUS_CHANGE') {
  const who = users.get(byId);
  r.events.push({ type, at: now(), by: byId, by_role: who?.role ?? 'system', data: { from: null, to: null, reason: null, note: null, ...data } });
  r.updated_at = now();
}
function citizenView(r) {
  const { allowed_transitions: _a, ...rest } = r;
  return rest;
}

// ------------------------------------------------------------------ routes
const routes = [];
const route = (method, pattern, fn) => routes.push({ method, re: new RegExp(`^${pattern.replace(/:(\w+)/g, '(?<$1>[^/]+)')}$`), fn });

route('GET', '/api/health', (req, res) => send(res, 200, { status: 'ok' }));

route('POST', '/api/auth/register', async (req, res) => {
  const b = await json(req);
  if (!b) return err(res, 400, 'Malformed JSON');
  const email = String(b.email ?? '').trim().toLowerCase();
  if (!String(b.name ?? '').trim()) return v422(res, ['name'], 'Field required');
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) return v422(res, ['email'], 'value is not a valid email address');
  if (!/^[0-9 +\-()]{7,20}$/.test(String(b.phone ?? ''))) return v422(res, ['phone'], 'Phone must be 7-20 digits');
  if (String(b.password ?? '').length < 8) return v422(res, ['password'], 'String should have at least 8 characters');
  if ([...users.values()].some((u) => u.email === email)) return err(res, 409, 'Email already exists');
  issue(res, addUser(b.name.trim(), email, b.phone.trim(), b.password, 'citizen'), 201);
});
route('POST', '/api/auth/login', async (req, res) => {
  const b = (await json(req)) ?? {};
  const u = [...users.values()].find((x) => x.email === String(b.email ?? '').trim().toLowerCase());
  if (!u || u.password !== b.password || u.disabled) return err(res, 401, 'Invalid credentials');
  issue(res, u, 200);
});
route('GET', '/api/auth/me', (req, res, u) => send(res, 200, pub(u)));
route('PATCH', '/api/auth/me', async (req, res, u) => {
  const b = (await json(req)) ?? {};
  if (b.name !== undefined) u.name = String(b.name);
  if (b.phone !== undefined) u.phone = String(b.phone);
  if (b.prefs) u.prefs = { ...u.prefs, ...b.prefs };
  send(res, 200, pub(u));
});
route('POST', '/api/auth/password', async (req, res, u) => {
  const b = (await json(req)) ?? {};
  if (b.current_password !== u.password) return v422(res, ['current_password'], 'Current password is incorrect');
  if (String(b.new_password ?? '').length < 8) return v422(res, ['new_password'], 'String should have at least 8 characters');
  u.password = b.new_password;
  res.writeHead(204);
  res.end();
});
route('POST', '/api/auth/logout', (req, res) => {
  tokens.delete((req.headers.authorization || '').slice(7));
  send(res, 200, { detail: 'Logged out' });
});

route('POST', '/api/files/upload', async (req, res, u) => {
  const buf = await readBody(req);
  const ct = req.headers['content-type'] || '';
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(ct);
  if (!boundary) return v422(res, ['file'], 'Field required');
  const b = `--${boundary[1] || boundary[2]}`;
  const start = buf.indexOf('\r\n\r\n', buf.indexOf('name="file"'));
  if (start < 0) return v422(res, ['file'], 'Field required');
  const end = buf.indexOf(`\r\n${b}`, start);
  const file = buf.subarray(start + 4, end);
  let type = null;
  if (file[0] === 0xff && file[1] === 0xd8) type = ['jpg', 'image/jpeg'];
  else if (file.subarray(0, 4).toString('latin1') === '\x89PNG') type = ['png', 'image/png'];
  else if (file.subarray(8, 12).toString('latin1') === 'WEBP') type = ['webp', 'image/webp'];
  if (!type) return err(res, 415, 'Unsupported file type (JPEG, PNG or WebP only)');
  if (file.length > 10 * 1024 * 1024) return err(res, 413, 'File too large');
  const d = new Date();
  const path = `${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${randomBytes(8).toString('hex')}.${type[0]}`;
  uploads.set(path, { buf: file, type: type[1], owner: u.id });
  send(res, 201, { url: `${ORIGIN}/uploads/${path}`, path });
});

route('GET', '/api/slots/available', (req, res, u, q) => {
  const list = slotsFor(q.get('date') || '');
  if (!list) return err(res, 400, 'Invalid date format');
  const cls = capClass(q.get('category'));
  send(
    res,
    200,
    list
      .filter((s) => Date.parse(s.start) > Date.now())
      .map((s) => ({ ...s, capacity: capacityAt(s.start, cls), remaining: capacityAt(s.start, cls) - booked(s.start, cls) }))
      .filter((s) => s.remaining > 0),
  );
});

function claim(r, start, end) {
  const cls = capClass(r.category);
  const valid = (slotsFor(start.slice(0, 10)) ?? []).concat(slotsFor(new Date(Date.parse(start) + 86400000).toISOString().slice(0, 10)) ?? []);
  const slot = valid.find((s) => Date.parse(s.start) === Date.parse(start) && Date.parse(s.end) === Date.parse(end));
  if (!slot || Date.parse(slot.start) <= Date.now()) return 'Slot not offered';
  if (booked(slot.start, cls) >= capacityAt(slot.start, cls)) return 'Slot is full';
  claims.set(`${slot.start}|${cls}`, booked(slot.start, cls) + 1);
  if (r.assigned_slot) claims.set(`${r.assigned_slot.start}|${cls}`, Math.max(0, booked(r.assigned_slot.start, cls) - 1));
  r.assigned_slot = { start: slot.start, end: slot.end };
  return null;
}

route('POST', '/api/requests', async (req, res, u) => {
  const b = await json(req);
  if (!b) return err(res, 400, 'Malformed JSON');
  const cats = ['organic', 'recyclable', 'hazardous', 'e-waste', 'bulk', 'other'];
  if (!cats.includes(b.category)) return v422(res, ['category'], 'Input should be a valid category');
  const desc = String(b.description ?? '');
  if (desc.length < 5 || desc.length > 1000) return v422(res, ['description'], 'String should have 5 to 1000 characters');
  if (!(b.quantity > 0 && b.quantity <= 100)) return v422(res, ['quantity'], 'Input should be greater than 0');
  const a = b.address ?? {};
  if (String(a.line1 ?? '').length < 3) return v422(res, ['address', 'line1'], 'String should have at least 3 characters');
  if (String(a.city ?? '').length < 2) return v422(res, ['address', 'city'], 'String should have at least 2 characters');
  if (String(a.pincode ?? '').length < 4 || String(a.pincode).length > 10) return v422(res, ['address', 'pincode'], 'String should have 4 to 10 characters');
  for (const p of b.photos ?? []) {
    const path = String(p).replace(/^.*\/uploads\//, '');
    if (uploads.get(path)?.owner !== u.id) return v422(res, ['photos'], 'Photo is not one of your uploads');
  }
  const r = {
    id: oid(),
    user_id: u.id,
    category: b.category,
    is_special: !!b.is_special,
    description: desc,
    quantity: b.quantity,
    photos: b.photos ?? [],
    address: { line1: a.line1, line2: a.line2 ?? null, city: a.city, pincode: a.pincode, lat: a.lat ?? null, lng: a.lng ?? null },
    preferred_slots: b.preferred_slots ?? [],
    assigned_slot: null,
    status: 'submitted',
    events: [],
    reward_points: 0,
    created_at: now(),
    updated_at: now(),
  };
  event(r, u.id, { from: null, to: 'submitted' });
  requests.set(r.id, r);
  notify(u.id, 'request.submitted', 'Request submitted', 'We received your pickup request', { request_id: r.id });
  send(res, 201, citizenView(r));
});
route('GET', '/api/requests', (req, res, u, q) => {
  const status = q.get('status');
  if (status && !TRANSITIONS[status]) return send(res, 422, { detail: [{ loc: ['query', 'status'], msg: 'Invalid status', type: 'enum' }] });
  const items = [...requests.values()]
    .filter((r) => r.user_id === u.id && (!status || r.status === status) && (!q.get('category') || r.category === q.get('category')))
    .sort((a, b) => b.created_at.localeCompare(a.created_at))
    .map(citizenView);
  send(res, 200, page(items, q));
});
const own = (res, u, id) => {
  const r = requests.get(id);
  if (!r || r.user_id !== u.id) {
    err(res, 404, 'Request not found');
    return null;
  }
  return r;
};
route('GET', '/api/requests/:id', (req, res, u, q, p) => {
  const r = own(res, u, p.id);
  if (r) send(res, 200, citizenView(r));
});
route('POST', '/api/requests/:id/cancel', async (req, res, u, q, p) => {
  const r = own(res, u, p.id);
  if (!r) return;
  const b = (await json(req)) ?? {};
  if (!['draft', 'submitted', 'pending_review', 'scheduled'].includes(r.status)) return err(res, 400, 'Cannot cancel in current status');
  if (r.assigned_slot && Date.parse(r.assigned_slot.start) - Date.now() < 24 * 3600000) return err(res, 400, 'Too late to cancel (<24h)');
  if (r.assigned_slot) {
    const k = `${r.assigned_slot.start}|${capClass(r.category)}`;
    claims.set(k, Math.max(0, (claims.get(k) ?? 1) - 1));
  }
  const from = r.status;
  r.status = 'cancelled';
  event(r, u.id, { from, to: 'cancelled', reason: b.reason ?? null });
  notify(u.id, 'request.cancelled', 'Request cancelled', 'Your pickup request was cancelled', { request_id: r.id });
  send(res, 200, citizenView(r));
});
route('POST', '/api/requests/:id/confirm-slot', async (req, res, u, q, p) => {
  const r = own(res, u, p.id);
  if (!r) return;
  const b = (await json(req)) ?? {};
  if (!['submitted', 'pending_review', 'scheduled'].includes(r.status)) return err(res, 409, 'Cannot schedule in current status');
  if (r.status === 'scheduled' && r.assigned_slot && Date.parse(r.assigned_slot.start) - Date.now() < 24 * 3600000) return err(res, 400, 'Too late to reschedule (<24h)');
  const problem = claim(r, String(b.slot_start ?? ''), String(b.slot_end ?? ''));
  if (problem) return err(res, 409, problem);
  const from = r.status;
  r.status = 'scheduled';
  event(r, u.id, { from, to: 'scheduled' });
  notify(u.id, from === 'scheduled' ? 'request.rescheduled' : 'request.scheduled', from === 'scheduled' ? 'Pickup rescheduled' : 'Pickup scheduled', 'Your slot is confirmed', { request_id: r.id });
  send(res, 200, citizenView(r));
});

route('GET', '/api/notifications', (req, res, u, q) => {
  const limit = Math.min(100, Math.max(1, Number(q.get('limit') || 50)));
  let list = notifications.filter((n) => n.user_id === u.id).reverse();
  if (q.get('unread') === 'true') list = list.filter((n) => !n.read);
  send(res, 200, list.slice(0, limit));
});
route('GET', '/api/notifications/unread-count', (req, res, u) => send(res, 200, { unread: notifications.filter((n) => n.user_id === u.id && !n.read).length }));
// one-use live tickets (POST /api/ws/ticket, then /api/ws/notifications?ticket=)
const wsTickets = new Map(); // ticket -> user id
route('POST', '/api/ws/ticket', (req, res, u) => {
  const t = randomBytes(32).toString('base64url');
  wsTickets.set(t, u.id);
  send(res, 200, { ticket: t, expires_in: 30 });
});
route('POST', '/api/notifications/read-all', (req, res, u) => {
  notifications.filter((n) => n.user_id === u.id).forEach((n) => (n.read = true));
  send(res, 200, { detail: 'ok' });
});
route('POST', '/api/notifications/:id/read', (req, res, u, q, p) => {
  const n = notifications.find((x) => x.id === p.id && x.user_id === u.id);
  if (!n) return err(res, 404, 'Notification not found');
  n.read = true;
  send(res, 200, n);
});

route('GET', '/api/rewards/summary', (req, res, u) => {
  const mine = rewards.filter((r) => r.user_id === u.id);
  send(res, 200, { total_points: mine.reduce((a, r) => a + r.points, 0), recent: mine.slice(-10).reverse().map(({ user_id: _u, ...r }) => r) });
});

// staff
const staffOnly = (u, res) => {
  if (u.role !== 'staff' && u.role !== 'admin') {
    err(res, 403, 'Forbidden');
    return false;
  }
  return true;
};
const staffView = (r) => ({ ...r, allowed_transitions: TRANSITIONS[r.status] });
route('GET', '/api/staff/requests', (req, res, u, q) => {
  if (!staffOnly(u, res)) return;
  const s = (q.get('q') || '').toLowerCase();
  const items = [...requests.values()]
    .filter((r) => (!q.get('status') || r.status === q.get('status')) && (!q.get('category') || r.category === q.get('category')))
    .filter((r) => !q.get('date') || (r.assigned_slot && new Date(Date.parse(r.assigned_slot.start) + TZ_OFFSET_MIN * 60000).toISOString().slice(0, 10) === q.get('date')))
    .filter((r) => !s || [r.id, r.description, r.address.line1, r.address.city, r.address.pincode].join(' ').toLowerCase().includes(s))
    .sort((a, b) => b.created_at.localeCompare(a.created_at));
  send(res, 200, page(items, q));
});
route('GET', '/api/staff/requests/:id', (req, res, u, q, p) => {
  if (!staffOnly(u, res)) return;
  const r = requests.get(p.id);
  if (!r) return err(res, 404, 'Request not found');
  send(res, 200, staffView(r));
});
route('POST', '/api/staff/requests/:id/transition', async (req, res, u, q, p) => {
  if (!staffOnly(u, res)) return;
  const r = requests.get(p.id);
  if (!r) return err(res, 404, 'Request not found');
  const b = (await json(req)) ?? {};
  if (!(TRANSITIONS[r.status] ?? []).includes(b.to)) return send(res, 409, { detail: `Invalid transition from ${r.status} to ${b.to}`, allowed: TRANSITIONS[r.status] });
  if (b.to === 'scheduled' && (b.slot_start || r.status === 'failed' || !r.assigned_slot)) {
    if (!b.slot_start) return v422(res, ['slot_start'], 'A slot is needed to schedule');
    const problem = claim(r, b.slot_start, b.slot_end);
    if (problem) return err(res, 409, problem);
  }
  const from = r.status;
  r.status = b.to;
  event(r, u.id, { from, to: b.to, note: b.note ?? null });
  if (b.to === 'completed') {
    const pts = { recyclable: 5, 'e-waste': 10, hazardous: 10 }[r.category] ?? 0;
    if (pts && !rewards.some((x) => x.request_id === r.id)) {
      rewards.push({ id: oid(), user_id: r.user_id, points: pts, reason: `Completed ${r.category} pickup`, request_id: r.id, created_at: now() });
      r.reward_points += pts;
    }
    notify(r.user_id, 'request.completed', TITLES.completed, pts ? `Thank you! You earned ${pts} points.` : 'Thank you for recycling.', { request_id: r.id, points: pts });
  } else if (TITLES[b.to]) {
    notify(r.user_id, `request.${b.to}`, TITLES[b.to], b.note || `Your pickup is now ${b.to}`, { request_id: r.id });
  }
  send(res, 200, staffView(r));
});
route('POST', '/api/staff/requests/:id/notes', async (req, res, u, q, p) => {
  if (!staffOnly(u, res)) return;
  const r = requests.get(p.id);
  if (!r) return err(res, 404, 'Request not found');
  const b = (await json(req)) ?? {};
  if (!String(b.note ?? '').trim()) return v422(res, ['note'], 'Field required');
  event(r, u.id, { note: b.note }, 'NOTE');
  send(res, 201, staffView(r));
});
route('GET', '/api/staff/slots', (req, res, u, q) => {
  if (!staffOnly(u, res)) return;
  const list = slotsFor(q.get('date') || '');
  if (!list) return err(res, 400, 'Invalid date format');
  const out = [];
  for (const s of list) {
    for (const cls of ['standard', 'special']) {
      const reqs = [...requests.values()].filter((r) => r.assigned_slot?.start === s.start && capClass(r.category) === cls && r.status !== 'cancelled');
      out.push({ ...s, capacity_class: cls, capacity: capacityAt(s.start, cls), booked: reqs.length, requests: reqs.map((r) => ({ id: r.id, category: r.category, status: r.status })) });
    }
  }
  send(res, 200, out);
});

// admin
const adminOnly = (u, res) => {
  if (u.role !== 'admin') {
    err(res, 403, 'Forbidden');
    return false;
  }
  return true;
};
route('GET', '/api/admin/users', (req, res, u, q) => {
  if (!adminOnly(u, res)) return;
  const s = (q.get('q') || '').toLowerCase();
  send(res, 200, page([...users.values()].filter((x) => !s || `${x.name} ${x.email}`.toLowerCase().includes(s)).map(pub), q));
});
route('PATCH', '/api/admin/users/:id', async (req, res, u, q, p) => {
  if (!adminOnly(u, res)) return;
  const t = users.get(p.id);
  if (!t) return err(res, 404, 'User not found');
  const b = (await json(req)) ?? {};
  if (b.role !== undefined) {
    if (!['citizen', 'staff', 'admin'].includes(b.role)) return v422(res, ['role'], 'Invalid role');
    t.role = b.role;
  }
  if (b.disabled !== undefined) t.disabled = !!b.disabled;
  send(res, 200, pub(t));
});
route('GET', '/api/admin/slot-templates', (req, res, u) => adminOnly(u, res) && send(res, 200, templates));
route('PUT', '/api/admin/slot-templates', async (req, res, u) => {
  if (!adminOnly(u, res)) return;
  const b = await json(req);
  if (!b || !Array.isArray(b.weekly)) return v422(res, ['weekly'], 'Field required');
  for (const [i, w] of b.weekly.entries()) if (!(w.start < w.end)) return v422(res, ['weekly', i, 'end'], 'end must be after start');
  templates = b;
  send(res, 200, templates);
});
route('GET', '/api/admin/slot-overrides', (req, res, u) => adminOnly(u, res) && send(res, 200, overrides));
route('POST', '/api/admin/slot-overrides', async (req, res, u) => {
  if (!adminOnly(u, res)) return;
  const b = (await json(req)) ?? {};
  const date = /^\d{4}-\d{2}-\d{2}$/;
  if (!date.test(b.from ?? '')) return v422(res, ['from'], 'Invalid date');
  if (!date.test(b.to ?? '') || b.to < b.from) return v422(res, ['to'], 'to must not be before from');
  if (!b.closed && typeof b.capacity !== 'number') return v422(res, ['capacity'], 'capacity or closed is required');
  const o = { id: oid(), from: b.from, to: b.to, capacity_class: b.capacity_class ?? null, capacity: b.capacity ?? null, closed: !!b.closed, created_at: now() };
  overrides.push(o);
  send(res, 201, o);
});
route('DELETE', '/api/admin/slot-overrides/:id', (req, res, u, q, p) => {
  if (!adminOnly(u, res)) return;
  const i = overrides.findIndex((o) => o.id === p.id);
  if (i < 0) return err(res, 404, 'Override not found');
  overrides.splice(i, 1);
  res.writeHead(204);
  res.end();
});

// ------------------------------------------------------------------ server
const PUBLIC_ROUTES = new Set(['/api/health', '/api/auth/register', '/api/auth/login']);
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.png': 'image/png', '.webmanifest': 'application/manifest+json', '.json': 'application/json', '.svg': 'image/svg+xml' };

async function serveStatic(req, res, path) {
  let file = normalize(join(DIST, decodeURIComponent(path)));
  if (!file.startsWith(DIST)) file = join(DIST, 'index.html');
  try {
    if (!(await stat(file)).isFile()) throw new Error('dir');
  } catch {
    if (path.startsWith('/assets/')) return err(res, 404, 'Not Found');
    file = join(DIST, 'index.html');
  }
  const body = await readFile(file);
  res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Content-Security-Policy': CSP, 'X-Content-Type-Options': 'nosniff' });
  res.end(body);
}

function sse(req, res, u) {
  res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive' });
  res.write(': hi\n\n');
  const fn = (data) => res.write(`data: ${data}\n\n`);
  if (!subscribers.has(u.id)) subscribers.set(u.id, new Set());
  subscribers.get(u.id).add(fn);
  const ping = setInterval(() => res.write(': ping\n\n'), 15000);
  req.on('close', () => {
    clearInterval(ping);
    subscribers.get(u.id)?.delete(fn);
  });
}

/** The user of a live-channel URL: ?ticket= (used up here) or ?token=. */
function liveUser(url) {
  const ticket = url.searchParams.get('ticket');
  if (ticket) {
    const id = wsTickets.get(ticket);
    wsTickets.delete(ticket);
    return id ? users.get(id) : undefined;
  }
  return users.get(tokens.get(url.searchParams.get('token') ?? ''));
}

const server = createServer(async (req, res) => {
  try {
    const url = new URL(req.url, ORIGIN);
    const path = url.pathname;
    if (path.startsWith('/uploads/')) {
      const f = uploads.get(path.slice('/uploads/'.length));
      if (!f) return err(res, 404, 'Not Found');
      res.writeHead(200, { 'Content-Type': f.type, 'X-Content-Type-Options': 'nosniff' });
      return res.end(f.buf);
    }
    if (!path.startsWith('/api/')) return serveStatic(req, res, path);
    if (path === '/api/ws/notifications') {
      const u = liveUser(url);
      if (!u) return send(res, 403, { error: 'token_invalid', code: 4001 });
      return sse(req, res, u);
    }
    for (const r of routes) {
      const m = r.re.exec(path);
      if (!m) continue;
      if (r.method !== req.method) continue;
      let u = null;
      if (!PUBLIC_ROUTES.has(path)) {
        u = auth(req, res);
        if (!u) return;
      }
      return await r.fn(req, res, u, url.searchParams, m.groups ?? {});
    }
    if (routes.some((r) => r.re.test(path))) return err(res, 405, 'Method Not Allowed');
    err(res, 404, 'Not Found');
  } catch (e) {
    console.error(e);
    if (!res.headersSent) err(res, 500, 'Internal error');
  }
});

const wss = new WebSocketServer({ noServer: true });
server.on('upgrade', (req, socket, head) => {
  const url = new URL(req.url, ORIGIN);
  const u = url.pathname === '/api/ws/notifications' && liveUser(url);
  if (!u || process.env.MOCK_NO_WS === '1') {
    socket.end('HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n{"error":"token_invalid","code":4001}');
    return;
  }
  wss.handleUpgrade(req, socket, head, (ws) => {
    const fn = (data) => ws.send(data);
    if (!subscribers.has(u.id)) subscribers.set(u.id, new Set());
    subscribers.get(u.id).add(fn);
    ws.on('close', () => subscribers.get(u.id)?.delete(fn));
  });
});

server.listen(PORT, '127.0.0.1', () => console.log(`mock SWMRA API + SPA on ${ORIGIN}`));
const stop = () => {
  wss.clients.forEach((c) => c.terminate());
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 500).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
