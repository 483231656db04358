import { describe, expect, it } from 'vitest';
import { render, screen } from '@testing-library/react';
import { Timeline } from '../Timeline';

describe('Timeline', () => {
  it('titles a reschedule (same status, new slot) as a slot change, not "Scheduled → Scheduled"', () => {
    render(
      <Timeline
        currentUserId="u1"
        events={[
          {
            type: 'STATUS_CHANGE',
            at: '2030-01-01T10:00:00Z',
            by: 'u1',
            by_role: 'citizen',
            data: { from: 'submitted', to: 'scheduled', reason: null, note: null },
          },
          {
            type: 'STATUS_CHANGE',
            at: '2030-01-01T11:00:00Z',
            by: 'u1',
            by_role: 'citizen',
            data: {
              from: 'scheduled',
              to: 'scheduled',
              reason: 'Rescheduled',
              note: null,
              slot: { start: '2030-01-03T08:30:00Z', end: '2030-01-03T09:30:00Z' },
            },
          },
        ]}
      />,
    );
    expect(screen.getByText('Submitted → Scheduled')).toBeInTheDocument();
    expect(screen.queryByText('Scheduled → Scheduled')).not.toBeInTheDocument();
    expect(screen.getByText('Slot changed')).toBeInTheDocument();
    expect(screen.getByText(/^Rescheduled · slot /)).toBeInTheDocument();
  });

  it('names the actor from `by` (the user id as a string) and `by_role`', () => {
    const at = '2030-01-01T10:00:00Z';
    const data = { from: 'submitted', to: 'pending_review', reason: null, note: null } as const;
    const { unmount } = render(
      <Timeline
        currentUserId="u1"
        events={[
          { type: 'STATUS_CHANGE', at, by: 'u1', by_role: 'citizen', data },
          {
            type: 'NOTE',
            at: '2030-01-01T11:00:00Z',
            by: 's1',
            by_role: 'staff',
            data: { from: null, to: null, reason: null, note: 'Gate code' },
          },
          {
            type: 'NOTE',
            at: '2030-01-01T12:00:00Z',
            by: 'u2',
            by_role: 'citizen',
            data: { from: null, to: null, reason: null, note: 'Other' },
          },
        ]}
      />,
    );
    expect(screen.getByText(/· by you$/)).toBeInTheDocument();
    expect(screen.getByText(/· by city staff$/)).toBeInTheDocument();
    expect(screen.getByText(/· by the resident$/)).toBeInTheDocument();
    unmount();
    // the staff view labels known actors by id and others by the id's tail
    render(
      <Timeline
        actors={{ s1: 'Asha (staff)' }}
        events={[
          { type: 'NOTE', at, by: 's1', by_role: 'staff', data: { from: null, to: null, reason: null, note: 'a' } },
          {
            type: 'NOTE',
            at: '2030-01-01T11:00:00Z',
            by: '0123456789abcdef01234567',
            by_role: 'admin',
            data: { from: null, to: null, reason: null, note: 'b' },
          },
        ]}
      />,
    );
    expect(screen.getByText(/· by Asha \(staff\)$/)).toBeInTheDocument();
    expect(screen.getByText(/· by staff member …234567$/)).toBeInTheDocument();
  });
});
