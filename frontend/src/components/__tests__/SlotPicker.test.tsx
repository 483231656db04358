import { useState } from 'react';
import { describe, expect, it } from 'vitest';
import { render, screen } from '@testing-library/react';
import { BOOKING_WINDOW_DAYS, SlotPicker } from '../SlotPicker';
import { fakeFetch } from '../../test/fakeFetch';
import { signIn } from '../../test/render';
import { citizen } from '../../test/fixtures';
import { addDays, todayInTz } from '../../lib/time';
import type { AvailableSlot } from '../../api/types';

function Harness({ initialDate }: { initialDate: string }) {
  const [date, setDate] = useState(initialDate);
  const [slot, setSlot] = useState<AvailableSlot | null>(null);
  return <SlotPicker category="recyclable" value={slot} onChange={setSlot} date={date} onDateChange={setDate} />;
}

const slotOn = (date: string) => ({ start: `${date}T03:30:00Z`, end: `${date}T04:30:00Z`, capacity: 5, remaining: 5 });

describe('SlotPicker', () => {
  it('lists the free slots of a date inside the booking window', async () => {
    signIn(citizen);
    const date = addDays(todayInTz(), 2);
    fakeFetch({ 'GET /api/slots/available': (c) => [slotOn(c.query.get('date')!)] });
    render(<Harness initialDate={date} />);
    expect(await screen.findByRole('radio')).toBeEnabled();
    expect(screen.queryByText(/choose a date between today/i)).not.toBeInTheDocument();
  });

  it('offers no slot for a date past the booking window, only the warning (the server would still list them)', async () => {
    signIn(citizen);
    const date = addDays(todayInTz(), BOOKING_WINDOW_DAYS + 35);
    const net = fakeFetch({ 'GET /api/slots/available': (c) => [slotOn(c.query.get('date')!)] });
    render(<Harness initialDate={date} />);
    expect(await screen.findByText(`Choose a date between today and ${BOOKING_WINDOW_DAYS} days ahead.`)).toBeInTheDocument();
    expect(screen.queryByRole('radio')).not.toBeInTheDocument();
    expect(screen.queryByText(/slots? available/)).not.toBeInTheDocument();
    expect(net.find('GET', '/api/slots/available')).toHaveLength(0);
  });

  it('offers no slot for a past date', async () => {
    signIn(citizen);
    const net = fakeFetch({ 'GET /api/slots/available': (c) => [slotOn(c.query.get('date')!)] });
    render(<Harness initialDate={addDays(todayInTz(), -3)} />);
    expect(await screen.findByText(/choose a date between today/i)).toBeInTheDocument();
    expect(screen.queryByRole('radio')).not.toBeInTheDocument();
    expect(net.find('GET', '/api/slots/available')).toHaveLength(0);
  });
});
