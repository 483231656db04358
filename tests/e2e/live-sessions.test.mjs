// Live connections follow their session (issue 12 §2, §5), through the real nginx (2
// workers) + nchan 1.3.6 + API: after logout, password change or an admin disable, every
// WebSocket and EventSource of an ended session is closed within 5 s and gets nothing more,
// while the user's still-valid sessions keep receiving (after a reconnect where their
// connection was closed too); nginx workers survive (no channel-DELETE crash). And the
// one-use live ticket: POST /api/ws/ticket, ?ticket= accepted once, refused when reused,
// expired or unknown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';
import { EventSource } from 'eventsource';
import { BASE_URL, STACK, request, login, registerUser, publish, childPids, wsUrl } from './lib/stack.mjs';

const auth = (token) => ({ headers: { authorization: `Bearer ${token}` } });
const call = (method, path, token, json) => request(method, path, { ...auth(token), json });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const CLOSE_WITHIN_MS = 5000;

function nginxState() {
  const master = Number(readFileSync(`${STACK.STACK_DIR}/run/nginx.pid`, 'utf8').trim());
  return { master, workers: childPids(master) };
}
function nginxErrorLog() {
  let s = '';
  for (const f of ['nginx-error.log', 'nginx-stderr.log']) {
    try {
      s += readFileSync(`${STACK.STACK_DIR}/log/${f}`, 'utf8');
    } catch {
      /* not there */
    }
  }
  return s;
}
/** Asserts at the end of a test that no nginx worker died meanwhile. */
function watchNginx(t) {
  const before = nginxState();
  const logLen = nginxErrorLog().length;
  t.after(() => {
    const after = nginxState();
    assert.equal(after.master, before.master, 'the nginx master is the same');
    assert.deepEqual(after.workers, before.workers, 'the nginx workers are the same processes (none crashed)');
    const log = nginxErrorLog().slice(logLen);
    assert.doesNotMatch(log, /exited on signal|signal 11|signal 6|Assertion/, log);
  });
}

async function ticket(token) {
  const r = await call('POST', '/api/ws/ticket', token);
  assert.equal(r.status, 200, r.text);
  return r.json;
}

/** Opens a live WebSocket with ?token= or ?ticket=; records messages and the close. */
function openWs(query) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl(`/api/ws/notifications?${query}`), { handshakeTimeout: 5000 });
    ws.msgs = [];
    ws.closedAt = null;
    ws.on('message', (d) => ws.msgs.push(String(d)));
    ws.on('close', (code) => {
      ws.closedAt = Date.now();
      ws.closeCode = code;
    });
    ws.on('open', () => resolve(ws));
    ws.on('unexpected-response', (req, res) => {
      res.socket?.destroy();
      req.destroy();
      reject(new Error(`handshake refused: ${res.statusCode} ${res.headers['x-swmra-auth-error']}`));
    });
    ws.on('error', reject);
  });
}

/** fetch for EventSource that reads refusals to the end, so their connection goes back to the
 * pool (and is closed when idle) instead of keeping the test process alive. */
async function drainingFetch(url, init) {
  const r = await fetch(url, init);
  if (r.status !== 200) await r.arrayBuffer().catch(() => undefined);
  return r;
}

/** Opens a live EventSource (it reconnects by itself, with the same URL, as browsers do). */
function openEs(query) {
  return new Promise((resolve, reject) => {
    const es = new EventSource(`${BASE_URL}/api/ws/notifications?${query}`, { fetch: drainingFetch });
    es.msgs = [];
    es.endedAt = null;
    let opened = false;
    es.onmessage = (e) => es.msgs.push(e.data);
    es.onopen = () => {
      if (!opened) {
        opened = true;
        resolve(es);
      }
    };
    es.onerror = (e) => {
      if (!opened) {
        es.close();
        reject(new Error(`EventSource refused: ${e.code ?? ''} ${e.message ?? ''}`));
      } else if (es.endedAt === null) es.endedAt = Date.now();
    };
  });
}

/** Handshake answer of a refused WebSocket: { status, error, json } (or opened: true). */
function wsRefusal(query) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl(`/api/ws/notifications?${query}`), { handshakeTimeout: 5000 });
    ws.on('unexpected-response', (req, res) => {
      // Node 20's global agent would keep the socket after the refusal (and the test
      // process alive for nginx's keepalive_timeout): take it now, close it at the end
      const sock = res.socket;
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        let json;
        try {
          json = JSON.parse(Buffer.concat(chunks).toString());
        } catch {
          json = undefined;
        }
        resolve({ opened: false, status: res.statusCode, error: res.headers['x-swmra-auth-error'], json });
        sock?.destroy();
        req.destroy();
      });
    });
    ws.on('open', () => {
      ws.terminate();
      resolve({ opened: true });
    });
    ws.on('error', reject);
  });
}

