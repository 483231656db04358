// The CI check of the catalogues (every key in every language, every message a valid ICU
// message with the same placeholders as English) and of the i18n setup: plurals, Intl
// formatting per language, browser default, and <html lang> following the language.
import { afterEach, describe, expect, it } from 'vitest';
import { parse, TYPE, type MessageFormatElement } from '@formatjs/icu-messageformat-parser';
import { CATALOGUES, LOCALES, browserLocale, currentLocale, formatNumber, i18n, intlLocale, setLocale, t, tDyn } from '.';
import { en } from './en';
import { CATEGORIES, STATUSES } from '../api/types';
import { formatDate, formatSlot, relativeTime } from '../lib/time';
import { errorFromBody } from '../api/client';

afterEach(() => {
  setLocale('en');
  localStorage.clear();
});

/** Names of the arguments a message uses ({name}, {count, plural, …}), nested ones included. */
function argNames(elements: MessageFormatElement[], out = new Set<string>()): Set<string> {
  for (const el of elements) {
    if (el.type === TYPE.literal || el.type === TYPE.pound) continue;
    out.add(el.value);
    if (el.type === TYPE.plural || el.type === TYPE.select) {
      for (const opt of Object.values(el.options)) argNames(opt.value, out);
    }
  }
  return out;
}

describe('catalogues', () => {
  const enKeys = Object.keys(en).sort();

  it.each(LOCALES)('%s has exactly the English keys, none empty', (l) => {
    expect(Object.keys(CATALOGUES[l]).sort()).toEqual(enKeys);
    for (const [k, v] of Object.entries(CATALOGUES[l])) expect(v.trim(), `${l}:${k}`).not.toBe('');
  });

  it.each(LOCALES)('%s: every message parses as ICU and uses the English placeholders', (l) => {
    for (const [k, v] of Object.entries(CATALOGUES[l])) {
      let ast: MessageFormatElement[] = [];
      expect(() => (ast = parse(v)), `${l}:${k}`).not.toThrow();
      const want = [...argNames(parse(en[k as keyof typeof en]))].sort();
      expect([...argNames(ast)].sort(), `${l}:${k}`).toEqual(want);
    }
  });

  it.each(['hi', 'kn'] as const)('%s is a translation, not a copy of English', (l) => {
    const same = Object.entries(CATALOGUES[l]).filter(
      ([k, v]) => v === en[k as keyof typeof en] && /[a-z]{4}/.test(v.replace(/\{[^}]*\}/g, '')),
    );
    // brand name, file formats and the like stay as they are
    expect(same.map(([k]) => k)).toEqual([]);
    expect(CATALOGUES[l]['nav.dashboard']).not.toBe(en['nav.dashboard']);
  });

  it('has a label for every status and category in every language', () => {
    for (const l of LOCALES) {
      const keys = Object.keys(CATALOGUES[l]);
      for (const s of STATUSES) expect(keys).toContain(`status.${s}`);
      for (const c of CATEGORIES) {
        expect(keys).toContain(`category.${c}`);
        expect(keys).toContain(`categoryHint.${c}`);
      }
    }
  });
});

describe('messages', () => {
  it('fills placeholders and picks plural forms (English)', () => {
    expect(t('header.points', { points: 15 })).toBe('15 pts');
    expect(t('bell.labelUnread', { count: 1 })).toBe('Notifications, 1 unread');
    expect(t('slots.seatsLeft', { count: 1, capacity: 5 })).toBe('1 of 5 seats left');
    expect(t('requests.count', { count: 1 })).toBe('1 request');
    expect(t('requests.count', { count: 2 })).toBe('2 requests');
    expect(t('apiKeys.caption', { count: 1 })).toBe('1 key');
    expect(t('apiKeys.caption', { count: 3 })).toBe('3 keys');
    expect(tDyn('status.pending_review')).toBe('Pending review');
    expect(tDyn('no.such.key')).toBe('no.such.key');
  });

  it('uses the plural rules of Hindi and Kannada', () => {
    setLocale('hi');
    expect(t('slots.seatsLeft', { count: 1, capacity: 5 })).toBe('5 में से 1 सीट बची है');
    expect(t('slots.seatsLeft', { count: 3, capacity: 5 })).toBe('5 में से 3 सीटें बची हैं');
    expect(t('draft.dashboard', { count: 2 })).toBe('आपके 2 ड्राफ़्ट भेजे नहीं गए हैं');
    setLocale('kn');
    expect(t('requests.count', { count: 1 })).toBe('1 ವಿನಂತಿ');
    expect(t('requests.count', { count: 4 })).toBe('4 ವಿನಂತಿಗಳು');
    expect(t('apiKeys.caption', { count: 1 })).toBe('1 ಕೀ');
    expect(t('apiKeys.caption', { count: 2 })).toBe('2 ಕೀಗಳು');
  });

  it('formats numbers in plural messages for the language', () => {
    expect(t('bell.labelUnread', { count: 12345 })).toBe('Notifications, 12,345 unread');
    setLocale('hi');
    expect(t('dashboard.viewAll', { count: 123456 })).toBe('सब देखें (1,23,456)');
  });
});

