import { useRef, useState, type FormEvent } from 'react';
import { Link } from 'react-router-dom';
import { authApi } from '../api/endpoints';
import { TextField, focusFirstInvalid } from '../components/Field';
import { Alert, Button } from '../components/ui';
import { email as emailRule, hasErrors, validate } from '../lib/validation';
import { serverErrors } from '../lib/forms';
import { t } from '../i18n';
import { AuthShell } from './AuthShell';

/** "Forgot password?": asks for a reset link. The answer never tells whether the email has an account. */
export default function ForgotPassword() {
  const [email, setEmail] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [formError, setFormError] = useState<string | null>(null);
  const [sent, setSent] = useState(false);
  const [busy, setBusy] = useState(false);
  const form = useRef<HTMLFormElement>(null);

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    setFormError(null);
    const errs = validate({ email }, { email: emailRule });
    setError(errs.email);
    if (hasErrors(errs)) {
      focusFirstInvalid(form.current);
      return;
    }
    setBusy(true);
    try {
      await authApi.requestPasswordReset(email.trim().toLowerCase());
      setSent(true);
    } catch (err) {
      const r = serverErrors(err, ['email'] as const);
      setError(r.fields.email);
      setFormError(r.message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <AuthShell title={t('forgot.title')} subtitle={t('forgot.subtitle')}>
      {sent ? (
        <Alert tone="success">{t('forgot.sent')}</Alert>
      ) : (
        <form ref={form} noValidate onSubmit={onSubmit} className="space-y-4">
          {formError && <Alert tone="error">{formError}</Alert>}
          <TextField
            label={t('field.email')}
            type="email"
            autoComplete="email"
            inputMode="email"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            error={error}
          />
          <Button type="submit" className="w-full" loading={busy} loadingText={t('forgot.submitting')}>
            {t('forgot.submit')}
          </Button>
        </form>
      )}
      <p className="mt-6 text-center text-sm text-gray-800">
        <Link to="/login" className="font-semibold text-brand-800 underline">
          {t('forgot.back')}
        </Link>
      </p>
    </AuthShell>
  );
}
