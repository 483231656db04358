import { describe, expect, it } from 'vitest';
import { authStore, bootstrapAuth, login, logout, signup } from './auth';
import { fakeFetch, reply } from '../test/fakeFetch';
import { citizen } from '../test/fixtures';

describe('auth store', () => {
  it('stores the token under swmra_token on login (email trimmed and lower-cased)', async () => {
    const net = fakeFetch({ 'POST /api/auth/login': { access_token: 'jwt1', token_type: 'bearer', user: citizen } });
    await login('  Asha@Example.com ', 'Passw0rd!');
    expect(localStorage.getItem('swmra_token')).toBe('jwt1');
    expect(authStore.get().user?.name).toBe('Asha Rao');
    expect(net.calls[0].body).toEqual({ email: 'asha@example.com', password: 'Passw0rd!' });
  });

  it('registers and signs in', async () => {
    const net = fakeFetch({ 'POST /api/auth/register': reply(201, { access_token: 'jwt2', token_type: 'bearer', user: citizen }) });
    await signup({ name: ' Asha ', email: 'A@x.io', phone: '1234567', password: 'longpassword' });
    expect(localStorage.getItem('swmra_token')).toBe('jwt2');
    expect(net.calls[0].body).toMatchObject({ name: 'Asha', email: 'a@x.io' });
  });

  it('drops an invalid stored token on bootstrap', async () => {
    localStorage.setItem('swmra_token', 'old');
    fakeFetch({ 'GET /api/auth/me': reply(401, { detail: 'Invalid token' }) });
    await bootstrapAuth();
    expect(localStorage.getItem('swmra_token')).toBeNull();
    expect(authStore.get()).toMatchObject({ token: null, user: null, status: 'ready' });
  });

  it('keeps the session on bootstrap when the token expired and the renewal hits a server error', async () => {
    localStorage.setItem('swmra_token', 'old');
    localStorage.setItem('swmra_user', JSON.stringify(citizen));
    fakeFetch({ 'GET /api/auth/me': reply(401, { detail: 'Invalid token' }), 'POST /api/auth/refresh': reply(503) });
    await bootstrapAuth();
    expect(localStorage.getItem('swmra_token')).toBe('old');
    expect(authStore.get()).toMatchObject({ token: 'old', status: 'ready' });
  });

  it('renews an expired stored token on bootstrap', async () => {
    localStorage.setItem('swmra_token', 'old');
    fakeFetch({
      'GET /api/auth/me': (c) => (c.headers.authorization === 'Bearer new' ? citizen : reply(401, { detail: 'Invalid token' })),
      'POST /api/auth/refresh': { access_token: 'new', token_type: 'bearer', user: citizen },
    });
    await bootstrapAuth();
    expect(authStore.get()).toMatchObject({ token: 'new', status: 'ready' });
    expect(authStore.get().user?.email).toBe('asha@example.com');
  });

  it('loads the user for a good stored token', async () => {
    localStorage.setItem('swmra_token', 'good');
    fakeFetch({ 'GET /api/auth/me': citizen });
    await bootstrapAuth();
    expect(authStore.get()).toMatchObject({ token: 'good', status: 'ready' });
    expect(authStore.get().user?.email).toBe('asha@example.com');
  });

  it('revokes the token on logout and forgets it even if the call fails', async () => {
    localStorage.setItem('swmra_token', 'tok');
    authStore.set({ token: 'tok', user: citizen, status: 'ready' });
    const net = fakeFetch({ 'POST /api/auth/logout': reply(500) });
    await logout();
    expect(net.find('POST', '/api/auth/logout')).toHaveLength(1);
    expect(localStorage.getItem('swmra_token')).toBeNull();
    expect(authStore.get().user).toBeNull();
  });
});
