// Shared helpers for the browser suite: Chromium via playwright-core (Debian's binary, never
// a downloaded one), axe-core scans, screenshots, and small UI actions.
import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const HERE = dirname(fileURLToPath(import.meta.url));

export const BASE_URL = (process.env.E2E_BASE_URL || 'http://127.0.0.1:8080').replace(/\/+$/, '');
export const SHOTS_DIR = process.env.E2E_SCREENSHOTS || join(HERE, '..', '..', '..', 'docs', 'screenshots');
export const STAFF = { email: process.env.E2E_STAFF_EMAIL || 'staff@example.com', password: process.env.E2E_STAFF_PASSWORD || 'Passw0rd!' };
export const ADMIN = { email: process.env.E2E_ADMIN_EMAIL || 'admin@example.com', password: process.env.E2E_ADMIN_PASSWORD || 'Passw0rd!' };
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const TIMEOUT = Number(process.env.E2E_TIMEOUT_MS || 20000);

export async function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** A fresh browser context (its own storage: a separate person). */
export async function newPage(browser, { mobile = false, serviceWorkers = 'block', locale = 'en-IN' } = {}) {
  const context = await browser.newContext({
    baseURL: BASE_URL,
    viewport: mobile ? { width: 390, height: 844 } : { width: 1280, height: 800 },
    deviceScaleFactor: 1,
    isMobile: mobile,
    hasTouch: mobile,
    locale, // the browser's language: the app's default before sign-in
    serviceWorkers,
  });
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  page.on('pageerror', (e) => console.error(`[page error] ${e.message}`));
  return page;
}

export async function screenshot(page, name) {
  await mkdir(SHOTS_DIR, { recursive: true });
  await page.evaluate(() => document.fonts?.ready);
  await page.screenshot({ path: join(SHOTS_DIR, `${name}.png`), fullPage: true, animations: 'disabled' });
}

let axeSource = null;
/** Runs axe-core (WCAG 2.x A/AA rules) and returns violations of serious or critical impact. */
export async function seriousViolations(page) {
  axeSource ??= await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');
  // evaluate() is not subject to the page's CSP (script-src 'self'), unlike a script tag.
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] }, resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) }));
  });
  return result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

export async function signIn(page, { email, password }) {
  await page.goto('/login');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
}

/** Unread count shown by the header bell (0 when none). */
export async function bellUnread(page) {
  const label = (await page.getByTestId('bell').getAttribute('aria-label')) || '';
  const m = /(\d+) unread/.exec(label);
  return m ? Number(m[1]) : 0;
}

export async function points(page) {
  const text = (await page.getByTestId('points-badge').textContent()) || '';
  return Number(/(\d+)/.exec(text)?.[1] ?? 0);
}

/** Polls `fn` until it returns a truthy value (or throws after `timeout`). */
export async function eventually(fn, { timeout = TIMEOUT, interval = 250, what = 'condition' } = {}) {
  const end = Date.now() + timeout;
  let last;
  while (Date.now() < end) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, interval));
  }
  throw new Error(`timed out waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
}

/** YYYY-MM-DD of today + n days in the service zone (Asia/Kolkata). */
export function serviceDate(days) {
  const d = new Date(Date.now() + days * 86400000);
  return new Intl.DateTimeFormat('en-CA', { timeZone: process.env.E2E_SERVICE_TZ || 'Asia/Kolkata', year: 'numeric', month: '2-digit', day: '2-digit' }).format(d);
}

export const PHOTO = join(HERE, '..', '..', '..', 'frontend', 'public', 'icons', 'icon-192.png');
