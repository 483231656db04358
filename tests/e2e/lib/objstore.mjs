// The stack's photo store as the tests see it (STORAGE_BACKEND local or s3), and photo links
// signed like the API signs them (src/domain/upload_links.c), for links the API would never
// hand out: expired ones, tampered ones, links to absent files.
//
// local: files under UPLOAD_DIR. s3: the objects of S3_BUCKET, read and listed with curl's
// own SigV4 (--aws-sigv4), as the API signs with libcurl.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { STACK } from './stack.mjs';

const env = (k) => process.env[k] || STACK[k];
export const BACKEND = env('STORAGE_BACKEND') || 'local';
const UPLOAD_DIR = env('UPLOAD_DIR');

function s3(args, { binary = false } = {}) {
  const out = execFileSync(
    'curl',
    ['-sS', '--max-time', '10', '--aws-sigv4', `aws:amz:${env('S3_REGION') || 'us-east-1'}:s3`,
      '--user', `${env('S3_ACCESS_KEY')}:${env('S3_SECRET_KEY')}`, '-w', '\n%{http_code}', ...args],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  const nl = out.lastIndexOf(10);
  const status = Number(out.subarray(nl + 1).toString());
  const body = out.subarray(0, nl);
  return { status, body: binary ? body : body.toString('utf8') };
}
const bucketUrl = () => `${env('S3_ENDPOINT').replace(/\/$/, '')}/${env('S3_BUCKET')}`;

function localFiles(dir = UPLOAD_DIR) {
  if (!dir || !existsSync(dir)) return [];
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...localFiles(p));
    else out.push(p.slice(UPLOAD_DIR.length + 1));
  }
  return out;
}

/** Every stored key ("YYYY/MM/<name>", temporary files included on local). */
export function storedKeys() {
  if (BACKEND !== 's3') return localFiles();
  const keys = [];
  let token = '';
  for (;;) {
    const q = `list-type=2&max-keys=1000${token ? `&continuation-token=${encodeURIComponent(token)}` : ''}`;
    const r = s3([`${bucketUrl()}?${q}`]);
    if (r.status !== 200) throw new Error(`listing the bucket: HTTP ${r.status} ${r.body.slice(0, 200)}`);
    // .stack-ready is scripts/stack.sh's readiness probe: written and deleted at every
    // start, and SeaweedFS may list a just-deleted key for a while
    for (const m of r.body.matchAll(/<Key>([^<]*)<\/Key>/g)) if (m[1] !== '.stack-ready') keys.push(m[1]);
    const next = /<NextContinuationToken>([^<]*)<\/NextContinuationToken>/.exec(r.body);
    if (!/<IsTruncated>true<\/IsTruncated>/.test(r.body) || !next) return keys;
    token = next[1];
  }
}

/** The stored bytes of `key`, or null when absent. */
export function readStored(key) {
  if (BACKEND !== 's3') {
    const p = join(UPLOAD_DIR, key);
    return existsSync(p) ? readFileSync(p) : null;
  }
  const r = s3([`${bucketUrl()}/${key}`], { binary: true });
  if (r.status === 404) return null;
  if (r.status !== 200) throw new Error(`reading ${key}: HTTP ${r.status}`);
  return r.body;
}

/** A photo link for `path` expiring at `expires` (unix seconds), signed with `secret`. */
export function signLink(path, expires, secret = env('UPLOAD_LINK_SECRET')) {
  const md5 = createHash('md5').update(`${expires}/uploads/${path} ${secret}`).digest('base64url');
  return `/uploads/${path}?md5=${md5}&expires=${expires}`;
}
