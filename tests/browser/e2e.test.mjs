// End-to-end: the web app against the real stack (nginx -> FastCGI -> FerretDB, nchan for
// live notifications) at E2E_BASE_URL. Run with ./run.sh (or node --test e2e.test.mjs).
// The tests build on each other (one resident, one staff member, one request), in order.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BASE_URL, PHOTO, STAFF, ADMIN, bellUnread, eventually, launch, newPage, points, screenshot, seriousViolations, serviceDate, signIn } from './lib/harness.mjs';

let browser;
let resident; // page in the resident's browser context
let staff; // page in the staff member's context (a second "browser")
let requestId;
const RUN = Date.now().toString(36);
const email = `resident.${RUN}@example.com`;
const FIRST = 'Cardboard boxes and old newspapers';
const SECOND = 'Garden clippings, two sacks';
// the stack's database keeps earlier runs' requests: find ours on the staff board by id
const card = (page, column) => page.getByTestId(`column-${column}`).locator(`a[href="/staff/requests/${requestId}"]`);
const password = 'Recycle-2026!';

before(async () => {
  const res = await fetch(`${BASE_URL}/api/health`).catch((e) => ({ ok: false, status: e.message }));
  assert.ok(res.ok, `the stack is not answering at ${BASE_URL}/api/health (${res.status}); start it with scripts/stack.sh start`);
  const index = await fetch(`${BASE_URL}/`).then((r) => r.text());
  assert.match(index, /<div id="root">/, `${BASE_URL}/ does not serve the built web app (run npm run build in frontend/)`);
  browser = await launch();
});

after(async () => {
  await browser?.close();
});

/** Walks the wizard; picks the first free slot from `fromDay` days ahead when `slot` is true. */
async function bookPickup(page, { description, slot, photo }) {
  await page.goto('/requests/new');
  await page.getByLabel('Waste category').selectOption('recyclable');
  await page.getByLabel('Quantity (bags)').fill('2');
  await page.getByLabel('Description').fill(description);
  await page.getByRole('button', { name: 'Next', exact: true }).click();
  await page.getByLabel('Address line 1').fill('12 MG Road, Ashok Nagar');
  await page.getByLabel('City').fill('Bengaluru');
  await page.getByLabel('PIN code').fill('560001');
  await page.getByRole('button', { name: 'Next', exact: true }).click();
  await page.getByRole('heading', { name: /step 3 of 5/i }).waitFor();
  let chosen = null;
  if (slot) {
    for (let day = 2; day <= 14 && !chosen; day++) {
      await page.getByLabel('Pickup date').fill(serviceDate(day));
      const radios = page.getByRole('radio');
      const none = page.getByText(/no free slots/i);
      await eventually(async () => (await radios.count()) > 0 || (await none.isVisible()), { what: 'the slot list' });
      if ((await radios.count()) > 0) {
        chosen = (await radios.first().locator('xpath=..').innerText()).split('\n')[0];
        await radios.first().check();
        if (photo) await screenshot(page, '04-new-request-slots');
      }
    }
    assert.ok(chosen, 'no free slot in the next two weeks');
    await page.getByRole('button', { name: 'Next', exact: true }).click();
  } else {
    await page.getByRole('button', { name: /skip/i }).click();
  }
  await page.getByRole('heading', { name: /step 4 of 5/i }).waitFor();
  if (photo) {
    await page.getByLabel(/photos of the waste/i).setInputFiles(photo);
    await page.getByText('Uploaded').waitFor();
    await screenshot(page, '05-new-request-photo');
  }
  await page.getByRole('button', { name: 'Next', exact: true }).click();
  await page.getByRole('heading', { name: /step 5 of 5/i }).waitFor();
  await page.getByRole('button', { name: 'Submit request' }).click();
  await page.waitForURL(/\/requests\/[0-9a-f]+$/);
  return { id: page.url().split('/').pop(), chosen };
}

async function staffMove(page, to) {
  // proof of service: collecting needs the weight (the photos are optional)
  if (to === 'Collected') await page.getByLabel('Weight collected (kg)').fill('6.5');
  await page.getByRole('button', { name: `Move to ${to}` }).click();
  if (to === 'Failed' || to === 'Cancelled') await page.getByRole('button', { name: 'Confirm' }).click();
  await eventually(async () => (await page.getByTestId('staff-request-status').innerText()).trim() === to, { what: `staff status ${to}` });
}

