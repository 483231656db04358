import { API_BASE, TOKEN_EVENT, TOKEN_KEY, UNAUTHORIZED_EVENT } from './config';
import { currentLocale, t, type MessageKey } from '../i18n';

export type FieldErrors = Record<string, string>;

interface ValidationItem {
  loc?: (string | number)[];
  msg?: string;
  type?: string;
}

/** An error answered by the API (or a network failure, status 0). */
export class ApiError extends Error {
  readonly status: number;
  /** Field path (e.g. `email`, `address.line1`) → message, from a 422 body. */
  readonly fieldErrors: FieldErrors;
  readonly retryAfter?: number;

  constructor(status: number, message: string, fieldErrors: FieldErrors = {}, retryAfter?: number) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.fieldErrors = fieldErrors;
    this.retryAfter = retryAfter;
  }
}

/** Turns a 422 `loc` into a form field path: ["body","address","line1"] → "address.line1". */
export function locToField(loc: (string | number)[] | undefined): string {
  if (!loc || loc.length === 0) return '';
  const parts = [...loc];
  if (parts.length > 1 && ['body', 'query', 'path', 'header'].includes(String(parts[0]))) parts.shift();
  return parts.map(String).join('.');
}

/**
 * The API's `detail` is English (logs, scripts, support), written for people: the English UI
 * shows it as it is. In other languages the app shows its own message for each error it
 * knows, matched on the detail's start (the API may add specifics after it), and for any
 * other a message for its status class.
 */
const KNOWN_DETAILS: [prefix: string, key: MessageKey][] = [
  ['Invalid credentials', 'error.invalidCredentials'],
  ['Account disabled', 'error.accountDisabled'],
  ['Too many failed attempts', 'error.tooManyAttempts'],
  ['Email already exists', 'error.emailExists'],
  ['Slot is full', 'error.slotFull'],
  ['Slot not available', 'error.slotUnavailable'],
  ['Too late', 'error.tooLate'],
  ['Only drafts can be', 'error.notDraft'],
  ['Cannot confirm a slot', 'error.cannotConfirm'],
  ['You cannot demote or disable your own account', 'error.selfDemote'],
  ['Only JPEG, PNG or WebP', 'photos.badTypeGeneric'],
];

/** The app's own message for an API error answer (status + English detail). */
export function localizedError(status: number, detail: string): string {
  if (currentLocale() === 'en') return detail;
  for (const [prefix, key] of KNOWN_DETAILS) if (detail.startsWith(prefix)) return t(key);
  if (status === 401) return t('error.unauthorized');
  if (status === 403) return t('error.forbidden');
  if (status === 404) return t('error.notFound');
  if (status === 409) return t('error.conflict');
  if (status === 413) return t('upload.tooLarge');
  if (status === 429) return t('error.rateLimited');
  if (status >= 500) return t('error.server');
  if (status === 400 || status === 422) return t('error.invalid');
  return t('error.generic', { status });
}

/** Builds an ApiError from a status and a parsed body (`{detail: string | ValidationItem[]}`). */
export function errorFromBody(status: number, body: unknown, retryAfter?: number): ApiError {
  const detail = (body && typeof body === 'object' ? (body as { detail?: unknown }).detail : undefined) ?? undefined;
  if (Array.isArray(detail)) {
    const fields: FieldErrors = {};
    const messages: string[] = [];
    for (const item of detail as ValidationItem[]) {
      const field = locToField(item.loc);
      // Field messages are the API's English: other languages get a translated generic one.
      const msg = currentLocale() === 'en' && item.msg ? item.msg : t('error.fieldInvalid');
      if (field && !fields[field]) fields[field] = msg;
      messages.push(field ? `${field}: ${msg}` : msg);
    }
    return new ApiError(status, messages[0] ? t('error.validation') : t('error.invalid'), fields, retryAfter);
  }
  if (typeof detail === 'string' && detail) return new ApiError(status, localizedError(status, detail), {}, retryAfter);
  if (status === 429) return new ApiError(status, t('error.rateLimited'), {}, retryAfter);
  if (status >= 500) return new ApiError(status, t('error.server'), {}, retryAfter);
  return new ApiError(status, t('error.generic', { status }), {}, retryAfter);
}

