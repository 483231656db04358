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

/* auth handlers: begin */
/* auth.c */
int api_auth_register(struct http_request *req, struct http_response *res);
int api_auth_login(struct http_request *req, struct http_response *res);
int api_auth_me(struct http_request *req, struct http_response *res);
int api_auth_me_patch(struct http_request *req, struct http_response *res);
int api_auth_password(struct http_request *req, struct http_response *res);
int api_auth_logout(struct http_request *req, struct http_response *res);
/* admin_users.c */
int api_admin_users_list(struct http_request *req, struct http_response *res);
int api_admin_users_patch(struct http_request *req, struct http_response *res);
/* The public shape of a user: {id, name, email, phone, role}, plus prefs (with_prefs)
 * and disabled/created_at/updated_at (admin). Returns a new object (caller owns). */
struct user;
json_object *api_user_json(const struct user *u, bool with_prefs, bool admin);
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
/* waitlist.c (residents, their own requests) */
int api_waitlist_join(struct http_request *req, struct http_response *res);
int api_waitlist_leave(struct http_request *req, struct http_response *res);
int api_waitlist_accept(struct http_request *req, struct http_response *res);
int api_waitlist_decline(struct http_request *req, struct http_response *res);
/* staff_requests.c (staff and admins) */
int api_staff_requests_list(struct http_request *req, struct http_response *res);
int api_staff_requests_get(struct http_request *req, struct http_response *res);
int api_staff_requests_transition(struct http_request *req, struct http_response *res);
int api_staff_requests_note(struct http_request *req, struct http_response *res);
/* rewards.c */
int api_rewards_summary(struct http_request *req, struct http_response *res);
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
/* live tickets (api/live.c) */
int api_ws_ticket(struct http_request *req, struct http_response *res);
/* push.c (web push) */
int api_push_vapid_key(struct http_request *req, struct http_response *res);
int api_push_subscribe(struct http_request *req, struct http_response *res);
int api_push_unsubscribe(struct http_request *req, struct http_response *res);
/* notify handlers: end */

#endif
