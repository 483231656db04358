import { http, api, type Query } from './client';
import type {
  AppNotification,
  AvailableSlot,
  NewRequestBody,
  NotificationPrefs,
  Page,
  PickupRequest,
  RewardsSummary,
  Role,
  SlotOverride,
  SlotTemplates,
  StaffSlot,
  Status,
  TokenResponse,
  User,
} from './types';

const enc = encodeURIComponent;

export const authApi = {
  login: (email: string, password: string) =>
    api<TokenResponse>('POST', '/auth/login', { body: { email, password }, auth: false }),
  register: (body: { name: string; email: string; phone: string; password: string }) =>
    api<TokenResponse>('POST', '/auth/register', { body, auth: false }),
  me: () => http.get<User>('/auth/me'),
  updateMe: (body: { name?: string; phone?: string; prefs?: NotificationPrefs }) => http.patch<User>('/auth/me', body),
  changePassword: (current_password: string, new_password: string) =>
    http.post<unknown>('/auth/password', { current_password, new_password }),
  logout: () => http.post<unknown>('/auth/logout'),
};

export const requestsApi = {
  list: (q: { status?: string; category?: string; skip?: number; limit?: number }, signal?: AbortSignal) =>
    http.get<Page<PickupRequest>>('/requests', q as Query, signal),
  get: (id: string, signal?: AbortSignal) => http.get<PickupRequest>(`/requests/${enc(id)}`, undefined, signal),
  create: (body: NewRequestBody & { draft?: boolean }) => http.post<PickupRequest>('/requests', body),
  /** Edit a draft (only while its status is `draft`; 409 otherwise). */
  update: (id: string, body: Partial<NewRequestBody>) => http.patch<PickupRequest>(`/requests/${enc(id)}`, body),
  /** Send a draft (draft → submitted; 409 when it is no longer a draft). */
  submit: (id: string) => http.post<PickupRequest>(`/requests/${enc(id)}/submit`),
  cancel: (id: string, reason?: string) => http.post<PickupRequest>(`/requests/${enc(id)}/cancel`, reason ? { reason } : {}),
  confirmSlot: (id: string, slot_start: string, slot_end: string) =>
    http.post<PickupRequest>(`/requests/${enc(id)}/confirm-slot`, { slot_start, slot_end }),
};

export const slotsApi = {
  available: (date: string, category: string, signal?: AbortSignal) =>
    http.get<AvailableSlot[]>('/slots/available', { date, category }, signal),
};

export const notificationsApi = {
  list: (q?: { unread?: boolean; limit?: number; before?: string }) =>
    http.get<AppNotification[]>('/notifications', q as Query),
  unreadCount: () => http.get<{ unread: number }>('/notifications/unread-count'),
  markRead: (id: string) => http.post<unknown>(`/notifications/${enc(id)}/read`),
  markAllRead: () => http.post<unknown>('/notifications/read-all'),
  /** A one-use, short-lived ticket for the live channel (keeps the token out of URLs). */
  wsTicket: () => http.post<{ ticket: string; expires_in: number }>('/ws/ticket'),
};

/** Web push (docs/RUNBOOK.md §7.3): the server's VAPID key and this browser's subscription. */
export const pushApi = {
  vapidKey: () => http.get<{ enabled: boolean; key?: string }>('/push/vapid-public-key'),
  subscribe: (sub: PushSubscriptionJSON) => http.post<{ endpoint: string; created: boolean }>('/push/subscriptions', sub),
  unsubscribe: (endpoint: string) => api<void>('DELETE', '/push/subscriptions', { body: { endpoint } }),
};

export const rewardsApi = {
  summary: () => http.get<RewardsSummary>('/rewards/summary'),
};

export const staffApi = {
  list: (
    q: { status?: string; category?: string; date?: string; q?: string; skip?: number; limit?: number },
    signal?: AbortSignal,
  ) => http.get<Page<PickupRequest>>('/staff/requests', q as Query, signal),
  get: (id: string, signal?: AbortSignal) => http.get<PickupRequest>(`/staff/requests/${enc(id)}`, undefined, signal),
  transition: (id: string, body: { to: Status; note?: string; slot_start?: string; slot_end?: string }) =>
    http.post<PickupRequest>(`/staff/requests/${enc(id)}/transition`, body),
  addNote: (id: string, note: string) => http.post<PickupRequest>(`/staff/requests/${enc(id)}/notes`, { note }),
  slots: (date: string, signal?: AbortSignal) => http.get<StaffSlot[]>('/staff/slots', { date }, signal),
};

export const adminApi = {
  users: (q: { q?: string; role?: string; skip?: number; limit?: number }, signal?: AbortSignal) =>
    http.get<Page<User>>('/admin/users', q as Query, signal),
  updateUser: (id: string, body: { role?: Role; disabled?: boolean }) => http.patch<User>(`/admin/users/${enc(id)}`, body),
  templates: () => http.get<SlotTemplates>('/admin/slot-templates'),
  saveTemplates: (body: SlotTemplates) => http.put<SlotTemplates>('/admin/slot-templates', body),
  overrides: () => http.get<SlotOverride[]>('/admin/slot-overrides'),
  addOverride: (body: SlotOverride) => http.post<SlotOverride>('/admin/slot-overrides', body),
  deleteOverride: (id: string) => api<unknown>('DELETE', `/admin/slot-overrides/${enc(id)}`),
};
