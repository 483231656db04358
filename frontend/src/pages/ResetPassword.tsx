import { useRef, useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { authApi } from '../api/endpoints';
import { TextField, focusFirstInvalid } from '../components/Field';
import { Alert, Button } from '../components/ui';
import { hasErrors, password as passwordRule, validate } from '../lib/validation';
import { serverErrors } from '../lib/forms';
import { t } from '../i18n';
import { AuthShell } from './AuthShell';

type F = 'next' | 'confirm';

/** The page a reset link opens: choose a new password (or a first one, claiming an account). */
export default function ResetPassword() {
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const [values, setValues] = useState<Record<F, string>>({ next: '', confirm: '' });
  const [errors, setErrors] = useState<Partial<Record<F, string>>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);
  const form = useRef<HTMLFormElement>(null);
  const set = (k: F) => (e: React.ChangeEvent<HTMLInputElement>) => setValues((v) => ({ ...v, [k]: e.target.value }));

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    setFormError(null);
    const errs = validate(values, { next: passwordRule });
    if (!errs.next && values.confirm !== values.next) errs.confirm = t('validation.passwordMatch');
    setErrors(errs);
    if (hasErrors(errs)) {
      focusFirstInvalid(form.current);
      return;
    }
    setBusy(true);
    try {
      await authApi.confirmPasswordReset(token, values.next);
      setDone(true);
    } catch (err) {
      const r = serverErrors(err, ['next'] as const, { new_password: 'next' });
      setErrors(r.fields);
      setFormError(r.message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <AuthShell title={t('reset.title')} subtitle={t('reset.subtitle')}>
      {done ? (
        <Alert tone="success">{t('reset.done')}</Alert>
      ) : !token ? (
        <Alert tone="error">{t('reset.noToken')}</Alert>
      ) : (
        <form ref={form} noValidate onSubmit={onSubmit} className="space-y-4">
          {formError && <Alert tone="error">{formError}</Alert>}
          <TextField
            label={t('password.new')}
            type="password"
            autoComplete="new-password"
            value={values.next}
            onChange={set('next')}
            error={errors.next}
            hint={t('field.passwordHint')}
          />
          <TextField
            label={t('password.confirm')}
            type="password"
            autoComplete="new-password"
            value={values.confirm}
            onChange={set('confirm')}
            error={errors.confirm}
          />
          <Button type="submit" className="w-full" loading={busy} loadingText={t('common.saving')}>
            {t('reset.submit')}
          </Button>
        </form>
      )}
      <p className="mt-6 text-center text-sm text-gray-800">
        <Link to={done ? '/login' : '/forgot-password'} className="font-semibold text-brand-800 underline">
          {done ? t('reset.signIn') : t('reset.newLink')}
        </Link>
      </p>
    </AuthShell>
  );
}
