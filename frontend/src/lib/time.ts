import { intlLocale } from '../i18n';

/**
 * Times are shown in the service's time zone (Asia/Kolkata by default, VITE_SERVICE_TZ to
 * change), not the browser's: slots are a city service's local hours, so a resident
 * travelling abroad still sees "10:00" for the 10:00 pickup. The UI says which zone it uses.
 */
export const SERVICE_TZ: string = (import.meta.env.VITE_SERVICE_TZ as string | undefined) || 'Asia/Kolkata';

function fmt(opts: Intl.DateTimeFormatOptions, tz = SERVICE_TZ) {
  return new Intl.DateTimeFormat(intlLocale(), { timeZone: tz, ...opts });
}

function valid(iso: string | null | undefined): Date | null {
  if (!iso) return null;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : d;
}

export function formatDateTime(iso: string | null | undefined): string {
  const d = valid(iso);
  if (!d) return '';
  return fmt({
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(d);
}

export function formatDate(iso: string | null | undefined): string {
  const d = valid(iso);
  if (!d) return '';
  return fmt({ weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' }).format(d);
}

export function formatTime(iso: string | null | undefined): string {
  const d = valid(iso);
  if (!d) return '';
  return fmt({ hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(d);
}

export function formatSlot(slot: { start: string; end: string } | null | undefined): string {
  if (!slot) return '';
  return `${formatDate(slot.start)}, ${formatTime(slot.start)}–${formatTime(slot.end)}`;
}

/** Short name of the service zone, e.g. "IST". */
export function tzLabel(): string {
  try {
    const part = fmt({ timeZoneName: 'short' })
      .formatToParts(new Date())
      .find((p) => p.type === 'timeZoneName');
    return part ? `${part.value}, ${SERVICE_TZ}` : SERVICE_TZ;
  } catch {
    return SERVICE_TZ;
  }
}

/** Calendar date (YYYY-MM-DD) of an instant in the service zone. */
export function dateInTz(d: Date | string, tz = SERVICE_TZ): string {
  const date = typeof d === 'string' ? new Date(d) : d;
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(date);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}

export function todayInTz(now = new Date(), tz = SERVICE_TZ): string {
  return dateInTz(now, tz);
}

/** Adds days to a YYYY-MM-DD date. */
export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number);
  const dt = new Date(Date.UTC(y, m - 1, d + days));
  return dt.toISOString().slice(0, 10);
}

/** Offset (minutes east of UTC) of a zone at an instant. */
function tzOffsetMinutes(instant: Date, tz: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: tz,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(instant);
  const n = (t: string) => Number(parts.find((p) => p.type === t)?.value);
  const asUtc = Date.UTC(n('year'), n('month') - 1, n('day'), n('hour') % 24, n('minute'), n('second'));
  return Math.round((asUtc - instant.getTime()) / 60000);
}

/** Wall-clock date + time in a zone → UTC ISO string ("2025-01-02", "09:30" → "2025-01-02T04:00:00.000Z"). */
export function zonedToUtcIso(date: string, time: string, tz = SERVICE_TZ): string {
  const [y, m, d] = date.split('-').map(Number);
  const [hh, mm] = time.split(':').map(Number);
  const guess = Date.UTC(y, m - 1, d, hh, mm);
  let offset = tzOffsetMinutes(new Date(guess), tz);
  let utc = guess - offset * 60000;
  const offset2 = tzOffsetMinutes(new Date(utc), tz);
  if (offset2 !== offset) {
    offset = offset2;
    utc = guess - offset * 60000;
  }
  return new Date(utc).toISOString();
}

/** Hours from now until an instant (negative when past). */
export function hoursUntil(iso: string, now = Date.now()): number {
  return (new Date(iso).getTime() - now) / 3_600_000;
}

/** "5 minutes ago", "in 2 days". */
export function relativeTime(iso: string, now = Date.now()): string {
  const d = valid(iso);
  if (!d) return '';
  const diff = (d.getTime() - now) / 1000;
  const rtf = new Intl.RelativeTimeFormat(intlLocale(), { numeric: 'auto' });
  const abs = Math.abs(diff);
  if (abs < 60) return rtf.format(Math.round(diff), 'second');
  if (abs < 3600) return rtf.format(Math.round(diff / 60), 'minute');
  if (abs < 86400) return rtf.format(Math.round(diff / 3600), 'hour');
  if (abs < 86400 * 30) return rtf.format(Math.round(diff / 86400), 'day');
  return formatDate(iso);
}
