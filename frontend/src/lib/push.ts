import { pushApi } from '../api/endpoints';

/**
 * Web push on this device: the state of the toggle on the profile page and the two actions.
 * The browser's PushSubscription is the source of truth for "on"; the server keeps one
 * subscription per endpoint (POST/DELETE /api/push/subscriptions).
 */
export type PushState =
  | { kind: 'unsupported' } // no service worker or PushManager (or none registered: dev mode)
  | { kind: 'disabled' } // the server has ENABLE_PUSH=false
  | { kind: 'denied'; key: string } // the user blocked notifications for the site
  | { kind: 'off'; key: string }
  | { kind: 'on'; key: string; endpoint: string };

/** base64url (no padding) → bytes, for applicationServerKey. */
export function urlBase64ToUint8Array(s: string): Uint8Array<ArrayBuffer> {
  const b64 = s.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (s.length % 4)) % 4);
  const raw = atob(b64);
  const out = new Uint8Array(new ArrayBuffer(raw.length));
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}

export function pushSupported(): boolean {
  return (
    typeof window !== 'undefined' &&
    'PushManager' in window &&
    typeof navigator !== 'undefined' &&
    'serviceWorker' in navigator &&
    !!navigator.serviceWorker
  );
}

async function registration(): Promise<ServiceWorkerRegistration | undefined> {
  if (!pushSupported()) return undefined;
  return navigator.serviceWorker.getRegistration('/');
}

function permission(): NotificationPermission {
  return typeof Notification === 'undefined' ? 'default' : Notification.permission;
}

/** What the toggle shows. Asks the server only when the browser could do push at all. */
export async function pushState(): Promise<PushState> {
  const reg = await registration().catch(() => undefined);
  if (!reg || !reg.pushManager) return { kind: 'unsupported' };
  const cfg = await pushApi.vapidKey();
  if (!cfg.enabled || !cfg.key) return { kind: 'disabled' };
  if (permission() === 'denied') return { kind: 'denied', key: cfg.key };
  const sub = await reg.pushManager.getSubscription();
  return sub ? { kind: 'on', key: cfg.key, endpoint: sub.endpoint } : { kind: 'off', key: cfg.key };
}

/** Subscribes this browser and registers the subscription with the server. */
export async function enablePush(key: string): Promise<PushState> {
  const reg = await registration();
  if (!reg) return { kind: 'unsupported' };
  const sub =
    (await reg.pushManager.getSubscription()) ??
    (await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: urlBase64ToUint8Array(key) }));
  try {
    await pushApi.subscribe(sub.toJSON());
  } catch (err) {
    await sub.unsubscribe().catch(() => false); // not stored: do not leave a dangling subscription
    throw err;
  }
  return { kind: 'on', key, endpoint: sub.endpoint };
}

/** Removes the subscription from the server and the browser. */
export async function disablePush(key: string): Promise<PushState> {
  const reg = await registration();
  const sub = reg ? await reg.pushManager.getSubscription() : null;
  if (sub) {
    await pushApi.unsubscribe(sub.endpoint);
    await sub.unsubscribe();
  }
  return { kind: 'off', key };
}
