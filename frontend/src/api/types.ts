// The web app's names for the API's JSON, all derived from the contract: src/api/schema.d.ts is
// generated from docs/openapi.yaml (`npm run gen:api`; `npm run check:api` fails when it is out
// of date), so a change of the spec that the app does not follow fails `npm run typecheck`.
import type { components, operations } from './schema';

type Schemas = components['schemas'];
type OperationId = keyof operations;

/** The JSON request body of an operation (by its operationId in docs/openapi.yaml). */
export type BodyOf<O extends OperationId> = operations[O] extends {
  requestBody?: { content: { 'application/json': infer B } };
}
  ? B
  : never;

/** The JSON answer of an operation with status S. */
export type AnswerOf<O extends OperationId, S extends number = 200> = operations[O]['responses'] extends {
  [K in S]: { content: { 'application/json': infer A } };
}
  ? A
  : never;

/** The query keys an operation accepts (values as the form has them; the server validates). */
export type QueryOf<O extends OperationId> = {
  [K in keyof NonNullable<operations[O]['parameters']['query']>]?: string | number | boolean;
};

/** true when A and B hold the same members (used to pin the runtime lists below to the spec). */
type SameMembers<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;

export type Role = Schemas['Role'];
export type NotificationPrefs = Schemas['Me']['prefs'];

/** The signed-in account: login and register answer `User`, GET /auth/me adds `prefs`. */
export type User = Schemas['User'] & Partial<Pick<Schemas['Me'], 'prefs'>>;
/** An account as an admin sees it (GET /admin/users). */
export type AdminUser = Schemas['AdminUser'];
export type TokenResponse = Schemas['TokenResponse'];

export type Category = Schemas['Category'];
/** The categories in the order the wizard offers them. */
export const CATEGORIES = ['organic', 'recyclable', 'hazardous', 'e-waste', 'bulk', 'other'] as const satisfies readonly Category[];
export type CategoriesMatchSpec = Assert<SameMembers<(typeof CATEGORIES)[number], Category>>;

export type Status = Schemas['RequestStatus'];
/** The statuses in lifecycle order (filters, the staff board's columns). */
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
] as const satisfies readonly Status[];
export type StatusesMatchSpec = Assert<SameMembers<(typeof STATUSES)[number], Status>>;

export type Address = Schemas['Address'];
export type SlotRange = Schemas['SlotRange'];
/** One timeline entry: `by` is the acting user's id, `by_role` their role. */
export type RequestEvent = Schemas['RequestEvent'];

/** A request as its resident sees it. */
export type PickupRequest = Schemas['PickupRequest'];
/** A request's places in waitlists and its active offer (detail and waitlist answers). */
export type RequestWaitlist = Schemas['RequestWaitlist'];
/** A request on the staff board (with the resident who made it). */
export type StaffRequestItem = Schemas['StaffRequestItem'];
/** A request as staff open it: the resident and the transitions the caller may make. */
export type StaffRequest = Schemas['StaffRequest'];

/** Pages of a list (`?skip=&limit=`). */
export type RequestPage = Schemas['RequestPage'];
export type StaffRequestPage = Schemas['StaffRequestPage'];
export type AdminUserPage = AnswerOf<'adminUsersList'>;
/** GET /admin/system: job health and queue depths. */
export type SystemStatus = AnswerOf<'adminSystem'>;
export type ApiKey = Schemas['ApiKey'];
export type ApiKeyList = AnswerOf<'adminApiKeysList'>;
export type IssuedApiKey = AnswerOf<'adminApiKeysCreate', 201>;
export type AuditEntry = Schemas['AuditEntry'];
export type AuditPage = AnswerOf<'adminAuditList'>;
export type JobHealth = SystemStatus['jobs'][number];
export type QueueDepth = Schemas['QueueDepth'];

export type AvailableSlot = Schemas['AvailableSlot'];
export type StaffSlot = Schemas['StaffSlot'];

export type AppNotification = Schemas['Notification'];

export type RewardsSummary = AnswerOf<'rewardsSummary'>;
export type RewardEntry = RewardsSummary['recent'][number];
/** A page of the points ledger (GET /rewards/ledger), newest first with balance_after. */
export type LedgerPage = AnswerOf<'rewardsLedger'>;
export type LedgerEntry = LedgerPage['items'][number];
/** The staff reports (GET /staff/reports/summary). */
export type ReportSummary = Schemas['ReportSummary'];

/** The weekly slot template on the wire (`timezone` and `closed_dates` may be left out of a PUT). */
export type SlotTemplate = Schemas['SlotTemplate'];
export type WeeklyWindow = SlotTemplate['weekly'][number];
/** The template as the admin page edits it: every field present. */
export type SlotTemplates = SlotTemplate & Required<Pick<SlotTemplate, 'timezone' | 'closed_dates'>>;

/** A capacity change or closure for local dates `from`..`to` (inclusive, YYYY-MM-DD). */
export type SlotOverride = Schemas['SlotOverride'];
export type NewSlotOverride = BodyOf<'slotOverrideCreate'>;

export type UploadResult = AnswerOf<'filesUpload', 201>;

/** A new request as the wizard sends it (`draft` is a separate flag of the create call). */
export type NewRequestBody = Omit<Schemas['RequestCreate'], 'draft'>;
export type RequestPatch = Schemas['RequestPatch'];

/** Crews (issue 17): who collects a day's pickups together. */
export type Crew = Schemas['Crew'];
export type CrewRef = Schemas['CrewRef'];
export type CrewList = Schemas['CrewList'];
export type CrewBody = Schemas['CrewBody'];
/** One stop of a crew's day: the request, where, whom, and the stages it can go to next. */
export type RouteStop = Schemas['RouteStop'];
export type MyRoute = Schemas['MyRoute'];
export type RouteSheet = Schemas['RouteSheet'];
export type RouteSheetGroup = RouteSheet['groups'][number];
