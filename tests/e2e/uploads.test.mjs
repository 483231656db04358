// Photo uploads end to end through nginx (issue 6): POST /api/files/upload accepts a JPEG,
// PNG or WebP judged by its bytes and stores it without metadata; nginx serves it back from
// /uploads/ with the type of its extension, nosniff and CSP default-src 'none'; every
// refusal stores nothing (the files under the stack's UPLOAD_DIR are counted); the body
// limits (nginx 11 MiB, the worker UPLOAD_MAX_BYTES = 10 MiB for the file); a request can
// attach only its owner's uploads; /uploads/ answers nothing but generated names.
// Photos are private (issue 15): nginx serves one only through a link the API signed
// (secure_link: bound to one file, expiring after UPLOAD_LINK_TTL); requests give fresh links
// to their owner and staff; the orphan cleanup deletes through the store. The file runs once
// per backend: tests/run-check.sh runs it again with STORAGE_BACKEND=s3 on a stack with its
// own SeaweedFS, where the store can also be stopped (503, then recovery).
//
// Uploads go through Node's built-in fetch + FormData/Blob, as a browser would send them;
// raw paths (dot segments, encoded slashes) and oversized bodies use lib/stack.mjs's
// request(), which sends the path unchanged and survives nginx closing early on a 413.
// The test images are built here: the byte fixtures of tests/upload_fixtures.h (a 2x2 JPEG,
// 1x1 lossless and 2x2 lossy WebP), a 1x1 PNG assembled with its own CRC-32, and builders
// that wrap them with EXIF (GPS), XMP and comments.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { STACK, BASE_URL, REPO, request, registerUser, login, stack } from './lib/stack.mjs';
import { BACKEND, readStored, signLink, storedKeys } from './lib/objstore.mjs';

const UPLOAD_DIR = process.env.UPLOAD_DIR || STACK.UPLOAD_DIR;
const MAX = Number(process.env.UPLOAD_MAX_BYTES || STACK.UPLOAD_MAX_BYTES || 10 * 1024 * 1024);
const NGINX_CAP = 11 * 1024 * 1024; // client_max_body_size 11m on /api/files/upload
const NAME_RE = /^[0-9]{4}\/[0-9]{2}\/[0-9a-f]{32}\.(jpg|png|webp)$/;
const ONLY_IMAGES = 'Only JPEG, PNG or WebP images are accepted';
const CSP = "default-src 'none'";
const base = BASE_URL.replace(/\/$/, '');

// ------------------------------------------------------------------------ test images
const JPEG_2X2 = Buffer.from([
  0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01,
  0x00, 0x01, 0x00, 0x00, 0xff, 0xdb, 0x00, 0x43, 0x00, 0x10, 0x0b, 0x0c, 0x0e, 0x0c, 0x0a, 0x10,
  0x0e, 0x0d, 0x0e, 0x12, 0x11, 0x10, 0x13, 0x18, 0x28, 0x1a, 0x18, 0x16, 0x16, 0x18, 0x31, 0x23,
  0x25, 0x1d, 0x28, 0x3a, 0x33, 0x3d, 0x3c, 0x39, 0x33, 0x38, 0x37, 0x40, 0x48, 0x5c, 0x4e, 0x40,
  0x44, 0x57, 0x45, 0x37, 0x38, 0x50, 0x6d, 0x51, 0x57, 0x5f, 0x62, 0x67, 0x68, 0x67, 0x3e, 0x4d,
  0x71, 0x79, 0x70, 0x64, 0x78, 0x5c, 0x65, 0x67, 0x63, 0xff, 0xc0, 0x00, 0x0b, 0x08, 0x00, 0x02,
  0x00, 0x02, 0x01, 0x01, 0x11, 0x00, 0xff, 0xc4, 0x00, 0x14, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0xff, 0xc4, 0x00, 0x1b,
  0x10, 0x00, 0x03, 0x00, 0x02, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  0x00, 0x01, 0x02, 0x03, 0x05, 0x11, 0x00, 0x04, 0x41, 0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00,
  0x00, 0x3f, 0x00, 0x33, 0x26, 0xed, 0x1c, 0xa7, 0x6e, 0x51, 0x63, 0x39, 0xa5, 0x9d, 0x51, 0x10,
  0xe8, 0x28, 0x0c, 0x74, 0x00, 0xf0, 0x73, 0xff, 0xd9,
]);
const WEBP_LOSSLESS_1X1 = Buffer.from([
  0x52, 0x49, 0x46, 0x46, 0x1c, 0x00, 0x00, 0x00, 0x57, 0x45, 0x42, 0x50,
  0x56, 0x50, 0x38, 0x4c, 0x0f, 0x00, 0x00, 0x00, 0x2f, 0x00, 0x00, 0x00,
  0x00, 0x07, 0x10, 0xfd, 0x8f, 0xfe, 0x07, 0x22, 0xa2, 0xff, 0x01, 0x00,
]);
const WEBP_LOSSY_2X2 = Buffer.from([
  0x52, 0x49, 0x46, 0x46, 0x3c, 0x00, 0x00, 0x00, 0x57, 0x45, 0x42, 0x50, 0x56, 0x50,
  0x38, 0x20, 0x30, 0x00, 0x00, 0x00, 0xb0, 0x01, 0x00, 0x9d, 0x01, 0x2a, 0x02, 0x00,
  0x02, 0x00, 0x02, 0xc0, 0x4c, 0x25, 0x98, 0x02, 0x74, 0x01, 0x0e, 0xf6, 0x9e, 0x40,
  0x00, 0xfe, 0xb8, 0x5a, 0xbc, 0x43, 0xf1, 0xdf, 0x52, 0xc7, 0x92, 0x29, 0x3a, 0x23,
  0x9b, 0x57, 0xeb, 0xef, 0x7d, 0x5e, 0x54, 0xa4, 0xba, 0x00, 0x00, 0x00,
]);

/** Bitwise CRC-32 (PNG). */
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return (c ^ 0xffffffff) >>> 0;
}

