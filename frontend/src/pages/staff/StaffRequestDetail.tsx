import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router-dom';
import { crewsApi, staffApi } from '../../api/endpoints';
import { ApiError, errorMessage } from '../../api/client';
import type { AvailableSlot, BodyOf, Crew, StaffRequest, Status } from '../../api/types';
import { Alert, Button, Card, Loading, PageHeader } from '../../components/ui';
import { SelectField, TextArea, TextField } from '../../components/Field';
import { PhotoUploader, type PhotoItem } from '../../components/PhotoUploader';
import { StatusBadge, statusLabel } from '../../components/StatusBadge';
import { Timeline } from '../../components/Timeline';
import { SlotPicker } from '../../components/SlotPicker';
import { categoryLabel } from '../../components/RequestCard';
import { allowedTransitions, noSlotText } from '../../lib/status';
import { addDays, formatDateTime, formatSlot, todayInTz, tzLabel } from '../../lib/time';
import { t } from '../../i18n';
import { useStore } from '../../lib/store';
import { authStore } from '../../stores/auth';

const DESTRUCTIVE: Status[] = ['failed', 'cancelled'];

export default function StaffRequestDetail() {
  const { id = '' } = useParams();
  const [req, setReq] = useState<StaffRequest | null>(null);
  const [error, setError] = useState<{ status: number; message: string } | null>(null);
  const [announce, setAnnounce] = useState('');
  const me = useStore(authStore, (s) => s.user);

  const load = useCallback(async () => {
    try {
      setReq(await staffApi.get(id));
      setError(null);
    } catch (err) {
      setError({ status: err instanceof ApiError ? err.status : 0, message: errorMessage(err) });
    }
  }, [id]);

  useEffect(() => {
    void load();
  }, [load]);

  /** Uses the server's answer when it is the request, else reloads. */
  const apply = async (r: unknown, msg: string) => {
    if (r && typeof r === 'object' && 'status' in r && 'id' in r) setReq(r as StaffRequest);
    else await load();
    setAnnounce(msg);
  };

  if (error && !req) {
    return (
      <div>
        <PageHeader title={error.status === 404 ? t('detail.notFound') : t('detail.title')} />
        <Alert tone="error">{error.message}</Alert>
        <Link to="/staff" className="mt-4 inline-block font-semibold text-brand-800 underline">
          {t('staff.back')}
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

  return (
    <div>
      <Link to="/staff" className="mb-2 inline-block text-sm font-semibold text-brand-800 underline">
        ← {t('staff.back')}
      </Link>
      <PageHeader
        title={t('detail.heading', { category: categoryLabel(req.category) })}
        subtitle={t('detail.reference', { id: req.id })}
        actions={<StatusBadge status={req.status} />}
      />
      <div role="status" aria-live="polite" className="sr-only">
        {announce}
      </div>
      {announce && (
        <Alert tone="success" className="mb-4">
          {announce}
        </Alert>
      )}
      <div className="grid gap-4 lg:grid-cols-3">
        <div className="space-y-4 lg:col-span-2">
          <Card title={t('detail.summary')}>
            <dl className="grid gap-3 sm:grid-cols-2">
              <div>
                <dt className="text-sm font-medium text-gray-800">{t('detail.status')}</dt>
                <dd data-testid="staff-request-status">
                  <StatusBadge status={req.status} />
                </dd>
              </div>
              <div>
                <dt className="text-sm font-medium text-gray-800">{t('detail.slot')}</dt>
                <dd className="text-gray-900">
                  {req.assigned_slot ? `${formatSlot(req.assigned_slot)} (${tzLabel()})` : noSlotText(req.status)}
                </dd>
              </div>
              <div>
                <dt className="text-sm font-medium text-gray-800">{t('field.quantity')}</dt>
                <dd className="text-gray-900">
                  {req.quantity}
                  {req.is_special && ` · ${t('staff.special')}`}
                </dd>
              </div>
              <div>
                <dt className="text-sm font-medium text-gray-800">{t('staff.resident')}</dt>
                <dd className="text-gray-900">
                  {req.user?.name ? `${req.user.name}${req.user.phone ? ` · ${req.user.phone}` : ''}` : req.user_id}
                </dd>
              </div>
              <div className="sm:col-span-2">
                <dt className="text-sm font-medium text-gray-800">{t('field.description')}</dt>
                <dd className="text-gray-900">{req.description}</dd>
              </div>
              <div className="sm:col-span-2">
                <dt className="text-sm font-medium text-gray-800">{t('field.address')}</dt>
                <dd className="text-gray-900">
                  {[req.address.line1, req.address.line2, req.address.city, req.address.pincode].filter(Boolean).join(', ')}
                  {typeof req.address.lat === 'number' && typeof req.address.lng === 'number' && (
                    <a className="ml-2 text-sm font-semibold text-brand-800 underline" href={`geo:${req.address.lat},${req.address.lng}`}>
                      {t('address.coords', { lat: req.address.lat, lng: req.address.lng })}
                    </a>
                  )}
                </dd>
              </div>
              <div>
                <dt className="text-sm font-medium text-gray-800">{t('detail.created')}</dt>
                <dd className="text-gray-900">{formatDateTime(req.created_at)}</dd>
              </div>
            </dl>
            {req.photos.length > 0 && (
              <ul className="mt-4 flex flex-wrap gap-2" aria-label={t('detail.photos')}>
                {req.photos.map((p, i) => (
                  <li key={p}>
                    <a href={p} target="_blank" rel="noreferrer">
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
            )}
          </Card>
          <Card title={t('detail.timeline')}>
            <Timeline
              events={req.events ?? []}
              currentUserId={me?.id}
              actors={{ [req.user_id]: req.user?.name ? t('timeline.resident', { name: req.user.name }) : t('timeline.theResident') }}
            />
          </Card>
        </div>
        <div className="space-y-4">
          <TransitionCard req={req} onDone={apply} />
          <CrewCard req={req} onDone={apply} />
          <NoteCard req={req} onDone={apply} />
        </div>
      </div>
    </div>
  );
}

function TransitionCard({ req, onDone }: { req: StaffRequest; onDone: (r: unknown, msg: string) => Promise<void> }) {
  const options = allowedTransitions(req.status, req.allowed_transitions);
  const [note, setNote] = useState('');
  const [pending, setPending] = useState<Status | null>(null);
  const [confirming, setConfirming] = useState<Status | null>(null);
  const [date, setDate] = useState(addDays(todayInTz(), 1));
  const [slot, setSlot] = useState<AvailableSlot | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [slotError, setSlotError] = useState<string | undefined>();
  const [weight, setWeight] = useState('');
  const [weightError, setWeightError] = useState<string | undefined>();
  const [proofs, setProofs] = useState<PhotoItem[]>([]);
  const confirmBtn = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    setConfirming(null);
    setError(null);
    setSlot(null);
  }, [req.status]);

  useEffect(() => {
    if (confirming) confirmBtn.current?.focus();
  }, [confirming]);

  const collecting = options.includes('collected');
  const needsSlot = (to: Status) => to === 'scheduled' && (!req.assigned_slot || req.status === 'failed');
  const slotOffered = options.includes('scheduled');

  const run = async (to: Status) => {
    setError(null);
    setSlotError(undefined);
    setWeightError(undefined);
    if (needsSlot(to) && !slot) {
      setSlotError(t('staff.needSlot'));
      return;
    }
    // proof of service: the weight is required to mark a pickup collected
    const kg = Number(weight);
    if (to === 'collected' && (!weight.trim() || !Number.isFinite(kg) || kg <= 0 || kg > 1000)) {
      setWeightError(t('staff.weightRequired'));
      return;
    }
    if (note.length > 1000) {
      setError(t('validation.tooLong', { field: t('staff.transitionNote'), max: 1000 }));
      return;
    }
    setPending(to);
    try {
      const body: BodyOf<'staffRequestsTransition'> = { to };
      if (note.trim()) body.note = note.trim();
      if (to === 'collected') {
        body.weight_kg = kg;
        body.proof_photos = proofs.filter((p) => p.state === 'done' && p.url).map((p) => p.url!);
      }
      if (to === 'scheduled' && slot) {
        body.slot_start = slot.start;
        body.slot_end = slot.end;
      }
      const r = await staffApi.transition(req.id, body);
      setNote('');
      setWeight('');
      setProofs([]);
      setConfirming(null);
      await onDone(r, t('staff.moved', { status: statusLabel(to) }));
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setPending(null);
    }
  };

  return (
    <Card title={t('staff.transitionTitle')}>
      {options.length === 0 ? (
        <p className="text-sm text-gray-800">{t('staff.noTransitions')}</p>
      ) : (
        <div className="space-y-3">
          <p className="text-sm text-gray-800">{t('staff.transitionIntro', { status: statusLabel(req.status) })}</p>
          <TextArea
            label={t('staff.transitionNote')}
            optional
            rows={2}
            value={note}
            onChange={(e) => setNote(e.target.value)}
            hint={t('staff.noteHint')}
            maxLength={1000}
          />
          {slotOffered && (req.status === 'failed' || !req.assigned_slot) && (
            <div className="rounded-lg bg-gray-50 p-3 ring-1 ring-gray-200">
              <p className="mb-2 text-sm font-medium text-gray-900">{t('staff.slotForSchedule')}</p>
              <SlotPicker
                category={req.category}
                value={slot}
                onChange={setSlot}
                date={date}
                onDateChange={setDate}
                error={slotError}
                excludeStart={req.status === 'failed' ? req.assigned_slot?.start : undefined}
              />
            </div>
          )}
          {collecting && (
            <div className="space-y-2 rounded-lg bg-gray-50 p-3 ring-1 ring-gray-200">
              <TextField
                label={t('staff.weight')}
                type="number"
                inputMode="decimal"
                min={0}
                max={1000}
                step="0.1"
                value={weight}
                onChange={(e) => setWeight(e.target.value)}
                hint={t('staff.weightHint')}
                error={weightError}
              />
              <p className="text-sm font-medium text-gray-900">{t('staff.proofPhotos')}</p>
              <PhotoUploader items={proofs} setItems={setProofs} />
            </div>
          )}
          {error && <Alert tone="error">{error}</Alert>}
          <div className="flex flex-wrap gap-2" role="group" aria-label={t('staff.transitionTitle')}>
            {options.map((to) =>
              DESTRUCTIVE.includes(to) ? (
                <Button key={to} variant="danger" onClick={() => setConfirming(to)} disabled={!!pending} aria-expanded={confirming === to}>
                  {t('staff.moveTo', { status: statusLabel(to) })}
                </Button>
              ) : (
                <Button key={to} onClick={() => run(to)} loading={pending === to} disabled={!!pending}>
                  {t('staff.moveTo', { status: statusLabel(to) })}
                </Button>
              ),
            )}
          </div>
          {confirming && (
            <div className="space-y-2 rounded-lg bg-red-50 p-3 ring-1 ring-red-200" role="group" aria-labelledby="confirm-transition">
              <p id="confirm-transition" className="text-sm font-medium text-red-900">
                {t('staff.confirmDestructive', { status: statusLabel(confirming) })}
              </p>
              <div className="flex gap-2">
                <Button ref={confirmBtn} variant="danger" loading={pending === confirming} onClick={() => run(confirming)}>
                  {t('common.confirm')}
                </Button>
                <Button variant="secondary" onClick={() => setConfirming(null)}>
                  {t('common.cancel')}
                </Button>
              </div>
            </div>
          )}
        </div>
      )}
    </Card>
  );
}

function NoteCard({ req, onDone }: { req: StaffRequest; onDone: (r: unknown, msg: string) => Promise<void> }) {
  const [note, setNote] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    setFormError(null);
    const s = note.trim();
    if (!s) {
      setError(t('validation.required', { field: t('staff.note') }));
      return;
    }
    if (s.length > 1000) {
      setError(t('validation.tooLong', { field: t('staff.note'), max: 1000 }));
      return;
    }
    setError(undefined);
    setBusy(true);
    try {
      const r = await staffApi.addNote(req.id, s);
      setNote('');
      await onDone(r, t('staff.noteAdded'));
    } catch (err) {
      if (err instanceof ApiError && err.fieldErrors.note) setError(err.fieldErrors.note);
      else setFormError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card title={t('staff.addNote')}>
      <form noValidate onSubmit={onSubmit} className="space-y-3">
        {formError && <Alert tone="error">{formError}</Alert>}
        <TextArea label={t('staff.note')} rows={3} value={note} onChange={(e) => setNote(e.target.value)} error={error} maxLength={1000} />
        <Button type="submit" variant="secondary" loading={busy} loadingText={t('common.saving')}>
          {t('staff.addNote')}
        </Button>
      </form>
    </Card>
  );
}

/** Statuses in which a request can be given to a crew (the server's rule, requests_assign). */
const ASSIGNABLE: Status[] = ['scheduled', 'enroute', 'onsite', 'collecting'];

function CrewCard({ req, onDone }: { req: StaffRequest; onDone: (r: unknown, msg: string) => Promise<void> }) {
  const [crews, setCrews] = useState<Crew[]>([]);
  const [choice, setChoice] = useState(req.crew?.id ?? '');
  const [error, setError] = useState<string | null>(null);
  const [listError, setListError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const assignable = ASSIGNABLE.includes(req.status);

  useEffect(() => {
    if (!assignable) return;
    // a list that does not load is said in the card, not as a page alert: the rest works
    crewsApi.list().then(
      (r) => setCrews(r.items.filter((c) => c.active)),
      (err) => setListError(errorMessage(err)),
    );
  }, [assignable]);

  useEffect(() => setChoice(req.crew?.id ?? ''), [req.crew?.id]);

  const save = async () => {
    setBusy(true);
    setError(null);
    try {
      const r = await crewsApi.assign(req.id, choice || null);
      const name = crews.find((c) => c.id === choice)?.name ?? '';
      await onDone(r, choice ? t('assign.done', { name }) : t('assign.removed'));
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card title={t('assign.title')}>
      <p className="mb-2 text-sm text-gray-900" data-testid="staff-request-crew">
        {req.crew ? req.crew.name : t('assign.none')}
      </p>
      {assignable ? (
        <div className="space-y-2">
          <SelectField label={t('assign.label')} value={choice} onChange={(e) => setChoice(e.target.value)}>
            <option value="">{t('assign.none')}</option>
            {crews.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </SelectField>
          {listError && <p className="text-sm text-red-800">{listError}</p>}
          {error && <Alert tone="error">{error}</Alert>}
          <Button variant="secondary" loading={busy} disabled={choice === (req.crew?.id ?? '')} onClick={save}>
            {t('assign.save')}
          </Button>
        </div>
      ) : (
        <p className="text-sm text-gray-700">{t('assign.notAssignable')}</p>
      )}
    </Card>
  );
}
