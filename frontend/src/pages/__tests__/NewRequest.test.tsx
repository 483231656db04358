import { describe, expect, it, vi } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import NewRequest from '../NewRequest';
import { renderAt, signIn } from '../../test/render';
import { fakeFetch, reply } from '../../test/fakeFetch';
import { installFakeXhr } from '../../test/fakeXhr';
import { citizen, makeRequest } from '../../test/fixtures';
import { addDays, todayInTz } from '../../lib/time';

// A date inside the 60-day booking window (the picker offers nothing outside it).
const SLOT_DATE = addDays(todayInTz(), 10);
const SLOT = { start: `${SLOT_DATE}T04:30:00Z`, end: `${SLOT_DATE}T05:30:00Z`, capacity: 5, remaining: 3 };

async function fillDetails() {
  await userEvent.selectOptions(screen.getByLabelText('Waste category'), 'e-waste');
  await userEvent.clear(screen.getByLabelText('Quantity (bags)'));
  await userEvent.type(screen.getByLabelText('Quantity (bags)'), '2');
  await userEvent.type(screen.getByLabelText('Description'), 'Old laptop and cables');
}

async function fillAddress() {
  await userEvent.type(screen.getByLabelText('Address line 1'), '12 MG Road');
  await userEvent.type(screen.getByLabelText('City'), 'Bengaluru');
  await userEvent.type(screen.getByLabelText('PIN code'), '560001');
}

