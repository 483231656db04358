// Browser tests of the crews pages (issue 17) against the real stack at E2E_BASE_URL: a crew
// member's My route on a phone, with a stage change made offline (context.setOffline) that
// is sent when the connection is back, and one that conflicts with a change made meanwhile
// (shown to the user, not applied); and the printable route sheet (print media hides the
// app's chrome). The data is made through the API first.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { randomInt } from 'node:crypto';
import { ADMIN, BASE_URL, STAFF, eventually, launch, newPage, screenshot, seriousViolations, serviceDate } from './lib/harness.mjs';

const RUN = Date.now().toString(36);
let browser;
let admin;
let staff;
let member; // { email, password, id }
let crew;
let date;
let stops = []; // request ids in route order

// Sign-ups and sign-ins are rate limited per client address (10/min): this file's calls come
// from a loopback address of their own, so they neither trip nor use up the budget of the
// other browser tests, which sign in from 127.0.0.1.
const ADDR = `127.${20 + randomInt(200)}.${randomInt(250)}.${2 + randomInt(250)}`;
const base = new URL(BASE_URL);

function api(method, path, token, body) {
  const data = body ? JSON.stringify(body) : undefined;
  const headers = { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(data ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {}) };
  return new Promise((resolve, reject) => {
    const req = http.request({ host: base.hostname, port: base.port || 80, method, path: `/api${path}`, headers, localAddress: ADDR, agent: false }, (res) => {
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
        resolve({ status: res.statusCode, json, text });
      });
    });
    req.on('error', reject);
    if (data) req.write(data);
    req.end();
  });
}

/** Opens the app signed in with `token` (the session the sign-in form would have stored). */
async function signedIn(page, token) {
  await page.goto('/login');
  await page.evaluate((t) => localStorage.setItem('swmra_token', t), token);
}

async function loginToken(who) {
  const r = await api('POST', '/auth/login', null, { email: who.email, password: who.password });
  assert.equal(r.status, 200, r.text);
  return r.json.access_token;
}

before(async () => {
  if (process.env.E2E_MOCK === '1') return;
  browser = await launch();
  admin = await loginToken(ADMIN);
  staff = await loginToken(STAFF);
  // a crew member of their own, and a resident with two pickups on one day, in one slot
  member = { email: `crew.${RUN}@example.com`, password: 'Crew-member-2026!' };
  const reg = await api('POST', '/auth/register', null, { name: 'Kiran Crew', email: member.email, phone: '+91 90000 11111', password: member.password });
  assert.equal(reg.status, 201, reg.text);
  member.id = reg.json.user.id;
  assert.equal((await api('PATCH', `/admin/users/${member.id}`, admin, { role: 'staff' })).status, 200);
  member.token = await loginToken(member); // a token issued with the staff role
  const c = await api('POST', '/admin/crews', admin, { name: `Crew ${RUN}`, members: [member.id] });
  assert.equal(c.status, 201, c.text);
  crew = c.json;
  const res = await api('POST', '/auth/register', null, { name: 'Meena Resident', email: `res.${RUN}@example.com`, phone: '+91 98450 22222', password: 'Resident-2026!' });
  assert.equal(res.status, 201, res.text);
  const resident = res.json.access_token;
  let slot = null;
  for (let d = 5; d < 14 && !slot; d++) {
    const s = await api('GET', `/staff/slots?date=${serviceDate(d)}`, staff);
    slot = s.json.find((x) => x.capacity_class === 'standard' && !x.closed && x.remaining >= 2) ?? null;
    if (slot) date = serviceDate(d);
  }
  assert.ok(slot, 'a slot with two free seats');
  for (const [pin, line1] of [
    ['560002', '4 Lake View Road'],
    ['560001', '9 Temple Street'],
  ]) {
    const r = await api('POST', '/requests', resident, {
      category: 'recyclable',
      description: `Bottles and cans ${RUN}`,
      quantity: 2,
      address: { line1, city: 'Bengaluru', pincode: pin, lat: 12.97, lng: 77.59 },
    });
    assert.equal(r.status, 201, r.text);
    assert.equal((await api('POST', `/staff/requests/${r.json.id}/transition`, staff, { to: 'pending_review' })).status, 200);
    const s = await api('POST', `/staff/requests/${r.json.id}/transition`, staff, { to: 'scheduled', slot_start: slot.start, slot_end: slot.end });
    assert.equal(s.status, 200, s.text);
    const a = await api('POST', `/staff/requests/${r.json.id}/assign`, staff, { crew_id: crew.id });
    assert.equal(a.status, 200, a.text);
    stops.push(r.json.id);
  }
  stops = stops.reverse(); // route order: pincode 560001 first
});

after(async () => {
  await browser?.close();
});

const status = async (id) => (await api('GET', `/staff/requests/${id}`, staff)).json.status;

