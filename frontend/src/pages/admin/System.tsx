import { useCallback, useEffect, useState } from 'react';
import { adminApi } from '../../api/endpoints';
import { errorMessage } from '../../api/client';
import type { JobHealth, QueueDepth, SystemStatus } from '../../api/types';
import { Alert, Button, EmptyState, Loading, PageHeader } from '../../components/ui';
import { formatDateTime, relativeTime } from '../../lib/time';
import { formatNumber, t, tDyn } from '../../i18n';

const th = 'px-3 py-2 font-semibold text-gray-900';
const td = 'px-3 py-2 text-gray-900';

function when(iso: string | null | undefined) {
  if (!iso) return <span className="text-gray-700">{t('system.never')}</span>;
  return <time dateTime={iso}>{formatDateTime(iso)}</time>;
}

function JobRow({ job }: { job: JobHealth }) {
  return (
    <tr data-testid={`job-${job.name}`}>
      <th scope="row" className="px-3 py-2 text-left font-medium text-gray-900">
        {job.name}
      </th>
      <td className={td}>{when(job.last_start_at)}</td>
      <td className={td}>{tDyn(`system.result.${job.last_result}`)}</td>
      <td className={td}>
        {job.last_duration_seconds == null
          ? t('system.empty')
          : t('system.seconds', { value: formatNumber(job.last_duration_seconds, { minimumFractionDigits: 3, maximumFractionDigits: 3 }) })}
      </td>
      <td className={td}>{job.last_items ?? t('system.empty')}</td>
      <td className={td}>{job.last_failures ?? t('system.empty')}</td>
      <td className={td}>{when(job.last_success_at)}</td>
      <td className={td}>{job.next_expected_at ? when(job.next_expected_at) : t('system.empty')}</td>
      <td className="px-3 py-2">
        {job.overdue ? (
          <span className="rounded-full bg-red-100 px-2 py-0.5 text-xs font-semibold text-red-900">{t('system.overdue')}</span>
        ) : (
          <span className="rounded-full bg-green-100 px-2 py-0.5 text-xs font-semibold text-green-900">{t('system.ok')}</span>
        )}
      </td>
    </tr>
  );
}

function QueueRow({ name, depth }: { name: string; depth: QueueDepth }) {
  const age = depth.oldest_age_seconds;
  return (
    <tr data-testid={`queue-${name}`}>
      <th scope="row" className="px-3 py-2 text-left font-medium text-gray-900">
        {tDyn(`system.queue.${name}`)}
      </th>
      <td className={td}>{depth.count}</td>
      <td className={td}>{age == null ? t('system.empty') : relativeTime(new Date(Date.now() - age * 1000).toISOString())}</td>
    </tr>
  );
}

export default function System() {
  const [status, setStatus] = useState<SystemStatus | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback((signal?: AbortSignal) => {
    setLoading(true);
    adminApi
      .system(signal)
      .then((s) => {
        setStatus(s);
        setError(null);
      })
      .catch((err) => {
        if ((err as Error)?.name !== 'AbortError') setError(errorMessage(err));
      })
      .finally(() => {
        if (!signal?.aborted) setLoading(false);
      });
  }, []);

  useEffect(() => {
    const ctrl = new AbortController();
    load(ctrl.signal);
    return () => ctrl.abort();
  }, [load]);

  const queues: [string, QueueDepth][] = status
    ? [
        ['email', status.notifications_queued.email],
        ['sms', status.notifications_queued.sms],
        ['push', status.notifications_queued.push],
        ['effects', status.effects_pending],
      ]
    : [];

  return (
    <div>
      <PageHeader
        title={t('system.title')}
        subtitle={t('system.subtitle')}
        actions={
          <Button variant="secondary" onClick={() => load()} disabled={loading}>
            {t('system.refresh')}
          </Button>
        }
      />
      {error && (
        <Alert tone="error" className="mb-3">
          {error}
        </Alert>
      )}
      {!status && loading ? (
        <Loading />
      ) : (
        status && (
          <div className="space-y-6">
            <section aria-labelledby="system-jobs">
              <h2 id="system-jobs" className="mb-2 text-lg font-semibold text-gray-900">
                {t('system.jobs')}
              </h2>
              {status.jobs.length === 0 ? (
                <EmptyState title={t('system.noJobs')} />
              ) : (
                <div
                  className="relative overflow-x-auto rounded-xl bg-white shadow-sm ring-1 ring-gray-200"
                  role="region"
                  aria-labelledby="system-jobs"
                  tabIndex={0}
                >
                  <table className="min-w-full divide-y divide-gray-200 text-sm">
                    <caption className="sr-only">{t('system.jobsCaption', { count: status.jobs.length })}</caption>
                    <thead className="bg-gray-50 text-left">
                      <tr>
                        <th scope="col" className={th}>
                          {t('system.job')}
                        </th>
                        <th scope="col" className={th}>
                          {t('system.lastRun')}
                        </th>
                        <th scope="col" className={th}>
                          {t('system.outcome')}
                        </th>
                        <th scope="col" className={th}>
                          {t('system.duration')}
                        </th>
                        <th scope="col" className={th}>
                          {t('system.items')}
                        </th>
                        <th scope="col" className={th}>
                          {t('system.failed')}
                        </th>
                        <th scope="col" className={th}>
                          {t('system.lastSuccess')}
                        </th>
                        <th scope="col" className={th}>
                          {t('system.next')}
                        </th>
                        <th scope="col" className={th}>
                          {t('system.health')}
                        </th>
                      </tr>
                    </thead>
                    <tbody className="divide-y divide-gray-200">
                      {status.jobs.map((j) => (
                        <JobRow key={j.name} job={j} />
                      ))}
                    </tbody>
                  </table>
                </div>
              )}
            </section>
            <section aria-labelledby="system-queues">
              <h2 id="system-queues" className="mb-2 text-lg font-semibold text-gray-900">
                {t('system.queues')}
              </h2>
              <div className="relative overflow-x-auto rounded-xl bg-white shadow-sm ring-1 ring-gray-200">
                <table className="min-w-full divide-y divide-gray-200 text-sm">
                  <caption className="sr-only">{t('system.queues')}</caption>
                  <thead className="bg-gray-50 text-left">
                    <tr>
                      <th scope="col" className={th}>
                        {t('system.queue')}
                      </th>
                      <th scope="col" className={th}>
                        {t('system.count')}
                      </th>
                      <th scope="col" className={th}>
                        {t('system.oldest')}
                      </th>
                    </tr>
                  </thead>
                  <tbody className="divide-y divide-gray-200">
                    {queues.map(([name, depth]) => (
                      <QueueRow key={name} name={name} depth={depth} />
                    ))}
                  </tbody>
                </table>
              </div>
            </section>
          </div>
        )
      )}
    </div>
  );
}
