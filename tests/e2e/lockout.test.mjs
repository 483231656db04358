// Targeted lockout (issue 12.3) through nginx: failed logins for a staff account from an
// attacker's client no longer lock out the devices the staff member signed in on before
// (OWASP "device cookies": an HttpOnly, SameSite=Strict cookie set at sign-in); unknown
// clients and the attacker's own client are still throttled (429 with Retry-After); forged,
// tampered and other accounts' device cookies give no trust.
//
// Each client is a loopback source address of its own (lib/stack.mjs freshAddress()), so
// nginx's per-address limit_req (burst AUTH_RATE_BURST, default 5) never answers first: no
// address sends more than burst + 1 login calls here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { STACK, request, login, register, newUser, freshAddress } from './lib/stack.mjs';

const MAX_FAILURES = Number(STACK.LOGIN_MAX_FAILURES || process.env.LOGIN_MAX_FAILURES || 5);
const BURST = Number(STACK.AUTH_RATE_BURST || process.env.AUTH_RATE_BURST || 5);
const THROTTLED = 'Too many failed attempts, try again later';

/** The swmra_device cookie value a sign-in answer set, its attributes checked. */
function deviceCookie(res) {
  const all = [].concat(res.headers['set-cookie'] || []);
  const c = all.find((h) => h.startsWith('swmra_device='));
  assert.ok(c, `no device cookie in ${JSON.stringify(all)}`);
  const [pair, ...attrs] = c.split(/;\s*/);
  const names = attrs.map((a) => a.split('=')[0].toLowerCase());
  assert.ok(names.includes('httponly'), c);
  assert.ok(attrs.includes('SameSite=Strict'), c);
  assert.ok(attrs.includes('Path=/api/auth'), c);
  assert.ok(names.includes('max-age'), c);
  // APP_ENV=test: only development leaves Secure out
  if ((STACK.APP_ENV || process.env.APP_ENV) !== 'development') assert.ok(names.includes('secure'), c);
  return pair.slice('swmra_device='.length);
}

/** A login from `from` presenting `cookie` (a raw Cookie header value, or nothing). */
const loginWith = (email, password, from, cookie) =>
  login(email, password, { localAddress: from, headers: cookie ? { cookie } : {} });

function assertThrottled(res, what) {
  assert.equal(res.status, 429, `${what}: ${res.status} ${res.text}`);
  assert.deepEqual(res.json, { detail: THROTTLED }, what);
  assert.match(res.headers['retry-after'] || '', /^[1-9][0-9]*$/, what);
}

test('an attacker cannot lock a staff member out of a device that signed in before', async () => {
  assert.ok(MAX_FAILURES + 1 <= BURST + 1, 'the attacker stays within nginx burst');
  // a staff account of its own (the seeded staff@example.com is shared with other tests)
  const adm = await login('admin@example.com', 'Passw0rd!');
  assert.equal(adm.status, 200, adm.text);
  const body = newUser({ email: `staff-${Date.now().toString(36)}@example.com` });
  const reg = await register(body);
  assert.equal(reg.status, 201, reg.text);
  const promote = await request('PATCH', `/api/admin/users/${reg.json.user.id}`, {
    headers: { authorization: `Bearer ${adm.json.access_token}` },
    json: { role: 'staff' },
  });
  assert.equal(promote.status, 200, promote.text);

  // the staff member's desk signs in: the answer marks it as a known device
  const desk = freshAddress();
  const first = await loginWith(body.email, body.password, desk);
  assert.equal(first.status, 200, first.text);
  const cookie = deviceCookie(first);
  // another account's device (register signs in too)
  const other = await register(newUser());
  assert.equal(other.status, 201, other.text);
  const foreign = deviceCookie(other);

  // the attacker's client fails LOGIN_MAX_FAILURES times, then is throttled itself
  const attacker = freshAddress();
  for (let i = 0; i < MAX_FAILURES; i++) {
    const r = await loginWith(body.email, `guess-${i}-Passw0rd`, attacker);
    assert.equal(r.status, 401, r.text);
  }
  assertThrottled(await loginWith(body.email, body.password, attacker), "the attacker's own client");

  // an unknown client, even with the right password, is throttled (per account)
  assertThrottled(await loginWith(body.email, body.password, freshAddress()), 'an unknown client');

  // the known device signs in (among other cookies of the site), and gets a fresh cookie
  const ok = await loginWith(body.email, body.password, desk, `theme=dark; swmra_device=${cookie}; x=1`);
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.json.user.role, 'staff');
  const again = deviceCookie(ok);
  assert.notEqual(again, cookie);
  const me = await request('GET', '/api/auth/me', { headers: { authorization: `Bearer ${ok.json.access_token}` } });
  assert.equal(me.status, 200);
  // ... and its new cookie works as well (from yet another address)
  assert.equal((await loginWith(body.email, body.password, freshAddress(), `swmra_device=${again}`)).status, 200);

  // no trust from a tampered MAC, a tampered account id, another account's cookie, junk
  const flip = (s, i) => s.slice(0, i) + (s[i] === '0' ? '1' : '0') + s.slice(i + 1);
  const forged = {
    'a tampered signature': flip(again, again.length - 1),
    'another account id': flip(again, 3),
    "another account's device cookie": foreign,
    'junk': 'x'.repeat(40),
  };
  for (const [what, value] of Object.entries(forged)) {
    assertThrottled(await loginWith(body.email, body.password, freshAddress(), `swmra_device=${value}`), what);
  }
  // the attacker's failures still stand: the devices' successes did not forgive them
  assertThrottled(await loginWith(body.email, body.password, freshAddress()), 'an unknown client, later');
});
