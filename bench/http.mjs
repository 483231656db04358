// bench/http.mjs — the HTTP helpers the bench drivers share (node:http, no dependency).

import http from 'node:http';

/**
 * One request to `base` (a URL). Resolves {status, text, json, ms}. Options: token (bearer),
 * json (sent as the body), agent (default: none, a fresh connection), localAddress.
 */
export function request(base, method, path, { token, json, agent, localAddress } = {}) {
  const headers = {};
  let body;
  if (token) headers.authorization = `Bearer ${token}`;
  if (json !== undefined) {
    body = JSON.stringify(json);
    headers['content-type'] = 'application/json';
    headers['content-length'] = Buffer.byteLength(body);
  }
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const req = http.request(
      { host: base.hostname, port: base.port || 80, method, path, headers, agent: agent ?? false, localAddress },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed;
          try {
            parsed = JSON.parse(text);
          } catch {
            parsed = undefined;
          }
          resolve({ status: res.statusCode, text, json: parsed, ms: Number(process.hrtime.bigint() - t0) / 1e6 });
        });
        res.on('error', reject);
      },
    );
    req.setTimeout(60000, () => req.destroy(new Error(`${method} ${path}: timed out`)));
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/** The JSON body of a response with the expected status, else an Error saying what came. */
export function must(res, status, what) {
  if (res.status !== status) throw new Error(`${what}: expected ${status}, got ${res.status} ${res.text.slice(0, 300)}`);
  return res.json;
}

/** The p-th percentile of an ascending array (NaN when empty). */
export function pct(sorted, p) {
  if (!sorted.length) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}
