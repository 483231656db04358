import { Link } from 'react-router-dom';
import { PageHeader } from '../components/ui';
import { t } from '../i18n';

export default function NotFound() {
  return (
    <div>
      <PageHeader title={t('notFound.title')} subtitle={t('notFound.body')} />
      <Link to="/" className="font-semibold text-brand-800 underline">
        {t('notFound.home')}
      </Link>
    </div>
  );
}
