/* Slots: availability for residents, the staff calendar, and the admin template and
 * capacity overrides. The maths and the seats live in src/domain/slots.c. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/read_cache.h"
#include "domain/audit.h"
#include "domain/categories.h"
#include "domain/slots.h"
#include "domain/waitlist.h"
#include "infra/config.h"
#include "infra/jsonx.h"
#include "infra/log.h"
#include "infra/timeutil.h"

static const char *const class_enum[] = {"standard", "special", NULL};

/* 422 from the collected errors; http_validation leaves an empty list behind to free. */
static int validation(struct http_response *res, struct verrors *e)
{
	int st = http_validation(res, e);
	verr_free(e);
	return st;
}

static json_object *time_json(int64_t ms)
{
	char b[TIME_RFC3339_LEN];
	time_format_rfc3339(ms, b);
	return json_object_new_string(b);
}

/* "date" query parameter: 422 when missing (added to e), 400 when malformed or impossible.
 * Returns 0 when parsed or missing (e decides), else the status already set on res. */
static int query_date(struct http_request *req, struct http_response *res, struct verrors *e,
		      int *y, int *m, int *d, bool *present)
{
	const char *raw = http_query(req, "date");
	*present = raw != NULL;
	if (!raw) {
		verr_add(e, "query.date", "Field required", "missing");
		return 0;
	}
	if (!time_parse_date(raw, y, m, d))
		return http_error(res, 400, "Invalid date format");
	return 0;
}

int api_slots_available(struct http_request *req, struct http_response *res)
{
	struct verrors e;
	verr_init(&e);
	const char *category = NULL;
	const char *raw_cat = http_query(req, "category");
	if (!raw_cat)
		verr_add(&e, "query.category", "Field required", "missing");
	else
		v_query_enum(&e, raw_cat, "category", categories_names, &category);
	if (!http_query(req, "date"))
		verr_add(&e, "query.date", "Field required", "missing");
	/* include_full=true: full slots too (remaining 0), for joining their waitlist */
	static const char *const bools[] = {"true", "false", NULL};
	const char *full = NULL;
	v_query_enum(&e, http_query(req, "include_full"), "include_full", bools, &full);
	if (verr_any(&e))
		return validation(res, &e);
	verr_free(&e);
	int y, m, d;
	if (!time_parse_date(http_query(req, "date"), &y, &m, &d))
		return http_error(res, 400, "Invalid date format");

	/* the same answer for every caller while no seat or setting changed (read_cache.h):
	 * one lookup of the seat map's mark instead of decoding the day's claims */
	struct read_cache_probe probe;
	if (read_cache_serve_slots(req, res, &probe))
		return res->status;
	struct slot_info *slots = arena_alloc(req->arena, sizeof(*slots) * SLOTS_MAX_PER_DAY);
	struct derr err;
	int n = slots_available_ex(category, y, m, d, slots, SLOTS_MAX_PER_DAY,
				   full && strcmp(full, "true") == 0, &err);
	if (n == -1)
		return api_derr(res, &err);
	probe.until = slots_available_until(slots, n, time_now_ms(),
					    (int64_t)config_get()->slot_lead_hours * 3600 * 1000);
	json_object *arr = json_object_new_array();
	for (int i = 0; i < n; i++) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "start", time_json(slots[i].start_ms));
		json_object_object_add(o, "end", time_json(slots[i].end_ms));
		json_object_object_add(o, "capacity", json_object_new_int(slots[i].capacity));
		json_object_object_add(o, "remaining", json_object_new_int(slots[i].remaining));
		json_object_array_add(arr, o);
	}
	http_json(res, 200, arr);
	read_cache_store(&probe, res);
	return res->status;
}

