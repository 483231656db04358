/* Domain results as HTTP answers (results.h): the tables. */
#include "api/results.h"

#include <stdio.h>

#include "domain/derr.h"
#include "infra/config.h"

#define STR_(x) #x
#define STR(x)	STR_(x)

static const struct api_answer internal = API_REFUSE(500, "Internal server error");

static const struct api_answer req_answers[API_REQ_RESULTS] = {
    [REQ_OK] = API_REFUSE(500, "Internal server error"), /* not a refusal */
    [REQ_NOT_FOUND] = API_REFUSE(404, "Request not found"),
    [REQ_INVALID] = API_REFUSE(409, "Invalid transition"),
    [REQ_TOO_LATE] = API_REFUSE(400, "Too late"),
    /* 422, not 409: the staff step (the one route that can omit the slot) names the field;
     * docs/openapi.yaml and tests/e2e expect the validation answer */
    [REQ_SLOT_REQUIRED] = API_INVALID("A slot (slot_start, slot_end) is required: none is assigned",
				      "body.slot_start", "missing"),
    [REQ_SLOT_FULL] = API_REFUSE(409, "Slot is full"),
    [REQ_SLOT_NOT_AVAILABLE] = API_REFUSE(409, "Slot not available"),
    [REQ_CONFLICT] = API_REFUSE(409, REQUEST_CONFLICT_MSG),
    [REQ_DB_ERROR] = API_STORE,
    [REQ_PHOTO_GONE] =
	API_INVALID("Photo no longer exists; upload it again", "body.photos", "upload_gone"),
    [REQ_WEIGHT_REQUIRED] = API_INVALID("weight_kg is required to mark a pickup collected",
					"body.weight_kg", "missing"),
};

static const struct api_answer wl_answers[API_WL_RESULTS] = {
    [WL_OK] = API_REFUSE(500, "Internal server error"), /* not a refusal */
    [WL_NOT_FOUND] = API_REFUSE(404, "Request not found"),
    [WL_INVALID] = API_REFUSE(409, "The request cannot book a slot in its status"),
    [WL_NOT_AVAILABLE] = API_REFUSE(409, "Slot not available"),
    [WL_HAS_ROOM] = API_REFUSE(409, "Slot has free seats: book it instead"),
    [WL_BOOKED_THERE] = API_REFUSE(409, "The request is booked in this slot"),
    [WL_ALREADY] = API_REFUSE(409, "Already on the waitlist of this slot"),
    [WL_LIMIT] =
	API_REFUSE(409, "A request can wait on at most " STR(WAITLIST_MAX_PER_REQUEST) " slots"),
    [WL_NO_OFFER] = API_REFUSE(409, "No offer to answer"),
    [WL_OFFER_GONE] = API_REFUSE(409, "The offer has expired or was answered"),
    [WL_TOO_LATE] = API_REFUSE_HOURS(400, "Too late to reschedule"),
    [WL_CONFLICT] = API_REFUSE(409, REQUEST_CONFLICT_MSG),
    [WL_DB_ERROR] = API_STORE,
};

static const struct api_answer crews_answers[API_CREWS_RESULTS] = {
    [CREWS_OK] = API_REFUSE(500, "Internal server error"), /* not a refusal */
    [CREWS_NOT_FOUND] = API_REFUSE(404, "Crew not found"),
    [CREWS_ERR] = API_STORE,
};

/* The public routes answer "no store client" as an unreachable database. */
#define NO_DATABASE                                                                                \
	{                                                                                          \
		503, "Database unavailable, please retry shortly"                                  \
	}

static const struct api_answer login_answers[] = {
    [AUTH_LOGIN_OK] = API_REFUSE(500, "Internal server error"), /* not a refusal */
    [AUTH_LOGIN_INVALID_CREDENTIALS] = API_REFUSE(401, "Invalid credentials"),
    [AUTH_LOGIN_DISABLED] = API_REFUSE(403, "Account disabled"),
    [AUTH_LOGIN_THROTTLED] = API_REFUSE(429, "Too many failed attempts, try again later"),
    [AUTH_LOGIN_NO_DATABASE] = NO_DATABASE,
    [AUTH_LOGIN_DB_ERROR] = API_STORE,
    [AUTH_LOGIN_INTERNAL] = API_REFUSE(500, "Internal server error"),
};

