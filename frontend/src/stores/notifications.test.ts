import { describe, expect, it, vi } from 'vitest';
import { waitFor } from '@testing-library/react';
import {
  connectNotifications,
  disconnectNotifications,
  markAllRead,
  markRead,
  notificationStore,
  receiveNotification,
} from './notifications';
import { fakeFetch, reply } from '../test/fakeFetch';
import { installFakeSockets } from '../test/fakeSockets';
import { makeNotification } from '../test/fixtures';

describe('notification store', () => {
  it('loads history and the unread count on connect, then applies live messages', async () => {
    localStorage.setItem('swmra_token', 'tok');
    const sockets = installFakeSockets();
    const net = fakeFetch({
      'GET /api/notifications': [makeNotification({ id: 'n1', read: true })],
      'GET /api/notifications/unread-count': { unread: 2 },
      'POST /api/ws/ticket': { ticket: 'tk-1', expires_in: 30 },
    });
    connectNotifications('tok');
    await waitFor(() => expect(notificationStore.get().loaded).toBe(true));
    expect(notificationStore.get().unread).toBe(2);
    // a one-use ticket, asked for with the bearer token, goes in the URL; the token never does
    await waitFor(() => expect(sockets.wsCount()).toBe(1));
    expect(sockets.ws().url).toContain('/api/ws/notifications?ticket=tk-1');
    expect(sockets.ws().url).not.toContain('tok');
    expect(net.find('POST', '/api/ws/ticket')[0].headers.authorization).toBe('Bearer tok');

    const seen = vi.fn();
    window.addEventListener('swmra:notification', seen);
    sockets.ws().serverOpen();
    sockets.ws().serverSend(makeNotification({ id: 'n9', title: 'Crew on the way' }));
    window.removeEventListener('swmra:notification', seen);
    expect(notificationStore.get().unread).toBe(3);
    expect(notificationStore.get().items[0].title).toBe('Crew on the way');
    expect(seen).toHaveBeenCalledTimes(1);
    // duplicate delivery does not double count
    receiveNotification(makeNotification({ id: 'n9', title: 'Crew on the way' }));
    expect(notificationStore.get().unread).toBe(3);
    // catch-up after the open
    await waitFor(() => expect(net.find('GET', '/api/notifications').length).toBeGreaterThanOrEqual(2));
    disconnectNotifications();
    expect(notificationStore.get().items).toEqual([]);
  });

  it('catches up over REST after a reconnect, with a fresh ticket for each connection', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    localStorage.setItem('swmra_token', 'tok');
    const sockets = installFakeSockets();
    let n = 0;
    const net = fakeFetch({
      'GET /api/notifications': [],
      'GET /api/notifications/unread-count': { unread: 0 },
      'POST /api/ws/ticket': () => ({ ticket: `tk-${++n}`, expires_in: 30 }),
    });
    connectNotifications('tok');
    await waitFor(() => expect(sockets.wsCount()).toBe(1));
    sockets.ws().serverOpen();
    await waitFor(() => expect(net.find('GET', '/api/notifications/unread-count').length).toBeGreaterThanOrEqual(1));
    const before = net.find('GET', '/api/notifications').length;
    // the server closes the stream (e.g. the session's epoch ended by a password change)
    sockets.ws().serverDrop(1001);
    vi.advanceTimersByTime(1100);
    await waitFor(() => expect(sockets.wsCount()).toBe(2));
    expect(sockets.ws().url).toContain('ticket=tk-2');
    sockets.ws().serverOpen();
    await waitFor(() => expect(net.find('GET', '/api/notifications').length).toBeGreaterThan(before));
    expect(net.find('POST', '/api/ws/ticket')).toHaveLength(2);
    disconnectNotifications();
  });

  it('retries with backoff when no ticket can be had, and stops asking once signed out', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    localStorage.setItem('swmra_token', 'tok');
    const sockets = installFakeSockets();
    let fail = true;
    const net = fakeFetch({
      'GET /api/notifications': [],
      'GET /api/notifications/unread-count': { unread: 0 },
      'POST /api/ws/ticket': () => (fail ? reply(503, { detail: 'Service unavailable' }) : { ticket: 'tk-ok', expires_in: 30 }),
    });
    connectNotifications('tok');
    await waitFor(() => expect(net.find('POST', '/api/ws/ticket')).toHaveLength(1));
    expect(sockets.wsCount()).toBe(0);
    fail = false;
    vi.advanceTimersByTime(1100);
    await waitFor(() => expect(sockets.wsCount()).toBe(1));
    expect(sockets.ws().url).toContain('ticket=tk-ok');
    disconnectNotifications();
    const asked = net.find('POST', '/api/ws/ticket').length;
    vi.advanceTimersByTime(60_000);
    expect(net.find('POST', '/api/ws/ticket')).toHaveLength(asked);
  });

  it('checks the token over REST when the handshake is refused', async () => {
    localStorage.setItem('swmra_token', 'bad');
    const sockets = installFakeSockets();
    const net = fakeFetch({
      'GET /api/notifications': [],
      'GET /api/notifications/unread-count': () => ({ unread: 0 }),
      'POST /api/ws/ticket': { ticket: 'tk-x', expires_in: 30 },
    });
    connectNotifications('bad');
    await waitFor(() => expect(sockets.wsCount()).toBe(1));
    const n = net.find('GET', '/api/notifications/unread-count').length;
    sockets.ws().serverDrop();
    await waitFor(() => expect(net.find('GET', '/api/notifications/unread-count').length).toBeGreaterThan(n));
  });

  it('marks one and all as read, optimistically', async () => {
    const net = fakeFetch({
      'POST /api/notifications/:id/read': {},
      'POST /api/notifications/read-all': {},
    });
    notificationStore.set({ items: [makeNotification({ id: 'a' }), makeNotification({ id: 'b' })], unread: 2 });
    await markRead('a');
    expect(notificationStore.get().unread).toBe(1);
    expect(notificationStore.get().items.find((n) => n.id === 'a')?.read).toBe(true);
    expect(net.find('POST', '/api/notifications/a/read')).toHaveLength(1);
    await markAllRead();
    expect(notificationStore.get().unread).toBe(0);
    expect(net.find('POST', '/api/notifications/read-all')).toHaveLength(1);
  });

  it('rolls back when marking read fails', async () => {
    fakeFetch({});
    notificationStore.set({ items: [makeNotification({ id: 'a' })], unread: 1 });
    await expect(markRead('a')).rejects.toBeTruthy();
    expect(notificationStore.get().unread).toBe(1);
    expect(notificationStore.get().items[0].read).toBe(false);
  });
});