function pngChunk(type, data = Buffer.alloc(0)) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

/** A 1x1 RGB PNG (zlib stored block), with `extra` chunks between IHDR and IDAT. */
function png(extra = []) {
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const ihdr = Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0]);
  const idat = Buffer.from([0x78, 0x01, 0x01, 0x04, 0x00, 0xfb, 0xff, 0x00, 0xff, 0x00, 0x00, 0x03, 0x01, 0x01, 0x00]);
  return Buffer.concat([
    sig,
    pngChunk('IHDR', ihdr),
    ...extra.map(([t, d]) => pngChunk(t, Buffer.from(d, 'latin1'))),
    pngChunk('IDAT', idat),
    pngChunk('IEND'),
  ]);
}

/** A big-endian TIFF/EXIF block whose IFD0 points at a GPS IFD (GPSLatitude 48 51 24 N). */
function exifGps() {
  return Buffer.from([
    0x4d, 0x4d, 0, 42, 0, 0, 0, 8,
    0, 1, 0x88, 0x25, 0, 4, 0, 0, 0, 1, 0, 0, 0, 26, 0, 0, 0, 0,
    0, 2, 0, 1, 0, 2, 0, 0, 0, 2, 0x4e, 0, 0, 0,
    0, 2, 0, 5, 0, 0, 0, 3, 0, 0, 0, 56,
    0, 0, 0, 0,
    0, 0, 0, 48, 0, 0, 0, 1, 0, 0, 0, 51, 0, 0, 0, 1, 0, 0, 0x09, 0x60, 0, 0, 0, 100,
  ]);
}

/** A JPEG marker segment (FF mm, length, payload). */
function jpegSegment(marker, payload) {
  const h = Buffer.from([0xff, marker, 0, 0]);
  h.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([h, payload]);
}

/** The 2x2 JPEG with an EXIF APP1 (GPS), an XMP APP1 and a COM segment after APP0. */
function jpegWithMetadata() {
  return Buffer.concat([
    JPEG_2X2.subarray(0, 20), // SOI + APP0 JFIF
    jpegSegment(0xe1, Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), exifGps()])),
    jpegSegment(0xe1, Buffer.from('http://ns.adobe.com/xap/1.0/\0<x:xmpmeta><exif:GPSLatitude>48,51.4N</exif:GPSLatitude></x:xmpmeta>', 'latin1')),
    jpegSegment(0xfe, Buffer.from('secret comment', 'latin1')),
    JPEG_2X2.subarray(20),
  ]);
}

/** The 2x2 JPEG padded with APP15 segments (dropped when stored) to exactly `size` bytes. */
function jpegOfSize(size) {
  const segs = [];
  let left = size - JPEG_2X2.length;
  while (left > 0) {
    let n = Math.min(65537, left); // a whole segment: 4 header bytes + up to 65533
    if (left - n > 0 && left - n < 4) n -= 4; // the last one needs room for its header
    segs.push(jpegSegment(0xef, Buffer.alloc(n - 4)));
    left -= n;
  }
  const out = Buffer.concat([JPEG_2X2.subarray(0, 20), ...segs, JPEG_2X2.subarray(20)]);
  assert.equal(out.length, size);
  return out;
}

function riffChunk(fourcc, data) {
  const h = Buffer.alloc(8);
  h.write(fourcc, 0, 'latin1');
  h.writeUInt32LE(data.length, 4);
  return Buffer.concat([h, data, data.length & 1 ? Buffer.alloc(1) : Buffer.alloc(0)]);
}

/** An extended WebP: VP8X (EXIF + XMP flags), the 1x1 lossless bitstream, EXIF and XMP. */
function webpWithMetadata() {
  const body = Buffer.concat([
    Buffer.from('WEBP', 'latin1'),
    riffChunk('VP8X', Buffer.from([0x0c, 0, 0, 0, 0, 0, 0, 0, 0, 0])),
    WEBP_LOSSLESS_1X1.subarray(12),
    riffChunk('EXIF', exifGps()),
    riffChunk('XMP ', Buffer.from('<x:xmpmeta>GPS 48,51.4N</x:xmpmeta>', 'latin1')),
  ]);
  const h = Buffer.alloc(8);
  h.write('RIFF', 0, 'latin1');
  h.writeUInt32LE(body.length, 4);
  return Buffer.concat([h, body]);
}

// ------------------------------------------------------------------------ helpers
const auth = (token) => (token ? { authorization: `Bearer ${token}` } : {});

/** A FormData with one part per [name, bytes, filename, type]. */
function form(...parts) {
  const fd = new FormData();
  for (const [name, bytes, filename = 'photo.bin', type = 'application/octet-stream'] of parts) {
    fd.append(name, new Blob([bytes], { type }), filename);
  }
  return fd;
}

/** POST /api/files/upload with fetch; resolves { status, headers, json, text }. */
async function upload(token, body, headers = {}) {
  const res = await fetch(`${base}/api/files/upload`, { method: 'POST', headers: { ...auth(token), ...headers }, body });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, json, text };
}

const uploadFile = (token, bytes, filename, type) => upload(token, form(['file', bytes, filename, type]));

/** GET through nginx with fetch (a path, or an absolute URL whose path and query are taken). */
async function fetchBytes(pathOrUrl) {
  const u = new URL(pathOrUrl, base);
  const res = await fetch(`${base}${u.pathname}${u.search}`, { redirect: 'manual' });
  const bytes = Buffer.from(await res.arrayBuffer());
  let json;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, bytes, json, text: bytes.toString('utf8') };
}

/** Every stored key in the stack's store (local: temporary .tmp-* files included). */
const storedFiles = () => storedKeys();
const storedCount = () => storedFiles().length;
const LINK_QUERY = /^\?md5=[A-Za-z0-9_-]{22}&expires=[0-9]+$/;
const TTL = Number(process.env.UPLOAD_LINK_TTL || STACK.UPLOAD_LINK_TTL || 3600);
/** A valid link to `path` for ten minutes, signed here with the stack's secret. */
const freshLink = (path) => signLink(path, Math.floor(Date.now() / 1000) + 600);

