import { afterEach, describe, expect, it, vi } from 'vitest';
import { act, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import RequestDetail from '../../pages/RequestDetail';
import Dashboard from '../../pages/Dashboard';
import { renderAt, signIn } from '../../test/render';
import { fakeFetch } from '../../test/fakeFetch';
import { citizen, makeRequest } from '../../test/fixtures';
import { addDays, todayInTz } from '../../lib/time';

const route = { route: '/requests/r1', path: '/requests/:id' };
const MIN = 60_000;

/** The test clock: Date and the countdown's interval are fake, promises and fetches stay real. */
function clockAt(iso: string) {
  vi.useFakeTimers({ toFake: ['Date', 'setInterval', 'clearInterval'] });
  vi.setSystemTime(new Date(iso));
}
const advance = (ms: number) =>
  act(() => {
    vi.advanceTimersByTime(ms);
  });

afterEach(() => {
  vi.useRealTimers();
});

describe('change deadline countdown', () => {
  // Wed 2 Jan 2030, 09:00 IST; the pickup is Sat 09:00, so changes close Fri 09:00 IST
  const scheduled = makeRequest({
    status: 'scheduled',
    assigned_slot: { start: '2030-01-05T03:30:00Z', end: '2030-01-05T04:30:00Z' },
    change_deadline: '2030-01-04T03:30:00Z',
  });

  it('counts down to the deadline, then disables cancel and reschedule with the reason', async () => {
    clockAt('2030-01-02T03:30:00Z');
    signIn(citizen);
    fakeFetch({ 'GET /api/requests/r1': scheduled });
    renderAt(<RequestDetail />, route);
    expect(await screen.findByTestId('change-deadline')).toHaveTextContent('You can change or cancel until Fri, 09:00 (in 2 days)');
    expect(screen.getByRole('button', { name: 'Cancel request' })).toBeEnabled();
    expect(screen.getByRole('button', { name: 'Reschedule' })).toBeInTheDocument();

    advance(47 * 60 * MIN); // Fri 08:00 IST
    expect(screen.getByTestId('change-deadline')).toHaveTextContent('You can change or cancel until Fri, 09:00 (in 1 hour)');
    expect(screen.getByRole('button', { name: 'Cancel request' })).toBeEnabled();

    advance(61 * MIN); // Fri 09:01 IST: closed
    expect(screen.getByTestId('change-deadline')).toHaveTextContent('Changes and cancellation closed at Fri, 09:00 (1 minute ago)');
    expect(screen.getByRole('button', { name: 'Cancel request' })).toBeDisabled();
    expect(screen.queryByRole('button', { name: 'Reschedule' })).not.toBeInTheDocument();
    expect(screen.getByTestId('reschedule-blocked')).toHaveTextContent('The change deadline (Fri, 09:00) has passed.');
  });

  it('shows the countdown of the next pickup on the dashboard, and its close', async () => {
    clockAt('2030-01-02T03:30:00Z');
    signIn(citizen);
    fakeFetch({
      'GET /api/requests': (c) =>
        c.query.get('status') === 'draft'
          ? { items: [], total: 0, skip: 0, limit: 1 }
          : { items: [scheduled], total: 1, skip: 0, limit: 50 },
    });
    renderAt(<Dashboard />);
    expect(await screen.findByTestId('change-deadline')).toHaveTextContent('You can change or cancel until Fri, 09:00 (in 2 days)');
    advance(2 * 24 * 60 * MIN + MIN);
    expect(screen.getByTestId('change-deadline')).toHaveTextContent('Changes and cancellation closed at Fri, 09:00');
  });

  it('shows no countdown for a request without a slot', async () => {
    signIn(citizen);
    fakeFetch({ 'GET /api/requests/r1': makeRequest({ status: 'submitted' }) });
    renderAt(<RequestDetail />, route);
    expect(await screen.findByRole('heading', { level: 1 })).toBeInTheDocument();
    expect(screen.queryByTestId('change-deadline')).not.toBeInTheDocument();
  });
});

describe('waitlist offer', () => {
  const offered = makeRequest({
    status: 'submitted',
    waitlist: {
      entries: [
        {
          id: 'e1',
          slot_start: '2030-01-05T03:30:00Z',
          slot_end: '2030-01-05T04:30:00Z',
          status: 'offered',
          position: null,
          offer_expires_at: '2030-01-02T04:00:00Z',
        },
        {
          id: 'e2',
          slot_start: '2030-01-06T03:30:00Z',
          slot_end: '2030-01-06T04:30:00Z',
          status: 'waiting',
          position: 2,
          offer_expires_at: null,
        },
      ],
      offer: { entry_id: 'e1', slot_start: '2030-01-05T03:30:00Z', slot_end: '2030-01-05T04:30:00Z', expires_at: '2030-01-02T04:00:00Z' },
    },
  });

  it('shows the held seat with its expiry, and Accept books it', async () => {
    clockAt('2030-01-02T03:35:00Z');
    signIn(citizen);
    const booked = makeRequest({ status: 'scheduled', assigned_slot: { start: '2030-01-05T03:30:00Z', end: '2030-01-05T04:30:00Z' } });
    const net = fakeFetch({ 'GET /api/requests/r1': offered, 'POST /api/requests/r1/accept-offer': booked });
    renderAt(<RequestDetail />, route);
    const card = await screen.findByTestId('waitlist-offer');
    expect(card).toHaveTextContent('is held for you until Wed, 09:30 (in 25 minutes)');
    expect(screen.getByTestId('waitlist-entries')).toHaveTextContent('Number 2 in line');
    await userEvent.click(screen.getByRole('button', { name: 'Take this slot' }));
    expect(await screen.findByText(/Your pickup is scheduled for/)).toBeInTheDocument();
    expect(net.find('POST', '/api/requests/r1/accept-offer')).toHaveLength(1);
  });

  it('stops offering Accept once the hold has lapsed', async () => {
    clockAt('2030-01-02T03:35:00Z');
    signIn(citizen);
    fakeFetch({ 'GET /api/requests/r1': offered });
    renderAt(<RequestDetail />, route);
    expect(await screen.findByRole('button', { name: 'Take this slot' })).toBeInTheDocument();
    advance(26 * MIN);
    expect(screen.getByText('This offer has expired.')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Take this slot' })).not.toBeInTheDocument();
  });

  it('offers the waitlist of a full slot in the slot picker', async () => {
    signIn(citizen);
    const date = addDays(todayInTz(), 3);
    const net = fakeFetch({
      'GET /api/requests/r1': makeRequest({ status: 'submitted' }),
      'GET /api/slots/available': (c) =>
        c.query.get('include_full') === 'true'
          ? [
              { start: `${date}T03:30:00Z`, end: `${date}T04:30:00Z`, capacity: 5, remaining: 0 },
              { start: `${date}T04:30:00Z`, end: `${date}T05:30:00Z`, capacity: 5, remaining: 2 },
            ]
          : [],
      'POST /api/requests/r1/waitlist': { position: 3 },
    });
    renderAt(<RequestDetail />, route);
    await userEvent.click(await screen.findByRole('button', { name: 'Choose a slot' }));
    await userEvent.clear(screen.getByLabelText('Pickup date'));
    await userEvent.type(screen.getByLabelText('Pickup date'), date);
    await userEvent.click(await screen.findByRole('button', { name: 'Join the waitlist' }));
    expect(await screen.findByText(/You are number 3 on the waitlist/)).toBeInTheDocument();
    expect(net.find('POST', '/api/requests/r1/waitlist')[0].body).toEqual({
      slot_start: `${date}T03:30:00Z`,
      slot_end: `${date}T04:30:00Z`,
    });
    expect(screen.getAllByRole('radio')).toHaveLength(1);
  });
});
