import { useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { useStore } from '../lib/store';
import { markAllRead, markRead, notificationStore, refreshNotifications } from '../stores/notifications';
import { Alert, Button, EmptyState, Loading, PageHeader } from '../components/ui';
import { notificationLink } from '../components/NotificationBell';
import { formatDateTime, relativeTime } from '../lib/time';
import { errorMessage } from '../api/client';
import { t } from '../i18n';

export default function Notifications() {
  const items = useStore(notificationStore, (s) => s.items);
  const unread = useStore(notificationStore, (s) => s.unread);
  const loaded = useStore(notificationStore, (s) => s.loaded);
  const loadError = useStore(notificationStore, (s) => s.error);
  const [filter, setFilter] = useState<'all' | 'unread'>('all');
  const [error, setError] = useState<string | null>(null);
  const [busyAll, setBusyAll] = useState(false);

  useEffect(() => {
    void refreshNotifications();
  }, []);

  const shown = filter === 'unread' ? items.filter((n) => !n.read) : items;

  const onAll = async () => {
    setBusyAll(true);
    setError(null);
    try {
      await markAllRead();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusyAll(false);
    }
  };

  return (
    <div className="mx-auto max-w-3xl">
      <PageHeader
        title={t('notifications.title')}
        subtitle={t('bell.labelUnread', { count: unread })}
        actions={
          <Button variant="secondary" onClick={onAll} disabled={unread === 0} loading={busyAll}>
            {t('notifications.markAll')}
          </Button>
        }
      />
      <div className="mb-3 flex gap-2" role="group" aria-label={t('notifications.filter')}>
        {(['all', 'unread'] as const).map((f) => (
          <button
            key={f}
            type="button"
            aria-pressed={filter === f}
            onClick={() => setFilter(f)}
            className={`min-h-[44px] rounded-full px-4 text-sm font-semibold ring-1 ring-inset ${filter === f ? 'bg-brand-700 text-white ring-brand-700' : 'bg-white text-gray-900 ring-gray-400'}`}
          >
            {f === 'all' ? t('notifications.all') : t('notifications.unreadOnly')}
          </button>
        ))}
      </div>
      {(error || loadError) && (
        <Alert tone="error" className="mb-3">
          {error ?? loadError}
        </Alert>
      )}
      {!loaded && items.length === 0 ? (
        <Loading />
      ) : shown.length === 0 ? (
        <EmptyState
          title={filter === 'unread' ? t('notifications.noneUnread') : t('notifications.empty')}
          body={t('notifications.emptyBody')}
        />
      ) : (
        <ul className="space-y-2" data-testid="notification-list">
          {shown.map((n) => {
            const link = notificationLink(n);
            return (
              <li key={n.id} className={`rounded-xl p-4 ring-1 ${n.read ? 'bg-white ring-gray-200' : 'bg-brand-50 ring-brand-700/40'}`}>
                <div className="flex flex-col gap-2 sm:flex-row sm:items-start sm:justify-between">
                  <div className="min-w-0 flex-1">
                    <p className={`text-gray-900 ${n.read ? '' : 'font-semibold'}`}>
                      {!n.read && <span className="sr-only">{t('notifications.unread')}: </span>}
                      {n.title}
                    </p>
                    <p className="text-sm text-gray-800">{n.body}</p>
                    <p className="mt-1 text-xs text-gray-700">
                      <time dateTime={n.created_at} title={formatDateTime(n.created_at)}>
                        {relativeTime(n.created_at)}
                      </time>
                    </p>
                  </div>
                  <div className="flex shrink-0 flex-wrap gap-2">
                    {link && (
                      <Link
                        to={link}
                        className="inline-flex min-h-[44px] items-center rounded-lg px-3 text-sm font-semibold text-brand-800 underline"
                        onClick={() => !n.read && markRead(n.id).catch(() => undefined)}
                      >
                        {t('notifications.open')}
                      </Link>
                    )}
                    {!n.read && (
                      <Button variant="ghost" onClick={() => markRead(n.id).catch((e) => setError(errorMessage(e)))}>
                        {t('notifications.markRead')}
                      </Button>
                    )}
                  </div>
                </div>
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}
