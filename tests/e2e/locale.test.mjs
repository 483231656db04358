// The account's language (issue 18): PATCH /api/auth/me takes locale en/hi/kn (anything else
// is a 422 that changes nothing), GET /api/auth/me and sign-in return it, and a Hindi
// resident's notifications are in Hindi: the in-app one at once, and the email the
// dispatcher job delivers to the stack's SMTP sink, with its subject RFC 2047-encoded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { REPO, STACK, request, login, registerUser } from './lib/stack.mjs';

const run = promisify(execFile);
const call = (method, path, token, json) => request(method, path, { headers: { authorization: `Bearer ${token}` }, json });

function maildirMessages() {
  const dir = STACK.SWMRA_MAILDIR || process.env.SWMRA_MAILDIR;
  if (!dir) return null;
  const out = [];
  for (const sub of ['new', 'cur']) {
    let names = [];
    try {
      names = readdirSync(`${dir}/${sub}`);
    } catch {
      continue;
    }
    for (const n of names) if (!n.startsWith('.')) out.push(readFileSync(`${dir}/${sub}/${n}`, 'utf8'));
  }
  return out;
}

function jobBinary(name) {
  const build = process.env.SWMRA_BUILD_DIR || STACK.SWMRA_BUILD_DIR || REPO;
  const bin = resolve(build, `cron/swmra-job-${name}`);
  return existsSync(bin) ? bin : null;
}

/** The header block's lines (the sink's Maildir may store LF or CRLF line ends). */
function headerLines(mail) {
  return mail.replace(/\r\n/g, '\n').split('\n\n')[0].split('\n');
}

/** A header's raw value with folded lines joined (RFC 5322 §2.2.3). */
function rawHeader(mail, name) {
  const head = headerLines(mail).join('\n').replace(/\n[ \t]/g, ' ');
  const line = head.split('\n').find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  return line === undefined ? null : line.slice(name.length + 1).trim();
}

/** RFC 2047 decoding of B-encoded UTF-8 words; whitespace between adjacent words is dropped. */
function decodeWords(value) {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?UTF-8\?B\?([A-Za-z0-9+/=]*)\?=/gi, '\u0000$1\u0000')
    .split('\u0000')
    .map((part, i) => (i % 2 ? Buffer.from(part, 'base64') : Buffer.from(part, 'utf8')))
    .reduce((acc, b) => Buffer.concat([acc, b]), Buffer.alloc(0))
    .toString('utf8');
}

/** Quoted-printable (RFC 2045 §6.7) to UTF-8 text. */
function decodeQp(text) {
  const bytes = [];
  const s = text.replace(/=\r?\n/g, '');
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '=' && /^[0-9A-F]{2}$/i.test(s.slice(i + 1, i + 3))) {
      bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(...Buffer.from(s[i], 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

test('PATCH /api/auth/me sets the locale to en, hi or kn; anything else is a 422 that changes nothing', async (t) => {
  const u = await registerUser();
  if (!u) return t.skip('POST /api/auth/register is not implemented yet (404)');
  assert.equal(u.user.locale, 'en', 'a new account speaks English');
  for (const l of ['hi', 'kn']) {
    const r = await call('PATCH', '/api/auth/me', u.token, { locale: l });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.locale, l);
    assert.equal((await call('GET', '/api/auth/me', u.token)).json.locale, l);
  }
  for (const bad of ['fr', 'HI', 'hi-IN', '', 7, true, ['hi'], { lang: 'hi' }]) {
    const r = await call('PATCH', '/api/auth/me', u.token, { locale: bad });
    assert.equal(r.status, 422, `${JSON.stringify(bad)}: ${r.text}`);
    assert.ok(Array.isArray(r.json.detail), r.text);
    assert.deepEqual(r.json.detail[0].loc, ['body', 'locale']);
  }
  // a refused patch changes nothing, not even the other fields sent with it
  const mixed = await call('PATCH', '/api/auth/me', u.token, { name: 'Changed Name', locale: 'xx' });
  assert.equal(mixed.status, 422);
  const me = (await call('GET', '/api/auth/me', u.token)).json;
  assert.equal(me.locale, 'kn');
  assert.equal(me.name, u.body.name);
  // sign-in answers the profile's language, so the app can switch at once
  const again = await login(u.body.email, u.body.password);
  assert.equal(again.status, 200, again.text);
  assert.equal(again.json.user.locale, 'kn');
});

test('a Hindi resident is notified in Hindi: in-app at once, email through the SMTP sink with an encoded subject', async (t) => {
  const bin = jobBinary('dispatch');
  if (!bin) return t.skip('cron/swmra-job-dispatch is not built');
  if (!maildirMessages()) return t.skip('the stack has no SMTP sink Maildir (SWMRA_MAILDIR)');
  const u = await registerUser({ name: 'Aditi Sharma' });
  if (!u) return t.skip('POST /api/auth/register is not implemented yet (404)');
  assert.equal((await call('PATCH', '/api/auth/me', u.token, { locale: 'hi' })).status, 200);
  const created = await call('POST', '/api/requests', u.token, {
    category: 'e-waste',
    description: 'An old monitor and two keyboards',
    quantity: 3,
    address: { line1: '12 MG Road', city: 'Pune', pincode: '411001' },
  });
  assert.equal(created.status, 201, created.text);

  const inapp = (await call('GET', '/api/notifications', u.token)).json;
  const submitted = inapp.find((n) => n.event === 'submitted');
  assert.ok(submitted, JSON.stringify(inapp));
  assert.equal(submitted.title, 'पिकअप का अनुरोध मिल गया');
  assert.match(submitted.body, /ई-कचरे के पिकअप का अनुरोध मिल गया है/);

  await run(bin, ['--once', '--env-file', ''], { env: { ...process.env, ...STACK }, timeout: 60000 });
  const mine = maildirMessages().filter((m) => m.includes(`To: ${u.body.email}`));
  assert.equal(mine.length, 1, `expected one mail to ${u.body.email}, got ${mine.length}`);
  const m = mine[0];
  // the subject is pure ASCII on the wire: UTF-8 encoded-words, every header line holding
  // one within the 76 characters of RFC 2047 §2 (the field name included)
  const subject = rawHeader(m, 'Subject');
  assert.match(subject, /^=\?UTF-8\?B\?[A-Za-z0-9+/=]+\?=( =\?UTF-8\?B\?[A-Za-z0-9+/=]+\?=)*$/);
  for (const line of headerLines(m)) {
    if (line.includes('=?')) assert.ok(line.length <= 76, `header line too long: ${line}`);
    assert.match(line, /^[\x20-\x7e]*$/, 'headers are ASCII');
  }
  assert.equal(decodeWords(subject), 'पिकअप का अनुरोध मिल गया');
  assert.match(m, /^Content-Type: text\/plain; charset=UTF-8$/m);
  const body = decodeQp(m);
  assert.ok(body.includes('नमस्ते Aditi Sharma,'), 'greets in Hindi by name');
  assert.ok(body.includes('हमें आपके ई-कचरे के पिकअप का अनुरोध मिल गया है।'), body);
  assert.ok(body.includes(`अपना अनुरोध देखें: `) && body.includes(`/requests/${created.json.id}`));
  assert.ok(body.includes('<html lang="hi">'), 'the HTML part says its language');
  assert.ok(!/Hello|Your .* pickup/.test(body), 'no English left in the mail');
});
