import { createStore } from '../lib/store';
import { NotificationStream, type StreamState, type Transport } from '../lib/realtime';
import { notificationsApi } from '../api/endpoints';
import { apiUrl, NOTIFICATION_EVENT } from '../api/config';
import { errorMessage } from '../api/client';
import type { AppNotification } from '../api/types';

export interface NotificationState {
  items: AppNotification[];
  unread: number;
  loaded: boolean;
  loading: boolean;
  error: string | null;
  live: StreamState;
  transport: Transport | null;
}

const initial: NotificationState = {
  items: [],
  unread: 0,
  loaded: false,
  loading: false,
  error: null,
  live: 'idle',
  transport: null,
};

export const notificationStore = createStore<NotificationState>(initial);

let stream: NotificationStream | null = null;
let refreshing: Promise<void> | null = null;
let windowHooks: (() => void) | null = null;

function isNotification(x: unknown): x is AppNotification {
  return !!x && typeof x === 'object' && typeof (x as AppNotification).id === 'string' && typeof (x as AppNotification).title === 'string';
}

/** Loads the latest notifications and the unread count (REST is the source of truth). */
export function refreshNotifications(): Promise<void> {
  if (refreshing) return refreshing;
  notificationStore.set({ loading: true });
  refreshing = (async () => {
    try {
      const [items, count] = await Promise.all([notificationsApi.list({ limit: 50 }), notificationsApi.unreadCount()]);
      notificationStore.set({
        items: Array.isArray(items) ? items : [],
        unread: typeof count?.unread === 'number' ? count.unread : 0,
        loaded: true,
        error: null,
      });
    } catch (err) {
      notificationStore.set({ error: errorMessage(err) });
    } finally {
      notificationStore.set({ loading: false });
      refreshing = null;
    }
  })();
  return refreshing;
}

/** Applies one live notification (deduplicated by id). */
export function receiveNotification(data: unknown): void {
  if (!isNotification(data)) return;
  const { items, unread } = notificationStore.get();
  const existing = items.findIndex((n) => n.id === data.id);
  if (existing >= 0) {
    const next = items.slice();
    next[existing] = { ...items[existing], ...data };
    notificationStore.set({ items: next });
  } else {
    notificationStore.set({ items: [data, ...items].slice(0, 100), unread: data.read ? unread : unread + 1 });
  }
  window.dispatchEvent(new CustomEvent(NOTIFICATION_EVENT, { detail: data }));
}

export async function markRead(id: string): Promise<void> {
  const before = notificationStore.get();
  const target = before.items.find((n) => n.id === id);
  if (target && !target.read) {
    notificationStore.set({
      items: before.items.map((n) => (n.id === id ? { ...n, read: true } : n)),
      unread: Math.max(0, before.unread - 1),
    });
  }
  try {
    await notificationsApi.markRead(id);
  } catch (err) {
    notificationStore.set({ items: before.items, unread: before.unread });
    throw err;
  }
}

export async function markAllRead(): Promise<void> {
  const before = notificationStore.get();
  notificationStore.set({ items: before.items.map((n) => ({ ...n, read: true })), unread: 0 });
  try {
    await notificationsApi.markAllRead();
  } catch (err) {
    notificationStore.set({ items: before.items, unread: before.unread });
    throw err;
  }
}

/** The live channel's URL with a fresh one-use ticket (the bearer token never goes in a URL). */
async function liveUrl(): Promise<string> {
  const { ticket } = await notificationsApi.wsTicket();
  return apiUrl(`/ws/notifications?ticket=${encodeURIComponent(ticket)}`);
}

/** Opens the live stream of the signed-in session (closing any previous one) and loads the
 * history. Every connection attempt gets its own ticket; the session's token (given here)
 * authenticates the ticket request. When the session ends (logout, password change
 * elsewhere, disable), the server closes the stream and the ticket request answers 401. */
export function connectNotifications(token: string): void {
  disconnectNotifications(false);
  if (!token) return;
  stream = new NotificationStream({
    url: liveUrl,
    onMessage: receiveNotification,
    onOpen: () => {
      void refreshNotifications();
    },
    onState: (live, transport) => notificationStore.set({ live, transport }),
    onRefused: () => {
      // A refused handshake hides its status; ask REST, whose 401 signs the user out.
      void notificationsApi.unreadCount().then(
        (c) => notificationStore.set({ unread: c.unread }),
        () => undefined,
      );
    },
  });
  stream.start();
  void refreshNotifications();
  const wake = () => stream?.reconnectNow();
  const onVisible = () => {
    if (document.visibilityState === 'visible') wake();
  };
  window.addEventListener('online', wake);
  document.addEventListener('visibilitychange', onVisible);
  windowHooks = () => {
    window.removeEventListener('online', wake);
    document.removeEventListener('visibilitychange', onVisible);
  };
}

export function disconnectNotifications(reset = true): void {
  stream?.stop();
  stream = null;
  windowHooks?.();
  windowHooks = null;
  if (reset) notificationStore.reset();
}
