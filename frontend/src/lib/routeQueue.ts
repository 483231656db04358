// My route's outbox of stage changes (issue 17). A crew on the road loses the connection in
// lifts, basements and between towers; a tap on "On site" must not be lost then. A change that
// cannot be sent is kept in localStorage (it survives a reload or a closed tab) with the
// version of the stop the crew saw, and sent in order when the browser is back online. The
// server takes `expect_version`, so a stop that changed meanwhile (another crew member, the
// office) answers 409 instead of being moved on stale information: that change is dropped
// from the queue and reported to the user as a conflict, never retried blindly.
import type { Status } from '../api/types';

export const QUEUE_KEY = 'swmra_route_queue';

export interface QueuedChange {
  /** Unique per change (for React keys and removal). */
  key: string;
  requestId: string;
  from: Status;
  to: Status;
  /** The version of the stop the change was decided on. */
  expectVersion: number;
  /** Proof of service: the weight a change to `collected` records (required there). */
  weightKg?: number;
  queuedAt: string;
}

/** What sending a change gave: sent, refused (a conflict to show), or not sent (still offline). */
export type SendOutcome = { kind: 'sent' } | { kind: 'conflict'; message: string } | { kind: 'offline' };

export interface Conflict {
  change: QueuedChange;
  message: string;
}

export function readQueue(storage: Storage = localStorage): QueuedChange[] {
  try {
    const raw = storage.getItem(QUEUE_KEY);
    const v: unknown = raw ? JSON.parse(raw) : [];
    return Array.isArray(v) ? (v as QueuedChange[]) : [];
  } catch {
    return [];
  }
}

function writeQueue(q: QueuedChange[], storage: Storage): void {
  try {
    if (q.length) storage.setItem(QUEUE_KEY, JSON.stringify(q));
    else storage.removeItem(QUEUE_KEY);
  } catch {
    /* storage full or unavailable: the change stays in memory for this page only */
  }
}

let counter = 0;

/** Adds a change at the end of the queue and returns it. */
export function enqueue(change: Omit<QueuedChange, 'key' | 'queuedAt'>, storage: Storage = localStorage): QueuedChange {
  counter += 1;
  const item: QueuedChange = { ...change, key: `${Date.now().toString(36)}-${counter}`, queuedAt: new Date().toISOString() };
  writeQueue([...readQueue(storage), item], storage);
  return item;
}

/**
 * Sends the queued changes in order with `send`. A sent change leaves the queue; a refused
 * one leaves it too and is returned as a conflict, and so do the later changes of the same
 * stop (they were decided on top of the refused one); the first "offline" stops the run and
 * keeps it and everything after it for the next try.
 */
export async function flushQueue(
  send: (c: QueuedChange) => Promise<SendOutcome>,
  storage: Storage = localStorage,
): Promise<{ sent: number; conflicts: Conflict[]; pending: number }> {
  let queue = readQueue(storage);
  const conflicts: Conflict[] = [];
  const refused = new Set<string>();
  let sent = 0;
  while (queue.length) {
    const c = queue[0];
    let outcome: SendOutcome;
    if (refused.has(c.requestId))
      outcome = { kind: 'conflict', message: conflicts.find((x) => x.change.requestId === c.requestId)?.message ?? '' };
    else outcome = await send(c);
    if (outcome.kind === 'offline') break;
    // re-read: a change queued while this one was on its way stays
    queue = readQueue(storage).filter((x) => x.key !== c.key);
    writeQueue(queue, storage);
    if (outcome.kind === 'sent') sent += 1;
    else {
      refused.add(c.requestId);
      conflicts.push({ change: c, message: outcome.message });
    }
  }
  return { sent, conflicts, pending: queue.length };
}
