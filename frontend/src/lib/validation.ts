import { t } from '../i18n';

/** Each validator returns an error message, or undefined when the value is fine. */
export type Validator = (value: string) => string | undefined;

export const required =
  (label: string): Validator =>
  (v) =>
    v.trim() ? undefined : t('validation.required', { field: label });

export const lengthBetween =
  (label: string, min: number, max: number): Validator =>
  (v) => {
    const n = v.trim().length;
    if (n === 0 && min > 0) return t('validation.required', { field: label });
    if (n < min) return t('validation.tooShort', { field: label, min });
    if (n > max) return t('validation.tooLong', { field: label, max });
    return undefined;
  };

export const email: Validator = (v) => {
  const s = v.trim();
  if (!s) return t('validation.required', { field: t('field.email') });
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(s) ? undefined : t('validation.email');
};

export const password: Validator = (v) => {
  if (!v) return t('validation.required', { field: t('field.password') });
  return v.length >= 8 ? undefined : t('validation.passwordLength', { min: 8 });
};

export const phone: Validator = (v) => {
  const s = v.trim();
  if (!s) return t('validation.required', { field: t('field.phone') });
  if (!/^[0-9 +\-()]+$/.test(s)) return t('validation.phoneChars');
  if (s.length < 7 || s.length > 20) return t('validation.phoneLength');
  return undefined;
};

export const numberBetween =
  (label: string, min: number, max: number, { exclusiveMin = false, integer = false } = {}): Validator =>
  (v) => {
    if (v.trim() === '') return t('validation.required', { field: label });
    const n = Number(v);
    if (!Number.isFinite(n)) return t('validation.number', { field: label });
    if (integer && !Number.isInteger(n)) return t('validation.integer', { field: label });
    if (exclusiveMin ? n <= min : n < min)
      return exclusiveMin ? t('validation.greaterThan', { field: label, min }) : t('validation.atLeast', { field: label, min });
    if (n > max) return t('validation.atMost', { field: label, max });
    return undefined;
  };

export const time24: Validator = (v) => (/^([01]\d|2[0-3]):[0-5]\d$/.test(v) ? undefined : t('validation.time'));

export const isoDate: Validator = (v) => (/^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(v)) ? undefined : t('validation.date'));

/** Runs validators over a values object; returns only the failing fields. */
export function validate<K extends string>(
  values: Record<K, string>,
  rules: Partial<Record<K, Validator | Validator[]>>,
): Partial<Record<K, string>> {
  const errors: Partial<Record<K, string>> = {};
  for (const key of Object.keys(rules) as K[]) {
    const list = rules[key];
    const fns = Array.isArray(list) ? list : list ? [list] : [];
    for (const fn of fns) {
      const msg = fn(values[key] ?? '');
      if (msg) {
        errors[key] = msg;
        break;
      }
    }
  }
  return errors;
}

export function hasErrors(errors: Record<string, string | undefined>): boolean {
  return Object.values(errors).some(Boolean);
}