async function until(pred, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (pred()) return true;
    await sleep(25);
  }
  return pred();
}

const hasMarker = (conn, marker) => conn.msgs.some((m) => m.includes(marker));
let markerN = 0;
/** Publishes a notification-shaped message to the user's channel (as notify does). */
async function notifyUser(userId) {
  markerN += 1;
  const marker = `live-${process.pid}-${Date.now()}-${markerN}`;
  const r = await publish(`user.${userId}`, { id: marker, title: marker, event: 'test' });
  assert.ok(r.status === 201 || r.status === 202, r.text);
  return marker;
}

/** Ended connections: closed within 5 s of `t0`, and an EventSource does not come back. */
async function assertEnded(t0, sockets, sources) {
  assert.ok(await until(() => sockets.every((w) => w.closedAt) && sources.every((e) => e.endedAt), CLOSE_WITHIN_MS),
    'every connection of the ended session is closed within 5 s');
  for (const w of sockets) assert.ok(w.closedAt - t0 <= CLOSE_WITHIN_MS, `closed after ${w.closedAt - t0} ms`);
  for (const e of sources) assert.ok(e.endedAt - t0 <= CLOSE_WITHIN_MS, `stream ended after ${e.endedAt - t0} ms`);
  // the EventSource retries with its URL by itself: the ended session is refused, so it stays closed
  assert.ok(await until(() => sources.every((e) => e.readyState === EventSource.CLOSED), 8000),
    'the EventSource of the ended session is refused when it retries');
}

async function secondSession(u) {
  const r = await login(u.body.email, u.body.password);
  assert.equal(r.status, 200, r.text);
  return r.json.access_token;
}

test('logout closes that session\'s WebSocket and EventSource within 5 s; the other session keeps receiving', async (t) => {
  watchNginx(t);
  const u = await registerUser();
  const tokenA = u.token;
  const tokenB = await secondSession(u);
  const wsA = await openWs(`token=${tokenA}`);
  const wsA2 = await openWs(`ticket=${(await ticket(tokenA)).ticket}`);
  const esA = await openEs(`ticket=${(await ticket(tokenA)).ticket}`);
  const wsB = await openWs(`ticket=${(await ticket(tokenB)).ticket}`);
  const esB = await openEs(`token=${tokenB}`);
  t.after(() => [wsA, wsA2, wsB].forEach((w) => w.terminate()) || [esA, esB].forEach((e) => e.close()));
  const first = await notifyUser(u.user.id);
  assert.ok(await until(() => [wsA, wsA2, esA, wsB, esB].every((c) => hasMarker(c, first)), 3000), 'all receive before');

  const t0 = Date.now();
  assert.equal((await call('POST', '/api/auth/logout', tokenA)).status, 204);
  await assertEnded(t0, [wsA, wsA2], [esA]);

  const next = await notifyUser(u.user.id);
  assert.ok(await until(() => hasMarker(wsB, next) && hasMarker(esB, next), 3000), 'the other session still receives');
  await sleep(300);
  for (const c of [wsA, wsA2, esA]) assert.ok(!hasMarker(c, next), 'the ended session gets nothing more');
  assert.equal(wsB.closedAt, null, 'the other session was not disturbed');
  const again = await wsRefusal(`token=${tokenA}`);
  assert.equal(again.status, 403);
});

test('password change closes the other sessions\' connections within 5 s; the changing session reconnects and receives', async (t) => {
  watchNginx(t);
  const u = await registerUser();
  const tokenA = u.token; // changes the password
  const tokenB = await secondSession(u); // ended by the change
  const wsA = await openWs(`ticket=${(await ticket(tokenA)).ticket}`);
  const wsB = await openWs(`token=${tokenB}`);
  const wsB2 = await openWs(`ticket=${(await ticket(tokenB)).ticket}`);
  const esB = await openEs(`ticket=${(await ticket(tokenB)).ticket}`);
  const conns = [wsA, wsB, wsB2];
  t.after(() => conns.forEach((w) => w.terminate()) || esB.close());

  const t0 = Date.now();
  const r = await call('POST', '/api/auth/password', tokenA, { current_password: u.body.password, new_password: 'N3w-Passw0rd!' });
  assert.equal(r.status, 204, r.text);
  await assertEnded(t0, [wsB, wsB2], [esB]);
  assert.equal((await call('GET', '/api/auth/me', tokenA)).status, 200, 'the changing session is still valid');

  // its own connection may have been closed with the old epoch: the app reconnects with a
  // new ticket (and catches up over REST); either way it receives the next notification
  let live = wsA;
  if (await until(() => wsA.closedAt, 1500)) {
    live = await openWs(`ticket=${(await ticket(tokenA)).ticket}`);
    conns.push(live);
  }
  const fresh = await secondSession({ body: { email: u.body.email, password: 'N3w-Passw0rd!' } });
  const wsC = await openWs(`ticket=${(await ticket(fresh)).ticket}`);
  conns.push(wsC);
  const next = await notifyUser(u.user.id);
  assert.ok(await until(() => hasMarker(live, next) && hasMarker(wsC, next), 3000), 'valid sessions receive');
  await sleep(300);
  for (const c of [wsB, wsB2, esB]) assert.ok(!hasMarker(c, next), 'the ended session gets nothing more');
  assert.equal((await wsRefusal(`token=${tokenB}`)).status, 403);
});