test('My route on a phone: an offline stage change is queued, sent when back online; a conflicting one is shown', { skip: process.env.E2E_MOCK === '1' && 'needs the real stack' }, async () => {
  const page = await newPage(browser, { mobile: true });
  await signedIn(page, member.token);
  await page.goto(`/staff/my-route?date=${date}`);
  await page.getByRole('heading', { name: 'My route' }).waitFor();
  const cards = page.getByTestId('route-stop');
  await eventually(async () => (await cards.count()) === 2, { what: 'two stops' });
  assert.deepEqual(await cards.evaluateAll((els) => els.map((e) => e.dataset.stopId)), stops, 'slot, then pincode order');
  const first = cards.nth(0);
  const second = cards.nth(1);
  assert.match(await first.innerText(), /9 Temple Street/);
  assert.match(await first.innerText(), /Meena Resident/);
  assert.equal(await first.getByRole('link', { name: 'OpenStreetMap' }).getAttribute('href'), 'https://www.openstreetmap.org/?mlat=12.970000&mlon=77.590000#map=18/12.970000/77.590000');
  assert.equal(await first.getByRole('link', { name: 'Open in maps app' }).getAttribute('href'), 'geo:12.970000,77.590000');
  assert.equal(await first.getByRole('link', { name: /^Call/ }).getAttribute('href'), 'tel:+919845022222');
  const big = first.getByRole('button', { name: 'En route' });
  const box = await big.boundingBox();
  assert.ok(box && box.height >= 56 && box.width > 300, `a big button for the next stage (${JSON.stringify(box)})`);
  assert.deepEqual(await seriousViolations(page), []);
  await screenshot(page, '40-my-route');

  // the connection drops: both stops are moved on the phone
  await page.context().setOffline(true);
  await page.getByText(/You are offline\. Stage changes are saved/).waitFor();
  await big.click();
  await second.getByRole('button', { name: 'En route' }).click();
  await eventually(async () => (await first.getByTestId('route-stop-status').innerText()).trim() === 'En route', { what: 'the change shown at once' });
  assert.match(await page.getByTestId('route-waiting').innerText(), /2 changes waiting/);
  assert.ok(await first.getByTestId('route-stop-pending').isVisible());
  const queued = await page.evaluate(() => JSON.parse(localStorage.getItem('swmra_route_queue') || '[]'));
  assert.deepEqual(queued.map((c) => [c.requestId, c.to]), [[stops[0], 'enroute'], [stops[1], 'enroute']]);
  assert.equal(await status(stops[0]), 'scheduled', 'nothing reached the server');
  await screenshot(page, '41-my-route-offline');

  // meanwhile the office moves the second stop on (its version changes)
  assert.equal((await api('POST', `/staff/requests/${stops[1]}/transition`, staff, { to: 'cancelled', note: 'resident called' })).status, 200);

  // back online: the queue is sent; the first applies, the second is a conflict shown to the user
  await page.context().setOffline(false);
  await eventually(async () => (await status(stops[0])) === 'enroute', { what: 'the queued change on the server' });
  const conflicts = page.getByTestId('route-conflicts');
  await conflicts.waitFor();
  assert.match(await conflicts.innerText(), /4 Lake View Road.*not moved to En route/s);
  assert.equal(await status(stops[1]), 'cancelled', 'the conflicting change was not applied');
  await eventually(async () => (await page.getByTestId('route-waiting').count()) === 0, { what: 'an empty queue' });
  assert.equal(await page.evaluate(() => localStorage.getItem('swmra_route_queue')), null);
  await eventually(async () => (await first.getByTestId('route-stop-status').innerText()).trim() === 'En route', { what: 'the server state shown' });
  assert.ok(await first.getByRole('button', { name: 'On site' }).isVisible(), 'the next stage after en route');
  await screenshot(page, '42-my-route-synced');

  // online, a stage change goes straight through
  await first.getByRole('button', { name: 'On site' }).click();
  await eventually(async () => (await status(stops[0])) === 'onsite', { what: 'onsite on the server' });
  await page.context().close();
});

test('the route sheet prints without the app around it', { skip: process.env.E2E_MOCK === '1' && 'needs the real stack' }, async () => {
  const page = await newPage(browser);
  await signedIn(page, staff);
  await page.goto(`/staff/route-sheet?date=${date}&crew=${crew.id}`);
  await page.getByRole('heading', { name: 'Route sheet' }).waitFor();
  const section = page.getByTestId('sheet-crew');
  await section.waitFor();
  assert.equal(await section.count(), 1);
  assert.match(await section.getByRole('heading', { level: 2 }).innerText(), new RegExp(`Crew ${RUN}`));
  // the second stop was cancelled by the office above (a cancelled pickup leaves the route)
  const rows = section.getByTestId('sheet-stop');
  assert.equal(await rows.count(), 1);
  assert.match(await rows.nth(0).innerText(), /9 Temple Street/);
  assert.match(await rows.nth(0).innerText(), /On site/);
  assert.ok(await page.getByRole('button', { name: 'Print' }).isVisible());
  assert.ok(await page.getByRole('navigation', { name: 'Main' }).isVisible());
  assert.deepEqual(await seriousViolations(page), []);

  await page.emulateMedia({ media: 'print' });
  assert.ok(!(await page.getByRole('button', { name: 'Print' }).isVisible()), 'controls are not printed');
  assert.ok(!(await page.locator('header').first().isVisible()), 'the app header is not printed');
  assert.ok(await rows.nth(0).isVisible(), 'the sheet is');
  assert.ok(await page.getByRole('columnheader', { name: 'Done' }).first().isVisible(), 'a tick column on paper');
  const pdf = await page.pdf({ format: 'A4' });
  assert.ok(pdf.length > 1000, 'prints to a PDF');
  await screenshot(page, '43-route-sheet-print');

  // the CSV download carries the same rows
  await page.emulateMedia({ media: 'screen' });
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download CSV' }).click()]);
  assert.equal(download.suggestedFilename(), `route-sheet-${date}.csv`);
  await page.context().close();
});
