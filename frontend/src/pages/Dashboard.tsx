import { useCallback, useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { useStore } from '../lib/store';
import { authStore } from '../stores/auth';
import { rewardsStore } from '../stores/rewards';
import { notificationStore } from '../stores/notifications';
import { requestsApi } from '../api/endpoints';
import { errorMessage } from '../api/client';
import type { PickupRequest } from '../api/types';
import { Alert, ButtonLink, Card, EmptyState, Loading, PageHeader } from '../components/ui';
import { RequestCard, categoryLabel } from '../components/RequestCard';
import { StatusBadge } from '../components/StatusBadge';
import { formatSlot, relativeTime, tzLabel } from '../lib/time';
import { useLiveNotifications } from '../lib/hooks';
import { useNow } from '../lib/deadline';
import { ChangeDeadline } from '../components/ChangeDeadline';
import { t } from '../i18n';

/** The soonest future assigned slot among scheduled requests. */
export function pickNextPickup(items: PickupRequest[], now = Date.now()): PickupRequest | null {
  const upcoming = items
    .filter(
      (r) => r.assigned_slot && new Date(r.assigned_slot.end).getTime() > now && !['completed', 'cancelled', 'failed'].includes(r.status),
    )
    .sort((a, b) => new Date(a.assigned_slot!.start).getTime() - new Date(b.assigned_slot!.start).getTime());
  return upcoming[0] ?? null;
}

export default function Dashboard() {
  const user = useStore(authStore, (s) => s.user);
  const summary = useStore(rewardsStore, (s) => s.summary);
  const notifications = useStore(notificationStore, (s) => s.items);
  const now = useNow();
  const [recent, setRecent] = useState<PickupRequest[] | null>(null);
  const [next, setNext] = useState<PickupRequest | null>(null);
  const [total, setTotal] = useState(0);
  const [drafts, setDrafts] = useState<{ count: number; id?: string }>({ count: 0 });
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      const [latest, active, unsent] = await Promise.all([
        requestsApi.list({ skip: 0, limit: 5 }),
        requestsApi.list({ skip: 0, limit: 50, status: 'scheduled' }),
        // Only the count matters (and the id when there is just one); a failure here is not worth an error.
        requestsApi.list({ skip: 0, limit: 1, status: 'draft' }).catch(() => null),
      ]);
      if (unsent) setDrafts({ count: unsent.total, id: unsent.items[0]?.id });
      setRecent(latest.items);
      setTotal(latest.total);
      setNext(pickNextPickup([...active.items, ...latest.items]));
      setError(null);
    } catch (err) {
      setError(errorMessage(err));
      setRecent((r) => r ?? []);
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load]);
  useLiveNotifications(() => void load());

  return (
    <div>
      <PageHeader
        title={t('dashboard.title', { name: user?.name ?? '' })}
        subtitle={t('dashboard.subtitle')}
        actions={<ButtonLink to="/requests/new">{t('dashboard.book')}</ButtonLink>}
      />
      {error && (
        <Alert tone="error" className="mb-4">
          {error}
        </Alert>
      )}
      <div aria-live="polite">
        {drafts.count > 0 && (
          <Alert tone="warning" className="mb-4" title={t('draft.dashboard', { count: drafts.count })}>
            {t('draft.dashboardBody')}{' '}
            <Link
              to={drafts.count === 1 && drafts.id ? `/requests/${drafts.id}` : '/requests?status=draft'}
              className="font-semibold underline"
            >
              {t('draft.dashboardLink', { count: drafts.count })}
            </Link>
          </Alert>
        )}
      </div>
      <div className="grid gap-4 md:grid-cols-3">
        <Card title={t('dashboard.nextPickup')} className="md:col-span-2">
          {recent === null ? (
            <Loading />
          ) : next ? (
            <div>
              <div className="flex flex-wrap items-center gap-2">
                <span className="text-sm font-semibold uppercase tracking-wide text-brand-800">{categoryLabel(next.category)}</span>
                <StatusBadge status={next.status} />
              </div>
              <p className="mt-2 text-xl font-bold text-gray-900" data-testid="next-pickup-slot">
                {formatSlot(next.assigned_slot)}
              </p>
              <p className="text-xs text-gray-700">{t('slots.tzShort', { tz: tzLabel() })}</p>
              <ChangeDeadline req={next} now={now} className="mt-2" />
              <p className="mt-2 text-gray-900">{next.description}</p>
              <p className="text-sm text-gray-800">
                {next.address.line1}, {next.address.city}
              </p>
              <Link to={`/requests/${next.id}`} className="mt-3 inline-block font-semibold text-brand-800 underline">
                {t('dashboard.viewRequest')}
              </Link>
            </div>
          ) : (
            <EmptyState
              title={t('dashboard.noPickup')}
              body={t('dashboard.noPickupBody')}
              action={
                <ButtonLink to="/requests/new" variant="secondary">
                  {t('dashboard.book')}
                </ButtonLink>
              }
            />
          )}
        </Card>
        <Card title={t('dashboard.points')}>
          <p className="text-4xl font-bold text-brand-800" data-testid="dashboard-points">
            {summary?.total_points ?? 0}
          </p>
          <p className="text-sm text-gray-800">{t('dashboard.pointsBody')}</p>
          <Link to="/rewards" className="mt-3 inline-block font-semibold text-brand-800 underline">
            {t('dashboard.viewRewards')}
          </Link>
        </Card>
        <Card
          title={t('dashboard.recent')}
          className="md:col-span-2"
          actions={
            total > 0 ? (
              <Link to="/requests" className="text-sm font-semibold text-brand-800 underline">
                {t('dashboard.viewAll', { count: total })}
              </Link>
            ) : undefined
          }
        >
          {recent === null ? (
            <Loading />
          ) : recent.length === 0 ? (
            <EmptyState title={t('requests.empty')} body={t('requests.emptyBody')} />
          ) : (
            <ul className="space-y-3">
              {recent.map((r) => (
                <RequestCard key={r.id} request={r} />
              ))}
            </ul>
          )}
        </Card>
        <Card title={t('dashboard.updates')}>
          {notifications.length === 0 ? (
            <p className="text-sm text-gray-800">{t('notifications.empty')}</p>
          ) : (
            <ul className="space-y-2">
              {notifications.slice(0, 4).map((n) => (
                <li key={n.id} className="text-sm">
                  <p className={n.read ? 'text-gray-800' : 'font-semibold text-gray-900'}>{n.title}</p>
                  <p className="text-xs text-gray-700">{relativeTime(n.created_at)}</p>
                </li>
              ))}
            </ul>
          )}
          <Link to="/notifications" className="mt-3 inline-block text-sm font-semibold text-brand-800 underline">
            {t('bell.viewAll')}
          </Link>
        </Card>
      </div>
    </div>
  );
}
