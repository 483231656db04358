import type { EventActor, RequestEvent } from '../api/types';
import { formatDateTime, formatSlot } from '../lib/time';
import { statusLabel } from './StatusBadge';
import { t } from '../i18n';

/** The actor of an event: `by` is the user id and `by_role` their role; an object `by`
 * (`{id, role}`) is read too. */
function actor(e: RequestEvent): { id: string; role?: string } | null {
  const by: EventActor | undefined = e.by;
  if (!by) return null;
  if (typeof by === 'string') return { id: by, role: e.by_role ?? undefined };
  return typeof by.id === 'string' ? { id: by.id, role: by.role } : null;
}

function describe(e: RequestEvent): { title: string; detail?: string } {
  const d = (e.data ?? {}) as Record<string, unknown>;
  const str = (k: string) => (typeof d[k] === 'string' && d[k] ? (d[k] as string) : undefined);
  const slot = d.slot && typeof d.slot === 'object' ? (d.slot as { start: string; end: string }) : null;
  const parts = [str('note'), str('reason'), slot ? t('timeline.slotDetail', { slot: formatSlot(slot) }) : undefined].filter(Boolean);
  const detail = parts.length ? parts.join(' · ') : undefined;
  if (e.type === 'STATUS_CHANGE') {
    const from = str('from');
    const to = str('to') ?? str('status');
    // A reschedule keeps the status: "Scheduled → Scheduled" says nothing, the slot is the news.
    if (from && to && from === to) return { title: t('timeline.slot'), detail };
    if (from && to) return { title: t('timeline.statusChange', { from: statusLabel(from), to: statusLabel(to) }), detail };
    if (to) return { title: t('timeline.statusSet', { to: statusLabel(to) }), detail };
  }
  if (e.type === 'EDIT') return { title: t('timeline.edit'), detail };
  if (e.type === 'NOTE') return { title: t('timeline.note'), detail: str('note') ?? str('text') ?? detail };
  if (e.type === 'SLOT' || e.type === 'SLOT_CHANGE' || e.type === 'RESCHEDULE') return { title: t('timeline.slot'), detail };
  return { title: e.type.replace(/_/g, ' ').toLowerCase().replace(/^./, (c) => c.toUpperCase()), detail };
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
        const a = actor(e);
        const who = !a
          ? ''
          : a.id === currentUserId
            ? t('timeline.byYou')
            : actors?.[a.id]
              ? t('timeline.by', { who: actors[a.id] })
              : a.role === 'system'
                ? t('timeline.bySystem')
                : actors
                  ? t('timeline.by', { who: t('timeline.staffId', { id: a.id.slice(-6) }) })
                  : a.role === 'citizen'
                    ? t('timeline.byResident')
                    : t('timeline.byStaff');
        return (
          <li key={`${e.at}-${i}`} className="mb-4 ml-4">
            <span aria-hidden="true" className="absolute -left-[7px] mt-1.5 h-3 w-3 rounded-full bg-brand-700" />
            <p className="font-medium text-gray-900">{title}</p>
            {detail && <p className="text-sm text-gray-800">{detail}</p>}
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
