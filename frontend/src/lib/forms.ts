import { ApiError, errorMessage } from '../api/client';
import { t } from '../i18n';

/**
 * Splits a failed call into inline field errors (422 `loc` → form field) and one message
 * for the form's alert. Server messages for fields the form does not show go into the alert.
 * `alias` maps server field paths to form field names (e.g. `address.line1` → `line1`).
 */
export function serverErrors<K extends string>(
  err: unknown,
  fields: readonly K[],
  alias: Record<string, K> = {},
): { fields: Partial<Record<K, string>>; message: string } {
  const out: Partial<Record<K, string>> = {};
  if (!(err instanceof ApiError)) return { fields: out, message: errorMessage(err) };
  const unmatched: string[] = [];
  for (const [path, msg] of Object.entries(err.fieldErrors)) {
    const key = (alias[path] ?? path) as K;
    if (fields.includes(key)) {
      if (!out[key]) out[key] = msg;
    } else {
      const leaf = path.split('.').pop() || path;
      const key2 = (alias[leaf] ?? leaf) as K;
      if (fields.includes(key2) && !out[key2]) out[key2] = msg;
      else unmatched.push(`${path}: ${msg}`);
    }
  }
  let message = err.message;
  if (Object.keys(err.fieldErrors).length > 0) {
    message = unmatched.length ? `${t('error.validation')} ${unmatched.join('; ')}` : t('error.validation');
  }
  return { fields: out, message };
}
