import type { PickupRequest, SlotRange, Status } from '../api/types';
import { t } from '../i18n';

/** Staff lifecycle edges (mirrors the server's state machine). */
export const TRANSITIONS: Record<Status, Status[]> = {
  draft: ['submitted'],
  submitted: ['pending_review', 'cancelled'],
  pending_review: ['scheduled', 'cancelled'],
  scheduled: ['enroute', 'cancelled'],
  enroute: ['onsite', 'failed'],
  onsite: ['collecting', 'failed'],
  collecting: ['collected', 'failed'],
  collected: ['handover'],
  handover: ['verification'],
  verification: ['completed'],
  completed: [],
  failed: ['scheduled', 'cancelled'],
  cancelled: [],
};

/** Allowed next statuses: the server's list when it sent one, else the table above. */
export function allowedTransitions(status: Status, fromServer?: Status[] | null): Status[] {
  if (Array.isArray(fromServer)) return fromServer;
  return TRANSITIONS[status] ?? [];
}

/** Columns of the staff pipeline board, in order. */
export const BOARD_COLUMNS: Status[] = [
  'submitted',
  'pending_review',
  'scheduled',
  'enroute',
  'onsite',
  'collecting',
  'collected',
  'handover',
  'verification',
  'completed',
  'failed',
  'cancelled',
];

/** Statuses a resident may cancel from (the 24 h rule applies on top). */
export const CITIZEN_CANCELLABLE: Status[] = ['draft', 'submitted', 'pending_review', 'scheduled'];

/** Statuses in which a resident may pick or change a slot. */
export const CITIZEN_SLOT_CHANGEABLE: Status[] = ['submitted', 'pending_review', 'scheduled'];

export const CANCEL_CUTOFF_HOURS = 24;

/** Badge colours (all pairs ≥ 4.5:1 contrast). */
export function statusTone(status: Status): string {
  switch (status) {
    case 'completed':
      return 'bg-green-100 text-green-900 ring-green-700/30';
    case 'cancelled':
      return 'bg-gray-200 text-gray-900 ring-gray-600/30';
    case 'failed':
      return 'bg-red-100 text-red-900 ring-red-700/30';
    case 'scheduled':
      return 'bg-blue-100 text-blue-900 ring-blue-700/30';
    case 'draft':
    case 'submitted':
    case 'pending_review':
      return 'bg-amber-100 text-amber-900 ring-amber-700/30';
    default:
      return 'bg-brand-100 text-brand-900 ring-brand-700/30';
  }
}

/** A request counts as active while it can still be picked up. */
export function isActive(status: Status): boolean {
  return !['completed', 'cancelled', 'failed', 'draft'].includes(status);
}

/** What the "Pickup slot" field says when no slot is assigned: a closed request has none to come. */
export function noSlotText(status: Status): string {
  if (status === 'cancelled') return t('detail.noSlotCancelled');
  if (status === 'failed') return t('detail.noSlotFailed');
  return t('detail.noSlot');
}

/** A draft's first preferred slot, unless it has already started (the API would refuse it). */
export function draftSlot(draft: Pick<PickupRequest, 'preferred_slots'> | null | undefined, now = Date.now()): SlotRange | null {
  const first = draft?.preferred_slots?.[0];
  return first && new Date(first.start).getTime() > now ? { start: first.start, end: first.end } : null;
}
