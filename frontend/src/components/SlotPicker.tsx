import { useEffect, useId, useState } from 'react';
import type { AvailableSlot, SlotRange } from '../api/types';
import { slotsApi } from '../api/endpoints';
import { errorMessage } from '../api/client';
import { addDays, formatDate, formatTime, todayInTz, tzLabel } from '../lib/time';
import { t } from '../i18n';
import { Alert, Button, Loading } from './ui';

export const BOOKING_WINDOW_DAYS = 60;

/**
 * Date input + live list of free slots for that date (GET /slots/available), as a radio group
 * showing the seats left. Times are shown in the service time zone. With `onJoinWaitlist`
 * the full slots are listed too, each with a "Join the waitlist" button instead of a radio.
 */
export function SlotPicker({
  category,
  value,
  onChange,
  date,
  onDateChange,
  error,
  excludeStart,
  onJoinWaitlist,
}: {
  category: string;
  value: SlotRange | null;
  onChange: (slot: AvailableSlot | null) => void;
  date: string;
  onDateChange: (date: string) => void;
  error?: string;
  /** A slot start not to offer (the one already booked). */
  excludeStart?: string;
  /** Offer full slots' waitlists (the request's detail page). */
  onJoinWaitlist?: (slot: AvailableSlot) => Promise<void>;
}) {
  const [joining, setJoining] = useState<string | null>(null);
  const withFull = !!onJoinWaitlist;
  const id = useId();
  const [slots, setSlots] = useState<AvailableSlot[] | null>(null);
  const [loading, setLoading] = useState(false);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [reload, setReload] = useState(0);
  const today = todayInTz();
  const max = addDays(today, BOOKING_WINDOW_DAYS);
  const dateInvalid = !!date && (date < today || date > max);

  useEffect(() => {
    // Outside the booking window nothing is offered (the warning below says why), so a slot
    // the picker itself forbids can never be chosen.
    if (!date || !/^\d{4}-\d{2}-\d{2}$/.test(date) || dateInvalid) {
      setSlots(null);
      setLoading(false);
      setLoadError(null);
      return;
    }
    const ctrl = new AbortController();
    setLoading(true);
    setLoadError(null);
    (withFull ? slotsApi.availableWithFull : slotsApi.available)(date, category, ctrl.signal)
      .then((list) => {
        setSlots(Array.isArray(list) ? list : []);
      })
      .catch((err) => {
        if ((err as Error)?.name === 'AbortError') return;
        setSlots(null);
        setLoadError(errorMessage(err));
      })
      .finally(() => {
        if (!ctrl.signal.aborted) setLoading(false);
      });
    return () => ctrl.abort();
  }, [date, category, reload, dateInvalid, withFull]);

  const listed = dateInvalid ? [] : (slots ?? []).filter((s) => s.start !== excludeStart);
  const shown = listed.filter((s) => s.remaining > 0);
  const full = listed.filter((s) => s.remaining <= 0);
  const join = async (s: AvailableSlot) => {
    if (!onJoinWaitlist) return;
    setJoining(s.start);
    try {
      await onJoinWaitlist(s);
    } finally {
      setJoining(null);
    }
  };

  return (
    <div>
      <div className="flex flex-wrap items-end gap-2">
        <div className="min-w-[12rem] flex-1">
          <label htmlFor={`${id}-date`} className="block text-sm font-medium text-gray-900">
            {t('slots.date')}
          </label>
          <input
            id={`${id}-date`}
            type="date"
            min={today}
            max={max}
            value={date}
            onChange={(e) => onDateChange(e.target.value)}
            aria-describedby={`${id}-tz`}
            className="mt-1 block w-full rounded-lg border border-gray-500 bg-white px-3 py-2 text-base text-gray-900 focus:border-brand-700 focus:outline-none focus:ring-2 focus:ring-brand-700"
          />
        </div>
        <Button
          variant="secondary"
          disabled={!date || date <= today}
          onClick={() => onDateChange(addDays(date, -1))}
          aria-label={t('slots.prevDay')}
        >
          ‹
        </Button>
        <Button
          variant="secondary"
          disabled={!date || date >= max}
          onClick={() => onDateChange(addDays(date || today, 1))}
          aria-label={t('slots.nextDay')}
        >
          ›
        </Button>
      </div>
      <p id={`${id}-tz`} className="mt-1 text-sm text-gray-700">
        {t('slots.tzNote', { tz: tzLabel() })}
      </p>

      <div className="mt-3" aria-live="polite" aria-busy={loading}>
        {!date && <p className="text-sm text-gray-800">{t('slots.pickDate')}</p>}
        {dateInvalid && <Alert tone="warning">{t('slots.outOfRange', { days: BOOKING_WINDOW_DAYS })}</Alert>}
        {loading && <Loading label={t('slots.loading')} />}
        {!loading && loadError && (
          <Alert tone="error">
            {loadError}{' '}
            <button type="button" className="font-semibold underline" onClick={() => setReload((n) => n + 1)}>
              {t('common.retry')}
            </button>
          </Alert>
        )}
        {!loading && !loadError && slots && shown.length === 0 && full.length === 0 && !dateInvalid && (
          <p className="rounded-lg bg-gray-100 p-3 text-sm text-gray-900">{t('slots.none', { date: formatDate(`${date}T12:00:00Z`) })}</p>
        )}
        {!loading && !loadError && shown.length > 0 && (
          <fieldset aria-describedby={error ? `${id}-err` : undefined}>
            <legend className="text-sm font-medium text-gray-900">{t('slots.available', { count: shown.length })}</legend>
            <div className="mt-2 grid grid-cols-1 gap-2 sm:grid-cols-2">
              {shown.map((s) => {
                const checked = value?.start === s.start;
                return (
                  <label
                    key={s.start}
                    className={`flex cursor-pointer items-center gap-3 rounded-lg border p-3 ${checked ? 'border-brand-700 bg-brand-50 ring-2 ring-brand-700' : 'border-gray-400 bg-white'}`}
                  >
                    <input
                      type="radio"
                      name={`${id}-slot`}
                      value={s.start}
                      checked={checked}
                      disabled={s.remaining <= 0}
                      onChange={() => onChange(s)}
                      className="h-5 w-5 text-brand-700 focus:ring-brand-700"
                    />
                    <span>
                      <span className="block font-semibold text-gray-900">
                        {formatTime(s.start)}–{formatTime(s.end)}
                      </span>
                      <span className="block text-sm text-gray-800">
                        {t('slots.seatsLeft', { count: s.remaining, capacity: s.capacity })}
                      </span>
                    </span>
                  </label>
                );
              })}
            </div>
          </fieldset>
        )}
        {!loading && !loadError && full.length > 0 && (
          <ul className="mt-3 grid grid-cols-1 gap-2 sm:grid-cols-2" data-testid="full-slots">
            {full.map((s) => (
              <li key={s.start} className="flex items-center justify-between gap-2 rounded-lg border border-gray-300 bg-gray-50 p-3">
                <span>
                  <span className="block font-semibold text-gray-900">
                    {formatTime(s.start)}–{formatTime(s.end)}
                  </span>
                  <span className="block text-sm text-gray-800">{t('waitlist.full')}</span>
                </span>
                <Button variant="secondary" onClick={() => void join(s)} loading={joining === s.start} disabled={joining !== null}>
                  {t('waitlist.join')}
                </Button>
              </li>
            ))}
          </ul>
        )}
      </div>
      {error && (
        <p id={`${id}-err`} className="mt-2 text-sm font-medium text-red-800">
          {error}
        </p>
      )}
    </div>
  );
}
