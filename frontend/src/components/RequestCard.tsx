import { Link } from 'react-router-dom';
import type { PickupRequest } from '../api/types';
import { StatusBadge } from './StatusBadge';
import { formatDate, formatSlot } from '../lib/time';
import { t, tDyn } from '../i18n';

export function categoryLabel(c: string): string {
  return tDyn(`category.${c}`);
}

export function RequestCard({ request, to }: { request: PickupRequest; to?: string }) {
  return (
    <li>
      <Link
        to={to ?? `/requests/${request.id}`}
        className="block rounded-xl bg-white p-4 shadow-sm ring-1 ring-gray-200 hover:ring-brand-700 focus-visible:outline focus-visible:outline-2 focus-visible:outline-brand-700"
      >
        <div className="flex flex-wrap items-center justify-between gap-2">
          <span className="text-sm font-semibold uppercase tracking-wide text-brand-800">{categoryLabel(request.category)}</span>
          <StatusBadge status={request.status} />
        </div>
        <p className="mt-1 line-clamp-2 text-gray-900">{request.description}</p>
        {request.status === 'draft' && <p className="mt-1 text-sm font-medium text-amber-900">{t('draft.cardHint')}</p>}
        <p className="mt-1 text-sm text-gray-700">
          {request.assigned_slot
            ? t('request.slotOn', { slot: formatSlot(request.assigned_slot) })
            : t('request.createdOn', { date: formatDate(request.created_at) })}
        </p>
      </Link>
    </li>
  );
}
