import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { staffApi } from '../../api/endpoints';
import { errorMessage } from '../../api/client';
import { CATEGORIES, STATUSES, type PickupRequest, type StaffRequestPage, type Status } from '../../api/types';
import { Alert, Button, Loading, PageHeader } from '../../components/ui';
import { SelectField, TextField } from '../../components/Field';
import { Pagination } from '../../components/Pagination';
import { statusLabel } from '../../components/StatusBadge';
import { categoryLabel } from '../../components/RequestCard';
import { BOARD_COLUMNS } from '../../lib/status';
import { formatSlot, formatDate } from '../../lib/time';
import { t } from '../../i18n';

export const BOARD_PAGE_SIZE = 100;
const POLL_MS = 30000;

export function groupByStatus(items: PickupRequest[], columns: Status[]): Record<string, PickupRequest[]> {
  const out: Record<string, PickupRequest[]> = {};
  for (const c of columns) out[c] = [];
  for (const r of items) (out[r.status] ??= []).push(r);
  return out;
}

export default function StaffBoard() {
  const [params, setParams] = useSearchParams();
  const status = params.get('status') ?? '';
  const category = params.get('category') ?? '';
  const date = params.get('date') ?? '';
  const q = params.get('q') ?? '';
  const skip = Math.max(0, Number(params.get('skip')) || 0);
  const [search, setSearch] = useState(q);
  const [page, setPage] = useState<StaffRequestPage | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);

  const load = useCallback(
    async (signal?: AbortSignal) => {
      setLoading(true);
      try {
        const p = await staffApi.list(
          {
            status: status || undefined,
            category: category || undefined,
            date: date || undefined,
            q: q || undefined,
            skip,
            limit: BOARD_PAGE_SIZE,
          },
          signal,
        );
        setPage(p);
        setError(null);
      } catch (err) {
        if ((err as Error)?.name !== 'AbortError') setError(errorMessage(err));
      } finally {
        if (!signal?.aborted) setLoading(false);
      }
    },
    [status, category, date, q, skip],
  );

  useEffect(() => {
    const ctrl = new AbortController();
    void load(ctrl.signal);
    return () => ctrl.abort();
  }, [load, tick]);

  useEffect(() => {
    const id = setInterval(() => {
      if (document.visibilityState === 'visible') setTick((n) => n + 1);
    }, POLL_MS);
    return () => clearInterval(id);
  }, []);

  useEffect(() => setSearch(q), [q]);

  const update = (patch: Record<string, string>) => {
    const p = new URLSearchParams(params);
    for (const [k, v] of Object.entries(patch)) {
      if (v) p.set(k, v);
      else p.delete(k);
    }
    if (!('skip' in patch)) p.delete('skip');
    setParams(p);
  };

  const onSearch = (e: FormEvent) => {
    e.preventDefault();
    update({ q: search.trim() });
  };

  const columns: Status[] = status ? [status as Status] : BOARD_COLUMNS;
  const groups = groupByStatus(page?.items ?? [], columns);

  return (
    <div>
      <PageHeader
        title={t('staff.title')}
        subtitle={t('staff.subtitle')}
        actions={
          <Button variant="secondary" onClick={() => setTick((n) => n + 1)} loading={loading && !!page}>
            {t('common.refresh')}
          </Button>
        }
      />
      <form
        onSubmit={onSearch}
        className="mb-4 grid gap-3 rounded-xl bg-white p-4 shadow-sm ring-1 ring-gray-200 sm:grid-cols-2 lg:grid-cols-5"
        role="search"
        aria-label={t('staff.filters')}
      >
        <SelectField label={t('detail.status')} value={status} onChange={(e) => update({ status: e.target.value })}>
          <option value="">{t('requests.allStatuses')}</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {statusLabel(s)}
            </option>
          ))}
        </SelectField>
        <SelectField label={t('field.category')} value={category} onChange={(e) => update({ category: e.target.value })}>
          <option value="">{t('staff.allCategories')}</option>
          {CATEGORIES.map((c) => (
            <option key={c} value={c}>
              {categoryLabel(c)}
            </option>
          ))}
        </SelectField>
        <TextField label={t('staff.slotDate')} type="date" value={date} onChange={(e) => update({ date: e.target.value })} />
        <TextField
          label={t('staff.search')}
          type="search"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
          hint={t('staff.searchHint')}
        />
        <div className="flex items-end gap-2">
          <Button type="submit">{t('staff.searchButton')}</Button>
          {(status || category || date || q) && (
            <Button
              variant="ghost"
              onClick={() => {
                setSearch('');
                setParams(new URLSearchParams());
              }}
            >
              {t('staff.clear')}
            </Button>
          )}
        </div>
      </form>
      {error && (
        <Alert tone="error" className="mb-4">
          {error}
        </Alert>
      )}
      {!page && loading ? (
        <Loading />
      ) : (
        page && (
          <>
            <p className="mb-2 text-sm text-gray-800" aria-live="polite">
              {t('staff.count', { count: page.total })}
            </p>
            <div aria-label={t('staff.board')} role="region">
              <div className="grid gap-3 sm:grid-cols-2 lg:grid-cols-3 xl:grid-cols-4">
                {columns.map((c) => (
                  <section
                    key={c}
                    aria-labelledby={`col-${c}`}
                    className="rounded-xl bg-gray-100 p-3 ring-1 ring-gray-200"
                    data-testid={`column-${c}`}
                  >
                    <h2 id={`col-${c}`} className="mb-2 flex items-center justify-between text-sm font-semibold text-gray-900">
                      <span>{statusLabel(c)}</span>
                      <span className="rounded-full bg-white px-2 text-xs text-gray-900 ring-1 ring-gray-300">
                        {groups[c]?.length ?? 0}
                      </span>
                    </h2>
                    {(groups[c]?.length ?? 0) === 0 ? (
                      <p className="text-xs text-gray-700">{t('staff.columnEmpty')}</p>
                    ) : (
                      <ul className="space-y-2">
                        {groups[c].map((r) => (
                          <li key={r.id}>
                            <Link
                              to={`/staff/requests/${r.id}`}
                              className="block rounded-lg bg-white p-3 text-sm shadow-sm ring-1 ring-gray-200 hover:ring-brand-700 focus-visible:outline focus-visible:outline-2 focus-visible:outline-brand-700"
                            >
                              <span className="block text-xs font-semibold uppercase tracking-wide text-brand-800">
                                {categoryLabel(r.category)}
                                {r.is_special && ` · ${t('staff.special')}`}
                              </span>
                              <span className="mt-1 block line-clamp-2 text-gray-900">{r.description}</span>
                              <span className="mt-1 block text-xs text-gray-800">
                                {r.address?.city}
                                {' · '}
                                {r.assigned_slot ? formatSlot(r.assigned_slot) : t('staff.submittedOn', { date: formatDate(r.created_at) })}
                              </span>
                            </Link>
                          </li>
                        ))}
                      </ul>
                    )}
                  </section>
                ))}
              </div>
            </div>
            <Pagination skip={skip} limit={BOARD_PAGE_SIZE} total={page.total} onChange={(s) => update({ skip: s ? String(s) : '' })} />
          </>
        )
      )}
    </div>
  );
}
