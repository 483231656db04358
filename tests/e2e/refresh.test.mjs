// Refresh sessions through nginx (issue 16): the refresh cookie set at login and register,
// rotation at every POST /api/auth/refresh, reuse detection (a used refresh token ends its
// whole session family), the race of real concurrent processes presenting one token
// (exactly one wins: db_claim), logout, logout-all, the sessions list and signing out one
// session, and password change / disable ending the other sessions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { BASE_URL, request, get, login, registerUser } from './lib/stack.mjs';

const auth = (token) => ({ headers: { authorization: `Bearer ${token}` } });

/** The swmra_refresh Set-Cookie of a response (the whole header), or undefined. */
function refreshSetCookie(res) {
  const all = [].concat(res.headers['set-cookie'] || []);
  return all.find((c) => c.startsWith('swmra_refresh='));
}

/** The refresh token value a response set. */
function refreshToken(res) {
  const c = refreshSetCookie(res);
  assert.ok(c, `no swmra_refresh cookie in ${JSON.stringify(res.headers['set-cookie'])}`);
  return /^swmra_refresh=([^;]*)/.exec(c)[1];
}

/** POST /api/auth/refresh presenting `token` as the cookie. */
function refresh(token, ua = 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0') {
  return request('POST', '/api/auth/refresh', { headers: { cookie: `swmra_refresh=${token}`, 'user-agent': ua } });
}

async function signIn(u, ua) {
  const r = await login(u.body.email, u.body.password, { headers: { 'user-agent': ua } });
  assert.equal(r.status, 200, r.text);
  return { access: r.json.access_token, refresh: refreshToken(r) };
}

async function admin() {
  const r = await login('admin@example.com', 'Passw0rd!');
  assert.equal(r.status, 200, r.text);
  return r.json.access_token;
}

test('login and register set an HttpOnly, SameSite=Strict refresh cookie on /api/auth for REFRESH_DAYS', async () => {
  const u = await registerUser();
  assert.ok(u);
  const r = await login(u.body.email, u.body.password);
  assert.equal(r.status, 200, r.text);
  const c = refreshSetCookie(r);
  assert.ok(c, 'login sets swmra_refresh');
  assert.match(c, /^swmra_refresh=[A-Za-z0-9_-]{43};/);
  assert.match(c, /; Path=\/api\/auth(;|$)/);
  assert.match(c, /; HttpOnly(;|$)/);
  assert.match(c, /; SameSite=Strict(;|$)/);
  assert.match(c, /; Max-Age=2592000(;|$)/, 'REFRESH_DAYS defaults to 30');
  assert.match(c, /; Secure(;|$)/, 'Secure outside development (the test stack runs APP_ENV=test)');
  // beside the device cookie of the login throttling, not instead of it
  assert.ok([].concat(r.headers['set-cookie']).some((x) => x.startsWith('swmra_device=')), 'the device cookie is still set');
});

test('refresh answers like login and rotates the cookie; a reused token ends the whole family', async () => {
  const u = await registerUser();
  const s = await signIn(u, 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0');
  const r1 = await refresh(s.refresh);
  assert.equal(r1.status, 200, r1.text);
  assert.deepEqual(Object.keys(r1.json).sort(), ['access_token', 'token_type', 'user']);
  assert.equal(r1.json.token_type, 'bearer');
  assert.equal(r1.json.user.id, u.user.id);
  const next = refreshToken(r1);
  assert.notEqual(next, s.refresh, 'the cookie rotates');
  assert.notEqual(r1.json.access_token, s.access);
  assert.equal((await get('/api/auth/me', auth(r1.json.access_token))).status, 200);
  // the successor works once more
  const r2 = await refresh(next);
  assert.equal(r2.status, 200, r2.text);
  const third = refreshToken(r2);
  // someone replays the first (already used) token: theft detected
  const replay = await refresh(s.refresh);
  assert.equal(replay.status, 401, replay.text);
  assert.match(refreshSetCookie(replay), /Max-Age=0/, 'the cookie is cleared');
  // ... and the whole family is over: the latest refresh token and its access tokens too
  assert.equal((await refresh(third)).status, 401);
  assert.equal((await get('/api/auth/me', auth(r2.json.access_token))).status, 401);
  assert.equal((await get('/api/auth/me', auth(s.access))).status, 401);
  // another session of the same account is not touched
  const other = await signIn(u, 'curl/8.0');
  assert.equal((await refresh(other.refresh)).status, 200);
});

test('refresh without, or with a malformed or unknown cookie: 401 JSON', async () => {
  let r = await request('POST', '/api/auth/refresh');
  assert.equal(r.status, 401);
  assert.equal(r.json.detail, 'Missing refresh token');
  for (const bad of ['x', 'A'.repeat(43), 'é'.repeat(20), '../../etc']) {
    r = await refresh(encodeURIComponent(bad));
    assert.equal(r.status, 401, bad);
    assert.equal(r.json.detail, 'Invalid refresh token');
  }
});

/** POST /api/auth/refresh from a separate curl process; resolves its HTTP status. */
function curlRefresh(token) {
  return new Promise((resolveStatus, reject) => {
    const p = spawn('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '-X', 'POST',
      '-H', `Cookie: swmra_refresh=${token}`, `${BASE_URL}/api/auth/refresh`]);
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    p.on('error', reject);
    p.on('close', () => resolveStatus(Number(out)));
  });
}

