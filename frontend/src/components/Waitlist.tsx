import { useState } from 'react';
import { requestsApi } from '../api/endpoints';
import { ApiError, errorMessage } from '../api/client';
import type { PickupRequest } from '../api/types';
import { formatWeekdayTime } from '../lib/deadline';
import { formatSlot, relativeTime } from '../lib/time';
import { t } from '../i18n';
import { Alert, Button, Card } from './ui';

/**
 * A waitlist offer: the seat held for this request, until when, and Accept / Decline. The
 * expiry counts down with `now`; once it has passed the buttons go (the job hands the seat on).
 */
export function OfferCard({
  req,
  now,
  onAnswered,
  onStale,
}: {
  req: PickupRequest;
  now: number;
  onAnswered: (r: PickupRequest, msg: string) => void;
  /** The offer was gone when answered (expired or answered elsewhere): reload. */
  onStale: () => void;
}) {
  const [busy, setBusy] = useState<'accept' | 'decline' | null>(null);
  const [error, setError] = useState<string | null>(null);
  const offer = req.waitlist?.offer;
  if (!offer) return null;
  const slot = { start: offer.slot_start, end: offer.slot_end };
  const expired = new Date(offer.expires_at).getTime() <= now;

  const answer = async (kind: 'accept' | 'decline') => {
    setBusy(kind);
    setError(null);
    try {
      const r = kind === 'accept' ? await requestsApi.acceptOffer(req.id) : await requestsApi.declineOffer(req.id);
      onAnswered(r, kind === 'accept' ? t('offer.accepted', { slot: formatSlot(r.assigned_slot ?? slot) }) : t('offer.declined'));
    } catch (err) {
      setError(errorMessage(err));
      if (err instanceof ApiError && err.status === 409) onStale();
    } finally {
      setBusy(null);
    }
  };

  return (
    <Card title={t('offer.title')}>
      <div data-testid="waitlist-offer">
        <p className="text-sm text-gray-900">
          {t('offer.body', { slot: formatSlot(slot), when: formatWeekdayTime(offer.expires_at), rel: relativeTime(offer.expires_at, now) })}
        </p>
        {req.assigned_slot && (
          <p className="mt-1 text-sm text-gray-800">{t('offer.rescheduleNote', { slot: formatSlot(req.assigned_slot) })}</p>
        )}
        {error && (
          <Alert tone="error" className="mt-3">
            {error}
          </Alert>
        )}
        {expired ? (
          <p className="mt-2 text-sm font-medium text-amber-900">{t('offer.expired')}</p>
        ) : (
          <div className="mt-3 flex flex-wrap gap-2">
            <Button onClick={() => answer('accept')} loading={busy === 'accept'} loadingText={t('common.saving')} disabled={busy !== null}>
              {t('offer.accept')}
            </Button>
            <Button variant="secondary" onClick={() => answer('decline')} loading={busy === 'decline'} disabled={busy !== null}>
              {t('offer.decline')}
            </Button>
          </div>
        )}
      </div>
    </Card>
  );
}

/** The slots the request waits on, with its place in each line and a way out. */
export function WaitlistCard({ req, onLeft }: { req: PickupRequest; onLeft: (r: PickupRequest, msg: string) => void }) {
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const waiting = (req.waitlist?.entries ?? []).filter((e) => e.status === 'waiting');
  if (waiting.length === 0) return null;

  const leave = async (start: string, end: string) => {
    setBusy(start);
    setError(null);
    try {
      const r = await requestsApi.leaveWaitlist(req.id, start, end);
      onLeft(r, t('waitlist.left', { slot: formatSlot({ start, end }) }));
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(null);
    }
  };

  return (
    <Card title={t('waitlist.title')}>
      <p className="text-sm text-gray-800">{t('waitlist.intro')}</p>
      {error && (
        <Alert tone="error" className="mt-3">
          {error}
        </Alert>
      )}
      <ul className="mt-3 space-y-2" data-testid="waitlist-entries">
        {waiting.map((e) => (
          <li key={e.id} className="flex flex-wrap items-center justify-between gap-2 rounded-lg bg-gray-50 p-2 ring-1 ring-gray-200">
            <span>
              <span className="block font-medium text-gray-900">{formatSlot({ start: e.slot_start, end: e.slot_end })}</span>
              {e.position && <span className="block text-sm text-gray-800">{t('waitlist.position', { position: e.position })}</span>}
            </span>
            <Button
              variant="secondary"
              onClick={() => leave(e.slot_start, e.slot_end)}
              loading={busy === e.slot_start}
              disabled={busy !== null}
            >
              {t('waitlist.leave')}
            </Button>
          </li>
        ))}
      </ul>
    </Card>
  );
}
