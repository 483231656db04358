// Accounts through nginx: register/login/me/patch/password/logout, the documented bad
// inputs, token refusal, role enforcement on the admin routes with the seeded admin, and
// disabled/demoted users losing access on their next request.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { REPO, STACK, request, get, register, login, newUser, registerUser } from './lib/stack.mjs';

const auth = (token) => ({ headers: { authorization: `Bearer ${token}` } });
const withAuth = (token, json) => ({ ...auth(token), json });

/** Runs the idempotent seed against the stack's database (admin@example.com etc.). */
function seed() {
  const build = process.env.SWMRA_BUILD_DIR || STACK.SWMRA_BUILD_DIR || REPO;
  const bin = resolve(build, 'seed/swmra-seed');
  if (!existsSync(bin)) return false;
  execFileSync(bin, ['--env-file', ''], { env: { ...process.env, ...STACK }, stdio: 'ignore', timeout: 60000 });
  return true;
}

async function adminToken() {
  const res = await login('admin@example.com', 'Passw0rd!');
  assert.equal(res.status, 200, res.text);
  return res.json.access_token;
}

test('register → me → patch → password → logout', async (t) => {
  const body = newUser({ email: `  Mixed.Case-${Date.now()}@Example.COM ` });
  const reg = await register(body);
  if (reg.status === 404) return t.skip('auth routes not deployed');
  assert.equal(reg.status, 201, reg.text);
  assert.equal(reg.json.token_type, 'bearer');
  assert.deepEqual(Object.keys(reg.json.user).sort(), ['email', 'id', 'locale', 'name', 'phone', 'role']);
  assert.equal(reg.json.user.email, body.email.trim().toLowerCase());
  assert.equal(reg.json.user.role, 'citizen');
  const token = reg.json.access_token;

  const me = await get('/api/auth/me', auth(token));
  assert.equal(me.status, 200);
  assert.match(me.headers['content-type'], /^application\/json/);
  assert.deepEqual(me.json.prefs, { email: true, sms: false, inapp: true });
  assert.ok(!me.text.includes('password'));

  const patched = await request('PATCH', '/api/auth/me', withAuth(token, { name: 'New Name', prefs: { sms: true } }));
  assert.equal(patched.status, 200, patched.text);
  assert.equal(patched.json.name, 'New Name');
  assert.equal(patched.json.prefs.sms, true);

  const dup = await register({ ...newUser(), email: body.email.toUpperCase() });
  assert.equal(dup.status, 409);
  assert.deepEqual(dup.json, { detail: 'Email already exists' });

  const bad = await request('POST', '/api/auth/password', withAuth(token, { current_password: 'wrong-one', new_password: 'NewPassw0rd!' }));
  assert.equal(bad.status, 422);
  assert.deepEqual(bad.json.detail[0].loc, ['body', 'current_password']);
  const ok = await request('POST', '/api/auth/password', withAuth(token, { current_password: body.password, new_password: 'NewPassw0rd!' }));
  assert.equal(ok.status, 204, ok.text);
  assert.equal((await login(body.email, body.password)).status, 401);
  assert.equal((await login(body.email, 'NewPassw0rd!')).status, 200);

  const out = await request('POST', '/api/auth/logout', auth(token));
  assert.equal(out.status, 204);
  const after = await get('/api/auth/me', auth(token));
  assert.equal(after.status, 401);
  assert.deepEqual(after.json, { detail: 'Invalid token' });
});

test('bad inputs are 422 with the field, malformed JSON 400, and create nothing', async (t) => {
  const base = newUser();
  const cases = [
    [{ ...base, name: '' }, 'name'],
    [{ ...base, name: 'x'.repeat(101) }, 'name'],
    [{ ...base, email: 'not-an-email' }, 'email'],
    [{ ...base, phone: '123' }, 'phone'],
    [{ ...base, phone: '12345abc' }, 'phone'],
    [{ ...base, password: 'short' }, 'password'],
    [{ ...base, role: 'admin' }, 'role'],
    [{ name: base.name, email: base.email, phone: base.phone }, 'password'],
  ];
  for (const [body, field] of cases) {
    const res = await register(body);
    if (res.status === 404) return t.skip('auth routes not deployed');
    assert.equal(res.status, 422, `${field}: ${res.text}`);
    assert.ok(res.json.detail.some((d) => d.loc.at(-1) === field), res.text);
  }
  const malformed = await request('POST', '/api/auth/register', { body: '{"name":', headers: { 'content-type': 'application/json' } });
  assert.equal(malformed.status, 400);
  assert.equal(typeof malformed.json.detail, 'string');
  // none of them created the account
  assert.equal((await login(base.email, base.password)).status, 401);
});

