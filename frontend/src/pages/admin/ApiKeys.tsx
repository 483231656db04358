import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { adminApi } from '../../api/endpoints';
import { errorMessage } from '../../api/client';
import type { ApiKey, IssuedApiKey } from '../../api/types';
import { Alert, Button, EmptyState, Loading, PageHeader } from '../../components/ui';
import { TextField } from '../../components/Field';
import { formatDateTime } from '../../lib/time';
import { t } from '../../i18n';

const th = 'px-3 py-2 font-semibold text-gray-900';
const td = 'px-3 py-2 text-gray-900';

function when(iso: string | null | undefined) {
  if (!iso) return <span className="text-gray-700">{t('apiKeys.never')}</span>;
  return <time dateTime={iso}>{formatDateTime(iso)}</time>;
}

/** The secret of a key just issued: shown once, until the admin dismisses it. */
function Secret({ issued, onDone }: { issued: IssuedApiKey; onDone: () => void }) {
  return (
    <Alert tone="success" className="mb-4">
      <p>{t('apiKeys.issued')}</p>
      <label className="mt-2 block text-sm font-medium text-gray-900" htmlFor="api-key-secret">
        {t('apiKeys.secret', { name: issued.name })}
      </label>
      <input
        id="api-key-secret"
        readOnly
        value={issued.key}
        onFocus={(e) => e.currentTarget.select()}
        className="mt-1 block w-full rounded-lg border bg-white px-3 py-2 font-mono text-sm text-gray-900"
      />
      <Button variant="secondary" className="mt-2" onClick={onDone}>
        {t('apiKeys.done')}
      </Button>
    </Alert>
  );
}

function KeyRow({ k, onRevoke }: { k: ApiKey; onRevoke: (k: ApiKey) => void }) {
  return (
    <tr data-testid={`api-key-${k.id}`}>
      <th scope="row" className="px-3 py-2 text-left font-medium text-gray-900">
        {k.name}
      </th>
      <td className={`${td} font-mono`}>{k.prefix}…</td>
      <td className={td}>{k.rate_per_minute}</td>
      <td className={td}>{when(k.created_at)}</td>
      <td className={td}>{when(k.last_used_at)}</td>
      <td className={td}>{k.revoked_at ? t('apiKeys.revoked') : t('apiKeys.active')}</td>
      <td className="px-3 py-2">
        {!k.revoked_at && (
          <Button variant="secondary" aria-label={t('apiKeys.revokeLabel', { name: k.name })} onClick={() => onRevoke(k)}>
            {t('apiKeys.revoke')}
          </Button>
        )}
      </td>
    </tr>
  );
}

function KeyTable({ keys, onRevoke }: { keys: ApiKey[]; onRevoke: (k: ApiKey) => void }) {
  if (keys.length === 0) return <EmptyState title={t('apiKeys.none')} />;
  return (
    <div
      className="relative overflow-x-auto rounded-xl bg-white shadow-sm ring-1 ring-gray-200"
      role="region"
      aria-label={t('apiKeys.title')}
      tabIndex={0}
    >
      <table className="min-w-full divide-y divide-gray-200 text-sm">
        <caption className="sr-only">{t('apiKeys.caption', { count: keys.length })}</caption>
        <thead className="bg-gray-50 text-left">
          <tr>
            <th scope="col" className={th}>
              {t('apiKeys.name')}
            </th>
            <th scope="col" className={th}>
              {t('apiKeys.prefix')}
            </th>
            <th scope="col" className={th}>
              {t('apiKeys.rate')}
            </th>
            <th scope="col" className={th}>
              {t('apiKeys.created')}
            </th>
            <th scope="col" className={th}>
              {t('apiKeys.lastUsed')}
            </th>
            <th scope="col" className={th}>
              {t('apiKeys.state')}
            </th>
            <th scope="col" className={th}>
              <span className="sr-only">{t('apiKeys.revoke')}</span>
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-gray-100">
          {keys.map((k) => (
            <KeyRow key={k.id} k={k} onRevoke={onRevoke} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Admin: issue (the secret is shown once), list and revoke the keys of Open311 clients. */
export default function ApiKeys() {
  const [keys, setKeys] = useState<ApiKey[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [issued, setIssued] = useState<IssuedApiKey | null>(null);
  const [name, setName] = useState('');
  const [rate, setRate] = useState('120');
  const [busy, setBusy] = useState(false);

  const load = useCallback((signal?: AbortSignal) => {
    adminApi
      .apiKeys(signal)
      .then((r) => {
        setKeys(r.items);
        setError(null);
      })
      .catch((err) => {
        if ((err as Error)?.name !== 'AbortError') setError(errorMessage(err));
      });
  }, []);

  useEffect(() => {
    const ctrl = new AbortController();
    load(ctrl.signal);
    return () => ctrl.abort();
  }, [load]);

  const issue = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setNotice(null);
    try {
      const made = await adminApi.issueApiKey({ name: name.trim(), rate_per_minute: Number(rate) });
      setIssued(made);
      setName('');
      setError(null);
      load();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  const revoke = async (k: ApiKey) => {
    if (!window.confirm(t('apiKeys.confirmRevoke', { name: k.name }))) return;
    try {
      await adminApi.revokeApiKey(k.id);
      setNotice(t('apiKeys.revokedDone'));
      load();
    } catch (err) {
      setError(errorMessage(err));
    }
  };

  return (
    <div>
      <PageHeader title={t('apiKeys.title')} subtitle={t('apiKeys.subtitle')} />
      <div aria-live="polite">
        {error && (
          <Alert tone="error" className="mb-3">
            {error}
          </Alert>
        )}
        {notice && (
          <Alert tone="success" className="mb-3">
            {notice}
          </Alert>
        )}
        {issued && <Secret issued={issued} onDone={() => setIssued(null)} />}
      </div>
      <form onSubmit={issue} className="mb-6 grid gap-3 rounded-xl bg-white p-4 shadow-sm ring-1 ring-gray-200 sm:grid-cols-3 sm:items-end">
        <TextField
          label={t('apiKeys.name')}
          hint={t('apiKeys.nameHint')}
          value={name}
          onChange={(e) => setName(e.target.value)}
          required
          maxLength={100}
        />
        <TextField
          label={t('apiKeys.rate')}
          type="number"
          min={1}
          max={100000}
          value={rate}
          onChange={(e) => setRate(e.target.value)}
          required
        />
        <Button type="submit" disabled={busy || !name.trim()}>
          {t('apiKeys.issue')}
        </Button>
      </form>
      {keys === null ? <Loading /> : <KeyTable keys={keys} onRevoke={revoke} />}
    </div>
  );
}
