import { useEffect } from 'react';
import { Link } from 'react-router-dom';
import { useStore } from '../lib/store';
import { loadRewards, rewardsStore } from '../stores/rewards';
import { Alert, Card, EmptyState, Loading, PageHeader } from '../components/ui';
import { formatDate } from '../lib/time';
import { t } from '../i18n';

export default function Rewards() {
  const summary = useStore(rewardsStore, (s) => s.summary);
  const loading = useStore(rewardsStore, (s) => s.loading);
  const error = useStore(rewardsStore, (s) => s.error);

  useEffect(() => {
    void loadRewards();
  }, []);

  return (
    <div className="mx-auto max-w-3xl space-y-4">
      <PageHeader title={t('rewards.title')} subtitle={t('rewards.subtitle')} />
      {error && <Alert tone="error">{error}</Alert>}
      <Card title={t('rewards.total')}>
        {summary ? (
          <p className="text-5xl font-bold text-brand-800" data-testid="rewards-total">
            {summary.total_points}
          </p>
        ) : loading ? (
          <Loading />
        ) : null}
        <p className="mt-2 text-sm text-gray-800">{t('rewards.how')}</p>
        <ul className="mt-2 list-inside list-disc text-sm text-gray-800">
          <li>{t('rewards.ruleRecyclable')}</li>
          <li>{t('rewards.ruleSpecial')}</li>
        </ul>
      </Card>
      <Card title={t('rewards.recent')}>
        {!summary && loading ? (
          <Loading />
        ) : !summary || summary.recent.length === 0 ? (
          <EmptyState title={t('rewards.empty')} body={t('rewards.emptyBody')} />
        ) : (
          <ul className="divide-y divide-gray-200">
            {summary.recent.map((r) => (
              <li key={r.id} className="flex items-center justify-between gap-3 py-3">
                <div>
                  <p className="text-gray-900">{r.reason}</p>
                  <p className="text-xs text-gray-700">
                    {formatDate(r.created_at)}
                    {r.request_id && (
                      <>
                        {' · '}
                        <Link to={`/requests/${r.request_id}`} className="font-semibold text-brand-800 underline">
                          {t('rewards.viewRequest')}
                        </Link>
                      </>
                    )}
                  </p>
                </div>
                <span className="shrink-0 rounded-full bg-green-100 px-3 py-1 text-sm font-bold text-green-900">+{r.points}</span>
              </li>
            ))}
          </ul>
        )}
      </Card>
    </div>
  );
}
