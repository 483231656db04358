import { describe, expect, it } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import NewRequest from '../NewRequest';
import RequestDetail from '../RequestDetail';
import Requests from '../Requests';
import Dashboard from '../Dashboard';
import { renderAt, signIn } from '../../test/render';
import { fakeFetch, reply } from '../../test/fakeFetch';
import { citizen, makeRequest } from '../../test/fixtures';
import type { RequestEvent } from '../../api/types';
import { addDays, todayInTz } from '../../lib/time';
import { draftSlot } from '../../lib/status';
import { render } from '@testing-library/react';
import { MemoryRouter } from 'react-router-dom';
import App from '../../App';
import { installFakeSockets } from '../../test/fakeSockets';

const SLOT_DATE = addDays(todayInTz(), 10);
const SLOT = { start: `${SLOT_DATE}T04:30:00Z`, end: `${SLOT_DATE}T05:30:00Z` };
const DRAFT_EVENTS: RequestEvent[] = [
  {
    type: 'STATUS_CHANGE',
    at: '2025-01-01T10:00:00Z',
    by: 'u1',
    by_role: 'citizen',
    data: { from: null, to: 'draft', reason: null, note: null },
  },
];

const makeDraft = (over: Parameters<typeof makeRequest>[0] = {}) =>
  makeRequest({ id: 'd1', status: 'draft', events: DRAFT_EVENTS, preferred_slots: [SLOT], ...over });

const wizardNew = { route: '/requests/new', path: '/requests/new' };
const wizardEdit = { route: '/requests/d1/edit', path: '/requests/:id/edit' };
const detail = { route: '/requests/d1', path: '/requests/:id' };

describe('Wizard: save as draft', () => {
  it('needs the details and the address, then creates with draft:true and opens the request', async () => {
    signIn(citizen);
    const net = fakeFetch({ 'POST /api/requests': reply(201, makeDraft({ preferred_slots: [] })) });
    renderAt(<NewRequest />, wizardNew);

    const save = screen.getByRole('button', { name: 'Save as draft' });
    expect(save).toHaveAccessibleDescription(/nothing is sent until you submit it/i);
    await userEvent.click(save);
    expect(screen.getByLabelText('Description')).toHaveAccessibleDescription(/description is required/i);
    await waitFor(() => expect(screen.getByLabelText('Description')).toHaveFocus());

    await userEvent.type(screen.getByLabelText('Description'), 'Half a room of boxes');
    await userEvent.click(save);
    // The address is missing: the wizard goes to that step and shows why.
    expect(await screen.findByRole('heading', { name: /step 2 of 5: address/i })).toBeInTheDocument();
    expect(screen.getByLabelText('Address line 1')).toHaveAccessibleDescription(/address line 1 is required/i);
    expect(net.find('POST', '/api/requests')).toHaveLength(0);

    await userEvent.type(screen.getByLabelText('Address line 1'), '12 MG Road');
    await userEvent.type(screen.getByLabelText('City'), 'Bengaluru');
    await userEvent.type(screen.getByLabelText('PIN code'), '560001');
    await userEvent.click(screen.getByRole('button', { name: 'Save as draft' }));

    await waitFor(() => expect(screen.getByTestId('location')).toHaveTextContent('/requests/d1'));
    expect(net.find('POST', '/api/requests')[0].body).toEqual({
      category: 'recyclable',
      is_special: false,
      description: 'Half a room of boxes',
      quantity: 1,
      address: { line1: '12 MG Road', city: 'Bengaluru', pincode: '560001' },
      preferred_slots: [],
      photos: [],
      draft: true,
    });
    expect(net.find('POST', '/api/requests/d1/submit')).toHaveLength(0);
  });

  it('maps a 422 from the server onto the field, on its step', async () => {
    signIn(citizen);
    fakeFetch({
      'POST /api/requests': reply(422, {
        detail: [{ loc: ['body', 'description'], msg: 'Description looks like spam', type: 'value_error' }],
      }),
    });
    renderAt(<NewRequest />, wizardNew);
    await userEvent.type(screen.getByLabelText('Description'), 'Some boxes');
    await userEvent.click(screen.getByRole('button', { name: 'Next' }));
    await userEvent.type(screen.getByLabelText('Address line 1'), '12 MG Road');
    await userEvent.type(screen.getByLabelText('City'), 'Bengaluru');
    await userEvent.type(screen.getByLabelText('PIN code'), '560001');
    await userEvent.click(screen.getByRole('button', { name: 'Save as draft' }));
    expect(await screen.findByRole('heading', { name: /step 1 of 5/i })).toBeInTheDocument();
    expect(screen.getByLabelText('Description')).toHaveAccessibleDescription(/Description looks like spam$/);
    expect(screen.getByRole('alert')).toHaveTextContent('Please correct the highlighted fields.');
  });
});

