import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { Link, useLocation, useNavigate, useParams } from 'react-router-dom';
import { requestsApi } from '../api/endpoints';
import { ApiError, errorMessage } from '../api/client';
import type { AvailableSlot, PickupRequest, SlotRange, Status } from '../api/types';
import { useStore } from '../lib/store';
import { authStore } from '../stores/auth';
import { Alert, Button, ButtonLink, Card, Loading, PageHeader } from '../components/ui';
import { TextArea } from '../components/Field';
import { StatusBadge } from '../components/StatusBadge';
import { Timeline } from '../components/Timeline';
import { SlotPicker } from '../components/SlotPicker';
import { categoryLabel } from '../components/RequestCard';
import { CANCEL_CUTOFF_HOURS, CITIZEN_CANCELLABLE, CITIZEN_SLOT_CHANGEABLE, draftSlot, noSlotText } from '../lib/status';
import { addDays, dateInTz, formatDateTime, formatSlot, hoursUntil, todayInTz, tzLabel } from '../lib/time';
import { useLiveNotifications } from '../lib/hooks';
import { changeDeadline, formatWeekdayTime, useNow } from '../lib/deadline';
import { ChangeDeadline } from '../components/ChangeDeadline';
import { OfferCard, WaitlistCard } from '../components/Waitlist';
import { t } from '../i18n';

/** Whether the change deadline (`change_deadline`, the 24 h rule) still allows cancelling / moving a request's slot. */
export function cancelWindow(req: Pick<PickupRequest, 'status' | 'assigned_slot'> & { change_deadline?: string | null }, now = Date.now()) {
  const statusOk = CITIZEN_CANCELLABLE.includes(req.status);
  const deadline = changeDeadline(req);
  if (!deadline) return { statusOk, timeOk: true, hoursLeft: null as number | null, deadline: null as string | null };
  const hoursLeft = req.assigned_slot ? hoursUntil(req.assigned_slot.start, now) : null;
  return { statusOk, timeOk: new Date(deadline).getTime() >= now, hoursLeft, deadline };
}