test('a resident signs up, books a pickup with a photo and sees it scheduled', async () => {
  resident = await newPage(browser);
  await resident.goto('/signup');
  await screenshot(resident, '02-signup');
  await resident.getByLabel('Full name').fill('Priya Resident');
  await resident.getByLabel('Email').fill(email);
  await resident.getByLabel('Phone').fill('+91 98450 12345');
  await resident.getByLabel('Password', { exact: true }).fill(password);
  await resident.getByLabel('Confirm password').fill(password);
  await resident.getByRole('button', { name: 'Create account' }).click();
  await resident.getByRole('heading', { name: 'Hello, Priya Resident' }).waitFor();
  assert.ok(await resident.evaluate(() => localStorage.getItem('swmra_token')), 'token stored under swmra_token');

  const booked = await bookPickup(resident, { description: FIRST, slot: true, photo: PHOTO });
  requestId = booked.id;
  await eventually(async () => (await resident.getByTestId('request-status').innerText()).trim() === 'Scheduled', { what: 'status Scheduled' });
  const photos = resident.getByRole('img', { name: /photo 1 of the waste/i });
  await photos.waitFor();
  assert.ok(await photos.evaluate((img) => img.complete && img.naturalWidth > 0), 'the uploaded photo is served');
  await screenshot(resident, '06-request-scheduled');
});

test('staff moves it to enroute and the resident bell updates live, without a reload', async () => {
  assert.ok(requestId, 'needs the booked request');
  staff = await newPage(browser);
  await signIn(staff, STAFF);
  await staff.waitForURL(/\/staff$/);
  await staff.getByRole('heading', { name: 'Staff console' }).waitFor();
  await card(staff, 'scheduled').waitFor();
  await screenshot(staff, '10-staff-console');

  await resident.goto('/');
  await resident.getByRole('heading', { name: /hello/i }).waitFor();
  await resident.evaluate(() => {
    window.__sameDocument = true;
  });
  await eventually(async () => (await resident.getByTestId('bell').getAttribute('aria-label')) !== null, { what: 'the bell' });
  // let the live connection settle (the bell panel says "Live" when open)
  await resident.getByTestId('bell').click();
  await resident.getByText('Live', { exact: true }).waitFor();
  await resident.keyboard.press('Escape');
  const before = await bellUnread(resident);

  await staff.goto(`/staff/requests/${requestId}`);
  await staff.getByTestId('staff-request-status').getByText('Scheduled').waitFor();
  await staffMove(staff, 'En route');
  await screenshot(staff, '11-staff-request');

  const afterCount = await eventually(async () => {
    const n = await bellUnread(resident);
    return n > before ? n : 0;
  }, { what: 'the bell count to rise' });
  assert.ok(afterCount > before);
  assert.equal(await resident.evaluate(() => window.__sameDocument), true, 'the page was not reloaded');
  await resident.getByTestId('bell').click();
  await resident.getByRole('region', { name: 'Notifications' }).waitFor();
  await screenshot(resident, '07-bell-live-update');
  await resident.keyboard.press('Escape');
});

test('staff completes it through every stage and the resident points update', async () => {
  assert.ok(requestId, 'needs the booked request');
  const start = await points(resident);
  for (const stage of ['On site', 'Collecting', 'Collected', 'Handover', 'Verification', 'Completed']) await staffMove(staff, stage);
  const now = await eventually(async () => {
    const p = await points(resident);
    return p > start ? p : 0;
  }, { what: 'the points badge to rise' });
  assert.ok(now > start, `points went from ${start} to ${now}`);
  assert.equal(await resident.evaluate(() => window.__sameDocument), true, 'the page was not reloaded');

  await resident.goto(`/requests/${requestId}`);
  await eventually(async () => (await resident.getByTestId('request-status').innerText()).trim() === 'Completed', { what: 'status Completed' });
  await resident.goto('/rewards');
  await eventually(async () => Number(await resident.getByTestId('rewards-total').innerText()) === now, { what: 'rewards total' });
  await resident.getByText(/completed recyclable pickup/i).first().waitFor();
  await screenshot(resident, '08-rewards');
});

test('the resident sees the proof of service and says "not collected": failed, points reversed', async () => {
  await resident.goto(`/requests/${requestId}`);
  await resident.getByText('Weight collected: 6.5 kg').waitFor();
  await resident.getByLabel('What happened?').fill('The bins are still full');
  await resident.getByRole('button', { name: 'Report not collected' }).click();
  await eventually(async () => (await resident.getByTestId('request-status').innerText()).trim() === 'Failed', { what: 'status Failed' });
  await resident.goto('/rewards');
  await resident.getByText(/Reversed: not collected/).first().waitFor();
  await eventually(async () => Number(await resident.getByTestId('rewards-total').innerText()) === 0, { what: 'rewards total back to 0' });
  await screenshot(resident, '08b-rewards-reversed');
});