/** Asserts a JSON error answer with a detail. */
function assertJsonError(res, status, detail) {
  assert.equal(res.status, status, `expected ${status}, got ${res.status}: ${res.text}`);
  assert.match(res.headers.get ? res.headers.get('content-type') : res.headers['content-type'], /^application\/json/);
  assert.ok(res.json && res.json.detail, `no JSON detail: ${res.text}`);
  if (detail !== undefined) {
    if (detail instanceof RegExp) assert.match(String(res.json.detail), detail);
    else assert.deepEqual(res.json.detail, detail);
  }
}

/** Checks a 201 answer and that nginx serves the file back as stored; returns { url, path, stored }. */
async function acceptedAndServed(res, ext, ctype) {
  assert.equal(res.status, 201, res.text);
  const { url, path } = res.json;
  assert.match(path, NAME_RE);
  assert.ok(path.endsWith(`.${ext}`), `${path}: extension .${ext}`);
  const now = new Date();
  const ym = `${now.getUTCFullYear()}/${String(now.getUTCMonth() + 1).padStart(2, '0')}/`;
  assert.ok(path.startsWith(ym) || now.getUTCDate() === 1, `${path}: not under ${ym}`);
  assert.equal(new URL(url).pathname, `/uploads/${path}`);
  assert.match(new URL(url).search, LINK_QUERY, `${url}: a signed link`);
  if (STACK.PUBLIC_BASE_URL) assert.ok(url.startsWith(`${STACK.PUBLIC_BASE_URL.replace(/\/$/, '')}/uploads/${path}?`), url);

  const stored = readStored(path);
  assert.ok(stored, `${path}: not in the ${BACKEND} store`);
  const got = await fetchBytes(url);
  assert.equal(got.status, 200, url);
  assert.equal(got.headers.get('content-type'), ctype, url);
  assert.equal(got.headers.get('x-content-type-options'), 'nosniff', url);
  assert.equal(got.headers.get('content-security-policy'), CSP, url);
  assert.ok(got.bytes.equals(stored), `${url}: served bytes differ from the stored file`);
  return { url, path, stored };
}

/** Headers every answer under /uploads/ carries, 404s included. */
function assertUploadHeaders(headers, what) {
  const h = (n) => (headers.get ? headers.get(n) : headers[n]);
  assert.equal(h('x-content-type-options'), 'nosniff', `${what}: nosniff`);
  assert.equal(h('content-security-policy'), CSP, `${what}: CSP`);
}

let ctx;
async function setup(t) {
  if (ctx) return ctx;
  const a = await registerUser();
  if (!a) return t.skip('auth routes not deployed') && null;
  const b = await registerUser();
  const probe = await uploadFile(a.token, JPEG_2X2, 'probe.jpg', 'image/jpeg');
  if (probe.status === 404) return t.skip('POST /api/files/upload not deployed') && null;
  assert.equal(probe.status, 201, probe.text);
  assert.ok(UPLOAD_DIR && existsSync(UPLOAD_DIR), `UPLOAD_DIR ${UPLOAD_DIR} does not exist`);
  ctx = { a, b, probe: probe.json };
  return ctx;
}

// ------------------------------------------------------------------------ accepted
test('a JPEG, a PNG and a WebP (judged by their bytes) → 201 {url, path}, served back as stored', async (t) => {
  const c = await setup(t);
  if (!c) return;
  const cases = [
    ['jpg', 'image/jpeg', JPEG_2X2, true],
    ['png', 'image/png', png(), true],
    ['webp', 'image/webp', WEBP_LOSSLESS_1X1, true],
    ['webp', 'image/webp', WEBP_LOSSY_2X2, false],
  ];
  for (const [ext, ctype, bytes, unchanged] of cases) {
    const before = storedCount();
    // a misleading name and declared type: only the bytes count
    const res = await uploadFile(c.a.token, bytes, 'holiday.gif', 'text/html');
    const { stored } = await acceptedAndServed(res, ext, ctype);
    assert.equal(storedCount(), before + 1, `${ext}: one file stored`);
    if (unchanged) assert.ok(stored.equals(bytes), `${ext}: a clean image is stored unchanged`);
  }
});

test('a JPEG with GPS EXIF, XMP and a comment comes back without them (and a WebP too)', async (t) => {
  const c = await setup(t);
  if (!c) return;
  const jpeg = jpegWithMetadata();
  assert.ok(jpeg.includes(Buffer.from('Exif\0\0')) && jpeg.length > JPEG_2X2.length);
  const j = await acceptedAndServed(await uploadFile(c.a.token, jpeg, 'gps.jpg', 'image/jpeg'), 'jpg', 'image/jpeg');
  assert.ok(j.stored.equals(JPEG_2X2), 'the JPEG is stored as the image without its APP1/COM segments');
  for (const needle of ['Exif', 'xmpmeta', 'GPSLatitude', 'secret comment', 'ns.adobe.com']) {
    assert.ok(!j.stored.includes(Buffer.from(needle, 'latin1')), `JPEG still contains ${needle}`);
  }
  assert.ok(!j.stored.includes(exifGps()), 'JPEG still contains the GPS IFD');

  const webp = webpWithMetadata();
  const w = await acceptedAndServed(await uploadFile(c.a.token, webp, 'gps.webp', 'image/webp'), 'webp', 'image/webp');
  for (const needle of ['EXIF', 'XMP ', 'xmpmeta', 'GPS']) {
    assert.ok(!w.stored.includes(Buffer.from(needle, 'latin1')), `WebP still contains ${needle}`);
  }
  assert.ok(!w.stored.includes(exifGps()), 'WebP still contains the GPS IFD');
});

