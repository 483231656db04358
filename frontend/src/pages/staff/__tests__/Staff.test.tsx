import { describe, expect, it } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import StaffBoard from '../StaffBoard';
import StaffRequestDetail from '../StaffRequestDetail';
import SlotCalendar from '../SlotCalendar';
import { renderAt, signIn } from '../../../test/render';
import { fakeFetch, reply } from '../../../test/fakeFetch';
import { makeStaffRequest, slotIn, staffUser } from '../../../test/fixtures';

describe('Staff board', () => {
  it('loads each column as its own page (count + first cards), pages a column with "Show more", sends the filters', async () => {
    signIn(staffUser);
    const net = fakeFetch({
      'GET /api/staff/requests': (call) => {
        const status = call.query.get('status');
        const skip = Number(call.query.get('skip'));
        if (status === 'enroute') {
          const items =
            skip === 0
              ? [makeStaffRequest({ id: 'b', status: 'enroute', description: 'Bottles' })]
              : [makeStaffRequest({ id: 'c', status: 'enroute', description: 'Cans' })];
          return { items, total: 2, skip, limit: 20 };
        }
        if (status === 'submitted')
          return { items: [makeStaffRequest({ id: 'a', status: 'submitted', description: 'Sofa' })], total: 1, skip: 0, limit: 20 };
        return { items: [], total: 0, skip: 0, limit: 20 };
      },
    });
    renderAt(<StaffBoard />, { route: '/staff', path: '/staff' });
    const enroute = await screen.findByTestId('column-enroute');
    expect(within(enroute).getByRole('heading')).toHaveTextContent('En route2');
    expect(within(enroute).getAllByRole('link')).toHaveLength(1);
    expect(within(enroute).getByText('1 of 2')).toBeInTheDocument();
    expect(within(screen.getByTestId('column-submitted')).getByText('Sofa')).toBeInTheDocument();
    expect(within(screen.getByTestId('column-submitted')).queryByRole('button', { name: 'Show more' })).not.toBeInTheDocument();
    expect(screen.getAllByRole('heading', { level: 2 })).toHaveLength(12);
    // one page per column, each by its status
    const first = net.find('GET', '/api/staff/requests');
    expect(new Set(first.map((c) => c.query.get('status'))).size).toBe(12);
    expect(first.every((c) => c.query.get('limit') === '20' && c.query.get('skip') === '0')).toBe(true);

    await userEvent.click(within(enroute).getByRole('button', { name: 'Show more' }));
    expect(await within(enroute).findByText('Cans')).toBeInTheDocument();
    expect(within(enroute).getAllByRole('link')).toHaveLength(2);
    expect(net.find('GET', '/api/staff/requests').at(-1)?.query.get('skip')).toBe('1');

    await userEvent.selectOptions(screen.getByLabelText('Waste category'), 'e-waste');
    await waitFor(() => expect(net.find('GET', '/api/staff/requests').at(-1)?.query.get('category')).toBe('e-waste'));
    await userEvent.type(screen.getByLabelText('Pincode'), '560001');
    await userEvent.type(screen.getByRole('searchbox', { name: /search/i }), 'MG Road');
    await userEvent.click(screen.getByRole('button', { name: 'Search' }));
    await waitFor(() => expect(net.find('GET', '/api/staff/requests').at(-1)?.query.get('q')).toBe('MG Road'));
    expect(net.find('GET', '/api/staff/requests').at(-1)?.query.get('pincode')).toBe('560001');
  });
});

