import { describe, expect, it } from 'vitest';
import { allowedTransitions, BOARD_COLUMNS, noSlotText, TRANSITIONS } from './status';
import { STATUSES } from '../api/types';

describe('lifecycle table', () => {
  it('matches the contract', () => {
    expect(TRANSITIONS.scheduled).toEqual(['enroute', 'cancelled']);
    expect(TRANSITIONS.enroute).toEqual(['onsite', 'failed']);
    expect(TRANSITIONS.failed).toEqual(['scheduled', 'cancelled']);
    expect(TRANSITIONS.completed).toEqual([]);
    for (const s of STATUSES) expect(TRANSITIONS[s]).toBeDefined();
  });

  it('prefers the server list when present', () => {
    expect(allowedTransitions('scheduled', ['enroute'])).toEqual(['enroute']);
    expect(allowedTransitions('scheduled', [])).toEqual([]);
    expect(allowedTransitions('collected')).toEqual(['handover']);
  });

  it('has a board column for every status but draft', () => {
    expect(BOARD_COLUMNS).toHaveLength(12);
    expect(BOARD_COLUMNS).not.toContain('draft');
  });
});

describe('noSlotText', () => {
  it('says a closed request has no slot to come, an open one is not scheduled yet', () => {
    expect(noSlotText('submitted')).toBe('Not scheduled yet');
    expect(noSlotText('pending_review')).toBe('Not scheduled yet');
    expect(noSlotText('cancelled')).toBe('None: the request was cancelled');
    expect(noSlotText('failed')).toBe('None: the pickup could not be completed');
  });
});