test('processes racing with one refresh token: exactly one gets a new token', async () => {
  for (let round = 0; round < 3; round++) {
    const u = await registerUser();
    const s = await signIn(u, 'race');
    const statuses = await Promise.all(Array.from({ length: 8 }, () => curlRefresh(s.refresh)));
    assert.equal(statuses.filter((x) => x === 200).length, 1, `round ${round}: ${statuses}`);
    assert.equal(statuses.filter((x) => x === 401).length, 7, `round ${round}: ${statuses}`);
  }
});

test('logout ends the session family: its refresh cookie is refused', async () => {
  const u = await registerUser();
  const s = await signIn(u, 'curl/8.0');
  const out = await request('POST', '/api/auth/logout', auth(s.access));
  assert.equal(out.status, 204, out.text);
  assert.match(refreshSetCookie(out), /Max-Age=0/);
  assert.equal((await refresh(s.refresh)).status, 401);
});

test('logout-all ends every session of the account, access and refresh', async () => {
  const u = await registerUser();
  const a = await signIn(u, 'Mozilla/5.0 (Linux; Android 14) Chrome/126.0 Mobile Safari/537.36');
  const b = await signIn(u, 'Mozilla/5.0 (Windows NT 10.0) Firefox/128.0');
  const out = await request('POST', '/api/auth/logout-all', auth(a.access));
  assert.equal(out.status, 204, out.text);
  for (const s of [a, b]) {
    assert.equal((await get('/api/auth/me', auth(s.access))).status, 401);
    assert.equal((await refresh(s.refresh)).status, 401);
  }
  // registering's own session ended too
  assert.equal((await get('/api/auth/me', auth(u.token))).status, 401);
  // signing in again works
  const c = await signIn(u, 'curl/8.0');
  assert.equal((await get('/api/auth/me', auth(c.access))).status, 200);
});

test('sessions: listed with device, times and the current flag; one can be signed out', async () => {
  const u = await registerUser();
  const phone = await signIn(u, 'Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36');
  const laptop = await signIn(u, 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0');
  const list = await get('/api/auth/sessions', auth(laptop.access));
  assert.equal(list.status, 200, list.text);
  const items = list.json.items;
  assert.equal(items.length, 3, 'register + two logins'); // register started one too
  for (const it of items) {
    assert.deepEqual(Object.keys(it).sort(), ['created_at', 'current', 'device', 'id', 'last_seen_at']);
    assert.match(it.id, /^[0-9a-f]{32}$/);
    assert.ok(!Number.isNaN(Date.parse(it.created_at)) && it.created_at.endsWith('Z'));
  }
  const current = items.filter((i) => i.current);
  assert.equal(current.length, 1);
  assert.equal(current[0].device, 'Firefox on Linux');
  const other = items.find((i) => i.device === 'Chrome on Android');
  assert.ok(other, JSON.stringify(items));
  // someone else cannot sign it out (404, not 403: ids of others are not revealed)
  const stranger = await registerUser();
  let r = await request('DELETE', `/api/auth/sessions/${other.id}`, auth(stranger.token));
  assert.equal(r.status, 404, r.text);
  assert.equal((await refresh(phone.refresh)).status, 200);
  const phone2 = await signIn(u, 'Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36');
  const list2 = (await get('/api/auth/sessions', auth(laptop.access))).json.items;
  const target = list2.find((i) => i.device === 'Chrome on Android' && i.id !== other.id) || list2.find((i) => !i.current);
  r = await request('DELETE', `/api/auth/sessions/${target.id}`, auth(laptop.access));
  assert.equal(r.status, 204, r.text);
  // that device is out (access and refresh); this one is not
  assert.equal((await get('/api/auth/me', auth(phone2.access))).status, 401);
  assert.equal((await refresh(phone2.refresh)).status, 401);
  assert.equal((await get('/api/auth/me', auth(laptop.access))).status, 200);
  const after = (await get('/api/auth/sessions', auth(laptop.access))).json.items;
  assert.ok(!after.some((i) => i.id === target.id));
  // a second sign-out of the same session, and bad ids
  assert.equal((await request('DELETE', `/api/auth/sessions/${target.id}`, auth(laptop.access))).status, 404);
  r = await request('DELETE', '/api/auth/sessions/not-a-session', auth(laptop.access));
  assert.equal(r.status, 422, r.text);
  assert.equal(r.json.detail[0].loc.join('.'), 'path.id');
});

test('a password change keeps this session and ends the others, refresh included', async () => {
  const u = await registerUser();
  const here = await signIn(u, 'curl/8.0 here');
  const there = await signIn(u, 'curl/8.0 there');
  const r = await request('POST', '/api/auth/password', {
    ...auth(here.access), json: { current_password: u.body.password, new_password: 'An0ther-Passw0rd' },
  });
  assert.equal(r.status, 204, r.text);
  assert.equal((await refresh(there.refresh)).status, 401);
  assert.equal((await get('/api/auth/me', auth(there.access))).status, 401);
  const mine = await refresh(here.refresh);
  assert.equal(mine.status, 200, mine.text);
  assert.equal((await get('/api/auth/me', auth(mine.json.access_token))).status, 200);
});

test('disabling an account ends its refresh sessions', async () => {
  const a = await admin();
  const u = await registerUser();
  const s = await signIn(u, 'curl/8.0');
  const r = await request('PATCH', `/api/admin/users/${u.user.id}`, { ...auth(a), json: { disabled: true } });
  assert.equal(r.status, 200, r.text);
  assert.equal((await refresh(s.refresh)).status, 401);
  // enabled again, the old session stays over
  await request('PATCH', `/api/admin/users/${u.user.id}`, { ...auth(a), json: { disabled: false } });
  assert.equal((await refresh(s.refresh)).status, 401);
});
