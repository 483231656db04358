import { vi } from 'vitest';

/** One recorded call to the fake network. */
export interface Call {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
  headers: Record<string, string>;
}

export interface Reply {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type Handler = (call: Call, params: Record<string, string>) => Reply | unknown | Promise<Reply | unknown>;

/** Marks a handler result as a full reply (status/body/headers) rather than a 200 JSON body. */
export const reply = (status: number, body?: unknown, headers?: Record<string, string>): Reply & { __reply: true } => ({
  status,
  body,
  headers,
  __reply: true,
});

function match(pattern: string, path: string): Record<string, string> | null {
  const a = pattern.split('/');
  const b = path.split('/');
  if (a.length !== b.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < a.length; i++) {
    if (a[i].startsWith(':')) params[a[i].slice(1)] = decodeURIComponent(b[i]);
    else if (a[i] !== b[i]) return null;
  }
  return params;
}

/**
 * Replaces global fetch with a fake server. Routes are "METHOD /api/path/:param". A handler
 * returns a JSON body (200) or reply(status, body). Unknown routes answer 404 and are listed
 * in `unmatched` so tests can assert nothing unexpected was called.
 */
export function fakeFetch(routes: Record<string, Handler | object | string | number | boolean | null>) {
  const calls: Call[] = [];
  const unmatched: string[] = [];
  const fn = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = new URL(typeof input === 'string' ? input : input.toString(), 'http://localhost');
    const method = (init.method ?? 'GET').toUpperCase();
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries((init.headers as Record<string, string>) ?? {})) headers[k.toLowerCase()] = v;
    let body: unknown = init.body;
    if (typeof body === 'string') {
      try {
        body = JSON.parse(body);
      } catch {
        /* keep the raw string */
      }
    }
    const call: Call = { method, path: url.pathname, query: url.searchParams, body, headers };
    calls.push(call);
    for (const [key, handler] of Object.entries(routes)) {
      const [m, p] = key.split(' ');
      if (m !== method) continue;
      const params = match(p, url.pathname);
      if (!params) continue;
      const out = typeof handler === 'function' ? await (handler as Handler)(call, params) : handler;
      const r = out && typeof out === 'object' && '__reply' in (out as object) ? (out as Reply) : { status: 200, body: out };
      const status = r.status ?? 200;
      const text = r.body === undefined ? '' : JSON.stringify(r.body);
      return new Response(status === 204 ? null : text, {
        status,
        headers: { 'Content-Type': 'application/json', ...(r.headers ?? {}) },
      });
    }
    unmatched.push(`${method} ${url.pathname}`);
    return new Response(JSON.stringify({ detail: 'Not Found' }), { status: 404, headers: { 'Content-Type': 'application/json' } });
  });
  vi.stubGlobal('fetch', fn);
  const find = (method: string, path: string) => calls.filter((c) => c.method === method && c.path === path);
  return { calls, unmatched, fn, find };
}
