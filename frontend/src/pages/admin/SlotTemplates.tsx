import { useEffect, useRef, useState, type FormEvent } from 'react';
import { adminApi } from '../../api/endpoints';
import { ApiError, errorMessage } from '../../api/client';
import type { SlotOverride, SlotTemplates as Templates, WeeklyWindow } from '../../api/types';
import { Alert, Button, Card, Loading, PageHeader } from '../../components/ui';
import { Checkbox, SelectField, TextField, focusFirstInvalid } from '../../components/Field';
import { isoDate, numberBetween } from '../../lib/validation';
import { serverErrors } from '../../lib/forms';
import { formatDate, todayInTz } from '../../lib/time';
import { t, tDyn } from '../../i18n';

type Errors = Record<string, string>;

const TIME = /^(([01]\d|2[0-3]):[0-5]\d|24:00)$/;
const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** Client-side checks for the slot template form (the API's rules); keys follow its 422 paths. */
export function validateTemplates(v: Templates): Errors {
  const e: Errors = {};
  if (v.timezone.trim()) {
    try {
      new Intl.DateTimeFormat('en', { timeZone: v.timezone.trim() });
    } catch {
      e.timezone = t('templates.badTimezone');
    }
  }
  const m = numberBetween(t('templates.slotMinutes'), 5, 240, { integer: true })(String(v.slot_minutes));
  if (m) e.slot_minutes = m;
  const cs = numberBetween(t('templates.capStandard'), 0, 1000, { integer: true })(String(v.capacity.standard));
  if (cs) e['capacity.standard'] = cs;
  const cp = numberBetween(t('templates.capSpecial'), 0, 1000, { integer: true })(String(v.capacity.special));
  if (cp) e['capacity.special'] = cp;
  const slot = Number(v.slot_minutes);
  v.weekly.forEach((w, i) => {
    const startOk = TIME.test(w.start) && w.start !== '24:00';
    const endOk = TIME.test(w.end);
    if (!startOk) e[`weekly.${i}.start`] = t('validation.time');
    if (!endOk) e[`weekly.${i}.end`] = t('validation.time');
    if (!startOk || !endOk) return;
    const len = minutes(w.end) - minutes(w.start);
    if (len <= 0) e[`weekly.${i}.end`] = t('templates.endAfterStart');
    else if (!m && len % slot !== 0) e[`weekly.${i}.end`] = t('templates.notMultiple', { minutes: slot });
    else {
      const clash = v.weekly.findIndex(
        (o, j) =>
          j < i &&
          Number(o.weekday) === Number(w.weekday) &&
          TIME.test(o.start) &&
          TIME.test(o.end) &&
          minutes(o.start) < minutes(w.end) &&
          minutes(w.start) < minutes(o.end),
      );
      if (clash >= 0) e[`weekly.${i}.start`] = t('templates.overlap');
    }
  });
  v.closed_dates.forEach((d, i) => {
    const msg = isoDate(d);
    if (msg) e[`closed_dates.${i}`] = msg;
  });
  return e;
}

export default function SlotTemplates() {
  const [value, setValue] = useState<Templates | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [errors, setErrors] = useState<Errors>({});
  const [message, setMessage] = useState<{ tone: 'error' | 'success'; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [newDate, setNewDate] = useState('');
  const [newDateError, setNewDateError] = useState<string | undefined>();
  const form = useRef<HTMLFormElement>(null);

  useEffect(() => {
    adminApi
      .templates()
      .then((v) =>
        setValue({
          timezone: v?.timezone ?? 'Asia/Kolkata',
          slot_minutes: v?.slot_minutes ?? 60,
          capacity: { standard: v?.capacity?.standard ?? 0, special: v?.capacity?.special ?? 0 },
          weekly: Array.isArray(v?.weekly) ? v.weekly : [],
          closed_dates: Array.isArray(v?.closed_dates) ? [...v.closed_dates].sort() : [],
        }),
      )
      .catch((err) => setLoadError(errorMessage(err)));
  }, []);

  if (loadError) {
    return (
      <div>
        <PageHeader title={t('templates.title')} />
        <Alert tone="error">{loadError}</Alert>
      </div>
    );
  }
  if (!value) {
    return (
      <div>
        <PageHeader title={t('templates.title')} />
        <Loading />
      </div>
    );
  }

  const setWeekly = (i: number, patch: Partial<WeeklyWindow>) =>
    setValue({ ...value, weekly: value.weekly.map((w, j) => (j === i ? { ...w, ...patch } : w)) });

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    setMessage(null);
    const errs = validateTemplates(value);
    setErrors(errs);
    if (Object.keys(errs).length) {
      focusFirstInvalid(form.current);
      return;
    }
    setBusy(true);
    try {
      const body: Templates = {
        timezone: value.timezone.trim(),
        slot_minutes: Number(value.slot_minutes),
        capacity: { standard: Number(value.capacity.standard), special: Number(value.capacity.special) },
        weekly: value.weekly.map((w) => ({ weekday: Number(w.weekday), start: w.start, end: w.end })),
        closed_dates: value.closed_dates,
      };
      const saved = await adminApi.saveTemplates(body);
      if (saved && typeof saved === 'object' && Array.isArray(saved.weekly))
        setValue({ ...saved, timezone: saved.timezone ?? body.timezone, closed_dates: [...(saved.closed_dates ?? [])].sort() });
      setMessage({ tone: 'success', text: t('templates.saved') });
    } catch (err) {
      if (err instanceof ApiError && Object.keys(err.fieldErrors).length) {
        setErrors(err.fieldErrors);
        focusFirstInvalid(form.current);
      }
      setMessage({
        tone: 'error',
        text:
          err instanceof ApiError && Object.keys(err.fieldErrors).length
            ? `${t('error.validation')} ${Object.entries(err.fieldErrors)
                .map(([k, v]) => `${k}: ${v}`)
                .join('; ')}`
            : errorMessage(err),
      });
    } finally {
      setBusy(false);
    }
  };

  const addClosed = () => {
    const msg = isoDate(newDate);
    if (msg) {
      setNewDateError(msg);
      return;
    }
    if (value.closed_dates.includes(newDate)) {
      setNewDateError(t('templates.dateExists'));
      return;
    }
    setNewDateError(undefined);
    setValue({ ...value, closed_dates: [...value.closed_dates, newDate].sort() });
    setNewDate('');
  };

  return (
    <div className="mx-auto max-w-3xl space-y-4">
      <PageHeader title={t('templates.title')} subtitle={t('templates.subtitle')} />
      <form ref={form} noValidate onSubmit={onSubmit} className="space-y-4">
        <div aria-live="polite">{message && <Alert tone={message.tone}>{message.text}</Alert>}</div>
        <Card title={t('templates.general')}>
          <div className="grid gap-4 sm:grid-cols-2">
            <TextField
              label={t('templates.timezone')}
              value={value.timezone}
              onChange={(e) => setValue({ ...value, timezone: e.target.value })}
              error={errors.timezone}
              hint={t('templates.timezoneHint')}
            />
            <TextField
              label={t('templates.slotMinutes')}
              type="number"
              min={5}
              max={240}
              value={String(value.slot_minutes)}
              onChange={(e) => setValue({ ...value, slot_minutes: e.target.value as unknown as number })}
              error={errors.slot_minutes}
            />
            <TextField
              label={t('templates.capStandard')}
              type="number"
              min={0}
              value={String(value.capacity.standard)}
              onChange={(e) => setValue({ ...value, capacity: { ...value.capacity, standard: e.target.value as unknown as number } })}
              error={errors['capacity.standard']}
              hint={t('templates.capStandardHint')}
            />
            <TextField
              label={t('templates.capSpecial')}
              type="number"
              min={0}
              value={String(value.capacity.special)}
              onChange={(e) => setValue({ ...value, capacity: { ...value.capacity, special: e.target.value as unknown as number } })}
              error={errors['capacity.special']}
              hint={t('templates.capSpecialHint')}
            />
          </div>
        </Card>
        <Card title={t('templates.weekly')}>
          <p className="mb-3 text-sm text-gray-800">{t('templates.weeklyHint')}</p>
          {value.weekly.length === 0 && <p className="mb-3 text-sm font-medium text-amber-900">{t('templates.noWindows')}</p>}
          <ul className="space-y-3">
            {value.weekly.map((w, i) => (
              <li key={i} className="grid items-start gap-2 rounded-lg bg-gray-50 p-3 ring-1 ring-gray-200 sm:grid-cols-[1fr_1fr_1fr_auto]">
                <SelectField
                  label={t('templates.weekday')}
                  value={String(w.weekday)}
                  onChange={(e) => setWeekly(i, { weekday: Number(e.target.value) })}
                  error={errors[`weekly.${i}.weekday`]}
                >
                  {[0, 1, 2, 3, 4, 5, 6].map((d) => (
                    <option key={d} value={d}>
                      {tDyn(`weekday.${d}`)}
                    </option>
                  ))}
                </SelectField>
                <TextField
                  label={t('templates.start')}
                  inputMode="numeric"
                  placeholder="09:00"
                  maxLength={5}
                  hint={i === 0 ? t('templates.timeHint') : undefined}
                  value={w.start}
                  onChange={(e) => setWeekly(i, { start: e.target.value })}
                  error={errors[`weekly.${i}.start`]}
                />
                <TextField
                  label={t('templates.end')}
                  inputMode="numeric"
                  placeholder="21:00"
                  maxLength={5}
                  value={w.end}
                  onChange={(e) => setWeekly(i, { end: e.target.value })}
                  error={errors[`weekly.${i}.end`]}
                />
                <Button
                  variant="ghost"
                  className="sm:mt-6"
                  onClick={() => setValue({ ...value, weekly: value.weekly.filter((_, j) => j !== i) })}
                  aria-label={t('templates.removeWindow', { day: tDyn(`weekday.${w.weekday}`), start: w.start, end: w.end })}
                >
                  {t('common.remove')}
                </Button>
              </li>
            ))}
          </ul>
          <Button
            variant="secondary"
            className="mt-3"
            onClick={() => setValue({ ...value, weekly: [...value.weekly, { weekday: 1, start: '09:00', end: '17:00' }] })}
          >
            {t('templates.addWindow')}
          </Button>
        </Card>
        <Card title={t('templates.closed')}>
          {value.closed_dates.length === 0 ? (
            <p className="text-sm text-gray-800">{t('templates.noClosed')}</p>
          ) : (
            <ul className="flex flex-wrap gap-2">
              {value.closed_dates.map((d, i) => (
                <li
                  key={d}
                  className="inline-flex items-center gap-1 rounded-full bg-gray-100 py-1 pl-3 pr-1 text-sm text-gray-900 ring-1 ring-gray-300"
                >
                  {formatDate(`${d}T12:00:00Z`)}
                  {errors[`closed_dates.${i}`] && <span className="text-red-800"> ({errors[`closed_dates.${i}`]})</span>}
                  <button
                    type="button"
                    className="inline-flex h-8 w-8 items-center justify-center rounded-full hover:bg-gray-200 focus-visible:outline focus-visible:outline-2 focus-visible:outline-brand-700"
                    aria-label={t('templates.removeDate', { date: d })}
                    onClick={() => setValue({ ...value, closed_dates: value.closed_dates.filter((x) => x !== d) })}
                  >
                    ×
                  </button>
                </li>
              ))}
            </ul>
          )}
          <div className="mt-3 flex flex-wrap items-end gap-2">
            <TextField
              label={t('templates.addDate')}
              type="date"
              min={todayInTz()}
              value={newDate}
              onChange={(e) => setNewDate(e.target.value)}
              error={newDateError}
            />
            <Button variant="secondary" onClick={addClosed}>
              {t('templates.addDateButton')}
            </Button>
          </div>
        </Card>
        <Button type="submit" loading={busy} loadingText={t('common.saving')}>
          {t('templates.save')}
        </Button>
      </form>
      <OverrideForm />
    </div>
  );
}

type OF = 'from' | 'to' | 'capacity';

function describeOverride(o: SlotOverride): string {
  const range =
    o.from === o.to ? formatDate(`${o.from}T12:00:00Z`) : `${formatDate(`${o.from}T12:00:00Z`)} – ${formatDate(`${o.to}T12:00:00Z`)}`;
  const who = o.capacity_class ? tDyn(`capacityClass.${o.capacity_class}`) : t('overrides.allClasses');
  return `${range} · ${who} · ${o.closed ? t('overrides.isClosed') : t('overrides.seats', { count: o.capacity ?? 0 })}`;
}

function OverrideForm() {
  const [list, setList] = useState<SlotOverride[] | null>(null);
  const [listError, setListError] = useState<string | null>(null);
  const [v, setV] = useState({ from: todayInTz(), to: todayInTz(), capacityClass: '', capacity: '', closed: false });
  const [errors, setErrors] = useState<Partial<Record<OF, string>>>({});
  const [message, setMessage] = useState<{ tone: 'error' | 'success'; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const form = useRef<HTMLFormElement>(null);

  const reload = () =>
    adminApi
      .overrides()
      .then((l) => {
        setList(Array.isArray(l) ? l : []);
        setListError(null);
      })
      .catch((err) => setListError(errorMessage(err)));

  useEffect(() => {
    void reload();
  }, []);

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    setMessage(null);
    const errs: Partial<Record<OF, string>> = {};
    if (isoDate(v.from)) errs.from = isoDate(v.from);
    if (isoDate(v.to)) errs.to = isoDate(v.to);
    if (!errs.from && !errs.to && v.to < v.from) errs.to = t('overrides.toAfterFrom');
    if (!v.closed) {
      const c = numberBetween(t('overrides.capacity'), 0, 1000, { integer: true })(v.capacity);
      if (c) errs.capacity = c;
    }
    setErrors(errs);
    if (Object.keys(errs).length) {
      focusFirstInvalid(form.current);
      return;
    }
    setBusy(true);
    try {
      await adminApi.addOverride({
        from: v.from,
        to: v.to,
        ...(v.capacityClass ? { capacity_class: v.capacityClass as 'standard' | 'special' } : {}),
        ...(v.closed ? { closed: true } : { capacity: Number(v.capacity) }),
      });
      setMessage({ tone: 'success', text: t('overrides.saved') });
      void reload();
    } catch (err) {
      const r = serverErrors(err, ['from', 'to', 'capacity'] as const);
      setErrors(r.fields);
      setMessage({ tone: 'error', text: r.message });
    } finally {
      setBusy(false);
    }
  };

  const remove = async (o: SlotOverride) => {
    if (!o.id) return;
    try {
      await adminApi.deleteOverride(o.id);
      setMessage({ tone: 'success', text: t('overrides.deleted') });
      void reload();
    } catch (err) {
      setMessage({ tone: 'error', text: errorMessage(err) });
    }
  };

  return (
    <Card title={t('overrides.title')}>
      <p className="mb-3 text-sm text-gray-800">{t('overrides.intro')}</p>
      <div aria-live="polite">
        {message && (
          <Alert tone={message.tone} className="mb-3">
            {message.text}
          </Alert>
        )}
      </div>
      <h3 className="text-sm font-semibold text-gray-900">{t('overrides.current')}</h3>
      {listError && <Alert tone="error">{listError}</Alert>}
      {list === null && !listError ? (
        <Loading />
      ) : list && list.length === 0 ? (
        <p className="mb-3 text-sm text-gray-800">{t('overrides.none')}</p>
      ) : (
        <ul className="mb-4 mt-2 space-y-2">
          {(list ?? []).map((o, i) => (
            <li
              key={o.id ?? i}
              className="flex flex-wrap items-center justify-between gap-2 rounded-lg bg-gray-50 px-3 py-2 text-sm text-gray-900 ring-1 ring-gray-200"
            >
              <span>{describeOverride(o)}</span>
              {o.id && (
                <Button
                  variant="ghost"
                  className="!min-h-[36px]"
                  onClick={() => remove(o)}
                  aria-label={t('overrides.delete', { what: describeOverride(o) })}
                >
                  {t('common.remove')}
                </Button>
              )}
            </li>
          ))}
        </ul>
      )}
      <form ref={form} noValidate onSubmit={onSubmit} className="space-y-4 border-t border-gray-200 pt-4">
        <h3 className="text-sm font-semibold text-gray-900">{t('overrides.add')}</h3>
        <div className="grid gap-3 sm:grid-cols-2">
          <TextField
            label={t('overrides.fromDate')}
            type="date"
            value={v.from}
            onChange={(e) => setV({ ...v, from: e.target.value })}
            error={errors.from}
          />
          <TextField
            label={t('overrides.toDate')}
            type="date"
            value={v.to}
            onChange={(e) => setV({ ...v, to: e.target.value })}
            error={errors.to}
            hint={t('overrides.inclusive')}
          />
        </div>
        <SelectField label={t('overrides.class')} value={v.capacityClass} onChange={(e) => setV({ ...v, capacityClass: e.target.value })}>
          <option value="">{t('overrides.allClasses')}</option>
          <option value="standard">{t('capacityClass.standard')}</option>
          <option value="special">{t('capacityClass.special')}</option>
        </SelectField>
        <Checkbox
          label={t('overrides.closed')}
          hint={t('overrides.closedHint')}
          checked={v.closed}
          onChange={(e) => setV({ ...v, closed: e.target.checked })}
        />
        {!v.closed && (
          <TextField
            label={t('overrides.capacity')}
            type="number"
            min={0}
            max={1000}
            value={v.capacity}
            onChange={(e) => setV({ ...v, capacity: e.target.value })}
            error={errors.capacity}
          />
        )}
        <Button type="submit" loading={busy} loadingText={t('common.saving')}>
          {t('overrides.submit')}
        </Button>
      </form>
    </Card>
  );
}
