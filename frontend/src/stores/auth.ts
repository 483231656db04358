import { createStore } from '../lib/store';
import { ApiError, getToken, setToken } from '../api/client';
import { authApi } from '../api/endpoints';
import { adoptProfileLocale, currentLocale, setLocale, type Locale } from '../i18n';
import type { User } from '../api/types';

export interface AuthState {
  token: string | null;
  user: User | null;
  /** 'loading' until the stored token has been checked. */
  status: 'loading' | 'ready';
}

const USER_CACHE_KEY = 'swmra_user';

function readCachedUser(): User | null {
  try {
    const raw = localStorage.getItem(USER_CACHE_KEY);
    return raw ? (JSON.parse(raw) as User) : null;
  } catch {
    return null;
  }
}

function cacheUser(user: User | null) {
  try {
    if (user) localStorage.setItem(USER_CACHE_KEY, JSON.stringify(user));
    else localStorage.removeItem(USER_CACHE_KEY);
  } catch {
    /* ignore */
  }
}

export const authStore = createStore<AuthState>({ token: null, user: null, status: 'loading' });

/** Checks the stored token with GET /auth/me. Offline, the cached profile is used. */
export async function bootstrapAuth(): Promise<void> {
  const token = getToken();
  if (!token) {
    authStore.set({ token: null, user: null, status: 'ready' });
    return;
  }
  authStore.set({ token, status: 'loading' });
  try {
    const user = await authApi.me();
    cacheUser(user);
    adoptProfileLocale(user.locale);
    if (getToken() === token) authStore.set({ token, user, status: 'ready' });
  } catch (err) {
    if (err instanceof ApiError && (err.status === 401 || err.status === 403 || err.status === 404)) {
      clearSession();
    } else {
      // Network trouble: keep the session and show what we knew.
      const cached = readCachedUser();
      if (cached) authStore.set({ token, user: cached, status: 'ready' });
      else clearSession();
    }
  }
}

function startSession(token: string, user: User, adoptLocale = true) {
  if (adoptLocale) adoptProfileLocale(user.locale);
  setToken(token);
  cacheUser(user);
  authStore.set({ token, user, status: 'ready' });
}

export async function login(email: string, password: string): Promise<User> {
  const res = await authApi.login(email.trim().toLowerCase(), password);
  startSession(res.access_token, res.user);
  return res.user;
}

export async function signup(input: { name: string; email: string; phone: string; password: string }): Promise<User> {
  const res = await authApi.register({
    name: input.name.trim(),
    email: input.email.trim().toLowerCase(),
    phone: input.phone.trim(),
    password: input.password,
  });
  // A new account speaks the language its owner was using here (browser default or choice).
  const ui = currentLocale();
  startSession(res.access_token, res.user, false);
  if (res.user.locale !== ui) {
    try {
      const user = await authApi.updateMe({ locale: ui });
      setUser(user);
      return user;
    } catch {
      /* the account keeps the server default; the switcher can change it later */
    }
  }
  return res.user;
}

/** Forgets the session locally (used for 401s). */
export function clearSession(): void {
  setToken(null);
  cacheUser(null);
  authStore.set({ token: null, user: null, status: 'ready' });
}

const SESSION_ENDED_KEY = 'swmra_session_ended';

/**
 * The server refused the token of a signed-in user (expired, revoked, account disabled):
 * forgets the session and leaves a note so the sign-in page can say why the user is there.
 */
export function endSession(): void {
  if (authStore.get().token) {
    try {
      sessionStorage.setItem(SESSION_ENDED_KEY, '1');
    } catch {
      /* storage unavailable: the sign-in page just shows no note */
    }
  }
  clearSession();
}

/** Whether the last session ended because the server refused it (see endSession). */
export function sessionEndedNote(): boolean {
  try {
    return sessionStorage.getItem(SESSION_ENDED_KEY) === '1';
  } catch {
    return false;
  }
}

/** Clears the note left by endSession (the sign-in page has shown it). */
export function clearSessionEndedNote(): void {
  try {
    sessionStorage.removeItem(SESSION_ENDED_KEY);
  } catch {
    /* ignore */
  }
}

/** Revokes the token on the server (best effort), then forgets it. */
export async function logout(): Promise<void> {
  const token = authStore.get().token;
  if (token) {
    try {
      await authApi.logout();
    } catch {
      /* revoked or offline: sign out locally anyway */
    }
  }
  clearSession();
  clearSessionEndedNote(); // a 401 racing the deliberate sign-out is not "your session ended"
}

export function setUser(user: User): void {
  cacheUser(user);
  authStore.set({ user });
}

/**
 * The switcher's choice: applied at once, remembered on this device, and saved on the
 * profile when signed in (so emails, SMS and push follow). Rejects when the save fails.
 */
export async function chooseLocale(l: Locale): Promise<void> {
  setLocale(l);
  const { token, user } = authStore.get();
  if (!token || !user || user.locale === l) return;
  setUser(await authApi.updateMe({ locale: l }));
}

export function isStaff(user: User | null | undefined): boolean {
  return user?.role === 'staff' || user?.role === 'admin';
}

export function isAdmin(user: User | null | undefined): boolean {
  return user?.role === 'admin';
}
