import { describe, expect, it } from 'vitest';
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import Requests from '../Requests';
import Dashboard, { pickNextPickup } from '../Dashboard';
import { renderAt, signIn } from '../../test/render';
import { fakeFetch } from '../../test/fakeFetch';
import { citizen, makeRequest, slotIn } from '../../test/fixtures';

describe('My requests', () => {
  it('filters by status and pages with skip/limit', async () => {
    signIn(citizen);
    const items = Array.from({ length: 10 }, (_, i) => makeRequest({ id: `r${i}`, description: `Request number ${i}` }));
    const net = fakeFetch({
      'GET /api/requests': (c) => ({
        items: c.query.get('status') === 'cancelled' ? [] : items,
        total: c.query.get('status') === 'cancelled' ? 0 : 23,
        skip: Number(c.query.get('skip')),
        limit: 10,
      }),
    });
    renderAt(<Requests />, { route: '/requests', path: '/requests' });
    expect(await screen.findByText('Request number 0')).toBeInTheDocument();
    expect(screen.getByText('23 requests')).toBeInTheDocument();
    expect(screen.getByText('Page 1 of 3 (23 in all)')).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Next' }));
    await waitFor(() => expect(net.find('GET', '/api/requests').at(-1)?.query.get('skip')).toBe('10'));
    expect(net.find('GET', '/api/requests').at(-1)?.query.get('limit')).toBe('10');
    await userEvent.selectOptions(screen.getByLabelText('Filter by status'), 'cancelled');
    expect(await screen.findByText('No requests with status “Cancelled”.')).toBeInTheDocument();
    const last = net.find('GET', '/api/requests').at(-1)!;
    expect(last.query.get('status')).toBe('cancelled');
    expect(last.query.get('skip')).toBe('0');
  });

  it('shows an empty state with a call to action', async () => {
    signIn(citizen);
    fakeFetch({ 'GET /api/requests': { items: [], total: 0, skip: 0, limit: 10 } });
    renderAt(<Requests />, { route: '/requests', path: '/requests' });
    expect(await screen.findByText('No requests yet')).toBeInTheDocument();
  });
});

describe('Dashboard', () => {
  it('shows the next pickup and recent activity', async () => {
    signIn(citizen);
    const soon = makeRequest({ id: 'a', status: 'scheduled', assigned_slot: slotIn(30), description: 'Garden waste' });
    const later = makeRequest({ id: 'b', status: 'scheduled', assigned_slot: slotIn(90), description: 'Bottles' });
    fakeFetch({
      'GET /api/requests': (c) =>
        c.query.get('status') === 'scheduled'
          ? { items: [later, soon], total: 2, skip: 0, limit: 50 }
          : { items: [later, soon], total: 2, skip: 0, limit: 5 },
    });
    renderAt(<Dashboard />);
    expect(await screen.findByRole('heading', { name: 'Next pickup' })).toBeInTheDocument();
    await waitFor(() => expect(screen.getAllByText('Garden waste').length).toBeGreaterThan(0));
    expect(screen.getByRole('link', { name: 'View all (2)' })).toBeInTheDocument();
  });

  it('picks the soonest future slot', () => {
    const now = Date.now();
    const a = makeRequest({ id: 'a', status: 'scheduled', assigned_slot: slotIn(50) });
    const b = makeRequest({ id: 'b', status: 'scheduled', assigned_slot: slotIn(10) });
    const c = makeRequest({ id: 'c', status: 'cancelled', assigned_slot: slotIn(2) });
    expect(pickNextPickup([a, b, c], now)?.id).toBe('b');
    expect(pickNextPickup([], now)).toBeNull();
  });
});
