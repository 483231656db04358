/* The one route table of the service: method, pattern, handler, role, auth scheme, body
 * policy, query keys (http/router.h). The first match wins (so "/x/{id}.json" goes before
 * "/x/{id}"); the router enforces auth, the transport the body policy, before a handler. */
#include "api/api.h"

#define Q(...) ((const char *const[]){__VA_ARGS__, NULL})
#define PAGED  "skip", "limit"
/* Open311: the optional jurisdiction (one here, ignored) and key, and the search filters */
#define O311_JURISDICTION "jurisdiction_id", "api_key"
#define O311_SEARCH	  "service_request_id", "service_code", "start_date", "end_date", "status"

const struct route api_routes[] = {
    {"GET", "/api/health", api_health, ROLE_NONE, AUTH_NONE, BODY_NONE, NULL},
    {"GET", "/api/health/ready", api_health_ready, ROLE_NONE, AUTH_NONE, BODY_NONE, NULL},
    {"GET", "/api/admin/system", api_admin_system, ROLE_ADMIN, AUTH_BEARER, BODY_NONE, NULL},
    /* auth routes: begin */
    {"POST", "/api/auth/register", api_auth_register, ROLE_NONE, AUTH_NONE, BODY_JSON, NULL},
    {"POST", "/api/auth/login", api_auth_login, ROLE_NONE, AUTH_NONE, BODY_JSON, NULL},
    /* data rights: a streamed ZIP; erasure with the current password */
    {"GET", "/api/auth/me/export", api_auth_me_export, ROLE_CITIZEN, AUTH_BEARER, BODY_NONE, NULL},
    {"DELETE", "/api/auth/me", api_auth_me_delete, ROLE_CITIZEN, AUTH_BEARER, BODY_JSON, NULL},
    {"GET", "/api/auth/me", api_auth_me, ROLE_CITIZEN, AUTH_BEARER, BODY_NONE, NULL},
    {"PATCH", "/api/auth/me", api_auth_me_patch, ROLE_CITIZEN, AUTH_BEARER, BODY_JSON, NULL},
    {"POST", "/api/auth/password", api_auth_password, ROLE_CITIZEN, AUTH_BEARER, BODY_JSON, NULL},
    {"POST", "/api/auth/logout", api_auth_logout, ROLE_CITIZEN, AUTH_BEARER, BODY_NONE, NULL},
    /* the refresh cookie is the credential (SWMRA_REFRESH_COOKIE), no bearer token */
    {"POST", "/api/auth/refresh", api_auth_refresh, ROLE_NONE, AUTH_NONE, BODY_NONE, NULL},
    {"POST", "/api/auth/logout-all", api_auth_logout_all, ROLE_CITIZEN, AUTH_BEARER, BODY_NONE,
     NULL},
    {"GET", "/api/auth/sessions", api_auth_sessions_list, ROLE_CITIZEN, AUTH_BEARER, BODY_NONE,
     NULL},
    {"DELETE", "/api/auth/sessions/{id}", api_auth_sessions_delete, ROLE_CITIZEN, AUTH_BEARER,
     BODY_NONE, NULL},
    {"POST", "/api/auth/password-reset", api_auth_password_reset, ROLE_NONE, AUTH_NONE, BODY_JSON,
     NULL},
    {"POST", "/api/auth/password-reset/confirm", api_auth_password_reset_confirm, ROLE_NONE,
     AUTH_NONE, BODY_JSON, NULL},
    {"GET", "/api/admin/users", api_admin_users_list, ROLE_ADMIN, AUTH_BEARER, BODY_NONE,
     Q("q", "role", PAGED)},
    {"PATCH", "/api/admin/users/{id}", api_admin_users_patch, ROLE_ADMIN, AUTH_BEARER, BODY_JSON,
     NULL},
    {"DELETE", "/api/admin/users/{id}", api_admin_users_erase, ROLE_ADMIN, AUTH_BEARER, BODY_JSON,
     NULL},
    {"GET", "/api/admin/audit", api_admin_audit_list, ROLE_ADMIN, AUTH_BEARER, BODY_NONE,
     Q("actor", "target", "from", "to", PAGED)},
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
    {"POST", "/api/requests/{id}/not-collected", api_requests_not_collected, ROLE_CITIZEN,
     AUTH_BEARER, BODY_JSON, NULL},
    /* before /api/staff/requests/{id}: a literal suffix after a parameter is matched too */
    {"GET", "/api/staff/requests.csv", api_staff_requests_csv, ROLE_STAFF, AUTH_BEARER, BODY_NONE,
     Q("status", "category", "date", "q", "pincode", "crew")},
    {"GET", "/api/staff/reports/summary", api_staff_reports_summary, ROLE_STAFF, AUTH_BEARER,
     BODY_NONE, Q("from", "to")},
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
     Q("status", "category", "date", "q", "pincode", "crew", PAGED)},
    {"GET", "/api/staff/requests/{id}", api_staff_requests_get, ROLE_STAFF, AUTH_BEARER, BODY_NONE,
     NULL},
    {"POST", "/api/staff/requests/{id}/transition", api_staff_requests_transition, ROLE_STAFF,
     AUTH_BEARER, BODY_JSON, NULL},
    {"POST", "/api/staff/requests/{id}/notes", api_staff_requests_note, ROLE_STAFF, AUTH_BEARER,
     BODY_JSON, NULL},
    /* crews (issue 17) */
    {"GET", "/api/admin/crews", api_admin_crews_list, ROLE_ADMIN, AUTH_BEARER, BODY_NONE, NULL},
    {"POST", "/api/admin/crews", api_admin_crews_create, ROLE_ADMIN, AUTH_BEARER, BODY_JSON, NULL},
    {"PATCH", "/api/admin/crews/{id}", api_admin_crews_patch, ROLE_ADMIN, AUTH_BEARER, BODY_JSON,
     NULL},
    /* staff pick a crew to assign: the same list */
    {"GET", "/api/staff/crews", api_admin_crews_list, ROLE_STAFF, AUTH_BEARER, BODY_NONE, NULL},
    {"POST", "/api/staff/requests/{id}/assign", api_staff_requests_assign, ROLE_STAFF, AUTH_BEARER,
     BODY_JSON, NULL},
    {"POST", "/api/staff/assign", api_staff_assign_bulk, ROLE_STAFF, AUTH_BEARER, BODY_JSON, NULL},
    {"GET", "/api/staff/my-route", api_staff_my_route, ROLE_STAFF, AUTH_BEARER, BODY_NONE,
     Q("date")},
    {"GET", "/api/staff/route-sheet", api_staff_route_sheet, ROLE_STAFF, AUTH_BEARER, BODY_NONE,
     Q("date", "crew", "format")},
    {"GET", "/api/rewards/summary", api_rewards_summary, ROLE_CITIZEN, AUTH_BEARER, BODY_NONE,
     NULL},
    {"GET", "/api/rewards/ledger", api_rewards_ledger, ROLE_CITIZEN, AUTH_BEARER, BODY_NONE,
     Q(PAGED)},
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
    /* open311 routes: begin */
    /* GeoReport v2: every error under /open311/ is the spec's list, JSON or XML */
    {ROUTE_ERRORS, "/open311/", api_open311_errors, ROLE_NONE, AUTH_NONE, BODY_NONE, NULL},
    {"GET", "/open311/v2/discovery.json", api_open311_discovery, ROLE_NONE, AUTH_NONE, BODY_NONE,
     NULL},
    {"GET", "/open311/v2/discovery.xml", api_open311_discovery, ROLE_NONE, AUTH_NONE, BODY_NONE,
     NULL},
    {"GET", "/open311/v2/services.json", api_open311_services, ROLE_NONE, AUTH_NONE, BODY_NONE,
     Q(O311_JURISDICTION)},
    {"GET", "/open311/v2/services.xml", api_open311_services, ROLE_NONE, AUTH_NONE, BODY_NONE,
     Q(O311_JURISDICTION)},
    {"GET", "/open311/v2/services/{code}.json", api_open311_service_definition, ROLE_NONE,
     AUTH_NONE, BODY_NONE, Q(O311_JURISDICTION)},
    {"GET", "/open311/v2/services/{code}.xml", api_open311_service_definition, ROLE_NONE, AUTH_NONE,
     BODY_NONE, Q(O311_JURISDICTION)},
    {"POST", "/open311/v2/requests.json", api_open311_create, ROLE_NONE, AUTH_API_KEY, BODY_FORM,
     NULL},
    {"POST", "/open311/v2/requests.xml", api_open311_create, ROLE_NONE, AUTH_API_KEY, BODY_FORM,
     NULL},
    {"GET", "/open311/v2/requests.json", api_open311_requests, ROLE_NONE, AUTH_API_KEY_OPTIONAL,
     BODY_NONE, Q(O311_JURISDICTION, O311_SEARCH)},
    {"GET", "/open311/v2/requests.xml", api_open311_requests, ROLE_NONE, AUTH_API_KEY_OPTIONAL,
     BODY_NONE, Q(O311_JURISDICTION, O311_SEARCH)},
    {"GET", "/open311/v2/requests/{id}.json", api_open311_request, ROLE_NONE, AUTH_API_KEY_OPTIONAL,
     BODY_NONE, Q(O311_JURISDICTION)},
    {"GET", "/open311/v2/requests/{id}.xml", api_open311_request, ROLE_NONE, AUTH_API_KEY_OPTIONAL,
     BODY_NONE, Q(O311_JURISDICTION)},
    {"GET", "/api/admin/api-keys", api_admin_api_keys_list, ROLE_ADMIN, AUTH_BEARER, BODY_NONE,
     NULL},
    {"POST", "/api/admin/api-keys", api_admin_api_keys_create, ROLE_ADMIN, AUTH_BEARER, BODY_JSON,
     NULL},
    {"DELETE", "/api/admin/api-keys/{id}", api_admin_api_keys_revoke, ROLE_ADMIN, AUTH_BEARER,
     BODY_NONE, NULL},
    /* open311 routes: end */
};

const size_t api_routes_count = sizeof(api_routes) / sizeof(api_routes[0]);
