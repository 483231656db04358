import { describe, expect, it } from 'vitest';
import { render, screen } from '@testing-library/react';
import { Timeline } from '../Timeline';

describe('Timeline', () => {
  it('titles a reschedule (same status, new slot) as a slot change, not "Scheduled → Scheduled"', () => {
    render(
      <Timeline
        currentUserId="u1"
        events={[
          { type: 'STATUS_CHANGE', at: '2030-01-01T10:00:00Z', by: { id: 'u1', role: 'citizen' }, data: { from: 'submitted', to: 'scheduled', reason: null, note: null } },
          {
            type: 'STATUS_CHANGE',
            at: '2030-01-01T11:00:00Z',
            by: { id: 'u1', role: 'citizen' },
            data: { from: 'scheduled', to: 'scheduled', reason: 'Rescheduled', note: null, slot: { start: '2030-01-03T08:30:00Z', end: '2030-01-03T09:30:00Z' } },
          },
        ]}
      />,
    );
    expect(screen.getByText('Submitted → Scheduled')).toBeInTheDocument();
    expect(screen.queryByText('Scheduled → Scheduled')).not.toBeInTheDocument();
    expect(screen.getByText('Slot changed')).toBeInTheDocument();
    expect(screen.getByText(/^Rescheduled · slot /)).toBeInTheDocument();
  });
});
