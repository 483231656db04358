import { API_BASE, TOKEN_KEY, UNAUTHORIZED_EVENT } from './config';
import { t } from '../i18n';

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

/** Builds an ApiError from a status and a parsed body (`{detail: string | ValidationItem[]}`). */
export function errorFromBody(status: number, body: unknown, retryAfter?: number): ApiError {
  const detail = (body && typeof body === 'object' ? (body as { detail?: unknown }).detail : undefined) ?? undefined;
  if (Array.isArray(detail)) {
    const fields: FieldErrors = {};
    const messages: string[] = [];
    for (const item of detail as ValidationItem[]) {
      const field = locToField(item.loc);
      const msg = item.msg || t('error.invalid');
      if (field && !fields[field]) fields[field] = msg;
      messages.push(field ? `${field}: ${msg}` : msg);
    }
    return new ApiError(status, messages[0] ? t('error.validation') : t('error.invalid'), fields, retryAfter);
  }
  if (typeof detail === 'string' && detail) return new ApiError(status, detail, {}, retryAfter);
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

/** Called for a 401 on a call that carried a token: the session is over. */
export function notifyUnauthorized(): void {
  window.dispatchEvent(new CustomEvent(UNAUTHORIZED_EVENT));
}

/**
 * Calls the API and returns the parsed JSON body (or undefined for an empty body).
 * Throws ApiError on a non-2xx answer or a network failure (status 0).
 */
export async function api<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  const token = opts.auth === false ? null : getToken();
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
    throw new ApiError(0, typeof navigator !== 'undefined' && navigator.onLine === false ? t('error.offline') : t('error.network'));
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
    if (res.status === 401 && token) notifyUnauthorized();
    const ra = Number(res.headers.get('Retry-After'));
    throw errorFromBody(res.status, parsed, Number.isFinite(ra) && ra > 0 ? ra : undefined);
  }
  return parsed as T;
}

/**
 * GETs a binary answer (a download) with the session's token: the Blob and the file name
 * of its Content-Disposition. Errors as api() (a 401 ends the session).
 */
export async function apiBlob(path: string): Promise<{ blob: Blob; filename: string | null }> {
  const token = getToken();
  let res: Response;
  try {
    res = await fetch(API_BASE + path, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  } catch {
    throw new ApiError(0, typeof navigator !== 'undefined' && navigator.onLine === false ? t('error.offline') : t('error.network'));
  }
  if (!res.ok) {
    if (res.status === 401 && token) notifyUnauthorized();
    const body = await res.json().catch(() => undefined);
    const ra = Number(res.headers.get('Retry-After'));
    throw errorFromBody(res.status, body, Number.isFinite(ra) && ra > 0 ? ra : undefined);
  }
  const m = /filename="([^"]+)"/.exec(res.headers.get('Content-Disposition') ?? '');
  return { blob: await res.blob(), filename: m ? m[1] : null };
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
