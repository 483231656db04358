// The main resident flow in Hindi and in Kannada against the real stack (issue 18): sign up or
// sign in, book a pickup with a slot, see it scheduled and on the dashboard; every page the
// flow visits is axe-clean (serious/critical) in that language, and <html lang> matches it.
// Hindi comes from the browser's language (a hi-IN browser, nothing chosen); Kannada is picked
// in the header switcher by a resident whose browser is English, saved on the profile, and
// follows them to a fresh browser.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_URL, eventually, launch, newPage, screenshot, seriousViolations, serviceDate } from './lib/harness.mjs';

let browser;
const RUN = Date.now().toString(36);
const password = 'Recycle-2026!';

// The words the flow looks for, as the app's catalogues (frontend/src/i18n/*.ts) write them.
const WORDS = {
  hi: {
    signupTitle: 'खाता बनाएँ',
    loginTitle: 'साइन इन',
    signIn: 'साइन इन करें',
    signOut: 'साइन आउट',
    name: 'पूरा नाम',
    email: 'ईमेल',
    phone: 'फ़ोन',
    password: 'पासवर्ड',
    confirm: 'पासवर्ड दोबारा लिखें',
    hello: 'नमस्ते',
    wizard: 'पिकअप बुक करें',
    category: 'कचरे का प्रकार',
    quantity: 'मात्रा (थैले)',
    description: 'विवरण',
    next: 'आगे',
    line1: 'पता, पहली पंक्ति',
    city: 'शहर',
    pincode: 'पिन कोड',
    step: (n) => `चरण ${n} / 5`,
    date: 'पिकअप की तारीख',
    noSlots: /कोई खाली स्लॉट नहीं/,
    submit: 'अनुरोध भेजें',
    scheduled: 'समय तय',
    timeline: 'टाइमलाइन',
    nextPickup: 'अगला पिकअप',
    language: 'भाषा',
  },
  kn: {
    signupTitle: 'ಖಾತೆ ತೆರೆಯಿರಿ',
    loginTitle: 'ಸೈನ್ ಇನ್',
    signIn: 'ಸೈನ್ ಇನ್ ಮಾಡಿ',
    signOut: 'ಸೈನ್ ಔಟ್',
    email: 'ಇಮೇಲ್',
    password: 'ಪಾಸ್‌ವರ್ಡ್',
    hello: 'ನಮಸ್ಕಾರ',
    wizard: 'ಪಿಕಪ್ ಬುಕ್ ಮಾಡಿ',
    category: 'ಕಸದ ವಿಧ',
    quantity: 'ಪ್ರಮಾಣ (ಚೀಲಗಳು)',
    description: 'ವಿವರಣೆ',
    next: 'ಮುಂದೆ',
    line1: 'ವಿಳಾಸ, ಮೊದಲ ಸಾಲು',
    city: 'ನಗರ',
    pincode: 'ಪಿನ್ ಕೋಡ್',
    step: (n) => `ಹಂತ ${n} / 5`,
    date: 'ಪಿಕಪ್ ದಿನಾಂಕ',
    noSlots: /ಖಾಲಿ ಸ್ಲಾಟ್ ಇಲ್ಲ/,
    submit: 'ವಿನಂತಿ ಕಳುಹಿಸಿ',
    scheduled: 'ಸಮಯ ನಿಗದಿಯಾಗಿದೆ',
    timeline: 'ಟೈಮ್‌ಲೈನ್',
    nextPickup: 'ಮುಂದಿನ ಪಿಕಪ್',
    language: 'ಭಾಷೆ',
  },
};

before(async () => {
  const res = await fetch(`${BASE_URL}/api/health`).catch((e) => ({ ok: false, status: e.message }));
  assert.ok(res.ok, `the stack is not answering at ${BASE_URL}/api/health (${res.status})`);
  browser = await launch();
});

after(async () => {
  await browser?.close();
});

/** Asserts <html lang> and no serious/critical axe violations, then saves a screenshot. */
async function checkPage(page, lang, name, problems) {
  assert.equal(await page.evaluate(() => document.documentElement.lang), lang, `${name}: <html lang>`);
  for (const v of await seriousViolations(page)) problems.push(`${name}: [${v.impact}] ${v.id}: ${v.help} -> ${v.nodes.join(', ')}`);
  await screenshot(page, `i18n-${lang}-${name}`);
}

/** The booking wizard in language `w`, taking the first free slot from two days ahead. */
async function bookWithSlot(page, w, lang, problems) {
  await page.goto('/requests/new');
  await page.getByRole('heading', { level: 1, name: w.wizard }).waitFor();
  await checkPage(page, lang, 'wizard', problems);
  await page.getByLabel(w.category).selectOption('recyclable');
  await page.getByLabel(w.quantity).fill('2');
  await page.getByLabel(w.description).fill('Old newspapers and cardboard boxes');
  await page.getByRole('button', { name: w.next, exact: true }).click();
  await page.getByLabel(w.line1).fill('12 MG Road, Ashok Nagar');
  await page.getByLabel(w.city).fill('Bengaluru');
  await page.getByLabel(w.pincode).fill('560001');
  await page.getByRole('button', { name: w.next, exact: true }).click();
  await page.getByRole('heading', { name: new RegExp(w.step(3)) }).waitFor();
  let chosen = false;
  for (let day = 2; day <= 14 && !chosen; day++) {
    await page.getByLabel(w.date).fill(serviceDate(day));
    const radios = page.getByRole('radio');
    await eventually(async () => (await radios.count()) > 0 || (await page.getByText(w.noSlots).isVisible()), { what: 'the slot list' });
    if ((await radios.count()) > 0) {
      await radios.first().check();
      chosen = true;
    }
  }
  assert.ok(chosen, 'no free slot in the next two weeks');
  await checkPage(page, lang, 'wizard-slots', problems);
  await page.getByRole('button', { name: w.next, exact: true }).click();
  await page.getByRole('heading', { name: new RegExp(w.step(4)) }).waitFor();
  await page.getByRole('button', { name: w.next, exact: true }).click();
  await page.getByRole('heading', { name: new RegExp(w.step(5)) }).waitFor();
  await page.getByRole('button', { name: w.submit }).click();
  await page.waitForURL(/\/requests\/[0-9a-f]+$/);
  const id = page.url().split('/').pop();
  await eventually(async () => (await page.getByTestId('request-status').innerText()).trim() === w.scheduled, { what: `status ${w.scheduled}` });
  await page.getByRole('heading', { name: w.timeline }).waitFor();
  await checkPage(page, lang, 'request', problems);
  return id;
}

