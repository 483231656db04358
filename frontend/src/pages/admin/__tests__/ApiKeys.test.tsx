import { afterEach, describe, expect, it, vi } from 'vitest';
import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import ApiKeys from '../ApiKeys';
import { renderAt, signIn } from '../../../test/render';
import { fakeFetch, reply } from '../../../test/fakeFetch';
import { adminUser } from '../../../test/fixtures';
import type { ApiKey } from '../../../api/types';

const KEY: ApiKey = {
  id: '65f0c0ffee0000000000000a',
  name: 'City call centre',
  prefix: 'o311_3fa9c1d',
  rate_per_minute: 120,
  created_at: '2030-01-02T03:04:05.000Z',
  last_used_at: null,
  revoked_at: null,
};
const SECRET = `o311_${'ab'.repeat(32)}`;

afterEach(() => vi.restoreAllMocks());

describe('ApiKeys', () => {
  it('issues a key and shows its secret once, then lists it without the secret', async () => {
    signIn(adminUser);
    const items: ApiKey[] = [];
    const net = fakeFetch({
      'GET /api/admin/api-keys': () => ({ items }),
      'POST /api/admin/api-keys': (call) => {
        const made = { ...KEY, ...(call.body as object) };
        items.push(made);
        return reply(201, { ...made, key: SECRET });
      },
    });
    renderAt(<ApiKeys />, { route: '/admin/api-keys', path: '/admin/api-keys' });
    expect(await screen.findByRole('heading', { level: 1, name: 'API keys' })).toBeInTheDocument();
    expect(await screen.findByText('No API key has been issued yet.')).toBeInTheDocument();
    const user = userEvent.setup();
    await user.type(screen.getByLabelText('Name'), 'City call centre');
    await user.click(screen.getByRole('button', { name: 'Issue key' }));
    expect(await screen.findByLabelText('Secret of City call centre')).toHaveValue(SECRET);
    expect(net.find('POST', '/api/admin/api-keys')[0].body).toEqual({ name: 'City call centre', rate_per_minute: 120 });
    const table = await screen.findByRole('table', { name: '1 key' });
    expect(within(table).getByRole('row', { name: /City call centre/ })).toBeInTheDocument();
    expect(within(table).queryByText(SECRET)).toBeNull();
    await user.click(screen.getByRole('button', { name: 'I have copied it' }));
    expect(screen.queryByLabelText('Secret of City call centre')).toBeNull();
    expect(net.unmatched).toEqual([]);
  });

  it('revokes a key after confirmation', async () => {
    signIn(adminUser);
    let revoked = false;
    const net = fakeFetch({
      'GET /api/admin/api-keys': () => ({ items: [{ ...KEY, revoked_at: revoked ? '2030-01-03T00:00:00.000Z' : null }] }),
      'DELETE /api/admin/api-keys/:id': () => {
        revoked = true;
        return reply(204);
      },
    });
    vi.spyOn(window, 'confirm').mockReturnValue(true);
    renderAt(<ApiKeys />, { route: '/admin/api-keys', path: '/admin/api-keys' });
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Revoke City call centre' }));
    expect(await screen.findByText('Key revoked.')).toBeInTheDocument();
    expect(await screen.findByText('Revoked')).toBeInTheDocument();
    expect(net.find('DELETE', `/api/admin/api-keys/${KEY.id}`)).toHaveLength(1);
  });
});