export default function RequestDetail() {
  const { id = '' } = useParams();
  const location = useLocation();
  const navState = (location.state as { created?: boolean; slotError?: string; draftSaved?: boolean } | null) ?? {};
  const user = useStore(authStore, (s) => s.user);
  const [req, setReq] = useState<PickupRequest | null>(null);
  const [error, setError] = useState<{ status: number; message: string } | null>(null);
  const [notice, setNotice] = useState<string | null>(
    navState.draftSaved ? t('draft.savedNotice') : navState.created ? (navState.slotError ? null : t('detail.createdNotice')) : null,
  );
  const [slotError] = useState(navState.slotError);
  /** After a draft is submitted here: the slot it preferred, offered in the slot card. */
  const [submitted, setSubmitted] = useState<{ suggest: SlotRange | null } | null>(null);
  const [staleError, setStaleError] = useState<string | null>(null);
  const root = useRef<HTMLDivElement>(null);
  const navigate = useNavigate();
  const hasNavState = location.state != null;
  const now = useNow();

  // The wizard's one-time messages live in the history entry, which survives a reload: take
  // them into component state and clear the entry, so a reload does not say "Thank you!" again.
  useEffect(() => {
    if (hasNavState) navigate({ pathname: location.pathname, search: location.search }, { replace: true, state: null });
  }, [hasNavState, navigate, location.pathname, location.search]);

  const load = useCallback(async () => {
    try {
      const r = await requestsApi.get(id);
      setReq(r);
      setError(null);
    } catch (err) {
      setError({ status: err instanceof ApiError ? err.status : 0, message: errorMessage(err) });
    }
  }, [id]);

  useEffect(() => {
    void load();
  }, [load]);
  useLiveNotifications(() => void load(), id);

  if (error && !req) {
    return (
      <div>
        <PageHeader title={error.status === 404 ? t('detail.notFound') : t('detail.title')} />
        <Alert tone="error">{error.status === 404 ? t('detail.notFoundBody') : error.message}</Alert>
        <Link to="/requests" className="mt-4 inline-block font-semibold text-brand-800 underline">
          {t('detail.back')}
        </Link>
      </div>
    );
  }
  if (!req) {
    return (
      <div>
        <PageHeader title={t('detail.title')} />
        <Loading />
      </div>
    );
  }

  const isDraft = req.status === 'draft';
  const preferred = isDraft ? draftSlot(req) : null;

  return (
    <div ref={root}>
      <PageHeader
        title={t('detail.heading', { category: categoryLabel(req.category) })}
        subtitle={t('detail.reference', { id: req.id })}
        actions={<StatusBadge status={req.status} />}
      />
      <div aria-live="polite">
        {notice && (
          <Alert tone="success" className="mb-4">
            {notice}
          </Alert>
        )}
      </div>
      {staleError && (
        <Alert tone="error" className="mb-4">
          {staleError}
        </Alert>
      )}
      {isDraft && (
        <div data-testid="draft-state">
          <Alert tone="warning" className="mb-4" title={t('draft.stateTitle')}>
            {t('draft.stateBody')}
          </Alert>
        </div>
      )}
      {slotError && req.status !== 'scheduled' && (
        <Alert tone="warning" className="mb-4" title={t('detail.slotFailedTitle')}>
          {t('detail.slotFailed', { message: slotError })}
        </Alert>
      )}
      <div className="grid gap-4 lg:grid-cols-3">
        <div className="space-y-4 lg:col-span-2">
          <Card title={t('detail.summary')}>
            <dl className="grid gap-3 sm:grid-cols-2">
              <Item label={t('detail.status')}>
                <span data-testid="request-status">
                  <StatusBadge status={req.status} />
                </span>
              </Item>
              <Item label={t('detail.slot')}>
                {req.assigned_slot ? (
                  <>
                    {formatSlot(req.assigned_slot)} <span className="text-xs text-gray-700">({tzLabel()})</span>
                  </>
                ) : preferred ? (
                  <>
                    {t('draft.preferredSlot', { slot: formatSlot(preferred) })} <span className="text-xs text-gray-700">({tzLabel()})</span>
                  </>
                ) : (
                  noSlotText(req.status)
                )}
                <ChangeDeadline req={req} now={now} className="mt-1" />
              </Item>
              <Item label={t('field.category')}>{categoryLabel(req.category)}</Item>
              <Item label={t('field.quantity')}>{req.quantity}</Item>
              <Item label={t('field.description')} wide>
                {req.description}
              </Item>
              <Item label={t('field.address')} wide>
                {[req.address.line1, req.address.line2, req.address.city, req.address.pincode].filter(Boolean).join(', ')}
                {typeof req.address.lat === 'number' && typeof req.address.lng === 'number' && (
                  <span className="block text-xs text-gray-700">{t('address.coords', { lat: req.address.lat, lng: req.address.lng })}</span>
                )}
              </Item>
              {req.reward_points > 0 && <Item label={t('detail.points')}>{t('header.points', { points: req.reward_points })}</Item>}
              <Item label={t('detail.created')}>{formatDateTime(req.created_at)}</Item>
            </dl>
            {req.photos.length > 0 && (
              <div className="mt-4">
                <h3 className="text-sm font-medium text-gray-800">{t('detail.photos')}</h3>
                <ul className="mt-2 flex flex-wrap gap-2">
                  {req.photos.map((p, i) => (
                    <li key={p}>
                      <a
                        href={p}
                        target="_blank"
                        rel="noreferrer"
                        className="block rounded-lg focus-visible:outline focus-visible:outline-2 focus-visible:outline-brand-700"
                      >
                        <img
                          src={p}
                          alt={t('detail.photoAlt', { n: i + 1 })}
                          className="h-24 w-24 rounded-lg object-cover ring-1 ring-gray-300"
                          loading="lazy"
                        />
                      </a>
                    </li>
                  ))}
                </ul>
              </div>
            )}
          </Card>
          <Card title={t('detail.timeline')}>
            <Timeline events={req.events ?? []} currentUserId={user?.id} />
          </Card>
        </div>
        <div className="space-y-4">
          {isDraft ? (
            <DraftCard
              req={req}
              onSubmitted={(r) => {
                const suggest = draftSlot(req);
                setStaleError(null);
                setSubmitted({ suggest });
                setReq(r);
                setNotice(suggest ? t('draft.submittedWithSlot') : t('draft.submitted'));
              }}
              onDiscarded={(r) => {
                setStaleError(null);
                setReq(r);
                setNotice(t('draft.discarded'));
                root.current?.querySelector<HTMLElement>('h1')?.focus();
              }}
              onStale={(message) => {
                setStaleError(message);
                void load();
              }}
            />
          ) : (
            <>
              <OfferCard
                req={req}
                now={now}
                onAnswered={(r, msg) => {
                  setReq(r);
                  setNotice(msg);
                }}
                onStale={() => void load()}
              />
              <WaitlistCard
                req={req}
                onLeft={(r, msg) => {
                  setReq(r);
                  setNotice(msg);
                }}
              />
              <SlotCard
                key={submitted ? 'after-submit' : 'slot'}
                req={req}
                suggest={submitted?.suggest ?? null}
                autoFocus={!!submitted}
                now={now}
                onChanged={(r, msg) => {
                  setReq(r);
                  setNotice(msg);
                }}
                onWaitlisted={(msg) => {
                  setNotice(msg);
                  void load();
                }}
              />
              <CancelCard
                req={req}
                now={now}
                onCancelled={(r) => {
                  setReq(r);
                  setNotice(t('cancel.done'));
                }}
              />
              <DisputeCard
                req={req}
                onDisputed={(r) => {
                  setReq(r);
                  setNotice(t('dispute.done'));
                }}
              />
            </>
          )}
        </div>
      </div>
    </div>
  );
}

