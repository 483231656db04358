/* The one route table of the service: method, pattern, handler, role, auth scheme, body
 * policy, query keys (http/router.h). The first match wins (so "/x/{id}.json" goes before
 * "/x/{id}"); the router enforces auth, the transport the body policy, before a handler. */
#include "api/api.h"

#define Q(...) ((const char *const[]){__VA_ARGS__, NULL})
#define PAGED  "skip", "limit"

const struct route api_routes[] = {
    {"GET", "/api/health", api_health, ROLE_NONE, AUTH_NONE, BODY_NONE, NULL},
    {"GET", "/api/health/ready", api_health_ready, ROLE_NONE, AUTH_NONE, BODY_NONE, NULL},
    {"GET", "/api/admin/system", api_admin_system, ROLE_ADMIN, AUTH_BEARER, BODY_NONE, NULL},
    /* auth routes: begin */
    {"POST", "/api/auth/register", api_auth_register, ROLE_NONE, AUTH_NONE, BODY_JSON, NULL},
    {"POST", "/api/auth/login", api_auth_login, ROLE_NONE, AUTH_NONE, BODY_JSON, NULL},
    {"GET", "/api/auth/me", api_auth_me, ROLE_CITIZEN, AUTH_BEARER, BODY_NONE, NULL},
    {"PATCH", "/api/auth/me", api_auth_me_patch, ROLE_CITIZEN, AUTH_BEARER, BODY_JSON, NULL},
    {"POST", "/api/auth/password", api_auth_password, ROLE_CITIZEN, AUTH_BEARER, BODY_JSON, NULL},
    {"POST", "/api/auth/logout", api_auth_logout, ROLE_CITIZEN, AUTH_BEARER, BODY_NONE, NULL},
    {"GET", "/api/admin/users", api_admin_users_list, ROLE_ADMIN, AUTH_BEARER, BODY_NONE,
     Q("q", "role", PAGED)},
    {"PATCH", "/api/admin/users/{id}", api_admin_users_patch, ROLE_ADMIN, AUTH_BEARER, BODY_JSON,
     NULL},
    /* auth routes: end */
    /* requests routes: begin */
    {"POST", "/api/requests", api_requests_create, ROLE_CITIZEN, AUTH_BEARER, BODY_JSON, NULL},
    {"GET", "/api/requests", api_requests_list, ROLE_CITIZEN, AUTH_BEARER, BODY_NONE,
     Q("status", "category", PAGED)},
    {"GET", "/api/requests/{id}", api_requests_get, ROLE_CITIZEN, AUTH_BEARER, BODY_NONE, NULL},
    {"PATCH", "/api/requests/{id}", api_requests_update, ROLE_CITIZEN, AUTH_BEARER, BODY_JSON,
     NULL},
    {"POST", "/api/requests/{id}/submit", api_requests_submit, ROLE_CITIZEN, AUTH_BEARER, BODY_NONE,
     NULL},
    /* the reason is optional: an empty body is an empty object */
    {"POST", "/api/requests/{id}/cancel", api_requests_cancel, ROLE_CITIZEN, AUTH_BEARER, BODY_JSON,
     NULL},
    {"POST", "/api/requests/{id}/confirm-slot", api_requests_confirm_slot, ROLE_CITIZEN,
     AUTH_BEARER, BODY_JSON, NULL},
    /* waitlist routes: begin */
    {"POST", "/api/requests/{id}/waitlist", api_waitlist_join, ROLE_CITIZEN, AUTH_BEARER, BODY_JSON,
     NULL},
    {"DELETE", "/api/requests/{id}/waitlist", api_waitlist_leave, ROLE_CITIZEN, AUTH_BEARER,
     BODY_JSON, NULL},
    {"POST", "/api/requests/{id}/accept-offer", api_waitlist_accept, ROLE_CITIZEN, AUTH_BEARER,
     BODY_NONE, NULL},
    {"POST", "/api/requests/{id}/decline-offer", api_waitlist_decline, ROLE_CITIZEN, AUTH_BEARER,
     BODY_NONE, NULL},
    /* waitlist routes: end */
    {"GET", "/api/staff/requests", api_staff_requests_list, ROLE_STAFF, AUTH_BEARER, BODY_NONE,
     Q("status", "category", "date", "q", PAGED)},
    {"GET", "/api/staff/requests/{id}", api_staff_requests_get, ROLE_STAFF, AUTH_BEARER, BODY_NONE,
     NULL},
    {"POST", "/api/staff/requests/{id}/transition", api_staff_requests_transition, ROLE_STAFF,
     AUTH_BEARER, BODY_JSON, NULL},
    {"POST", "/api/staff/requests/{id}/notes", api_staff_requests_note, ROLE_STAFF, AUTH_BEARER,
     BODY_JSON, NULL},
    {"GET", "/api/rewards/summary", api_rewards_summary, ROLE_CITIZEN, AUTH_BEARER, BODY_NONE,
     NULL},
    /* requests routes: end */
    /* slots routes: begin */
    {"GET", "/api/slots/available", api_slots_available, ROLE_CITIZEN, AUTH_BEARER, BODY_NONE,
     Q("date", "category", "include_full")},
    {"GET", "/api/staff/slots", api_staff_slots, ROLE_STAFF, AUTH_BEARER, BODY_NONE, Q("date")},
    {"GET", "/api/admin/slot-templates", api_admin_slot_templates_get, ROLE_ADMIN, AUTH_BEARER,
     BODY_NONE, NULL},
    {"PUT", "/api/admin/slot-templates", api_admin_slot_templates_put, ROLE_ADMIN, AUTH_BEARER,
     BODY_JSON, NULL},
    {"GET", "/api/admin/slot-overrides", api_admin_slot_overrides_list, ROLE_ADMIN, AUTH_BEARER,
     BODY_NONE, NULL},
    {"POST", "/api/admin/slot-overrides", api_admin_slot_overrides_create, ROLE_ADMIN, AUTH_BEARER,
     BODY_JSON, NULL},
    {"DELETE", "/api/admin/slot-overrides/{id}", api_admin_slot_overrides_delete, ROLE_ADMIN,
     AUTH_BEARER, BODY_NONE, NULL},
    /* slots routes: end */
    /* uploads routes: begin */
    {"POST", "/api/files/upload", api_files_upload, ROLE_CITIZEN, AUTH_BEARER, BODY_MULTIPART,
     NULL},
    /* nginx only, after its secure_link check (STORAGE_BACKEND=s3) */
    {"GET", "/api/internal/upload-object", api_internal_upload_object, ROLE_NONE, AUTH_INTERNAL,
     BODY_NONE, Q("path")},
    /* uploads routes: end */
    /* notify routes: begin */
    {"GET", "/api/notifications", api_notifications_list, ROLE_CITIZEN, AUTH_BEARER, BODY_NONE,
     Q("limit", "unread", "before")},
    {"GET", "/api/notifications/unread-count", api_notifications_unread_count, ROLE_CITIZEN,
     AUTH_BEARER, BODY_NONE, NULL},
    {"POST", "/api/notifications/read-all", api_notifications_read_all, ROLE_CITIZEN, AUTH_BEARER,
     BODY_NONE, NULL},
    {"POST", "/api/notifications/{id}/read", api_notifications_read, ROLE_CITIZEN, AUTH_BEARER,
     BODY_NONE, NULL},
    /* nginx auth_request only (token and ticket in HTTP_X_SWMRA_TOKEN/_TICKET params) */
    {"GET", "/api/internal/ws-auth", api_internal_ws_auth, ROLE_NONE, AUTH_INTERNAL, BODY_NONE,
     NULL},
    /* nginx's internal metrics listener only (its /metrics also sets SWMRA_METRICS_LISTENER) */
    {"GET", "/api/internal/metrics", api_internal_metrics, ROLE_NONE, AUTH_INTERNAL, BODY_NONE,
     NULL},
    {"POST", "/api/ws/ticket", api_ws_ticket, ROLE_CITIZEN, AUTH_BEARER, BODY_NONE, NULL},
    {"GET", "/api/push/vapid-public-key", api_push_vapid_key, ROLE_NONE, AUTH_NONE, BODY_NONE,
     NULL},
    {"POST", "/api/push/subscriptions", api_push_subscribe, ROLE_CITIZEN, AUTH_BEARER, BODY_JSON,
     NULL},
    {"DELETE", "/api/push/subscriptions", api_push_unsubscribe, ROLE_CITIZEN, AUTH_BEARER,
     BODY_JSON, NULL},
    /* notify routes: end */
};

const size_t api_routes_count = sizeof(api_routes) / sizeof(api_routes[0]);