export function getToken(): string | null {
  try {
    return localStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function setToken(token: string | null): void {
  try {
    if (token) localStorage.setItem(TOKEN_KEY, token);
    else localStorage.removeItem(TOKEN_KEY);
  } catch {
    /* storage unavailable (private mode): the session lasts for this tab only */
  }
}

export type Query = Record<string, string | number | boolean | null | undefined>;

export function buildQuery(query?: Query): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === '') continue;
    params.set(k, String(v));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  signal?: AbortSignal;
  /** Send the bearer token (default true). */
  auth?: boolean;
}

/** A call that did not reach the server (status 0): offline or the network failed. */
export function networkError(): ApiError {
  return new ApiError(0, typeof navigator !== 'undefined' && navigator.onLine === false ? t('error.offline') : t('error.network'));
}

/** Called for a 401 on a call that carried a token: the session is over. */
export function notifyUnauthorized(): void {
  window.dispatchEvent(new CustomEvent(UNAUTHORIZED_EVENT));
}

// ---------------------------------------------------------------- refresh sessions
// The access token lasts JWT_EXPIRE_MIN; the HttpOnly refresh cookie (set by login and
// register, sent only to /api/auth) renews it. Each refresh token works once, and a second
// use ends the whole session (theft detection), so a tab must never send two refreshes at
// once, and two tabs must not either: one refresh is in flight per tab (a shared promise),
// and tabs take turns through the Web Locks API where the browser has it; a tab that
// waited finds the token another tab stored meanwhile and uses it instead.

/** Outcome of a refresh: the new token, 'refused' (the session is over) or 'failed'
 * (network trouble: the session may still be fine). */
export type RefreshResult = { token: string } | 'refused' | 'failed';

let inflight: Promise<RefreshResult> | null = null;

async function refreshOnce(stale: string | null): Promise<RefreshResult> {
  const now = getToken();
  if (now && now !== stale && !tokenExpiresSoon(now)) return { token: now }; // another tab renewed it
  let res: Response;
  try {
    res = await fetch(`${API_BASE}/auth/refresh`, { method: 'POST', headers: { Accept: 'application/json' }, credentials: 'same-origin' });
  } catch {
    return 'failed';
  }
  // server trouble or a limit: the session may be fine; anything else refuses it
  if (res.status >= 500 || res.status === 429) return 'failed';
  if (!res.ok) return 'refused';
  const body = (await res.json().catch(() => null)) as { access_token?: string } | null;
  if (!body?.access_token) return 'failed';
  setToken(body.access_token);
  window.dispatchEvent(new CustomEvent(TOKEN_EVENT, { detail: body.access_token }));
  return { token: body.access_token };
}

/** Renews the access token with the refresh cookie; concurrent callers share one request.
 * `stale` is the token that was refused (default: the stored one): when another refresh has
 * already replaced it, that newer token is used and no second refresh is sent, since each
 * extra rotation is one more chance to lose a response and trip the reuse detection. */
export function refreshToken(stale: string | null = getToken()): Promise<RefreshResult> {
  if (inflight) return inflight;
  const locks = typeof navigator !== 'undefined' ? (navigator as Navigator & { locks?: LockManager }).locks : undefined;
  const run = locks ? locks.request('swmra-refresh', () => refreshOnce(stale)) : refreshOnce(stale);
  inflight = (run as Promise<RefreshResult>).finally(() => {
    inflight = null;
  });
  return inflight;
}

/** The `exp` claim of a JWT in ms since the epoch (0 when unreadable). */
export function tokenExpiry(token: string): number {
  try {
    const payload = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const exp = (JSON.parse(atob(payload)) as { exp?: number }).exp;
    return typeof exp === 'number' ? exp * 1000 : 0;
  } catch {
    return 0;
  }
}

/** Whether the token expires within `marginMs` (or cannot be read). */
export function tokenExpiresSoon(token: string, marginMs = 30000): boolean {
  const exp = tokenExpiry(token);
  return !exp || exp - Date.now() < marginMs;
}

