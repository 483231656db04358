/* Handlers of the HTTP API, one file per resource; the table in routes.c wires them. */
#ifndef SWMRA_API_H
#define SWMRA_API_H

#include "http/router.h"

extern const struct route api_routes[];
extern const size_t api_routes_count;

/* health.c */
int api_health(struct http_request *req, struct http_response *res);
int api_health_ready(struct http_request *req, struct http_response *res);
/* GET /metrics of the internal listener only (404 anywhere else): Prometheus text. */
int api_internal_metrics(struct http_request *req, struct http_response *res);
/* admin_system.c: GET /api/admin/system, job health and queue depths (admin). */
int api_admin_system(struct http_request *req, struct http_response *res);

/* results.c: domain results as answers */
/* A store failure the domain reports (domain/derr.h): logged, then 503 when the store is
 * unreachable, else 500 (as http_db_error). */
struct derr;
int api_derr(struct http_response *res, const struct derr *err);

/* auth handlers: begin */
/* auth.c */
int api_auth_register(struct http_request *req, struct http_response *res);
int api_auth_login(struct http_request *req, struct http_response *res);
int api_auth_me(struct http_request *req, struct http_response *res);
int api_auth_me_patch(struct http_request *req, struct http_response *res);
int api_auth_password(struct http_request *req, struct http_response *res);
int api_auth_logout(struct http_request *req, struct http_response *res);
/* auth_sessions.c: refresh sessions */
int api_auth_refresh(struct http_request *req, struct http_response *res);
int api_auth_logout_all(struct http_request *req, struct http_response *res);
int api_auth_sessions_list(struct http_request *req, struct http_response *res);
int api_auth_sessions_delete(struct http_request *req, struct http_response *res);
/* password_reset.c */
int api_auth_password_reset(struct http_request *req, struct http_response *res);
int api_auth_password_reset_confirm(struct http_request *req, struct http_response *res);
/* The login answer {access_token, token_type, user} with a token of refresh session `sid`
 * (may be NULL). */
struct user;
int api_token_response(struct http_response *res, int status, const struct user *u,
		       const char *sid);
/* The same with an access token already issued (`token`). */
int api_token_answer(struct http_response *res, int status, const struct user *u,
		     const char *token);
/* Sets the refresh cookie (HttpOnly, SameSite=Strict, Path=/api/auth, Secure outside
 * development) to `token` for max_age seconds; token NULL clears it. */
void api_refresh_cookie(struct http_response *res, const char *token, int64_t max_age);
/* admin_users.c */
int api_admin_users_list(struct http_request *req, struct http_response *res);
int api_admin_users_patch(struct http_request *req, struct http_response *res);
/* account_data.c: the caller's data rights (export, erasure) and the admin's erasure */
int api_auth_me_export(struct http_request *req, struct http_response *res);
int api_auth_me_delete(struct http_request *req, struct http_response *res);
int api_admin_users_erase(struct http_request *req, struct http_response *res);
/* audit.c: GET /api/admin/audit; api_audit() records an action of the caller (staff or
 * admin) after it succeeded. `before`/`after` are consumed (may be NULL); a failure to
 * store the entry is logged, not answered (the action already happened). */
int api_admin_audit_list(struct http_request *req, struct http_response *res);
void api_audit(struct http_request *req, const char *action, const char *target_type,
	       const char *target_id, json_object *before, json_object *after, const char *reason);
/* users_json.c: the wire shapes of a user (docs/openapi.yaml), each a new object (caller
 * owns). User {id, name, email, phone, role, locale}: the login answer's. */
struct user;
json_object *api_user_json(const struct user *u);
/* Me: User and the notification prefs (the caller's own profile). */
json_object *api_me_json(const struct user *u);
/* AdminUser: Me and disabled, created_at, updated_at (the admin's user list). */
json_object *api_admin_user_json(const struct user *u);
/* RequestOwner: the resident of a request as staff see them, {id, name, email, phone}, or
 * NULL (JSON null) when the account does not exist (u->id ""). */
json_object *api_request_owner_json(const struct user *u);
/* auth handlers: end */
/* requests handlers: begin */
/* requests.c (residents, own requests only) */
int api_requests_create(struct http_request *req, struct http_response *res);
int api_requests_list(struct http_request *req, struct http_response *res);
int api_requests_get(struct http_request *req, struct http_response *res);
int api_requests_update(struct http_request *req, struct http_response *res);
int api_requests_submit(struct http_request *req, struct http_response *res);
int api_requests_cancel(struct http_request *req, struct http_response *res);
int api_requests_confirm_slot(struct http_request *req, struct http_response *res);
int api_requests_not_collected(struct http_request *req, struct http_response *res);
/* photo_refs.c: resolves the upload references of the JSON array `arr` (borrowed) to the
 * caller's relative upload paths (arena-owned) into paths[] (*n of them, at most the
 * array's length); bad ones are errors at "<loc>.<i>" in `e`. false on a database error
 * (err set). */
struct derr;
bool api_photo_refs(struct http_request *req, struct verrors *e, json_object *arr, const char *loc,
		    const char **paths, size_t *n, struct derr *err);
