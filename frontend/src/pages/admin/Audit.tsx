import { useEffect, useState, type FormEvent } from 'react';
import { useSearchParams } from 'react-router-dom';
import { adminApi } from '../../api/endpoints';
import { errorMessage } from '../../api/client';
import type { AuditPage } from '../../api/types';
import { Alert, Button, EmptyState, Loading, PageHeader } from '../../components/ui';
import { TextField } from '../../components/Field';
import { Pagination } from '../../components/Pagination';
import { t } from '../../i18n';
import { formatDateTime } from '../../lib/time';

const LIMIT = 50;

/** "a → b" of the fields an entry changed (before/after are small state objects). */
function change(before: Record<string, unknown> | null, after: Record<string, unknown> | null): string {
  const keys = [...new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})])];
  const show = (v: unknown) => (v === undefined ? '–' : typeof v === 'object' ? JSON.stringify(v) : String(v));
  return keys
    .filter((k) => JSON.stringify(before?.[k]) !== JSON.stringify(after?.[k]))
    .map((k) => `${k}: ${show(before?.[k])} → ${show(after?.[k])}`)
    .join('; ');
}

/** A datetime-local value as RFC 3339 (the browser's zone), or undefined. */
const toInstant = (v: string) => (v ? new Date(v).toISOString() : undefined);

export default function Audit() {
  const [params, setParams] = useSearchParams();
  const actor = params.get('actor') ?? '';
  const target = params.get('target') ?? '';
  const from = params.get('from') ?? '';
  const to = params.get('to') ?? '';
  const skip = Math.max(0, Number(params.get('skip')) || 0);
  const [form, setForm] = useState({ actor, target, from, to });
  const [page, setPage] = useState<AuditPage | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const ctrl = new AbortController();
    setLoading(true);
    adminApi
      .audit(
        { actor: actor || undefined, target: target || undefined, from: toInstant(from), to: toInstant(to), skip, limit: LIMIT },
        ctrl.signal,
      )
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
  }, [actor, target, from, to, skip]);

  const filters = (extra: Record<string, string> = {}) => {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries({ actor, target, from, to, ...extra })) if (v) out[k] = v;
    return out;
  };
  const onFilter = (e: FormEvent) => {
    e.preventDefault();
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(form)) if (v.trim()) out[k] = v.trim();
    setParams(out);
  };
  const set = (k: keyof typeof form) => (e: React.ChangeEvent<HTMLInputElement>) => setForm((f) => ({ ...f, [k]: e.target.value }));

  return (
    <div>
      <PageHeader title={t('audit.title')} subtitle={t('audit.subtitle')} />
      <form onSubmit={onFilter} role="search" className="mb-4 flex flex-wrap items-end gap-2">
        <TextField label={t('audit.actor')} value={form.actor} onChange={set('actor')} />
        <TextField label={t('audit.target')} value={form.target} onChange={set('target')} />
        <TextField label={t('audit.from')} type="datetime-local" value={form.from} onChange={set('from')} />
        <TextField label={t('audit.to')} type="datetime-local" value={form.to} onChange={set('to')} />
        <Button type="submit">{t('audit.filter')}</Button>
      </form>
      {error && (
        <Alert tone="error" className="mb-3">
          {error}
        </Alert>
      )}
      {!page && loading ? (
        <Loading />
      ) : page && page.items.length === 0 ? (
        <EmptyState title={t('audit.empty')} />
      ) : (
        page && (
          <>
            <div
              className="relative overflow-x-auto rounded-xl bg-white shadow-sm ring-1 ring-gray-200"
              role="region"
              aria-label={t('audit.title')}
              tabIndex={0}
            >
              <table className="min-w-full divide-y divide-gray-200 text-sm">
                <caption className="sr-only">{t('audit.caption', { count: page.total })}</caption>
                <thead className="bg-gray-50 text-left">
                  <tr>
                    {[t('audit.when'), t('audit.who'), t('audit.action'), t('audit.targetCol'), t('audit.change')].map((h) => (
                      <th key={h} scope="col" className="px-3 py-2 font-semibold text-gray-900">
                        {h}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody className="divide-y divide-gray-200">
                  {page.items.map((e) => (
                    <tr key={e.id}>
                      <td className="whitespace-nowrap px-3 py-2 text-gray-900">
                        <time dateTime={e.at}>{formatDateTime(e.at)}</time>
                      </td>
                      <td className="px-3 py-2 text-gray-900">
                        <span className="font-mono text-xs">{e.actor_id}</span>
                        <span className="block text-xs text-gray-700">{e.actor_role}</span>
                      </td>
                      <td className="px-3 py-2 font-medium text-gray-900">{e.action}</td>
                      <td className="px-3 py-2 text-gray-900">
                        <span className="text-xs text-gray-700">{e.target_type}</span>
                        <span className="block font-mono text-xs">{e.target_id}</span>
                      </td>
                      <td className="px-3 py-2 text-gray-900">
                        {change(e.before as Record<string, unknown> | null, e.after as Record<string, unknown> | null)}
                        {e.reason && <span className="block text-xs text-gray-700">{t('audit.reason', { reason: e.reason })}</span>}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <Pagination skip={skip} limit={LIMIT} total={page.total} onChange={(s) => setParams(filters(s ? { skip: String(s) } : {}))} />
          </>
        )
      )}
    </div>
  );
}
