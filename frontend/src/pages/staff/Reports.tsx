import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { ArcElement, BarElement, CategoryScale, Chart as ChartJS, Legend, LinearScale, Tooltip } from 'chart.js';
import { Bar, Doughnut } from 'react-chartjs-2';
import { staffApi } from '../../api/endpoints';
import { errorMessage } from '../../api/client';
import type { ReportSummary } from '../../api/types';
import { Alert, Button, Card, Loading, PageHeader } from '../../components/ui';
import { TextField } from '../../components/Field';
import { statusLabel } from '../../components/StatusBadge';
import { categoryLabel } from '../../components/RequestCard';
import { addDays, todayInTz } from '../../lib/time';
import { t } from '../../i18n';

// tree-shaken Chart.js: only what these charts draw
ChartJS.register(ArcElement, BarElement, CategoryScale, LinearScale, Tooltip, Legend);

// Chart.js follows its container with a ResizeObserver; where there is none (jsdom in the
// unit tests) a chart keeps its first size instead of failing.
const RESPONSIVE = typeof ResizeObserver !== 'undefined';
const BRAND = '#15803d';
const PALETTE = [
  '#15803d',
  '#0369a1',
  '#b45309',
  '#7c3aed',
  '#be123c',
  '#0f766e',
  '#4d7c0f',
  '#a16207',
  '#1d4ed8',
  '#9d174d',
  '#334155',
  '#c2410c',
];

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
const hours = (x: number | null) => (x === null ? '—' : t('reports.hours', { count: x }));
const kg = (x: number) => `${Math.round(x * 100) / 100} kg`;

/** The numbers of a summary as [label, value] rows, for the table under the charts. */
export function summaryRows(r: ReportSummary): [string, string][] {
  return [
    [t('reports.total'), String(r.total)],
    [t('reports.completionRate'), pct(r.completion_rate)],
    [t('reports.failureRate'), pct(r.failure_rate)],
    [t('reports.medianScheduled'), hours(r.median_hours.submitted_to_scheduled)],
    [t('reports.medianCompleted'), hours(r.median_hours.scheduled_to_completed)],
    [t('reports.kgTotal'), kg(r.kg_total)],
  ];
}

function Table({ caption, head, rows }: { caption: string; head: string[]; rows: (string | number)[][] }) {
  return (
    <table className="w-full text-left text-sm">
      <caption className="mb-2 text-left font-semibold text-gray-900">{caption}</caption>
      <thead>
        <tr>
          {head.map((h) => (
            <th key={h} scope="col" className="border-b border-gray-200 py-1 pr-3 font-medium text-gray-800">
              {h}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={String(row[0])}>
            {row.map((cell, i) =>
              i === 0 ? (
                <th key={i} scope="row" className="py-1 pr-3 font-normal text-gray-900">
                  {cell}
                </th>
              ) : (
                <td key={i} className="py-1 pr-3 tabular-nums text-gray-900">
                  {cell}
                </td>
              ),
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Charts({ r }: { r: ReportSummary }) {
  const statuses = Object.keys(r.by_status).filter((s) => r.by_status[s] > 0);
  const categories = Object.keys(r.by_category);
  return (
    <div className="grid gap-4 lg:grid-cols-2">
      <Card className="lg:col-span-2">
        <Bar
          aria-label={t('reports.byDay')}
          role="img"
          data={{
            labels: r.by_day.map((d) => d.date),
            datasets: [{ label: t('reports.requests'), data: r.by_day.map((d) => d.count), backgroundColor: BRAND }],
          }}
          options={{
            responsive: RESPONSIVE,
            plugins: { legend: { display: false } },
            scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
          }}
        />
      </Card>
      <Card>
        <Doughnut
          aria-label={t('reports.byStatus')}
          role="img"
          data={{
            labels: statuses.map((s) => statusLabel(s)),
            datasets: [{ data: statuses.map((s) => r.by_status[s]), backgroundColor: PALETTE }],
          }}
          options={{ responsive: RESPONSIVE }}
        />
      </Card>
      <Card>
        <Bar
          aria-label={t('reports.byCategory')}
          role="img"
          data={{
            labels: categories.map((c) => categoryLabel(c)),
            datasets: [
              { label: t('reports.requests'), data: categories.map((c) => r.by_category[c]), backgroundColor: BRAND },
              { label: t('reports.kg'), data: categories.map((c) => r.kg_by_category[c] ?? 0), backgroundColor: '#0369a1' },
            ],
          }}
          options={{ responsive: RESPONSIVE, scales: { y: { beginAtZero: true } } }}
        />
      </Card>
    </div>
  );
}

export default function Reports() {
  const today = todayInTz();
  const [from, setFrom] = useState(addDays(today, -29));
  const [to, setTo] = useState(today);
  const [range, setRange] = useState({ from: addDays(today, -29), to: today });
  const [report, setReport] = useState<ReportSummary | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);

  const load = useCallback(async (q: { from: string; to: string }, signal?: AbortSignal) => {
    setLoading(true);
    try {
      setReport(await staffApi.report(q, signal));
      setError(null);
    } catch (err) {
      if ((err as Error)?.name !== 'AbortError') setError(errorMessage(err));
    } finally {
      if (!signal?.aborted) setLoading(false);
    }
  }, []);

  useEffect(() => {
    const ctrl = new AbortController();
    void load(range, ctrl.signal);
    return () => ctrl.abort();
  }, [load, range]);

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    setRange({ from, to });
  };

  return (
    <div>
      <PageHeader title={t('reports.title')} subtitle={t('reports.subtitle')} />
      <form onSubmit={onSubmit} className="mb-4 flex flex-wrap items-end gap-3" aria-label={t('reports.range')}>
        <TextField label={t('reports.from')} type="date" value={from} onChange={(e) => setFrom(e.target.value)} />
        <TextField label={t('reports.to')} type="date" value={to} onChange={(e) => setTo(e.target.value)} />
        <Button type="submit" loading={loading && !!report}>
          {t('reports.show')}
        </Button>
      </form>
      {error && (
        <Alert tone="error" className="mb-4">
          {error}
        </Alert>
      )}
      {!report && loading ? (
        <Loading />
      ) : (
        report && (
          <div className="space-y-4">
            <Charts r={report} />
            <div className="grid gap-4 md:grid-cols-2">
              <Card>
                <Table
                  caption={t('reports.overview', { from: report.from, to: report.to })}
                  head={[t('reports.measure'), t('reports.value')]}
                  rows={summaryRows(report)}
                />
              </Card>
              <Card>
                <Table
                  caption={t('reports.byStatus')}
                  head={[t('reports.status'), t('reports.requests')]}
                  rows={Object.entries(report.by_status).map(([s, n]) => [statusLabel(s), n])}
                />
              </Card>
              <Card>
                <Table
                  caption={t('reports.byCategory')}
                  head={[t('reports.category'), t('reports.requests'), t('reports.kg')]}
                  rows={Object.entries(report.by_category).map(([c, n]) => [categoryLabel(c), n, kg(report.kg_by_category[c] ?? 0)])}
                />
              </Card>
              <Card>
                <Table
                  caption={t('reports.failureReasons')}
                  head={[t('reports.reason'), t('reports.requests')]}
                  rows={report.failure_reasons.map((f) => [f.reason, f.count])}
                />
              </Card>
              <Card className="md:col-span-2">
                <Table
                  caption={t('reports.byDay')}
                  head={[t('reports.date'), t('reports.requests')]}
                  rows={report.by_day.map((d) => [d.date, d.count])}
                />
              </Card>
            </div>
          </div>
        )
      )}
    </div>
  );
}
