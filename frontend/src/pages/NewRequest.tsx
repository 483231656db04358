import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { requestsApi } from '../api/endpoints';
import { ApiError, errorMessage } from '../api/client';
import { CATEGORIES, type Category, type NewRequestBody, type PickupRequest, type SlotRange } from '../api/types';
import { Alert, Button, Loading, PageHeader } from '../components/ui';
import { Checkbox, SelectField, TextArea, TextField, focusFirstInvalid } from '../components/Field';
import { SlotPicker } from '../components/SlotPicker';
import { PhotoUploader, revokePreviews, type PhotoItem } from '../components/PhotoUploader';
import { categoryLabel } from '../components/RequestCard';
import { hasErrors, lengthBetween, numberBetween, validate } from '../lib/validation';
import { serverErrors } from '../lib/forms';
import { draftSlot } from '../lib/status';
import { addDays, dateInTz, formatSlot, todayInTz, tzLabel } from '../lib/time';
import { t, tDyn } from '../i18n';

export const STEPS = ['details', 'address', 'slot', 'photos', 'review'] as const;
type Step = (typeof STEPS)[number];

const FIELDS = ['category', 'quantity', 'description', 'line1', 'line2', 'city', 'pincode', 'lat', 'lng', 'slot', 'photos'] as const;
type F = (typeof FIELDS)[number];

const FIELD_STEP: Record<F, Step> = {
  category: 'details',
  quantity: 'details',
  description: 'details',
  line1: 'address',
  line2: 'address',
  city: 'address',
  pincode: 'address',
  lat: 'address',
  lng: 'address',
  slot: 'slot',
  photos: 'photos',
};

const ALIAS: Record<string, F> = {
  'address.line1': 'line1',
  'address.line2': 'line2',
  'address.city': 'city',
  'address.pincode': 'pincode',
  'address.lat': 'lat',
  'address.lng': 'lng',
  address: 'line1',
  preferred_slots: 'slot',
  slot_start: 'slot',
  slot_end: 'slot',
};

const SPECIAL: Category[] = ['hazardous', 'e-waste'];

type Values = { category: Category; quantity: string; description: string; line1: string; line2: string; city: string; pincode: string };

type GeoState = { state: 'idle' | 'locating' | 'ok' | 'error'; message?: string };

/** A photo the draft already has (uploaded earlier): shown as done, no local file to resend. */
function storedPhoto(url: string, i: number): PhotoItem {
  const name = decodeURIComponent(url.split('?')[0].split('/').pop() || '') || `photo-${i + 1}`;
  return { key: `stored-${i}`, name, preview: url, progress: 1, state: 'done', url, file: new File([], name) };
}

function valuesFrom(draft: PickupRequest): Values {
  return {
    category: draft.category,
    quantity: String(draft.quantity),
    description: draft.description ?? '',
    line1: draft.address?.line1 ?? '',
    line2: draft.address?.line2 ?? '',
    city: draft.address?.city ?? '',
    pincode: draft.address?.pincode ?? '',
  };
}

/**
 * `/requests/new`: a new booking. `/requests/:id/edit`: the same wizard, prefilled from a draft,
 * saving with PATCH (only while the request is still a draft).
 */
export default function NewRequest() {
  const { id } = useParams();
  const [draft, setDraft] = useState<PickupRequest | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);

  useEffect(() => {
    if (!id) return;
    const ctrl = new AbortController();
    setDraft(null);
    setLoadError(null);
    requestsApi
      .get(id, ctrl.signal)
      .then(setDraft)
      .catch((err) => {
        if ((err as Error)?.name === 'AbortError') return;
        setLoadError(err instanceof ApiError && err.status === 404 ? t('detail.notFoundBody') : errorMessage(err));
      });
    return () => ctrl.abort();
  }, [id]);

  if (!id) return <Wizard />;
  if (loadError || (draft && draft.status !== 'draft')) {
    return (
      <div className="mx-auto max-w-3xl">
        <PageHeader title={t('draft.editTitle')} />
        <Alert tone="error">{loadError ?? t('draft.notEditable')}</Alert>
        <Link to={draft ? `/requests/${draft.id}` : '/requests'} className="mt-4 inline-block font-semibold text-brand-800 underline">
          {draft ? t('draft.viewRequest') : t('detail.back')}
        </Link>
      </div>
    );
  }
  if (!draft) {
    return (
      <div className="mx-auto max-w-3xl">
        <PageHeader title={t('draft.editTitle')} />
        <Loading label={t('draft.loadingDraft')} />
      </div>
    );
  }
  return <Wizard key={draft.id} draft={draft} />;
}