int api_staff_slots(struct http_request *req, struct http_response *res)
{
	struct verrors e;
	verr_init(&e);
	int y, m, d;
	bool present;
	int st = query_date(req, res, &e, &y, &m, &d, &present);
	if (st) {
		verr_free(&e);
		return st;
	}
	if (verr_any(&e))
		return validation(res, &e);
	verr_free(&e);

	struct slot_calendar cal;
	struct derr err;
	if (!slots_calendar(y, m, d, &cal, &err))
		return api_derr(res, &err);
	json_object *arr = json_object_new_array();
	for (int i = 0; i < cal.n; i++) {
		const struct slot_calendar_entry *en = &cal.entries[i];
		json_object *o = json_object_new_object();
		json_object_object_add(o, "start", time_json(en->slot.start_ms));
		json_object_object_add(o, "end", time_json(en->slot.end_ms));
		json_object_object_add(o, "capacity_class",
				       json_object_new_string(slots_class_name(en->slot.cls)));
		json_object_object_add(o, "capacity", json_object_new_int(en->slot.capacity));
		json_object_object_add(o, "booked", json_object_new_int(en->slot.booked));
		json_object_object_add(o, "remaining", json_object_new_int(en->slot.remaining));
		json_object_object_add(o, "closed", json_object_new_boolean(en->slot.closed));
		json_object *reqs = json_object_new_array();
		for (int j = 0; j < en->nrequests; j++) {
			json_object *r = json_object_new_object();
			json_object_object_add(r, "id", json_object_new_string(en->requests[j].id));
			json_object_object_add(r, "category",
					       json_object_new_string(en->requests[j].category));
			json_object_object_add(r, "status",
					       json_object_new_string(en->requests[j].status));
			json_object_array_add(reqs, r);
		}
		json_object_object_add(o, "requests", reqs);
		json_object_array_add(arr, o);
	}
	slots_calendar_free(&cal);
	return http_json(res, 200, arr);
}

int api_admin_slot_templates_get(struct http_request *req, struct http_response *res)
{
	(void)req;
	struct slot_template *t = arena_alloc(req->arena, sizeof(*t));
	struct derr err;
	if (!slots_template_load(t, &err))
		return api_derr(res, &err);
	return http_json(res, 200, slots_template_to_json(t, config_get()->service_tz));
}

/* Capacity may have grown: the lines of full slots get their offers now (a failure is
 * logged and left to swmra-job-waitlist, the change itself is saved). */
static void offer_new_seats(void)
{
	struct derr err;
	if (waitlist_fill_due(time_now_ms(), &err) < 0)
		log_warn("waitlist: offering seats after a capacity change: %s", err.message);
}

int api_admin_slot_templates_put(struct http_request *req, struct http_response *res)
{
	int st;
	json_object *body = http_json_body(req, res, &st);
	if (!body)
		return st;
	struct slot_template *t = arena_alloc(req->arena, sizeof(*t));
	struct verrors e;
	verr_init(&e);
	if (!slots_template_from_json(body, "body", t, &e))
		return validation(res, &e);
	verr_free(&e);
	struct derr err;
	/* the template it replaces, for the audit trail */
	struct slot_template *old = arena_alloc(req->arena, sizeof(*old));
	if (!slots_template_load(old, &err))
		return api_derr(res, &err);
	if (!slots_template_save(t, &err))
		return api_derr(res, &err);
	const char *tz = config_get()->service_tz;
	api_audit(req, AUDIT_SLOT_TEMPLATE, "slot_template", "weekly",
		  slots_template_to_json(old, tz), slots_template_to_json(t, tz), NULL);
	offer_new_seats();
	return http_json(res, 200, slots_template_to_json(t, tz));
}

static json_object *override_json(const struct slot_override *o)
{
	json_object *j = json_object_new_object();
	char b[SLOTS_DATE_LEN];
	json_object_object_add(j, "id", json_object_new_string(o->id));
	slots_day_string(o->from_day, b);
	json_object_object_add(j, "from", json_object_new_string(b));
	slots_day_string(o->to_day, b);
	json_object_object_add(j, "to", json_object_new_string(b));
	json_object_object_add(j, "capacity_class",
			       o->cls >= 0 ? json_object_new_string(slots_class_name(o->cls))
					   : NULL);
	json_object_object_add(j, "capacity",
			       o->capacity >= 0 ? json_object_new_int(o->capacity) : NULL);
	json_object_object_add(j, "closed", json_object_new_boolean(o->closed));
	json_object_object_add(j, "created_at", time_json(o->created_ms));
	return j;
}

