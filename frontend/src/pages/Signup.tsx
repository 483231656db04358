import { useRef, useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { signup } from '../stores/auth';
import { TextField, focusFirstInvalid } from '../components/Field';
import { Alert, Button } from '../components/ui';
import { email as emailRule, hasErrors, lengthBetween, password as passwordRule, phone as phoneRule, validate } from '../lib/validation';
import { serverErrors } from '../lib/forms';
import { t } from '../i18n';
import { AuthShell } from './AuthShell';

const FIELDS = ['name', 'email', 'phone', 'password', 'confirm'] as const;
type F = (typeof FIELDS)[number];

export default function Signup() {
  const [values, setValues] = useState<Record<F, string>>({ name: '', email: '', phone: '', password: '', confirm: '' });
  const [errors, setErrors] = useState<Partial<Record<F, string>>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const form = useRef<HTMLFormElement>(null);
  const navigate = useNavigate();

  const set = (k: F) => (e: React.ChangeEvent<HTMLInputElement>) => setValues((v) => ({ ...v, [k]: e.target.value }));

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    setFormError(null);
    const errs = validate(values, {
      name: lengthBetween(t('field.name'), 1, 100),
      email: emailRule,
      phone: phoneRule,
      password: passwordRule,
    });
    if (!errs.password && values.confirm !== values.password) errs.confirm = t('validation.passwordMatch');
    setErrors(errs);
    if (hasErrors(errs)) {
      focusFirstInvalid(form.current);
      return;
    }
    setBusy(true);
    try {
      await signup(values);
      navigate('/', { replace: true });
    } catch (err) {
      const r = serverErrors(err, FIELDS);
      setErrors(r.fields);
      setFormError(r.message);
      setBusy(false);
      focusFirstInvalid(form.current);
    }
  };

  return (
    <AuthShell title={t('signup.title')} subtitle={t('signup.subtitle')}>
      <form ref={form} noValidate onSubmit={onSubmit} className="space-y-4">
        {formError && <Alert tone="error">{formError}</Alert>}
        <TextField label={t('field.name')} autoComplete="name" value={values.name} onChange={set('name')} error={errors.name} />
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
          label={t('field.phone')}
          type="tel"
          autoComplete="tel"
          inputMode="tel"
          value={values.phone}
          onChange={set('phone')}
          error={errors.phone}
          hint={t('field.phoneHint')}
        />
        <TextField
          label={t('field.password')}
          type="password"
          autoComplete="new-password"
          value={values.password}
          onChange={set('password')}
          error={errors.password}
          hint={t('field.passwordHint')}
        />
        <TextField
          label={t('field.confirmPassword')}
          type="password"
          autoComplete="new-password"
          value={values.confirm}
          onChange={set('confirm')}
          error={errors.confirm}
        />
        <Button type="submit" className="w-full" loading={busy} loadingText={t('signup.submitting')}>
          {t('signup.submit')}
        </Button>
      </form>
      <p className="mt-6 text-center text-sm text-gray-800">
        {t('signup.haveAccount')}{' '}
        <Link to="/login" className="font-semibold text-brand-800 underline">
          {t('signup.signIn')}
        </Link>
      </p>
    </AuthShell>
  );
}
