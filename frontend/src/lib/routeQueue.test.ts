import { beforeEach, describe, expect, it } from 'vitest';
import { enqueue, flushQueue, readQueue, type QueuedChange, type SendOutcome } from './routeQueue';

describe('route queue', () => {
  beforeEach(() => localStorage.clear());

  it('keeps changes across reads, in order', () => {
    enqueue({ requestId: 'a', from: 'scheduled', to: 'enroute', expectVersion: 4 });
    enqueue({ requestId: 'a', from: 'enroute', to: 'onsite', expectVersion: 5 });
    expect(readQueue().map((c) => c.to)).toEqual(['enroute', 'onsite']);
  });

  it('sends in order and empties the queue', async () => {
    enqueue({ requestId: 'a', from: 'scheduled', to: 'enroute', expectVersion: 4 });
    enqueue({ requestId: 'b', from: 'scheduled', to: 'enroute', expectVersion: 2 });
    const seen: string[] = [];
    const r = await flushQueue(async (c) => {
      seen.push(c.requestId);
      return { kind: 'sent' };
    });
    expect(seen).toEqual(['a', 'b']);
    expect(r).toEqual({ sent: 2, conflicts: [], pending: 0 });
    expect(readQueue()).toEqual([]);
  });

  it('stops at the first offline answer and keeps the rest', async () => {
    enqueue({ requestId: 'a', from: 'scheduled', to: 'enroute', expectVersion: 4 });
    enqueue({ requestId: 'b', from: 'scheduled', to: 'enroute', expectVersion: 2 });
    const r = await flushQueue(async (c): Promise<SendOutcome> => (c.requestId === 'a' ? { kind: 'sent' } : { kind: 'offline' }));
    expect(r.sent).toBe(1);
    expect(r.pending).toBe(1);
    expect(readQueue().map((c) => c.requestId)).toEqual(['b']);
  });

  it('reports a conflict and drops the later changes of that stop', async () => {
    enqueue({ requestId: 'a', from: 'scheduled', to: 'enroute', expectVersion: 4 });
    enqueue({ requestId: 'a', from: 'enroute', to: 'onsite', expectVersion: 5 });
    enqueue({ requestId: 'b', from: 'scheduled', to: 'enroute', expectVersion: 2 });
    const sent: QueuedChange[] = [];
    const r = await flushQueue(async (c): Promise<SendOutcome> => {
      sent.push(c);
      return c.requestId === 'a' ? { kind: 'conflict', message: 'changed meanwhile' } : { kind: 'sent' };
    });
    expect(sent.map((c) => `${c.requestId}:${c.to}`)).toEqual(['a:enroute', 'b:enroute']);
    expect(r.conflicts.map((c) => c.change.to)).toEqual(['enroute', 'onsite']);
    expect(r.conflicts[0].message).toBe('changed meanwhile');
    expect(readQueue()).toEqual([]);
  });
});
