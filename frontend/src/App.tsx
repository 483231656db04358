import { lazy, Suspense, useEffect } from 'react';
import { Route, Routes } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { useStore } from './lib/store';
import { authStore, bootstrapAuth, endSession } from './stores/auth';
import { connectNotifications, disconnectNotifications } from './stores/notifications';
import { loadRewards, rewardsStore } from './stores/rewards';
import { NOTIFICATION_EVENT, UNAUTHORIZED_EVENT } from './api/config';
import { GuestOnly, RequireAuth, RequireRole } from './components/Guards';
import { Layout } from './components/Layout';
import { Loading } from './components/ui';
import Login from './pages/Login';
import Signup from './pages/Signup';
import ForgotPassword from './pages/ForgotPassword';
import ResetPassword from './pages/ResetPassword';
import Dashboard from './pages/Dashboard';
import Requests from './pages/Requests';
import NewRequest from './pages/NewRequest';
import RequestDetail from './pages/RequestDetail';
import Notifications from './pages/Notifications';
import Rewards from './pages/Rewards';
import Profile from './pages/Profile';
import NotFound from './pages/NotFound';

// Staff and admin screens are loaded on demand so residents download less.
const StaffBoard = lazy(() => import('./pages/staff/StaffBoard'));
const StaffRequestDetail = lazy(() => import('./pages/staff/StaffRequestDetail'));
const SlotCalendar = lazy(() => import('./pages/staff/SlotCalendar'));
const Reports = lazy(() => import('./pages/staff/Reports'));
const MyRoute = lazy(() => import('./pages/staff/MyRoute'));
const RouteSheet = lazy(() => import('./pages/staff/RouteSheet'));
const Users = lazy(() => import('./pages/admin/Users'));
const Crews = lazy(() => import('./pages/admin/Crews'));
const SlotTemplates = lazy(() => import('./pages/admin/SlotTemplates'));
const System = lazy(() => import('./pages/admin/System'));
const ApiKeys = lazy(() => import('./pages/admin/ApiKeys'));
const Audit = lazy(() => import('./pages/admin/Audit'));

/** Session wiring: token check, 401 sign-out, live notifications and points while signed in. */
export function useSession(): void {
  const token = useStore(authStore, (s) => s.token);
  const hasUser = useStore(authStore, (s) => !!s.user);

  useEffect(() => {
    void bootstrapAuth();
    const onUnauthorized = () => endSession();
    window.addEventListener(UNAUTHORIZED_EVENT, onUnauthorized);
    return () => window.removeEventListener(UNAUTHORIZED_EVENT, onUnauthorized);
  }, []);

  useEffect(() => {
    if (!token || !hasUser) {
      disconnectNotifications();
      rewardsStore.reset();
      return;
    }
    connectNotifications(token);
    void loadRewards();
    let timer: ReturnType<typeof setTimeout> | null = null;
    const onNotification = () => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => void loadRewards(), 300);
    };
    window.addEventListener(NOTIFICATION_EVENT, onNotification);
    return () => {
      if (timer) clearTimeout(timer);
      window.removeEventListener(NOTIFICATION_EVENT, onNotification);
      disconnectNotifications();
    };
  }, [token, hasUser]);
}

const staffRoles = ['staff', 'admin'] as const;

export function AppRoutes() {
  return (
    <Suspense fallback={<Loading />}>
      <Routes>
        <Route
          path="/login"
          element={
            <GuestOnly>
              <Login />
            </GuestOnly>
          }
        />
        <Route
          path="/signup"
          element={
            <GuestOnly>
              <Signup />
            </GuestOnly>
          }
        />
        <Route
          path="/forgot-password"
          element={
            <GuestOnly>
              <ForgotPassword />
            </GuestOnly>
          }
        />
        {/* open signed in too: a link from the mail may land in a signed-in browser */}
        <Route path="/reset-password" element={<ResetPassword />} />
        <Route
          element={
            <RequireAuth>
              <Layout />
            </RequireAuth>
          }
        >
          <Route index element={<Dashboard />} />
          <Route path="requests" element={<Requests />} />
          <Route path="requests/new" element={<NewRequest />} />
          <Route path="requests/:id" element={<RequestDetail />} />
          <Route path="requests/:id/edit" element={<NewRequest />} />
          <Route path="notifications" element={<Notifications />} />
          <Route path="rewards" element={<Rewards />} />
          <Route path="profile" element={<Profile />} />
          <Route
            path="staff"
            element={
              <RequireRole roles={[...staffRoles]}>
                <StaffBoard />
              </RequireRole>
            }
          />
          <Route
            path="staff/requests/:id"
            element={
              <RequireRole roles={[...staffRoles]}>
                <StaffRequestDetail />
              </RequireRole>
            }
          />
          <Route
            path="staff/slots"
            element={
              <RequireRole roles={[...staffRoles]}>
                <SlotCalendar />
              </RequireRole>
            }
          />
          <Route
            path="staff/reports"
            element={
              <RequireRole roles={[...staffRoles]}>
                <Reports />
              </RequireRole>
            }
          />
          <Route
            path="staff/my-route"
            element={
              <RequireRole roles={[...staffRoles]}>
                <MyRoute />
              </RequireRole>
            }
          />
          <Route
            path="staff/route-sheet"
            element={
              <RequireRole roles={[...staffRoles]}>
                <RouteSheet />
              </RequireRole>
            }
          />
          <Route
            path="admin/crews"
            element={
              <RequireRole roles={['admin']}>
                <Crews />
              </RequireRole>
            }
          />
          <Route
            path="admin/users"
            element={
              <RequireRole roles={['admin']}>
                <Users />
              </RequireRole>
            }
          />
          <Route
            path="admin/slots"
            element={
              <RequireRole roles={['admin']}>
                <SlotTemplates />
              </RequireRole>
            }
          />
          <Route
            path="admin/system"
            element={
              <RequireRole roles={['admin']}>
                <System />
              </RequireRole>
            }
          />
          <Route
            path="admin/api-keys"
            element={
              <RequireRole roles={['admin']}>
                <ApiKeys />
              </RequireRole>
            }
          />
          <Route
            path="admin/audit"
            element={
              <RequireRole roles={['admin']}>
                <Audit />
              </RequireRole>
            }
          />
          <Route path="*" element={<NotFound />} />
        </Route>
      </Routes>
    </Suspense>
  );
}

export default function App() {
  useSession();
  useTranslation(); // a language change re-renders the whole tree (components call t() at render)
  return <AppRoutes />;
}
