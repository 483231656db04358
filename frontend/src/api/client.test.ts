import { describe, expect, it, vi } from 'vitest';
import { api, apiBlob, ApiError, buildQuery, locToField } from './client';
import { fakeFetch, reply } from '../test/fakeFetch';

describe('api client', () => {
  it('renews an expired token once for concurrent 401s and repeats the calls with the new one', async () => {
    localStorage.setItem('swmra_token', 'old');
    const net = fakeFetch({
      'GET /api/a': (c) => (c.headers.authorization === 'Bearer new' ? { ok: 'a' } : reply(401, { detail: 'Invalid token' })),
      'GET /api/b': (c) => (c.headers.authorization === 'Bearer new' ? { ok: 'b' } : reply(401, { detail: 'Invalid token' })),
      'POST /api/auth/refresh': { access_token: 'new', token_type: 'bearer', user: { id: 'u1' } },
    });
    const seen = vi.fn();
    window.addEventListener('swmra:unauthorized', seen);
    const [a, b] = await Promise.all([api<{ ok: string }>('GET', '/a'), api<{ ok: string }>('GET', '/b')]);
    window.removeEventListener('swmra:unauthorized', seen);
    expect([a.ok, b.ok]).toEqual(['a', 'b']);
    expect(net.find('POST', '/api/auth/refresh')).toHaveLength(1);
    expect(localStorage.getItem('swmra_token')).toBe('new');
    expect(seen).not.toHaveBeenCalled();
  });

  it('signs out (swmra:unauthorized) only when the refresh is refused', async () => {
    localStorage.setItem('swmra_token', 'old');
    fakeFetch({
      'GET /api/a': reply(401, { detail: 'Invalid token' }),
      'POST /api/auth/refresh': reply(401, { detail: 'Invalid refresh token' }),
    });
    const seen = vi.fn();
    window.addEventListener('swmra:unauthorized', seen);
    await expect(api('GET', '/a')).rejects.toMatchObject({ status: 401 });
    window.removeEventListener('swmra:unauthorized', seen);
    expect(seen).toHaveBeenCalledTimes(1);
  });

  it('keeps the session when the refresh cannot reach the server', async () => {
    localStorage.setItem('swmra_token', 'old');
    fakeFetch({ 'GET /api/a': reply(401, { detail: 'Invalid token' }), 'POST /api/auth/refresh': reply(503) });
    const seen = vi.fn();
    window.addEventListener('swmra:unauthorized', seen);
    // a network error, not the 401: a 401 would make the caller sign the person out
    await expect(api('GET', '/a')).rejects.toMatchObject({ status: 0 });
    window.removeEventListener('swmra:unauthorized', seen);
    expect(seen).not.toHaveBeenCalled();
    expect(localStorage.getItem('swmra_token')).toBe('old');
  });

  it('a 401 answered after the token was renewed reuses the new token: no second refresh', async () => {
    localStorage.setItem('swmra_token', 'old');
    // a token that is good for ten more minutes (refreshOnce reads its exp)
    const fresh = `h.${btoa(JSON.stringify({ exp: Math.floor(Date.now() / 1000) + 600 })).replace(/=+$/, '')}.s`;
    let releaseB: () => void = () => {};
    const bHeld = new Promise<void>((r) => (releaseB = r));
    const net = fakeFetch({
      'GET /api/a': (c) => (c.headers.authorization === `Bearer ${fresh}` ? { ok: 'a' } : reply(401, { detail: 'Invalid token' })),
      // b was sent with the old token and its 401 comes back only after a's refresh is done
      'GET /api/b': async (c) => {
        if (c.headers.authorization === `Bearer ${fresh}`) return { ok: 'b' };
        await bHeld;
        return reply(401, { detail: 'Invalid token' });
      },
      'POST /api/auth/refresh': { access_token: fresh, token_type: 'bearer', user: { id: 'u1' } },
    });
    const b = api<{ ok: string }>('GET', '/b');
    const a = await api<{ ok: string }>('GET', '/a');
    releaseB();
    expect([a.ok, (await b).ok]).toEqual(['a', 'b']);
    expect(net.find('POST', '/api/auth/refresh')).toHaveLength(1);
  });

  it('renews an expired token for downloads too, instead of signing out', async () => {
    localStorage.setItem('swmra_token', 'old');
    const net = fakeFetch({
      'GET /api/auth/me/export': (c) =>
        c.headers.authorization === 'Bearer new'
          ? reply(200, { any: 'thing' }, { 'Content-Disposition': 'attachment; filename="swmra-data.json"' })
          : reply(401, { detail: 'Invalid token' }),
      'POST /api/auth/refresh': { access_token: 'new', token_type: 'bearer', user: { id: 'u1' } },
    });
    const seen = vi.fn();
    window.addEventListener('swmra:unauthorized', seen);
    const { filename } = await apiBlob('/auth/me/export');
    window.removeEventListener('swmra:unauthorized', seen);
    expect(filename).toBe('swmra-data.json');
    expect(net.find('POST', '/api/auth/refresh')).toHaveLength(1);
    expect(seen).not.toHaveBeenCalled();
  });

  it('sends the bearer token from localStorage and parses JSON', async () => {
    localStorage.setItem('swmra_token', 'abc');
    const net = fakeFetch({ 'GET /api/auth/me': { id: 'u1', name: 'A' } });
    const me = await api<{ id: string }>('GET', '/auth/me');
    expect(me.id).toBe('u1');
    expect(net.calls[0].headers.authorization).toBe('Bearer abc');
  });

  it('dispatches swmra:unauthorized on a 401 for a call that carried a token', async () => {
    localStorage.setItem('swmra_token', 'expired');
    fakeFetch({ 'GET /api/requests': reply(401, { detail: 'Invalid token' }) });
    const seen = vi.fn();
    window.addEventListener('swmra:unauthorized', seen);
    await expect(api('GET', '/requests')).rejects.toMatchObject({ status: 401, message: 'Invalid token' });
    window.removeEventListener('swmra:unauthorized', seen);
    expect(seen).toHaveBeenCalledTimes(1);
  });

  it('does not sign anybody out for a failed login (no token sent)', async () => {
    fakeFetch({ 'POST /api/auth/login': reply(401, { detail: 'Invalid credentials' }) });
    const seen = vi.fn();
    window.addEventListener('swmra:unauthorized', seen);
    await expect(api('POST', '/auth/login', { body: {}, auth: false })).rejects.toMatchObject({ message: 'Invalid credentials' });
    window.removeEventListener('swmra:unauthorized', seen);
    expect(seen).not.toHaveBeenCalled();
  });

  it('maps 422 locs onto field paths', async () => {
    fakeFetch({
      'POST /api/requests': reply(422, {
        detail: [
          { loc: ['body', 'address', 'line1'], msg: 'too short', type: 'value_error' },
          { loc: ['body', 'description'], msg: 'required', type: 'missing' },
        ],
      }),
    });
    const err = (await api('POST', '/requests', { body: {} }).catch((e) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(422);
    expect(err.fieldErrors).toEqual({ 'address.line1': 'too short', description: 'required' });
  });

  it('turns a network failure into status 0 with a readable message', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(() => Promise.reject(new TypeError('Failed to fetch'))),
    );
    const err = (await api('GET', '/health').catch((e) => e)) as ApiError;
    expect(err.status).toBe(0);
    expect(err.message).toMatch(/could not reach the server/i);
  });

  it('uses a friendly message for 429 and 5xx without detail', async () => {
    fakeFetch({ 'GET /api/a': reply(429, {}, { 'Retry-After': '7' }), 'GET /api/b': reply(502) });
    const a = (await api('GET', '/a').catch((e) => e)) as ApiError;
    expect(a.message).toMatch(/too many attempts/i);
    expect(a.retryAfter).toBe(7);
    const b = (await api('GET', '/b').catch((e) => e)) as ApiError;
    expect(b.message).toMatch(/server had a problem/i);
  });

  it('builds query strings without empty values', () => {
    expect(buildQuery({ status: '', skip: 0, limit: 10, q: undefined })).toBe('?skip=0&limit=10');
    expect(buildQuery({})).toBe('');
    expect(locToField(['query', 'date'])).toBe('date');
    expect(locToField(['body', 'weekly', 0, 'start'])).toBe('weekly.0.start');
  });
});
