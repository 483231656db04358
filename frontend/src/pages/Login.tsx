import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Link, useLocation, useNavigate } from 'react-router-dom';
import { clearSessionEndedNote, login, sessionEndedNote } from '../stores/auth';
import { TextField, focusFirstInvalid } from '../components/Field';
import { Alert, Button } from '../components/ui';
import { email as emailRule, validate, hasErrors, required } from '../lib/validation';
import { serverErrors } from '../lib/forms';
import { t } from '../i18n';
import { AuthShell } from './AuthShell';

type F = 'email' | 'password';

export default function Login() {
  const [values, setValues] = useState<Record<F, string>>({ email: '', password: '' });
  const [errors, setErrors] = useState<Partial<Record<F, string>>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [sessionEnded] = useState(sessionEndedNote);
  useEffect(() => clearSessionEndedNote(), []);
  const form = useRef<HTMLFormElement>(null);
  const navigate = useNavigate();
  const location = useLocation();
  const from = (location.state as { from?: string } | null)?.from;

  const set = (k: F) => (e: React.ChangeEvent<HTMLInputElement>) => setValues((v) => ({ ...v, [k]: e.target.value }));

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    setFormError(null);
    const errs = validate(values, { email: emailRule, password: required(t('field.password')) });
    setErrors(errs);
    if (hasErrors(errs)) {
      focusFirstInvalid(form.current);
      return;
    }
    setBusy(true);
    try {
      const user = await login(values.email, values.password);
      navigate(from && from !== '/login' ? from : user.role === 'citizen' ? '/' : '/staff', { replace: true });
    } catch (err) {
      const r = serverErrors(err, ['email', 'password'] as const);
      setErrors(r.fields);
      setFormError(r.message);
      setBusy(false);
    }
  };

  return (
    <AuthShell title={t('login.title')} subtitle={t('login.subtitle')}>
      <form ref={form} noValidate onSubmit={onSubmit} className="space-y-4">
        {formError ? <Alert tone="error">{formError}</Alert> : sessionEnded && <Alert tone="info">{t('login.sessionEnded')}</Alert>}
        <TextField
          label={t('field.email')}
          type="email"
          autoComplete="email"
          inputMode="email"
          value={values.email}
          onChange={set('email')}
          error={errors.email}
        />
        <TextField
          label={t('field.password')}
          type="password"
          autoComplete="current-password"
          value={values.password}
          onChange={set('password')}
          error={errors.password}
        />
        <Button type="submit" className="w-full" loading={busy} loadingText={t('login.submitting')}>
          {t('login.submit')}
        </Button>
        <p className="text-right text-sm">
          <Link to="/forgot-password" className="font-semibold text-brand-800 underline">
            {t('login.forgot')}
          </Link>
        </p>
      </form>
      <p className="mt-6 text-center text-sm text-gray-800">
        {t('login.noAccount')}{' '}
        <Link to="/signup" className="font-semibold text-brand-800 underline">
          {t('login.createOne')}
        </Link>
      </p>
    </AuthShell>
  );
}