static const struct api_answer register_answers[] = {
    [AUTH_REGISTER_OK] = API_REFUSE(500, "Internal server error"), /* not a refusal */
    [AUTH_REGISTER_EMAIL_TAKEN] = API_REFUSE(409, "Email already exists"),
    [AUTH_REGISTER_NO_DATABASE] = NO_DATABASE,
    [AUTH_REGISTER_DB_ERROR] = API_STORE,
    [AUTH_REGISTER_INTERNAL] = API_REFUSE(500, "Internal server error"),
};

static const struct api_answer inbox_answers[] = {
    [NOTIFY_INBOX_OK] = API_REFUSE(500, "Internal server error"), /* not a refusal */
    [NOTIFY_INBOX_NOT_FOUND] = API_REFUSE(404, "Notification not found"),
    [NOTIFY_INBOX_DB_ERROR] = API_STORE,
};

int api_derr(struct http_response *res, const struct derr *err)
{
	return http_store_error(res, err->domain, err->code, err->message, err->unavailable);
}

int api_answer(struct http_response *res, const struct api_answer *a, const struct derr *err)
{
	if (a->status == API_STORE_ERROR)
		return err ? api_derr(res, err) : http_error(res, 500, "Internal server error");
	if (a->loc) {
		struct verrors e;
		verr_init(&e);
		verr_add(&e, a->loc, a->detail, a->type);
		return http_validation(res, &e);
	}
	if (a->hours) {
		char msg[160];
		snprintf(msg, sizeof(msg), "%s (<%dh)", a->detail, config_get()->cancel_min_hours);
		return http_error(res, a->status, msg);
	}
	return http_error(res, a->status, a->detail);
}

/* The row of `r`: the route's when it sets one, else the default; out of range: 500. */
static const struct api_answer *row(const struct api_answer *table, const struct api_answer *route,
				    int r, int n)
{
	if (r < 0 || r >= n)
		return &internal;
	if (route && route[r].status)
		return &route[r];
	return &table[r];
}

int api_req_result(struct http_response *res, enum req_result r,
		   const struct api_answer route[API_REQ_RESULTS], const struct derr *err)
{
	return api_answer(res, row(req_answers, route, (int)r, API_REQ_RESULTS), err);
}

int api_wl_result(struct http_response *res, enum wl_result r, const struct derr *err)
{
	return api_answer(res, row(wl_answers, NULL, (int)r, API_WL_RESULTS), err);
}

int api_crews_result(struct http_response *res, enum crews_rc r,
		     const struct api_answer route[API_CREWS_RESULTS], const struct derr *err)
{
	return api_answer(res, row(crews_answers, route, (int)r, API_CREWS_RESULTS), err);
}

int api_login_result(struct http_response *res, enum auth_login_result r, int64_t wait,
		     const struct derr *err)
{
	int n = (int)(sizeof(login_answers) / sizeof(login_answers[0]));
	if (r == AUTH_LOGIN_DB_ERROR)
		return api_derr(res, err);
	if (r == AUTH_LOGIN_THROTTLED) {
		char ra[24];
		snprintf(ra, sizeof(ra), "%lld", (long long)wait);
		http_header(res, "Retry-After", ra);
	}
	return api_answer(res, row(login_answers, NULL, (int)r, n), NULL);
}

int api_register_result(struct http_response *res, enum auth_register_result r,
			const struct derr *err)
{
	int n = (int)(sizeof(register_answers) / sizeof(register_answers[0]));
	if (r == AUTH_REGISTER_DB_ERROR)
		return api_derr(res, err);
	return api_answer(res, row(register_answers, NULL, (int)r, n), NULL);
}

int api_notify_inbox_result(struct http_response *res, enum notify_inbox_rc r,
			    const struct derr *err)
{
	int n = (int)(sizeof(inbox_answers) / sizeof(inbox_answers[0]));
	if (r == NOTIFY_INBOX_DB_ERROR)
		return api_derr(res, err);
	return api_answer(res, row(inbox_answers, NULL, (int)r, n), NULL);
}
