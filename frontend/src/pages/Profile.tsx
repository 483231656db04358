import { useRef, useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router-dom';
import { useStore } from '../lib/store';
import { authStore, clearSession, setUser } from '../stores/auth';
import { authApi } from '../api/endpoints';
import type { NotificationPrefs } from '../api/types';
import { Alert, Button, Card, PageHeader } from '../components/ui';
import { Checkbox, TextField, focusFirstInvalid } from '../components/Field';
import { PushToggle } from '../components/PushToggle';
import { SessionsCard } from '../components/SessionsCard';
import { hasErrors, lengthBetween, password as passwordRule, phone as phoneRule, required, validate } from '../lib/validation';
import { serverErrors } from '../lib/forms';
import { tDyn, t } from '../i18n';
import { errorMessage } from '../api/client';

const DEFAULT_PREFS: NotificationPrefs = { email: true, sms: false, inapp: true };

export default function Profile() {
  return (
    <div className="mx-auto max-w-2xl space-y-4">
      <PageHeader title={t('profile.title')} />
      <ProfileForm />
      <PushToggle />
      <PasswordForm />
      <SessionsCard />
      <DataRights />
    </div>
  );
}

function ProfileForm() {
  const user = useStore(authStore, (s) => s.user);
  const [name, setName] = useState(user?.name ?? '');
  const [phone, setPhone] = useState(user?.phone ?? '');
  const [prefs, setPrefs] = useState<NotificationPrefs>({ ...DEFAULT_PREFS, ...(user?.prefs ?? {}) });
  const [errors, setErrors] = useState<Partial<Record<'name' | 'phone', string>>>({});
  const [message, setMessage] = useState<{ tone: 'error' | 'success'; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const form = useRef<HTMLFormElement>(null);

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    setMessage(null);
    const errs = validate({ name, phone }, { name: lengthBetween(t('field.name'), 1, 100), phone: phoneRule });
    setErrors(errs);
    if (hasErrors(errs)) {
      focusFirstInvalid(form.current);
      return;
    }
    setBusy(true);
    try {
      const updated = await authApi.updateMe({ name: name.trim(), phone: phone.trim(), prefs });
      setUser({ ...(user ?? updated), ...updated, prefs: updated?.prefs ?? prefs });
      setMessage({ tone: 'success', text: t('profile.saved') });
    } catch (err) {
      const r = serverErrors(err, ['name', 'phone'] as const);
      setErrors(r.fields);
      setMessage({ tone: 'error', text: r.message });
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card title={t('profile.details')}>
      <form ref={form} noValidate onSubmit={onSubmit} className="space-y-4">
        <div aria-live="polite">{message && <Alert tone={message.tone}>{message.text}</Alert>}</div>
        <TextField label={t('field.email')} value={user?.email ?? ''} readOnly disabled hint={t('profile.emailFixed')} />
        <TextField label={t('field.name')} autoComplete="name" value={name} onChange={(e) => setName(e.target.value)} error={errors.name} />
        <TextField
          label={t('field.phone')}
          type="tel"
          autoComplete="tel"
          value={phone}
          onChange={(e) => setPhone(e.target.value)}
          error={errors.phone}
          hint={t('field.phoneHint')}
        />
        <fieldset className="space-y-3">
          <legend className="text-sm font-semibold text-gray-900">{t('profile.prefs')}</legend>
          <p className="text-sm text-gray-700">{t('profile.prefsHint')}</p>
          {(['inapp', 'email', 'sms'] as const).map((k) => (
            <Checkbox
              key={k}
              label={tDyn(`profile.pref.${k}`)}
              hint={tDyn(`profile.prefHint.${k}`)}
              checked={prefs[k]}
              onChange={(e) => setPrefs((p) => ({ ...p, [k]: e.target.checked }))}
            />
          ))}
        </fieldset>
        <Button type="submit" loading={busy} loadingText={t('common.saving')}>
          {t('profile.save')}
        </Button>
      </form>
    </Card>
  );
}

type PF = 'current' | 'next' | 'confirm';

function PasswordForm() {
  const [values, setValues] = useState<Record<PF, string>>({ current: '', next: '', confirm: '' });
  const [errors, setErrors] = useState<Partial<Record<PF, string>>>({});
  const [message, setMessage] = useState<{ tone: 'error' | 'success'; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const form = useRef<HTMLFormElement>(null);
  const set = (k: PF) => (e: React.ChangeEvent<HTMLInputElement>) => setValues((v) => ({ ...v, [k]: e.target.value }));

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    setMessage(null);
    const errs = validate(values, { current: required(t('password.current')), next: passwordRule });
    if (!errs.next && values.next === values.current) errs.next = t('password.same');
    if (!errs.next && values.confirm !== values.next) errs.confirm = t('validation.passwordMatch');
    setErrors(errs);
    if (hasErrors(errs)) {
      focusFirstInvalid(form.current);
      return;
    }
    setBusy(true);
    try {
      await authApi.changePassword(values.current, values.next);
      setValues({ current: '', next: '', confirm: '' });
      setMessage({ tone: 'success', text: t('password.changed') });
    } catch (err) {
      const r = serverErrors(err, ['current', 'next'] as const, { current_password: 'current', new_password: 'next' });
      setErrors(r.fields);
      setMessage({ tone: 'error', text: r.message });
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card title={t('password.title')}>
      <form ref={form} noValidate onSubmit={onSubmit} className="space-y-4">
        <div aria-live="polite">{message && <Alert tone={message.tone}>{message.text}</Alert>}</div>
        <TextField
          label={t('password.current')}
          type="password"
          autoComplete="current-password"
          value={values.current}
          onChange={set('current')}
          error={errors.current}
        />
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
        <Button type="submit" loading={busy} loadingText={t('common.saving')}>
          {t('password.submit')}
        </Button>
      </form>
    </Card>
  );
}

/** Starts the browser's download of `blob` under `filename`. */
function saveBlob(blob: Blob, filename: string) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** "Download my data" and "Delete my account" (issue 16). */
function DataRights() {
  const [message, setMessage] = useState<{ tone: 'error' | 'success'; text: string } | null>(null);
  const [busy, setBusy] = useState(false);

  const onExport = async () => {
    setMessage(null);
    setBusy(true);
    try {
      const { blob, filename } = await authApi.exportData();
      saveBlob(blob, filename ?? 'swmra-export.zip');
      setMessage({ tone: 'success', text: t('data.exported') });
    } catch (err) {
      setMessage({ tone: 'error', text: errorMessage(err) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card title={t('data.title')}>
      <div className="space-y-4">
        <div aria-live="polite">{message && <Alert tone={message.tone}>{message.text}</Alert>}</div>
        <p className="text-sm text-gray-700">{t('data.exportHint')}</p>
        <Button variant="secondary" onClick={onExport} loading={busy} loadingText={t('data.exporting')}>
          {t('data.export')}
        </Button>
        <DeleteAccount />
      </div>
    </Card>
  );
}

function DeleteAccount() {
  const navigate = useNavigate();
  const [open, setOpen] = useState(false);
  const [password, setPassword] = useState('');
  const [confirmed, setConfirmed] = useState(false);
  const [errors, setErrors] = useState<Partial<Record<'password' | 'confirm', string>>>({});
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const form = useRef<HTMLFormElement>(null);

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    setMessage(null);
    const errs = validate({ password }, { password: required(t('data.deletePassword')) }) as Partial<
      Record<'password' | 'confirm', string>
    >;
    if (!confirmed) errs.confirm = t('data.deleteConfirmRequired');
    setErrors(errs);
    if (hasErrors(errs)) {
      focusFirstInvalid(form.current);
      return;
    }
    setBusy(true);
    try {
      await authApi.deleteMe(password);
      clearSession();
      navigate('/login', { replace: true });
    } catch (err) {
      const r = serverErrors(err, ['password'] as const);
      setErrors(r.fields);
      setMessage(r.message);
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="delete-account" className="space-y-3 border-t border-gray-200 pt-4">
      <h3 id="delete-account" className="text-base font-semibold text-gray-900">
        {t('data.deleteTitle')}
      </h3>
      <p className="text-sm text-gray-700">{t('data.deleteHint')}</p>
      {!open ? (
        <Button variant="danger" onClick={() => setOpen(true)}>
          {t('data.deleteStart')}
        </Button>
      ) : (
        <form ref={form} noValidate onSubmit={onSubmit} className="space-y-4">
          <div aria-live="polite">{message && <Alert tone="error">{message}</Alert>}</div>
          <TextField
            label={t('data.deletePassword')}
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            error={errors.password}
          />
          <Checkbox
            label={t('data.deleteConfirm')}
            checked={confirmed}
            onChange={(e) => setConfirmed(e.target.checked)}
            hint={errors.confirm && <span className="font-medium text-red-800">{errors.confirm}</span>}
            aria-invalid={errors.confirm ? true : undefined}
          />
          <div className="flex flex-wrap gap-2">
            <Button type="submit" variant="danger" loading={busy} loadingText={t('data.deleting')}>
              {t('data.deleteSubmit')}
            </Button>
            <Button variant="ghost" onClick={() => setOpen(false)} disabled={busy}>
              {t('common.cancel')}
            </Button>
          </div>
        </form>
      )}
    </section>
  );
}
