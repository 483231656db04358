import { describe, expect, it } from 'vitest';
import { addDays, dateInTz, formatTime, hoursUntil, zonedToUtcIso } from './time';

describe('time helpers (service zone Asia/Kolkata)', () => {
  it('converts service wall-clock time to UTC', () => {
    expect(zonedToUtcIso('2025-01-02', '09:30', 'Asia/Kolkata')).toBe('2025-01-02T04:00:00.000Z');
    expect(zonedToUtcIso('2025-07-01', '09:00', 'Europe/London')).toBe('2025-07-01T08:00:00.000Z');
  });

  it('formats UTC instants in the service zone', () => {
    expect(formatTime('2025-01-02T04:00:00Z')).toBe('09:30');
    expect(dateInTz('2025-01-01T20:00:00Z')).toBe('2025-01-02');
  });

  it('does date arithmetic on calendar dates', () => {
    expect(addDays('2025-02-28', 1)).toBe('2025-03-01');
    expect(addDays('2025-01-01', -1)).toBe('2024-12-31');
  });

  it('counts hours until an instant', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(hoursUntil('2025-01-02T00:00:00Z', now)).toBe(24);
  });
});