/** The dashboard shows the booked pickup as the next one, in language `w`. */
async function seeOnDashboard(page, w, lang, id, problems) {
  await page.goto('/');
  await page.getByRole('heading', { level: 1, name: new RegExp(w.hello) }).waitFor();
  await page.getByRole('heading', { name: w.nextPickup }).waitFor();
  await eventually(async () => (await page.locator(`a[href="/requests/${id}"]`).count()) > 0, { what: 'the request on the dashboard' });
  await checkPage(page, lang, 'dashboard', problems);
}

test('Hindi, from the browser language: sign up, book a slot, see it on the dashboard, sign in again (axe-clean)', async () => {
  const w = WORDS.hi;
  const problems = [];
  const page = await newPage(browser, { locale: 'hi-IN' });
  const email = `hindi.${RUN}@example.com`;
  await page.goto('/signup');
  await page.getByRole('heading', { level: 1, name: w.signupTitle }).waitFor();
  await checkPage(page, 'hi', 'signup', problems);
  await page.getByLabel(w.name).fill('अनीता वर्मा');
  await page.getByLabel(w.email).fill(email);
  await page.getByLabel(w.phone).fill('+91 98450 12345');
  await page.getByLabel(w.password, { exact: true }).fill(password);
  await page.getByLabel(w.confirm).fill(password);
  await page.getByRole('button', { name: w.signupTitle }).click();
  await page.getByRole('heading', { level: 1, name: `${w.hello}, अनीता वर्मा` }).waitFor();

  // the language the account was made in is saved on the profile (emails follow it)
  const token = await page.evaluate(() => localStorage.getItem('swmra_token'));
  const me = await fetch(`${BASE_URL}/api/auth/me`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.json());
  assert.equal(me.locale, 'hi');

  const id = await bookWithSlot(page, w, 'hi', problems);
  await seeOnDashboard(page, w, 'hi', id, problems);

  await page.getByRole('button', { name: w.signOut }).click();
  await page.getByRole('heading', { level: 1, name: w.loginTitle }).waitFor();
  await checkPage(page, 'hi', 'login', problems);
  await page.getByLabel(w.email).fill(email);
  await page.getByLabel(w.password, { exact: true }).fill(password);
  await page.getByRole('button', { name: w.signIn }).click();
  await page.getByRole('heading', { level: 1, name: new RegExp(w.hello) }).waitFor();
  await page.context().close();
  assert.deepEqual(problems, [], `axe found serious/critical violations in Hindi:\n${problems.join('\n')}`);
});

test('Kannada, chosen in the header: saved on the profile, kept in a fresh browser; book a slot, see it on the dashboard (axe-clean)', async () => {
  const w = WORDS.kn;
  const problems = [];
  const email = `kannada.${RUN}@example.com`;
  const reg = await fetch(`${BASE_URL}/api/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Kiran Gowda', email, phone: '+91 98450 54321', password }),
  });
  assert.equal(reg.status, 201, await reg.text());

  // an English browser: signs in in English, then picks Kannada in the header
  const first = await newPage(browser, { locale: 'en-IN' });
  await first.goto('/login');
  await first.getByLabel('Email').fill(email);
  await first.getByLabel('Password', { exact: true }).fill(password);
  await first.getByRole('button', { name: 'Sign in' }).click();
  await first.getByRole('heading', { level: 1, name: /Hello/ }).waitFor();
  assert.equal(await first.evaluate(() => document.documentElement.lang), 'en');
  const saved = first.waitForResponse((r) => r.url().endsWith('/api/auth/me') && r.request().method() === 'PATCH');
  await first.getByRole('combobox', { name: 'Language' }).selectOption('kn');
  assert.equal((await saved).status(), 200);
  await first.getByRole('heading', { level: 1, name: new RegExp(w.hello) }).waitFor();
  assert.equal(await first.evaluate(() => document.documentElement.lang), 'kn');
  await first.context().close();

  // a fresh browser (English, nothing stored): the profile's language applies on sign-in
  const page = await newPage(browser, { locale: 'en-IN' });
  await page.goto('/login');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: new RegExp(w.hello) }).waitFor();
  assert.equal(await page.getByRole('combobox', { name: w.language }).inputValue(), 'kn');
  await checkPage(page, 'kn', 'home', problems);

  const id = await bookWithSlot(page, w, 'kn', problems);
  await seeOnDashboard(page, w, 'kn', id, problems);

  await page.getByRole('button', { name: w.signOut }).click();
  await page.getByRole('heading', { level: 1, name: w.loginTitle }).waitFor();
  await checkPage(page, 'kn', 'login', problems);
  await page.context().close();
  assert.deepEqual(problems, [], `axe found serious/critical violations in Kannada:\n${problems.join('\n')}`);
});
