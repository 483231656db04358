// Password reset through nginx and the real mail path (issue 16): POST
// /api/auth/password-reset answers 202 the same way whether the email has an account; the
// dispatcher job mails the one-use link to the dev SMTP sink (read from its Maildir); the
// link sets a new password once, ends every session (access and refresh), and is refused
// after. Rate limits: per email (silently: no further mail) and per client address (429).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { REPO, STACK, request, get, post, login, registerUser, freshAddress } from './lib/stack.mjs';

const run = promisify(execFile);
const auth = (token) => ({ headers: { authorization: `Bearer ${token}` } });

function maildir() {
  return STACK.SWMRA_MAILDIR || process.env.SWMRA_MAILDIR;
}

/** Every message of the sink addressed to `to`, quoted-printable decoded. */
function mailsTo(to) {
  const out = [];
  for (const sub of ['new', 'cur']) {
    let names = [];
    try {
      names = readdirSync(`${maildir()}/${sub}`);
    } catch {
      continue;
    }
    for (const n of names) {
      if (n.startsWith('.')) continue;
      const m = readFileSync(`${maildir()}/${sub}/${n}`, 'utf8');
      if (!m.includes(`To: ${to}`)) continue;
      out.push(m.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16))));
    }
  }
  return out;
}

async function dispatch() {
  const build = process.env.SWMRA_BUILD_DIR || STACK.SWMRA_BUILD_DIR || REPO;
  const bin = resolve(build, 'cron/swmra-job-dispatch');
  assert.ok(existsSync(bin), 'cron/swmra-job-dispatch is built');
  await run(bin, ['--once', '--env-file', ''], { env: { ...process.env, ...STACK }, timeout: 60000 });
}

const ask = (email, addr = freshAddress()) => post('/api/auth/password-reset', { email }, { localAddress: addr });

function tokenOf(mail) {
  const m = /\/reset-password\?token=([A-Za-z0-9_-]{43})/.exec(mail);
  assert.ok(m, `no reset link in:\n${mail}`);
  return m[1];
}

test('reset: 202 alike for known and unknown emails; the mailed link sets the password once and ends every session', async (t) => {
  if (!maildir()) return t.skip('the stack has no SMTP sink Maildir');
  const u = await registerUser();
  const l = await login(u.body.email, u.body.password);
  const cookie = /^swmra_refresh=([^;]*)/.exec([].concat(l.headers['set-cookie']).find((c) => c.startsWith('swmra_refresh=')))[1];

  const known = await ask(`  ${u.body.email.toUpperCase()} `);
  const nobody = `nobody-${Date.now()}@example.com`;
  const unknown = await ask(nobody);
  assert.equal(known.status, 202, known.text);
  assert.equal(unknown.status, 202, unknown.text);
  assert.deepEqual(known.json, unknown.json, 'the same answer either way');

  await dispatch();
  const mails = mailsTo(u.body.email);
  assert.equal(mails.length, 1, 'one mail for the account');
  assert.match(mails[0], /^Subject: Reset your SWMRA password$/m);
  const token = tokenOf(mails[0]);

  // bad inputs change nothing
  let r = await post('/api/auth/password-reset/confirm', { token, new_password: 'short' });
  assert.equal(r.status, 422, r.text);
  r = await post('/api/auth/password-reset/confirm', { token: 'A'.repeat(43), new_password: 'N3w-Passw0rd!' });
  assert.equal(r.status, 400, r.text);
  r = await post('/api/auth/password-reset/confirm', { token, new_password: 'N3w-Passw0rd!', extra: 1 });
  assert.equal(r.status, 422, r.text);

  r = await post('/api/auth/password-reset/confirm', { token, new_password: 'N3w-Passw0rd!' });
  assert.equal(r.status, 204, r.text);
  // one use (and the account's other links are forgotten with it)
  r = await post('/api/auth/password-reset/confirm', { token, new_password: 'Th1rd-Passw0rd!' });
  assert.equal(r.status, 400, r.text);
  assert.match(r.json.detail, /reset link/);
  // every session is over: the token from registering, the login's access and refresh
  assert.equal((await get('/api/auth/me', auth(u.token))).status, 401);
  assert.equal((await get('/api/auth/me', auth(l.json.access_token))).status, 401);
  r = await request('POST', '/api/auth/refresh', { headers: { cookie: `swmra_refresh=${cookie}` } });
  assert.equal(r.status, 401);
  // the old password is gone, the new one works
  assert.equal((await login(u.body.email, u.body.password)).status, 401);
  assert.equal((await login(u.body.email, 'N3w-Passw0rd!')).status, 200);
  // nothing was sent for the unknown email
  assert.equal(mailsTo(nobody).length, 0);
});

test('reset: at most 3 mails per email an hour (silently), and 10 requests per client address (429)', async (t) => {
  if (!maildir()) return t.skip('the stack has no SMTP sink Maildir');
  const u = await registerUser();
  for (let i = 0; i < 5; i++) assert.equal((await ask(u.body.email)).status, 202);
  await dispatch();
  assert.equal(mailsTo(u.body.email).length, 3);

  const addr = freshAddress();
  const statuses = [];
  for (let i = 0; i < 11; i++) statuses.push((await ask(`someone-${i}-${Date.now()}@example.com`, addr)).status);
  assert.deepEqual(statuses.slice(0, 10), Array(10).fill(202));
  assert.equal(statuses[10], 429);
});

test('reset: malformed requests are 422 and change nothing', async () => {
  for (const body of [{}, { email: 5 }, { email: 'a@b.c', more: true }]) {
    const r = await post('/api/auth/password-reset', body, { localAddress: freshAddress() });
    assert.equal(r.status, 422, JSON.stringify(body));
  }
  const r = await post('/api/auth/password-reset/confirm', { new_password: 'N3w-Passw0rd!' });
  assert.equal(r.status, 422);
});