/** Routes whose 401 is an answer about credentials, never an expired session. */
const NO_REFRESH = ['/auth/login', '/auth/register', '/auth/refresh', '/auth/password-reset', '/auth/password-reset/confirm'];

/**
 * Runs `call` with the session's token. A 401 renews the token once (refreshToken) and
 * repeats the call with the new one; only a refused renewal, or a 401 again, ends the
 * session (swmra:unauthorized). When the renewal cannot reach the server the session is
 * kept and the call fails as a network error (status 0), never as a 401: a 401 would make
 * the caller sign the person out over a hiccup. `call` throws an ApiError with status 401
 * for a refused token. Every authenticated call goes through here (JSON, downloads,
 * uploads) so that none of them signs out a session that could have been renewed.
 */
export async function withSession<T>(call: (token: string | null) => Promise<T>): Promise<T> {
  const sent = getToken();
  try {
    return await call(sent);
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 401 || !sent) throw err;
    const r = await refreshToken(sent);
    if (r === 'refused') {
      notifyUnauthorized();
      throw err;
    }
    if (r === 'failed') throw networkError();
    try {
      return await call(r.token);
    } catch (again) {
      if (again instanceof ApiError && again.status === 401) notifyUnauthorized();
      throw again;
    }
  }
}

/**
 * Calls the API and returns the parsed JSON body (or undefined for an empty body).
 * Throws ApiError on a non-2xx answer or a network failure (status 0). A call that carries
 * the session's token renews it on a 401 (withSession); the credential routes never do.
 */
export async function api<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  if (opts.auth === false) return send<T>(method, path, opts, null);
  if (NO_REFRESH.includes(path)) return send<T>(method, path, opts, getToken());
  return withSession((token) => send<T>(method, path, opts, token));
}

async function send<T>(method: string, path: string, opts: RequestOptions, token: string | null): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  let body: BodyInit | undefined;
  if (opts.body instanceof FormData) {
    body = opts.body;
  } else if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  let res: Response;
  try {
    res = await fetch(API_BASE + path + buildQuery(opts.query), { method, headers, body, signal: opts.signal });
  } catch (err) {
    if ((err as Error)?.name === 'AbortError') throw err;
    throw networkError();
  }
  const text = await res.text().catch(() => '');
  let parsed: unknown = undefined;
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
  }
  if (!res.ok) {
    const ra = Number(res.headers.get('Retry-After'));
    throw errorFromBody(res.status, parsed, Number.isFinite(ra) && ra > 0 ? ra : undefined);
  }
  return parsed as T;
}

/**
 * GETs a binary answer (a download) with the session's token: the Blob and the file name
 * of its Content-Disposition. Errors as api() (a 401 renews the token once).
 */
export function apiBlob(path: string, query?: Query): Promise<{ blob: Blob; filename: string | null }> {
  return withSession(async (token) => {
    let res: Response;
    try {
      res = await fetch(API_BASE + path + buildQuery(query), { headers: token ? { Authorization: `Bearer ${token}` } : {} });
    } catch {
      throw networkError();
    }
    if (!res.ok) {
      const body = await res.json().catch(() => undefined);
      const ra = Number(res.headers.get('Retry-After'));
      throw errorFromBody(res.status, body, Number.isFinite(ra) && ra > 0 ? ra : undefined);
    }
    const m = /filename="([^"]+)"/.exec(res.headers.get('Content-Disposition') ?? '');
    return { blob: await res.blob(), filename: m ? m[1] : null };
  });
}

export const http = {
  get: <T>(path: string, query?: Query, signal?: AbortSignal) => api<T>('GET', path, { query, signal }),
  post: <T>(path: string, body?: unknown) => api<T>('POST', path, { body }),
  patch: <T>(path: string, body?: unknown) => api<T>('PATCH', path, { body }),
  put: <T>(path: string, body?: unknown) => api<T>('PUT', path, { body }),
};

/** Message to show for any thrown value. */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof Error && err.message) return err.message;
  return t('error.unknown');
}
