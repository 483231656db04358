import { describe, expect, it } from 'vitest';
import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import System from '../System';
import { renderAt, signIn } from '../../../test/render';
import { fakeFetch, reply } from '../../../test/fakeFetch';
import { adminUser } from '../../../test/fixtures';
import type { SystemStatus } from '../../../api/types';

const STATUS: SystemStatus = {
  jobs: [
    {
      name: 'dispatch',
      last_start_at: '2030-01-02T03:04:05.000Z',
      last_end_at: '2030-01-02T03:04:05.250Z',
      last_result: 'ok',
      last_duration_seconds: 0.25,
      last_items: 3,
      last_failures: 0,
      last_success_at: '2030-01-02T03:04:05.250Z',
      period_seconds: 60,
      next_expected_at: '2030-01-02T03:05:05.000Z',
      overdue: false,
    },
    {
      name: 'purge-tokens',
      last_start_at: '2030-01-01T00:00:00.000Z',
      last_end_at: '2030-01-01T00:00:01.000Z',
      last_result: 'error',
      last_duration_seconds: 1,
      last_items: 0,
      last_failures: 0,
      last_success_at: null,
      period_seconds: 3600,
      next_expected_at: '2030-01-01T01:00:00.000Z',
      overdue: true,
    },
  ],
  notifications_queued: {
    email: { count: 2, oldest_age_seconds: 120 },
    sms: { count: 0, oldest_age_seconds: null },
    push: { count: 0, oldest_age_seconds: null },
  },
  effects_pending: { count: 1, oldest_age_seconds: 5 },
};

describe('System', () => {
  it('shows each job with its outcome and health, and the queue depths', async () => {
    signIn(adminUser);
    fakeFetch({ 'GET /api/admin/system': STATUS });
    renderAt(<System />, { route: '/admin/system', path: '/admin/system' });
    expect(await screen.findByRole('heading', { level: 1, name: 'System' })).toBeInTheDocument();
    const jobs = screen.getByRole('table', { name: '2 jobs' });
    const dispatch = within(jobs).getByRole('row', { name: /^dispatch/ });
    expect(within(dispatch).getByText('Succeeded')).toBeInTheDocument();
    expect(within(dispatch).getByText('0.250 s')).toBeInTheDocument();
    expect(within(dispatch).getByText('3')).toBeInTheDocument();
    expect(within(dispatch).getByText('OK')).toBeInTheDocument();
    const purge = within(jobs).getByRole('row', { name: /^purge-tokens/ });
    expect(within(purge).getByText('Failed')).toBeInTheDocument();
    expect(within(purge).getByText('Never')).toBeInTheDocument();
    expect(within(purge).getByText('Overdue')).toBeInTheDocument();

    const queues = screen.getByRole('table', { name: 'Queues' });
    const email = within(queues).getByRole('row', { name: /^Email notifications/ });
    expect(within(email).getByText('2')).toBeInTheDocument();
    expect(within(email).getByText('2 minutes ago')).toBeInTheDocument();
    const effects = within(queues).getByRole('row', { name: /^Request effects awaiting the sweep/ });
    expect(within(effects).getByText('1')).toBeInTheDocument();
  });

  it('says when no job has run, and refreshes on demand', async () => {
    signIn(adminUser);
    let calls = 0;
    const net = fakeFetch({
      'GET /api/admin/system': () => {
        calls += 1;
        return calls === 1 ? { ...STATUS, jobs: [] } : STATUS;
      },
    });
    renderAt(<System />, { route: '/admin/system', path: '/admin/system' });
    expect(await screen.findByText('No job has run on this database yet.')).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Refresh' }));
    expect(await screen.findByRole('row', { name: /^dispatch/ })).toBeInTheDocument();
    expect(net.find('GET', '/api/admin/system')).toHaveLength(2);
  });

  it('shows the server error', async () => {
    signIn(adminUser);
    fakeFetch({ 'GET /api/admin/system': reply(503, { detail: 'Database unavailable, please retry shortly' }) });
    renderAt(<System />, { route: '/admin/system', path: '/admin/system' });
    expect(await screen.findByText(/Database unavailable/)).toBeInTheDocument();
  });
});