describe('Staff request detail', () => {
  const route = { route: '/staff/requests/r1', path: '/staff/requests/:id' };

  it('offers only the allowed transitions from the table and moves the request', async () => {
    signIn(staffUser);
    const slot = slotIn(30);
    const net = fakeFetch({
      'GET /api/staff/requests/r1': makeStaffRequest({ status: 'scheduled', assigned_slot: slot }),
      'POST /api/staff/requests/r1/transition': makeStaffRequest({ status: 'enroute', assigned_slot: slot }),
    });
    renderAt(<StaffRequestDetail />, route);
    const group = await screen.findByRole('group', { name: 'Move to the next stage' });
    const buttons = within(group)
      .getAllByRole('button')
      .map((b) => b.textContent);
    expect(buttons).toEqual(['Move to En route', 'Move to Cancelled']);
    await userEvent.type(screen.getByLabelText(/note for this change/i), 'Truck 7');
    await userEvent.click(within(group).getByRole('button', { name: 'Move to En route' }));
    await waitFor(() => expect(screen.getByTestId('staff-request-status')).toHaveTextContent('En route'));
    expect(net.find('POST', '/api/staff/requests/r1/transition')[0].body).toEqual({ to: 'enroute', note: 'Truck 7' });
    expect(screen.getAllByText('Moved to En route.').length).toBeGreaterThan(0);
  });

  it("names the resident from the server's user", async () => {
    signIn(staffUser);
    fakeFetch({
      'GET /api/staff/requests/r1': makeStaffRequest({
        status: 'submitted',
        user: { id: 'u1', name: 'Aditi Rao', email: 'aditi@example.com', phone: '+91 98450 12345' },
      }),
    });
    renderAt(<StaffRequestDetail />, route);
    expect(await screen.findByText('Aditi Rao · +91 98450 12345')).toBeInTheDocument();
  });

  it('shows the resident id when the account no longer exists (user: null)', async () => {
    signIn(staffUser);
    fakeFetch({ 'GET /api/staff/requests/r1': makeStaffRequest({ status: 'submitted', user_id: 'u9', user: null }) });
    renderAt(<StaffRequestDetail />, route);
    expect(await screen.findByText('u9')).toBeInTheDocument();
  });

  it("prefers the server's allowed_transitions and confirms destructive moves", async () => {
    signIn(staffUser);
    const net = fakeFetch({
      'GET /api/staff/requests/r1': makeStaffRequest({ status: 'onsite', allowed_transitions: ['failed'] }),
      'POST /api/staff/requests/r1/transition': reply(409, { detail: 'Transition not allowed' }),
    });
    renderAt(<StaffRequestDetail />, route);
    const group = await screen.findByRole('group', { name: 'Move to the next stage' });
    expect(
      within(group)
        .getAllByRole('button')
        .map((b) => b.textContent),
    ).toEqual(['Move to Failed']);
    await userEvent.click(within(group).getByRole('button', { name: 'Move to Failed' }));
    expect(net.find('POST', '/api/staff/requests/r1/transition')).toHaveLength(0);
    await userEvent.click(screen.getByRole('button', { name: 'Confirm' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Transition not allowed');
  });

  it('needs a slot to schedule a request that has none', async () => {
    signIn(staffUser);
    const s = { start: '2030-03-01T04:30:00Z', end: '2030-03-01T05:30:00Z', capacity: 3, remaining: 2 };
    const net = fakeFetch({
      'GET /api/staff/requests/r1': makeStaffRequest({ status: 'pending_review' }),
      'GET /api/slots/available': [s],
      'POST /api/staff/requests/r1/transition': makeStaffRequest({ status: 'scheduled', assigned_slot: { start: s.start, end: s.end } }),
    });
    renderAt(<StaffRequestDetail />, route);
    await userEvent.click(await screen.findByRole('button', { name: 'Move to Scheduled' }));
    expect(await screen.findByText('Choose a slot to schedule this pickup.')).toBeInTheDocument();
    await userEvent.click(await screen.findByRole('radio', { name: /10:00–11:00/ }));
    await userEvent.click(screen.getByRole('button', { name: 'Move to Scheduled' }));
    await waitFor(() => expect(net.find('POST', '/api/staff/requests/r1/transition')).toHaveLength(1));
    expect(net.find('POST', '/api/staff/requests/r1/transition')[0].body).toEqual({
      to: 'scheduled',
      slot_start: s.start,
      slot_end: s.end,
    });
  });

  it('asks for the weight and takes proof photos when moving to collected', async () => {
    signIn(staffUser);
    const net = fakeFetch({
      'GET /api/staff/requests/r1': makeStaffRequest({ status: 'collecting' }),
      'POST /api/staff/requests/r1/transition': makeStaffRequest({ status: 'collected', weight_kg: 12.5 }),
    });
    renderAt(<StaffRequestDetail />, route);
    const group = await screen.findByRole('group', { name: 'Move to the next stage' });
    expect(screen.getByText('Proof photos (up to 5)')).toBeInTheDocument();
    await userEvent.click(within(group).getByRole('button', { name: 'Move to Collected' }));
    expect(screen.getByLabelText('Weight collected (kg)')).toHaveAccessibleDescription(/Enter the weight collected/);
    expect(net.find('POST', '/api/staff/requests/r1/transition')).toHaveLength(0);
    await userEvent.type(screen.getByLabelText('Weight collected (kg)'), '1200');
    await userEvent.click(within(group).getByRole('button', { name: 'Move to Collected' }));
    expect(net.find('POST', '/api/staff/requests/r1/transition')).toHaveLength(0);
    await userEvent.clear(screen.getByLabelText('Weight collected (kg)'));
    await userEvent.type(screen.getByLabelText('Weight collected (kg)'), '12.5');
    await userEvent.click(within(group).getByRole('button', { name: 'Move to Collected' }));
    await waitFor(() => expect(net.find('POST', '/api/staff/requests/r1/transition')).toHaveLength(1));
    expect(net.find('POST', '/api/staff/requests/r1/transition')[0].body).toEqual({ to: 'collected', weight_kg: 12.5, proof_photos: [] });
  });

  it('adds a note and validates it', async () => {
    signIn(staffUser);
    const req = makeStaffRequest({ status: 'completed' });
    const net = fakeFetch({
      'GET /api/staff/requests/r1': req,
      'POST /api/staff/requests/r1/notes': {
        ...req,
        events: [
          ...(req.events ?? []),
          {
            type: 'NOTE',
            at: '2025-01-02T00:00:00Z',
            by: 's1',
            by_role: 'staff',
            data: { from: null, to: null, reason: null, note: 'Verified weight 4 kg' },
          },
        ],
      },
    });
    renderAt(<StaffRequestDetail />, route);
    expect(await screen.findByText(/request is closed/i)).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Add note' }));
    expect(screen.getByLabelText('Note')).toHaveAccessibleDescription(/note is required/i);
    await userEvent.type(screen.getByLabelText('Note'), 'Verified weight 4 kg');
    await userEvent.click(screen.getByRole('button', { name: 'Add note' }));
    expect(await screen.findByText('Verified weight 4 kg', { selector: 'p' })).toBeInTheDocument();
    expect(net.find('POST', '/api/staff/requests/r1/notes')[0].body).toEqual({ note: 'Verified weight 4 kg' });
  });
});

describe('Slot calendar', () => {
  it('shows booked versus capacity per slot with the bookings', async () => {
    signIn(staffUser);
    fakeFetch({
      'GET /api/staff/slots': [
        {
          start: '2030-01-10T03:30:00Z',
          end: '2030-01-10T04:30:00Z',
          capacity_class: 'standard',
          capacity: 4,
          booked: 4,
          requests: [{ id: 'aaaaaa111111', category: 'organic', status: 'scheduled' }],
        },
        { start: '2030-01-10T04:30:00Z', end: '2030-01-10T05:30:00Z', capacity_class: 'special', capacity: 2, booked: 0, requests: [] },
      ],
    });
    renderAt(<SlotCalendar />, { route: '/staff/slots?date=2030-01-10', path: '/staff/slots' });
    expect(await screen.findByText('4 of 4 booked')).toBeInTheDocument();
    expect(screen.getByText('0 of 2 booked')).toBeInTheDocument();
    expect(screen.getByText('4 of 6 seats booked this day.')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: /organic · 111111/i })).toHaveAttribute('href', '/staff/requests/aaaaaa111111');
  });
});
