// Route policy (issue 14): the worker matches the route from the FastCGI params before it
// reads a byte of the body. A 404, a 405 and a CONTENT_LENGTH over the route's limit are
// answered while the body has not even been sent (nginx buffers bodies, so these talk
// FastCGI to the worker pool's socket directly, as nginx would, and never send stdin).
// Through nginx: unknown query keys are ignored as they always were, and a body on a route
// that takes none is still accepted (read and dropped after the answer).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { get, post, request, registerUser, STACK } from './lib/stack.mjs';

function record(type, id, content) {
  const pad = (8 - (content.length % 8)) % 8;
  const h = Buffer.alloc(8);
  h.writeUInt8(1, 0); // version
  h.writeUInt8(type, 1);
  h.writeUInt16BE(id, 2);
  h.writeUInt16BE(content.length, 4);
  h.writeUInt8(pad, 6);
  return Buffer.concat([h, content, Buffer.alloc(pad)]);
}

function nameValue(name, value) {
  const n = Buffer.from(name);
  const v = Buffer.from(value);
  const len = (x) => (x.length < 128 ? Buffer.from([x.length]) : Buffer.from([
    ((x.length >>> 24) & 0x7f) | 0x80, (x.length >>> 16) & 0xff, (x.length >>> 8) & 0xff, x.length & 0xff]));
  return Buffer.concat([len(n), len(v), n, v]);
}

/**
 * One FastCGI request with `params` and NO body on the wire (stdin stays open): resolves
 * {status, headers, json} from the first complete answer, or rejects after timeoutMs.
 */
