// Hostile input on every route of src/api/routes.c, through nginx: malformed, truncated,
// deeply nested and non-UTF-8 JSON, NUL bytes, wrong Content-Types, multipart garbage, bad
// ObjectIds, odd query strings, bogus Authorization headers. While the database is up, every
// answer must be a JSON 4xx (never 5xx, never a dropped connection) and no worker may die.
// Under the sanitizer build (.ci/run step 6) the same requests also run the error paths with
// ASan/UBSan/LSan watching: a leak on one of them (e.g. a 422 that leaked its error list)
// fails the run when the workers drain.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { REPO, request as rawRequest, registerUser, apiPid, childPids, freshAddress } from './lib/stack.mjs';

// from a fresh loopback address each: login and register are rate limited per address
const request = (method, path, opts = {}) => rawRequest(method, path, { localAddress: freshAddress(), ...opts });

const ROUTES = [...readFileSync(resolve(REPO, 'src/api/routes.c'), 'utf8').matchAll(
  /\{"([A-Z]+)", "(\/api\/[^"]*)"/g)].map((m) => ({ method: m[1], pattern: m[2] }));

// (%00 in the path is refused by nginx itself with its HTML 400, before the API sees it)
const BAD_IDS = ['zz', '0'.repeat(23), '0'.repeat(25), 'g'.repeat(24), '%ff'.repeat(24),
  'ffffffffffffffffffffffff'];
const JSON_CT = { 'content-type': 'application/json' };
const BODIES = [
  ['truncated', '{"a":', JSON_CT],
  ['NUL byte', Buffer.from('{"name":"a\u0000b","\u0000":1}'), JSON_CT],
  ['raw NUL before', Buffer.from([0, 0x7b, 0x7d]), JSON_CT],
  ['deep array', '['.repeat(20000) + ']'.repeat(20000), JSON_CT],
  ['deep object', '{"a":'.repeat(5000) + '1' + '}'.repeat(5000), JSON_CT],
  ['invalid UTF-8 value', Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xc0, 0x80, 0xff]),
    Buffer.from('","note":"x"}')]), JSON_CT],
  ['lone surrogate escape', '{"name":"\\ud800","note":"\\udc00x"}', JSON_CT],
  ['huge number', '{"quantity":1e999999,"capacity":-0,"limit":123456789012345678901234567890}', JSON_CT],
  ['type confusion', '{"email":[],"password":{},"name":1,"note":null,"to":true,"from":[[]]}', JSON_CT],
  ['two documents', '{}{}', JSON_CT],
  ['not an object', '[1,2,3]', JSON_CT],
  ['text/plain JSON', '{"name":"x"}', { 'content-type': 'text/plain' }],
  ['form', 'a=1&b=2', { 'content-type': 'application/x-www-form-urlencoded' }],
  ['multipart without boundary', '--x\r\n\r\n', { 'content-type': 'multipart/form-data' }],
  ['multipart without file part', '--b\r\nContent-Disposition: form-data; name="other"\r\n\r\nx\r\n--b--\r\n',
    { 'content-type': 'multipart/form-data; boundary=b' }],
  ['multipart two files', ('--b\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n' +
    'Content-Type: image/png\r\n\r\n\x89PNG\r\n').repeat(2) + '--b--\r\n', { 'content-type': 'multipart/form-data; boundary=b' }],
  ['multipart truncated', '--b\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\n\r\n\xff\xd8\xff',
    { 'content-type': 'multipart/form-data; boundary=b' }],
];
const QUERIES = ['?limit=0&skip=-1&before=zz&date=2030-02-30&unread=maybe', '?limit=1&limit=2&limit=x',
  '?%', '?%zz=%ff%fe&=&&', `?q=${'a'.repeat(3000)}`, '?status=%00&category=%C0%80&role=%2525'];
const AUTHS = ['Bearer', 'Bearer a.b.c', 'Basic YTpi', `Bearer ${'a'.repeat(4000)}`,
  'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.'];

function pathOf(pattern, id) {
  return pattern.replace('{id}', id);
}

function checkAnswer(what, res) {
  assert.ok(res.status >= 200 && res.status < 500, `${what}: ${res.status} ${res.text.slice(0, 200)}`);
  if (res.status >= 400) {
    assert.match(String(res.headers['content-type']), /json/, `${what}: ${res.status} is not JSON`);
    assert.ok(res.json !== undefined, `${what}: ${res.status} body is not JSON: ${res.text.slice(0, 200)}`);
  }
}

test('hostile input on every route: JSON 4xx, no 5xx, no worker dies', async () => {
  const u = await registerUser();
  assert.ok(u, 'register');
  const auth = { authorization: `Bearer ${u.token}` };
  const workersBefore = childPids(apiPid()).sort().join(' ');
  let n = 0;
  for (const { method, pattern } of ROUTES) {
    // the caller's own token stays valid: logout gets only the unauthenticated variants
    const signedIn = pattern !== '/api/auth/logout';
    for (const id of pattern.includes('{id}') ? BAD_IDS : ['']) {
      const path = pathOf(pattern, id);
      for (const q of QUERIES) {
        const res = await request(method, path + q, { headers: signedIn ? auth : {} });
        checkAnswer(`${method} ${path}${q.slice(0, 60)}`, res);
        n++;
      }
      for (const a of AUTHS) {
        const res = await request(method, path, { headers: { authorization: a } });
        checkAnswer(`${method} ${path} with Authorization ${a.slice(0, 30)}`, res);
        n++;
      }
      if (method === 'GET' || method === 'DELETE') continue;
      for (const [name, body, headers] of BODIES) {
        const res = await request(method, path, { body, headers: { ...(signedIn ? auth : {}), ...headers } });
        checkAnswer(`${method} ${path} (${name})`, res);
        n++;
      }
    }
  }
  assert.ok(n > 300, `only ${n} requests`);
  assert.equal(childPids(apiPid()).sort().join(' '), workersBefore, 'a worker died (see swmra-api.log)');
});

// json-c's UTF-8 check lets overlong and out-of-range sequences through; jsonx_parse
// re-checks every key and string, so such a body is refused before anything echoes it.
test('invalid UTF-8 in a JSON key is refused, never echoed into an error body', async () => {
  const body = Buffer.concat([Buffer.from('{"'), Buffer.from([0xc0, 0x80]),
    Buffer.from('x":1,"email":"a@b.co","password":"x"}')]);
  const res = await request('POST', '/api/auth/login', { body, headers: JSON_CT });
  assert.equal(res.status, 400, res.text);
  const raw = Buffer.from(res.text, 'utf8');
  assert.ok(!res.text.includes('\ufffd'), `the answer is not valid UTF-8: ${raw.toString('hex', 0, 60)}`);
});
