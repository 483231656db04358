import { describe, expect, it } from 'vitest';
import { screen, waitFor } from '@testing-library/react';
import { render } from '@testing-library/react';
import { MemoryRouter } from 'react-router-dom';
import App from './App';
import { fakeFetch, reply } from './test/fakeFetch';
import { installFakeSockets } from './test/fakeSockets';
import { citizen, makeRequest } from './test/fixtures';
import { authStore } from './stores/auth';

function renderApp(path: string) {
  return render(
    <MemoryRouter initialEntries={[path]} future={{ v7_startTransition: true, v7_relativeSplatPath: true }}>
      <App />
    </MemoryRouter>,
  );
}

describe('App', () => {
  it('sends a signed-out visitor to the sign-in page', async () => {
    fakeFetch({});
    renderApp('/requests');
    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument();
  });

  it('boots a stored session: dashboard, points badge, bell and live stream', async () => {
    localStorage.setItem('swmra_token', 'tok');
    const sockets = installFakeSockets();
    fakeFetch({
      'GET /api/auth/me': citizen,
      'GET /api/requests': { items: [makeRequest()], total: 1, skip: 0, limit: 5 },
      'GET /api/rewards/summary': { total_points: 15, recent: [] },
      'GET /api/notifications': [],
      'GET /api/notifications/unread-count': { unread: 4 },
      'POST /api/ws/ticket': { ticket: 'tk-1', expires_in: 30 },
    });
    renderApp('/');
    expect(await screen.findByRole('heading', { name: 'Hello, Asha Rao' })).toBeInTheDocument();
    await waitFor(() => expect(screen.getByTestId('points-badge')).toHaveTextContent('15 pts'));
    await waitFor(() => expect(screen.getByRole('button', { name: 'Notifications, 4 unread' })).toBeInTheDocument());
    // the live stream opens with a one-use ticket: the token stays out of the URL
    await waitFor(() => expect(sockets.wsCount()).toBe(1));
    expect(sockets.ws().url).toMatch(/\/api\/ws\/notifications\?ticket=tk-1$/);
    expect(screen.queryByRole('link', { name: 'Staff console' })).not.toBeInTheDocument();
  });

  it('signs out on any 401 (swmra:unauthorized)', async () => {
    localStorage.setItem('swmra_token', 'tok');
    installFakeSockets();
    fakeFetch({
      'GET /api/auth/me': citizen,
      'GET /api/requests': reply(401, { detail: 'Invalid token' }),
      'GET /api/rewards/summary': { total_points: 0, recent: [] },
      'GET /api/notifications': [],
      'GET /api/notifications/unread-count': { unread: 0 },
    });
    renderApp('/requests');
    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument();
    expect(localStorage.getItem('swmra_token')).toBeNull();
    expect(authStore.get().user).toBeNull();
    // …and says why, instead of dropping the user on a bare sign-in form.
    expect(await screen.findByText(/you were signed out/i)).toBeInTheDocument();
  });

  it('keeps residents out of staff pages', async () => {
    localStorage.setItem('swmra_token', 'tok');
    installFakeSockets();
    fakeFetch({
      'GET /api/auth/me': citizen,
      'GET /api/rewards/summary': { total_points: 0, recent: [] },
      'GET /api/notifications': [],
      'GET /api/notifications/unread-count': { unread: 0 },
    });
    renderApp('/staff');
    expect(await screen.findByRole('heading', { name: 'Not available' })).toBeInTheDocument();
  });
});
