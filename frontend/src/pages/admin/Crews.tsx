// Crews (issue 17, admin): add a crew with its members (staff and admin accounts), change
// who is in it, (de)activate it. Crews are never deleted: requests keep their crew's id.
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { adminApi, crewsApi } from '../../api/endpoints';
import { ApiError, errorMessage } from '../../api/client';
import type { AdminUser, Crew } from '../../api/types';
import { Alert, Button, EmptyState, Loading, PageHeader } from '../../components/ui';
import { Checkbox, TextField } from '../../components/Field';
import { t } from '../../i18n';

/** Staff and admin accounts (the people a crew can hold), first 100 of each. */
async function loadStaff(): Promise<AdminUser[]> {
  const [staff, admins] = await Promise.all([adminApi.users({ role: 'staff', limit: 100 }), adminApi.users({ role: 'admin', limit: 100 })]);
  return [...staff.items, ...admins.items].filter((u) => !u.disabled);
}

export default function Crews() {
  const [crews, setCrews] = useState<Crew[] | null>(null);
  const [people, setPeople] = useState<AdminUser[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [ok, setOk] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      const [c, p] = await Promise.all([crewsApi.list(), loadStaff()]);
      setCrews(c.items);
      setPeople(p);
    } catch (err) {
      setError(errorMessage(err));
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load]);

  const save = async (c: Crew, body: { name?: string; members?: string[]; active?: boolean }) => {
    setError(null);
    try {
      const u = await crewsApi.update(c.id, body);
      setCrews((list) => list?.map((x) => (x.id === c.id ? u : x)) ?? null);
      setOk(t('crews.saved', { name: u.name }));
    } catch (err) {
      setError(errorMessage(err));
    }
  };

  const nameOf = (id: string) => people.find((p) => p.id === id)?.name ?? id;

  return (
    <div>
      <PageHeader title={t('crews.title')} subtitle={t('crews.subtitle')} />
      {error && (
        <Alert tone="error" className="mb-3">
          {error}
        </Alert>
      )}
      {ok && (
        <Alert tone="success" className="mb-3">
          {ok}
        </Alert>
      )}
      <NewCrew
        people={people}
        onCreated={(c) => {
          setCrews((list) => [...(list ?? []), c].sort((a, b) => a.name.localeCompare(b.name)));
          setOk(t('crews.created', { name: c.name }));
        }}
      />
      {!crews && !error && <Loading />}
      {crews && crews.length === 0 && <EmptyState title={t('crews.empty')} />}
      {crews && crews.length > 0 && (
        <ul className="mt-4 space-y-3">
          {crews.map((c) => (
            <li key={c.id} className="rounded-xl bg-white p-4 shadow-sm ring-1 ring-gray-200" data-testid="crew-row">
              <div className="flex flex-wrap items-center justify-between gap-2">
                <h2 className="text-lg font-semibold text-gray-900">
                  {c.name} <span className="text-sm font-normal text-gray-700">· {c.active ? t('crews.active') : t('crews.inactive')}</span>
                </h2>
                <Button variant="secondary" onClick={() => save(c, { active: !c.active })}>
                  {c.active ? t('crews.deactivate') : t('crews.activate')}
                </Button>
              </div>
              <p className="mt-1 text-sm text-gray-800">
                {t('crews.members')}: {c.members.length ? c.members.map(nameOf).join(', ') : t('crews.none')}
              </p>
              <fieldset className="mt-2 flex flex-wrap gap-3">
                <legend className="sr-only">{t('crews.members')}</legend>
                {people.map((p) => (
                  <Checkbox
                    key={p.id}
                    label={p.name}
                    checked={c.members.includes(p.id)}
                    onChange={(e) => save(c, { members: e.target.checked ? [...c.members, p.id] : c.members.filter((m) => m !== p.id) })}
                  />
                ))}
              </fieldset>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function NewCrew({ people, onCreated }: { people: AdminUser[]; onCreated: (c: Crew) => void }) {
  const [name, setName] = useState('');
  const [members, setMembers] = useState<string[]>([]);
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!name.trim()) {
      setError(t('validation.required', { field: t('crews.name') }));
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      onCreated(await crewsApi.create({ name: name.trim(), members }));
      setName('');
      setMembers([]);
    } catch (err) {
      setError(err instanceof ApiError && err.fieldErrors.name ? err.fieldErrors.name : errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form noValidate onSubmit={submit} className="rounded-xl bg-white p-4 shadow-sm ring-1 ring-gray-200">
      <TextField label={t('crews.name')} value={name} onChange={(e) => setName(e.target.value)} error={error} maxLength={100} />
      <fieldset className="mt-3 flex flex-wrap gap-3">
        <legend className="mb-1 text-sm font-medium text-gray-900">{t('crews.members')}</legend>
        {people.map((p) => (
          <Checkbox
            key={p.id}
            label={p.name}
            checked={members.includes(p.id)}
            onChange={(e) => setMembers((m) => (e.target.checked ? [...m, p.id] : m.filter((x) => x !== p.id)))}
          />
        ))}
      </fieldset>
      <Button type="submit" className="mt-3" loading={busy}>
        {t('crews.create')}
      </Button>
    </form>
  );
}
