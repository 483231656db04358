import { describe, expect, it } from 'vitest';
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import Login from '../Login';
import Signup from '../Signup';
import { renderAt, signIn } from '../../test/render';
import { authStore, endSession, logout } from '../../stores/auth';
import { fakeFetch, reply } from '../../test/fakeFetch';
import { citizen, staffUser } from '../../test/fixtures';

describe('Login', () => {
  it('says why the user is back on the sign-in page after the server ended the session, once', async () => {
    signIn(citizen);
    endSession(); // what App does on a 401 for an authenticated call (e.g. the account was disabled)
    expect(authStore.get().token).toBeNull();
    const first = renderAt(<Login />, { route: '/login', path: '/login' });
    expect(await screen.findByRole('status')).toHaveTextContent(/you were signed out/i);
    first.unmount();
    renderAt(<Login />, { route: '/login', path: '/login' });
    expect(screen.queryByText(/you were signed out/i)).not.toBeInTheDocument();
  });

  it('shows no such note after a deliberate sign-out', async () => {
    signIn(citizen);
    fakeFetch({ 'POST /api/auth/logout': reply(204) });
    await logout();
    renderAt(<Login />, { route: '/login', path: '/login' });
    expect(screen.queryByText(/you were signed out/i)).not.toBeInTheDocument();
  });

  it('shows inline errors for an empty form and focuses the first invalid field', async () => {
    const net = fakeFetch({});
    renderAt(<Login />, { route: '/login', path: '/login' });
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    const email = screen.getByLabelText('Email');
    expect(email).toHaveAttribute('aria-invalid', 'true');
    expect(email).toHaveAccessibleDescription(/email is required/i);
    expect(screen.getByLabelText('Password')).toHaveAccessibleDescription(/password is required/i);
    await waitFor(() => expect(email).toHaveFocus());
    expect(net.calls).toHaveLength(0);
  });

  it("shows the server's message when the credentials are wrong", async () => {
    fakeFetch({ 'POST /api/auth/login': reply(401, { detail: 'Invalid credentials' }) });
    renderAt(<Login />, { route: '/login', path: '/login' });
    await userEvent.type(screen.getByLabelText('Email'), 'asha@example.com');
    await userEvent.type(screen.getByLabelText('Password'), 'wrong-password');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Invalid credentials');
    expect(localStorage.getItem('swmra_token')).toBeNull();
  });

  it('signs in a resident and goes to the dashboard', async () => {
    fakeFetch({ 'POST /api/auth/login': { access_token: 'jwt', token_type: 'bearer', user: citizen } });
    renderAt(<Login />, { route: '/login', path: '/login' });
    await userEvent.type(screen.getByLabelText('Email'), 'asha@example.com');
    await userEvent.type(screen.getByLabelText('Password'), 'Passw0rd!');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    await waitFor(() => expect(screen.getByTestId('location')).toHaveTextContent(/^\/$/));
    expect(localStorage.getItem('swmra_token')).toBe('jwt');
  });

  it('sends staff to the console', async () => {
    fakeFetch({ 'POST /api/auth/login': { access_token: 'jwt', token_type: 'bearer', user: staffUser } });
    renderAt(<Login />, { route: '/login', path: '/login' });
    await userEvent.type(screen.getByLabelText('Email'), 'staff@example.com');
    await userEvent.type(screen.getByLabelText('Password'), 'Passw0rd!');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    await waitFor(() => expect(screen.getByTestId('location')).toHaveTextContent('/staff'));
  });
});

describe('Signup', () => {
  const fill = async () => {
    await userEvent.type(screen.getByLabelText('Full name'), 'Asha Rao');
    await userEvent.type(screen.getByLabelText('Email'), 'asha@example.com');
    await userEvent.type(screen.getByLabelText('Phone'), '+91 98765 43210');
    await userEvent.type(screen.getByLabelText('Password'), 'Passw0rd!');
    await userEvent.type(screen.getByLabelText('Confirm password'), 'Passw0rd!');
  };

  it('validates every field before calling the server', async () => {
    const net = fakeFetch({});
    renderAt(<Signup />, { route: '/signup', path: '/signup' });
    await userEvent.type(screen.getByLabelText('Phone'), 'abc');
    await userEvent.type(screen.getByLabelText('Password'), 'short');
    await userEvent.click(screen.getByRole('button', { name: 'Create account' }));
    expect(screen.getByLabelText('Full name')).toHaveAccessibleDescription(/full name is required/i);
    expect(screen.getByLabelText('Phone')).toHaveAccessibleDescription(/only digits/i);
    expect(screen.getByLabelText('Password')).toHaveAccessibleDescription(/at least 8 characters/i);
    expect(net.calls).toHaveLength(0);
  });

  it('maps 422 locations onto the form fields', async () => {
    fakeFetch({
      'POST /api/auth/register': reply(422, {
        detail: [{ loc: ['body', 'email'], msg: 'value is not a valid email address', type: 'value_error' }],
      }),
    });
    renderAt(<Signup />, { route: '/signup', path: '/signup' });
    await fill();
    await userEvent.click(screen.getByRole('button', { name: 'Create account' }));
    await waitFor(() => expect(screen.getByLabelText('Email')).toHaveAccessibleDescription('value is not a valid email address'));
    expect(screen.getByRole('alert')).toHaveTextContent(/correct the highlighted fields/i);
  });

  it('shows a 409 conflict message', async () => {
    fakeFetch({ 'POST /api/auth/register': reply(409, { detail: 'Email already exists' }) });
    renderAt(<Signup />, { route: '/signup', path: '/signup' });
    await fill();
    await userEvent.click(screen.getByRole('button', { name: 'Create account' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Email already exists');
  });
});
