// Foundation: health, errors as JSON, body limits, headers, static areas — through nginx.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync, rmSync, readFileSync } from 'node:fs';
import { get, post, request, freshAddress, STACK } from './lib/stack.mjs';
import { signLink } from './lib/objstore.mjs';

function assertJsonError(res, status) {
  assert.equal(res.status, status, `expected ${status}, got ${res.status}: ${res.text}`);
  assert.match(res.headers['content-type'] || '', /^application\/json/);
  assert.ok(res.json && 'detail' in res.json, `body has no "detail": ${res.text}`);
}

test('GET /api/health answers {"status":"ok"}', async () => {
  const res = await get('/api/health');
  assert.equal(res.status, 200);
  assert.match(res.headers['content-type'], /^application\/json/);
  assert.deepEqual(res.json, { status: 'ok' });
});

test('GET /api/health/ready is 200 with component status while MongoDB is up', async () => {
  const res = await get('/api/health/ready');
  assert.equal(res.status, 200, res.text);
  assert.equal(typeof res.json, 'object');
  assert.ok(res.json.components && typeof res.json.components === 'object', `no components: ${res.text}`);
});

test('an unknown /api path is a JSON 404', async () => {
  assertJsonError(await get('/api/no-such-thing'), 404);
  assertJsonError(await get('/api/health/nope/deeper'), 404);
});

test('a known path with the wrong method is a JSON 405', async () => {
  const res = await request('DELETE', '/api/health');
  assertJsonError(res, 405);
});

test('/api/internal/ is not reachable from outside', async () => {
  assertJsonError(await get('/api/internal/ws-auth'), 404);
  assertJsonError(await get('/api/%69nternal/ws-auth'), 404);
  assertJsonError(await get('/api//internal/ws-auth'), 404);
});

test('an oversized body is a JSON 413 (1 MiB on /api/, 11 MiB on uploads)', async () => {
  const big = Buffer.alloc(1024 * 1024 + 1024, 0x20);
  const res = await request('POST', '/api/auth/login', {
    body: big,
    headers: { 'content-type': 'application/json' },
    localAddress: freshAddress(),
  });
  assertJsonError(res, 413);

  // nginx's cap on uploads is 11 MiB (a 10 MiB file plus the multipart framing); a body
  // between the file limit and the cap reaches the worker (tests/e2e/uploads.test.mjs)
  const huge = Buffer.alloc(11 * 1024 * 1024 + 4096, 0x41);
  const up = await request('POST', '/api/files/upload', {
    body: huge,
    headers: { 'content-type': 'multipart/form-data; boundary=x' },
  });
  assertJsonError(up, 413);
  assert.equal(up.json.detail, 'File too large');
});

test('malformed JSON on POST /api/auth/login is 400 or 422 with a detail', async (t) => {
  const res = await request('POST', '/api/auth/login', {
    body: '{bad',
    headers: { 'content-type': 'application/json' },
    localAddress: freshAddress(),
  });
  if (res.status === 404) {
    t.skip('POST /api/auth/login is not implemented yet (404)');
    return;
  }
  assert.ok([400, 422].includes(res.status), `got ${res.status}: ${res.text}`);
  assert.match(res.headers['content-type'], /^application\/json/);
  assert.ok(res.json && res.json.detail, res.text);
});

test('security headers and a request id are on every kind of response', async () => {
  const urls = ['/', '/api/health', '/api/no-such-thing', '/api/openapi.json', '/api/docs'];
  for (const url of urls) {
    const res = await get(url);
    const h = res.headers;
    assert.equal(h['x-content-type-options'], 'nosniff', url);
    assert.ok(h['x-frame-options'] === 'DENY' || /frame-ancestors/.test(h['content-security-policy']), url);
    assert.ok(h['referrer-policy'], `${url}: no Referrer-Policy`);
    assert.ok(h['content-security-policy'], `${url}: no CSP`);
    assert.match(h['x-request-id'] || '', /^[0-9a-f]{32}$/, `${url}: no X-Request-Id`);
    assert.equal(h.server, 'nginx', `${url}: server version leaked`);
  }
  const a = await get('/api/health');
  const b = await get('/api/health');
  assert.notEqual(a.headers['x-request-id'], b.headers['x-request-id']);
});