// ------------------------------------------------------------------------ refused
test('SVG, HTML, a polyglot, an empty file and text named .jpg → 415, nothing stored', async (t) => {
  const c = await setup(t);
  if (!c) return;
  const cases = [
    ['svg', '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', 'x.svg', 'image/svg+xml'],
    ['html', '<!doctype html><script>alert(document.cookie)</script>', 'x.html', 'text/html'],
    ['polyglot (HTML after the JPEG EOI)', Buffer.concat([JPEG_2X2, Buffer.from('<html><script>alert(1)</script></html>')]), 'x.jpg', 'image/jpeg'],
    ['polyglot (script in a PNG text chunk)', png([['tEXt', 'k\0<script>alert(1)</script>']]), 'x.png', 'image/png'],
    ['empty file', Buffer.alloc(0), 'empty.png', 'image/png'],
    ['text named .jpg', 'just text, not a photo', 'photo.jpg', 'image/jpeg'],
    ['truncated JPEG', JPEG_2X2.subarray(0, JPEG_2X2.length - 10), 'x.jpg', 'image/jpeg'],
  ];
  for (const [what, bytes, filename, type] of cases) {
    const before = storedFiles();
    const res = await uploadFile(c.a.token, bytes, filename, type);
    assert.equal(res.status, 415, `${what}: ${res.status} ${res.text}`);
    assertJsonError(res, 415, ONLY_IMAGES);
    assert.deepEqual(storedFiles(), before, `${what}: a file was stored`);
  }
});

test('missing `file`, two files, a truncated body, a wrong Content-Type → 4xx JSON, nothing stored', async (t) => {
  const c = await setup(t);
  if (!c) return;
  const before = storedFiles();

  const missing = await upload(c.a.token, form(['photo', JPEG_2X2, 'x.jpg', 'image/jpeg']));
  assertJsonError(missing, 422);
  assert.deepEqual(missing.json.detail[0].loc, ['body', 'file']);
  assert.equal(missing.json.detail[0].msg, 'Field required');

  const noParts = new FormData();
  noParts.append('comment', 'no file here');
  const none = await upload(c.a.token, noParts);
  assertJsonError(none, 422);
  assert.deepEqual(none.json.detail[0].loc, ['body', 'file']);

  const two = await upload(c.a.token, form(['file', JPEG_2X2, 'a.jpg', 'image/jpeg'], ['file', png(), 'b.png', 'image/png']));
  assertJsonError(two, 422);
  assert.deepEqual(two.json.detail[0].loc, ['body', 'file']);
  assert.equal(two.json.detail[0].msg, 'Exactly one file is allowed');

  const boundary = `e2e${randomBytes(8).toString('hex')}`;
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="x.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`;
  const truncated = await request('POST', '/api/files/upload', {
    headers: { ...auth(c.a.token), 'content-type': `multipart/form-data; boundary=${boundary}` },
    body: Buffer.concat([Buffer.from(head), JPEG_2X2]), // no closing delimiter
  });
  assertJsonError(truncated, 400);

  const asJson = await upload(c.a.token, JSON.stringify({ file: JPEG_2X2.toString('base64') }), {
    'content-type': 'application/json',
  });
  assertJsonError(asJson, 400, /multipart\/form-data/);

  const noBoundary = await upload(c.a.token, Buffer.concat([Buffer.from(head), JPEG_2X2]), {
    'content-type': 'multipart/form-data',
  });
  assertJsonError(noBoundary, 400);

  assert.deepEqual(storedFiles(), before, 'a refused request stored a file');
});

test('no token → 401, nothing stored', async (t) => {
  const c = await setup(t);
  if (!c) return;
  const before = storedFiles();
  assertJsonError(await uploadFile(null, JPEG_2X2, 'x.jpg', 'image/jpeg'), 401, 'Missing token');
  assertJsonError(await uploadFile('not.a.jwt', JPEG_2X2, 'x.jpg', 'image/jpeg'), 401, 'Invalid token');
  assert.deepEqual(storedFiles(), before);
});

