import { describe, expect, it } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import SlotTemplates from '../SlotTemplates';
import Users from '../Users';
import { renderAt, signIn } from '../../../test/render';
import { fakeFetch, reply } from '../../../test/fakeFetch';
import { adminUser, asAdminUser, citizen } from '../../../test/fixtures';

const TEMPLATES = {
  timezone: 'Asia/Kolkata',
  slot_minutes: 60,
  capacity: { standard: 4, special: 2 },
  weekly: [{ weekday: 1, start: '09:00', end: '21:00' }],
  closed_dates: ['2030-01-26'],
};

describe('Slot templates', () => {
  it('validates windows and saves with PUT', async () => {
    signIn(adminUser);
    const net = fakeFetch({
      'GET /api/admin/slot-templates': TEMPLATES,
      'GET /api/admin/slot-overrides': [],
      'PUT /api/admin/slot-templates': (c) => c.body,
    });
    renderAt(<SlotTemplates />, { route: '/admin/slots', path: '/admin/slots' });
    const until = await screen.findByLabelText('Until');
    await userEvent.clear(until);
    await userEvent.type(until, '08:00');
    await userEvent.click(screen.getByRole('button', { name: 'Save templates' }));
    expect(until).toHaveAccessibleDescription('The end must be after the start.');
    expect(net.find('PUT', '/api/admin/slot-templates')).toHaveLength(0);

    await userEvent.clear(until);
    await userEvent.type(until, '18:00');
    await userEvent.click(screen.getByRole('button', { name: 'Add a window' }));
    await userEvent.click(screen.getByRole('button', { name: 'Save templates' }));
    expect(screen.getAllByLabelText('From')[1]).toHaveAccessibleDescription('This window overlaps another one on the same day.');
    await userEvent.selectOptions(screen.getAllByLabelText('Day')[1], '2');
    await userEvent.type(screen.getByLabelText('Closed date'), '2030-08-15');
    await userEvent.click(screen.getByRole('button', { name: 'Add date' }));
    await userEvent.click(screen.getByRole('button', { name: 'Save templates' }));
    expect(await screen.findByText('Slot templates saved.')).toBeInTheDocument();
    expect(net.find('PUT', '/api/admin/slot-templates')[0].body).toEqual({
      ...TEMPLATES,
      weekly: [
        { weekday: 1, start: '09:00', end: '18:00' },
        { weekday: 2, start: '09:00', end: '17:00' },
      ],
      closed_dates: ['2030-01-26', '2030-08-15'],
    });
  });

  it('maps 422 errors on nested paths to the right inputs', async () => {
    signIn(adminUser);
    fakeFetch({
      'GET /api/admin/slot-templates': TEMPLATES,
      'GET /api/admin/slot-overrides': [],
      'PUT /api/admin/slot-templates': reply(422, {
        detail: [{ loc: ['body', 'weekly', 0, 'start'], msg: 'not on the slot grid', type: 'value_error' }],
      }),
    });
    renderAt(<SlotTemplates />, { route: '/admin/slots', path: '/admin/slots' });
    await userEvent.click(await screen.findByRole('button', { name: 'Save templates' }));
    await waitFor(() => expect(screen.getAllByLabelText('From')[0]).toHaveAccessibleDescription(/not on the slot grid/));
  });

  it('checks windows against the slot length and other windows', async () => {
    signIn(adminUser);
    const net = fakeFetch({ 'GET /api/admin/slot-templates': { ...TEMPLATES, slot_minutes: 50 }, 'GET /api/admin/slot-overrides': [] });
    renderAt(<SlotTemplates />, { route: '/admin/slots', path: '/admin/slots' });
    await userEvent.click(await screen.findByRole('button', { name: 'Save templates' }));
    expect(screen.getByLabelText('Until')).toHaveAccessibleDescription('The window must be a whole number of 50-minute slots.');
    expect(net.find('PUT', '/api/admin/slot-templates')).toHaveLength(0);
  });

  it('lists, adds and removes capacity overrides for local dates', async () => {
    signIn(adminUser);
    let overrides = [
      {
        id: 'o1',
        from: '2030-01-26',
        to: '2030-01-26',
        capacity_class: null,
        capacity: null,
        closed: true,
        created_at: '2030-01-01T00:00:00Z',
      },
    ];
    const net = fakeFetch({
      'GET /api/admin/slot-templates': TEMPLATES,
      'GET /api/admin/slot-overrides': () => overrides,
      'POST /api/admin/slot-overrides': (c) => {
        overrides = [
          ...overrides,
          {
            id: 'o2',
            capacity_class: null,
            capacity: null,
            closed: false,
            created_at: '2030-01-02T00:00:00Z',
            ...(c.body as object),
          } as (typeof overrides)[number],
        ];
        return reply(201, overrides.at(-1));
      },
      'DELETE /api/admin/slot-overrides/:id': (_c, p) => {
        overrides = overrides.filter((o) => o.id !== p.id);
        return reply(204);
      },
    });
    renderAt(<SlotTemplates />, { route: '/admin/slots', path: '/admin/slots' });
    expect(await screen.findByText(/26 Jan,? 2030 · All pickups · closed/)).toBeInTheDocument();
    const from = screen.getByLabelText('From date');
    await userEvent.clear(from);
    await userEvent.type(from, '2030-05-01');
    await userEvent.clear(screen.getByLabelText('To date'));
    await userEvent.type(screen.getByLabelText('To date'), '2030-05-03');
    await userEvent.click(screen.getByRole('button', { name: 'Add override' }));
    expect(screen.getByLabelText('Seats per slot')).toHaveAccessibleDescription(/required/);
    await userEvent.type(screen.getByLabelText('Seats per slot'), '8');
    await userEvent.click(screen.getByRole('button', { name: 'Add override' }));
    expect(await screen.findByText('Override added.')).toBeInTheDocument();
    expect(net.find('POST', '/api/admin/slot-overrides')[0].body).toEqual({ from: '2030-05-01', to: '2030-05-03', capacity: 8 });
    expect(await screen.findByText(/8 seats per slot/)).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: /remove override: .*closed/i }));
    await waitFor(() => expect(screen.queryByText(/All pickups · closed/)).not.toBeInTheDocument());
    expect(net.find('DELETE', '/api/admin/slot-overrides/o1')).toHaveLength(1);
  });
});

