import { useEffect, useState } from 'react';
import { Alert, Card } from './ui';
import { Checkbox } from './Field';
import { errorMessage } from '../api/client';
import { disablePush, enablePush, pushState, type PushState } from '../lib/push';
import { t } from '../i18n';

/**
 * "Push notifications on this device": hidden when the browser cannot do web push (or no
 * service worker is registered) and when the server has push disabled.
 */
export function PushToggle() {
  const [state, setState] = useState<PushState | null>(null);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ tone: 'error' | 'success'; text: string } | null>(null);

  useEffect(() => {
    let live = true;
    pushState()
      .then((s) => live && setState(s))
      .catch(() => live && setState({ kind: 'unsupported' }));
    return () => {
      live = false;
    };
  }, []);

  if (!state || state.kind === 'unsupported' || state.kind === 'disabled') return null;

  const onChange = async (on: boolean) => {
    setBusy(true);
    setMessage(null);
    try {
      const next = on ? await enablePush(state.key) : await disablePush(state.key);
      setState(next);
      setMessage({ tone: 'success', text: t(next.kind === 'on' ? 'push.enabled' : 'push.disabled') });
    } catch (err) {
      if (typeof Notification !== 'undefined' && Notification.permission === 'denied') setState({ kind: 'denied', key: state.key });
      setMessage({ tone: 'error', text: t('push.failed', { reason: errorMessage(err) }) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card title={t('push.title')}>
      <div className="space-y-3">
        <div aria-live="polite">{message && <Alert tone={message.tone}>{message.text}</Alert>}</div>
        <Checkbox
          label={t('push.toggle')}
          hint={state.kind === 'denied' ? t('push.denied') : t('push.hint')}
          checked={state.kind === 'on'}
          disabled={busy || state.kind === 'denied'}
          onChange={(e) => onChange(e.target.checked)}
        />
      </div>
    </Card>
  );
}
