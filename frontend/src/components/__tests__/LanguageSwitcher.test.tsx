import { afterEach, describe, expect, it } from 'vitest';
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { LanguageSwitcher } from '../LanguageSwitcher';
import { fakeFetch, reply } from '../../test/fakeFetch';
import { renderAt, signIn } from '../../test/render';
import { citizen } from '../../test/fixtures';
import { authStore } from '../../stores/auth';
import { setLocale } from '../../i18n';
import { Layout } from '../Layout';

afterEach(() => setLocale('en'));

describe('LanguageSwitcher', () => {
  it('switches the UI and <html lang> before sign-in, without calling the API', async () => {
    const net = fakeFetch({});
    renderAt(<LanguageSwitcher />);
    const select = screen.getByRole('combobox', { name: 'Language' });
    expect(screen.getByRole('option', { name: 'हिन्दी' })).toHaveAttribute('lang', 'hi');
    await userEvent.selectOptions(select, 'kn');
    expect(document.documentElement.lang).toBe('kn');
    expect(screen.getByRole('combobox', { name: 'ಭಾಷೆ' })).toHaveValue('kn');
    expect(localStorage.getItem('swmra_locale')).toBe('kn');
    expect(net.calls).toHaveLength(0);
  });

  it('saves the choice on the profile when signed in and re-renders the header', async () => {
    signIn(citizen);
    const net = fakeFetch({
      'PATCH /api/auth/me': (call) => ({ ...citizen, ...(call.body as object) }),
      'GET /api/notifications/unread-count': { count: 0 },
      'GET /api/rewards/summary': { total_points: 1234, recent: [] },
    });
    renderAt(<Layout />);
    expect(screen.getByRole('link', { name: 'Dashboard' })).toBeInTheDocument();
    // one in the header (wide screens), one in the menu (narrow): the same control
    expect(screen.getAllByRole('combobox', { name: 'Language' })).toHaveLength(2);
    await userEvent.selectOptions(screen.getAllByRole('combobox', { name: 'Language' })[0], 'hi');
    await waitFor(() => expect(authStore.get().user?.locale).toBe('hi'));
    expect(screen.getAllByRole('combobox', { name: 'भाषा' })[1]).toHaveValue('hi');
    expect(net.find('PATCH', '/api/auth/me').map((c) => c.body)).toEqual([{ locale: 'hi' }]);
    expect(screen.getByRole('link', { name: 'डैशबोर्ड' })).toBeInTheDocument();
    expect(document.documentElement.lang).toBe('hi');
  });

  it('keeps the language on this device and says so when the profile save fails', async () => {
    signIn(citizen);
    fakeFetch({ 'PATCH /api/auth/me': reply(503, { detail: 'Database unavailable' }) });
    renderAt(<LanguageSwitcher />);
    await userEvent.selectOptions(screen.getByRole('combobox', { name: 'Language' }), 'kn');
    expect(await screen.findByRole('alert')).toHaveTextContent('ಈ ಸಾಧನದಲ್ಲಿ ಮಾತ್ರ');
    expect(document.documentElement.lang).toBe('kn');
  });
});
