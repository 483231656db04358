import type { Status } from '../api/types';
import { statusTone } from '../lib/status';
import { tDyn } from '../i18n';

export function statusLabel(status: string): string {
  return tDyn(`status.${status}`);
}

export function StatusBadge({ status }: { status: Status }) {
  return (
    <span className={`inline-flex items-center rounded-full px-2.5 py-0.5 text-xs font-semibold ring-1 ring-inset ${statusTone(status)}`}>
      {statusLabel(status)}
    </span>
  );
}