function Wizard({ draft }: { draft?: PickupRequest }) {
  const navigate = useNavigate();
  const [step, setStep] = useState<Step>('details');
  const [values, setValues] = useState<Values>(() =>
    draft ? valuesFrom(draft) : { category: 'recyclable', quantity: '1', description: '', line1: '', line2: '', city: '', pincode: '' },
  );
  const [special, setSpecial] = useState(draft?.is_special ?? false);
  const [coords, setCoords] = useState<{ lat: number; lng: number } | null>(() =>
    typeof draft?.address?.lat === 'number' && typeof draft?.address?.lng === 'number'
      ? { lat: draft.address.lat, lng: draft.address.lng }
      : null,
  );
  const [geo, setGeo] = useState<GeoState>({ state: 'idle' });
  const [slot, setSlot] = useState<SlotRange | null>(() => draftSlot(draft));
  const [date, setDate] = useState(() => (slot ? dateInTz(slot.start) : addDays(todayInTz(), 1)));
  const [photos, setPhotos] = useState<PhotoItem[]>(() => (draft?.photos ?? []).map(storedPhoto));
  const [errors, setErrors] = useState<Partial<Record<F, string>>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [draftBusy, setDraftBusy] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  const form = useRef<HTMLFormElement>(null);
  const firstRender = useRef(true);
  const photosRef = useRef(photos);
  photosRef.current = photos;

  useEffect(() => () => revokePreviews(photosRef.current), []);

  useEffect(() => {
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    heading.current?.focus();
  }, [step]);

  const index = STEPS.indexOf(step);
  const isSpecial = special || SPECIAL.includes(values.category);

  const set = (k: keyof Values) => (e: React.ChangeEvent<HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>) => {
    const v = e.target.value;
    setValues((s) => ({ ...s, [k]: v }));
    if (k === 'category') setSlot(null);
  };

  const validateStep = (s: Step): Partial<Record<F, string>> => {
    if (s === 'details') {
      return validate(values, {
        description: lengthBetween(t('field.description'), 5, 1000),
        quantity: numberBetween(t('field.quantity'), 0, 100, { exclusiveMin: true }),
      });
    }
    if (s === 'address') {
      const e: Partial<Record<F, string>> = validate(values, {
        line1: lengthBetween(t('field.line1'), 3, 200),
        city: lengthBetween(t('field.city'), 2, 100),
        pincode: lengthBetween(t('field.pincode'), 4, 10),
      });
      if (values.line2.trim().length > 200) e.line2 = t('validation.tooLong', { field: t('field.line2'), max: 200 });
      return e;
    }
    if (s === 'photos') {
      if (photos.some((p) => p.state === 'uploading')) return { photos: t('photos.waitUploads') };
      if (photos.some((p) => p.state === 'error')) return { photos: t('photos.fixFailed') };
    }
    return {};
  };

  const goNext = () => {
    setFormError(null);
    const errs = validateStep(step);
    setErrors(errs);
    if (hasErrors(errs)) {
      focusFirstInvalid(form.current);
      return;
    }
    setStep(STEPS[Math.min(STEPS.length - 1, index + 1)]);
  };

  const goBack = () => {
    setFormError(null);
    setErrors({});
    setStep(STEPS[Math.max(0, index - 1)]);
  };

  const locate = () => {
    if (!('geolocation' in navigator)) {
      setGeo({ state: 'error', message: t('address.geoUnsupported') });
      return;
    }
    setGeo({ state: 'locating', message: t('address.locating') });
    navigator.geolocation.getCurrentPosition(
      (pos) => {
        const c = { lat: Number(pos.coords.latitude.toFixed(6)), lng: Number(pos.coords.longitude.toFixed(6)) };
        setCoords(c);
        setGeo({ state: 'ok', message: t('address.located', { lat: c.lat, lng: c.lng }) });
      },
      (err) => {
        const msg = err.code === 1 ? t('address.geoDenied') : err.code === 3 ? t('address.geoTimeout') : t('address.geoUnavailable');
        setGeo({ state: 'error', message: msg });
      },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 },
    );
  };

  const buildBody = (): NewRequestBody => ({
    category: values.category,
    is_special: isSpecial,
    description: values.description.trim(),
    quantity: Number(values.quantity),
    address: {
      line1: values.line1.trim(),
      ...(values.line2.trim() ? { line2: values.line2.trim() } : {}),
      city: values.city.trim(),
      pincode: values.pincode.trim(),
      ...(coords ? { lat: coords.lat, lng: coords.lng } : {}),
    },
    preferred_slots: slot ? [{ start: slot.start, end: slot.end }] : [],
    photos: photos.filter((p) => p.state === 'done' && p.url).map((p) => p.url!),
  });

  /** Shows a refused save inline: 422 fields on their step, anything else in the alert. */
  const showServerError = (err: unknown) => {
    const r = serverErrors(err, FIELDS, ALIAS);
    setErrors(r.fields);
    setFormError(r.message);
    const firstField = (Object.keys(r.fields) as F[])[0];
    if (firstField && FIELD_STEP[firstField] !== step) setStep(FIELD_STEP[firstField]);
    else if (firstField) setTimeout(() => focusFirstInvalid(form.current), 0);
  };

  /** Validates the given steps; on failure shows the errors and goes to (or focuses) the first bad step. */
  const checkSteps = (steps: readonly Step[]): boolean => {
    for (const s of steps) {
      const errs = validateStep(s);
      if (hasErrors(errs)) {
        setErrors(errs);
        if (s === step) focusFirstInvalid(form.current);
        else setStep(s);
        return false;
      }
    }
    return true;
  };

  // A draft still has to be a valid request body (details and address); the slot and photos may wait.
  const saveDraft = async () => {
    setFormError(null);
    if (!checkSteps(['details', 'address', 'photos'])) return;
    setErrors({});
    setDraftBusy(true);
    let saved: PickupRequest;
    try {
      saved = draft ? await requestsApi.update(draft.id, buildBody()) : await requestsApi.create({ ...buildBody(), draft: true });
    } catch (err) {
      showServerError(err);
      setDraftBusy(false);
      return;
    }
    revokePreviews(photos);
    setPhotos([]);
    navigate(`/requests/${saved.id}`, { state: { draftSaved: true } });
  };

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    if (step !== 'review') {
      goNext();
      return;
    }
    setFormError(null);
    if (!checkSteps(STEPS)) return;
    setBusy(true);
    let created: PickupRequest;
    try {
      if (draft) {
        await requestsApi.update(draft.id, buildBody());
        created = await requestsApi.submit(draft.id);
      } else {
        created = await requestsApi.create(buildBody());
      }
    } catch (err) {
      showServerError(err);
      setBusy(false);
      return;
    }
    let slotError: string | undefined;
    if (slot) {
      try {
        await requestsApi.confirmSlot(created.id, slot.start, slot.end);
      } catch (err) {
        slotError = errorMessage(err);
      }
    }
    revokePreviews(photos);
    setPhotos([]);
    navigate(`/requests/${created.id}`, { state: { created: true, slotError } });
  };

  const stepTitle = tDyn(`wizard.step.${step}`);

  return (
    <div className="mx-auto max-w-3xl">
      <PageHeader
        title={draft ? t('draft.editTitle') : t('wizard.title')}
        subtitle={draft ? t('draft.editSubtitle') : t('wizard.subtitle')}
      />
      <ol className="mb-4 flex flex-wrap gap-2 text-sm" aria-label={t('wizard.progress')}>
        {STEPS.map((s, i) => (
          <li
            key={s}
            aria-current={s === step ? 'step' : undefined}
            className={`rounded-full px-3 py-1 ring-1 ring-inset ${s === step ? 'bg-brand-700 font-semibold text-white ring-brand-700' : i < index ? 'bg-brand-50 text-brand-900 ring-brand-700/40' : 'bg-white text-gray-800 ring-gray-300'}`}
          >
            {i + 1}. {tDyn(`wizard.step.${s}`)}
            {i < index && <span className="sr-only"> ({t('wizard.done')})</span>}
          </li>
        ))}
      </ol>

      <form ref={form} noValidate onSubmit={onSubmit} className="space-y-4 rounded-xl bg-white p-4 shadow-sm ring-1 ring-gray-200 sm:p-6">
        <h2 ref={heading} tabIndex={-1} className="text-lg font-semibold text-gray-900 focus:outline-none">
          {t('wizard.stepOf', { n: index + 1, total: STEPS.length, title: stepTitle })}
        </h2>
        {formError && <Alert tone="error">{formError}</Alert>}

        {step === 'details' && (
          <>
            <SelectField label={t('field.category')} value={values.category} onChange={set('category')} error={errors.category}>
              {CATEGORIES.map((c) => (
                <option key={c} value={c}>
                  {categoryLabel(c)}
                </option>
              ))}
            </SelectField>
            <p className="-mt-2 text-sm text-gray-700">{tDyn(`categoryHint.${values.category}`)}</p>
            <TextField
              label={t('field.quantity')}
              type="number"
              inputMode="decimal"
              min={0.1}
              max={100}
              step="any"
              value={values.quantity}
              onChange={set('quantity')}
              error={errors.quantity}
              hint={t('field.quantityHint')}
            />
            <TextArea
              label={t('field.description')}
              value={values.description}
              onChange={set('description')}
              error={errors.description}
              hint={t('field.descriptionHint')}
              maxLength={1000}
            />
            <Checkbox
              label={t('field.special')}
              hint={SPECIAL.includes(values.category) ? t('field.specialAuto') : t('field.specialHint')}
              checked={isSpecial}
              disabled={SPECIAL.includes(values.category)}
              onChange={(e) => setSpecial(e.target.checked)}
            />
          </>
        )}

        {step === 'address' && (
          <>
            <TextField
              label={t('field.line1')}
              autoComplete="address-line1"
              value={values.line1}
              onChange={set('line1')}
              error={errors.line1}
            />
            <TextField
              label={t('field.line2')}
              autoComplete="address-line2"
              value={values.line2}
              onChange={set('line2')}
              error={errors.line2}
              optional
            />
            <div className="grid gap-4 sm:grid-cols-2">
              <TextField
                label={t('field.city')}
                autoComplete="address-level2"
                value={values.city}
                onChange={set('city')}
                error={errors.city}
              />
              <TextField
                label={t('field.pincode')}
                autoComplete="postal-code"
                inputMode="numeric"
                value={values.pincode}
                onChange={set('pincode')}
                error={errors.pincode}
              />
            </div>
            <div className="rounded-lg bg-gray-50 p-3 ring-1 ring-gray-200">
              <p className="text-sm text-gray-800">{t('address.geoIntro')}</p>
              <div className="mt-2 flex flex-wrap gap-2">
                <Button variant="secondary" onClick={locate} loading={geo.state === 'locating'} loadingText={t('address.locating')}>
                  {t('address.useLocation')}
                </Button>
                {coords && (
                  <Button
                    variant="ghost"
                    onClick={() => {
                      setCoords(null);
                      setGeo({ state: 'idle', message: t('address.cleared') });
                    }}
                  >
                    {t('address.clearLocation')}
                  </Button>
                )}
              </div>
              <p role="status" className={`mt-2 text-sm ${geo.state === 'error' ? 'font-medium text-red-800' : 'text-gray-800'}`}>
                {geo.message ?? ''}
              </p>
              {(errors.lat || errors.lng) && <p className="text-sm font-medium text-red-800">{errors.lat ?? errors.lng}</p>}
            </div>
          </>
        )}

        {step === 'slot' && (
          <>
            <p className="text-sm text-gray-800">{t('wizard.slotIntro')}</p>
            <SlotPicker
              category={values.category}
              value={slot}
              onChange={setSlot}
              date={date}
              onDateChange={(d) => setDate(d)}
              error={errors.slot}
            />
            {slot && (
              <div className="flex flex-wrap items-center gap-2 rounded-lg bg-brand-50 p-3 text-sm text-brand-900">
                <span>{t('wizard.slotChosen', { slot: formatSlot(slot) })}</span>
                <Button variant="ghost" onClick={() => setSlot(null)}>
                  {t('wizard.slotClear')}
                </Button>
              </div>
            )}
          </>
        )}

        {step === 'photos' && (
          <>
            <PhotoUploader items={photos} setItems={setPhotos} />
            {errors.photos && (
              <p className="text-sm font-medium text-red-800" role="alert">
                {errors.photos}
              </p>
            )}
          </>
        )}

        {step === 'review' && <Review values={values} special={isSpecial} coords={coords} slot={slot} photos={photos} onEdit={setStep} />}

        <div className="flex flex-wrap justify-between gap-2 border-t border-gray-200 pt-4">
          <Button variant="secondary" onClick={goBack} disabled={index === 0 || busy || draftBusy}>
            {t('wizard.back')}
          </Button>
          <div className="flex flex-wrap gap-2">
            <Button
              variant="ghost"
              onClick={saveDraft}
              loading={draftBusy}
              loadingText={t('draft.saving')}
              disabled={busy}
              aria-describedby="draft-save-hint"
            >
              {draft ? t('draft.saveChanges') : t('draft.saveButton')}
            </Button>
            {step === 'review' ? (
              <Button type="submit" loading={busy} loadingText={t('wizard.submitting')} disabled={draftBusy}>
                {t('wizard.submit')}
              </Button>
            ) : (
              <Button type="submit" disabled={draftBusy}>
                {step === 'slot' && !slot ? t('wizard.skipSlot') : t('wizard.next')}
              </Button>
            )}
          </div>
        </div>
        <p id="draft-save-hint" className="text-xs text-gray-700">
          {t('draft.saveHint')}
        </p>
      </form>
    </div>
  );
}

