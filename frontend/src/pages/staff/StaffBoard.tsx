import { useCallback, useEffect, useMemo, useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { crewsApi, staffApi } from '../../api/endpoints';
import { errorMessage } from '../../api/client';
import { CATEGORIES, STATUSES, type Crew, type PickupRequest, type Status } from '../../api/types';
import { Alert, Button, Loading, PageHeader } from '../../components/ui';
import { SelectField, TextField } from '../../components/Field';
import { statusLabel } from '../../components/StatusBadge';
import { categoryLabel } from '../../components/RequestCard';
import { BOARD_COLUMNS } from '../../lib/status';
import { formatSlot, formatDate } from '../../lib/time';
import { t } from '../../i18n';

/** Cards a column shows first, and adds per "Show more". */
export const COLUMN_PAGE_SIZE = 20;
const POLL_MS = 30000;

/** One column of the board: its count (total) and the cards loaded so far. */
interface Column {
  items: PickupRequest[];
  total: number;
}

export default function StaffBoard() {
  const [params, setParams] = useSearchParams();
  const status = params.get('status') ?? '';
  const category = params.get('category') ?? '';
  const date = params.get('date') ?? '';
  const pincode = params.get('pincode') ?? '';
  const crew = params.get('crew') ?? '';
  const q = params.get('q') ?? '';
  const [search, setSearch] = useState(q);
  const [pin, setPin] = useState(pincode);
  const [cols, setCols] = useState<Record<string, Column> | null>(null);
  const [loading, setLoading] = useState(true);
  const [more, setMore] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  const [crews, setCrews] = useState<Crew[]>([]);
  useEffect(() => {
    // the crew filter's choices; the board works without them
    crewsApi.list().then(
      (l) => setCrews(l.items),
      () => setCrews([]),
    );
  }, []);
  const columns: Status[] = useMemo(() => (status ? [status as Status] : BOARD_COLUMNS), [status]);
  const filters = useMemo(
    () => ({
      category: category || undefined,
      date: date || undefined,
      pincode: pincode || undefined,
      crew: crew || undefined,
      q: q || undefined,
    }),
    [category, date, pincode, crew, q],
  );

  // Each column is its own page (count + first cards), so a busy stage never hides the others.
  const load = useCallback(
    async (signal?: AbortSignal) => {
      setLoading(true);
      try {
        const pages = await Promise.all(
          columns.map((c) => staffApi.list({ ...filters, status: c, skip: 0, limit: COLUMN_PAGE_SIZE }, signal)),
        );
        const next: Record<string, Column> = {};
        columns.forEach((c, i) => (next[c] = { items: pages[i].items, total: pages[i].total }));
        setCols(next);
        setError(null);
      } catch (err) {
        if ((err as Error)?.name !== 'AbortError') setError(errorMessage(err));
      } finally {
        if (!signal?.aborted) setLoading(false);
      }
    },
    [columns, filters],
  );

  const loadMore = async (c: Status) => {
    const col = cols?.[c];
    if (!col) return;
    setMore(c);
    try {
      const p = await staffApi.list({ ...filters, status: c, skip: col.items.length, limit: COLUMN_PAGE_SIZE });
      setCols((prev) => {
        const cur = prev?.[c] ?? { items: [], total: 0 };
        const seen = new Set(cur.items.map((r) => r.id));
        return { ...prev, [c]: { items: [...cur.items, ...p.items.filter((r) => !seen.has(r.id))], total: p.total } };
      });
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setMore(null);
    }
  };

  const exportCsv = async () => {
    try {
      const { blob } = await staffApi.exportCsv({ ...filters, status: status || undefined });
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = 'requests.csv';
      a.click();
      URL.revokeObjectURL(url);
    } catch (err) {
      setError(errorMessage(err));
    }
  };

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
  useEffect(() => setPin(pincode), [pincode]);

  const update = (patch: Record<string, string>) => {
    const p = new URLSearchParams(params);
    for (const [k, v] of Object.entries(patch)) {
      if (v) p.set(k, v);
      else p.delete(k);
    }
    setParams(p);
  };

  const onSearch = (e: FormEvent) => {
    e.preventDefault();
    update({ q: search.trim(), pincode: pin.trim() });
  };

  const total = cols ? columns.reduce((n, c) => n + (cols[c]?.total ?? 0), 0) : 0;

  return (
    <div>
      <PageHeader
        title={t('staff.title')}
        subtitle={t('staff.subtitle')}
        actions={
          <div className="flex gap-2">
            <Button variant="secondary" onClick={() => void exportCsv()}>
              {t('staff.exportCsv')}
            </Button>
            <Button variant="secondary" onClick={() => setTick((n) => n + 1)} loading={loading && !!cols}>
              {t('common.refresh')}
            </Button>
          </div>
        }
      />
      <form
        onSubmit={onSearch}
        className="mb-4 grid gap-3 rounded-xl bg-white p-4 shadow-sm ring-1 ring-gray-200 sm:grid-cols-2 lg:grid-cols-7"
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
        <SelectField label={t('sheet.crew')} value={crew} onChange={(e) => update({ crew: e.target.value })}>
          <option value="">{t('sheet.allCrews')}</option>
          {crews.map((c) => (
            <option key={c.id} value={c.id}>
              {c.name}
            </option>
          ))}
        </SelectField>
        <TextField label={t('staff.pincode')} value={pin} onChange={(e) => setPin(e.target.value)} inputMode="numeric" maxLength={10} />
        <TextField
          label={t('staff.search')}
          type="search"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
          hint={t('staff.searchHint')}
        />
        <div className="flex items-end gap-2">
          <Button type="submit">{t('staff.searchButton')}</Button>
          {(status || category || date || q || pincode || crew) && (
            <Button
              variant="ghost"
              onClick={() => {
                setSearch('');
                setPin('');
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
      {!cols && loading ? (
        <Loading />
      ) : (
        cols && (
          <>
            <p className="mb-2 text-sm text-gray-800" aria-live="polite">
              {t('staff.count', { count: total })}
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
                      <span className="rounded-full bg-white px-2 text-xs text-gray-900 ring-1 ring-gray-300">{cols[c]?.total ?? 0}</span>
                    </h2>
                    {(cols[c]?.items.length ?? 0) === 0 ? (
                      <p className="text-xs text-gray-700">{t('staff.columnEmpty')}</p>
                    ) : (
                      <ul className="space-y-2">
                        {cols[c].items.map((r) => (
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
                                {r.address?.city} {r.address?.pincode}
                                {' · '}
                                {r.assigned_slot ? formatSlot(r.assigned_slot) : t('staff.submittedOn', { date: formatDate(r.created_at) })}
                              </span>
                            </Link>
                          </li>
                        ))}
                      </ul>
                    )}
                    {(cols[c]?.items.length ?? 0) < (cols[c]?.total ?? 0) && (
                      <div className="mt-2 flex items-center justify-between text-xs text-gray-800">
                        <span>{t('staff.shown', { shown: cols[c].items.length, total: cols[c].total })}</span>
                        <Button variant="ghost" onClick={() => void loadMore(c)} loading={more === c}>
                          {t('staff.more')}
                        </Button>
                      </div>
                    )}
                  </section>
                ))}
              </div>
            </div>
          </>
        )
      )}
    </div>
  );
}