describe('Users and roles', () => {
  it('lists users and changes a role', async () => {
    signIn(adminUser);
    const net = fakeFetch({
      'GET /api/admin/users': { items: [asAdminUser(adminUser), asAdminUser(citizen)], total: 2, skip: 0, limit: 20 },
      'PATCH /api/admin/users/:id': (c) => ({ ...asAdminUser(citizen), ...(c.body as object) }),
    });
    renderAt(<Users />, { route: '/admin/users', path: '/admin/users' });
    const row = (await screen.findByRole('rowheader', { name: /asha rao/i })).closest('tr')!;
    expect(screen.getByLabelText('Role for Ada Admin')).toBeDisabled();
    await userEvent.selectOptions(within(row).getByLabelText('Role for Asha Rao'), 'staff');
    expect(await within(row).findByText('Saved Asha Rao.')).toBeInTheDocument();
    expect(net.find('PATCH', '/api/admin/users/u1')[0].body).toEqual({ role: 'staff' });
    await userEvent.click(within(row).getByRole('checkbox'));
    await waitFor(() => expect(net.find('PATCH', '/api/admin/users/u1')).toHaveLength(2));
    expect(net.find('PATCH', '/api/admin/users/u1')[1].body).toEqual({ disabled: true });
  });

  it('keeps the screen-reader-only labels inside the scrolling table (no page-wide overflow on phones)', async () => {
    signIn(adminUser);
    fakeFetch({ 'GET /api/admin/users': { items: [asAdminUser(adminUser), asAdminUser(citizen)], total: 2, skip: 0, limit: 20 } });
    renderAt(<Users />, { route: '/admin/users', path: '/admin/users' });
    await screen.findByRole('rowheader', { name: /asha rao/i });
    // .sr-only is position:absolute; without a positioned scroll box its containing block is
    // the page, so labels in the off-screen columns widened the whole page at 390 px.
    const region = screen.getByRole('region', { name: 'Users and roles' });
    expect(region).toHaveClass('overflow-x-auto', 'relative');
    expect(region.querySelectorAll('.sr-only').length).toBeGreaterThan(0);
  });
});
