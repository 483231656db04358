/**
 * i18next with ICU MessageFormat (i18next-icu → intl-messageformat): English, Hindi and
 * Kannada. Components keep calling t() / tDyn() at render time; App subscribes with
 * useTranslation() so a language change re-renders the tree. The language is the profile's
 * `locale` once signed in, before that the one chosen on this device, else the browser's.
 */
import i18next from 'i18next';
import ICU from 'i18next-icu';
import { initReactI18next } from 'react-i18next';
import { en, type MessageKey } from './en';
import { hi } from './hi';
import { kn } from './kn';

export type { MessageKey };
export type Locale = 'en' | 'hi' | 'kn';
export const LOCALES: readonly Locale[] = ['en', 'hi', 'kn'];
/** Each language's name in its own script: what the switcher shows, whatever the UI language. */
export const LOCALE_NAMES: Record<Locale, string> = { en: 'English', hi: 'हिन्दी', kn: 'ಕನ್ನಡ' };
export const CATALOGUES: Record<Locale, Record<MessageKey, string>> = { en, hi, kn };

const STORAGE_KEY = 'swmra_locale';
type Vars = Record<string, string | number>;

export function isLocale(v: unknown): v is Locale {
  return typeof v === 'string' && (LOCALES as readonly string[]).includes(v);
}

/** The first of the browser's languages we speak ("hi-IN" → hi), else English. */
export function browserLocale(
  languages: readonly string[] = typeof navigator !== 'undefined' ? (navigator.languages ?? [navigator.language]) : [],
): Locale {
  for (const tag of languages) {
    const base = tag?.toLowerCase().split('-')[0];
    if (isLocale(base)) return base;
  }
  return 'en';
}

function storedLocale(): Locale | null {
  try {
    const v = localStorage.getItem(STORAGE_KEY);
    return isLocale(v) ? v : null;
  } catch {
    return null;
  }
}

const i18n = i18next.createInstance();
void i18n
  .use(new ICU())
  .use(initReactI18next)
  .init({
    resources: Object.fromEntries(LOCALES.map((l) => [l, { translation: CATALOGUES[l] }])),
    lng: storedLocale() ?? browserLocale(),
    fallbackLng: 'en',
    supportedLngs: [...LOCALES],
    keySeparator: false, // keys are flat ("nav.dashboard"), not paths
    nsSeparator: false,
    initAsync: false, // resources are bundled: ready before the first render
    interpolation: { escapeValue: false }, // React escapes
    returnNull: false,
  });

function syncHtmlLang(lng: string) {
  if (typeof document !== 'undefined') document.documentElement.lang = lng;
}
syncHtmlLang(i18n.language);
i18n.on('languageChanged', syncHtmlLang);

export { i18n };

/** The UI language now. */
export function currentLocale(): Locale {
  return isLocale(i18n.language) ? i18n.language : 'en';
}

/** BCP 47 tag for Intl (dates, numbers): Indian conventions in every language. */
export function intlLocale(l: Locale = currentLocale()): string {
  return `${l}-IN`;
}

/** Switches the UI language and remembers it on this device (the profile is saved by the caller). */
export function setLocale(l: Locale): void {
  try {
    localStorage.setItem(STORAGE_KEY, l);
  } catch {
    /* storage unavailable: the choice lasts for this tab */
  }
  if (i18n.language !== l) void i18n.changeLanguage(l);
}

/** Adopts the profile's language after sign-in without overriding it later on this device. */
export function adoptProfileLocale(l: unknown): void {
  if (isLocale(l)) setLocale(l);
}

/** Looks up a message and formats it (ICU: `{name}`, plurals on `count`). */
export function t(key: MessageKey, vars?: Vars): string {
  return tDyn(key, vars);
}

/** Like t, for keys built at run time (`status.${s}`); unknown keys fall back to the key. */
export function tDyn(key: string, vars?: Vars): string {
  return i18n.t(key, vars ?? {}) as string;
}

/** A number as the UI language writes it (grouping, decimal sign). */
export function formatNumber(n: number, opts?: Intl.NumberFormatOptions): string {
  return new Intl.NumberFormat(intlLocale(), opts).format(n);
}
