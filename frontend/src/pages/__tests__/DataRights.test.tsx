import { describe, expect, it, vi } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import Profile from '../Profile';
import Users from '../admin/Users';
import Audit from '../admin/Audit';
import { renderAt, signIn } from '../../test/render';
import { fakeFetch, reply } from '../../test/fakeFetch';
import { adminUser, asAdminUser, citizen } from '../../test/fixtures';
import { authStore } from '../../stores/auth';

describe('Profile: your data', () => {
  it('downloads the export, and shows the hourly limit', async () => {
    signIn(citizen);
    let n = 0;
    const net = fakeFetch({
      'GET /api/auth/me/export': () =>
        ++n === 1
          ? { ok: true }
          : reply(429, { detail: 'Export limit reached (3 per hour), try again in 60 seconds' }, { 'Retry-After': '60' }),
    });
    const create = vi.fn(() => 'blob:x');
    vi.stubGlobal('URL', Object.assign(URL, { createObjectURL: create, revokeObjectURL: vi.fn() }));
    // jsdom does not navigate: the download link's click is observed instead
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => undefined);
    renderAt(<Profile />, { route: '/profile', path: '/profile' });
    await userEvent.click(screen.getByRole('button', { name: 'Download my data' }));
    expect(await screen.findByText('Your download has started.')).toBeInTheDocument();
    expect(create).toHaveBeenCalled();
    expect(click).toHaveBeenCalledTimes(1);
    expect((click.mock.contexts[0] as HTMLAnchorElement).download).toBe('swmra-export.zip');
    click.mockRestore();
    expect(net.find('GET', '/api/auth/me/export')[0].headers.authorization).toMatch(/^Bearer /);
    await userEvent.click(screen.getByRole('button', { name: 'Download my data' }));
    expect(await screen.findByText(/Export limit reached/)).toBeInTheDocument();
  });

  it('deletes the account only with the password and the confirmation, then signs out', async () => {
    signIn(citizen);
    const net = fakeFetch({
      'DELETE /api/auth/me': (c) =>
        (c.body as { password: string }).password === 'right-one'
          ? reply(204)
          : reply(422, { detail: [{ loc: ['body', 'password'], msg: 'Password is incorrect', type: 'value_error' }] }),
    });
    renderAt(<Profile />, { route: '/profile', path: '/profile' });
    await userEvent.click(screen.getByRole('button', { name: 'Delete my account…' }));
    await userEvent.click(screen.getByRole('button', { name: 'Delete my account permanently' }));
    expect(screen.getByLabelText('Your password, to confirm')).toHaveAccessibleDescription(/required/i);
    expect(net.find('DELETE', '/api/auth/me')).toHaveLength(0);
    await userEvent.type(screen.getByLabelText('Your password, to confirm'), 'wrong-one');
    await userEvent.click(screen.getByLabelText('I understand that this cannot be undone'));
    await userEvent.click(screen.getByRole('button', { name: 'Delete my account permanently' }));
    await waitFor(() => expect(screen.getByLabelText('Your password, to confirm')).toHaveAccessibleDescription('Password is incorrect'));
    expect(authStore.get().user).not.toBeNull();
    await userEvent.clear(screen.getByLabelText('Your password, to confirm'));
    await userEvent.type(screen.getByLabelText('Your password, to confirm'), 'right-one');
    await userEvent.click(screen.getByRole('button', { name: 'Delete my account permanently' }));
    await waitFor(() => expect(authStore.get().user).toBeNull());
    expect(net.find('DELETE', '/api/auth/me').at(-1)?.body).toEqual({ password: 'right-one' });
  });
});

describe('Admin: erase and audit log', () => {
  it('erases a user with a reason', async () => {
    signIn(adminUser);
    const target = asAdminUser(citizen);
    const net = fakeFetch({
      'GET /api/admin/users': { items: [asAdminUser(adminUser), target], total: 2, skip: 0, limit: 20 },
      'DELETE /api/admin/users/:id': reply(204),
    });
    renderAt(<Users />, { route: '/admin/users', path: '/admin/users' });
    const open = await screen.findByRole('button', { name: `Erase the account of ${target.name}` });
    expect(screen.getAllByRole('button', { name: /^Erase the account/ })).toHaveLength(1); // not oneself
    await userEvent.click(open);
    const form = screen.getByRole('form', { name: `Erase the account of ${target.name}` });
    await userEvent.click(within(form).getByRole('button', { name: 'Erase permanently' }));
    expect(within(form).getByLabelText(/Reason/)).toHaveAccessibleDescription('Give a reason of at least 3 characters.');
    await userEvent.type(within(form).getByLabelText(/Reason/), 'Asked by letter');
    await userEvent.click(within(form).getByRole('button', { name: 'Erase permanently' }));
    expect(await screen.findByText(`Erased the account of ${target.name}.`)).toBeInTheDocument();
    const del = net.find('DELETE', `/api/admin/users/${target.id}`);
    expect(del[0].body).toEqual({ reason: 'Asked by letter' });
  });

  it('lists the audit log with its changes and filters by target', async () => {
    signIn(adminUser);
    const net = fakeFetch({
      'GET /api/admin/audit': (c) => ({
        items: [
          {
            id: 'a1',
            at: '2030-01-01T10:00:00Z',
            actor_id: 'adm1',
            actor_role: 'admin',
            action: 'user.role',
            target_type: 'user',
            target_id: c.query.get('target') ?? 'u1',
            before: { role: 'citizen' },
            after: { role: 'staff' },
            reason: null,
          },
        ],
        total: 1,
        skip: 0,
        limit: 50,
      }),
    });
    renderAt(<Audit />, { route: '/admin/audit', path: '/admin/audit' });
    expect(await screen.findByText('role: citizen → staff')).toBeInTheDocument();
    await userEvent.type(screen.getByLabelText('Target (id)'), 'u42');
    await userEvent.click(screen.getByRole('button', { name: 'Filter' }));
    await waitFor(() => expect(net.find('GET', '/api/admin/audit').at(-1)?.query.get('target')).toBe('u42'));
    expect(await screen.findByText('u42')).toBeInTheDocument();
  });
});
