// A signed-in session outlives the access-token lifetime without a new sign-in (issue 16):
// the API is restarted with JWT_EXPIRE_MIN=1 (one-minute access tokens), a resident signs in
// in the browser, and the web app renews the token silently through the refresh cookie,
// before expiry and, when handed an already expired token, on the 401 — never showing the
// sign-in page. Needs a private test stack (STACK_DIR set, as tests/run-check.sh does): it
// restarts that stack's API, and restores the normal lifetime afterwards.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BASE_URL, eventually, launch, newPage, signIn } from './lib/harness.mjs';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const usable = !!process.env.STACK_DIR && process.env.E2E_MOCK !== '1';
let browser;

function restartApi(extra = {}) {
  const env = { ...process.env, ...extra };
  if (!extra.JWT_EXPIRE_MIN) delete env.JWT_EXPIRE_MIN;
  execFileSync('bash', [resolve(REPO, 'scripts/stack.sh'), 'restart-api'], { env, stdio: 'ignore', timeout: 60000 });
}

const claims = (tok) => JSON.parse(Buffer.from(tok.split('.')[1], 'base64url').toString());
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

before(async () => {
  if (!usable) return;
  restartApi({ JWT_EXPIRE_MIN: '1' });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  if (usable) restartApi();
});

test('a session outlives one-minute access tokens without signing in again', { timeout: 240000 }, async (t) => {
  if (!usable) return t.skip('needs a private test stack (STACK_DIR): it restarts the API with short token lifetimes');
  const email = `long.session.${Date.now().toString(36)}@example.com`;
  const password = 'Recycle-2026!';
  const reg = await fetch(`${BASE_URL}/api/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Long Session', email, phone: '+91 98765 43210', password }),
  });
  assert.equal(reg.status, 201, await reg.text());

  const page = await newPage(browser);
  // every API answer the page got, and when: printed when the test fails
  const trail = [];
  const t0 = Date.now();
  const at = () => `${((Date.now() - t0) / 1000).toFixed(1)}s`;
  page.on('response', (r) => {
    const u = new URL(r.url());
    if (u.pathname.startsWith('/api/')) trail.push(`${at()} ${r.request().method()} ${u.pathname} ${r.status()}`);
  });
  page.on('requestfailed', (r) => trail.push(`${at()} ${r.method()} ${new URL(r.url()).pathname} failed: ${r.failure()?.errorText}`));
  t.after(() => {
    if (!t.passed || process.env.SESSION_TRAIL) console.error(`API calls of the page:\n${trail.join('\n')}`);
  });
  await signIn(page, { email, password });
  const visitedLogin = [];
  page.on('framenavigated', (f) => {
    if (f === page.mainFrame() && new URL(f.url()).pathname === '/login') visitedLogin.push(f.url());
  });
  const first = await page.evaluate(() => localStorage.getItem('swmra_token'));
  const c = claims(first);
  assert.equal(c.exp - c.iat, 60, 'the stack issues one-minute access tokens');
  assert.match(c.sid, /^[0-9a-f]{32}$/, 'the token belongs to a refresh session');

  // before it expires, the app has renewed it on its own
  const renewed = await eventually(
    async () => {
      const tok = await page.evaluate(() => localStorage.getItem('swmra_token'));
      return tok && tok !== first ? tok : null;
    },
    { timeout: 70000, what: 'a silently renewed token' },
  );
  assert.equal(claims(renewed).sid, c.sid, 'the same session, renewed');
  // the first token has expired by now (the server says so), yet the app works
  await sleep(Math.max(0, c.exp * 1000 - Date.now() + 2000));
  const old = await fetch(`${BASE_URL}/api/auth/me`, { headers: { authorization: `Bearer ${first}` } });
  assert.equal(old.status, 401, 'the first access token has expired');
  await page.goto('/notifications');
  await page.getByRole('heading', { name: 'Notifications' }).waitFor();

  // handed an expired token (a phone waking after a night), the app renews on the 401
  await page.evaluate((tok) => localStorage.setItem('swmra_token', tok), first);
  await page.goto('/profile');
  await page.getByText('Signed-in devices').waitFor();
  await page.getByText('This device').waitFor();
  const after401 = await page.evaluate(() => localStorage.getItem('swmra_token'));
  assert.notEqual(after401, first);
  assert.equal(claims(after401).sid, c.sid);
  assert.deepEqual(visitedLogin, [], 'never sent back to the sign-in page');
  await page.context().close();
});
