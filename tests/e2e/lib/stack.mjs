// Shared helpers for the end-to-end tests: where the stack is, an HTTP client that can pick
// its source address, register/login helpers, and control of the stack (scripts/stack.sh).
//
// The tests talk to nginx exactly as a client would. They need the stack's environment;
// tests/run-check.sh exports it for its private test stack. Run by hand against the dev
// stack:  node --test --test-concurrency=1 tests/e2e/   (defaults: STACK_DIR=<repo>/var, :8080).
//
// Login and register are rate limited per client address by nginx (10r/m, burst 5). nginx
// listens on 127.0.0.1, which accepts connections from any 127.x.y.z source, so every
// auth call here goes out from a fresh loopback address (freshAddress()).

import http from 'node:http';
import { randomInt } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const STACK_SH = resolve(REPO, 'scripts/stack.sh');

/** The stack's environment as scripts/stack.sh computes it (same defaults, same overrides). */
function loadStackEnv() {
  const out = execFileSync('bash', [STACK_SH, 'env'], { env: process.env, encoding: 'utf8' });
  const env = {};
  for (const line of out.split('\n')) {
    const m = /^export ([A-Z_]+)=(.*)$/.exec(line);
    if (!m) continue;
    // values are printed with printf %q: unquote the simple forms we produce
    let v = m[2];
    if (/^'.*'$/.test(v)) v = v.slice(1, -1);
    else v = v.replace(/\\(.)/g, '$1');
    env[m[1]] = v;
  }
  return env;
}

export const STACK = loadStackEnv();
export const BASE_URL = process.env.SWMRA_BASE_URL || STACK.SWMRA_BASE_URL;
const base = new URL(BASE_URL);

// ---------------------------------------------------------------- source addresses
// Each test file runs in its own process. A pid-based prefix (pid % 200) let two files of one
// run share addresses, so one file inherited another's exhausted limit_req budget (429 "Slow
// down"); a random second and third octet per process makes that a 1-in-50,000 coincidence.
let addrCounter = 0;
const addrOctet2 = 20 + randomInt(200);
const addrOctet3 = randomInt(250);
/** A loopback address no other caller in this run uses (127.<random>.<random+n>.<n>). */
export function freshAddress() {
  addrCounter += 1;
  return `127.${addrOctet2}.${(addrOctet3 + Math.floor(addrCounter / 250)) % 250}.${(addrCounter % 250) + 2}`;
}

// ---------------------------------------------------------------- HTTP
/**
 * One HTTP request through nginx. Resolves { status, headers, text, json } (json is
 * undefined when the body is not JSON). Options: headers, json (object sent as JSON),
 * body (string|Buffer), localAddress, timeoutMs.
 */
export function request(method, path, opts = {}) {
  const headers = { ...(opts.headers || {}) };
  let body = opts.body;
  if (opts.json !== undefined) {
    body = JSON.stringify(opts.json);
    headers['content-type'] ??= 'application/json';
  }
  if (body !== undefined) headers['content-length'] = Buffer.byteLength(body);
  return new Promise((resolvePromise, reject) => {
    const req = http.request(
      {
        host: base.hostname,
        port: base.port || 80,
        method,
        path,
        headers,
        localAddress: opts.localAddress,
        agent: false,
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolvePromise({ status: res.statusCode, headers: res.headers, text, json });
        });
        res.on('error', reject);
      },
    );
    req.setTimeout(opts.timeoutMs ?? 15000, () => req.destroy(new Error(`${method} ${path}: timed out`)));
    req.on('error', (err) => {
      // nginx may answer (413) and close before the whole body is written: the response
      // has been delivered already in that case, so ignore the write-side error
      if (err.code === 'EPIPE' || err.code === 'ECONNRESET') {
        if (req.res) return;
      }
      reject(err);
    });
    if (body !== undefined) req.write(body);
    req.end();
  });
}

export const get = (path, opts) => request('GET', path, opts);
export const post = (path, json, opts = {}) => request('POST', path, { ...opts, json });

/** Poll fn() until it returns a truthy value or timeoutMs passes; returns the last value. */
export async function waitFor(fn, { timeoutMs = 15000, intervalMs = 250 } = {}) {
  const end = Date.now() + timeoutMs;
  let last;
  for (;;) {
    last = await fn();
    if (last) return last;
    if (Date.now() > end) return last;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

// ---------------------------------------------------------------- accounts
let userCounter = 0;
/** A unique, valid registration body. */
export function newUser(overrides = {}) {
  userCounter += 1;
  const tag = `${Date.now().toString(36)}${process.pid.toString(36)}${userCounter}`;
  return {
    name: `E2E User ${userCounter}`,
    email: `e2e-${tag}@example.com`,
    phone: '+91 98765 43210',
    password: 'Passw0rd!e2e',
    ...overrides,
  };
}

/** POST /api/auth/register from a fresh address; returns the raw response. */
export function register(body = newUser(), opts = {}) {
  return post('/api/auth/register', body, { localAddress: freshAddress(), ...opts });
}

/** POST /api/auth/login from a fresh address; returns the raw response. */
export function login(email, password, opts = {}) {
  return post('/api/auth/login', { email, password }, { localAddress: freshAddress(), ...opts });
}

/**
 * Registers a new user and returns { token, user, body }. When the route does not exist
 * yet (404), returns null so that a test can skip with a visible reason.
 */
export async function registerUser(overrides = {}) {
  const body = newUser(overrides);
  const res = await register(body);
  if (res.status === 404) return null;
  if (res.status !== 201) throw new Error(`register: ${res.status} ${res.text}`);
  return { token: res.json.access_token, user: res.json.user, body };
}

// ---------------------------------------------------------------- stack control
/** Runs scripts/stack.sh <cmd> for this stack (same environment). */
export function stack(cmd) {
  return execFileSync('bash', [STACK_SH, cmd], { env: process.env, encoding: 'utf8', timeout: 60000 });
}

/** Supervisor pid of swmra-api, from its pid file. */
export function apiPid() {
  const pid = Number(readFileSync(`${STACK.STACK_DIR}/run/swmra-api.pid`, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0) throw new Error('bad swmra-api pid file');
  return pid;
}

/** Live child pids of a process (scan of /proc/<pid>/stat). */
export function childPids(ppid) {
  const out = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue;
    }
    // pid (comm) state ppid ... ; comm may contain spaces or parentheses
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(rest[1]) === ppid && rest[0] !== 'Z') out.push(Number(name));
  }
  return out.sort((a, b) => a - b);
}

/** Publishes a JSON message to an nchan channel through the internal publisher socket. */
export function publish(channel, message) {
  const body = JSON.stringify(message);
  return new Promise((resolvePromise, reject) => {
    const req = http.request(
      {
        socketPath: STACK.NCHAN_PUB_SOCKET,
        method: 'POST',
        path: `/pub/${channel}`,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          accept: 'text/json',
        },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolvePromise({ status: res.statusCode, text: Buffer.concat(chunks).toString() }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** ws:// URL of a path on the stack. */
export function wsUrl(path) {
  return `ws://${base.host}${path}`;
}
