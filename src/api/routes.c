/* The one route table of the service. Order matters only for identical patterns; the
 * role column is enforced by the router before a handler runs. */
#include "api/api.h"

const struct route api_routes[] = {
    {"GET", "/api/health", api_health, ROLE_NONE},
    {"GET", "/api/health/ready", api_health_ready, ROLE_NONE},
    {"GET", "/api/admin/system", api_admin_system, ROLE_ADMIN},
    /* auth routes: begin */
    {"POST", "/api/auth/register", api_auth_register, ROLE_NONE},
    {"POST", "/api/auth/login", api_auth_login, ROLE_NONE},
    {"GET", "/api/auth/me", api_auth_me, ROLE_CITIZEN},
    {"PATCH", "/api/auth/me", api_auth_me_patch, ROLE_CITIZEN},
    {"POST", "/api/auth/password", api_auth_password, ROLE_CITIZEN},
    {"POST", "/api/auth/logout", api_auth_logout, ROLE_CITIZEN},
    {"GET", "/api/admin/users", api_admin_users_list, ROLE_ADMIN},
    {"PATCH", "/api/admin/users/{id}", api_admin_users_patch, ROLE_ADMIN},
    /* auth routes: end */
    /* requests routes: begin */
    {"POST", "/api/requests", api_requests_create, ROLE_CITIZEN},
    {"GET", "/api/requests", api_requests_list, ROLE_CITIZEN},
    {"GET", "/api/requests/{id}", api_requests_get, ROLE_CITIZEN},
    {"PATCH", "/api/requests/{id}", api_requests_update, ROLE_CITIZEN},
    {"POST", "/api/requests/{id}/submit", api_requests_submit, ROLE_CITIZEN},
    {"POST", "/api/requests/{id}/cancel", api_requests_cancel, ROLE_CITIZEN},
    {"POST", "/api/requests/{id}/confirm-slot", api_requests_confirm_slot, ROLE_CITIZEN},
    {"GET", "/api/staff/requests", api_staff_requests_list, ROLE_STAFF},
    {"GET", "/api/staff/requests/{id}", api_staff_requests_get, ROLE_STAFF},
    {"POST", "/api/staff/requests/{id}/transition", api_staff_requests_transition, ROLE_STAFF},
    {"POST", "/api/staff/requests/{id}/notes", api_staff_requests_note, ROLE_STAFF},
    {"GET", "/api/rewards/summary", api_rewards_summary, ROLE_CITIZEN},
    /* requests routes: end */
    /* slots routes: begin */
    {"GET", "/api/slots/available", api_slots_available, ROLE_CITIZEN},
    {"GET", "/api/staff/slots", api_staff_slots, ROLE_STAFF},
    {"GET", "/api/admin/slot-templates", api_admin_slot_templates_get, ROLE_ADMIN},
    {"PUT", "/api/admin/slot-templates", api_admin_slot_templates_put, ROLE_ADMIN},
    {"GET", "/api/admin/slot-overrides", api_admin_slot_overrides_list, ROLE_ADMIN},
    {"POST", "/api/admin/slot-overrides", api_admin_slot_overrides_create, ROLE_ADMIN},
    {"DELETE", "/api/admin/slot-overrides/{id}", api_admin_slot_overrides_delete, ROLE_ADMIN},
    /* slots routes: end */
    /* uploads routes: begin */
    {"POST", "/api/files/upload", api_files_upload, ROLE_CITIZEN},
    /* nginx only, after its secure_link check (STORAGE_BACKEND=s3) */
    {"GET", "/api/internal/upload-object", api_internal_upload_object, ROLE_NONE},
    /* uploads routes: end */
    /* notify routes: begin */
    {"GET", "/api/notifications", api_notifications_list, ROLE_CITIZEN},
    {"GET", "/api/notifications/unread-count", api_notifications_unread_count, ROLE_CITIZEN},
    {"POST", "/api/notifications/read-all", api_notifications_read_all, ROLE_CITIZEN},
    {"POST", "/api/notifications/{id}/read", api_notifications_read, ROLE_CITIZEN},
    /* nginx auth_request only: nginx answers 404 for /api/internal/ from outside */
    {"GET", "/api/internal/ws-auth", api_internal_ws_auth, ROLE_NONE},
    /* nginx's internal metrics listener only (its /metrics sets SWMRA_METRICS_LISTENER) */
    {"GET", "/api/internal/metrics", api_internal_metrics, ROLE_NONE},
    {"POST", "/api/ws/ticket", api_ws_ticket, ROLE_CITIZEN},
    {"GET", "/api/push/vapid-public-key", api_push_vapid_key, ROLE_NONE},
    {"POST", "/api/push/subscriptions", api_push_subscribe, ROLE_CITIZEN},
    {"DELETE", "/api/push/subscriptions", api_push_unsubscribe, ROLE_CITIZEN},
    /* notify routes: end */
};

const size_t api_routes_count = sizeof(api_routes) / sizeof(api_routes[0]);