function Item({ label, children, wide }: { label: string; children: React.ReactNode; wide?: boolean }) {
  return (
    <div className={wide ? 'sm:col-span-2' : ''}>
      <dt className="text-sm font-medium text-gray-800">{label}</dt>
      <dd className="mt-0.5 text-gray-900">{children}</dd>
    </div>
  );
}

function SlotCard({
  req,
  now,
  onChanged,
  onWaitlisted,
  suggest = null,
  autoFocus = false,
}: {
  req: PickupRequest;
  now: number;
  onChanged: (r: PickupRequest, msg: string) => void;
  /** Joined the waitlist of a full slot (the message says where in line). */
  onWaitlisted: (msg: string) => void;
  /** A slot to offer preselected (the one a just-submitted draft preferred): the picker starts open. */
  suggest?: SlotRange | null;
  /** Move focus here when shown (right after a draft was submitted, whose buttons are gone). */
  autoFocus?: boolean;
}) {
  const [open, setOpen] = useState(!!suggest);
  const [date, setDate] = useState(() =>
    req.assigned_slot ? dateInTz(req.assigned_slot.start) : suggest ? dateInTz(suggest.start) : addDays(todayInTz(), 1),
  );
  const [slot, setSlot] = useState<SlotRange | null>(suggest);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const openBtn = useRef<HTMLButtonElement>(null);
  const confirmBtn = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (!autoFocus) return;
    (confirmBtn.current ?? openBtn.current)?.focus();
    // Only when the card first appears.
    // eslint-disable-next-line react-hooks/exhaustive-deps -- on mount only, by design
  }, []);

  // When the picker closes (booked, or "Close"), give focus back to the button that opens it.
  const refocus = useRef(false);
  useEffect(() => {
    if (!open && refocus.current) {
      refocus.current = false;
      openBtn.current?.focus();
    }
  }, [open, req.status]);

  if (!CITIZEN_SLOT_CHANGEABLE.includes(req.status)) return null;
  const w = cancelWindow(req, now);
  const rescheduling = !!req.assigned_slot;
  const blocked = rescheduling && !w.timeOk;

  const confirm = async () => {
    if (!slot) {
      setError(t('reschedule.pickSlot'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const r = await requestsApi.confirmSlot(req.id, slot.start, slot.end);
      refocus.current = true;
      setOpen(false);
      setSlot(null);
      onChanged(
        r,
        rescheduling
          ? t('reschedule.done', { slot: formatSlot(r.assigned_slot ?? slot) })
          : t('reschedule.booked', { slot: formatSlot(r.assigned_slot ?? slot) }),
      );
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  const joinWaitlist = async (s: AvailableSlot) => {
    setError(null);
    try {
      const res = await requestsApi.joinWaitlist(req.id, s.start, s.end);
      onWaitlisted(t('waitlist.joined', { position: res.position, slot: formatSlot(s) }));
    } catch (err) {
      setError(errorMessage(err));
    }
  };

  return (
    <Card title={rescheduling ? t('reschedule.title') : t('reschedule.chooseTitle')}>
      <p className="text-sm text-gray-800">
        {rescheduling ? t('reschedule.rule', { hours: CANCEL_CUTOFF_HOURS }) : t('reschedule.chooseIntro')}
      </p>
      {blocked ? (
        <div className="mt-2 text-sm font-medium text-amber-900" data-testid="reschedule-blocked">
          <p>{t('reschedule.tooLate', { hours: CANCEL_CUTOFF_HOURS })}</p>
          {w.deadline && <p>{t('deadline.reason', { when: formatWeekdayTime(w.deadline) })}</p>}
        </div>
      ) : !open ? (
        <Button ref={openBtn} variant="secondary" className="mt-3" onClick={() => setOpen(true)} aria-expanded={false}>
          {rescheduling ? t('reschedule.open') : t('reschedule.chooseOpen')}
        </Button>
      ) : (
        <div className="mt-3 space-y-3">
          <SlotPicker
            category={req.category}
            value={slot}
            onChange={setSlot}
            date={date}
            onDateChange={setDate}
            excludeStart={req.assigned_slot?.start}
            onJoinWaitlist={joinWaitlist}
          />
          {error && <Alert tone="error">{error}</Alert>}
          <div className="flex flex-wrap gap-2">
            <Button ref={confirmBtn} onClick={confirm} loading={busy} loadingText={t('common.saving')}>
              {rescheduling ? t('reschedule.confirm') : t('reschedule.book')}
            </Button>
            <Button
              variant="ghost"
              onClick={() => {
                refocus.current = true;
                setOpen(false);
                setError(null);
              }}
            >
              {t('common.close')}
            </Button>
          </div>
        </div>
      )}
    </Card>
  );
}

const DISPUTABLE: Status[] = ['collected', 'handover', 'verification', 'completed'];
const DISPUTE_WINDOW_MS = 48 * 3600 * 1000;

/** When the request entered collected (its last such timeline event), or null. */
export function collectedAt(req: PickupRequest): number | null {
  const hits = (req.events ?? []).filter((e) => e.type === 'STATUS_CHANGE' && e.data.to === 'collected');
  return hits.length ? Date.parse(hits[hits.length - 1].at) : null;
}

/** "Not collected?": the resident's dispute, within 48 h after collection. */
function DisputeCard({ req, onDisputed }: { req: PickupRequest; onDisputed: (r: PickupRequest) => void }) {
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const at = collectedAt(req);
  if (!DISPUTABLE.includes(req.status) || at === null || Date.now() - at > DISPUTE_WINDOW_MS) return null;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (reason.trim().length < 3) {
      setError(t('validation.required', { field: t('dispute.reason') }));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      onDisputed(await requestsApi.notCollected(req.id, reason.trim()));
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card title={t('dispute.title')}>
      <form onSubmit={submit} className="space-y-3">
        <p className="text-sm text-gray-800">{t('dispute.intro')}</p>
        <TextArea label={t('dispute.reason')} rows={2} value={reason} onChange={(e) => setReason(e.target.value)} maxLength={500} />
        {error && <Alert tone="error">{error}</Alert>}
        <Button type="submit" variant="danger" loading={busy}>
          {t('dispute.submit')}
        </Button>
      </form>
    </Card>
  );
}

function CancelCard({ req, now, onCancelled }: { req: PickupRequest; now: number; onCancelled: (r: PickupRequest) => void }) {
  const [confirming, setConfirming] = useState(false);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const yesBtn = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (confirming) yesBtn.current?.focus();
  }, [confirming]);

  if (!CITIZEN_CANCELLABLE.includes(req.status)) return null;
  const w = cancelWindow(req, now);

  const doCancel = async () => {
    if (reason.length > 500) {
      setError(t('validation.tooLong', { field: t('cancel.reason'), max: 500 }));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const r = await requestsApi.cancel(req.id, reason.trim() || undefined);
      setConfirming(false);
      onCancelled(r);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card title={t('cancel.title')}>
      <p className="text-sm text-gray-800" id="cancel-rule">
        {t('cancel.rule', { hours: CANCEL_CUTOFF_HOURS })}
      </p>
      {w.deadline && (
        <p className="mt-1 text-sm text-gray-900">
          {w.timeOk
            ? t('cancel.deadline', { when: formatDateTime(w.deadline) })
            : t('cancel.deadlinePassed', { when: formatDateTime(w.deadline) })}
        </p>
      )}
      {error && (
        <Alert tone="error" className="mt-3">
          {error}
        </Alert>
      )}
      {!confirming ? (
        <Button variant="danger" className="mt-3" disabled={!w.timeOk} aria-describedby="cancel-rule" onClick={() => setConfirming(true)}>
          {t('cancel.button')}
        </Button>
      ) : (
        <div className="mt-3 space-y-3 rounded-lg bg-red-50 p-3 ring-1 ring-red-200" role="group" aria-labelledby="cancel-confirm-q">
          <p id="cancel-confirm-q" className="font-medium text-red-900">
            {t('cancel.confirmQuestion')}
          </p>
          <TextArea
            label={t('cancel.reason')}
            optional
            rows={2}
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            maxLength={500}
          />
          <div className="flex flex-wrap gap-2">
            <Button ref={yesBtn} variant="danger" onClick={doCancel} loading={busy} loadingText={t('cancel.cancelling')}>
              {t('cancel.confirm')}
            </Button>
            <Button variant="secondary" onClick={() => setConfirming(false)} disabled={busy}>
              {t('cancel.keep')}
            </Button>
          </div>
        </div>
      )}
    </Card>
  );
}

/** A draft's actions: continue in the wizard, send it, or discard it (cancel, after a confirmation). */
function DraftCard({
  req,
  onSubmitted,
  onDiscarded,
  onStale,
}: {
  req: PickupRequest;
  onSubmitted: (r: PickupRequest) => void;
  onDiscarded: (r: PickupRequest) => void;
  /** The server said the request is no longer a draft (409): show why and reload it. */
  onStale: (message: string) => void;
}) {
  const [busy, setBusy] = useState<'submit' | 'discard' | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const yesBtn = useRef<HTMLButtonElement>(null);
  const discardBtn = useRef<HTMLButtonElement>(null);
  const wasConfirming = useRef(false);

  useEffect(() => {
    if (confirming) yesBtn.current?.focus();
    else if (wasConfirming.current) discardBtn.current?.focus();
    wasConfirming.current = confirming;
  }, [confirming]);

  const run = async (kind: 'submit' | 'discard') => {
    setBusy(kind);
    setError(null);
    try {
      if (kind === 'submit') onSubmitted(await requestsApi.submit(req.id));
      else onDiscarded(await requestsApi.cancel(req.id));
    } catch (err) {
      setBusy(null);
      if (err instanceof ApiError && err.status === 409) {
        setConfirming(false);
        onStale(err.message);
      } else setError(errorMessage(err));
    }
  };

  return (
    <Card title={t('draft.actionsTitle')}>
      <p className="text-sm text-gray-800">{t('draft.stateBody')}</p>
      {error && (
        <Alert tone="error" className="mt-3">
          {error}
        </Alert>
      )}
      <div className="mt-3 flex flex-wrap gap-2">
        <Button onClick={() => run('submit')} loading={busy === 'submit'} loadingText={t('draft.submitting')} disabled={busy !== null}>
          {t('draft.submit')}
        </Button>
        <ButtonLink to={`/requests/${req.id}/edit`} variant="secondary">
          {t('draft.continue')}
        </ButtonLink>
      </div>
      {!confirming ? (
        <Button ref={discardBtn} variant="secondary" className="mt-3" onClick={() => setConfirming(true)} disabled={busy !== null}>
          {t('draft.discard')}
        </Button>
      ) : (
        <div className="mt-3 space-y-3 rounded-lg bg-red-50 p-3 ring-1 ring-red-200" role="group" aria-labelledby="discard-confirm-q">
          <p id="discard-confirm-q" className="font-medium text-red-900">
            {t('draft.discardQuestion')}
          </p>
          <div className="flex flex-wrap gap-2">
            <Button
              ref={yesBtn}
              variant="danger"
              onClick={() => run('discard')}
              loading={busy === 'discard'}
              loadingText={t('draft.discarding')}
            >
              {t('draft.discardConfirm')}
            </Button>
            <Button variant="secondary" onClick={() => setConfirming(false)} disabled={busy !== null}>
              {t('draft.keep')}
            </Button>
          </div>
        </div>
      )}
    </Card>
  );
}
