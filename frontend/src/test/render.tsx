import type { ReactElement } from 'react';
import { render } from '@testing-library/react';
import { MemoryRouter, Route, Routes, useLocation } from 'react-router-dom';
import { authStore } from '../stores/auth';
import type { User } from '../api/types';

/** Shows the current location so tests can assert navigation. */
function Where() {
  const loc = useLocation();
  return <div data-testid="location">{loc.pathname + loc.search}</div>;
}

/** Renders `ui` at `route` (matched by `path`), with other routes showing a marker. */
export function renderAt(ui: ReactElement, { route = '/', path = '/', state }: { route?: string; path?: string; state?: unknown } = {}) {
  return render(
    <MemoryRouter
      future={{ v7_startTransition: true, v7_relativeSplatPath: true }}
      initialEntries={[{ pathname: route.split('?')[0], search: route.includes('?') ? `?${route.split('?')[1]}` : '', state }]}
    >
      <Routes>
        <Route
          path={path}
          element={
            <>
              {ui}
              <Where />
            </>
          }
        />
        <Route path="*" element={<Where />} />
      </Routes>
    </MemoryRouter>,
  );
}

export function signIn(user: User, token = 'test-token'): void {
  localStorage.setItem('swmra_token', token);
  authStore.set({ token, user, status: 'ready' });
}
