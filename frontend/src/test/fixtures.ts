import type { AdminUser, AppNotification, PickupRequest, StaffRequest, User } from '../api/types';
import { allowedTransitions } from '../lib/status';

export const citizen: User = {
  id: 'u1',
  name: 'Asha Rao',
  email: 'asha@example.com',
  phone: '+91 98765 43210',
  role: 'citizen',
  locale: 'en',
  prefs: { email: true, sms: false, inapp: true },
};
export const staffUser: User = {
  id: 's1',
  name: 'Sam Staff',
  email: 'staff@example.com',
  phone: '0800 123 456',
  role: 'staff',
  locale: 'en',
};
export const adminUser: User = {
  id: 'a1',
  name: 'Ada Admin',
  email: 'admin@example.com',
  phone: '0800 123 457',
  role: 'admin',
  locale: 'en',
};

/** An account as GET /admin/users lists it. */
export function asAdminUser(u: User, over: Partial<AdminUser> = {}): AdminUser {
  return {
    ...u,
    prefs: u.prefs ?? { email: true, sms: false, inapp: true },
    disabled: false,
    created_at: '2025-01-01T10:00:00Z',
    updated_at: '2025-01-01T10:00:00Z',
    ...over,
  };
}

const HOUR = 3_600_000;

export function makeRequest(over: Partial<PickupRequest> = {}): PickupRequest {
  return {
    id: 'r1',
    user_id: 'u1',
    category: 'recyclable',
    is_special: false,
    description: 'Two bags of cardboard',
    quantity: 2,
    photos: [],
    address: { line1: '12 MG Road', city: 'Bengaluru', pincode: '560001' },
    preferred_slots: [],
    assigned_slot: null,
    status: 'submitted',
    events: [
      {
        type: 'STATUS_CHANGE',
        at: '2025-01-01T10:00:00Z',
        by: 'u1',
        by_role: 'citizen',
        data: { from: 'draft', to: 'submitted', reason: null, note: null },
      },
    ],
    reward_points: 0,
    created_at: '2025-01-01T10:00:00Z',
    updated_at: '2025-01-01T10:00:00Z',
    weight_kg: null,
    proof_photos: [],
    ...over,
    // as the server derives it: the slot start less the 24 h rule, while the resident may change it
    change_deadline:
      over.change_deadline !== undefined
        ? over.change_deadline
        : over.assigned_slot && ['draft', 'submitted', 'pending_review', 'scheduled'].includes(over.status ?? 'submitted')
          ? new Date(new Date(over.assigned_slot.start).getTime() - 24 * HOUR).toISOString()
          : null,
  };
}

/** A request as staff get it: with the resident who made it and the transitions they may make. */
export function makeStaffRequest(over: Partial<StaffRequest> = {}): StaffRequest {
  const r = makeRequest(over);
  return {
    ...r,
    allowed_transitions: allowedTransitions(r.status),
    crew: null,
    user: { id: r.user_id, name: citizen.name, email: citizen.email, phone: citizen.phone },
    ...over,
  };
}

/** A slot starting `hours` from now, one hour long. */
export function slotIn(hours: number) {
  const start = new Date(Date.now() + hours * HOUR);
  start.setUTCSeconds(0, 0);
  return { start: start.toISOString(), end: new Date(start.getTime() + HOUR).toISOString() };
}

export function makeNotification(over: Partial<AppNotification> = {}): AppNotification {
  return {
    id: 'n1',
    user_id: 'u1',
    channel: 'inapp',
    event: 'request.submitted',
    title: 'Request submitted',
    body: 'We received your pickup request',
    meta: { request_id: 'r1' },
    status: 'sent',
    read: false,
    created_at: new Date().toISOString(),
    sent_at: null,
    ...over,
  };
}