// Outside Review: a component defined inside another is a new type on every render, so
// React would remount these rows each time.
function Row({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div className="py-2 sm:grid sm:grid-cols-3 sm:gap-4">
      <dt className="text-sm font-medium text-gray-800">{label}</dt>
      <dd className="text-sm text-gray-900 sm:col-span-2">{children}</dd>
    </div>
  );
}

function Edit({ s, onEdit }: { s: Step; onEdit: (s: Step) => void }) {
  return (
    <button type="button" className="text-sm font-semibold text-brand-800 underline" onClick={() => onEdit(s)}>
      {t('wizard.edit', { step: tDyn(`wizard.step.${s}`) })}
    </button>
  );
}

function Review({
  values,
  special,
  coords,
  slot,
  photos,
  onEdit,
}: {
  values: Values;
  special: boolean;
  coords: { lat: number; lng: number } | null;
  slot: SlotRange | null;
  photos: PhotoItem[];
  onEdit: (s: Step) => void;
}) {
  const done = photos.filter((p) => p.state === 'done');
  return (
    <div className="space-y-4">
      <p className="text-sm text-gray-800">{t('wizard.reviewIntro')}</p>
      <section>
        <div className="flex items-center justify-between">
          <h3 className="font-semibold text-gray-900">{t('wizard.step.details')}</h3>
          <Edit onEdit={onEdit} s="details" />
        </div>
        <dl className="divide-y divide-gray-200">
          <Row label={t('field.category')}>{categoryLabel(values.category)}</Row>
          <Row label={t('field.quantity')}>{values.quantity}</Row>
          <Row label={t('field.description')}>{values.description}</Row>
          <Row label={t('field.special')}>{special ? t('common.yes') : t('common.no')}</Row>
        </dl>
      </section>
      <section>
        <div className="flex items-center justify-between">
          <h3 className="font-semibold text-gray-900">{t('wizard.step.address')}</h3>
          <Edit onEdit={onEdit} s="address" />
        </div>
        <dl className="divide-y divide-gray-200">
          <Row label={t('field.address')}>
            {[values.line1, values.line2, values.city, values.pincode].filter((x) => x.trim()).join(', ')}
          </Row>
          <Row label={t('address.location')}>{coords ? `${coords.lat}, ${coords.lng}` : t('address.noLocation')}</Row>
        </dl>
      </section>
      <section>
        <div className="flex items-center justify-between">
          <h3 className="font-semibold text-gray-900">{t('wizard.step.slot')}</h3>
          <Edit onEdit={onEdit} s="slot" />
        </div>
        <p className="py-2 text-sm text-gray-900">{slot ? `${formatSlot(slot)} (${tzLabel()})` : t('wizard.noSlot')}</p>
      </section>
      <section>
        <div className="flex items-center justify-between">
          <h3 className="font-semibold text-gray-900">{t('wizard.step.photos')}</h3>
          <Edit onEdit={onEdit} s="photos" />
        </div>
        {done.length === 0 ? (
          <p className="py-2 text-sm text-gray-900">{t('wizard.noPhotos')}</p>
        ) : (
          <ul className="mt-2 flex flex-wrap gap-2">
            {done.map((p) => (
              <li key={p.key}>
                <img
                  src={p.preview || p.url}
                  alt={t('photos.previewAlt', { name: p.name })}
                  className="h-20 w-20 rounded-lg object-cover ring-1 ring-gray-300"
                />
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}
