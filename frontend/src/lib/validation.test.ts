import { describe, expect, it } from 'vitest';
import { email, lengthBetween, numberBetween, password, phone, validate } from './validation';

describe('validators', () => {
  it('checks emails, passwords and phones like the server', () => {
    expect(email('a@b.co')).toBeUndefined();
    expect(email('nope')).toMatch(/valid email/);
    expect(email('  ')).toMatch(/required/);
    expect(password('1234567')).toMatch(/at least 8/);
    expect(password('12345678')).toBeUndefined();
    expect(phone('+91 (80) 1234-5678')).toBeUndefined();
    expect(phone('12345')).toMatch(/7 to 20/);
    expect(phone('12345abc')).toMatch(/digits/);
  });

  it('checks lengths and numbers', () => {
    expect(lengthBetween('Description', 5, 1000)('abcd')).toBe('Description must be at least 5 characters.');
    expect(numberBetween('Quantity', 0, 100, { exclusiveMin: true })('0')).toMatch(/more than 0/);
    expect(numberBetween('Quantity', 0, 100, { exclusiveMin: true })('101')).toMatch(/at most 100/);
    expect(numberBetween('Quantity', 0, 100, { exclusiveMin: true })('2.5')).toBeUndefined();
  });

  it('collects only failing fields', () => {
    const errs = validate({ a: '', b: 'ok' }, { a: lengthBetween('A', 1, 5), b: lengthBetween('B', 1, 5) });
    expect(errs).toEqual({ a: 'A is required.' });
  });
});
