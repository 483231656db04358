import { en, type MessageKey } from './en';

/** Locale used for dates and numbers. */
export const LOCALE = 'en-IN';

export type { MessageKey };
type Vars = Record<string, string | number>;

let catalogue: Record<string, string> = en;

/** Swap the catalogue (a translation must have the same keys as en.ts). */
export function setCatalogue(messages: Record<MessageKey, string>): void {
  catalogue = messages;
}

const plural = new Intl.PluralRules(LOCALE);

/**
 * Looks up a message and fills `{name}` placeholders. With a numeric `count`, the key
 * `<key>_one` / `<key>_other` is used when present.
 */
export function t(key: MessageKey, vars?: Vars): string {
  return tDyn(key, vars);
}

/** Like t, for keys built at run time (`status.${s}`); unknown keys fall back to the key. */
export function tDyn(key: string, vars?: Vars): string {
  let msg: string | undefined;
  if (vars && typeof vars.count === 'number') {
    msg = catalogue[`${key}_${plural.select(vars.count)}`] ?? catalogue[`${key}_other`];
  }
  msg = msg ?? catalogue[key] ?? key;
  if (!vars) return msg;
  return msg.replace(/\{(\w+)\}/g, (m, name: string) => (name in vars ? String(vars[name]) : m));
}
