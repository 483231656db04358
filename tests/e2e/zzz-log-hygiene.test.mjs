// No credential in any log of the stack (issue 12 §5), checked last, after every other test
// file has run: hostile live-channel requests carry tokens and tickets in their query
// string, including while the database is down (the ws-auth subrequest then fails, and
// nginx writes the request line of a failing request into its error log). And the stack's
// log folder is 0750 with 0640 files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import WebSocket from 'ws';
import { STACK, request, get, registerUser, stack, waitFor, wsUrl } from './lib/stack.mjs';

const LOG_DIR = `${STACK.STACK_DIR}/log`;
const auth = (token) => ({ headers: { authorization: `Bearer ${token}` } });

/** Status of a live-channel handshake (101 when it opened). */
function handshake(query) {
  return new Promise((resolve) => {
    const ws = new WebSocket(wsUrl(`/api/ws/notifications?${query}`), { handshakeTimeout: 8000 });
    ws.on('unexpected-response', (req, res) => {
      const sock = res.socket;
      res.resume();
      res.on('end', () => {
        resolve(res.statusCode);
        sock?.destroy();
        req.destroy();
      });
    });
    ws.on('open', () => {
      ws.terminate();
      resolve(101);
    });
    ws.on('error', () => resolve(0));
  });
}

function logFiles() {
  return readdirSync(LOG_DIR)
    .map((f) => `${LOG_DIR}/${f}`)
    .filter((p) => statSync(p).isFile());
}

test('no token or ticket appears in any log file after hostile live-channel requests', async (t) => {
  // runs right after zz-resilience restarted the database: a worker whose driver failed
  // to reach it waits out mongoc's 5 s cooldown before trying again (503 meanwhile)
  await waitFor(async () => (await get('/api/health/ready')).status === 200, { timeoutMs: 30000 });
  await new Promise((r) => setTimeout(r, 6000));
  const u = await waitFor(async () => registerUser().catch(() => null), { timeoutMs: 20000 });
  const token = u.token;
  const newTicket = () =>
    waitFor(async () => {
      const r = await request('POST', '/api/ws/ticket', auth(token));
      return r.status === 200 ? r.json.ticket : null;
    }, { timeoutMs: 20000 });
  const tk = await newTicket();
  const spare = await newTicket();
  assert.ok(tk && spare);
  const secrets = [token, tk, spare, token.split('.')[2]];

  assert.ok(await waitFor(async () => (await handshake(`ticket=${tk}`)) === 101, { timeoutMs: 20000 }), 'the ticket opens');
  assert.equal(await handshake(`ticket=${tk}`), 403, 'reused ticket');
  assert.equal(await handshake(`token=${token}x`), 403, 'bad signature');
  assert.equal(await handshake(`token=${token}&ticket=${tk}`), 403);
  assert.equal((await get(`/api/notifications?token=${token}`, auth(token))).status, 200);
  assert.equal((await get(`/api/internal/ws-auth?token=${token}`)).status, 404);

  // the ws-auth subrequest fails while the database is down (503): nginx used to log the
  // request line, token included, as "auth request unexpected status: 503"
  stack('stop-mongo');
  let up = false;
  t.after(() => {
    if (!up) stack('start-mongo');
  });
  const down = await waitFor(async () => ((await handshake(`token=${token}`)) === 503 ? true : null), { timeoutMs: 20000 });
  assert.ok(down, 'the live channel answers 503 while the database is down');
  assert.equal(await handshake(`ticket=${spare}`), 503);
  stack('start-mongo');
  up = true;
  assert.ok(await waitFor(async () => (await get('/api/health/ready')).status === 200, { timeoutMs: 30000 }), 'database back');
  await new Promise((r) => setTimeout(r, 500)); // nginx writes its logs unbuffered; the API line by line

  const jwtLike = /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/;
  const files = logFiles();
  assert.ok(files.some((f) => f.endsWith('nginx-error.log')) && files.some((f) => f.endsWith('nginx-access.log')));
  for (const f of files) {
    const text = readFileSync(f, 'latin1');
    for (const s of secrets) assert.ok(!text.includes(s), `${f} holds a credential of this test`);
    const m = jwtLike.exec(text);
    assert.equal(m, null, `${f} holds a token: ${m && text.slice(Math.max(0, m.index - 200), m.index + 40)}`);
  }
});

test('the log folder is 0750 and every log file 0640 (or stricter)', () => {
  const dir = statSync(LOG_DIR).mode & 0o777;
  assert.equal(dir, 0o750, `log folder mode ${dir.toString(8)}`);
  for (const f of logFiles()) {
    const mode = statSync(f).mode & 0o777;
    assert.equal(mode & ~0o640, 0, `${f} mode ${mode.toString(8)}`);
  }
});
