import { useEffect, useState, type FormEvent } from 'react';
import { useSearchParams } from 'react-router-dom';
import { adminApi } from '../../api/endpoints';
import { errorMessage } from '../../api/client';
import type { AdminUser, AdminUserPage, BodyOf, Role } from '../../api/types';
import { useStore } from '../../lib/store';
import { authStore } from '../../stores/auth';
import { Alert, Button, EmptyState, Loading, PageHeader } from '../../components/ui';
import { SelectField, TextField } from '../../components/Field';
import { Pagination } from '../../components/Pagination';
import { t, tDyn } from '../../i18n';

const LIMIT = 20;
const ROLES: Role[] = ['citizen', 'staff', 'admin'];

export default function Users() {
  const me = useStore(authStore, (s) => s.user);
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const role = params.get('role') ?? '';
  const skip = Math.max(0, Number(params.get('skip')) || 0);
  const [search, setSearch] = useState(q);
  const [page, setPage] = useState<AdminUserPage | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [rowState, setRowState] = useState<Record<string, { busy?: boolean; error?: string; ok?: string }>>({});

  useEffect(() => {
    const ctrl = new AbortController();
    setLoading(true);
    adminApi
      .users({ q: q || undefined, role: role || undefined, skip, limit: LIMIT }, ctrl.signal)
      .then((p) => {
        setPage(p);
        setError(null);
      })
      .catch((err) => {
        if ((err as Error)?.name !== 'AbortError') setError(errorMessage(err));
      })
      .finally(() => {
        if (!ctrl.signal.aborted) setLoading(false);
      });
    return () => ctrl.abort();
  }, [q, role, skip]);

  const onSearch = (e: FormEvent) => {
    e.preventDefault();
    setParams({ ...(search.trim() ? { q: search.trim() } : {}), ...(role ? { role } : {}) });
  };

  const save = async (u: AdminUser, patch: BodyOf<'adminUsersPatch'>) => {
    setRowState((s) => ({ ...s, [u.id]: { busy: true } }));
    try {
      const updated = await adminApi.updateUser(u.id, patch);
      setPage((p) =>
        p
          ? {
              ...p,
              items: p.items.map((x) =>
                x.id === u.id ? { ...x, ...patch, ...(updated && typeof updated === 'object' ? updated : {}) } : x,
              ),
            }
          : p,
      );
      setRowState((s) => ({ ...s, [u.id]: { ok: t('users.saved', { name: u.name }) } }));
    } catch (err) {
      setRowState((s) => ({ ...s, [u.id]: { error: errorMessage(err) } }));
    }
  };

  const erase = async (u: AdminUser, reason: string) => {
    setRowState((s) => ({ ...s, [u.id]: { busy: true } }));
    try {
      await adminApi.eraseUser(u.id, reason);
      setPage((p) =>
        p
          ? {
              ...p,
              items: p.items.map((x) => (x.id === u.id ? { ...x, name: '', email: `erased:${u.id}`, phone: null, disabled: true } : x)),
            }
          : p,
      );
      setRowState((s) => ({ ...s, [u.id]: { ok: t('users.erased', { name: u.name }) } }));
    } catch (err) {
      setRowState((s) => ({ ...s, [u.id]: { error: errorMessage(err) } }));
    }
  };

  return (
    <div>
      <PageHeader title={t('users.title')} subtitle={t('users.subtitle')} />
      <form onSubmit={onSearch} role="search" className="mb-4 flex flex-wrap items-end gap-2">
        <TextField
          label={t('users.search')}
          type="search"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
          className="min-w-[16rem] flex-1"
        />
        <SelectField
          label={t('users.role')}
          value={role}
          onChange={(e) => setParams({ ...(q ? { q } : {}), ...(e.target.value ? { role: e.target.value } : {}) })}
        >
          <option value="">{t('users.allRoles')}</option>
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {tDyn(`role.${r}`)}
            </option>
          ))}
        </SelectField>
        <Button type="submit">{t('staff.searchButton')}</Button>
      </form>
      {error && (
        <Alert tone="error" className="mb-3">
          {error}
        </Alert>
      )}
      {!page && loading ? (
        <Loading />
      ) : page && page.items.length === 0 ? (
        <EmptyState title={t('users.empty')} />
      ) : (
        page && (
          <>
            <div
              className="relative overflow-x-auto rounded-xl bg-white shadow-sm ring-1 ring-gray-200"
              role="region"
              aria-label={t('users.title')}
              tabIndex={0}
            >
              <table className="min-w-full divide-y divide-gray-200 text-sm">
                <caption className="sr-only">{t('users.caption', { count: page.total })}</caption>
                <thead className="bg-gray-50 text-left">
                  <tr>
                    <th scope="col" className="px-3 py-2 font-semibold text-gray-900">
                      {t('field.name')}
                    </th>
                    <th scope="col" className="px-3 py-2 font-semibold text-gray-900">
                      {t('field.email')}
                    </th>
                    <th scope="col" className="px-3 py-2 font-semibold text-gray-900">
                      {t('users.role')}
                    </th>
                    <th scope="col" className="px-3 py-2 font-semibold text-gray-900">
                      {t('users.access')}
                    </th>
                    <th scope="col" className="px-3 py-2 font-semibold text-gray-900">
                      <span className="sr-only">{t('users.result')}</span>
                    </th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-gray-200">
                  {page.items.map((u) => {
                    const self = u.id === me?.id;
                    const st = rowState[u.id] ?? {};
                    return (
                      <tr key={u.id}>
                        <th scope="row" className="px-3 py-2 text-left font-medium text-gray-900">
                          {u.name}
                          {u.phone && <span className="block text-xs font-normal text-gray-700">{u.phone}</span>}
                        </th>
                        <td className="px-3 py-2 text-gray-900">{u.email}</td>
                        <td className="px-3 py-2">
                          <label className="sr-only" htmlFor={`role-${u.id}`}>
                            {t('users.roleFor', { name: u.name })}
                          </label>
                          <select
                            id={`role-${u.id}`}
                            value={u.role}
                            disabled={self || st.busy}
                            onChange={(e) => save(u, { role: e.target.value as Role })}
                            className="rounded-lg border border-gray-500 bg-white px-2 py-1.5 text-gray-900 focus:ring-2 focus:ring-brand-700"
                          >
                            {ROLES.map((r) => (
                              <option key={r} value={r}>
                                {tDyn(`role.${r}`)}
                              </option>
                            ))}
                          </select>
                        </td>
                        <td className="px-3 py-2">
                          <label className="inline-flex items-center gap-2 text-gray-900">
                            <input
                              type="checkbox"
                              className="h-5 w-5 rounded border-gray-600 text-brand-700 focus:ring-brand-700"
                              checked={u.disabled}
                              disabled={self || st.busy}
                              onChange={(e) => save(u, { disabled: e.target.checked })}
                            />
                            {t('users.disabled')}
                            <span className="sr-only">{u.name}</span>
                          </label>
                        </td>
                        <td className="px-3 py-2 text-xs" aria-live="polite">
                          {self && <span className="text-gray-700">{t('users.self')}</span>}
                          {st.busy && <span className="text-gray-800">{t('common.saving')}</span>}
                          {st.ok && <span className="text-green-800">{st.ok}</span>}
                          {st.error && (
                            <span className="font-medium text-red-800" role="alert">
                              {st.error}
                            </span>
                          )}
                          {!self && !u.email.startsWith('erased:') && <EraseUser user={u} busy={!!st.busy} onErase={(r) => erase(u, r)} />}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
            <Pagination
              skip={skip}
              limit={LIMIT}
              total={page.total}
              onChange={(s) => setParams({ ...(q ? { q } : {}), ...(role ? { role } : {}), ...(s ? { skip: String(s) } : {}) })}
            />
          </>
        )
      )}
    </div>
  );
}

/** "Erase": asks for the reason (kept in the audit log), then erases the account. */
function EraseUser({ user, busy, onErase }: { user: AdminUser; busy: boolean; onErase: (reason: string) => void }) {
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | undefined>();
  if (!open)
    return (
      <Button variant="ghost" className="ml-2" onClick={() => setOpen(true)} aria-label={t('users.eraseFor', { name: user.name })}>
        {t('users.erase')}
      </Button>
    );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (reason.trim().length < 3) {
      setError(t('users.eraseReasonRequired'));
      return;
    }
    setError(undefined);
    onErase(reason.trim());
    setOpen(false);
  };
  return (
    <form onSubmit={submit} noValidate className="mt-2 space-y-2" aria-label={t('users.eraseFor', { name: user.name })}>
      <TextField label={t('users.eraseReason')} value={reason} onChange={(e) => setReason(e.target.value)} error={error} />
      <div className="flex gap-2">
        <Button type="submit" variant="danger" disabled={busy}>
          {t('users.eraseSubmit')}
        </Button>
        <Button variant="ghost" onClick={() => setOpen(false)}>
          {t('common.cancel')}
        </Button>
      </div>
    </form>
  );
}
