// The route sheet (issue 17): a day's pickups by crew and slot, made to be printed (print CSS
// hides the app's chrome and the controls, keeps a crew's slot together on a page) or
// downloaded as CSV for a spreadsheet.
import { useEffect, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { crewsApi } from '../../api/endpoints';
import { apiBlob, errorMessage } from '../../api/client';
import type { Crew, RouteSheet as Sheet, RouteSheetGroup } from '../../api/types';
import { Alert, Button, Loading, PageHeader } from '../../components/ui';
import { SelectField, TextField } from '../../components/Field';
import { statusLabel } from '../../components/StatusBadge';
import { categoryLabel } from '../../components/RequestCard';
import { formatSlot, todayInTz, tzLabel } from '../../lib/time';
import { t } from '../../i18n';

/** Fetches the CSV with the session's token and hands it to the browser as a download. */
async function downloadCsv(date: string, crew: string): Promise<void> {
  const { blob } = await apiBlob('/staff/route-sheet', { date, crew, format: 'csv' });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = `route-sheet-${date}.csv`;
  document.body.appendChild(a);
  a.click();
  a.remove();
  URL.revokeObjectURL(url);
}

export default function RouteSheet() {
  const [params, setParams] = useSearchParams();
  const date = params.get('date') || todayInTz();
  const crew = params.get('crew') || '';
  const [crews, setCrews] = useState<Crew[]>([]);
  const [sheet, setSheet] = useState<Sheet | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    crewsApi.list().then(
      (r) => setCrews(r.items),
      () => setCrews([]),
    );
  }, []);

  useEffect(() => {
    const ctl = new AbortController();
    setSheet(null);
    crewsApi.routeSheet(date, crew || undefined, ctl.signal).then(
      (r) => {
        setSheet(r);
        setError(null);
      },
      (err) => {
        if ((err as Error)?.name !== 'AbortError') setError(errorMessage(err));
      },
    );
    return () => ctl.abort();
  }, [date, crew]);

  const set = (k: string, v: string) => {
    const next = new URLSearchParams(params);
    if (v) next.set(k, v);
    else next.delete(k);
    setParams(next, { replace: true });
  };

  return (
    <div className="route-sheet">
      <PageHeader
        title={t('sheet.title')}
        subtitle={t('sheet.subtitle')}
        actions={
          <div className="flex gap-2 print:hidden">
            <Button onClick={() => window.print()}>{t('sheet.print')}</Button>
            <Button variant="secondary" onClick={() => downloadCsv(date, crew).catch((e) => setError(errorMessage(e)))}>
              {t('sheet.csv')}
            </Button>
          </div>
        }
      />
      <div className="mb-4 grid gap-3 sm:grid-cols-2 print:hidden">
        <TextField label={t('route.date')} type="date" value={date} onChange={(e) => e.target.value && set('date', e.target.value)} />
        <SelectField label={t('sheet.crew')} value={crew} onChange={(e) => set('crew', e.target.value)}>
          <option value="">{t('sheet.allCrews')}</option>
          {crews.map((c) => (
            <option key={c.id} value={c.id}>
              {c.name}
            </option>
          ))}
        </SelectField>
      </div>
      <p className="mb-3 text-sm text-gray-800" data-testid="sheet-summary">
        {date} · {tzLabel()}
        {sheet && ` · ${t('sheet.total', { count: sheet.total })}`}
      </p>
      {error && <Alert tone="error">{error}</Alert>}
      {!sheet && !error && <Loading />}
      {sheet && sheet.groups.length === 0 && <p className="text-gray-800">{t('sheet.empty')}</p>}
      {sheet?.groups.map((g) => (
        <CrewSection key={g.crew?.id ?? 'none'} group={g} />
      ))}
    </div>
  );
}

function CrewSection({ group }: { group: RouteSheetGroup }) {
  // stops are numbered through the crew's day, across its slots
  const offsets = group.slots.map((_, i) => group.slots.slice(0, i).reduce((sum, s) => sum + s.stops.length, 0));
  return (
    <section className="mb-6 break-inside-avoid-page print:mb-4" data-testid="sheet-crew">
      <h2 className="mb-2 text-xl font-bold text-gray-900">{group.crew?.name ?? t('sheet.unassigned')}</h2>
      {group.slots.map((slot, si) => (
        <div key={slot.start} className="mb-4 break-inside-avoid">
          <h3 className="mb-1 text-base font-semibold text-gray-900">{t('sheet.slot', { slot: formatSlot(slot) })}</h3>
          <table className="w-full border-collapse text-left text-sm">
            <thead>
              <tr className="border-b border-gray-400">
                <th scope="col" className="w-8 py-1 pr-2">
                  {t('sheet.col.n')}
                </th>
                <th scope="col" className="py-1 pr-2">
                  {t('sheet.col.address')}
                </th>
                <th scope="col" className="py-1 pr-2">
                  {t('sheet.col.resident')}
                </th>
                <th scope="col" className="py-1 pr-2">
                  {t('sheet.col.what')}
                </th>
                <th scope="col" className="py-1 pr-2">
                  {t('sheet.col.status')}
                </th>
                <th scope="col" className="hidden w-16 py-1 print:table-cell">
                  {t('sheet.col.done')}
                </th>
              </tr>
            </thead>
            <tbody>
              {slot.stops.map((s, i) => {
                const n = offsets[si] + i + 1;
                return (
                  <tr key={s.id} className="border-b border-gray-200 align-top" data-testid="sheet-stop">
                    <td className="py-1 pr-2">{n}</td>
                    <td className="py-1 pr-2">
                      {[s.address.line1, s.address.line2, s.address.city, s.address.pincode].filter(Boolean).join(', ')}
                    </td>
                    <td className="py-1 pr-2">
                      {s.resident_name ?? ''}
                      {s.phone && <div className="whitespace-nowrap">{s.phone}</div>}
                    </td>
                    <td className="py-1 pr-2">
                      {categoryLabel(s.category)} × {s.quantity}
                      <div className="text-gray-700">{s.description}</div>
                      {s.notes.map((note, i) => (
                        <div key={i} className="italic text-gray-700">
                          {note}
                        </div>
                      ))}
                    </td>
                    <td className="py-1 pr-2">{statusLabel(s.status)}</td>
                    <td className="hidden py-1 print:table-cell">☐</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ))}
    </section>
  );
}