test('staff see the reports: charts and the same numbers as tables', async () => {
  await staff.goto('/staff/reports');
  await staff.getByRole('table', { name: /Overview/ }).waitFor();
  assert.ok((await staff.getByRole('img', { name: 'Requests by day' }).boundingBox()).height > 50, 'the chart is drawn');
  await screenshot(staff, '12b-reports');
});

test('a resident cancels another request', async () => {
  const { id } = await bookPickup(resident, { description: SECOND, slot: false });
  await resident.getByText(/you can cancel until 24 hours before/i).waitFor();
  await resident.getByRole('button', { name: 'Cancel request' }).click();
  await resident.getByLabel(/reason/i).fill('Neighbour took them');
  await resident.getByRole('button', { name: 'Yes, cancel it' }).click();
  await resident.getByText('Your request was cancelled.').waitFor();
  await eventually(async () => (await resident.getByTestId('request-status').innerText()).trim() === 'Cancelled', { what: 'status Cancelled' });
  await resident.reload();
  await eventually(async () => (await resident.getByTestId('request-status').innerText()).trim() === 'Cancelled', { what: 'status Cancelled after reload' });
  assert.ok(id && id !== requestId);
  await resident.goto('/requests?status=cancelled');
  await resident.getByText(SECOND).waitFor();
});

test('the app is installable: manifest, real icons, service worker and an offline page', async () => {
  const page = await newPage(browser, { serviceWorkers: 'allow' });
  await page.goto('/login');
  const manifestHref = await page.locator('link[rel="manifest"]').getAttribute('href');
  const manifest = await page.evaluate(async (href) => (await fetch(href)).json(), manifestHref);
  assert.equal(manifest.display, 'standalone');
  assert.equal(manifest.start_url, '/');
  for (const size of ['192x192', '512x512']) {
    const icon = manifest.icons.find((i) => i.sizes === size && (i.purpose ?? 'any').includes('any'));
    assert.ok(icon, `an icon of ${size}`);
    const info = await page.evaluate(async (src) => {
      const r = await fetch(src);
      const b = new Uint8Array(await r.arrayBuffer());
      const img = await createImageBitmap(new Blob([b], { type: 'image/png' }));
      return { type: r.headers.get('content-type'), bytes: b.length, png: b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47, w: img.width };
    }, icon.src);
    assert.ok(info.png && info.bytes > 500, `${icon.src} is a real PNG`);
    assert.equal(info.w, Number(size.split('x')[0]));
  }
  const scope = await page.evaluate(async () => (await navigator.serviceWorker.ready).scope);
  assert.equal(new URL(scope).pathname, '/');
  await page.reload();
  await eventually(() => page.evaluate(() => !!navigator.serviceWorker.controller), { what: 'the service worker to control the page' });
  await page.context().setOffline(true);
  await page.goto('/requests').catch(() => undefined);
  await page.getByRole('heading', { name: 'You are offline' }).waitFor();
  await screenshot(page, '17-offline');
  await page.context().setOffline(false);
  await page.context().close();
});