/* A body date: valid YYYY-MM-DD or a 422 error at body.<key>. */
static bool body_date(struct verrors *e, json_object *body, const char *key, int64_t *days)
{
	const char *s;
	if (!v_string(e, body, "body", key, true, 1, 10, &s))
		return false;
	int y, m, d;
	if (!time_parse_date(s, &y, &m, &d)) {
		char loc[32];
		snprintf(loc, sizeof(loc), "body.%s", key);
		verr_add(e, loc, "Invalid date format", "value_error");
		return false;
	}
	*days = time_days_from_civil(y, m, d);
	return true;
}

int api_admin_slot_overrides_create(struct http_request *req, struct http_response *res)
{
	int st;
	json_object *body = http_json_body(req, res, &st);
	if (!body)
		return st;
	struct verrors e;
	verr_init(&e);
	static const char *const allowed[] = {"from",	  "to",	    "capacity_class",
					      "capacity", "closed", NULL};
	v_no_extra(&e, body, "body", allowed);
	struct slot_override o;
	memset(&o, 0, sizeof(o));
	o.cls = -1;
	o.capacity = -1;
	bool have_from = body_date(&e, body, "from", &o.from_day);
	bool have_to = body_date(&e, body, "to", &o.to_day);
	const char *cls = NULL;
	if (!jsonx_is_null(body, "capacity_class") &&
	    v_enum(&e, body, "body", "capacity_class", false, class_enum, &cls))
		o.cls = slots_class_parse(cls);
	long cap;
	bool has_cap = !jsonx_is_null(body, "capacity") &&
		       v_int(&e, body, "body", "capacity", false, 0, 1000, &cap);
	if (has_cap)
		o.capacity = (int)cap;
	bool closed = false;
	v_bool(&e, body, "body", "closed", false, &closed);
	o.closed = closed;
	if (have_from && have_to) {
		if (o.to_day < o.from_day)
			verr_add(&e, "body.to", "to must not be before from", "value_error");
		else if (o.to_day - o.from_day + 1 > 366)
			verr_add(&e, "body.to", "The range may span at most 366 days",
				 "value_error");
	}
	if (!verr_any(&e) && !has_cap && !closed)
		verr_add(&e, "body", "Set capacity or closed", "value_error");
	if (verr_any(&e))
		return validation(res, &e);
	verr_free(&e);
	struct derr err;
	if (!slots_override_create(&o, &err))
		return api_derr(res, &err);
	api_audit(req, AUDIT_SLOT_OVERRIDE_ADD, "slot_override", o.id, NULL, override_json(&o),
		  NULL);
	offer_new_seats();
	return http_json(res, 201, override_json(&o));
}

int api_admin_slot_overrides_list(struct http_request *req, struct http_response *res)
{
	(void)req;
	struct slot_override *ov;
	size_t n;
	struct derr err;
	if (!slots_overrides_load(INT32_MIN, INT32_MAX, &ov, &n, &err))
		return api_derr(res, &err);
	json_object *arr = json_object_new_array();
	for (size_t i = 0; i < n; i++)
		json_object_array_add(arr, override_json(&ov[i]));
	free(ov);
	return http_json(res, 200, arr);
}

int api_admin_slot_overrides_delete(struct http_request *req, struct http_response *res)
{
	struct oid oid;
	const char *id = http_param(req, "id");
	if (!id || !oid_parse(id, &oid))
		return http_error(res, 404, "Override not found");
	struct derr err;
	/* the override it removes, for the audit trail (the list is small: admin-made days) */
	struct slot_override *ov = NULL;
	size_t n = 0;
	if (!slots_overrides_load(INT32_MIN, INT32_MAX, &ov, &n, &err))
		return api_derr(res, &err);
	json_object *before = NULL;
	char hex[OID_HEX_LEN];
	oid_to_hex(&oid, hex);
	for (size_t i = 0; i < n && !before; i++)
		if (strcmp(ov[i].id, hex) == 0)
			before = override_json(&ov[i]);
	free(ov);
	int r = slots_override_delete(&oid, &err);
	if (r <= 0) {
		json_object_put(before);
		return r < 0 ? api_derr(res, &err) : http_error(res, 404, "Override not found");
	}
	api_audit(req, AUDIT_SLOT_OVERRIDE_DEL, "slot_override", hex, before, NULL, NULL);
	offer_new_seats(); /* a lowering or closing override gone frees seats */
	return http_raw(res, 204, NULL, "", 0);
}