test('admin disable closes every live connection within 5 s; re-enable does not bring old tokens back', async (t) => {
  watchNginx(t);
  const adm = await login('admin@example.com', 'Passw0rd!');
  assert.equal(adm.status, 200, `seeded admin: ${adm.text}`);
  const admin = adm.json.access_token;
  const u = await registerUser();
  const tokenA = u.token;
  const tokenB = await secondSession(u);
  const wsA = await openWs(`token=${tokenA}`);
  const esA = await openEs(`token=${tokenA}`);
  const wsB = await openWs(`ticket=${(await ticket(tokenB)).ticket}`);
  const unusedTicket = (await ticket(tokenB)).ticket;
  const conns = [wsA, wsB];
  t.after(() => conns.forEach((w) => w.terminate()) || esA.close());

  const t0 = Date.now();
  const d = await call('PATCH', `/api/admin/users/${u.user.id}`, admin, { disabled: true });
  assert.equal(d.status, 200, d.text);
  await assertEnded(t0, [wsA, wsB], [esA]);
  const after = await notifyUser(u.user.id);
  await sleep(300);
  for (const c of [wsA, wsB, esA]) assert.ok(!hasMarker(c, after), 'nothing after the disable');

  const e = await call('PATCH', `/api/admin/users/${u.user.id}`, admin, { disabled: false });
  assert.equal(e.status, 200, e.text);
  for (const tok of [tokenA, tokenB]) {
    assert.equal((await call('GET', '/api/auth/me', tok)).status, 401, 'old tokens stay ended after re-enable');
    assert.equal((await wsRefusal(`token=${tok}`)).status, 403);
  }
  assert.equal((await wsRefusal(`ticket=${unusedTicket}`)).status, 403, 'a ticket of an ended session is refused');
  const fresh = await secondSession(u);
  const wsC = await openWs(`ticket=${(await ticket(fresh)).ticket}`);
  conns.push(wsC);
  const next = await notifyUser(u.user.id);
  assert.ok(await until(() => hasMarker(wsC, next), 3000), 'a new session after re-enable receives');
});

test('a session ending while others keep connecting and disconnecting: no crash, no dead subscription', async (t) => {
  watchNginx(t);
  const u = await registerUser();
  const keeper = await secondSession(u);
  for (let round = 0; round < 6; round++) {
    const tok = await secondSession(u);
    const ended = await Promise.all([openWs(`token=${tok}`), openWs(`ticket=${(await ticket(tok)).ticket}`)]);
    const kept = await openWs(`ticket=${(await ticket(keeper)).ticket}`);
    const t0 = Date.now();
    assert.equal((await call('POST', '/api/auth/logout', tok)).status, 204);
    assert.ok(await until(() => ended.every((w) => w.closedAt), CLOSE_WITHIN_MS), `round ${round}: closed`);
    assert.ok(ended.every((w) => w.closedAt - t0 <= CLOSE_WITHIN_MS));
    const m = await notifyUser(u.user.id);
    assert.ok(await until(() => hasMarker(kept, m), 3000), `round ${round}: the kept session receives`);
    assert.ok(!ended.some((w) => hasMarker(w, m)));
    kept.terminate();
  }
});

// ---------------------------------------------------------------- tickets

/** An HS256 JWT signed with the stack's secret (to give a session a short expiry). */
function signToken(claims) {
  const secret = STACK.JWT_SECRET || process.env.JWT_SECRET || 'dev-only-insecure-jwt-secret-change-me-0000';
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const head = b64({ alg: 'HS256', typ: 'JWT' });
  const body = b64(claims);
  return `${head}.${body}.${createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url')}`;
}

