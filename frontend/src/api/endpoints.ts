import { http, api, type Query } from './client';
import type {
  AdminUser,
  AdminUserPage,
  AnswerOf,
  AppNotification,
  AvailableSlot,
  BodyOf,
  NewRequestBody,
  NewSlotOverride,
  PickupRequest,
  QueryOf,
  RequestPage,
  RequestPatch,
  RewardsSummary,
  SlotOverride,
  SlotTemplate,
  StaffRequest,
  StaffRequestPage,
  StaffSlot,
  SystemStatus,
  TokenResponse,
} from './types';

const enc = encodeURIComponent;

export const authApi = {
  login: (email: string, password: string) =>
    api<TokenResponse>('POST', '/auth/login', { body: { email, password } satisfies BodyOf<'authLogin'>, auth: false }),
  register: (body: BodyOf<'authRegister'>) => api<TokenResponse>('POST', '/auth/register', { body, auth: false }),
  me: () => http.get<AnswerOf<'authMe'>>('/auth/me'),
  updateMe: (body: BodyOf<'authMePatch'>) => http.patch<AnswerOf<'authMePatch'>>('/auth/me', body),
  changePassword: (current_password: string, new_password: string) =>
    http.post<unknown>('/auth/password', { current_password, new_password } satisfies BodyOf<'authPassword'>),
  logout: () => http.post<unknown>('/auth/logout'),
};

export const requestsApi = {
  list: (q: QueryOf<'requestsList'>, signal?: AbortSignal) => http.get<RequestPage>('/requests', q as Query, signal),
  get: (id: string, signal?: AbortSignal) => http.get<PickupRequest>(`/requests/${enc(id)}`, undefined, signal),
  create: (body: NewRequestBody & { draft?: boolean }) => http.post<PickupRequest>('/requests', body satisfies BodyOf<'requestsCreate'>),
  /** Edit a draft (only while its status is `draft`; 409 otherwise). */
  update: (id: string, body: RequestPatch) => http.patch<PickupRequest>(`/requests/${enc(id)}`, body),
  /** Send a draft (draft → submitted; 409 when it is no longer a draft). */
  submit: (id: string) => http.post<PickupRequest>(`/requests/${enc(id)}/submit`),
  cancel: (id: string, reason?: string) =>
    http.post<PickupRequest>(`/requests/${enc(id)}/cancel`, (reason ? { reason } : {}) satisfies BodyOf<'requestsCancel'>),
  confirmSlot: (id: string, slot_start: string, slot_end: string) =>
    http.post<PickupRequest>(`/requests/${enc(id)}/confirm-slot`, { slot_start, slot_end } satisfies BodyOf<'requestsConfirmSlot'>),
  /** Join the waitlist of a full slot: 201 {position}; 409 when it has room (book it instead). */
  joinWaitlist: (id: string, slot_start: string, slot_end: string) =>
    http.post<AnswerOf<'waitlistJoin', 201>>(`/requests/${enc(id)}/waitlist`, { slot_start, slot_end } satisfies BodyOf<'waitlistJoin'>),
  leaveWaitlist: (id: string, slot_start: string, slot_end: string) =>
    api<PickupRequest>('DELETE', `/requests/${enc(id)}/waitlist`, { body: { slot_start, slot_end } satisfies BodyOf<'waitlistLeave'> }),
  /** Take the seat a waitlist offer holds (a reschedule when the request has a slot). */
  acceptOffer: (id: string) => http.post<PickupRequest>(`/requests/${enc(id)}/accept-offer`),
  declineOffer: (id: string) => http.post<PickupRequest>(`/requests/${enc(id)}/decline-offer`),
};

export const slotsApi = {
  available: (date: string, category: string, signal?: AbortSignal) =>
    http.get<AvailableSlot[]>('/slots/available', { date, category } satisfies QueryOf<'slotsAvailable'>, signal),
  /** The same with the full slots too (remaining 0), whose waitlist may be joined. */
  availableWithFull: (date: string, category: string, signal?: AbortSignal) =>
    http.get<AvailableSlot[]>('/slots/available', { date, category, include_full: 'true' } satisfies QueryOf<'slotsAvailable'>, signal),
};

export const notificationsApi = {
  list: (q?: QueryOf<'notificationsList'>) => http.get<AppNotification[]>('/notifications', q as Query),
  unreadCount: () => http.get<AnswerOf<'notificationsUnreadCount'>>('/notifications/unread-count'),
  markRead: (id: string) => http.post<AppNotification>(`/notifications/${enc(id)}/read`),
  markAllRead: () => http.post<AnswerOf<'notificationsReadAll'>>('/notifications/read-all'),
  /** A one-use, short-lived ticket for the live channel (keeps the token out of URLs). */
  wsTicket: () => http.post<AnswerOf<'notificationsLiveTicket'>>('/ws/ticket'),
};

/** Web push (docs/RUNBOOK.md §7.3): the server's VAPID key and this browser's subscription. */
export const pushApi = {
  vapidKey: () => http.get<AnswerOf<'pushVapidPublicKey'>>('/push/vapid-public-key'),
  subscribe: (sub: PushSubscriptionJSON) => http.post<AnswerOf<'pushSubscribe', 201>>('/push/subscriptions', sub),
  unsubscribe: (endpoint: string) => api<void>('DELETE', '/push/subscriptions', { body: { endpoint } satisfies BodyOf<'pushUnsubscribe'> }),
};

export const rewardsApi = {
  summary: () => http.get<RewardsSummary>('/rewards/summary'),
};

export const staffApi = {
  list: (q: QueryOf<'staffRequestsList'>, signal?: AbortSignal) => http.get<StaffRequestPage>('/staff/requests', q as Query, signal),
  get: (id: string, signal?: AbortSignal) => http.get<StaffRequest>(`/staff/requests/${enc(id)}`, undefined, signal),
  transition: (id: string, body: BodyOf<'staffRequestsTransition'>) =>
    http.post<StaffRequest>(`/staff/requests/${enc(id)}/transition`, body),
  addNote: (id: string, note: string) =>
    http.post<StaffRequest>(`/staff/requests/${enc(id)}/notes`, { note } satisfies BodyOf<'staffRequestsNote'>),
  slots: (date: string, signal?: AbortSignal) => http.get<StaffSlot[]>('/staff/slots', { date } satisfies QueryOf<'staffSlots'>, signal),
};

export const adminApi = {
  users: (q: QueryOf<'adminUsersList'>, signal?: AbortSignal) => http.get<AdminUserPage>('/admin/users', q as Query, signal),
  updateUser: (id: string, body: BodyOf<'adminUsersPatch'>) => http.patch<AdminUser>(`/admin/users/${enc(id)}`, body),
  templates: () => http.get<SlotTemplate>('/admin/slot-templates'),
  saveTemplates: (body: BodyOf<'slotTemplatePut'>) => http.put<SlotTemplate>('/admin/slot-templates', body),
  overrides: () => http.get<SlotOverride[]>('/admin/slot-overrides'),
  addOverride: (body: NewSlotOverride) => http.post<SlotOverride>('/admin/slot-overrides', body),
  deleteOverride: (id: string) => api<unknown>('DELETE', `/admin/slot-overrides/${enc(id)}`),
  system: (signal?: AbortSignal) => http.get<SystemStatus>('/admin/system', undefined, signal),
};
