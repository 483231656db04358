import { useEffect, useState } from 'react';
import type { PickupRequest } from '../api/types';
import { intlLocale, t } from '../i18n';
import { CANCEL_CUTOFF_HOURS } from './status';
import { SERVICE_TZ, relativeTime } from './time';

/**
 * The change deadline of a request: until when the resident may cancel or reschedule. The
 * server sends it as `change_deadline` (null when the rule does not apply); a request read
 * before the field existed falls back to the same rule (slot start less the cut-off).
 */
export function changeDeadline(req: Pick<PickupRequest, 'assigned_slot'> & { change_deadline?: string | null }): string | null {
  if (req.change_deadline !== undefined) return req.change_deadline;
  if (!req.assigned_slot) return null;
  return new Date(new Date(req.assigned_slot.start).getTime() - CANCEL_CUTOFF_HOURS * 3_600_000).toISOString();
}

/** "Fri, 09:00" in the service time zone. */
export function formatWeekdayTime(iso: string): string {
  const d = new Date(iso);
  const day = new Intl.DateTimeFormat(intlLocale(), { timeZone: SERVICE_TZ, weekday: 'short' }).format(d);
  const time = new Intl.DateTimeFormat(intlLocale(), { timeZone: SERVICE_TZ, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(
    d,
  );
  return `${day}, ${time}`;
}

/** The countdown sentence: open ("You can change or cancel until Fri, 09:00 (in 2 days)") or passed. */
export function deadlineText(deadline: string, now: number): { open: boolean; text: string } {
  const open = new Date(deadline).getTime() > now;
  const vars = { when: formatWeekdayTime(deadline), rel: relativeTime(deadline, now) };
  return { open, text: open ? t('deadline.open', vars) : t('deadline.passed', vars) };
}

/** The current time, refreshed every `everyMs` (a countdown's clock; fake timers drive it in tests). */
export function useNow(everyMs = 30_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(id);
  }, [everyMs]);
  return now;
}