describe('Wizard: continue a draft', () => {
  it('opens prefilled and saves the changes with PATCH', async () => {
    signIn(citizen);
    const draft = makeDraft({
      description: 'Old newspapers',
      quantity: 3,
      address: { line1: '4 Park Street', line2: 'Flat 2', city: 'Kolkata', pincode: '700016', lat: 22.55, lng: 88.35 },
      photos: ['http://127.0.0.1:8080/uploads/2030/01/papers.jpg?md5=AbCdEfGhIjKlMnOpQrStUv&expires=1893456000'],
    });
    const net = fakeFetch({
      'GET /api/requests/d1': draft,
      'GET /api/slots/available': [{ ...SLOT, capacity: 5, remaining: 2 }],
      'PATCH /api/requests/d1': (c) => ({ ...draft, ...(c.body as object) }),
    });
    renderAt(<NewRequest />, wizardEdit);
    expect(await screen.findByLabelText('Description')).toHaveValue('Old newspapers');
    expect(screen.getByRole('heading', { name: 'Continue your draft', level: 1 })).toBeInTheDocument();
    expect(screen.getByLabelText('Quantity (bags)')).toHaveValue(3);
    await userEvent.clear(screen.getByLabelText('Description'));
    await userEvent.type(screen.getByLabelText('Description'), 'Old newspapers and magazines');
    await userEvent.click(screen.getByRole('button', { name: 'Next' }));
    expect(screen.getByLabelText(/^Address line 2/)).toHaveValue('Flat 2');
    expect(screen.getByLabelText('City')).toHaveValue('Kolkata');
    await userEvent.click(screen.getByRole('button', { name: 'Next' }));
    await userEvent.click(screen.getByRole('button', { name: 'Next' }));
    expect(screen.getByRole('img', { name: 'Preview of papers.jpg' })).toHaveAttribute(
      'src',
      'http://127.0.0.1:8080/uploads/2030/01/papers.jpg?md5=AbCdEfGhIjKlMnOpQrStUv&expires=1893456000',
    );
    await userEvent.click(screen.getByRole('button', { name: 'Back' }));
    // The preferred slot is chosen again.
    expect(await screen.findByRole('radio', { name: /10:00–11:00/ })).toBeChecked();
    await userEvent.click(screen.getByRole('button', { name: 'Save draft' }));

    // the wizard runs at /requests/d1/edit, so only the exact path says it has left
    await waitFor(() => expect(screen.getByTestId('location').textContent).toBe('/requests/d1'));
    expect(net.find('POST', '/api/requests')).toHaveLength(0);
    expect(net.find('PATCH', '/api/requests/d1')[0].body).toEqual({
      category: 'recyclable',
      is_special: false,
      description: 'Old newspapers and magazines',
      quantity: 3,
      address: { line1: '4 Park Street', line2: 'Flat 2', city: 'Kolkata', pincode: '700016', lat: 22.55, lng: 88.35 },
      preferred_slots: [SLOT],
      photos: ['http://127.0.0.1:8080/uploads/2030/01/papers.jpg?md5=AbCdEfGhIjKlMnOpQrStUv&expires=1893456000'],
    });
  });

  it('submits from the review: PATCH, then submit, then book the chosen slot', async () => {
    signIn(citizen);
    const draft = makeDraft();
    const net = fakeFetch({
      'GET /api/requests/d1': draft,
      'GET /api/slots/available': [{ ...SLOT, capacity: 5, remaining: 2 }],
      'PATCH /api/requests/d1': draft,
      'POST /api/requests/d1/submit': { ...draft, status: 'submitted' },
      'POST /api/requests/d1/confirm-slot': { ...draft, status: 'scheduled', assigned_slot: SLOT },
    });
    renderAt(<NewRequest />, wizardEdit);
    await screen.findByLabelText('Description');
    for (let i = 0; i < 4; i++) await userEvent.click(screen.getByRole('button', { name: 'Next' }));
    await screen.findByRole('heading', { name: /step 5 of 5: review/i });
    await userEvent.click(screen.getByRole('button', { name: 'Submit request' }));
    await waitFor(() => expect(screen.getByTestId('location').textContent).toBe('/requests/d1'));
    const order = net.calls.filter((c) => c.method !== 'GET').map((c) => `${c.method} ${c.path}`);
    expect(order).toEqual(['PATCH /api/requests/d1', 'POST /api/requests/d1/submit', 'POST /api/requests/d1/confirm-slot']);
    expect(net.find('POST', '/api/requests/d1/confirm-slot')[0].body).toEqual({ slot_start: SLOT.start, slot_end: SLOT.end });
  });

  it("shows the server's 409 when the draft was sent meanwhile", async () => {
    signIn(citizen);
    fakeFetch({
      'GET /api/requests/d1': makeDraft(),
      'PATCH /api/requests/d1': reply(409, { detail: 'Only drafts can be edited' }),
    });
    renderAt(<NewRequest />, wizardEdit);
    await userEvent.click(await screen.findByRole('button', { name: 'Save draft' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Only drafts can be edited');
    expect(screen.getByTestId('location')).toHaveTextContent('/requests/d1/edit');
  });

  it('refuses to edit a request that is no longer a draft', async () => {
    signIn(citizen);
    const net = fakeFetch({ 'GET /api/requests/d1': makeDraft({ status: 'submitted' }) });
    renderAt(<NewRequest />, wizardEdit);
    expect(await screen.findByRole('alert')).toHaveTextContent(/can no longer be edited/);
    expect(screen.getByRole('link', { name: 'View the request' })).toHaveAttribute('href', '/requests/d1');
    expect(screen.queryByRole('button', { name: 'Save draft' })).not.toBeInTheDocument();
    expect(net.calls.filter((c) => c.method !== 'GET')).toHaveLength(0);
  });
});

describe('Request detail: a draft', () => {
  it('says it is not sent, offers continue / submit / discard, and no cancel or slot booking', async () => {
    signIn(citizen);
    fakeFetch({
      'GET /api/requests/d1': makeDraft(),
    });
    renderAt(<RequestDetail />, { ...detail, state: { draftSaved: true } });
    expect(await screen.findByText('Draft — not sent yet')).toBeInTheDocument();
    expect(screen.getByText(/Draft saved\. It has not been sent yet/)).toBeInTheDocument();
    expect(screen.getByTestId('request-status')).toHaveTextContent('Draft');
    expect(screen.getByText(/^Preferred: /)).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Continue editing' })).toHaveAttribute('href', '/requests/d1/edit');
    expect(screen.getByRole('button', { name: 'Submit request' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Discard draft' })).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Cancel request' })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Choose a slot' })).not.toBeInTheDocument();
  });

  it('submits, then offers the preferred slot through confirm-slot', async () => {
    signIn(citizen);
    const draft = makeDraft();
    const net = fakeFetch({
      'GET /api/requests/d1': draft,
      'POST /api/requests/d1/submit': { ...draft, status: 'submitted' },
      'GET /api/slots/available': [{ ...SLOT, capacity: 5, remaining: 2 }],
      'POST /api/requests/d1/confirm-slot': { ...draft, status: 'scheduled', assigned_slot: SLOT },
    });
    renderAt(<RequestDetail />, detail);
    await userEvent.click(await screen.findByRole('button', { name: 'Submit request' }));
    expect(await screen.findByText(/Your request was submitted\. Confirm the slot you picked/)).toBeInTheDocument();
    expect(screen.getByTestId('request-status')).toHaveTextContent('Submitted');
    expect(screen.queryByText('Draft — not sent yet')).not.toBeInTheDocument();
    expect(net.find('POST', '/api/requests/d1/submit')[0].body).toBeUndefined();
    // The slot card opens with the draft's slot chosen, and focus is on its button.
    const book = screen.getByRole('button', { name: 'Book this slot' });
    await waitFor(() => expect(book).toHaveFocus());
    expect(await screen.findByRole('radio', { name: /10:00–11:00/ })).toBeChecked();
    await userEvent.click(book);
    expect(await screen.findByText(/Your pickup is scheduled for/)).toBeInTheDocument();
    expect(net.find('POST', '/api/requests/d1/confirm-slot')[0].body).toEqual({ slot_start: SLOT.start, slot_end: SLOT.end });
    expect(screen.getByTestId('request-status')).toHaveTextContent('Scheduled');
    // Focus stays in the slot card, now offering to move the pickup.
    await waitFor(() => expect(screen.getByRole('button', { name: 'Reschedule' })).toHaveFocus());
  });

  it('submits a draft without a slot and leaves the choice to the resident', async () => {
    signIn(citizen);
    const draft = makeDraft({ preferred_slots: [] });
    fakeFetch({ 'GET /api/requests/d1': draft, 'POST /api/requests/d1/submit': { ...draft, status: 'submitted' } });
    renderAt(<RequestDetail />, detail);
    await userEvent.click(await screen.findByRole('button', { name: 'Submit request' }));
    expect(await screen.findByText(/Choose a time slot below, or staff will schedule it/)).toBeInTheDocument();
    await waitFor(() => expect(screen.getByRole('button', { name: 'Choose a slot' })).toHaveFocus());
  });

  it("shows the server's 409 and reloads when the draft was already sent", async () => {
    signIn(citizen);
    let status: 'draft' | 'submitted' = 'draft';
    const net = fakeFetch({
      'GET /api/requests/d1': () => makeDraft({ status }),
      'POST /api/requests/d1/submit': () => {
        status = 'submitted';
        return reply(409, { detail: 'Only drafts can be submitted' });
      },
    });
    renderAt(<RequestDetail />, detail);
    await userEvent.click(await screen.findByRole('button', { name: 'Submit request' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Only drafts can be submitted');
    await waitFor(() => expect(screen.getByTestId('request-status')).toHaveTextContent('Submitted'));
    expect(net.find('GET', '/api/requests/d1')).toHaveLength(2);
  });

  it('discards with a confirmation, through cancel', async () => {
    signIn(citizen);
    const draft = makeDraft();
    const net = fakeFetch({
      'GET /api/requests/d1': draft,
      'POST /api/requests/d1/cancel': { ...draft, status: 'cancelled' },
    });
    renderAt(<RequestDetail />, detail);
    const discard = await screen.findByRole('button', { name: 'Discard draft' });
    await userEvent.click(discard);
    const group = screen.getByRole('group', { name: /discard this draft\?/i });
    await waitFor(() => expect(within(group).getByRole('button', { name: 'Yes, discard it' })).toHaveFocus());
    // "Keep" closes the question and gives focus back.
    await userEvent.click(within(group).getByRole('button', { name: 'Keep the draft' }));
    await waitFor(() => expect(screen.getByRole('button', { name: 'Discard draft' })).toHaveFocus());
    expect(net.find('POST', '/api/requests/d1/cancel')).toHaveLength(0);

    await userEvent.click(screen.getByRole('button', { name: 'Discard draft' }));
    await userEvent.click(screen.getByRole('button', { name: 'Yes, discard it' }));
    expect(await screen.findByText('The draft was discarded.')).toBeInTheDocument();
    expect(net.find('POST', '/api/requests/d1/cancel')[0].body).toEqual({});
    expect(screen.getByTestId('request-status')).toHaveTextContent('Cancelled');
    expect(screen.queryByRole('button', { name: 'Submit request' })).not.toBeInTheDocument();
    expect(screen.getByRole('heading', { level: 1 })).toHaveFocus();
  });

  it('shows a refused discard inline', async () => {
    signIn(citizen);
    fakeFetch({
      'GET /api/requests/d1': makeDraft(),
      'POST /api/requests/d1/cancel': reply(400, { detail: 'Cannot cancel in current status' }),
    });
    renderAt(<RequestDetail />, detail);
    await userEvent.click(await screen.findByRole('button', { name: 'Discard draft' }));
    await userEvent.click(screen.getByRole('button', { name: 'Yes, discard it' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Cannot cancel in current status');
  });
});

describe('Drafts in the lists', () => {
  it('My requests filters drafts and marks them as not sent', async () => {
    signIn(citizen);
    const net = fakeFetch({
      'GET /api/requests': (c) =>
        c.query.get('status') === 'draft'
          ? { items: [makeDraft({ description: 'Unsent boxes' })], total: 1, skip: 0, limit: 10 }
          : { items: [makeRequest({ description: 'Sent bottles' })], total: 1, skip: 0, limit: 10 },
    });
    renderAt(<Requests />, { route: '/requests', path: '/requests' });
    expect(await screen.findByText('Sent bottles')).toBeInTheDocument();
    await userEvent.selectOptions(screen.getByLabelText('Filter by status'), 'Draft');
    expect(await screen.findByText('Unsent boxes')).toBeInTheDocument();
    expect(net.find('GET', '/api/requests').at(-1)?.query.get('status')).toBe('draft');
    expect(screen.getByTestId('location')).toHaveTextContent('/requests?status=draft');
    expect(screen.getByRole('link', { name: /Unsent boxes/ })).toHaveTextContent('Not sent yet — open to continue');
  });

  it('the dashboard mentions unsent drafts', async () => {
    signIn(citizen);
    let drafts = [makeDraft()];
    fakeFetch({
      'GET /api/requests': (c) =>
        c.query.get('status') === 'draft'
          ? { items: drafts.slice(0, 1), total: drafts.length, skip: 0, limit: 1 }
          : { items: [], total: 0, skip: 0, limit: 5 },
    });
    const { unmount } = renderAt(<Dashboard />);
    expect(await screen.findByText('You have 1 unsent draft')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Open the draft' })).toHaveAttribute('href', '/requests/d1');
    unmount();

    drafts = [makeDraft(), makeDraft({ id: 'd2' })];
    renderAt(<Dashboard />);
    expect(await screen.findByText('You have 2 unsent drafts')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'See your drafts' })).toHaveAttribute('href', '/requests?status=draft');
  });

  it('the dashboard says nothing when there are no drafts', async () => {
    signIn(citizen);
    const net = fakeFetch({ 'GET /api/requests': { items: [], total: 0, skip: 0, limit: 5 } });
    renderAt(<Dashboard />);
    await waitFor(() => expect(net.find('GET', '/api/requests').length).toBe(3));
    await screen.findAllByText('No requests yet');
    expect(screen.queryByText(/unsent draft/)).not.toBeInTheDocument();
  });
});

describe('Routing', () => {
  it('"Continue editing" opens the wizard at /requests/:id/edit, prefilled', async () => {
    localStorage.setItem('swmra_token', 'tok');
    installFakeSockets();
    fakeFetch({
      'GET /api/auth/me': citizen,
      'GET /api/requests/d1': makeDraft({ description: 'Garden cuttings' }),
      'GET /api/rewards/summary': { total_points: 0, recent: [] },
      'GET /api/notifications': [],
      'GET /api/notifications/unread-count': { unread: 0 },
    });
    render(
      <MemoryRouter initialEntries={['/requests/d1']} future={{ v7_startTransition: true, v7_relativeSplatPath: true }}>
        <App />
      </MemoryRouter>,
    );
    await userEvent.click(await screen.findByRole('link', { name: 'Continue editing' }));
    expect(await screen.findByLabelText('Description')).toHaveValue('Garden cuttings');
    expect(screen.getByRole('heading', { name: 'Continue your draft', level: 1 })).toBeInTheDocument();
  });
});

describe('draftSlot', () => {
  it('offers the first preferred slot only while it is in the future', () => {
    const now = Date.parse('2030-01-01T00:00:00Z');
    expect(draftSlot({ preferred_slots: [{ start: '2030-01-02T04:30:00Z', end: '2030-01-02T05:30:00Z' }] }, now)).toEqual({
      start: '2030-01-02T04:30:00Z',
      end: '2030-01-02T05:30:00Z',
    });
    expect(draftSlot({ preferred_slots: [{ start: '2029-12-31T04:30:00Z', end: '2029-12-31T05:30:00Z' }] }, now)).toBeNull();
    expect(draftSlot({ preferred_slots: [] }, now)).toBeNull();
  });
});
