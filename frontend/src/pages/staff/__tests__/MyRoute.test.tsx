import { afterEach, describe, expect, it } from 'vitest';
import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import MyRoute from '../MyRoute';
import { renderAt, signIn } from '../../../test/render';
import { fakeFetch, reply } from '../../../test/fakeFetch';
import { slotIn, staffUser } from '../../../test/fixtures';
import type { RouteStop, Status } from '../../../api/types';
import { TRANSITIONS } from '../../../lib/status';

const slot = slotIn(2);
function stop(id: string, status: Status, line1: string, version = 4): RouteStop {
  return {
    id,
    version,
    status,
    category: 'recyclable',
    quantity: 2,
    is_special: false,
    description: 'Bottles',
    photos: [],
    address: { line1, city: 'Pune', pincode: '411001', lat: 18.5, lng: 73.8 },
    slot,
    notes: ['Gate code 12'],
    map: { geo: 'geo:18.500000,73.800000', osm: 'https://www.openstreetmap.org/?mlat=18.500000&mlon=73.800000#map=18/18.500000/73.800000' },
    crew: { id: 'c1', name: 'North' },
    resident_name: 'Asha',
    phone: '+91 98765 43210',
    next: TRANSITIONS[status],
  };
}

function setOnline(v: boolean) {
  Object.defineProperty(navigator, 'onLine', { configurable: true, get: () => v });
  window.dispatchEvent(new Event(v ? 'online' : 'offline'));
}

afterEach(() => setOnline(true));

describe('My route', () => {
  const route = { route: '/staff/my-route?date=2026-01-05', path: '/staff/my-route' };

  it('lists the stops with map links, phone, notes and a big button for the next stage', async () => {
    signIn(staffUser);
    fakeFetch({
      'GET /api/staff/my-route': {
        date: '2026-01-05',
        crews: [{ id: 'c1', name: 'North' }],
        stops: [stop('a', 'scheduled', '1 First St'), stop('b', 'enroute', '2 Second St')],
      },
    });
    renderAt(<MyRoute />, route);
    const stops = await screen.findAllByTestId('route-stop');
    expect(stops).toHaveLength(2);
    expect(within(stops[0]).getByRole('link', { name: 'OpenStreetMap' })).toHaveAttribute('href', expect.stringContaining('mlat=18.5'));
    expect(within(stops[0]).getByRole('link', { name: /Call/ })).toHaveAttribute('href', 'tel:+919876543210');
    expect(within(stops[0]).getByText('Gate code 12')).toBeInTheDocument();
    expect(within(stops[0]).getByRole('button', { name: 'En route' })).toBeInTheDocument();
    expect(within(stops[1]).getByRole('button', { name: 'On site' })).toBeInTheDocument();
    expect(within(stops[1]).queryByRole('button', { name: 'Failed' })).toBeNull();
  });

  it('queues a change made offline, sends it with the version when back online, and shows a conflict', async () => {
    signIn(staffUser);
    let served = [stop('a', 'scheduled', '1 First St'), stop('b', 'scheduled', '2 Second St')];
    const net = fakeFetch({
      'GET /api/staff/my-route': () => ({ date: '2026-01-05', crews: [{ id: 'c1', name: 'North' }], stops: served }),
      'POST /api/staff/requests/a/transition': () => {
        served = [stop('a', 'enroute', '1 First St', 5), served[1]];
        return { id: 'a' };
      },
      'POST /api/staff/requests/b/transition': reply(409, { detail: 'The request was changed meanwhile, reload and try again' }),
    });
    renderAt(<MyRoute />, route);
    const stops = await screen.findAllByTestId('route-stop');
    act(() => setOnline(false));
    await userEvent.click(within(stops[0]).getByRole('button', { name: 'En route' }));
    await userEvent.click(within(stops[1]).getByRole('button', { name: 'En route' }));
    expect(await screen.findByTestId('route-waiting')).toHaveTextContent('2 changes waiting');
    expect(within(stops[0]).getByTestId('route-stop-status')).toHaveTextContent('En route');
    expect(net.find('POST', '/api/staff/requests/a/transition')).toHaveLength(0);

    act(() => setOnline(true));
    await waitFor(() => expect(net.find('POST', '/api/staff/requests/b/transition')).toHaveLength(1));
    expect(net.find('POST', '/api/staff/requests/a/transition')[0].body).toEqual({ to: 'enroute', expect_version: 4 });
    expect(await screen.findByTestId('route-conflicts')).toHaveTextContent(
      '2 Second St, Pune, 411001: not moved to En route. The request was changed meanwhile',
    );
    await waitFor(() => expect(screen.queryByTestId('route-waiting')).toBeNull());
    expect(localStorage.getItem('swmra_route_queue')).toBeNull();
  });
});
