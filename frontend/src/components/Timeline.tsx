import type { RequestEvent } from '../api/types';
import { formatDateTime, formatSlot } from '../lib/time';
import { statusLabel } from './StatusBadge';
import { t } from '../i18n';

/** The timeline holds STATUS_CHANGE (the creation event has no `from`; a reschedule keeps the
 * status and carries the new slot) and NOTE events; `by` is the actor's id, `by_role` their role. */
function describe(e: RequestEvent): { title: string; detail?: string } {
  const { from, to, reason, note, slot } = e.data;
  const parts = [note, reason, slot ? t('timeline.slotDetail', { slot: formatSlot(slot) }) : undefined].filter(Boolean);
  const detail = parts.length ? parts.join(' · ') : undefined;
  if (e.type === 'NOTE') return { title: t('timeline.note'), detail: note || detail };
  // A reschedule keeps the status: "Scheduled → Scheduled" says nothing, the slot is the news.
  if (from && to && from === to) return { title: t('timeline.slot'), detail };
  if (from && to) return { title: t('timeline.statusChange', { from: statusLabel(from), to: statusLabel(to) }), detail };
  if (to) return { title: t('timeline.statusSet', { to: statusLabel(to) }), detail };
  return {
    title: e.type
      .replace(/_/g, ' ')
      .toLowerCase()
      .replace(/^./, (c) => c.toUpperCase()),
    detail,
  };
}

export function Timeline({
  events,
  currentUserId,
  actors,
}: {
  events: RequestEvent[];
  currentUserId?: string;
  /** Known actor ids → labels (staff view); unknown actors are shown as city staff. */
  actors?: Record<string, string>;
}) {
  if (!events.length) return <p className="text-sm text-gray-700">{t('timeline.empty')}</p>;
  const sorted = [...events].sort((a, b) => new Date(a.at).getTime() - new Date(b.at).getTime());
  return (
    <ol className="relative ml-2 border-l-2 border-brand-200">
      {sorted.map((e, i) => {
        const { title, detail } = describe(e);
        const who =
          e.by === currentUserId
            ? t('timeline.byYou')
            : actors?.[e.by]
              ? t('timeline.by', { who: actors[e.by] })
              : actors
                ? t('timeline.by', { who: t('timeline.staffId', { id: e.by.slice(-6) }) })
                : e.by_role === 'citizen'
                  ? t('timeline.byResident')
                  : t('timeline.byStaff');
        return (
          <li key={`${e.at}-${i}`} className="mb-4 ml-4">
            <span aria-hidden="true" className="absolute -left-[7px] mt-1.5 h-3 w-3 rounded-full bg-brand-700" />
            <p className="font-medium text-gray-900">{title}</p>
            {detail && <p className="text-sm text-gray-800">{detail}</p>}
            {typeof e.data.weight_kg === 'number' && (
              <p className="text-sm text-gray-800">{t('detail.weight', { kg: e.data.weight_kg })}</p>
            )}
            {(e.data.proof_photos?.length ?? 0) > 0 && (
              <ul className="mt-1 flex flex-wrap gap-2" aria-label={t('detail.proofPhotos')}>
                {e.data.proof_photos!.map((p, n) => (
                  <li key={p}>
                    <a href={p} target="_blank" rel="noreferrer">
                      <img
                        src={p}
                        alt={t('detail.photoAlt', { n: n + 1 })}
                        className="h-16 w-16 rounded object-cover ring-1 ring-gray-300"
                        loading="lazy"
                      />
                    </a>
                  </li>
                ))}
              </ul>
            )}
            <p className="text-xs text-gray-700">
              <time dateTime={e.at}>{formatDateTime(e.at)}</time>
              {who && ` · ${who}`}
            </p>
          </li>
        );
      })}
    </ol>
  );
}
