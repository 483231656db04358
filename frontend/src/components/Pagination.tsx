import { t } from '../i18n';
import { Button } from './ui';

export function Pagination({
  skip,
  limit,
  total,
  onChange,
  label,
}: {
  skip: number;
  limit: number;
  total: number;
  onChange: (skip: number) => void;
  label?: string;
}) {
  if (total <= limit && skip === 0) return null;
  const page = Math.floor(skip / limit) + 1;
  const pages = Math.max(1, Math.ceil(total / limit));
  return (
    <nav aria-label={label ?? t('pagination.label')} className="mt-4 flex items-center justify-between gap-2">
      <Button variant="secondary" disabled={skip <= 0} onClick={() => onChange(Math.max(0, skip - limit))}>
        {t('pagination.previous')}
      </Button>
      <p className="text-sm text-gray-800" aria-live="polite">
        {t('pagination.status', { page, pages, total })}
      </p>
      <Button variant="secondary" disabled={skip + limit >= total} onClick={() => onChange(skip + limit)}>
        {t('pagination.next')}
      </Button>
    </nav>
  );
}
