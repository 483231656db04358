import { http, api, apiBlob, type Query } from './client';
import type {
  AdminUser,
  AdminUserPage,
  AuditPage,
  AnswerOf,
  ApiKeyList,
  AppNotification,
  AvailableSlot,
  BodyOf,
  IssuedApiKey,
  LedgerPage,
  Crew,
  CrewBody,
  CrewList,
  MyRoute,
  RouteSheet,
  NewRequestBody,
  NewSlotOverride,
  PickupRequest,
  QueryOf,
  RequestPage,
  ReportSummary,
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
  logoutAll: () => http.post<unknown>('/auth/logout-all'),
  sessions: () => http.get<AnswerOf<'authSessionsList'>>('/auth/sessions'),
  endSession: (id: string) => api<void>('DELETE', `/auth/sessions/${enc(id)}`),
  /** Always 202 (whether or not the email has an account). */
  requestPasswordReset: (email: string) =>
    api<unknown>('POST', '/auth/password-reset', { body: { email } satisfies BodyOf<'authPasswordReset'>, auth: false }),
  confirmPasswordReset: (token: string, new_password: string) =>
    api<void>('POST', '/auth/password-reset/confirm', {
      body: { token, new_password } satisfies BodyOf<'authPasswordResetConfirm'>,
      auth: false,
    }),
  /** The caller's data as a ZIP (a few per hour: 429 beyond). */
  exportData: () => apiBlob('/auth/me/export'),
  /** Erases the caller's account (confirmed with the current password). */
  deleteMe: (password: string) => api<unknown>('DELETE', '/auth/me', { body: { password } satisfies BodyOf<'authMeDelete'> }),
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
  /** The resident's dispute of a collected pickup, within 48 h (→ failed; points reversed). */
  notCollected: (id: string, reason: string) =>
    http.post<PickupRequest>(`/requests/${enc(id)}/not-collected`, { reason } satisfies BodyOf<'requestsNotCollected'>),
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
  ledger: (q: QueryOf<'rewardsLedger'>, signal?: AbortSignal) => http.get<LedgerPage>('/rewards/ledger', q as Query, signal),
};

export const staffApi = {
  list: (q: QueryOf<'staffRequestsList'>, signal?: AbortSignal) => http.get<StaffRequestPage>('/staff/requests', q as Query, signal),
  get: (id: string, signal?: AbortSignal) => http.get<StaffRequest>(`/staff/requests/${enc(id)}`, undefined, signal),
  transition: (id: string, body: BodyOf<'staffRequestsTransition'>) =>
    http.post<StaffRequest>(`/staff/requests/${enc(id)}/transition`, body),
  addNote: (id: string, note: string) =>
    http.post<StaffRequest>(`/staff/requests/${enc(id)}/notes`, { note } satisfies BodyOf<'staffRequestsNote'>),
  slots: (date: string, signal?: AbortSignal) => http.get<StaffSlot[]>('/staff/slots', { date } satisfies QueryOf<'staffSlots'>, signal),
  report: (q: QueryOf<'staffReportsSummary'>, signal?: AbortSignal) =>
    http.get<ReportSummary>('/staff/reports/summary', q as Query, signal),
  /** The requests of the board's filters as CSV (streamed by the server). */
  exportCsv: (q: QueryOf<'staffRequestsCsv'>) => apiBlob('/staff/requests.csv', q as Query),
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
  apiKeys: (signal?: AbortSignal) => http.get<ApiKeyList>('/admin/api-keys', undefined, signal),
  issueApiKey: (body: BodyOf<'adminApiKeysCreate'>) => http.post<IssuedApiKey>('/admin/api-keys', body),
  revokeApiKey: (id: string) => api<unknown>('DELETE', `/admin/api-keys/${enc(id)}`),
  eraseUser: (id: string, reason: string) =>
    api<unknown>('DELETE', `/admin/users/${enc(id)}`, { body: { reason } satisfies BodyOf<'adminUsersErase'> }),
  audit: (q: QueryOf<'adminAuditList'>, signal?: AbortSignal) => http.get<AuditPage>('/admin/audit', q as Query, signal),
};

/** Crews, assignment, My route and the route sheet (issue 17). */
export const crewsApi = {
  list: () => http.get<CrewList>('/staff/crews'),
  create: (body: CrewBody) => http.post<Crew>('/admin/crews', body),
  update: (id: string, body: CrewBody) => http.patch<Crew>(`/admin/crews/${enc(id)}`, body),
  assign: (id: string, crew_id: string | null) =>
    http.post<StaffRequest>(`/staff/requests/${enc(id)}/assign`, { crew_id } satisfies BodyOf<'staffRequestsAssign'>),
  assignBulk: (body: BodyOf<'staffAssignBulk'>) => http.post<AnswerOf<'staffAssignBulk'>>('/staff/assign', body),
  myRoute: (date?: string, signal?: AbortSignal) => http.get<MyRoute>('/staff/my-route', { date }, signal),
  routeSheet: (date: string, crew?: string, signal?: AbortSignal) => http.get<RouteSheet>('/staff/route-sheet', { date, crew }, signal),
};
