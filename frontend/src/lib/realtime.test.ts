import { describe, expect, it, vi } from 'vitest';
import { NotificationStream } from './realtime';
import { installFakeSockets } from '../test/fakeSockets';

describe('NotificationStream', () => {
  it('opens a WebSocket on the ws:// URL, reports open and parses messages', () => {
    const sockets = installFakeSockets();
    const onMessage = vi.fn();
    const onOpen = vi.fn();
    const s = new NotificationStream({ url: 'http://host/api/ws/notifications?token=t', onMessage, onOpen });
    s.start();
    expect(sockets.ws().url).toBe('ws://host/api/ws/notifications?token=t');
    sockets.ws().serverOpen();
    expect(onOpen).toHaveBeenCalledWith('ws');
    sockets.ws().serverSend({ id: 'n1', title: 'Hi' });
    sockets.ws().serverSend('not json');
    sockets.ws().serverSend('');
    expect(onMessage).toHaveBeenCalledTimes(1);
    expect(onMessage).toHaveBeenCalledWith({ id: 'n1', title: 'Hi' });
    s.stop();
    expect(sockets.ws().closed).toBe(true);
  });

  it('reconnects with exponential backoff and calls onOpen again (catch-up)', () => {
    vi.useFakeTimers();
    const sockets = installFakeSockets();
    const onOpen = vi.fn();
    const s = new NotificationStream({
      url: 'http://h/x',
      onMessage: () => undefined,
      onOpen,
      random: () => 1,
      baseDelayMs: 1000,
      maxDelayMs: 8000,
      switchAfter: 10,
    });
    s.start();
    sockets.ws().serverOpen();
    sockets.ws().serverDrop();
    expect(s.state).toBe('waiting');
    expect(sockets.wsCount()).toBe(1);
    vi.advanceTimersByTime(999);
    expect(sockets.wsCount()).toBe(1);
    vi.advanceTimersByTime(1);
    expect(sockets.wsCount()).toBe(2);
    // still down: 2 s, then 4 s, then capped at 8 s
    sockets.ws().serverDrop();
    vi.advanceTimersByTime(2000);
    expect(sockets.wsCount()).toBe(3);
    sockets.ws().serverDrop();
    vi.advanceTimersByTime(3999);
    expect(sockets.wsCount()).toBe(3);
    vi.advanceTimersByTime(1);
    expect(sockets.wsCount()).toBe(4);
    sockets.ws().serverOpen();
    expect(onOpen).toHaveBeenCalledTimes(2);
    expect(s.attempts).toBe(0);
    s.stop();
  });

  it('falls back to EventSource when the WebSocket never opens, and reports refusals', () => {
    vi.useFakeTimers();
    const sockets = installFakeSockets();
    const onRefused = vi.fn();
    const onMessage = vi.fn();
    const s = new NotificationStream({
      url: 'http://h/api/ws/notifications?token=t',
      onMessage,
      onRefused,
      random: () => 0,
      switchAfter: 2,
    });
    s.start();
    sockets.ws().serverDrop();
    vi.advanceTimersByTime(60_000);
    sockets.ws().serverDrop();
    expect(onRefused).toHaveBeenCalledTimes(2);
    vi.advanceTimersByTime(60_000);
    expect(sockets.esCount()).toBe(1);
    expect(sockets.es().url).toBe('http://h/api/ws/notifications?token=t');
    sockets.es().serverOpen();
    sockets.es().serverSend({ id: 'n2', title: 'Via SSE' });
    expect(onMessage).toHaveBeenCalledWith({ id: 'n2', title: 'Via SSE' });
    expect(s.currentTransport).toBe('sse');
    s.stop();
  });

  it('asks a URL function for a fresh URL (one-use ticket) before every attempt', async () => {
    vi.useFakeTimers();
    const sockets = installFakeSockets();
    let n = 0;
    const url = vi.fn(async () => `http://h/api/ws/notifications?ticket=t${++n}`);
    const onOpen = vi.fn();
    const s = new NotificationStream({ url, onMessage: () => undefined, onOpen, random: () => 1, baseDelayMs: 1000, switchAfter: 10 });
    s.start();
    expect(s.state).toBe('connecting');
    await vi.advanceTimersByTimeAsync(0);
    expect(sockets.ws().url).toBe('ws://h/api/ws/notifications?ticket=t1');
    sockets.ws().serverOpen();
    sockets.ws().serverDrop(1001);
    await vi.advanceTimersByTimeAsync(1000);
    expect(url).toHaveBeenCalledTimes(2);
    expect(sockets.ws().url).toBe('ws://h/api/ws/notifications?ticket=t2');
    sockets.ws().serverOpen();
    expect(onOpen).toHaveBeenCalledTimes(2);
    s.stop();
  });

  it('counts a failed URL function as a failed attempt and backs off', async () => {
    vi.useFakeTimers();
    const sockets = installFakeSockets();
    const url = vi.fn().mockRejectedValueOnce(new Error('503')).mockResolvedValue('http://h/x?ticket=ok');
    const s = new NotificationStream({ url, onMessage: () => undefined, random: () => 1, baseDelayMs: 1000 });
    s.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(s.state).toBe('waiting');
    expect(sockets.wsCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(1000);
    expect(sockets.wsCount()).toBe(1);
    expect(sockets.ws().url).toBe('ws://h/x?ticket=ok');
    s.stop();
  });

  it('drops a URL that arrives after stop', async () => {
    const sockets = installFakeSockets();
    let give: (u: string) => void = () => undefined;
    const s = new NotificationStream({ url: () => new Promise<string>((r) => (give = r)), onMessage: () => undefined });
    s.start();
    s.stop();
    give('http://h/late');
    await Promise.resolve();
    await Promise.resolve();
    expect(sockets.wsCount()).toBe(0);
  });

  it('does not reconnect after stop', () => {
    vi.useFakeTimers();
    const sockets = installFakeSockets();
    const s = new NotificationStream({ url: 'http://h/x', onMessage: () => undefined });
    s.start();
    sockets.ws().serverOpen();
    s.stop();
    sockets.ws().serverDrop();
    vi.advanceTimersByTime(120_000);
    expect(sockets.wsCount()).toBe(1);
    expect(s.state).toBe('stopped');
  });

  it('caps and jitters the delay', () => {
    const s = new NotificationStream({
      url: 'http://h/x',
      onMessage: () => undefined,
      random: () => 0,
      baseDelayMs: 1000,
      maxDelayMs: 30000,
    });
    expect(s.nextDelay()).toBe(500);
  });
});
