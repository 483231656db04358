import { describe, expect, it } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import Reports, { summaryRows } from '../Reports';
import { renderAt, signIn } from '../../../test/render';
import { fakeFetch, reply } from '../../../test/fakeFetch';
import { staffUser } from '../../../test/fixtures';
import type { ReportSummary } from '../../../api/types';

const report: ReportSummary = {
  from: '2025-03-01',
  to: '2025-03-02',
  total: 8,
  by_status: { submitted: 2, scheduled: 1, completed: 4, failed: 1 },
  by_category: { organic: 1, recyclable: 5, 'e-waste': 2 },
  by_day: [
    { date: '2025-03-01', count: 3 },
    { date: '2025-03-02', count: 5 },
  ],
  completion_rate: 0.5,
  failure_rate: 0.125,
  failure_reasons: [{ reason: 'Gate locked', count: 1 }],
  median_hours: { submitted_to_scheduled: 5.25, scheduled_to_completed: null },
  kg_by_category: { organic: 0, recyclable: 12.5, 'e-waste': 4 },
  kg_total: 16.5,
};

describe('Reports', () => {
  it('draws the charts and shows the same numbers as tables', async () => {
    signIn(staffUser);
    const net = fakeFetch({ 'GET /api/staff/reports/summary': report });
    renderAt(<Reports />, { route: '/staff/reports', path: '/staff/reports' });
    const overview = await screen.findByRole('table', { name: 'Overview, 2025-03-01 to 2025-03-02' });
    expect(within(overview).getByRole('row', { name: 'Requests 8' })).toBeInTheDocument();
    expect(within(overview).getByRole('row', { name: 'Completion rate 50.0 %' })).toBeInTheDocument();
    expect(within(overview).getByRole('row', { name: 'Failure rate 12.5 %' })).toBeInTheDocument();
    expect(within(overview).getByRole('row', { name: 'Median time, submitted to scheduled 5.25 h' })).toBeInTheDocument();
    expect(within(overview).getByRole('row', { name: 'Median time, scheduled to completed —' })).toBeInTheDocument();
    expect(within(overview).getByRole('row', { name: 'Collected 16.5 kg' })).toBeInTheDocument();
    const cats = screen.getByRole('table', { name: 'Requests and kg by category' });
    expect(within(cats).getByRole('row', { name: /Recyclable 5 12.5 kg/ })).toBeInTheDocument();
    expect(within(screen.getByRole('table', { name: 'Failure reasons' })).getByRole('row', { name: 'Gate locked 1' })).toBeInTheDocument();
    expect(within(screen.getByRole('table', { name: 'Requests by day' })).getAllByRole('row')).toHaveLength(3);
    // the charts are canvases labelled for assistive technology
    expect(screen.getByRole('img', { name: 'Requests by day' }).tagName).toBe('CANVAS');
    expect(screen.getByRole('img', { name: 'Requests by status' })).toBeInTheDocument();
    // the default range is the last 30 days; a new range is asked for on submit
    const first = net.find('GET', '/api/staff/reports/summary')[0].query;
    expect(first.get('from')).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    await userEvent.clear(screen.getByLabelText('From'));
    await userEvent.type(screen.getByLabelText('From'), '2025-01-01');
    await userEvent.click(screen.getByRole('button', { name: 'Show' }));
    await waitFor(() => expect(net.find('GET', '/api/staff/reports/summary').at(-1)?.query.get('from')).toBe('2025-01-01'));
  });

  it('shows a refused range', async () => {
    signIn(staffUser);
    fakeFetch({ 'GET /api/staff/reports/summary': reply(422, { detail: 'from should not be after to' }) });
    renderAt(<Reports />, { route: '/staff/reports', path: '/staff/reports' });
    expect(await screen.findByRole('alert')).toHaveTextContent('from should not be after to');
  });

  it('summary rows say "—" for a step no request made', () => {
    expect(summaryRows(report).find(([k]) => k.startsWith('Median time, scheduled'))?.[1]).toBe('—');
  });
});