test('the main pages have no serious or critical accessibility violations (axe-core)', async () => {
  const problems = [];
  const scan = async (page, name, path, ready) => {
    await page.goto(path);
    await ready(page);
    const v = await seriousViolations(page);
    for (const x of v) problems.push(`${name} (${path}): [${x.impact}] ${x.id}: ${x.help} -> ${x.nodes.join(', ')}`);
    await screenshot(page, name);
  };
  const h1 = (name) => (page) => page.getByRole('heading', { level: 1, name }).waitFor();

  const guest = await newPage(browser);
  await scan(guest, '01-login', '/login', h1('Sign in'));
  await scan(guest, '02-signup', '/signup', h1('Create account'));
  await guest.context().close();

  await scan(resident, '03-dashboard', '/', h1(/hello/i));
  await scan(resident, '04-new-request', '/requests/new', h1('Book a pickup'));
  await scan(resident, '05-my-requests', '/requests', async (p) => p.getByText(SECOND).waitFor());
  await scan(resident, '06-request-detail', `/requests/${requestId}`, async (p) => p.getByRole('heading', { name: 'Timeline' }).waitFor());
  await scan(resident, '07-notifications', '/notifications', async (p) => p.getByTestId('notification-list').waitFor());
  await scan(resident, '08-rewards', '/rewards', async (p) => p.getByTestId('rewards-total').waitFor());
  await scan(resident, '09-profile', '/profile', h1('Profile'));
  await scan(staff, '10-staff-console', '/staff', async (p) => card(p, 'failed').waitFor());
  await scan(staff, '11-staff-request', `/staff/requests/${requestId}`, async (p) => p.getByRole('heading', { name: 'Timeline' }).waitFor());
  await scan(staff, '12-slot-calendar', `/staff/slots?date=${serviceDate(2)}`, h1('Slot calendar'));
  await scan(staff, '12b-reports', '/staff/reports', async (p) => p.getByRole('table', { name: /Overview/ }).waitFor());

  const admin = await newPage(browser);
  let adminOk = true;
  try {
    await signIn(admin, ADMIN);
  } catch {
    adminOk = false;
    console.log('# admin sign-in failed: admin pages not scanned');
  }
  if (adminOk) {
    await scan(admin, '13-admin-users', '/admin/users', async (p) => p.getByRole('table').waitFor());
    await scan(admin, '14-admin-slot-templates', '/admin/slots', async (p) => p.getByRole('button', { name: 'Save templates' }).waitFor());
  }
  await admin.context().close();

  const mobile = await newPage(browser, { mobile: true });
  const token = await resident.evaluate(() => localStorage.getItem('swmra_token'));
  await mobile.goto('/login');
  await mobile.evaluate((t) => localStorage.setItem('swmra_token', t), token);
  await scan(mobile, '15-dashboard-mobile', '/', h1(/hello/i));
  await scan(mobile, '16-new-request-mobile', '/requests/new', h1('Book a pickup'));
  await mobile.context().close();

  assert.deepEqual(problems, [], `axe found serious/critical violations:\n${problems.join('\n')}`);
});

/** Runs the notification dispatcher once against the stack under test (its env, or the dev
 * stack's from scripts/stack.sh env), as cron would. */
function runDispatch() {
  const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
  const bin = resolve(process.env.SWMRA_BUILD_DIR || repo, 'cron/swmra-job-dispatch');
  assert.ok(existsSync(bin), `${bin} is not built`);
  const script = process.env.MONGO_URI
    ? 'exec "$0" --once --env-file ""'
    : 'eval "$(bash "$1/scripts/stack.sh" env)" && exec "$0" --once --env-file ""';
  execFileSync('bash', ['-c', script, bin, repo], { stdio: 'pipe', timeout: 60000 });
}

test('an admin opens System and sees the dispatch job row after a dispatch run', async () => {
  const admin = await newPage(browser);
  await signIn(admin, ADMIN);
  const started = Date.now() - 1000;
  runDispatch();
  await admin.getByRole('navigation').getByRole('link', { name: 'System' }).click();
  await admin.waitForURL(/\/admin\/system$/);
  await admin.getByRole('heading', { level: 1, name: 'System' }).waitFor();
  const row = admin.getByRole('table', { name: /jobs?$/ }).getByRole('row', { name: /^dispatch\b/ });
  await row.waitFor();
  const lastRun = await row.locator('time').first().getAttribute('datetime');
  assert.ok(Date.parse(lastRun) >= started, `the dispatch row shows a run at ${lastRun}, before this run (${new Date(started).toISOString()})`);
  assert.match(await row.innerText(), /Succeeded/);
  assert.match(await row.innerText(), /\bOK\b/);
  await admin.getByRole('table', { name: 'Queues' }).getByRole('row', { name: /^Email notifications/ }).waitFor();
  const v = await seriousViolations(admin);
  assert.deepEqual(v.map((x) => `[${x.impact}] ${x.id}: ${x.help}`), [], 'axe on /admin/system');
  await screenshot(admin, '18-admin-system');
  await admin.context().close();
});

