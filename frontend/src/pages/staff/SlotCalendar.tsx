import { useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { staffApi } from '../../api/endpoints';
import { errorMessage } from '../../api/client';
import type { StaffSlot } from '../../api/types';
import { Alert, Button, EmptyState, Loading, PageHeader } from '../../components/ui';
import { StatusBadge } from '../../components/StatusBadge';
import { categoryLabel } from '../../components/RequestCard';
import { addDays, formatDate, formatTime, todayInTz, tzLabel } from '../../lib/time';
import { t, tDyn } from '../../i18n';

export default function SlotCalendar() {
  const [params, setParams] = useSearchParams();
  const date = params.get('date') || todayInTz();
  const [slots, setSlots] = useState<StaffSlot[] | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [reload, setReload] = useState(0);

  useEffect(() => {
    const ctrl = new AbortController();
    setLoading(true);
    staffApi
      .slots(date, ctrl.signal)
      .then((s) => {
        setSlots(Array.isArray(s) ? s : []);
        setError(null);
      })
      .catch((err) => {
        if ((err as Error)?.name !== 'AbortError') {
          setError(errorMessage(err));
          setSlots(null);
        }
      })
      .finally(() => {
        if (!ctrl.signal.aborted) setLoading(false);
      });
    return () => ctrl.abort();
  }, [date, reload]);

  const setDate = (d: string) => setParams(d ? { date: d } : {});
  const totals = (slots ?? []).reduce((a, s) => ({ cap: a.cap + s.capacity, booked: a.booked + s.booked }), { cap: 0, booked: 0 });

  return (
    <div>
      <PageHeader title={t('calendar.title')} subtitle={t('slots.tzNote', { tz: tzLabel() })} />
      <div className="mb-4 flex flex-wrap items-end gap-2">
        <div>
          <label htmlFor="cal-date" className="block text-sm font-medium text-gray-900">
            {t('slots.date')}
          </label>
          <input
            id="cal-date"
            type="date"
            value={date}
            onChange={(e) => setDate(e.target.value)}
            className="mt-1 block rounded-lg border border-gray-500 bg-white px-3 py-2 text-base text-gray-900 focus:border-brand-700 focus:outline-none focus:ring-2 focus:ring-brand-700"
          />
        </div>
        <Button variant="secondary" onClick={() => setDate(addDays(date, -1))} aria-label={t('slots.prevDay')}>
          ‹
        </Button>
        <Button variant="secondary" onClick={() => setDate(todayInTz())}>
          {t('calendar.today')}
        </Button>
        <Button variant="secondary" onClick={() => setDate(addDays(date, 1))} aria-label={t('slots.nextDay')}>
          ›
        </Button>
      </div>
      <h2 className="mb-2 text-lg font-semibold text-gray-900">{formatDate(`${date}T12:00:00Z`)}</h2>
      <div aria-live="polite" aria-busy={loading}>
        {error && (
          <Alert tone="error" className="mb-3">
            {error}{' '}
            <button type="button" className="font-semibold underline" onClick={() => setReload((n) => n + 1)}>
              {t('common.retry')}
            </button>
          </Alert>
        )}
        {loading && !slots && <Loading />}
        {slots && slots.length === 0 && <EmptyState title={t('calendar.empty')} body={t('calendar.emptyBody')} />}
        {slots && slots.length > 0 && (
          <>
            <p className="mb-3 text-sm text-gray-800">{t('calendar.totals', { booked: totals.booked, capacity: totals.cap })}</p>
            <ul className="grid gap-3 sm:grid-cols-2 lg:grid-cols-3">
              {slots.map((s) => {
                const pct = s.capacity > 0 ? Math.min(100, Math.round((s.booked / s.capacity) * 100)) : 100;
                const full = s.booked >= s.capacity;
                return (
                  <li key={`${s.start}-${s.capacity_class}`} className="rounded-xl bg-white p-4 shadow-sm ring-1 ring-gray-200">
                    <div className="flex items-center justify-between gap-2">
                      <h3 className="font-semibold text-gray-900">
                        {formatTime(s.start)}–{formatTime(s.end)}
                      </h3>
                      <span className="rounded-full bg-gray-100 px-2 py-0.5 text-xs font-medium text-gray-900 ring-1 ring-gray-300">
                        {tDyn(`capacityClass.${s.capacity_class}`)}
                      </span>
                    </div>
                    <p className={`mt-1 text-sm ${full ? 'font-semibold text-red-800' : 'text-gray-800'}`}>
                      {t('calendar.booked', { booked: s.booked, capacity: s.capacity })}
                    </p>
                    <div className="mt-1 h-2 w-full overflow-hidden rounded-full bg-gray-200" aria-hidden="true">
                      <div className={`h-full ${full ? 'bg-red-700' : 'bg-brand-700'}`} style={{ width: `${pct}%` }} />
                    </div>
                    {s.requests.length > 0 ? (
                      <ul className="mt-3 space-y-1">
                        {s.requests.map((r) => (
                          <li key={r.id} className="flex items-center justify-between gap-2 text-sm">
                            <Link to={`/staff/requests/${r.id}`} className="font-medium text-brand-800 underline">
                              {categoryLabel(r.category)} · {r.id.slice(-6)}
                            </Link>
                            <StatusBadge status={r.status} />
                          </li>
                        ))}
                      </ul>
                    ) : (
                      <p className="mt-3 text-xs text-gray-700">{t('calendar.noBookings')}</p>
                    )}
                  </li>
                );
              })}
            </ul>
          </>
        )}
      </div>
    </div>
  );
}
