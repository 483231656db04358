import { useCallback, useEffect, useState } from 'react';
import { authApi } from '../api/endpoints';
import { errorMessage } from '../api/client';
import type { AnswerOf } from '../api/types';
import { logoutEverywhere } from '../stores/auth';
import { formatDateTime } from '../lib/time';
import { Alert, Button, Card } from './ui';
import { t } from '../i18n';

type Session = AnswerOf<'authSessionsList'>['items'][number];

/** The account's signed-in devices, each with "Sign out", and "Sign out everywhere". */
export function SessionsCard() {
  const [sessions, setSessions] = useState<Session[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      setSessions((await authApi.sessions()).items);
      setError(null);
    } catch (err) {
      setError(errorMessage(err));
    }
  }, []);
  useEffect(() => void load(), [load]);

  const signOut = async (id: string) => {
    setBusy(id);
    try {
      await authApi.endSession(id);
      await load();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(null);
    }
  };

  const everywhere = async () => {
    setBusy('all');
    try {
      await logoutEverywhere();
    } catch (err) {
      setError(errorMessage(err));
      setBusy(null);
    }
  };

  return (
    <Card title={t('sessions.title')}>
      <p className="mb-3 text-sm text-gray-700">{t('sessions.hint')}</p>
      {error && <Alert tone="error">{error}</Alert>}
      <ul className="divide-y divide-gray-200" aria-label={t('sessions.title')}>
        {(sessions ?? []).map((s) => (
          <li key={s.id} className="flex items-center justify-between gap-3 py-3" data-testid="session">
            <div>
              <p className="font-semibold text-gray-900">
                {s.device}
                {s.current && <span className="ml-2 rounded bg-brand-50 px-2 py-0.5 text-xs text-brand-800">{t('sessions.current')}</span>}
              </p>
              <p className="text-sm text-gray-700">
                {t('sessions.lastSeen', { when: formatDateTime(s.last_seen_at) })} ·{' '}
                {t('sessions.since', { when: formatDateTime(s.created_at) })}
              </p>
            </div>
            {!s.current && (
              <Button variant="secondary" loading={busy === s.id} onClick={() => void signOut(s.id)}>
                {t('sessions.signOut')}
              </Button>
            )}
          </li>
        ))}
      </ul>
      <Button variant="danger" className="mt-4" loading={busy === 'all'} onClick={() => void everywhere()}>
        {t('sessions.everywhere')}
      </Button>
    </Card>
  );
}