// ------------------------------------------------------------------------ sizes
test(`a body over 11 MiB is nginx's JSON 413; a ${MAX + 1}-byte file the worker's 413; exactly ${MAX} bytes fits`, async (t) => {
  const c = await setup(t);
  if (!c) return;
  const before = storedFiles();

  // over nginx's cap: nginx answers from the Content-Length, the worker never sees it
  const boundary = `e2e${randomBytes(8).toString('hex')}`;
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`);
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const huge = Buffer.concat([head, Buffer.alloc(NGINX_CAP + 1024 - head.length - tail.length, 0x41), tail]);
  assert.ok(huge.length > NGINX_CAP);
  const nginx413 = await request('POST', '/api/files/upload', {
    headers: { ...auth(c.a.token), 'content-type': `multipart/form-data; boundary=${boundary}` },
    body: huge,
    timeoutMs: 30000,
  });
  assertJsonError(nginx413, 413, 'File too large');
  assert.equal(nginx413.headers['x-content-type-options'], 'nosniff');

  // one byte over UPLOAD_MAX_BYTES, framing included still under nginx's cap: the worker says so
  const over = jpegOfSize(MAX + 1);
  const worker413 = await uploadFile(c.a.token, over, 'over.jpg', 'image/jpeg');
  assertJsonError(worker413, 413, /^File too large \(max /);
  assert.notEqual(worker413.json.detail, 'File too large', 'answered by nginx, not the worker');
  assert.deepEqual(storedFiles(), before, 'an oversized upload stored a file');

  // exactly UPLOAD_MAX_BYTES (padding segments that the metadata stripping drops) fits
  const exact = jpegOfSize(MAX);
  const ok = await uploadFile(c.a.token, exact, 'exact.jpg', 'image/jpeg');
  const { stored } = await acceptedAndServed(ok, 'jpg', 'image/jpeg');
  assert.ok(stored.equals(JPEG_2X2), 'the padding segments are stripped');
});

// ------------------------------------------------------------------------ names
test('path traversal in the file name is ignored: the stored name is random hex', async (t) => {
  const c = await setup(t);
  if (!c) return;
  const names = [
    '../../../../etc/cron.d/x.jpg',
    '..\\..\\evil.html',
    '/abs/x.png',
    '%2e%2e%2f%2e%2e%2fx.jpg',
    'a"b<script>.svg',
    `${'../'.repeat(40)}tmp/swmra-e2e-${process.pid}.jpg`,
  ];
  const paths = new Set();
  for (const name of names) {
    const before = storedFiles();
    const res = await uploadFile(c.a.token, JPEG_2X2, name, 'text/html');
    const { path } = await acceptedAndServed(res, 'jpg', 'image/jpeg');
    assert.ok(!/etc|cron|evil|abs|script|tmp|swmra/.test(path), `${name} → ${path}`);
    paths.add(path);
    const after = storedFiles();
    assert.equal(after.length, before.length + 1);
    assert.deepEqual(after.filter((f) => !before.includes(f)), [path], `stored in the ${BACKEND} store under its generated name`);
  }
  assert.equal(paths.size, names.length, 'every upload gets its own name');
  assert.ok(!existsSync('/etc/cron.d/x.jpg'));
  assert.ok(!existsSync(`/tmp/swmra-e2e-${process.pid}.jpg`));
});

// ------------------------------------------------------------------------ requests
test('a request can attach its owner\'s upload, not another user\'s (422 at body.photos.0)', async (t) => {
  const c = await setup(t);
  if (!c) return;
  const mine = await uploadFile(c.a.token, JPEG_2X2, 'mine.jpg', 'image/jpeg');
  assert.equal(mine.status, 201, mine.text);
  const theirs = await uploadFile(c.b.token, png(), 'theirs.png', 'image/png');
  assert.equal(theirs.status, 201, theirs.text);

  const body = (photos) => ({
    category: 'recyclable',
    description: 'Uploads e2e: a bag of bottles',
    quantity: 1,
    address: { line1: '12 MG Road', city: 'Pune', pincode: '411001', lat: 18.52, lng: 73.85 },
    photos,
  });
  const create = (token, photos) => request('POST', '/api/requests', { headers: auth(token), json: body(photos) });

  const probe = await create(c.a.token, [mine.json.url]);
  if (probe.status === 404) return t.skip('request routes not deployed');
  assert.equal(probe.status, 201, probe.text);
  assert.equal(probe.json.photos?.length, 1, `photos: ${JSON.stringify(probe.json.photos)}`);

  const refused = await create(c.a.token, [theirs.json.url]);
  assert.equal(refused.status, 422, refused.text);
  assert.deepEqual(refused.json.detail[0].loc, ['body', 'photos', 0]);

  // the other user's upload by its bare path, or mixed in after one's own: still refused
  const byPath = await create(c.a.token, [theirs.json.path]);
  assert.equal(byPath.status, 422, byPath.text);
  assert.deepEqual(byPath.json.detail[0].loc, ['body', 'photos', 0]);
  const mixed = await create(c.a.token, [c.probe.url, theirs.json.url]);
  assert.equal(mixed.status, 422, mixed.text);
  assert.deepEqual(mixed.json.detail.map((d) => d.loc), [['body', 'photos', 1]]);

  // and its owner can still attach it
  const b = await create(c.b.token, [theirs.json.url]);
  assert.equal(b.status, 201, b.text);
});

// ------------------------------------------------------------------------ serving
test('/uploads/ answers only generated names: no listings, temp files or traversal (404/400)', async (t) => {
  const c = await setup(t);
  if (!c) return;
  const path = c.probe.path; // YYYY/MM/<hex>.jpg of an upload made in setup
  const [yyyy, mm, name] = path.split('/');
  const hex = name.slice(0, 32);

  // files nginx must never serve, beside a real upload: the worker's temporary file, markup
  // under a generated-looking name, an upper-case twin
  const dir = join(UPLOAD_DIR, yyyy, mm);
  const planted = {
    tmp: `.tmp-${randomBytes(16).toString('hex')}`,
    html: `${randomBytes(16).toString('hex')}.html`,
    upper: `${randomBytes(16).toString('hex').toUpperCase()}.jpg`,
    jpgHtml: `${randomBytes(16).toString('hex')}.jpg.html`,
  };
  mkdirSync(dir, { recursive: true });
  for (const f of Object.values(planted)) writeFileSync(join(dir, f), '<script>alert(1)</script>');
  t.after(() => {
    for (const f of Object.values(planted)) rmSync(join(dir, f), { force: true });
  });

  const ok = await fetchBytes(freshLink(path)); // setup's link may have expired (short TTL)
  assert.equal(ok.status, 200);
  assertUploadHeaders(ok.headers, path);

  const notFound = [
    '/uploads/',
    `/uploads/${yyyy}/`,
    `/uploads/${yyyy}`,
    `/uploads/${yyyy}/${mm}/`,
    `/uploads/${yyyy}/${mm}`,
    `/uploads/${yyyy}/${mm}/${planted.tmp}`,
    `/uploads/${yyyy}/${mm}/${planted.html}`,
    `/uploads/${yyyy}/${mm}/${planted.upper}`,
    `/uploads/${yyyy}/${mm}/${planted.jpgHtml}`,
    `/uploads/${yyyy}/${mm}/${hex}.JPG`,
    `/uploads/${yyyy}/${mm}/${hex}.jpeg`,
    `/uploads/${yyyy}/${mm}/${hex}.jpg/`,
    `/uploads/${yyyy}/${mm}/${hex}`,
    signLink(`${yyyy}/${mm}/${randomBytes(16).toString('hex')}.png`, Math.floor(Date.now() / 1000) + 600), // well-formed, signed, absent
    `/uploads/${yyyy}/${mm}//${name}`,
    `/uploads//${path}`,
    `/uploads/${yyyy}/${mm}/./${name}`,
    `/uploads/x/../${path}`,
    `/uploads/${yyyy}/${mm}/%2e%2e/${mm}/${name}`,
    `/uploads/${yyyy}%2f${mm}%2f${name}`,
  ];
  for (const url of notFound) {
    const res = await request('GET', url);
    assert.equal(res.status, 404, `${url} -> ${res.status}`);
    assert.doesNotMatch(res.text, /Index of|alert\(1\)|<a href/, url);
    assertUploadHeaders(res.headers, url);
  }

  // traversal, plain and encoded: never a file (404 from /uploads/, or nginx's 400 for a path
  // above the root), never the SPA either
  const traversal = [
    '/uploads/../etc/passwd',
    '/uploads/../../etc/passwd',
    '/uploads/%2e%2e/etc/passwd',
    '/uploads/%2E%2E/%2E%2E/etc/passwd',
    '/uploads/..%2fetc%2fpasswd',
    '/uploads/..%2F..%2F..%2Fetc%2Fpasswd',
    '/uploads%2f..%2fetc%2fpasswd',
    '/uploads/..%5c..%5cetc%5cpasswd',
    '/uploads/%252e%252e/etc/passwd',
    `/uploads/${yyyy}/../../etc/passwd`,
    `/uploads/${yyyy}/${mm}/..%2f..%2f..%2f..%2fetc%2fpasswd`,
    '/uploads/../api/health',
    '/uploads/../index.html',
    `/uploads/${yyyy}/${mm}/${name}/../../../../etc/passwd`,
  ];
  for (const url of traversal) {
    const res = await request('GET', url);
    assert.ok([400, 404].includes(res.status), `${url} -> ${res.status}`);
    assert.doesNotMatch(res.text, /root:|"status"|<div id=|swmra/i, `${url}: served something`);
    if (res.status === 404) assertUploadHeaders(res.headers, url);
  }

  // other methods do not write or list anything
  for (const method of ['PUT', 'DELETE', 'POST']) {
    const res = await request(method, `/uploads/${path}`, { body: 'x' });
    assert.ok(res.status >= 400 && res.status < 500, `${method} -> ${res.status}`);
  }
  const still = await fetchBytes(freshLink(path));
  assert.equal(still.status, 200);
  assert.ok(still.bytes.equals(readStored(path)));
});

