import type { ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router-dom';
import { useStore } from '../lib/store';
import { authStore } from '../stores/auth';
import type { Role } from '../api/types';
import { Loading } from './ui';
import { t } from '../i18n';

export function RequireAuth({ children }: { children: ReactNode }) {
  const status = useStore(authStore, (s) => s.status);
  const user = useStore(authStore, (s) => s.user);
  const location = useLocation();
  if (status === 'loading') return <Loading label={t('app.loading')} />;
  if (!user) return <Navigate to="/login" replace state={{ from: location.pathname + location.search }} />;
  return <>{children}</>;
}

export function RequireRole({ roles, children }: { roles: Role[]; children: ReactNode }) {
  const user = useStore(authStore, (s) => s.user);
  if (!user || !roles.includes(user.role)) {
    return (
      <div role="alert" className="rounded-xl bg-white p-6 ring-1 ring-gray-200">
        <h1 className="text-xl font-bold text-gray-900">{t('forbidden.title')}</h1>
        <p className="mt-2 text-gray-800">{t('forbidden.body')}</p>
      </div>
    );
  }
  return <>{children}</>;
}

export function GuestOnly({ children }: { children: ReactNode }) {
  const status = useStore(authStore, (s) => s.status);
  const user = useStore(authStore, (s) => s.user);
  const location = useLocation();
  const from = (location.state as { from?: string } | null)?.from;
  if (status === 'loading') return <Loading label={t('app.loading')} />;
  if (user) return <Navigate to={from && from !== '/login' ? from : user.role === 'citizen' ? '/' : '/staff'} replace />;
  return <>{children}</>;
}
