// My route (issue 17): a crew member's stops of the day on a phone, in the order the server
// gives (slot, then pincode), with big buttons for the next stage. Built for a dropped
// connection: the last route loaded is kept on the phone, and a stage change that cannot be
// sent is queued (lib/routeQueue) with the version the crew saw, shown on its stop at once and
// sent when the browser is back online; a stop changed meanwhile comes back as a conflict,
// shown to the user, never applied on stale information.
import { useCallback, useEffect, useRef, useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { crewsApi, staffApi } from '../../api/endpoints';
import { ApiError, errorMessage } from '../../api/client';
import type { MyRoute as Route, RouteStop, Status } from '../../api/types';
import { Alert, Button, EmptyState, Loading, PageHeader } from '../../components/ui';
import { TextField } from '../../components/Field';
import { StatusBadge, statusLabel } from '../../components/StatusBadge';
import { categoryLabel } from '../../components/RequestCard';
import { TRANSITIONS } from '../../lib/status';
import { formatSlot, todayInTz, tzLabel } from '../../lib/time';
import { useOnline } from '../../lib/hooks';
import { enqueue, flushQueue, readQueue, type Conflict, type QueuedChange, type SendOutcome } from '../../lib/routeQueue';
import { t } from '../../i18n';

const CACHE_PREFIX = 'swmra_my_route:';
/** Stages a crew moves a stop to from this page; failing or cancelling one is done on its detail page. */
const DESTRUCTIVE: Status[] = ['failed', 'cancelled'];

function readCache(date: string): Route | null {
  try {
    const raw = localStorage.getItem(CACHE_PREFIX + date);
    return raw ? (JSON.parse(raw) as Route) : null;
  } catch {
    return null;
  }
}

function writeCache(route: Route): void {
  try {
    localStorage.setItem(CACHE_PREFIX + route.date, JSON.stringify(route));
  } catch {
    /* storage full: the route is still on screen */
  }
}

/** The stop as it will be once `c` is applied (shown while the change waits to be sent). */
function applyQueued(stop: RouteStop, c: QueuedChange): RouteStop {
  if (c.requestId !== stop.id || stop.status !== c.from) return stop;
  return { ...stop, status: c.to, version: (stop.version ?? 0) + 1, next: TRANSITIONS[c.to] };
}

function withQueue(route: Route, queue: QueuedChange[]): Route {
  return { ...route, stops: route.stops.map((s) => queue.reduce(applyQueued, s)) };
}

/** Sends one queued change; a network failure or an overloaded server is "offline" (try later). */
async function send(c: QueuedChange): Promise<SendOutcome> {
  try {
    await staffApi.transition(c.requestId, {
      to: c.to,
      ...(c.weightKg !== undefined ? { weight_kg: c.weightKg } : {}),
      ...(c.expectVersion > 0 ? { expect_version: c.expectVersion } : {}),
    });
    return { kind: 'sent' };
  } catch (err) {
    if (err instanceof ApiError && (err.status === 0 || err.status === 429 || err.status >= 500)) return { kind: 'offline' };
    return { kind: 'conflict', message: errorMessage(err) };
  }
}

function addressLine(s: RouteStop): string {
  const a = s.address;
  return [a.line1, a.line2, a.city, a.pincode].filter(Boolean).join(', ');
}

export default function MyRoute() {
  const [params, setParams] = useSearchParams();
  const date = params.get('date') || todayInTz();
  const online = useOnline();
  const [route, setRoute] = useState<Route | null>(() => readCache(date));
  const [fromCache, setFromCache] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [queue, setQueue] = useState<QueuedChange[]>(() => readQueue());
  const [conflicts, setConflicts] = useState<Conflict[]>([]);
  const [announce, setAnnounce] = useState('');
  const [busy, setBusy] = useState<string | null>(null);
  // the address of every stop seen, so a conflict still names a stop that left the route
  const [addresses, setAddresses] = useState<Record<string, string>>({});
  const syncing = useRef(false);

  const show = useCallback((r: Route) => {
    setRoute(r);
    setAddresses((prev) => ({ ...prev, ...Object.fromEntries(r.stops.map((s) => [s.id, addressLine(s)])) }));
  }, []);

  const load = useCallback(async () => {
    try {
      const r = await crewsApi.myRoute(date);
      writeCache(r);
      show(r);
      setFromCache(false);
      setError(null);
    } catch (err) {
      const cached = readCache(date);
      if (cached) {
        show(cached);
        setFromCache(true);
      } else setError(errorMessage(err));
    }
  }, [date, show]);

  const sync = useCallback(async () => {
    if (syncing.current || readQueue().length === 0) return;
    syncing.current = true;
    try {
      const r = await flushQueue(send);
      setQueue(readQueue());
      if (r.conflicts.length) setConflicts((prev) => [...prev, ...r.conflicts]);
      if (r.sent) setAnnounce(t('route.synced', { count: r.sent }));
      if (r.sent || r.conflicts.length) await load();
    } finally {
      syncing.current = false;
    }
  }, [load]);

  useEffect(() => {
    setRoute(readCache(date));
    void load().then(() => (navigator.onLine ? sync() : undefined));
  }, [date, load, sync]);

  useEffect(() => {
    const onOnline = () => void sync();
    window.addEventListener('online', onOnline);
    return () => window.removeEventListener('online', onOnline);
  }, [sync]);

  const queueChange = (stop: RouteStop, to: Status, n: number, weightKg?: number) => {
    enqueue({ requestId: stop.id, from: stop.status, to, expectVersion: stop.version ?? 0, weightKg });
    setQueue(readQueue());
    setAnnounce(t('route.queued', { n, status: statusLabel(to) }));
  };

  const move = async (stop: RouteStop, to: Status, n: number, weightKg?: number) => {
    // a change of a stop that still has queued ones waits behind them, in order
    if (!navigator.onLine || queue.some((c) => c.requestId === stop.id)) return queueChange(stop, to, n, weightKg);
    setBusy(stop.id);
    try {
      await staffApi.transition(stop.id, {
        to,
        ...(weightKg !== undefined ? { weight_kg: weightKg } : {}),
        ...(stop.version ? { expect_version: stop.version } : {}),
      });
      setAnnounce(t('route.moved', { n, status: statusLabel(to) }));
      await load();
    } catch (err) {
      if (err instanceof ApiError && err.status === 0) queueChange(stop, to, n, weightKg);
      else {
        setConflicts((prev) => [
          ...prev,
          {
            change: { key: `now-${Date.now()}`, requestId: stop.id, from: stop.status, to, expectVersion: stop.version ?? 0, queuedAt: '' },
            message: errorMessage(err),
          },
        ]);
        await load();
      }
    } finally {
      setBusy(null);
    }
  };

  const shown = route ? withQueue(route, queue) : null;
  const waiting = new Set(queue.map((c) => c.requestId));
  const addressOf = (id: string) => addresses[id] ?? id;

  return (
    <div className="mx-auto max-w-xl">
      <PageHeader title={t('route.title')} subtitle={t('route.subtitle')} />
      <div role="status" aria-live="polite" className="sr-only">
        {announce}
      </div>
      <div className="mb-4 flex items-end gap-2">
        <TextField
          label={t('route.date')}
          type="date"
          value={date}
          onChange={(e) => e.target.value && setParams({ date: e.target.value }, { replace: true })}
          className="flex-1"
        />
      </div>
      {!online && (
        <Alert tone="warning" className="mb-3">
          {t('route.offline')}
        </Alert>
      )}
      {queue.length > 0 && (
        <p
          className="mb-3 rounded-lg bg-amber-50 p-3 text-sm font-semibold text-amber-900 ring-1 ring-amber-300"
          data-testid="route-waiting"
        >
          {t('route.waiting', { count: queue.length })}
        </p>
      )}
      {announce && (
        <Alert tone="success" className="mb-3">
          {announce}
        </Alert>
      )}
      {conflicts.length > 0 && (
        <Alert tone="error" title={t('route.conflictTitle')} className="mb-3">
          <ul className="list-disc space-y-1 pl-4" data-testid="route-conflicts">
            {conflicts.map((c) => (
              <li key={c.change.key}>
                {t('route.conflict', { address: addressOf(c.change.requestId), status: statusLabel(c.change.to), reason: c.message })}
              </li>
            ))}
          </ul>
          <Button variant="secondary" className="mt-2" onClick={() => setConflicts([])}>
            {t('route.dismiss')}
          </Button>
        </Alert>
      )}
      {fromCache && (
        <Alert tone="info" className="mb-3">
          {t('route.showingSaved')}
        </Alert>
      )}
      {error && !shown && <Alert tone="error">{error}</Alert>}
      {!shown && !error && <Loading />}
      {shown && shown.crews.length > 0 && (
        <p className="mb-3 text-sm text-gray-800">{t('route.crews', { names: shown.crews.map((c) => c.name).join(', ') })}</p>
      )}
      {shown && shown.crews.length === 0 && <Alert tone="info">{t('route.noCrew')}</Alert>}
      {shown && shown.crews.length > 0 && shown.stops.length === 0 && <EmptyState title={t('route.empty')} body={t('route.emptyBody')} />}
      {shown && (
        <ol className="space-y-4" aria-label={t('route.title')}>
          {shown.stops.map((s, i) => (
            <StopCard
              key={s.id}
              stop={s}
              n={i + 1}
              waiting={waiting.has(s.id)}
              busy={busy === s.id}
              onMove={(to, kg) => move(s, to, i + 1, kg)}
            />
          ))}
        </ol>
      )}
    </div>
  );
}

function StopCard({
  stop,
  n,
  waiting,
  busy,
  onMove,
}: {
  stop: RouteStop;
  n: number;
  waiting: boolean;
  busy: boolean;
  onMove: (to: Status, weightKg?: number) => void;
}) {
  const forward = stop.next.filter((s) => !DESTRUCTIVE.includes(s));
  // proof of service: collecting needs the weight (more than 0, at most 1000 kg)
  const [weight, setWeight] = useState('');
  const kg = Number(weight);
  const weightOk = weight.trim() !== '' && Number.isFinite(kg) && kg > 0 && kg <= 1000;
  return (
    <li className="rounded-xl bg-white p-4 shadow-sm ring-1 ring-gray-200" data-testid="route-stop" data-stop-id={stop.id}>
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h2 className="text-lg font-bold text-gray-900">
          {t('route.stop', { n })} · {formatSlot(stop.slot)} <span className="text-sm font-normal text-gray-700">({tzLabel()})</span>
        </h2>
        <span data-testid="route-stop-status">
          <StatusBadge status={stop.status} />
        </span>
      </div>
      {waiting && (
        <p className="mt-1 text-sm font-semibold text-amber-900" data-testid="route-stop-pending">
          {t('route.pending')}
        </p>
      )}
      <p className="mt-2 text-base text-gray-900">{addressLine(stop)}</p>
      <div className="mt-2 flex flex-wrap gap-2 text-sm">
        <a className="font-semibold text-brand-800 underline" href={stop.map.osm} target="_blank" rel="noreferrer">
          {t('route.openMap')}
        </a>
        <a className="font-semibold text-brand-800 underline" href={stop.map.geo}>
          {t('route.navigate')}
        </a>
        {stop.phone && (
          <a className="font-semibold text-brand-800 underline" href={`tel:${stop.phone.replace(/[^+\d]/g, '')}`}>
            {t('route.call', { phone: stop.phone })}
          </a>
        )}
      </div>
      <p className="mt-2 text-sm text-gray-900">
        <strong>{categoryLabel(stop.category)}</strong> · {stop.quantity}
        {stop.is_special && ` · ${t('route.special')}`}
        {stop.resident_name && ` · ${stop.resident_name}`}
      </p>
      <p className="mt-1 text-sm text-gray-800">{stop.description}</p>
      {stop.notes.length > 0 && (
        <div className="mt-2">
          <p className="text-sm font-medium text-gray-900">{t('route.notes')}</p>
          <ul className="list-disc pl-5 text-sm text-gray-800">
            {stop.notes.map((note, i) => (
              <li key={i}>{note}</li>
            ))}
          </ul>
        </div>
      )}
      {stop.photos.length > 0 && (
        <ul className="mt-2 flex flex-wrap gap-2" aria-label={t('route.photos', { n })}>
          {stop.photos.map((p, i) => (
            <li key={p}>
              <a href={p} target="_blank" rel="noreferrer">
                <img
                  src={p}
                  alt={t('detail.photoAlt', { n: i + 1 })}
                  className="h-20 w-20 rounded-lg object-cover ring-1 ring-gray-300"
                  loading="lazy"
                />
              </a>
            </li>
          ))}
        </ul>
      )}
      {forward.length > 0 && (
        <div className="mt-3 grid gap-2">
          {forward.includes('collected') && (
            <TextField
              label={t('staff.weight')}
              hint={t('staff.weightHint')}
              type="number"
              inputMode="decimal"
              min="0"
              max="1000"
              step="0.1"
              value={weight}
              onChange={(e) => setWeight(e.target.value)}
            />
          )}
          {forward.map((to) => (
            <Button
              key={to}
              className="min-h-[56px] w-full text-lg"
              loading={busy}
              disabled={to === 'collected' && !weightOk}
              onClick={() => onMove(to, to === 'collected' ? kg : undefined)}
            >
              {t('route.moveTo', { status: statusLabel(to) })}
            </Button>
          ))}
        </div>
      )}
      <Link to={`/staff/requests/${stop.id}`} className="mt-3 inline-block text-sm font-semibold text-brand-800 underline">
        {t('route.more')}
      </Link>
    </li>
  );
}