describe('New request wizard', () => {
  it('validates each step inline before moving on', async () => {
    signIn(citizen);
    fakeFetch({});
    renderAt(<NewRequest />, { route: '/requests/new', path: '/requests/new' });
    expect(screen.getByRole('heading', { name: /step 1 of 5/i })).toBeInTheDocument();
    await userEvent.type(screen.getByLabelText('Description'), 'abc');
    await userEvent.click(screen.getByRole('button', { name: 'Next' }));
    expect(screen.getByLabelText('Description')).toHaveAccessibleDescription(/at least 5 characters/);
    expect(screen.getByRole('heading', { name: /step 1 of 5/i })).toBeInTheDocument();

    await userEvent.type(screen.getByLabelText('Description'), 'defgh');
    await userEvent.click(screen.getByRole('button', { name: 'Next' }));
    const h2 = screen.getByRole('heading', { name: /step 2 of 5: address/i });
    await waitFor(() => expect(h2).toHaveFocus());
    await userEvent.click(screen.getByRole('button', { name: 'Next' }));
    expect(screen.getByLabelText('Address line 1')).toHaveAccessibleDescription(/address line 1 is required/i);
    expect(screen.getByLabelText('City')).toHaveAccessibleDescription(/city is required/i);
    expect(screen.getByLabelText('PIN code')).toHaveAccessibleDescription(/pin code is required/i);
  });

  it('books a pickup: live slots with seats left, photo upload with progress, review, submit and confirm the slot', async () => {
    signIn(citizen);
    const created = makeRequest({ id: 'new1', category: 'e-waste', is_special: true });
    const net = fakeFetch({
      'GET /api/slots/available': (c) => (c.query.get('category') === 'e-waste' ? [SLOT] : []),
      'POST /api/requests': reply(201, created),
      'POST /api/requests/:id/confirm-slot': { ...created, status: 'scheduled', assigned_slot: { start: SLOT.start, end: SLOT.end } },
    });
    const xhr = installFakeXhr(() => ({
      status: 201,
      body: { url: 'http://127.0.0.1:8080/uploads/2030/01/abc.jpg?md5=AbCdEfGhIjKlMnOpQrStUv&expires=1893456000', path: '2030/01/abc.jpg' },
    }));
    vi.stubGlobal('URL', Object.assign(URL, { createObjectURL: () => 'blob:preview', revokeObjectURL: () => undefined }));
    renderAt(<NewRequest />, { route: '/requests/new', path: '/requests/new' });

    await fillDetails();
    expect(screen.getByLabelText('Needs special handling')).toBeChecked();
    await userEvent.click(screen.getByRole('button', { name: 'Next' }));
    await fillAddress();
    await userEvent.click(screen.getByRole('button', { name: 'Next' }));

    // Step 3: slots for the chosen date
    const date = screen.getByLabelText('Pickup date');
    await userEvent.clear(date);
    await userEvent.type(date, SLOT_DATE);
    const radio = await screen.findByRole('radio', { name: /10:00–11:00.*3 of 5 seats left/ });
    expect(net.find('GET', '/api/slots/available').at(-1)?.query.get('date')).toBe(SLOT_DATE);
    expect(screen.getByText(/Times are in IST, Asia\/Kolkata/)).toBeInTheDocument();
    await userEvent.click(radio);
    await userEvent.click(screen.getByRole('button', { name: 'Next' }));

    // Step 4: photo
    const file = new File([new Uint8Array([0xff, 0xd8, 0xff])], 'laptop.jpg', { type: 'image/jpeg' });
    await userEvent.upload(screen.getByLabelText(/photos of the waste/i), file);
    const bar = await screen.findByRole('progressbar', { name: /upload progress for laptop.jpg/i });
    await waitFor(() => expect(bar).toHaveAttribute('value', '50'));
    expect(screen.getByText('Uploading… 50%')).toBeInTheDocument();
    expect(await screen.findByText('Uploaded')).toBeInTheDocument();
    expect(screen.getByRole('img', { name: 'Preview of laptop.jpg' })).toHaveAttribute('src', 'blob:preview');
    expect(xhr.sent[0].url).toBe('/api/files/upload');
    expect(xhr.sent[0].headers.authorization).toBe('Bearer test-token');
    expect((xhr.sent[0].body as FormData).get('file')).toBeInstanceOf(File);
    await userEvent.click(screen.getByRole('button', { name: 'Next' }));

    // Step 5: review and submit
    const review = screen.getByRole('heading', { name: /step 5 of 5: review/i }).closest('form')!;
    expect(within(review).getByText('Old laptop and cables')).toBeInTheDocument();
    expect(within(review).getByText('12 MG Road, Bengaluru, 560001')).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Submit request' }));

    await waitFor(() => expect(screen.getByTestId('location')).toHaveTextContent('/requests/new1'));
    const body = net.find('POST', '/api/requests')[0].body;
    expect(body).toEqual({
      category: 'e-waste',
      is_special: true,
      description: 'Old laptop and cables',
      quantity: 2,
      address: { line1: '12 MG Road', city: 'Bengaluru', pincode: '560001' },
      preferred_slots: [{ start: SLOT.start, end: SLOT.end }],
      photos: ['http://127.0.0.1:8080/uploads/2030/01/abc.jpg?md5=AbCdEfGhIjKlMnOpQrStUv&expires=1893456000'],
    });
    expect(net.find('POST', '/api/requests/new1/confirm-slot')[0].body).toEqual({ slot_start: SLOT.start, slot_end: SLOT.end });
  });

  it('sends the user back to the step of a field the server rejected', async () => {
    signIn(citizen);
    fakeFetch({
      'GET /api/slots/available': [],
      'POST /api/requests': reply(422, {
        detail: [{ loc: ['body', 'address', 'pincode'], msg: 'String should have at most 10 characters', type: 'string_too_long' }],
      }),
    });
    renderAt(<NewRequest />, { route: '/requests/new', path: '/requests/new' });
    await fillDetails();
    await userEvent.click(screen.getByRole('button', { name: 'Next' }));
    await fillAddress();
    await userEvent.click(screen.getByRole('button', { name: 'Next' }));
    expect(await screen.findByText(/no free slots/i)).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: /skip: let staff schedule it/i }));
    await userEvent.click(screen.getByRole('button', { name: 'Next' }));
    await userEvent.click(screen.getByRole('button', { name: 'Submit request' }));
    expect(await screen.findByRole('heading', { name: /step 2 of 5/i })).toBeInTheDocument();
    expect(screen.getByLabelText('PIN code')).toHaveAccessibleDescription('String should have at most 10 characters');
  });

  it('shows an upload error from the server and blocks moving on until fixed', async () => {
    signIn(citizen);
    fakeFetch({ 'GET /api/slots/available': [] });
    installFakeXhr(() => ({ status: 415, body: { detail: 'Unsupported file type' } }));
    vi.stubGlobal('URL', Object.assign(URL, { createObjectURL: () => 'blob:x', revokeObjectURL: () => undefined }));
    renderAt(<NewRequest />, { route: '/requests/new', path: '/requests/new' });
    await fillDetails();
    await userEvent.click(screen.getByRole('button', { name: 'Next' }));
    await fillAddress();
    await userEvent.click(screen.getByRole('button', { name: 'Next' }));
    await userEvent.click(screen.getByRole('button', { name: /skip/i }));
    await userEvent.upload(screen.getByLabelText(/photos of the waste/i), new File(['x'], 'fake.png', { type: 'image/png' }));
    expect(await screen.findByText('Unsupported file type')).toBeInTheDocument();
    // The same bytes would be refused again: only removing the photo is offered.
    expect(screen.queryByRole('button', { name: 'Try again' })).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Remove fake.png' })).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Next' }));
    expect(screen.getByText(/failed to upload/i)).toBeInTheDocument();
    expect(screen.getByRole('heading', { name: /step 4 of 5/i })).toBeInTheDocument();
  });

  it('offers to retry an upload that failed for a passing reason', async () => {
    signIn(citizen);
    fakeFetch({ 'GET /api/slots/available': [] });
    let calls = 0;
    const xhr = installFakeXhr(() =>
      ++calls === 1
        ? { status: 503, body: { detail: 'Service unavailable' } }
        : {
            status: 201,
            body: {
              url: 'http://127.0.0.1:8080/uploads/2030/01/ok.png?md5=AbCdEfGhIjKlMnOpQrStUv&expires=1893456000',
              path: '2030/01/ok.png',
            },
          },
    );
    vi.stubGlobal('URL', Object.assign(URL, { createObjectURL: () => 'blob:x', revokeObjectURL: () => undefined }));
    renderAt(<NewRequest />, { route: '/requests/new', path: '/requests/new' });
    await fillDetails();
    await userEvent.click(screen.getByRole('button', { name: 'Next' }));
    await fillAddress();
    await userEvent.click(screen.getByRole('button', { name: 'Next' }));
    await userEvent.click(screen.getByRole('button', { name: /skip/i }));
    await userEvent.upload(screen.getByLabelText(/photos of the waste/i), new File(['x'], 'bag.png', { type: 'image/png' }));
    await userEvent.click(await screen.findByRole('button', { name: 'Try again' }));
    expect(await screen.findByText('Uploaded')).toBeInTheDocument();
    expect(xhr.sent).toHaveLength(2);
  });
});
