// Notifications end to end through nginx: an event triggered through the API (a new pickup
// request) reaches the resident's live channel (WebSocket and EventSource, via nginx
// auth_request → /api/internal/ws-auth → nchan) within a second, and nobody else's; missing,
// bad and expired tokens are refused before the upgrade with 403 JSON code 4001; after a
// reconnect the REST list catches up, with read state; the dispatcher job delivers the
// email to the stack's SMTP sink (a Maildir), exactly once even with two jobs racing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import WebSocket from 'ws';
import { EventSource } from 'eventsource';
import { REPO, STACK, BASE_URL, request, get, wsUrl, registerUser } from './lib/stack.mjs';

const run = promisify(execFile);
const auth = (token) => ({ headers: { authorization: `Bearer ${token}` } });
const call = (method, path, token, json) => request(method, path, { ...auth(token), json });

const requestBody = {
  category: 'recyclable',
  description: 'Three bags of bottles and cans',
  quantity: 3,
  address: { line1: '12 MG Road', city: 'Pune', pincode: '411001' },
};

/** An HS256 JWT signed with the stack's secret (for an expired-but-genuine token). */
function signToken(claims) {
  const secret = STACK.JWT_SECRET || process.env.JWT_SECRET || 'dev-only-insecure-jwt-secret-change-me-0000';
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const head = b64({ alg: 'HS256', typ: 'JWT' });
  const body = b64(claims);
  const sig = createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${sig}`;
}

/** Opens a websocket: { opened: true, ws } or, refused, { opened: false, status, headers, json }. */
function wsOpen(path) {
  return new Promise((resolvePromise, reject) => {
    const ws = new WebSocket(wsUrl(path), { handshakeTimeout: 5000 });
    ws.on('unexpected-response', (req, res) => {
      // Node 20's global agent keeps the socket alive after the refusal (nginx would hold it
      // for keepalive_timeout and keep the test process alive): close it.
      const sock = res.socket;
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        let json;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolvePromise({ opened: false, status: res.statusCode, headers: res.headers, json, text });
        sock?.destroy();
        req.destroy();
      });
    });
    ws.on('open', () => resolvePromise({ opened: true, ws }));
    ws.on('error', reject);
  });
}

/** Next message on a websocket matching pred, or a rejection after ms. */
function nextWsMessage(ws, pred, ms) {
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      ws.off('message', onMsg);
      reject(new Error(`no matching message within ${ms} ms`));
    }, ms);
    function onMsg(data) {
      let m;
      try {
        m = JSON.parse(data.toString());
      } catch {
        return;
      }
      if (!pred(m)) return;
      clearTimeout(timer);
      ws.off('message', onMsg);
      resolvePromise(m);
    }
    ws.on('message', onMsg);
  });
}

async function resident(t) {
  const u = await registerUser();
  if (!u) t.skip('POST /api/auth/register is not implemented yet (404)');
  return u;
}

function maildirMessages() {
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

function jobBinary(name) {
  const build = process.env.SWMRA_BUILD_DIR || STACK.SWMRA_BUILD_DIR || REPO;
  const bin = resolve(build, `cron/swmra-job-${name}`);
  return existsSync(bin) ? bin : null;
}

test('missing, bad and expired tokens are refused before the upgrade: 403 JSON code 4001', async (t) => {
  const u = await resident(t);
  if (!u) return;
  const now = Math.floor(Date.now() / 1000);
  const expired = signToken({
    sub: u.user.id, role: 'citizen', jti: randomBytes(16).toString('hex'),
    iss: STACK.JWT_ISSUER || 'swmra', iat: now - 7200, exp: now - 3600,
  });
  const forged = signToken({
    sub: u.user.id, role: 'citizen', jti: randomBytes(16).toString('hex'),
    iss: STACK.JWT_ISSUER || 'swmra', iat: now, exp: now + 3600,
  }).replace(/\.[^.]+$/, '.' + Buffer.from('x'.repeat(32)).toString('base64url'));
  const cases = [
    ['', 'token_missing'],
    ['?token=', 'token_missing'],
    ['?token=not.a.jwt', 'token_invalid'],
    [`?token=${forged}`, 'token_invalid'],
    [`?token=${expired}`, 'token_expired'],
  ];
  for (const [query, code] of cases) {
    const r = await wsOpen(`/api/ws/notifications${query}`);
    assert.equal(r.opened, false, `${code}: the upgrade must be refused`);
    assert.equal(r.status, 403, `${code}: ${r.text}`);
    assert.match(r.headers['content-type'], /^application\/json/);
    assert.equal(r.headers['x-swmra-auth-error'], code);
    assert.equal(r.json.code, 4001, r.text);
    assert.equal(typeof r.json.detail, 'string');
    // EventSource gets the same answer
    const es = await get(`/api/ws/notifications${query}`, { headers: { accept: 'text/event-stream' } });
    assert.equal(es.status, 403, es.text);
    assert.equal(es.json.code, 4001);
    assert.equal(es.headers['x-swmra-auth-error'], code);
  }
});

test('an event triggered through the API arrives live within a second (WebSocket and EventSource), only for its owner', async (t) => {
  const u = await resident(t);
  if (!u) return;
  const other = await registerUser();
  const token = encodeURIComponent(u.token);

  const r = await wsOpen(`/api/ws/notifications?token=${token}`);
  assert.equal(r.opened, true, `websocket refused: ${r.status} ${r.text}`);
  const ws = r.ws;
  t.after(() => ws.terminate());
  const o = await wsOpen(`/api/ws/notifications?token=${encodeURIComponent(other.token)}`);
  assert.equal(o.opened, true);
  t.after(() => o.ws.terminate());
  const leaked = [];
  o.ws.on('message', (d) => leaked.push(d.toString()));

  const es = new EventSource(`${BASE_URL}/api/ws/notifications?token=${token}`);
  t.after(() => es.close());
  await new Promise((resolvePromise, reject) => {
    es.onopen = resolvePromise;
    es.onerror = (e) => reject(new Error(`EventSource error ${e.code ?? ''} ${e.message ?? ''}`));
  });
  const sse = new Promise((resolvePromise) => {
    es.onmessage = (ev) => {
      const m = JSON.parse(ev.data);
      if (m.event === 'submitted') resolvePromise({ m, at: Date.now() });
    };
  });

  const wsGot = nextWsMessage(ws, (m) => m.event === 'submitted', 1000).then((m) => ({ m, at: Date.now() }));
  const t0 = Date.now();
  const created = await call('POST', '/api/requests', u.token, requestBody);
  assert.equal(created.status, 201, created.text);
  const a = await wsGot;
  const b = await Promise.race([sse, new Promise((_, rej) => setTimeout(() => rej(new Error('no SSE message within 1 s')), 1000))]);
  assert.ok(a.at - t0 <= 1000, `websocket delivery took ${a.at - t0} ms`);
  assert.ok(b.at - t0 <= 1000, `EventSource delivery took ${b.at - t0} ms`);
  for (const m of [a.m, b.m]) {
    assert.equal(m.user_id, u.user.id);
    assert.equal(m.channel, 'inapp');
    assert.equal(m.status, 'sent');
    assert.equal(m.read, false);
    assert.equal(m.title, 'Pickup request submitted');
    assert.equal(m.meta.request_id, created.json.id);
    assert.match(m.created_at, /Z$/);
  }
  await new Promise((r2) => setTimeout(r2, 200));
  assert.deepEqual(leaked, [], 'another user received the message');
});

test('after a reconnect the REST list catches up; read state and counts', async (t) => {
  const u = await resident(t);
  if (!u) return;
  for (let i = 0; i < 3; i++) {
    const c = await call('POST', '/api/requests', u.token, requestBody);
    assert.equal(c.status, 201, c.text);
  }
  const list = await call('GET', '/api/notifications?limit=50', u.token);
  assert.equal(list.status, 200, list.text);
  assert.ok(Array.isArray(list.json));
  assert.equal(list.json.length, 3);
  assert.ok(list.json.every((n) => n.channel === 'inapp' && n.user_id === u.user.id));
  assert.deepEqual(Object.keys(list.json[0]).sort(),
    ['body', 'channel', 'created_at', 'event', 'id', 'meta', 'read', 'sent_at', 'status', 'title', 'user_id']);
  const page = await call('GET', `/api/notifications?limit=2&before=${list.json[0].id}`, u.token);
  assert.deepEqual(page.json.map((n) => n.id), list.json.slice(1, 3).map((n) => n.id));
  assert.equal((await call('GET', '/api/notifications?before=nope', u.token)).status, 422);
  assert.equal((await call('GET', '/api/notifications?limit=101', u.token)).status, 422);
  assert.deepEqual((await call('GET', '/api/notifications/unread-count', u.token)).json, { unread: 3 });
  const rd = await call('POST', `/api/notifications/${list.json[2].id}/read`, u.token);
  assert.equal(rd.status, 200, rd.text);
  assert.equal(rd.json.read, true);
  const other = await registerUser();
  assert.equal((await call('POST', `/api/notifications/${list.json[1].id}/read`, other.token)).status, 404);
  assert.equal((await call('GET', '/api/notifications?unread=true', u.token)).json.length, 2);
  assert.deepEqual((await call('POST', '/api/notifications/read-all', u.token)).json, { updated: 2 });
  assert.deepEqual((await call('GET', '/api/notifications/unread-count', u.token)).json, { unread: 0 });
  assert.equal((await get('/api/notifications')).status, 401);
});

test('the dispatcher job delivers the email to the SMTP sink once, even with two jobs racing', async (t) => {
  const bin = jobBinary('dispatch');
  if (!bin) return t.skip('cron/swmra-job-dispatch is not built');
  if (!maildirMessages()) return t.skip('the stack has no SMTP sink Maildir (SWMRA_MAILDIR)');
  const u = await resident(t);
  if (!u) return;
  const created = await call('POST', '/api/requests', u.token, requestBody);
  assert.equal(created.status, 201, created.text);
  const env = { ...process.env, ...STACK };
  const jobs = await Promise.all([1, 2].map(() => run(bin, ['--once', '--env-file', ''], { env, timeout: 60000 })));
  for (const j of jobs) assert.match(j.stderr, /"msg":"summary"/);
  const mine = maildirMessages().filter((m) => m.includes(`To: ${u.body.email}`));
  assert.equal(mine.length, 1, `expected one mail to ${u.body.email}, got ${mine.length}`);
  const m = mine[0];
  assert.match(m, /^Subject: Pickup request submitted$/m);
  assert.match(m, /^From: .*<.+@.+>$/m);
  assert.match(m, /^Date: \w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} \+0000$/m);
  assert.match(m, /^Message-ID: <[0-9a-f]{24}@.+>$/m);
  assert.match(m, /^MIME-Version: 1\.0$/m);
  assert.match(m, /^Content-Type: multipart\/alternative;/m);
  assert.ok(m.includes(created.json.id), 'the mail links the request');
  // a later run sends nothing more
  await run(bin, ['--once', '--env-file', ''], { env, timeout: 60000 });
  assert.equal(maildirMessages().filter((x) => x.includes(`To: ${u.body.email}`)).length, 1);
});
