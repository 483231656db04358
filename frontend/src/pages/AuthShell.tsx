import type { ReactNode } from 'react';
import { Logo } from '../components/Logo';
import { useTitle } from '../lib/hooks';
import { t } from '../i18n';
import { LanguageSwitcher } from '../components/LanguageSwitcher';

export function AuthShell({ title, subtitle, children }: { title: string; subtitle: string; children: ReactNode }) {
  useTitle(title);
  return (
    <div className="flex min-h-screen items-start justify-center bg-gradient-to-b from-brand-50 to-gray-50 px-4 py-10 sm:items-center">
      <main id="main" className="w-full max-w-md">
        <div className="mb-2 flex justify-end">
          <LanguageSwitcher />
        </div>
        <div className="mb-6 flex items-center justify-center gap-2">
          <Logo className="h-10 w-10" />
          <span className="text-2xl font-bold text-brand-800">{t('app.name')}</span>
        </div>
        <div className="rounded-2xl bg-white p-6 shadow-sm ring-1 ring-gray-200">
          <h1 className="text-2xl font-bold text-gray-900">{title}</h1>
          <p className="mb-5 mt-1 text-sm text-gray-700">{subtitle}</p>
          {children}
        </div>
        <p className="mt-4 text-center text-xs text-gray-700">{t('app.tagline')}</p>
      </main>
    </div>
  );
}