function fcgiWithoutBody(params, timeoutMs = 5000) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(STACK.FCGI_SOCKET);
    let out = Buffer.alloc(0);
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms: the worker waits for the body`));
    }, timeoutMs);
    const done = (v) => {
      clearTimeout(timer);
      sock.destroy();
      resolve(v);
    };
    sock.on('error', (e) => { clearTimeout(timer); reject(e); });
    sock.on('connect', () => {
      const begin = Buffer.from([0, 1, 0, 0, 0, 0, 0, 0]); // responder, no keep-conn
      const p = Buffer.concat(Object.entries(params).map(([k, v]) => nameValue(k, v)));
      sock.write(Buffer.concat([record(1, 1, begin), record(4, 1, p), record(4, 1, Buffer.alloc(0))]));
    });
    sock.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 8) {
        const len = buf.readUInt16BE(4);
        const pad = buf.readUInt8(6);
        if (buf.length < 8 + len + pad) break;
        if (buf.readUInt8(1) === 6) out = Buffer.concat([out, buf.subarray(8, 8 + len)]);
        buf = buf.subarray(8 + len + pad);
      }
      const text = out.toString('latin1');
      const sep = text.indexOf('\r\n\r\n');
      if (sep < 0) return;
      const headers = {};
      for (const line of text.slice(0, sep).split('\r\n')) {
        const i = line.indexOf(':');
        headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
      }
      const body = text.slice(sep + 4);
      if (Buffer.byteLength(body, 'latin1') < Number(headers['content-length'] || 0)) return;
      const json = /json/.test(headers['content-type'] || '') ? JSON.parse(body) : undefined;
      done({ status: Number.parseInt(headers.status, 10), headers, json, text: body });
    });
  });
}

const params = (method, uri, contentLength, extra = {}) => ({
  REQUEST_METHOD: method,
  DOCUMENT_URI: uri,
  QUERY_STRING: '',
  CONTENT_TYPE: 'application/json',
  CONTENT_LENGTH: String(contentLength),
  REMOTE_ADDR: '127.0.0.1',
  REQUEST_ID: 'route-policy-test',
  ...extra,
});

test('a JSON body over the limit is 413 before a byte of it is read, even before the guard', async () => {
  const big = 50 * 1024 * 1024;
  for (const [method, uri] of [['POST', '/api/auth/login'], ['POST', '/api/requests'], ['PATCH', '/api/auth/me']]) {
    const res = await fcgiWithoutBody(params(method, uri, big));
    assert.equal(res.status, 413, `${method} ${uri}`);
    assert.equal(res.json.detail, 'Request body too large');
  }
  const up = await fcgiWithoutBody(params('POST', '/api/files/upload', big, { CONTENT_TYPE: 'multipart/form-data; boundary=x' }));
  assert.equal(up.status, 413);
  assert.match(up.json.detail, /^File too large/);
});

test('404 and 405 are answered without reading the body', async () => {
  const nf = await fcgiWithoutBody(params('POST', '/api/no-such-route', 100));
  assert.equal(nf.status, 404);
  assert.equal(nf.json.detail, 'Not Found');
  const na = await fcgiWithoutBody(params('PUT', '/api/auth/login', 100));
  assert.equal(na.status, 405);
  assert.equal(na.headers.allow, 'POST');
  // a route that takes no body does not wait for one either
  const none = await fcgiWithoutBody(params('GET', '/api/health', 100));
  assert.equal(none.status, 200);
});

test('internal routes answer only when nginx names them (SWMRA_ROUTE)', async () => {
  const pub = await fcgiWithoutBody(params('GET', '/api/internal/metrics', 0, { SWMRA_METRICS_LISTENER: '1' }));
  assert.equal(pub.status, 404);
  const named = await fcgiWithoutBody(params('GET', '/api/internal/metrics', 0,
    { SWMRA_ROUTE: '/api/internal/metrics', SWMRA_METRICS_LISTENER: '1' }));
  assert.equal(named.status, 200);
  // the listener marker is still required on top of the route name
  const unmarked = await fcgiWithoutBody(params('GET', '/api/internal/metrics', 0, { SWMRA_ROUTE: '/api/internal/metrics' }));
  assert.equal(unmarked.status, 404);
});

test('the pool still answers after the refused requests (no worker stuck draining)', async () => {
  for (let i = 0; i < 8; i++) assert.equal((await get('/api/health')).status, 200);
});

test('unknown query keys are ignored, as they always were', async () => {
  const u = await registerUser();
  const auth = { headers: { authorization: `Bearer ${u.token}` } };
  const plain = await get('/api/requests?limit=5', auth);
  assert.equal(plain.status, 200, plain.text);
  const extra = await get('/api/requests?limit=5&bogus=1&_=123', auth);
  assert.equal(extra.status, 200, extra.text);
  assert.deepEqual(extra.json, plain.json);
  assert.equal((await get('/api/health?x=1')).status, 200);
  // declared keys still validate
  assert.equal((await get('/api/requests?limit=0', auth)).status, 422);
});

// Bodies larger than the socket buffers: the worker answers without reading them, and
// neither side waits for the other (nginx stops sending once the answer has begun).
test('a body the route does not read does not stall nginx or the worker', async () => {
  const u = await registerUser();
  const auth = { authorization: `Bearer ${u.token}` };
  const big = 'x'.repeat(900 * 1024);
  for (let i = 0; i < 3; i++) {
    const t = await post('/api/ws/ticket', { junk: big }, { headers: auth, timeoutMs: 5000 });
    assert.equal(t.status, 200, `${t.status} ${t.text}`);
    const nf = await request('POST', '/api/no-such-route', { body: big, timeoutMs: 5000 });
    assert.equal(nf.status, 404, nf.text);
    assert.equal(nf.json.detail, 'Not Found');
    const na = await request('DELETE', '/api/requests', { headers: auth, body: big, timeoutMs: 5000 });
    assert.equal(na.status, 405, na.text);
  }
  const out = await request('POST', '/api/auth/logout', { headers: auth, body: big, timeoutMs: 5000 });
  assert.ok(out.status < 300, `${out.status} ${out.text}`);
  assert.equal((await get('/api/auth/me', { headers: auth })).status, 401);
});