test('ws ticket: issued to a signed-in caller, opens WebSocket and EventSource once, reuse refused', async (t) => {
  watchNginx(t);
  const u = await registerUser();
  assert.equal((await request('POST', '/api/ws/ticket')).status, 401, 'no bearer token: 401');
  assert.equal((await call('POST', '/api/ws/ticket', 'not-a-token')).status, 401);
  const tk = await ticket(u.token);
  assert.match(tk.ticket, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(tk.expires_in, 30);
  assert.ok(!tk.ticket.includes(u.token));

  const ws = await openWs(`ticket=${encodeURIComponent(tk.ticket)}`);
  t.after(() => ws.terminate());
  const reuse = await wsRefusal(`ticket=${tk.ticket}`);
  assert.equal(reuse.status, 403);
  assert.equal(reuse.error, 'ticket_used');
  assert.deepEqual(reuse.json, { detail: 'Ticket already used', code: 4001 });

  const tk2 = await ticket(u.token);
  const es = await openEs(`ticket=${tk2.ticket}`);
  t.after(() => es.close());
  const m = await notifyUser(u.user.id);
  assert.ok(await until(() => hasMarker(ws, m) && hasMarker(es, m), 3000), 'ticket connections receive');
});

test('ws ticket: concurrent uses of one ticket open exactly one connection', async (t) => {
  watchNginx(t);
  const u = await registerUser();
  const tk = await ticket(u.token);
  const results = await Promise.all(Array.from({ length: 8 }, () => wsRefusal(`ticket=${tk.ticket}`)));
  assert.equal(results.filter((r) => r.opened).length, 1, JSON.stringify(results));
  for (const r of results.filter((x) => !x.opened)) assert.equal(r.error, 'ticket_used');
});

test('ws ticket: unknown, malformed and expired tickets are refused with 403 JSON code 4001', async (t) => {
  watchNginx(t);
  const u = await registerUser();
  for (const bad of ['A'.repeat(43), 'short', `${'x'.repeat(42)}%00`, '%27%22%3C']) {
    const r = await wsRefusal(`ticket=${bad}`);
    assert.equal(r.status, 403, bad);
    assert.equal(r.error, 'ticket_invalid', bad);
    assert.deepEqual(r.json, { detail: 'Invalid ticket', code: 4001 });
  }
  // a token of this session that expires in 2 s gets a ticket capped to its expiry
  const claims = JSON.parse(Buffer.from(u.token.split('.')[1], 'base64url').toString());
  const now = Math.floor(Date.now() / 1000);
  const short = signToken({ ...claims, exp: now + 2 });
  const tk = await ticket(short);
  assert.ok(tk.expires_in >= 1 && tk.expires_in <= 2, `expires_in ${tk.expires_in}`);
  await sleep(3100);
  const r = await wsRefusal(`ticket=${tk.ticket}`);
  assert.equal(r.status, 403);
  assert.equal(r.error, 'ticket_expired');
  assert.deepEqual(r.json, { detail: 'Ticket expired', code: 4001 });
});

// Refresh sessions (issue 16): a live connection belongs to its refresh session, not to the
// access token that opened it, so a renewed token keeps it, and ending the session — signing
// that device out from another one, or a replayed refresh token — closes it.
test('signing a session out, or replaying its refresh token, closes its live connections', async (t) => {
  watchNginx(t);
  const u = await registerUser();
  const cookieOf = (r) => /^swmra_refresh=([^;]*)/.exec([].concat(r.headers['set-cookie']).find((c) => c.startsWith('swmra_refresh=')))[1];
  const refresh = (c) => request('POST', '/api/auth/refresh', { headers: { cookie: `swmra_refresh=${c}` } });

  // device A is signed out from device B
  const a = await login(u.body.email, u.body.password);
  const b = await login(u.body.email, u.body.password);
  const wsA = await openWs(`ticket=${(await ticket(a.json.access_token)).ticket}`);
  const wsB = await openWs(`ticket=${(await ticket(b.json.access_token)).ticket}`);
  t.after(() => [wsA, wsB].forEach((w) => w.terminate()));
  // A renews its token: the connection opened with the old one stays
  const renewed = await refresh(cookieOf(a));
  assert.equal(renewed.status, 200, renewed.text);
  await sleep(300);
  assert.equal(wsA.closedAt, null, 'a renewed token keeps the live connection');
  const sid = JSON.parse(Buffer.from(a.json.access_token.split('.')[1], 'base64url').toString()).sid;
  const t0 = Date.now();
  const out = await call('DELETE', `/api/auth/sessions/${sid}`, b.json.access_token);
  assert.equal(out.status, 204, out.text);
  await assertEnded(t0, [wsA], []);
  assert.equal(wsB.closedAt, null, 'the other device stays connected');
  const marker = await notifyUser(u.user.id);
  assert.ok(await until(() => hasMarker(wsB, marker), CLOSE_WITHIN_MS), 'the other device still receives');

  // B's refresh token is replayed: its session ends, live connection included
  const next = await refresh(cookieOf(b));
  assert.equal(next.status, 200, next.text);
  const t1 = Date.now();
  const replay = await refresh(cookieOf(b));
  assert.equal(replay.status, 401, replay.text);
  await assertEnded(t1, [wsB], []);
});
