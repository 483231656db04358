import { useEffect, useRef, useState } from 'react';
import { NOTIFICATION_EVENT } from '../api/config';
import type { AppNotification } from '../api/types';
import { t } from '../i18n';

export function useOnline(): boolean {
  const [online, setOnline] = useState(typeof navigator === 'undefined' ? true : navigator.onLine);
  useEffect(() => {
    const up = () => setOnline(true);
    const down = () => setOnline(false);
    window.addEventListener('online', up);
    window.addEventListener('offline', down);
    return () => {
      window.removeEventListener('online', up);
      window.removeEventListener('offline', down);
    };
  }, []);
  return online;
}

/** Runs `fn` for every live notification (optionally only those about one request). */
export function useLiveNotifications(fn: (n: AppNotification) => void, requestId?: string): void {
  const ref = useRef(fn);
  ref.current = fn;
  useEffect(() => {
    const handler = (e: Event) => {
      const n = (e as CustomEvent<AppNotification>).detail;
      if (!n) return;
      if (requestId && n.meta?.request_id !== requestId) return;
      ref.current(n);
    };
    window.addEventListener(NOTIFICATION_EVENT, handler);
    return () => window.removeEventListener(NOTIFICATION_EVENT, handler);
  }, [requestId]);
}

/** Sets document.title for a page. */
export function useTitle(title: string): void {
  useEffect(() => {
    document.title = title ? `${title} · ${t('app.name')}` : t('app.name');
  }, [title]);
}
