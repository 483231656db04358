import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { chooseLocale } from '../stores/auth';
import { LOCALES, LOCALE_NAMES, currentLocale, isLocale, t } from '../i18n';

/**
 * The language menu of the header and the sign-in pages. Each option is written in its own
 * language and script (with `lang` so screen readers pronounce it right); the choice applies
 * at once and is saved on the profile when signed in.
 */
export function LanguageSwitcher({ className = '' }: { className?: string }) {
  useTranslation(); // re-render on language change
  const id = useId();
  const [failed, setFailed] = useState(false);
  const onChange = async (v: string) => {
    if (!isLocale(v)) return;
    setFailed(false);
    try {
      await chooseLocale(v);
    } catch {
      setFailed(true);
    }
  };
  return (
    <div className={`flex items-center gap-1 ${className}`}>
      <label htmlFor={id} className="sr-only">
        {t('locale.label')}
      </label>
      <select
        id={id}
        data-testid="language-switcher"
        value={currentLocale()}
        onChange={(e) => void onChange(e.target.value)}
        className="h-11 rounded-lg border border-gray-300 bg-white px-2 text-sm text-gray-900 focus-visible:outline focus-visible:outline-2 focus-visible:outline-brand-700"
      >
        {LOCALES.map((l) => (
          <option key={l} value={l} lang={l}>
            {LOCALE_NAMES[l]}
          </option>
        ))}
      </select>
      {failed && (
        <p role="alert" className="text-xs text-red-800">
          {t('locale.saveFailed')}
        </p>
      )}
    </div>
  );
}