// ------------------------------------------------------------------------ private photos
const nowSec = () => Math.floor(Date.now() / 1000); // nginx checks links on the real clock
const createRequest = (token, photos) =>
  request('POST', '/api/requests', {
    headers: auth(token),
    json: {
      category: 'recyclable',
      description: 'Uploads e2e: private photos',
      quantity: 1,
      address: { line1: '12 MG Road', city: 'Pune', pincode: '411001', lat: 18.52, lng: 73.85 },
      photos,
    },
  });

test('photos are private: no link, a tampered link, another file\'s link, an expired link → 403 JSON', async (t) => {
  const c = await setup(t);
  if (!c) return;
  const mine = await uploadFile(c.a.token, JPEG_2X2, 'a.jpg', 'image/jpeg');
  assert.equal(mine.status, 201, mine.text);
  const { url, path } = mine.json;
  const other = await uploadFile(c.b.token, png(), 'b.png', 'image/png');
  assert.equal(other.status, 201, other.text);
  const q = new URL(url).searchParams;
  const md5 = q.get('md5');
  const expires = Number(q.get('expires'));
  assert.ok(expires > nowSec() && expires <= nowSec() + TTL + 1, `expires ${expires - nowSec()} s ahead, UPLOAD_LINK_TTL ${TTL}`);
  const flipped = (md5[0] === 'A' ? 'B' : 'A') + md5.slice(1);
  const invalid = [
    `/uploads/${path}`, // no link at all: the old public address
    `/uploads/${path}?expires=${expires}`,
    `/uploads/${path}?md5=${md5}`,
    `/uploads/${path}?md5=${flipped}&expires=${expires}`, // tampered signature
    `/uploads/${path}?md5=${md5}&expires=${expires + 86400}`, // stretched expiry
    `/uploads/${other.json.path}?md5=${md5}&expires=${expires}`, // this file's link on another file
    `/uploads/${path}?md5=${new URL(other.json.url).searchParams.get('md5')}&expires=${new URL(other.json.url).searchParams.get('expires')}`,
    signLink(path, expires, `not-the-stack-secret-${randomBytes(8).toString('hex')}`),
  ];
  for (const u of invalid) {
    const res = await fetchBytes(u);
    assert.equal(res.status, 403, `${u} -> ${res.status}`);
    assert.match(res.headers.get('content-type'), /^application\/json/, u);
    assert.match(String(res.json?.detail), /missing or invalid/, u);
    assertUploadHeaders(res.headers, u);
    assert.ok(!res.bytes.includes(JPEG_2X2.subarray(0, 4)), `${u}: image bytes in a refusal`);
  }
  // correctly signed but expired (the API never hands these out: signed here with the secret)
  const expired = await fetchBytes(signLink(path, nowSec() - 5));
  assert.equal(expired.status, 403);
  assert.match(String(expired.json?.detail), /expired/);
  // and the API's own link still works
  const good = await fetchBytes(url);
  assert.equal(good.status, 200);
  assert.ok(good.bytes.equals(readStored(path)));
});

test('a request shows its photos through fresh links to its owner and to staff; other users get 404', async (t) => {
  const c = await setup(t);
  if (!c) return;
  const up = await uploadFile(c.a.token, png(), 'req.png', 'image/png');
  assert.equal(up.status, 201, up.text);
  // the signed url as well as the bare path of one's own upload are accepted
  const created = await createRequest(c.a.token, [up.json.url]);
  if (created.status === 404) return t.skip('request routes not deployed');
  assert.equal(created.status, 201, created.text);
  const id = created.json.id;
  const check = async (photos, who) => {
    assert.equal(photos.length, 1, `${who}: ${JSON.stringify(photos)}`);
    const u = new URL(photos[0]);
    assert.equal(u.pathname, `/uploads/${up.json.path}`, who);
    assert.match(u.search, LINK_QUERY, who);
    const res = await fetchBytes(photos[0]);
    assert.equal(res.status, 200, `${who}: ${photos[0]} -> ${res.status}`);
    assert.ok(res.bytes.equals(readStored(up.json.path)), who);
  };
  await check(created.json.photos, 'create answer');
  const mine = await request('GET', `/api/requests/${id}`, { headers: auth(c.a.token) });
  assert.equal(mine.status, 200, mine.text);
  await check(mine.json.photos, 'owner');
  const list = await request('GET', '/api/requests', { headers: auth(c.a.token) });
  assert.equal(list.status, 200, list.text);
  await check(list.json.items.find((r) => r.id === id).photos, 'owner list');

  const theirs = await request('GET', `/api/requests/${id}`, { headers: auth(c.b.token) });
  assert.equal(theirs.status, 404, 'another resident gets no request and so no link');
  const byPath = await createRequest(c.b.token, [up.json.path]);
  assert.equal(byPath.status, 422, 'nor can attach the photo to get one');

  const staff = await login('staff@example.com', 'Passw0rd!');
  assert.equal(staff.status, 200, `the seed staff user: ${staff.text}`);
  const seen = await request('GET', `/api/staff/requests/${id}`, { headers: auth(staff.json.access_token) });
  assert.equal(seen.status, 200, seen.text);
  await check(seen.json.photos, 'staff');
});

