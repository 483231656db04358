/** Base URL of the HTTP API: same-origin `/api` unless VITE_API_BASE says otherwise. */
export const API_BASE: string = (import.meta.env.VITE_API_BASE as string | undefined)?.replace(/\/+$/, '') || '/api';

/** localStorage key holding the JWT. Shared with the original app. */
export const TOKEN_KEY = 'swmra_token';

/** Window event fired whenever an authenticated call answers 401 and the session could not
 * be renewed: the session is over. */
export const UNAUTHORIZED_EVENT = 'swmra:unauthorized';

/** Window event fired when the access token was renewed (detail: the new token). */
export const TOKEN_EVENT = 'swmra:token';

/** Window event fired for every live notification (detail: the notification). */
export const NOTIFICATION_EVENT = 'swmra:notification';

/** Absolute URL for an API path such as `/requests`. */
export function apiUrl(path: string): string {
  const base = API_BASE;
  if (/^https?:\/\//.test(base)) return base + path;
  const origin = typeof window !== 'undefined' ? window.location.origin : 'http://localhost';
  return origin + base + path;
}

/** ws:// or wss:// URL for an API path (derived from the API base). */
export function wsUrl(path: string): string {
  return apiUrl(path).replace(/^http/, 'ws');
}