describe('language choice', () => {
  it('takes the first browser language it speaks, else English', () => {
    expect(browserLocale(['kn-IN', 'en-GB'])).toBe('kn');
    expect(browserLocale(['fr-FR', 'hi'])).toBe('hi');
    expect(browserLocale(['de-DE'])).toBe('en');
    expect(browserLocale([])).toBe('en');
  });

  it('keeps <html lang> and the stored choice in step with the language', async () => {
    expect(document.documentElement.lang).toBe('en');
    setLocale('hi');
    expect(currentLocale()).toBe('hi');
    expect(i18n.language).toBe('hi');
    expect(document.documentElement.lang).toBe('hi');
    expect(localStorage.getItem('swmra_locale')).toBe('hi');
    setLocale('kn');
    expect(document.documentElement.lang).toBe('kn');
    expect(t('nav.dashboard')).toBe('ಡ್ಯಾಶ್‌ಬೋರ್ಡ್');
  });
});

describe('Intl formatting per language', () => {
  const slot = { start: '2026-11-27T03:30:00Z', end: '2026-11-27T05:30:00Z' };

  it('writes dates, slots and numbers the Indian way in each language', () => {
    expect(intlLocale()).toBe('en-IN');
    expect(formatDate(slot.start)).toBe(
      new Intl.DateTimeFormat('en-IN', {
        timeZone: 'Asia/Kolkata',
        weekday: 'short',
        day: 'numeric',
        month: 'short',
        year: 'numeric',
      }).format(new Date(slot.start)),
    );
    expect(formatSlot(slot)).toContain('09:00–11:00');
    expect(formatNumber(1234567)).toBe('12,34,567');

    setLocale('hi');
    expect(intlLocale()).toBe('hi-IN');
    expect(formatDate(slot.start)).toMatch(/शुक्र/);
    expect(formatDate(slot.start)).toMatch(/नव/);
    expect(formatSlot(slot)).toContain('09:00–11:00');

    setLocale('kn');
    expect(formatDate(slot.start)).toMatch(/ಶುಕ್ರ/);
    expect(formatDate(slot.start)).toMatch(/ನವೆಂ/);
    expect(relativeTime('2026-11-27T03:30:00Z', Date.parse('2026-11-25T03:30:00Z'))).toBe(
      new Intl.RelativeTimeFormat('kn-IN', { numeric: 'auto' }).format(2, 'day'),
    );
  });
});

describe('API errors', () => {
  it('show the English detail in English and the app’s own words in other languages', () => {
    expect(errorFromBody(409, { detail: 'Slot is full' }).message).toBe('Slot is full');
    setLocale('hi');
    expect(errorFromBody(409, { detail: 'Slot is full' }).message).toBe(CATALOGUES.hi['error.slotFull']);
    expect(errorFromBody(401, { detail: 'Invalid credentials' }).message).toBe(CATALOGUES.hi['error.invalidCredentials']);
    expect(errorFromBody(400, { detail: 'Too late to cancel (<24h)' }).message).toBe(CATALOGUES.hi['error.tooLate']);
    setLocale('kn');
    // unknown details: a message for the status class
    expect(errorFromBody(409, { detail: 'Transition not allowed' }).message).toBe(CATALOGUES.kn['error.conflict']);
    expect(errorFromBody(503, { detail: 'Database unavailable' }).message).toBe(CATALOGUES.kn['error.server']);
    const v = errorFromBody(422, { detail: [{ loc: ['body', 'phone'], msg: 'Phone must be 7-20 characters', type: 'value_error' }] });
    expect(v.fieldErrors.phone).toBe(CATALOGUES.kn['error.fieldInvalid']);
  });
});