/* waitlist.c (residents, their own requests) */
int api_waitlist_join(struct http_request *req, struct http_response *res);
int api_waitlist_leave(struct http_request *req, struct http_response *res);
int api_waitlist_accept(struct http_request *req, struct http_response *res);
int api_waitlist_decline(struct http_request *req, struct http_response *res);
struct wl_view;
/* The waitlist of a request's answer (new object, caller owns): {entries: [{id, slot_start,
 * slot_end, status, position|null, offer_expires_at|null}], offer: {entry_id, slot_start,
 * slot_end, expires_at}|null}. */
json_object *api_waitlist_json(const struct wl_view *v);
/* staff_requests.c (staff and admins) */
int api_staff_requests_list(struct http_request *req, struct http_response *res);
int api_staff_requests_get(struct http_request *req, struct http_response *res);
int api_staff_requests_transition(struct http_request *req, struct http_response *res);
int api_staff_requests_note(struct http_request *req, struct http_response *res);
struct req_query;
/* The filters of the staff list (status, category, date, q; not the paging) into *out,
 * strings arena-owned; errors into `e`. */
void api_staff_query(struct http_request *req, struct verrors *e, struct req_query *out);
/* crews.c (admin: crews; staff: assign) */
int api_admin_crews_list(struct http_request *req, struct http_response *res);
int api_admin_crews_create(struct http_request *req, struct http_response *res);
int api_admin_crews_patch(struct http_request *req, struct http_response *res);
int api_staff_requests_assign(struct http_request *req, struct http_response *res);
int api_staff_assign_bulk(struct http_request *req, struct http_response *res);
struct crew;
/* {id, name, members, active, created_at, updated_at} (new object, caller owns). */
json_object *api_crew_json(const struct crew *c);
/* route_sheet.c (staff: the day's stops) */
int api_staff_my_route(struct http_request *req, struct http_response *res);
int api_staff_route_sheet(struct http_request *req, struct http_response *res);
/* rewards.c */
int api_rewards_summary(struct http_request *req, struct http_response *res);
int api_rewards_ledger(struct http_request *req, struct http_response *res);
/* staff_reports.c */
int api_staff_reports_summary(struct http_request *req, struct http_response *res);
/* staff_export.c */
int api_staff_requests_csv(struct http_request *req, struct http_response *res);
/* requests handlers: end */
/* slots handlers: begin */
/* slots.c */
int api_slots_available(struct http_request *req, struct http_response *res);
int api_staff_slots(struct http_request *req, struct http_response *res);
int api_admin_slot_templates_get(struct http_request *req, struct http_response *res);
int api_admin_slot_templates_put(struct http_request *req, struct http_response *res);
int api_admin_slot_overrides_list(struct http_request *req, struct http_response *res);
int api_admin_slot_overrides_create(struct http_request *req, struct http_response *res);
int api_admin_slot_overrides_delete(struct http_request *req, struct http_response *res);
/* slots handlers: end */
/* uploads handlers: begin */
/* files.c */
int api_files_upload(struct http_request *req, struct http_response *res);
/* upload_object.c */
int api_internal_upload_object(struct http_request *req, struct http_response *res);
/* uploads handlers: end */
/* notify handlers: begin */
/* notifications.c */
int api_notifications_list(struct http_request *req, struct http_response *res);
int api_notifications_unread_count(struct http_request *req, struct http_response *res);
int api_notifications_read(struct http_request *req, struct http_response *res);
int api_notifications_read_all(struct http_request *req, struct http_response *res);
int api_internal_ws_auth(struct http_request *req, struct http_response *res);
/* notification_json.c: the wire shape of a notification, {id, user_id, channel, event,
 * title, body, meta, status, read, created_at, sent_at} (docs/openapi.yaml), a new object
 * (caller owns): the list, the read answer, the data export and the live publish. */
struct notification;
json_object *api_notification_json(const struct notification *n);
/* live tickets (api/live.c) */
int api_ws_ticket(struct http_request *req, struct http_response *res);
/* push.c (web push) */
int api_push_vapid_key(struct http_request *req, struct http_response *res);
int api_push_subscribe(struct http_request *req, struct http_response *res);
int api_push_unsubscribe(struct http_request *req, struct http_response *res);
/* notify handlers: end */
/* open311 handlers: begin */
/* open311.c: GeoReport v2 reads (JSON or XML by the path's suffix) */
int api_open311_discovery(struct http_request *req, struct http_response *res);
int api_open311_services(struct http_request *req, struct http_response *res);
int api_open311_service_definition(struct http_request *req, struct http_response *res);
int api_open311_requests(struct http_request *req, struct http_response *res);
int api_open311_request(struct http_request *req, struct http_response *res);
/* open311_create.c: POST requests (API key) */
int api_open311_create(struct http_request *req, struct http_response *res);
/* open311_write.c: the ROUTE_ERRORS shaper of /open311/ (the spec's error list) */
int api_open311_errors(struct http_request *req, struct http_response *res);
/* admin_api_keys.c */
int api_admin_api_keys_create(struct http_request *req, struct http_response *res);
int api_admin_api_keys_list(struct http_request *req, struct http_response *res);
int api_admin_api_keys_revoke(struct http_request *req, struct http_response *res);
/* open311 handlers: end */

#endif
