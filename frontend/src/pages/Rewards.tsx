import { useCallback, useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { rewardsApi } from '../api/endpoints';
import { errorMessage } from '../api/client';
import type { LedgerEntry } from '../api/types';
import { useStore } from '../lib/store';
import { loadRewards, rewardsStore } from '../stores/rewards';
import { Alert, Button, Card, EmptyState, Loading, PageHeader } from '../components/ui';
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
      <LedgerCard />
    </div>
  );
}

const LEDGER_PAGE = 20;

/** The points ledger, newest first: credits (+) and reversals (−), each with the balance after it. */
function LedgerCard() {
  const [items, setItems] = useState<LedgerEntry[] | null>(null);
  const [total, setTotal] = useState(0);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const more = useCallback(async (skip: number) => {
    setBusy(true);
    try {
      const page = await rewardsApi.ledger({ skip, limit: LEDGER_PAGE });
      setItems((prev) => (skip === 0 ? page.items : [...(prev ?? []), ...page.items]));
      setTotal(page.total);
      setError(null);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }, []);

  useEffect(() => {
    void more(0);
  }, [more]);

  return (
    <Card title={t('ledger.title')}>
      {error && <Alert tone="error">{error}</Alert>}
      {items === null ? (
        busy && <Loading />
      ) : items.length === 0 ? (
        <EmptyState title={t('rewards.empty')} body={t('rewards.emptyBody')} />
      ) : (
        <>
          <ul className="divide-y divide-gray-200" data-testid="ledger">
            {items.map((r) => (
              <li key={r.id} className="flex items-center justify-between gap-3 py-3">
                <div>
                  <p className="text-gray-900">{r.reason}</p>
                  <p className="text-xs text-gray-700">
                    {formatDate(r.created_at)}
                    {' · '}
                    {t('ledger.balance', { points: r.balance_after })}
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
                <span
                  className={`shrink-0 rounded-full px-3 py-1 text-sm font-bold ${r.points < 0 ? 'bg-red-100 text-red-900' : 'bg-green-100 text-green-900'}`}
                >
                  {r.points < 0 ? `−${-r.points}` : `+${r.points}`}
                </span>
              </li>
            ))}
          </ul>
          {items.length < total && (
            <Button variant="secondary" className="mt-3" loading={busy} onClick={() => void more(items.length)}>
              {t('ledger.more')}
            </Button>
          )}
        </>
      )}
    </Card>
  );
}