test('login failures look the same; tokens are checked', async (t) => {
  const u = await registerUser();
  if (!u) return t.skip('auth routes not deployed');
  const wrong = await login(u.body.email, 'wrong-password');
  const unknown = await login(`nobody-${Date.now()}@example.com`, 'wrong-password');
  assert.equal(wrong.status, 401);
  assert.equal(unknown.status, 401);
  assert.equal(wrong.text, unknown.text);
  assert.deepEqual(wrong.json, { detail: 'Invalid credentials' });

  assert.deepEqual((await get('/api/auth/me')).json, { detail: 'Missing token' });
  assert.equal((await get('/api/auth/me', { headers: { authorization: 'Basic abc' } })).status, 401);
  const garbage = await get('/api/auth/me', auth('a.b.c'));
  assert.equal(garbage.status, 401);
  assert.deepEqual(garbage.json, { detail: 'Invalid token' });
  // tampered payload (role admin) with the original signature
  const [h, p, s] = u.token.split('.');
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
  const forged = [h, Buffer.from(JSON.stringify({ ...claims, role: 'admin' })).toString('base64url'), s].join('.');
  assert.equal((await get('/api/admin/users', auth(forged))).status, 401);
  // alg none
  const none = [Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url'), p, ''].join('.');
  assert.equal((await get('/api/auth/me', auth(none))).status, 401);
});

test('admin routes: roles enforced from the database on every request', async (t) => {
  const u = await registerUser();
  if (!u) return t.skip('auth routes not deployed');
  if (!seed()) return t.skip('seed/swmra-seed not built');
  const adm = await adminToken();

  const denied = await get('/api/admin/users', auth(u.token));
  assert.equal(denied.status, 403);
  assert.deepEqual(denied.json, { detail: 'Not enough privileges' });
  assert.equal((await request('PATCH', `/api/admin/users/${u.user.id}`, withAuth(u.token, { role: 'admin' }))).status, 403);

  const list = await get(`/api/admin/users?q=${encodeURIComponent(u.body.email.toUpperCase())}`, auth(adm));
  assert.equal(list.status, 200, list.text);
  assert.equal(list.json.total, 1);
  assert.equal(list.json.items[0].id, u.user.id);
  assert.deepEqual([list.json.skip, list.json.limit], [0, 20]);
  assert.equal((await get('/api/admin/users?q=.*', auth(adm))).json.total, 0);
  assert.equal((await get('/api/admin/users?limit=101', auth(adm))).status, 422);
  assert.equal((await request('PATCH', '/api/admin/users/nope', withAuth(adm, { role: 'staff' }))).status, 422);
  assert.equal((await request('PATCH', '/api/admin/users/64b7f0c2a1b2c3d4e5f60718', withAuth(adm, { role: 'staff' }))).status, 404);

  // promote: the citizen's existing token gets the admin routes at once, then loses them
  const path = `/api/admin/users/${u.user.id}`;
  assert.equal((await request('PATCH', path, withAuth(adm, { role: 'admin' }))).status, 200);
  assert.equal((await get('/api/admin/users', auth(u.token))).status, 200);
  assert.equal((await request('PATCH', path, withAuth(adm, { role: 'citizen' }))).status, 200);
  assert.equal((await get('/api/admin/users', auth(u.token))).status, 403);

  // disable: the next request is refused and so is the login; enable again (a new login)
  const dis = await request('PATCH', path, withAuth(adm, { disabled: true }));
  assert.equal(dis.status, 200);
  assert.equal(dis.json.disabled, true);
  assert.deepEqual((await get('/api/auth/me', auth(u.token))).json, { detail: 'Invalid token' });
  const l = await login(u.body.email, u.body.password);
  assert.equal(l.status, 403);
  assert.deepEqual(l.json, { detail: 'Account disabled' });
  assert.equal((await request('PATCH', path, withAuth(adm, { disabled: false }))).status, 200);
  // the disable ended every session: re-enabling does not bring the old token back
  assert.equal((await get('/api/auth/me', auth(u.token))).status, 401);
  const again = await login(u.body.email, u.body.password);
  assert.equal(again.status, 200, again.text);
  assert.equal((await get('/api/auth/me', auth(again.json.access_token))).status, 200);

  // an admin cannot demote themselves
  const me = await get('/api/auth/me', auth(adm));
  const self = await request('PATCH', `/api/admin/users/${me.json.id}`, withAuth(adm, { role: 'staff' }));
  assert.equal(self.status, 409);
});

test('per-account login backoff answers 429 with Retry-After', async (t) => {
  const u = await registerUser();
  if (!u) return t.skip('auth routes not deployed');
  const max = Number(process.env.LOGIN_MAX_FAILURES || STACK.LOGIN_MAX_FAILURES || 5);
  for (let i = 0; i < max; i++) assert.equal((await login(u.body.email, 'wrong-password')).status, 401);
  const res = await login(u.body.email, u.body.password);
  assert.equal(res.status, 429);
  assert.deepEqual(res.json, { detail: 'Too many failed attempts, try again later' });
  assert.match(res.headers['retry-after'] || '', /^[1-9][0-9]*$/);
});
