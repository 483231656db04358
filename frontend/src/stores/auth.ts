import { createStore } from '../lib/store';
import { ApiError, getToken, notifyUnauthorized, refreshToken, setToken, tokenExpiresSoon, tokenExpiry } from '../api/client';
import { TOKEN_EVENT } from '../api/config';
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

// ---------------------------------------------------------------- silent renewal
// The access token is renewed shortly before it expires (and, as a fallback, on any 401:
// api/client.ts), so a session lasts as long as its refresh cookie (REFRESH_DAYS) without
// a new sign-in. Timers sleep with the device: coming back to the tab renews at once when
// the token is about to expire.
let renewTimer: ReturnType<typeof setTimeout> | null = null;

async function renewNow(): Promise<void> {
  const r = await refreshToken();
  if (r === 'refused') notifyUnauthorized();
  else if (r === 'failed') scheduleRenewal(authStore.get().token, 30000); // offline: try again
}

/** Plans the renewal of `token`: a minute before it expires (a fifth of a short lifetime). */
export function scheduleRenewal(token: string | null, retryMs?: number): void {
  if (renewTimer) clearTimeout(renewTimer);
  renewTimer = null;
  if (!token) return;
  const exp = tokenExpiry(token);
  if (!exp) return;
  const left = exp - Date.now();
  const delay = retryMs ?? Math.max(1000, left - Math.min(60000, left / 5));
  renewTimer = setTimeout(() => void renewNow(), delay);
}

if (typeof window !== 'undefined') {
  window.addEventListener(TOKEN_EVENT, (e) => {
    const token = (e as CustomEvent<string>).detail;
    if (authStore.get().token) authStore.set({ token });
    scheduleRenewal(token);
  });
  document.addEventListener('visibilitychange', () => {
    const token = authStore.get().token;
    if (document.visibilityState === 'visible' && token && tokenExpiresSoon(token, 60000)) void renewNow();
  });
}

/** Checks the stored token with GET /auth/me. Offline, the cached profile is used. */
export async function bootstrapAuth(): Promise<void> {
  const token = getToken();
  if (!token) {
    authStore.set({ token: null, user: null, status: 'ready' });
    return;
  }
  authStore.set({ token, status: 'loading' });
  try {
    // an expired token is renewed by the call (a 401 refreshes and repeats it)
    const user = await authApi.me();
    cacheUser(user);
    adoptProfileLocale(user.locale);
    const now = getToken();
    if (now) {
      authStore.set({ token: now, user, status: 'ready' });
      scheduleRenewal(now);
    }
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
  scheduleRenewal(token);
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
  scheduleRenewal(null);
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

/** Ends every session of the account (all devices), then forgets this one. */
export async function logoutEverywhere(): Promise<void> {
  await authApi.logoutAll();
  clearSession();
  clearSessionEndedNote();
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