test('the SPA (or its placeholder) is served for client-side routes', async () => {
  for (const url of ['/', '/requests/new', '/some/deep/link']) {
    const res = await get(url);
    assert.equal(res.status, 200, url);
    assert.match(res.headers['content-type'], /^text\/html/);
  }
});

test('/api/openapi.json is the OpenAPI 3.1 contract, /api/docs a viewer for it', async () => {
  const spec = await get('/api/openapi.json');
  assert.equal(spec.status, 200);
  assert.match(spec.headers['content-type'], /^application\/json/);
  assert.match(spec.json.openapi, /^3\.1\./);
  assert.ok(spec.json.paths['/api/health'], 'health is documented');

  const docs = await get('/api/docs');
  assert.equal(docs.status, 200);
  assert.match(docs.headers['content-type'], /^text\/html/);
  assert.match(docs.text, /swagger-ui/);
  const js = await get('/api/docs/dist/swagger-ui-bundle.js');
  assert.equal(js.status, 200, 'swagger-ui-dist is installed (npm ci in docs/api-viewer)');
  const init = await get('/api/docs/swagger-initializer.js');
  assert.match(init.text, /\/api\/openapi\.json/);
});

test('/uploads/ serves only generated image names, never a listing', async (t) => {
  // names of the generated form (YYYY/MM/<32 hex>.<ext>) in a month no upload uses
  const hex = () => randomBytes(16).toString('hex');
  const dir = `${STACK.UPLOAD_DIR}/1999/01`;
  mkdirSync(dir, { recursive: true });
  const img = `${hex()}.png`;
  const page = `${hex()}.html`;
  const twice = `${hex()}.png.html`;
  t.after(() => {
    for (const f of [img, page, twice]) rmSync(`${dir}/${f}`, { force: true });
  });
  const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
  writeFileSync(`${dir}/${img}`, png);
  writeFileSync(`${dir}/${page}`, '<script>alert(1)</script>');
  writeFileSync(`${dir}/${twice}`, '<script>alert(1)</script>');

  // photos are private (issue 15): served only through a link signed like the API signs them
  const unsigned = await get(`/uploads/1999/01/${img}`);
  assert.equal(unsigned.status, 403);
  assert.equal(unsigned.headers['x-content-type-options'], 'nosniff');
  const expires = Math.floor(Date.now() / 1000) + 600;
  const ok = await get(signLink(`1999/01/${img}`, expires));
  assert.equal(ok.status, 200);
  assert.equal(ok.headers['content-type'], 'image/png');
  assert.equal(ok.headers['x-content-type-options'], 'nosniff');
  assert.equal(ok.headers['content-security-policy'], "default-src 'none'");

  for (const url of [
    '/uploads/',
    '/uploads/1999/',
    '/uploads/1999/01/',
    '/uploads/1999/01',
    `/uploads/1999/01/${page}`,
    `/uploads/1999/01/${twice}`,
    '/uploads/missing.png',
    signLink(`1999/01/${hex()}.png`, expires), // a valid link to a file that does not exist
  ]) {
    const res = await get(url);
    assert.equal(res.status, 404, `${url} -> ${res.status}`);
    assert.doesNotMatch(res.text, /\.png|Index of/, url);
    assert.equal(res.headers['x-content-type-options'], 'nosniff', url);
    assert.equal(res.headers['content-security-policy'], "default-src 'none'", url);
  }
});

test('the access log keeps query strings (tokens) out', async () => {
  const marker = `SECRETMARKER${process.pid}x${Date.now()}`;
  await get(`/api/health?token=${marker}`);
  await get(`/api/ws/notifications?token=${marker}`);
  // nginx writes the access log line after the response; give it a moment
  await new Promise((r) => setTimeout(r, 300));
  const log = readFileSync(`${STACK.STACK_DIR}/log/nginx-access.log`, 'utf8');
  assert.ok(log.includes('/api/health'), 'requests are logged');
  assert.ok(!log.includes(marker), 'the token must not appear in the access log');
});
