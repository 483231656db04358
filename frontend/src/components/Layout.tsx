import { useEffect, useRef, useState } from 'react';
import { Link, NavLink, Outlet, useLocation, useNavigate } from 'react-router-dom';
import { useStore } from '../lib/store';
import { authStore, isAdmin, isStaff, logout } from '../stores/auth';
import { rewardsStore } from '../stores/rewards';
import { useOnline } from '../lib/hooks';
import { NotificationBell } from './NotificationBell';
import { LanguageSwitcher } from './LanguageSwitcher';
import { t } from '../i18n';
import { Logo } from './Logo';
import { ErrorBoundary } from './ErrorBoundary';

const navClass = ({ isActive }: { isActive: boolean }) =>
  `block rounded-lg px-3 py-2 text-sm font-medium focus-visible:outline focus-visible:outline-2 focus-visible:outline-brand-700 ${
    isActive ? 'bg-brand-700 text-white' : 'text-gray-900 hover:bg-brand-50'
  }`;

export function Layout() {
  const user = useStore(authStore, (s) => s.user);
  const summary = useStore(rewardsStore, (s) => s.summary);
  const online = useOnline();
  const [menuOpen, setMenuOpen] = useState(false);
  const location = useLocation();
  const navigate = useNavigate();
  const first = useRef(true);

  // Move focus to the page heading after navigation so screen readers announce the new page.
  useEffect(() => {
    setMenuOpen(false);
    if (first.current) {
      first.current = false;
      return;
    }
    const id = setTimeout(() => {
      const h1 = document.querySelector<HTMLElement>('#main h1');
      (h1 ?? document.getElementById('main'))?.focus();
    }, 0);
    return () => clearTimeout(id);
  }, [location.pathname]);

  const onLogout = async () => {
    await logout();
    navigate('/login', { replace: true });
  };

  const staff = isStaff(user);
  const admin = isAdmin(user);

  return (
    <div className="min-h-screen bg-gray-50 print:bg-white">
      <a
        href="#main"
        className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2 focus:text-brand-800 focus:ring-2 focus:ring-brand-700"
      >
        {t('nav.skip')}
      </a>
      <header className="sticky top-0 z-20 border-b border-gray-200 bg-white print:hidden">
        <div className="mx-auto flex max-w-6xl items-center gap-2 px-3 py-2 sm:px-4">
          <Link
            to={staff && user?.role !== 'citizen' ? '/staff' : '/'}
            className="flex items-center gap-2 rounded-lg p-1 focus-visible:outline focus-visible:outline-2 focus-visible:outline-brand-700"
          >
            <Logo className="h-8 w-8" />
            <span className="text-lg font-bold text-brand-800">{t('app.name')}</span>
          </Link>
          <div className="ml-auto flex items-center gap-1 sm:gap-2">
            <Link
              to="/rewards"
              className="rounded-full bg-brand-100 px-3 py-1 text-sm font-semibold text-brand-900 ring-1 ring-inset ring-brand-700/30 hover:bg-brand-200"
              data-testid="points-badge"
            >
              {t('header.points', { points: summary?.total_points ?? 0 })}
              <span className="sr-only"> {t('header.pointsLabel')}</span>
            </Link>
            <NotificationBell />
            <LanguageSwitcher className="hidden md:flex" />
            <button
              type="button"
              className="inline-flex h-11 w-11 items-center justify-center rounded-lg text-gray-900 hover:bg-brand-50 focus-visible:outline focus-visible:outline-2 focus-visible:outline-brand-700 md:hidden"
              aria-expanded={menuOpen}
              aria-controls="main-nav"
              aria-label={menuOpen ? t('nav.closeMenu') : t('nav.openMenu')}
              onClick={() => setMenuOpen((o) => !o)}
            >
              <svg aria-hidden="true" viewBox="0 0 24 24" className="h-6 w-6" fill="none" stroke="currentColor" strokeWidth="2">
                {menuOpen ? (
                  <path d="M6 6l12 12M18 6 6 18" strokeLinecap="round" />
                ) : (
                  <path d="M4 7h16M4 12h16M4 17h16" strokeLinecap="round" />
                )}
              </svg>
            </button>
          </div>
        </div>
        <nav id="main-nav" aria-label={t('nav.label')} className={`${menuOpen ? 'block' : 'hidden'} border-t border-gray-200 md:block`}>
          <div className="mx-auto flex max-w-6xl flex-col gap-1 px-3 py-2 sm:px-4 md:flex-row md:flex-wrap md:items-center">
            <NavLink to="/" end className={navClass}>
              {t('nav.dashboard')}
            </NavLink>
            <NavLink to="/requests" end className={navClass}>
              {t('nav.requests')}
            </NavLink>
            <NavLink to="/requests/new" className={navClass}>
              {t('nav.newRequest')}
            </NavLink>
            <NavLink to="/rewards" className={navClass}>
              {t('nav.rewards')}
            </NavLink>
            <NavLink to="/notifications" className={navClass}>
              {t('nav.notifications')}
            </NavLink>
            {staff && (
              <>
                <span className="hidden px-1 text-gray-400 md:inline" aria-hidden="true">
                  |
                </span>
                <NavLink to="/staff" end className={navClass}>
                  {t('nav.console')}
                </NavLink>
                <NavLink to="/staff/slots" className={navClass}>
                  {t('nav.slotCalendar')}
                </NavLink>
                <NavLink to="/staff/reports" className={navClass}>
                  {t('nav.reports')}
                </NavLink>
                <NavLink to="/staff/my-route" className={navClass}>
                  {t('nav.myRoute')}
                </NavLink>
                <NavLink to="/staff/route-sheet" className={navClass}>
                  {t('nav.routeSheet')}
                </NavLink>
              </>
            )}
            {admin && (
              <>
                <NavLink to="/admin/users" className={navClass}>
                  {t('nav.users')}
                </NavLink>
                <NavLink to="/admin/crews" className={navClass}>
                  {t('nav.crews')}
                </NavLink>
                <NavLink to="/admin/slots" className={navClass}>
                  {t('nav.slotTemplates')}
                </NavLink>
                <NavLink to="/admin/system" className={navClass}>
                  {t('nav.system')}
                </NavLink>
                <NavLink to="/admin/api-keys" className={navClass}>
                  {t('nav.apiKeys')}
                </NavLink>
                <NavLink to="/admin/audit" className={navClass}>
                  {t('nav.audit')}
                </NavLink>
              </>
            )}
            <div className="flex flex-col gap-1 md:ml-auto md:flex-row md:items-center">
              {/* narrow screens: the header has no room, the menu holds the switcher */}
              <LanguageSwitcher className="px-3 py-1 md:hidden" />
              <NavLink to="/profile" className={navClass}>
                {t('nav.profile', { name: user?.name ?? '' })}
              </NavLink>
              <button
                type="button"
                onClick={onLogout}
                className="rounded-lg px-3 py-2 text-left text-sm font-medium text-gray-900 hover:bg-brand-50 focus-visible:outline focus-visible:outline-2 focus-visible:outline-brand-700"
              >
                {t('nav.logout')}
              </button>
            </div>
          </div>
        </nav>
      </header>
      {/* My route works offline and says so itself */}
      {!online && location.pathname !== '/staff/my-route' && (
        <div role="status" className="bg-amber-100 px-4 py-2 text-center text-sm font-medium text-amber-900 print:hidden">
          {t('app.offline')}
        </div>
      )}
      <main id="main" tabIndex={-1} className="mx-auto max-w-6xl px-3 py-4 focus:outline-none sm:px-4 sm:py-6 print:max-w-none print:p-0">
        <ErrorBoundary resetKey={location.pathname}>
          <Outlet />
        </ErrorBoundary>
      </main>
    </div>
  );
}