// A short UPLOAD_LINK_TTL (the s3 run of tests/run-check.sh uses 4 s) lets a real link expire.
if (TTL <= 10) {
  test(`a link the API handed out stops working after UPLOAD_LINK_TTL (${TTL} s); a new read gives a fresh one`, async (t) => {
    const c = await setup(t);
    if (!c) return;
    const up = await uploadFile(c.a.token, JPEG_2X2, 'ttl.jpg', 'image/jpeg');
    assert.equal(up.status, 201, up.text);
    const created = await createRequest(c.a.token, [up.json.path]);
    assert.equal(created.status, 201, created.text);
    assert.equal((await fetchBytes(up.json.url)).status, 200);
    const expires = Number(new URL(up.json.url).searchParams.get('expires'));
    await new Promise((r) => setTimeout(r, (expires - nowSec() + 1.2) * 1000));
    const old = await fetchBytes(up.json.url);
    assert.equal(old.status, 403, 'expired');
    assert.match(String(old.json?.detail), /expired/);
    const again = await request('GET', `/api/requests/${created.json.id}`, { headers: auth(c.a.token) });
    assert.notEqual(again.json.photos[0], up.json.url);
    assert.equal((await fetchBytes(again.json.photos[0])).status, 200, 'the fresh link works');
  });
}

// ------------------------------------------------------------------------ through the store
const CLEANUP = resolve(process.env.SWMRA_BUILD_DIR || STACK.SWMRA_BUILD_DIR || REPO, 'cron/swmra-job-cleanup-uploads');
/** Runs the orphan cleanup with the clock `hoursAhead` ahead; its stdout. */
function cleanup(args, hoursAhead) {
  const offset = Number(process.env.TEST_NOW_OFFSET || STACK.TEST_NOW_OFFSET || 0) + hoursAhead * 3600;
  return execFileSync(CLEANUP, ['--env-file', '', ...args], {
    env: { ...process.env, ...STACK, TEST_NOW_OFFSET: String(offset) },
    encoding: 'utf8',
    timeout: 60000,
  });
}
/** How many upload documents the cleanup would delete (unattached, older than its cutoff). */
const orphanDocs = () => Number(/(\d+) upload\(s\) would be deleted/.exec(cleanup(['--dry-run'], 25))[1]);

if (BACKEND === 's3') {
  test('the store down: upload → 503 JSON, no document, photos → 503 JSON; back up: both work again', async (t) => {
    const c = await setup(t);
    if (!c) return;
    const docs = orphanDocs();
    const keys = storedCount();
    stack('stop-s3');
    try {
      const down = await uploadFile(c.a.token, JPEG_2X2, 'down.jpg', 'image/jpeg');
      assertJsonError(down, 503, /unavailable/);
      assert.ok(Number(down.headers.get('retry-after')) > 0, 'Retry-After');
      assert.equal(orphanDocs(), docs, 'no half-written upload document');
      const photo = await fetchBytes(freshLink(c.probe.path));
      assert.equal(photo.status, 503);
      assert.match(String(photo.json?.detail), /unavailable/);
    } finally {
      stack('start-s3');
    }
    assert.equal(storedCount(), keys, 'nothing stored while down');
    const up = await uploadFile(c.a.token, JPEG_2X2, 'down.jpg', 'image/jpeg');
    await acceptedAndServed(up, 'jpg', 'image/jpeg');
    assert.equal(orphanDocs(), docs + 1);
    assert.equal((await fetchBytes(freshLink(c.probe.path))).status, 200, 'earlier photos are served again');
  });
}

if (BACKEND === 's3') {
  // the local e2e pass of tests/run-check.sh leaves attached uploads in UPLOAD_DIR (same stack)
  test('swmra-job-migrate-uploads --to s3 copies the local uploads into the bucket, once (--dry-run changes nothing)', async () => {
    const bin = resolve(process.env.SWMRA_BUILD_DIR || STACK.SWMRA_BUILD_DIR || REPO, 'cron/swmra-job-migrate-uploads');
    assert.ok(existsSync(bin), `${bin} is not built`);
    const migrate = (...args) =>
      execFileSync(bin, ['--env-file', '', '--to', 's3', ...args], { env: { ...process.env, ...STACK }, encoding: 'utf8', timeout: 120000 });
    const walk = (dir) =>
      existsSync(dir)
        ? readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]))
        : [];
    const local = walk(UPLOAD_DIR).map((f) => f.slice(UPLOAD_DIR.length + 1)).filter((k) => NAME_RE.test(k));
    assert.ok(local.length > 0, `no local uploads in ${UPLOAD_DIR}: run the local e2e pass first (tests/run-check.sh does)`);
    const would = (out) => [...out.matchAll(/^would copy (\S+)$/gm)].map((m) => m[1]);
    const planned = would(migrate('--dry-run'));
    assert.ok(planned.length > 0, 'the dry run lists local uploads to copy');
    for (const k of planned) {
      assert.ok(local.includes(k), `${k}: planned but not a local file`);
      assert.equal(readStored(k), null, `${k}: the dry run copied it`);
    }
    migrate();
    for (const k of planned) assert.ok(readStored(k)?.equals(readFileSync(join(UPLOAD_DIR, k))), `${k}: not copied byte for byte`);
    assert.deepEqual(would(migrate('--dry-run')), [], 'a second run has nothing left to copy');
    migrate(); // and copying again is harmless
    for (const k of planned) assert.ok(readStored(k), k);
  });
}

