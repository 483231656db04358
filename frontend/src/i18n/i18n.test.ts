import { describe, expect, it } from 'vitest';
import { t, tDyn } from '.';
import { en } from './en';
import { CATEGORIES, STATUSES } from '../api/types';

describe('message catalogue', () => {
  it('fills placeholders and picks plural forms', () => {
    expect(t('header.points', { points: 15 })).toBe('15 pts');
    expect(t('bell.labelUnread', { count: 1 })).toBe('Notifications, 1 unread');
    expect(t('slots.seatsLeft', { count: 3, capacity: 5 })).toBe('3 of 5 seats left');
  });

  it('has a label for every status and category', () => {
    for (const s of STATUSES) expect(Object.keys(en)).toContain(`status.${s}`);
    for (const c of CATEGORIES) {
      expect(Object.keys(en)).toContain(`category.${c}`);
      expect(Object.keys(en)).toContain(`categoryHint.${c}`);
    }
    expect(tDyn('status.pending_review')).toBe('Pending review');
  });

  it('has no empty messages', () => {
    for (const [k, v] of Object.entries(en)) expect(v.trim(), k).not.toBe('');
  });
});
