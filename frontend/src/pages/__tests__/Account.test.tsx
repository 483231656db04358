import { describe, expect, it } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import Profile from '../Profile';
import Rewards from '../Rewards';
import Notifications from '../Notifications';
import { renderAt, signIn } from '../../test/render';
import { fakeFetch, reply } from '../../test/fakeFetch';
import { citizen, makeNotification } from '../../test/fixtures';
import { authStore } from '../../stores/auth';
import { notificationStore } from '../../stores/notifications';

describe('Profile', () => {
  it('saves name, phone and notification preferences', async () => {
    signIn(citizen);
    const net = fakeFetch({ 'PATCH /api/auth/me': (c) => ({ ...citizen, ...(c.body as object) }) });
    renderAt(<Profile />, { route: '/profile', path: '/profile' });
    const name = screen.getByLabelText('Full name');
    await userEvent.clear(name);
    await userEvent.type(name, 'Asha R.');
    await userEvent.click(screen.getByLabelText('SMS text messages'));
    await userEvent.click(screen.getByLabelText('Email', { selector: 'input[type="checkbox"]' }));
    await userEvent.click(screen.getByRole('button', { name: 'Save changes' }));
    expect(await screen.findByText('Your profile was saved.')).toBeInTheDocument();
    expect(net.find('PATCH', '/api/auth/me')[0].body).toEqual({
      name: 'Asha R.',
      phone: '+91 98765 43210',
      prefs: { email: false, sms: true, inapp: true },
    });
    expect(authStore.get().user?.name).toBe('Asha R.');
  });

  it('validates the phone inline', async () => {
    signIn(citizen);
    const net = fakeFetch({ 'GET /api/auth/sessions': { items: [] } });
    renderAt(<Profile />, { route: '/profile', path: '/profile' });
    const phone = screen.getByLabelText('Phone');
    await userEvent.clear(phone);
    await userEvent.type(phone, '12');
    await userEvent.click(screen.getByRole('button', { name: 'Save changes' }));
    expect(phone).toHaveAccessibleDescription(/7 to 20 characters/);
    expect(net.calls.filter((c) => c.path !== '/api/auth/sessions')).toHaveLength(0);
  });

  it("changes the password and shows the server's refusal", async () => {
    signIn(citizen);
    const net = fakeFetch({
      'POST /api/auth/password': reply(400, { detail: 'Current password is incorrect' }),
      'GET /api/auth/sessions': { items: [] },
    });
    renderAt(<Profile />, { route: '/profile', path: '/profile' });
    await userEvent.type(screen.getByLabelText('Current password'), 'old-password');
    await userEvent.type(screen.getByLabelText('New password'), 'new-password-1');
    await userEvent.type(screen.getByLabelText('Confirm new password'), 'new-password-2');
    await userEvent.click(screen.getByRole('button', { name: 'Change password' }));
    expect(screen.getByLabelText('Confirm new password')).toHaveAccessibleDescription('The passwords do not match.');
    await userEvent.clear(screen.getByLabelText('Confirm new password'));
    await userEvent.type(screen.getByLabelText('Confirm new password'), 'new-password-1');
    await userEvent.click(screen.getByRole('button', { name: 'Change password' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Current password is incorrect');
    expect(net.find('POST', '/api/auth/password')[0].body).toEqual({ current_password: 'old-password', new_password: 'new-password-1' });
  });
});

describe('Rewards', () => {
  it('shows the total and the ledger with balances, credits and reversals, paged', async () => {
    signIn(citizen);
    const entry = (i: number, points: number, balance: number) => ({
      id: `w${i}`,
      points,
      reason: points < 0 ? 'Reversed: not collected - Bins full' : 'Completed e-waste pickup',
      request_id: 'r9',
      created_at: '2025-03-01T10:00:00Z',
      balance_after: balance,
    });
    const net = fakeFetch({
      'GET /api/rewards/summary': { total_points: 15, recent: [] },
      'GET /api/rewards/ledger': (call) =>
        call.query.get('skip') === '0'
          ? { items: [entry(1, -10, 15), entry(2, 10, 25)], total: 3, skip: 0, limit: 20 }
          : { items: [entry(3, 15, 15)], total: 3, skip: 2, limit: 20 },
    });
    renderAt(<Rewards />, { route: '/rewards', path: '/rewards' });
    await waitFor(() => expect(screen.getByTestId('rewards-total')).toHaveTextContent('15'));
    const ledger = await screen.findByTestId('ledger');
    expect(within(ledger).getByText('−10')).toBeInTheDocument();
    expect(within(ledger).getByText('+10')).toBeInTheDocument();
    expect(within(ledger).getByText('Reversed: not collected - Bins full')).toBeInTheDocument();
    expect(within(ledger).getAllByText(/Balance 15/)).toHaveLength(1);
    expect(within(ledger).getAllByRole('link', { name: 'View request' })[0]).toHaveAttribute('href', '/requests/r9');
    await userEvent.click(screen.getByRole('button', { name: 'Show older' }));
    expect(await within(ledger).findByText('+15')).toBeInTheDocument();
    expect(net.find('GET', '/api/rewards/ledger').at(-1)?.query.get('skip')).toBe('2');
    expect(screen.queryByRole('button', { name: 'Show older' })).not.toBeInTheDocument();
  });

  it('has an empty state', async () => {
    signIn(citizen);
    fakeFetch({
      'GET /api/rewards/summary': { total_points: 0, recent: [] },
      'GET /api/rewards/ledger': { items: [], total: 0, skip: 0, limit: 20 },
    });
    renderAt(<Rewards />, { route: '/rewards', path: '/rewards' });
    expect(await screen.findByText('No points yet')).toBeInTheDocument();
  });
});

describe('Notifications page', () => {
  it('lists, filters unread and marks read', async () => {
    signIn(citizen);
    const net = fakeFetch({
      'GET /api/notifications': [
        makeNotification({ id: 'a', title: 'Crew on the way' }),
        makeNotification({ id: 'b', title: 'Request submitted', read: true }),
      ],
      'GET /api/notifications/unread-count': { unread: 1 },
      'POST /api/notifications/:id/read': {},
    });
    renderAt(<Notifications />, { route: '/notifications', path: '/notifications' });
    expect(await screen.findByText('Request submitted')).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Unread', pressed: false }));
    expect(screen.queryByText('Request submitted')).not.toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Mark as read' }));
    await waitFor(() => expect(net.find('POST', '/api/notifications/a/read')).toHaveLength(1));
    expect(await screen.findByText('You are all caught up.')).toBeInTheDocument();
    expect(notificationStore.get().unread).toBe(0);
  });

  it('lists the signed-in devices; signs one out, and everywhere', async () => {
    signIn(citizen);
    const items = [
      {
        id: 'a'.repeat(32),
        device: 'Firefox on Linux',
        created_at: '2026-12-01T10:00:00Z',
        last_seen_at: '2026-12-06T10:00:00Z',
        current: true,
      },
      {
        id: 'b'.repeat(32),
        device: 'Chrome on Android',
        created_at: '2026-11-01T10:00:00Z',
        last_seen_at: '2026-12-05T10:00:00Z',
        current: false,
      },
    ];
    const net = fakeFetch({
      'GET /api/auth/sessions': () => ({ items }),
      'DELETE /api/auth/sessions/:id': (_c, p) => {
        items.splice(
          items.findIndex((i) => i.id === p.id),
          1,
        );
        return reply(204);
      },
      'POST /api/auth/logout-all': reply(204),
    });
    renderAt(<Profile />, { route: '/profile', path: '/profile' });
    expect(await screen.findByText('Chrome on Android')).toBeInTheDocument();
    expect(screen.getByText('This device')).toBeInTheDocument();
    // only the other device has its own "Sign out"
    const buttons = screen.getAllByRole('button', { name: 'Sign out' });
    expect(buttons).toHaveLength(1);
    await userEvent.click(buttons[0]);
    expect(net.find('DELETE', `/api/auth/sessions/${'b'.repeat(32)}`)).toHaveLength(1);
    await waitFor(() => expect(screen.queryByText('Chrome on Android')).not.toBeInTheDocument());
    await userEvent.click(screen.getByRole('button', { name: 'Sign out everywhere' }));
    await waitFor(() => expect(authStore.get().token).toBeNull());
    expect(net.find('POST', '/api/auth/logout-all')).toHaveLength(1);
  });
});
