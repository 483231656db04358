import type { PickupRequest } from '../api/types';
import { changeDeadline, deadlineText } from '../lib/deadline';
import { CITIZEN_CANCELLABLE } from '../lib/status';

/**
 * The countdown to a request's change deadline, for a request the resident may still change
 * by status; nothing when no deadline applies. `now` comes from the caller's useNow, so the
 * sentence and the actions it gates change together when the deadline passes.
 */
export function ChangeDeadline({ req, now, className = '' }: { req: PickupRequest; now: number; className?: string }) {
  const deadline = changeDeadline(req);
  if (!deadline || !CITIZEN_CANCELLABLE.includes(req.status)) return null;
  const { open, text } = deadlineText(deadline, now);
  return (
    <p data-testid="change-deadline" className={`text-sm font-medium ${open ? 'text-gray-900' : 'text-amber-900'} ${className}`}>
      {text}
    </p>
  );
}
