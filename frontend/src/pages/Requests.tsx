import { useEffect, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { requestsApi } from '../api/endpoints';
import { errorMessage } from '../api/client';
import { STATUSES, type RequestPage } from '../api/types';
import { Alert, ButtonLink, EmptyState, Loading, PageHeader } from '../components/ui';
import { SelectField } from '../components/Field';
import { RequestCard } from '../components/RequestCard';
import { Pagination } from '../components/Pagination';
import { statusLabel } from '../components/StatusBadge';
import { t } from '../i18n';

export const REQUESTS_PAGE_SIZE = 10;

export default function Requests() {
  const [params, setParams] = useSearchParams();
  const status = params.get('status') ?? '';
  const skip = Math.max(0, Number(params.get('skip')) || 0);
  const [page, setPage] = useState<RequestPage | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [reload, setReload] = useState(0);

  useEffect(() => {
    const ctrl = new AbortController();
    setLoading(true);
    requestsApi
      .list({ status: status || undefined, skip, limit: REQUESTS_PAGE_SIZE }, ctrl.signal)
      .then((p) => {
        setPage(p);
        setError(null);
      })
      .catch((err) => {
        if ((err as Error)?.name !== 'AbortError') setError(errorMessage(err));
      })
      .finally(() => {
        if (!ctrl.signal.aborted) setLoading(false);
      });
    return () => ctrl.abort();
  }, [status, skip, reload]);

  const update = (next: { status?: string; skip?: number }) => {
    const p = new URLSearchParams(params);
    if (next.status !== undefined) {
      if (next.status) p.set('status', next.status);
      else p.delete('status');
      p.delete('skip');
    }
    if (next.skip !== undefined) {
      if (next.skip > 0) p.set('skip', String(next.skip));
      else p.delete('skip');
    }
    setParams(p);
  };

  return (
    <div>
      <PageHeader title={t('requests.title')} actions={<ButtonLink to="/requests/new">{t('dashboard.book')}</ButtonLink>} />
      <div className="mb-4 max-w-xs">
        <SelectField label={t('requests.filterStatus')} value={status} onChange={(e) => update({ status: e.target.value })}>
          <option value="">{t('requests.allStatuses')}</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {statusLabel(s)}
            </option>
          ))}
        </SelectField>
      </div>
      <div aria-live="polite" aria-busy={loading}>
        {error && (
          <Alert tone="error" className="mb-4">
            {error}{' '}
            <button type="button" className="font-semibold underline" onClick={() => setReload((n) => n + 1)}>
              {t('common.retry')}
            </button>
          </Alert>
        )}
        {loading && !page && <Loading />}
        {page && page.items.length === 0 && !loading && (
          <EmptyState
            title={status ? t('requests.emptyFiltered', { status: statusLabel(status) }) : t('requests.empty')}
            body={status ? undefined : t('requests.emptyBody')}
            action={!status ? <ButtonLink to="/requests/new">{t('dashboard.book')}</ButtonLink> : undefined}
          />
        )}
        {page && page.items.length > 0 && (
          <>
            <p className="mb-2 text-sm text-gray-800">{t('requests.count', { count: page.total })}</p>
            <ul className={`space-y-3 ${loading ? 'opacity-60' : ''}`}>
              {page.items.map((r) => (
                <RequestCard key={r.id} request={r} />
              ))}
            </ul>
            <Pagination skip={skip} limit={REQUESTS_PAGE_SIZE} total={page.total} onChange={(s) => update({ skip: s })} />
          </>
        )}
      </div>
    </div>
  );
}
