/* SWMRA service worker (built by vite.config.ts: the precache list and version are filled in).
 * - static files (hashed JS/CSS, icons, manifest, offline page): precached, then cache-first;
 * - page navigations: network first; offline, the offline page;
 * - /api/ (JSON, WebSocket, EventSource) and /uploads/: never touched, always the network;
 * - web push: shows the notification the dispatcher sent, focuses/opens its page on click. */
const VERSION = '__VERSION__';
const CACHE = `swmra-${VERSION}`;
const PRECACHE = __PRECACHE__;
const OFFLINE_URL = '/offline.html';

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(PRECACHE))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith('swmra-') && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/api/') || url.pathname.startsWith('/uploads/')) return;

  if (req.mode === 'navigate') {
    event.respondWith(
      fetch(req).catch(() =>
        caches.match(OFFLINE_URL).then((r) => r || new Response('Offline', { status: 503, headers: { 'Content-Type': 'text/plain' } })),
      ),
    );
    return;
  }

  if (url.pathname.startsWith('/assets/') || url.pathname.startsWith('/icons/') || PRECACHE.includes(url.pathname)) {
    event.respondWith(
      caches.match(req).then(
        (hit) =>
          hit ||
          fetch(req).then((res) => {
            if (res.ok && res.type === 'basic') {
              const copy = res.clone();
              caches.open(CACHE).then((c) => c.put(req, copy));
            }
            return res;
          }),
      ),
    );
  }
});

/* Web push (docs/RUNBOOK.md §7.3). The payload is the JSON the dispatcher encrypts:
 * {id, event, title, body, url, request_id}; `id` is the in-app notification id, so a
 * message that reaches several times (or on several subscriptions) shows once. */
const pushUrl = (u) => (typeof u === 'string' && u.startsWith('/') && !u.startsWith('//') ? u : '/notifications');

self.addEventListener('push', (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch {
    data = { body: event.data ? event.data.text() : '' };
  }
  const options = {
    body: data.body || '',
    icon: '/icons/icon-192.png',
    badge: '/icons/icon-192.png',
    data: { id: data.id || null, url: pushUrl(data.url) },
  };
  if (data.id) options.tag = String(data.id);
  event.waitUntil(self.registration.showNotification(data.title || 'SWMRA', options));
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const target = new URL(pushUrl(event.notification.data && event.notification.data.url), self.location.origin).href;
  event.waitUntil(
    self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then((wins) => {
      const win = wins.find((w) => new URL(w.url).origin === self.location.origin);
      if (win) return win.focus().then((w) => (w && 'navigate' in w ? w.navigate(target) : w));
      return self.clients.openWindow(target);
    }),
  );
});
