// Signing-key rotation under load (issue 16, docs/RUNBOOK.md "Rotating the JWT signing
// key"): clients keep calling with their access tokens and renewing them through the
// refresh cookie while the key ring is rotated in the documented steps, each applied by
// reloading the workers (SIGHUP: every worker is replaced): 1. add a new key as the current
// signer, keeping the old one for verification; 2. once no access token signed with the old
// key can still be alive (here: once every client has renewed), remove it. No valid session
// gets a 401 at any point; a token signed with the removed key is refused afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { STACK, request, get, login, registerUser, stack } from './lib/stack.mjs';

const auth = (token) => ({ headers: { authorization: `Bearer ${token}` } });
const kidOf = (tok) => JSON.parse(Buffer.from(tok.split('.')[0], 'base64url').toString()).kid;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function cookieOf(res) {
  const c = [].concat(res.headers['set-cookie'] || []).find((x) => x.startsWith('swmra_refresh='));
  return c && /^swmra_refresh=([^;]*)/.exec(c)[1];
}

/** A client: its access token and refresh cookie, renewed through POST /api/auth/refresh. */
class Client {
  constructor(access, cookie) {
    this.access = access;
    this.cookie = cookie;
    this.statuses = [];
  }

  async renew() {
    const r = await request('POST', '/api/auth/refresh', { headers: { cookie: `swmra_refresh=${this.cookie}` } });
    this.statuses.push(r.status);
    if (r.status === 200) {
      this.access = r.json.access_token;
      this.cookie = cookieOf(r);
    }
  }

  async call() {
    const r = await get('/api/notifications/unread-count', auth(this.access));
    this.statuses.push(r.status);
  }
}

/** Renews `probe` until `times` tokens in a row carry `kid` (every worker reloaded). */
async function waitForKid(probe, kid, times = 12) {
  let streak = 0;
  const end = Date.now() + 30000;
  while (streak < times) {
    assert.ok(Date.now() < end, `workers did not switch to kid ${kid}`);
    await probe.renew();
    streak = kidOf(probe.access) === kid ? streak + 1 : 0;
  }
}

test('rotating the signing key under load signs nobody out', async (t) => {
  const file = STACK.JWT_KEYS_FILE;
  if (!file) return t.skip('the stack has no JWT_KEYS_FILE (scripts/stack.sh sets one for dev/test stacks)');
  const original = readFileSync(file, 'utf8');
  const oldEntry = original.split('\n').find((l) => /^[A-Za-z0-9._-]+:/.test(l));
  const oldKid = oldEntry.split(':')[0];
  const newKid = `r${randomBytes(3).toString('hex')}`;
  const newEntry = `${newKid}:${randomBytes(32).toString('base64url')}`;

  const clients = [];
  for (let i = 0; i < 4; i++) {
    const u = await registerUser();
    const r = await login(u.body.email, u.body.password);
    assert.equal(r.status, 200, r.text);
    clients.push(new Client(r.json.access_token, cookieOf(r)));
  }
  const [probe, ...load] = clients;
  const before = load[0].access; // signed with the old key, still unexpired at the end
  assert.equal(kidOf(before), oldKid);

  let running = true;
  let renewNow = false;
  const loops = load.map(async (c) => {
    while (running) {
      if (renewNow && kidOf(c.access) !== newKid) await c.renew();
      await c.call();
      await sleep(20);
    }
  });
  try {
    await sleep(500);
    // step 1: the new key signs, the old one still verifies
    writeFileSync(file, `${newEntry}\n${oldEntry}\n`);
    stack('reload-api');
    await waitForKid(probe, newKid);
    await sleep(500);
    // the clients renew in their own time (here: now), getting new-key tokens
    renewNow = true;
    const end = Date.now() + 30000;
    while (!load.every((c) => kidOf(c.access) === newKid)) {
      assert.ok(Date.now() < end, 'the clients renewed their tokens');
      await sleep(50);
    }
    // step 2: the old key goes
    writeFileSync(file, `${newEntry}\n`);
    stack('reload-api');
    await waitForKid(probe, newKid);
    await sleep(1000);
  } finally {
    running = false;
    await Promise.all(loops);
  }
  const all = load.flatMap((c) => c.statuses);
  assert.ok(all.length > 50, `enough calls under load (${all.length})`);
  assert.equal(all.filter((s) => s === 401).length, 0, 'no 401 for a valid session');
  assert.deepEqual([...new Set(all)], [200], 'every call and renewal answered 200');
  // a token signed with the removed key is refused now
  assert.equal((await get('/api/auth/me', auth(before))).status, 401);

  // back to the stack's own ring (the secret other tests sign with), as a rotation would
  writeFileSync(file, `${oldEntry}\n${newEntry}\n`);
  stack('reload-api');
  await waitForKid(probe, oldKid);
  writeFileSync(file, original);
  stack('reload-api');
  await waitForKid(probe, oldKid);
});
