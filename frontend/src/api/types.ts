export type Role = 'citizen' | 'staff' | 'admin';

export interface NotificationPrefs {
  email: boolean;
  sms: boolean;
  inapp: boolean;
}

export interface User {
  id: string;
  name: string;
  email: string;
  phone: string;
  role: Role;
  disabled?: boolean;
  prefs?: NotificationPrefs;
  created_at?: string;
}

export interface TokenResponse {
  access_token: string;
  token_type: string;
  user: User;
}

export const CATEGORIES = ['organic', 'recyclable', 'hazardous', 'e-waste', 'bulk', 'other'] as const;
export type Category = (typeof CATEGORIES)[number];

export const STATUSES = [
  'draft',
  'submitted',
  'pending_review',
  'scheduled',
  'enroute',
  'onsite',
  'collecting',
  'collected',
  'handover',
  'verification',
  'completed',
  'failed',
  'cancelled',
] as const;
export type Status = (typeof STATUSES)[number];

export interface Address {
  line1: string;
  line2?: string | null;
  city: string;
  pincode: string;
  lat?: number | null;
  lng?: number | null;
}

export interface SlotRange {
  start: string;
  end: string;
}

/** Who made a change: the user id as a string, with `by_role` beside it (some servers
 * sent `{id, role}` in `by`). */
export type EventActor = { id: string; role?: Role | string } | string | null;

export interface RequestEvent {
  type: string;
  at: string;
  by?: EventActor;
  by_role?: Role | string | null;
  data?: Record<string, unknown> | null;
}

export interface PickupRequest {
  id: string;
  user_id: string;
  category: Category;
  is_special: boolean;
  description: string;
  quantity: number;
  photos: string[];
  address: Address;
  preferred_slots: SlotRange[];
  assigned_slot: SlotRange | null;
  status: Status;
  events?: RequestEvent[];
  reward_points: number;
  created_at: string;
  updated_at: string;
  allowed_transitions?: Status[];
  user?: { id?: string; name?: string; email?: string; phone?: string } | null;
}

export interface Page<T> {
  items: T[];
  total: number;
  skip: number;
  limit: number;
}

export interface AvailableSlot {
  start: string;
  end: string;
  capacity: number;
  remaining: number;
}

export interface StaffSlot {
  start: string;
  end: string;
  capacity_class: string;
  capacity: number;
  booked: number;
  requests: { id: string; category: Category; status: Status }[];
}

export interface AppNotification {
  id: string;
  user_id?: string;
  channel?: string;
  event?: string;
  title: string;
  body: string;
  meta?: Record<string, unknown> | null;
  status?: string;
  read?: boolean;
  created_at: string;
  sent_at?: string | null;
}

export interface RewardEntry {
  id: string;
  points: number;
  reason: string;
  request_id?: string | null;
  created_at: string;
}

export interface RewardsSummary {
  total_points: number;
  recent: RewardEntry[];
}

export interface WeeklyWindow {
  weekday: number;
  start: string;
  end: string;
}

export interface SlotTemplates {
  timezone: string;
  slot_minutes: number;
  capacity: { standard: number; special: number };
  weekly: WeeklyWindow[];
  closed_dates: string[];
}

/** A capacity change or closure for local dates `from`..`to` (inclusive, YYYY-MM-DD). */
export interface SlotOverride {
  id?: string;
  from: string;
  to: string;
  capacity_class?: 'standard' | 'special' | null;
  capacity?: number | null;
  closed?: boolean;
  created_at?: string;
}

export interface UploadResult {
  url: string;
  path: string;
}

export interface NewRequestBody {
  category: Category;
  is_special: boolean;
  description: string;
  quantity: number;
  address: Address;
  preferred_slots: SlotRange[];
  photos: string[];
}