test('an admin issues an Open311 API key (secret shown once), it works, and revoking it refuses it', async () => {
  const admin = await newPage(browser);
  await signIn(admin, ADMIN);
  await admin.getByRole('navigation').getByRole('link', { name: 'API keys' }).click();
  await admin.waitForURL(/\/admin\/api-keys$/);
  await admin.getByRole('heading', { level: 1, name: 'API keys' }).waitFor();
  const name = `Call centre ${RUN}`;
  await admin.getByLabel('Name').fill(name);
  await admin.getByRole('button', { name: 'Issue key' }).click();
  const secretBox = admin.getByLabel(`Secret of ${name}`);
  await secretBox.waitFor();
  const secret = await secretBox.inputValue();
  assert.match(secret, /^o311_[0-9a-f]{64}$/);
  const row = admin.getByRole('row', { name: new RegExp(`^${name}`) });
  await row.waitFor();
  assert.ok(!(await row.innerText()).includes(secret), 'the list never shows the secret');
  const v = await seriousViolations(admin);
  assert.deepEqual(v.map((x) => `[${x.impact}] ${x.id}: ${x.help}`), [], 'axe on /admin/api-keys');
  await screenshot(admin, '19-admin-api-keys');
  await admin.getByRole('button', { name: 'I have copied it' }).click();
  await secretBox.waitFor({ state: 'detached' });

  const use = () => fetch(`${BASE_URL}/open311/v2/requests.json?api_key=${secret}`);
  assert.equal((await use()).status, 200);
  admin.once('dialog', (d) => d.accept());
  await admin.getByRole('button', { name: `Revoke ${name}` }).click();
  await admin.getByText('Key revoked.').waitFor();
  await row.getByText('Revoked').waitFor();
  const refused = await use();
  assert.equal(refused.status, 403);
  assert.equal((await refused.json())[0].code, 403);
  await admin.context().close();
});

test('a resident downloads their data and deletes their account; an admin reads it in the Audit log', async () => {
  const who = { name: 'Leaving Resident', email: `leaving.${RUN}@example.com`, phone: '+91 98450 00000', password };
  const reg = await fetch(`${BASE_URL}/api/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(who),
  });
  const regText = await reg.text();
  assert.equal(reg.status, 201, regText);
  const { user } = JSON.parse(regText);
  const page = await newPage(browser);
  await signIn(page, who);
  await page.goto('/profile');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download my data' }).click()]);
  assert.match(download.suggestedFilename(), /^swmra-export-\d{4}-\d{2}-\d{2}\.zip$/);
  const bytes = await new Promise((res, rej) => {
    download.createReadStream().then((s) => {
      const chunks = [];
      s.on('data', (c) => chunks.push(c));
      s.on('end', () => res(Buffer.concat(chunks)));
      s.on('error', rej);
    }, rej);
  });
  assert.equal(bytes.subarray(0, 4).toString('latin1'), 'PK\x03\x04', 'a ZIP archive');
  const zipFile = resolve(tmpdir(), `swmra-export-${RUN}.zip`);
  writeFileSync(zipFile, bytes);
  const data = JSON.parse(execFileSync('unzip', ['-p', zipFile, 'data.json'], { encoding: 'utf8' }));
  rmSync(zipFile, { force: true });
  assert.equal(data.profile.email, who.email, 'the archive holds the profile');
  await page.getByText('Your download has started.').waitFor();

  await page.getByRole('button', { name: 'Delete my account…' }).click();
  await page.getByLabel('Your password, to confirm').fill(password);
  await page.getByLabel('I understand that this cannot be undone').check();
  const v = await seriousViolations(page);
  assert.deepEqual(v.map((x) => `[${x.impact}] ${x.id}: ${x.help}`), [], 'axe on the profile with the delete form open');
  await screenshot(page, '19-profile-delete');
  await page.getByRole('button', { name: 'Delete my account permanently' }).click();
  await page.waitForURL(/\/login$/);
  await page.context().close();

  const admin = await newPage(browser);
  await signIn(admin, ADMIN);
  await admin.getByRole('navigation').getByRole('link', { name: 'Audit log' }).click();
  await admin.getByRole('heading', { level: 1, name: 'Audit log' }).waitFor();
  await admin.getByLabel('Target (id)').fill(user.id);
  await admin.getByRole('button', { name: 'Filter' }).click();
  // the filtered page, not the unfiltered one still on screen (other tests erase accounts too)
  await eventually(
    async () => {
      const rows = await admin.locator('tbody tr').allTextContents();
      return rows.length > 0 && rows.every((r) => r.includes(user.id)) && rows.some((r) => r.includes('user.erase'));
    },
    { what: "the audit log filtered to the erased account, with its 'user.erase'" },
  );
  const va = await seriousViolations(admin);
  assert.deepEqual(va.map((x) => `[${x.impact}] ${x.id}: ${x.help}`), [], 'axe on /admin/audit');
  await screenshot(admin, '20-admin-audit');
  await admin.context().close();
});
