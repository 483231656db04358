// bench/ws-fanout/fanout.mjs — N WebSocket subscribers (one user each) on
// /api/ws/notifications through nginx (auth_request → swmra-api ws-auth → nchan), then one
// message published to each user's channel through the internal publisher socket, as the
// API publishes. Latency per message = time from just before its publish request to its
// arrival at the subscriber (publisher and subscribers share this process's clock).
// Prints one JSON line with the results. Environment: the stack's (scripts/stack.sh env),
// FANOUT_N [1000], FANOUT_PUB_CONCURRENCY [32].
import http from 'node:http';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(resolve(REPO, 'tests/e2e/package.json'));
const WebSocket = require('ws');

const N = Number(process.env.FANOUT_N || 1000);
const PUB_CONC = Number(process.env.FANOUT_PUB_CONCURRENCY || 32);
const base = new URL(process.env.SWMRA_BASE_URL);
const pubSock = process.env.NCHAN_PUB_SOCKET;
const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

function httpJson(method, path, body, opts = {}) {
  return new Promise((res, rej) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      {
        host: opts.socketPath ? undefined : base.hostname,
        port: opts.socketPath ? undefined : base.port,
        socketPath: opts.socketPath,
        method,
        path,
        agent: opts.agent ?? agent,
        headers: {
          'content-type': 'application/json',
          accept: opts.socketPath ? 'text/json' : 'application/json',
          ...(data ? { 'content-length': Buffer.byteLength(data) } : {}),
        },
      },
      (r) => {
        const chunks = [];
        r.on('data', (c) => chunks.push(c));
        r.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          let json;
          try {
            json = JSON.parse(text);
          } catch {}
          res({ status: r.statusCode, json, text });
        });
      },
    );
    req.on('error', rej);
    req.end(data);
  });
}

async function pool(items, conc, fn) {
  let i = 0;
  await Promise.all(
    Array.from({ length: conc }, async () => {
      while (i < items.length) {
        const k = i++;
        await fn(items[k], k);
      }
    }),
  );
}

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
const round = (x) => Math.round(x * 100) / 100;

// 1. users
const tag = `${Date.now().toString(36)}${process.pid.toString(36)}`;
const users = new Array(N);
const t0 = performance.now();
await pool([...Array(N).keys()], 16, async (k) => {
  const r = await httpJson('POST', '/api/auth/register', {
    name: `Fanout ${k}`, email: `fanout-${tag}-${k}@example.com`, phone: '+91 98765 43210', password: 'Passw0rd!bench',
  });
  if (r.status !== 201) throw new Error(`register ${k}: ${r.status} ${r.text}`);
  users[k] = { id: r.json.user.id, token: r.json.access_token };
});
const tUsers = performance.now() - t0;

// 2. subscribers
const received = new Map(); // seq -> arrival time
const sent = new Map();     // seq -> publish start time
const handshakes = [];
const sockets = [];
await pool([...Array(N).keys()], 50, (k) => new Promise((res, rej) => {
  const h0 = performance.now();
  const ws = new WebSocket(`ws://${base.host}/api/ws/notifications?token=${encodeURIComponent(users[k].token)}`);
  ws.on('open', () => {
    handshakes.push(performance.now() - h0);
    sockets.push(ws);
    res();
  });
  ws.on('message', (d) => {
    const at = performance.now();
    const m = JSON.parse(d.toString());
    if (m.seq === k && !received.has(k)) received.set(k, at);
  });
  ws.on('unexpected-response', (_q, r) => rej(new Error(`subscriber ${k}: ${r.statusCode}`)));
  ws.on('error', rej);
}));
await new Promise((r) => setTimeout(r, 500)); // let nchan settle every subscription

// 3. one message per channel
const p0 = performance.now();
let pubFailures = 0;
const pubAgent = new http.Agent({ keepAlive: true, maxSockets: PUB_CONC });
await pool([...Array(N).keys()], PUB_CONC, async (k) => {
  sent.set(k, performance.now());
  const r = await httpJson('POST', `/pub/user.${users[k].id}`, { seq: k, title: 'bench' }, { socketPath: pubSock, agent: pubAgent });
  if (r.status !== 201) pubFailures++; // 202 = queued, nobody listening: counts as a failure here
});
const pubDone = performance.now();
const deadline = Date.now() + 10000;
while (received.size < N && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
const lastArrival = Math.max(...received.values());
for (const ws of sockets) ws.terminate();
agent.destroy();
pubAgent.destroy();

const lat = [...received.entries()].map(([k, at]) => at - sent.get(k)).sort((a, b) => a - b);
const hs = handshakes.sort((a, b) => a - b);
console.log(JSON.stringify({
  n: N,
  subscribers_open: sockets.length,
  delivered: received.size,
  lost: N - received.size,
  publish_not_201: pubFailures,
  publish_concurrency: PUB_CONC,
  register_s: round(tUsers / 1000),
  handshake_ms: { p50: round(pct(hs, 50)), p99: round(pct(hs, 99)), max: round(hs[hs.length - 1]) },
  latency_ms: lat.length ? { p50: round(pct(lat, 50)), p90: round(pct(lat, 90)), p99: round(pct(lat, 99)), max: round(lat[lat.length - 1]) } : null,
  publish_all_ms: round(pubDone - p0),
  deliver_all_ms: round(lastArrival - p0),
}));
process.exit(received.size === N ? 0 : 1);
