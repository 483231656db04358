import { describe, expect, it } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import RequestDetail, { collectedAt } from '../RequestDetail';
import { renderAt, signIn } from '../../test/render';
import { fakeFetch, reply } from '../../test/fakeFetch';
import { citizen, makeRequest } from '../../test/fixtures';
import type { PickupRequest } from '../../api/types';

const route = { route: '/requests/r1', path: '/requests/:id' };
const PROOF = 'http://127.0.0.1:8080/uploads/2025/03/0123456789abcdef0123456789abcdef.jpg?md5=x&expires=1';

/** A request the crew marked collected `hoursAgo` hours ago, with the proof of service. */
function collected(hoursAgo: number, over: Partial<PickupRequest> = {}): PickupRequest {
  const at = new Date(Date.now() - hoursAgo * 3600_000).toISOString();
  const base = makeRequest();
  return makeRequest({
    status: 'completed',
    weight_kg: 12.5,
    proof_photos: [PROOF],
    events: [
      ...(base.events ?? []),
      {
        type: 'STATUS_CHANGE',
        at,
        by: 's1',
        by_role: 'staff',
        data: { from: 'collecting', to: 'collected', reason: null, note: null, weight_kg: 12.5, proof_photos: [PROOF] },
      },
    ],
    ...over,
  });
}

describe('Proof of service and disputes', () => {
  it('shows the weight and the proof photos on the timeline, and sends a dispute within 48 h', async () => {
    signIn(citizen);
    const net = fakeFetch({
      'GET /api/requests/r1': collected(2),
      'POST /api/requests/r1/not-collected': makeRequest({ status: 'failed' }),
    });
    renderAt(<RequestDetail />, route);
    expect(await screen.findByText('Weight collected: 12.5 kg')).toBeInTheDocument();
    const proofs = screen.getByRole('list', { name: 'Proof of collection' });
    expect(within(proofs).getByRole('img')).toHaveAttribute('src', PROOF);

    const card = screen.getByRole('heading', { name: 'Not collected?' }).closest('section') ?? document.body;
    await userEvent.click(within(card as HTMLElement).getByRole('button', { name: 'Report not collected' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('What happened? is required.');
    expect(net.find('POST', '/api/requests/r1/not-collected')).toHaveLength(0);
    await userEvent.type(screen.getByLabelText('What happened?'), 'Bins are still full');
    await userEvent.click(screen.getByRole('button', { name: 'Report not collected' }));
    await waitFor(() => expect(net.find('POST', '/api/requests/r1/not-collected')).toHaveLength(1));
    expect(net.find('POST', '/api/requests/r1/not-collected')[0].body).toEqual({ reason: 'Bins are still full' });
    expect((await screen.findAllByText(/we have told our staff/)).length).toBeGreaterThan(0);
    expect(screen.queryByRole('button', { name: 'Report not collected' })).not.toBeInTheDocument();
  });

  it('shows the server refusal (window closed meanwhile)', async () => {
    signIn(citizen);
    fakeFetch({
      'GET /api/requests/r1': collected(47),
      'POST /api/requests/r1/not-collected': reply(409, { detail: 'Too late to dispute (more than 48h after collection)' }),
    });
    renderAt(<RequestDetail />, route);
    await userEvent.type(await screen.findByLabelText('What happened?'), 'Nobody came');
    await userEvent.click(screen.getByRole('button', { name: 'Report not collected' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Too late to dispute');
  });

  it('offers no dispute after 48 h or before collection', async () => {
    signIn(citizen);
    fakeFetch({ 'GET /api/requests/r1': collected(49) });
    renderAt(<RequestDetail />, route);
    expect(await screen.findByText('Weight collected: 12.5 kg')).toBeInTheDocument();
    expect(screen.queryByText('Not collected?')).not.toBeInTheDocument();
    expect(collectedAt(makeRequest({ status: 'scheduled' }))).toBeNull();
  });
});