// last in this file: it deletes every unattached upload of the run
test('the orphan cleanup deletes unattached uploads through the store; attached ones stay', async (t) => {
  const c = await setup(t);
  if (!c) return;
  assert.ok(existsSync(CLEANUP), `${CLEANUP} is not built`);
  const orphan = await uploadFile(c.a.token, JPEG_2X2, 'orphan.jpg', 'image/jpeg');
  assert.equal(orphan.status, 201, orphan.text);
  const kept = await uploadFile(c.a.token, png(), 'kept.png', 'image/png');
  assert.equal(kept.status, 201, kept.text);
  const created = await createRequest(c.a.token, [kept.json.path]);
  assert.equal(created.status, 201, created.text);
  assert.ok(readStored(orphan.json.path), 'the orphan is stored');

  // a day later by the job's clock (ORPHAN_UPLOAD_HOURS = 24)
  cleanup(['--once'], 25);
  assert.equal(readStored(orphan.json.path), null, `the orphan is gone from the ${BACKEND} store`);
  const gone = await fetchBytes(freshLink(orphan.json.path)); // a validly signed link
  assert.equal(gone.status, 404);
  assert.equal(gone.json?.detail, 'Not Found');
  assert.ok(readStored(kept.json.path), 'the attached upload stays');
  assert.equal((await fetchBytes(freshLink(kept.json.path))).status, 200);
  assert.equal(orphanDocs(), 0, 'no unattached upload document left');
  // the request can no longer take the deleted upload
  const late = await createRequest(c.a.token, [orphan.json.path]);
  assert.equal(late.status, 422, late.text);
});

// ------------------------------------------------------------------------ quota (issue 12.4)
const MAX_PENDING = Number(process.env.UPLOAD_MAX_PENDING || STACK.UPLOAD_MAX_PENDING || 20);
const MAX_PENDING_BYTES = Number(process.env.UPLOAD_MAX_PENDING_BYTES || STACK.UPLOAD_MAX_PENDING_BYTES || 100 * 1024 * 1024);

/** Asserts a quota refusal: 429 JSON detail (matching `detail`) with Retry-After. */
function assertQuota(res, detail) {
  assertJsonError(res, 429, detail);
  assert.match(res.headers.get('retry-after') || '', /^[1-9][0-9]*$/);
}

/** A PNG of exactly `size` bytes: the 1x1 image with one big IDAT (stored as is). */
function pngOfSize(size) {
  const small = png();
  const ihdrEnd = 8 + 25;
  const data = Buffer.alloc(size - ihdrEnd - 12 - 12, 0x5a);
  const out = Buffer.concat([small.subarray(0, ihdrEnd), pngChunk('IDAT', data), pngChunk('IEND')]);
  assert.equal(out.length, size);
  return out;
}

test(`quota: ${MAX_PENDING + 5} uploads at once store exactly ${MAX_PENDING}; the rest are 429 and store nothing; attaching frees room`, async (t) => {
  const c = await setup(t);
  if (!c) return;
  const u = await registerUser();
  const before = storedCount();
  const all = await Promise.all(
    Array.from({ length: MAX_PENDING + 5 }, (_, i) => uploadFile(u.token, JPEG_2X2, `burst-${i}.jpg`, 'image/jpeg')),
  );
  const ok = all.filter((r) => r.status === 201);
  assert.equal(ok.length, MAX_PENDING, all.map((r) => r.status).join(','));
  for (const r of all.filter((x) => x.status !== 201)) assertQuota(r, /unattached uploads/i);
  assert.equal(storedCount(), before + MAX_PENDING);
  assertQuota(await uploadFile(u.token, png(), 'one-more.png', 'image/png'), `Too many unattached uploads (at most ${MAX_PENDING}); attach them to a request or try again later`);
  assert.equal(storedCount(), before + MAX_PENDING);

  // another user is not affected
  assert.equal((await uploadFile(c.b.token, JPEG_2X2, 'b.jpg', 'image/jpeg')).status, 201);

  // attaching five to a request frees five places, not more
  const created = await request('POST', '/api/requests', {
    headers: auth(u.token),
    json: {
      category: 'recyclable',
      description: 'Quota e2e: five photos',
      quantity: 1,
      address: { line1: '12 MG Road', city: 'Pune', pincode: '411001' },
      photos: ok.slice(0, 5).map((r) => r.json.url),
    },
  });
  assert.equal(created.status, 201, created.text);
  for (let i = 0; i < 5; i++) assert.equal((await uploadFile(u.token, JPEG_2X2, `after-${i}.jpg`, 'image/jpeg')).status, 201);
  assertQuota(await uploadFile(u.token, JPEG_2X2, 'over.jpg', 'image/jpeg'), /unattached uploads/i);
  assert.equal(storedCount(), before + MAX_PENDING + 5 + 1);
});

test(`quota: unattached uploads hold at most ${MAX_PENDING_BYTES} bytes per user`, async (t) => {
  const c = await setup(t);
  if (!c) return;
  const u = await registerUser();
  const size = Math.min(MAX, 10_000_000);
  const big = pngOfSize(size);
  const fit = Math.min(Math.floor(MAX_PENDING_BYTES / size), MAX_PENDING);
  const before = storedCount();
  for (let i = 0; i < fit; i++) {
    const r = await uploadFile(u.token, big, `big-${i}.png`, 'image/png');
    assert.equal(r.status, 201, `upload ${i}: ${r.text}`);
  }
  if (fit < MAX_PENDING) {
    assertQuota(await uploadFile(u.token, big, 'too-much.png', 'image/png'), /^Unattached uploads would exceed/);
    assert.equal(storedCount(), before + fit);
  }
});
