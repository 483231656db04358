import { describe, expect, it } from 'vitest';
import { screen, waitFor } from '@testing-library/react';
import { useLocation } from 'react-router-dom';
import userEvent from '@testing-library/user-event';
import RequestDetail, { cancelWindow } from '../RequestDetail';
import { renderAt, signIn } from '../../test/render';
import { fakeFetch, reply } from '../../test/fakeFetch';
import { citizen, makeNotification, makeRequest, slotIn } from '../../test/fixtures';
import { receiveNotification } from '../../stores/notifications';

const route = { route: '/requests/r1', path: '/requests/:id' };

describe('Request detail', () => {
  it('shows the request and its timeline', async () => {
    signIn(citizen);
    fakeFetch({
      'GET /api/requests/r1': makeRequest({
        status: 'scheduled',
        assigned_slot: slotIn(72),
        events: [
          {
            type: 'STATUS_CHANGE',
            at: '2025-01-01T10:00:00Z',
            by: 'u1',
            by_role: 'citizen',
            data: { from: null, to: 'submitted', reason: null, note: null },
          },
          {
            type: 'STATUS_CHANGE',
            at: '2025-01-01T11:00:00Z',
            by: 'u1',
            by_role: 'citizen',
            data: { from: 'submitted', to: 'scheduled', reason: null, note: null },
          },
          {
            type: 'NOTE',
            at: '2025-01-01T12:00:00Z',
            by: 's1',
            by_role: 'staff',
            data: { from: null, to: null, reason: null, note: 'Gate code 1234' },
          },
        ],
      }),
    });
    renderAt(<RequestDetail />, route);
    expect(await screen.findByRole('heading', { name: 'Recyclable pickup', level: 1 })).toBeInTheDocument();
    expect(screen.getByText('Submitted → Scheduled')).toBeInTheDocument();
    expect(screen.getByText('Status: Submitted')).toBeInTheDocument();
    expect(screen.getByText('Gate code 1234')).toBeInTheDocument();
    expect(screen.getAllByText(/by you/).length).toBe(2);
    expect(screen.getByText(/by city staff/)).toBeInTheDocument();
  });

  it('shows photos through the signed links the API returned, unchanged (issue 15)', async () => {
    signIn(citizen);
    const links = [
      'http://127.0.0.1:8080/uploads/2030/01/0123456789abcdef0123456789abcdef.jpg?md5=AbCdEfGhIjKlMnOpQrStUv&expires=1893456000',
      'http://127.0.0.1:8080/uploads/2030/01/fedcba9876543210fedcba9876543210.png?md5=-_AbCdEfGhIjKlMnOpQrSt&expires=1893456000',
    ];
    fakeFetch({ 'GET /api/requests/r1': makeRequest({ status: 'submitted', photos: links }) });
    renderAt(<RequestDetail />, route);
    const first = await screen.findByRole('img', { name: /photo 1/i });
    expect(first).toHaveAttribute('src', links[0]);
    expect(screen.getByRole('img', { name: /photo 2/i })).toHaveAttribute('src', links[1]);
    expect(first.closest('a')).toHaveAttribute('href', links[0]);
  });

  it('explains the 24 h rule before the click, asks to confirm, and shows the server refusal', async () => {
    signIn(citizen);
    const net = fakeFetch({
      'GET /api/requests/r1': makeRequest({ status: 'scheduled', assigned_slot: slotIn(48) }),
      'POST /api/requests/r1/cancel': reply(400, { detail: 'Too late to cancel (<24h)' }),
    });
    renderAt(<RequestDetail />, route);
    const button = await screen.findByRole('button', { name: 'Cancel request' });
    expect(button).toHaveAccessibleDescription(/until 24 hours before your slot starts/);
    expect(screen.getByText(/^Cancel before /)).toBeInTheDocument();
    await userEvent.click(button);
    expect(net.find('POST', '/api/requests/r1/cancel')).toHaveLength(0);
    const yes = screen.getByRole('button', { name: 'Yes, cancel it' });
    await waitFor(() => expect(yes).toHaveFocus());
    await userEvent.type(screen.getByLabelText(/reason/i), 'Moving house');
    await userEvent.click(yes);
    expect(await screen.findByRole('alert')).toHaveTextContent('Too late to cancel (<24h)');
    expect(net.find('POST', '/api/requests/r1/cancel')[0].body).toEqual({ reason: 'Moving house' });
  });

  it('cancels and shows the new status', async () => {
    signIn(citizen);
    fakeFetch({
      'GET /api/requests/r1': makeRequest({ status: 'submitted' }),
      'POST /api/requests/r1/cancel': makeRequest({ status: 'cancelled' }),
    });
    renderAt(<RequestDetail />, route);
    await userEvent.click(await screen.findByRole('button', { name: 'Cancel request' }));
    await userEvent.click(screen.getByRole('button', { name: 'Yes, cancel it' }));
    expect(await screen.findByText('Your request was cancelled.')).toBeInTheDocument();
    expect(screen.getByTestId('request-status')).toHaveTextContent('Cancelled');
    expect(screen.queryByRole('button', { name: 'Cancel request' })).not.toBeInTheDocument();
  });

  it('thanks once after the wizard, and clears the history entry so a reload does not repeat it', async () => {
    signIn(citizen);
    fakeFetch({ 'GET /api/requests/r1': makeRequest({ status: 'submitted' }) });
    function StateProbe() {
      return <div data-testid="nav-state">{JSON.stringify(useLocation().state ?? null)}</div>;
    }
    renderAt(
      <>
        <RequestDetail />
        <StateProbe />
      </>,
      { ...route, state: { created: true, slotError: 'Slot is full' } },
    );
    expect(await screen.findByText('Your request was submitted, but the slot could not be booked')).toBeInTheDocument();
    await waitFor(() => expect(screen.getByTestId('nav-state')).toHaveTextContent('null'));
    expect(screen.getByText(/Slot is full/)).toBeInTheDocument();
  });

  it('does not promise a slot for a closed request', async () => {
    signIn(citizen);
    fakeFetch({ 'GET /api/requests/r1': makeRequest({ status: 'cancelled', assigned_slot: null }) });
    const { unmount } = renderAt(<RequestDetail />, route);
    expect(await screen.findByText('None: the request was cancelled')).toBeInTheDocument();
    expect(screen.queryByText('Not scheduled yet')).not.toBeInTheDocument();
    unmount();
    fakeFetch({ 'GET /api/requests/r1': makeRequest({ status: 'submitted', assigned_slot: null }) });
    renderAt(<RequestDetail />, route);
    expect(await screen.findByText('Not scheduled yet')).toBeInTheDocument();
  });

  it('disables cancelling inside 24 h and says why', async () => {
    signIn(citizen);
    fakeFetch({ 'GET /api/requests/r1': makeRequest({ status: 'scheduled', assigned_slot: slotIn(5) }) });
    renderAt(<RequestDetail />, route);
    expect(await screen.findByRole('button', { name: 'Cancel request' })).toBeDisabled();
    expect(screen.getByText(/cancellation deadline .* has passed/i)).toBeInTheDocument();
    expect(screen.getByText('It is less than 24 hours to your slot, so it can no longer be changed.')).toBeInTheDocument();
  });

  it('reschedules through confirm-slot', async () => {
    signIn(citizen);
    const old = slotIn(72);
    const next = { start: '2030-02-01T05:30:00Z', end: '2030-02-01T06:30:00Z', capacity: 4, remaining: 1 };
    const net = fakeFetch({
      'GET /api/requests/r1': makeRequest({ status: 'scheduled', assigned_slot: old }),
      'GET /api/slots/available': [next],
      'POST /api/requests/r1/confirm-slot': makeRequest({ status: 'scheduled', assigned_slot: { start: next.start, end: next.end } }),
    });
    renderAt(<RequestDetail />, route);
    await userEvent.click(await screen.findByRole('button', { name: 'Reschedule' }));
    await userEvent.click(await screen.findByRole('radio', { name: /11:00–12:00.*1 of 4 seats left/ }));
    await userEvent.click(screen.getByRole('button', { name: 'Move my pickup' }));
    expect(await screen.findByText(/your pickup was moved to/i)).toBeInTheDocument();
    expect(net.find('POST', '/api/requests/r1/confirm-slot')[0].body).toEqual({ slot_start: next.start, slot_end: next.end });
  });

  it('reloads when a live notification about this request arrives', async () => {
    signIn(citizen);
    let status = 'scheduled';
    fakeFetch({ 'GET /api/requests/r1': () => makeRequest({ status: status as 'scheduled', assigned_slot: slotIn(30) }) });
    renderAt(<RequestDetail />, route);
    await waitFor(() => expect(screen.getByTestId('request-status')).toHaveTextContent('Scheduled'));
    status = 'enroute';
    receiveNotification(makeNotification({ id: 'n5', title: 'Crew on the way', meta: { request_id: 'r1' } }));
    await waitFor(() => expect(screen.getByTestId('request-status')).toHaveTextContent('En route'));
  });

  it('says when the request does not exist', async () => {
    signIn(citizen);
    fakeFetch({ 'GET /api/requests/r1': reply(404, { detail: 'Request not found' }) });
    renderAt(<RequestDetail />, route);
    expect(await screen.findByRole('heading', { name: 'Request not found' })).toBeInTheDocument();
  });
});

describe('cancelWindow', () => {
  it('applies the status list and the 24 h rule', () => {
    const now = Date.parse('2030-01-01T00:00:00Z');
    expect(
      cancelWindow({ status: 'scheduled', assigned_slot: { start: '2030-01-02T00:00:00Z', end: '2030-01-02T01:00:00Z' } }, now),
    ).toMatchObject({ statusOk: true, timeOk: true });
    expect(
      cancelWindow({ status: 'scheduled', assigned_slot: { start: '2030-01-01T23:59:00Z', end: '2030-01-02T01:00:00Z' } }, now).timeOk,
    ).toBe(false);
    expect(cancelWindow({ status: 'enroute', assigned_slot: null }, now).statusOk).toBe(false);
  });
});
