import { useEffect, useId, useRef, useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { useStore } from '../lib/store';
import { markAllRead, markRead, notificationStore } from '../stores/notifications';
import { relativeTime } from '../lib/time';
import { t } from '../i18n';
import type { AppNotification } from '../api/types';

export function notificationLink(n: AppNotification): string | null {
  const rid = n.meta && typeof n.meta.request_id === 'string' ? n.meta.request_id : null;
  return rid ? `/requests/${rid}` : null;
}

/** Header bell: live unread count (announced politely) and a dropdown of the latest items. */
export function NotificationBell() {
  const unread = useStore(notificationStore, (s) => s.unread);
  const items = useStore(notificationStore, (s) => s.items);
  const live = useStore(notificationStore, (s) => s.live);
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const panelId = useId();
  const button = useRef<HTMLButtonElement>(null);
  const panel = useRef<HTMLDivElement>(null);
  const navigate = useNavigate();

  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        setOpen(false);
        button.current?.focus();
      }
    };
    const onClick = (e: MouseEvent) => {
      const target = e.target as Node;
      if (!panel.current?.contains(target) && !button.current?.contains(target)) setOpen(false);
    };
    document.addEventListener('keydown', onKey);
    document.addEventListener('mousedown', onClick);
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('mousedown', onClick);
    };
  }, [open]);

  const label = unread > 0 ? t('bell.labelUnread', { count: unread }) : t('bell.label');
  const latest = items.slice(0, 5);

  const openItem = async (n: AppNotification) => {
    setOpen(false);
    if (!n.read) markRead(n.id).catch(() => undefined);
    const to = notificationLink(n);
    navigate(to ?? '/notifications');
  };

  return (
    <div className="relative">
      <button
        ref={button}
        type="button"
        className="relative inline-flex h-11 w-11 items-center justify-center rounded-full text-gray-900 hover:bg-brand-50 focus-visible:outline focus-visible:outline-2 focus-visible:outline-brand-700"
        aria-label={label}
        aria-expanded={open}
        aria-controls={panelId}
        onClick={() => setOpen((o) => !o)}
        data-testid="bell"
      >
        <svg aria-hidden="true" viewBox="0 0 24 24" className="h-6 w-6" fill="none" stroke="currentColor" strokeWidth="2">
          <path d="M6 8a6 6 0 1 1 12 0c0 7 3 9 3 9H3s3-2 3-9" strokeLinecap="round" strokeLinejoin="round" />
          <path d="M10.3 21a1.94 1.94 0 0 0 3.4 0" strokeLinecap="round" strokeLinejoin="round" />
        </svg>
        {unread > 0 && (
          <span
            aria-hidden="true"
            data-testid="bell-count"
            className="absolute -right-0.5 -top-0.5 min-w-[1.25rem] rounded-full bg-red-700 px-1 text-center text-xs font-bold leading-5 text-white"
          >
            {unread > 99 ? '99+' : unread}
          </span>
        )}
      </button>
      <span className="sr-only" aria-live="polite" aria-atomic="true" data-testid="bell-live">
        {unread > 0 ? t('bell.labelUnread', { count: unread }) : t('bell.noneUnread')}
      </span>

      {open && (
        <div
          ref={panel}
          id={panelId}
          role="region"
          aria-label={t('bell.panel')}
          className="absolute right-0 z-30 mt-2 w-[min(22rem,calc(100vw-2rem))] rounded-xl bg-white p-3 shadow-lg ring-1 ring-gray-300"
        >
          <div className="mb-2 flex items-center justify-between gap-2">
            <h2 className="text-base font-semibold text-gray-900">{t('bell.panel')}</h2>
            {unread > 0 && (
              <button
                type="button"
                className="text-sm font-semibold text-brand-800 underline"
                onClick={() => markAllRead().catch((e: Error) => setError(e.message))}
              >
                {t('notifications.markAll')}
              </button>
            )}
          </div>
          {error && (
            <p role="alert" className="mb-2 text-sm text-red-800">
              {error}
            </p>
          )}
          {latest.length === 0 ? (
            <p className="py-4 text-sm text-gray-800">{t('notifications.empty')}</p>
          ) : (
            <ul className="divide-y divide-gray-200">
              {latest.map((n) => (
                <li key={n.id}>
                  <button
                    type="button"
                    className="w-full rounded-md px-1 py-2 text-left hover:bg-gray-50 focus-visible:outline focus-visible:outline-2 focus-visible:outline-brand-700"
                    onClick={() => openItem(n)}
                  >
                    <span className="flex items-center gap-2">
                      {!n.read && <span className="h-2 w-2 shrink-0 rounded-full bg-brand-700" aria-hidden="true" />}
                      <span className={`text-sm ${n.read ? 'text-gray-800' : 'font-semibold text-gray-900'}`}>{n.title}</span>
                      {!n.read && <span className="sr-only">{t('notifications.unread')}</span>}
                    </span>
                    <span className="block text-sm text-gray-800">{n.body}</span>
                    <span className="block text-xs text-gray-700">{relativeTime(n.created_at)}</span>
                  </button>
                </li>
              ))}
            </ul>
          )}
          <div className="mt-2 flex items-center justify-between border-t border-gray-200 pt-2">
            <Link to="/notifications" className="text-sm font-semibold text-brand-800 underline" onClick={() => setOpen(false)}>
              {t('bell.viewAll')}
            </Link>
            <span className="text-xs text-gray-700">{live === 'open' ? t('bell.live') : t('bell.reconnecting')}</span>
          </div>
        </div>
      )}
    </div>
  );
}
