/* The day's stops for crews (issue 17): GET /api/staff/my-route (the stops of the crews the
 * caller belongs to, for the phone page) and GET /api/staff/route-sheet (every crew's,
 * grouped by crew and slot; &format=csv for a spreadsheet or a printer). A stop is the
 * request as staff see it, plus where to go (a geo: URI and an OpenStreetMap link), whom
 * to call and the stages it can move to next. Reads: the crews (a small collection, whole),
 * the day's requests, their residents: three store commands, whatever the day holds. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/api.h"
#include "api/request_json.h"
#include "domain/crews.h"
#include "domain/requests.h"
#include "domain/route_sheet.h"
#include "domain/users.h"
#include "infra/cleanup.h"
#include "infra/csv.h"
#include "infra/strbuf.h"
#include "infra/timeutil.h"

CLEANUP_DEFINE(crew_array, struct crew, free)

static void put_stops(void *p)
{
	route_stops_free(p);
}

/* The day's residents of `s`, in order: users[i] of stop i (id "" when unknown). */
struct residents {
	struct user *u; /* distinct users */
	size_t *of;	/* stop -> index into u, or SIZE_MAX */
	size_t n;
};

static void put_residents(void *p)
{
	struct residents *r = p;
	for (size_t i = 0; i < r->n; i++)
		users_clear(&r->u[i]);
	free(r->u);
	free(r->of);
}

static bool load_residents(struct arena *a, const struct stops *s, struct residents *r,
			   struct derr *err)
{
	memset(r, 0, sizeof(*r));
	if (s->n == 0)
		return true;
	struct oid *ids = calloc(s->n, sizeof(*ids));
	r->of = calloc(s->n, sizeof(*r->of));
	r->u = calloc(s->n, sizeof(*r->u));
	if (!ids || !r->of || !r->u)
		abort();
	size_t distinct = 0;
	for (size_t i = 0; i < s->n; i++) {
		const struct pickup_request *q = &s->v[i].req;
		r->of[i] = SIZE_MAX;
		if (!q->has_user)
			continue;
		size_t k = 0;
		while (k < distinct && !oid_equal(&ids[k], &q->user_id))
			k++;
		if (k == distinct)
			ids[distinct++] = q->user_id;
		r->of[i] = k;
	}
	bool ok = users_get_many(ids, distinct, r->u, err) == USERS_OK;
	free(ids);
	if (ok)
		r->n = distinct;
	arena_defer(a, put_residents, r);
	return ok;
}

static const struct user *resident_of(const struct residents *r, size_t i)
{
	return r->of && r->of[i] < r->n && r->u[r->of[i]].id[0] ? &r->u[r->of[i]] : NULL;
}

static const char *or_empty(const char *s)
{
	return s ? s : "";
}

/* The address of a request as one line ("12 MG Road, Flat 3, Pune 411001"). */
static void address_line(const struct req_address *a, char *out, size_t len)
{
	const char *line2 = or_empty(a->line2);
	snprintf(out, len, "%s%s%s, %s %s", or_empty(a->line1), *line2 ? ", " : "", line2,
		 or_empty(a->city), or_empty(a->pincode));
}

/* {geo, osm}: a geo: URI (RFC 5870) and an OpenStreetMap link at lat/lng, or, without
 * coordinates, a geo: query and an OpenStreetMap search for the address. */
static json_object *map_json(const struct req_address *a)
{
	char geo[600], osm[600], addr[400];
	if (a->has_lat && a->has_lng) {
		double lat = a->lat, lng = a->lng;
		snprintf(geo, sizeof(geo), "geo:%.6f,%.6f", lat, lng);
		snprintf(osm, sizeof(osm),
			 "https://www.openstreetmap.org/?mlat=%.6f&mlon=%.6f#map=18/%.6f/%.6f", lat,
			 lng, lat, lng);
	} else {
		address_line(a, addr, sizeof(addr));
		char *q = curl_easy_escape(NULL, addr, 0);
		if (!q)
			abort();
		snprintf(geo, sizeof(geo), "geo:0,0?q=%s", q);
		snprintf(osm, sizeof(osm), "https://www.openstreetmap.org/search?query=%s", q);
		curl_free(q);
	}
	json_object *o = json_object_new_object();
	json_object_object_add(o, "geo", json_object_new_string(geo));
	json_object_object_add(o, "osm", json_object_new_string(osm));
	return o;
}

/* The staff notes of a stored request (its timeline's NOTE events), oldest first. */
static json_object *notes_json(const struct pickup_request *r)
{
	json_object *arr = json_object_new_array();
	for (size_t i = 0; i < r->n_notes; i++)
		json_object_array_add(arr, json_object_new_string(r->notes[i]));
	return arr;
}

static json_object *crew_ref(const struct crew *c)
{
	if (!c)
		return NULL;
	json_object *o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_string(c->id));
	json_object_object_add(o, "name", json_object_new_string(c->name));
	return o;
}

/* One stop: the request's fields a crew needs, where, whom, and what next. */
static json_object *stop_json(const struct stop *s, const struct user *u, const struct crew *c,
			      enum req_actor actor)
{
	json_object *r = api_request_json(&s->req), *o = json_object_new_object();
	static const char *const keep[] = {"id",       "version",	"status",      "category",
					   "quantity", "is_special",	"description", "photos",
					   "address",  "assigned_slot", NULL};
	for (int i = 0; keep[i]; i++) {
		json_object *v = json_object_object_get(r, keep[i]);
		json_object_object_add(o, strcmp(keep[i], "assigned_slot") ? keep[i] : "slot",
				       json_object_get(v));
	}
	json_object_put(r);
	json_object_object_add(o, "notes", notes_json(&s->req));
	json_object_object_add(o, "map", map_json(&s->req.address));
	json_object_object_add(o, "crew", crew_ref(c));
	json_object_object_add(o, "resident_name",
			       u && u->name ? json_object_new_string(u->name) : NULL);
	json_object_object_add(o, "phone", u && u->phone ? json_object_new_string(u->phone) : NULL);
	enum req_status to[RS_COUNT];
	enum req_status from = s->req.status;
	size_t n = from >= RS_COUNT ? 0 : requests_allowed_targets(from, actor, to);
	json_object *next = json_object_new_array();
	for (size_t i = 0; i < n; i++)
		json_object_array_add(next, json_object_new_string(requests_status_name(to[i])));
	json_object_object_add(o, "next", next);
	return o;
}

static enum req_actor actor_of(const struct http_request *req)
{
	return req->user.role == ROLE_ADMIN ? REQ_ACTOR_ADMIN : REQ_ACTOR_STAFF;
}

/* ?date= (default today in SERVICE_TZ) into the query's day and `date`. */
static bool query_day(struct http_request *req, struct verrors *e, char date[11],
		      struct day_query *q)
{
	const char *raw = http_query(req, "date");
	if (!raw || !*raw)
		route_today(date);
	else
		snprintf(date, 11, "%s", raw);
	if (strlen(raw ? raw : date) != 10 || !route_day_bounds(date, &q->day_start, &q->day_end)) {
		verr_add(e, "query.date", "Input should be a date YYYY-MM-DD", "date_parsing");
		return false;
	}
	return true;
}

/* The crews (whole, by name) and the day's stops of `q`, with their residents. 0 or the
 * status of the answer already set. */
static int load_day(struct http_request *req, struct http_response *res, const struct day_query *q,
		    struct crew **crews, size_t *n_crews, struct stops *s, struct residents *r)
{
	struct derr err;
	if (crews && crews_list(crews, n_crews, &err) != CREWS_OK)
		return api_derr(res, &err);
	if (crews)
		arena_defer_crew_array(req->arena, *crews);
	if (!route_stops_load(q, s, &err))
		return api_derr(res, &err);
	arena_defer(req->arena, put_stops, s);
	if (!load_residents(req->arena, s, r, &err))
		return api_derr(res, &err);
	return 0;
}

int api_staff_my_route(struct http_request *req, struct http_response *res)
{
	struct verrors *e = http_verrors(req);
	char date[11];
	struct day_query *q = arena_alloc(req->arena, sizeof(*q));
	memset(q, 0, sizeof(*q));
	if (!query_day(req, e, date, q))
		return http_validation(res, e);
	/* the caller's active crews, from the whole (small) list: the same read the names
	 * need, so no second query by member */
	struct crew *crews = NULL;
	size_t n_crews = 0;
	struct derr err;
	if (crews_list(&crews, &n_crews, &err) != CREWS_OK)
		return api_derr(res, &err);
	arena_defer_crew_array(req->arena, crews);
	struct oid me, *mine = arena_alloc(req->arena, (n_crews + 1) * sizeof(*mine));
	memset(&me, 0, sizeof(me));
	oid_parse(req->user.id, &me);
	json_object *crews_out = json_object_new_array();
	q->by_crew = true;
	q->crews = mine;
	for (size_t i = 0; i < n_crews; i++)
		if (crews[i].active && crews_has_member(&crews[i], &me)) {
			oid_parse(crews[i].id, &mine[q->n_crews++]);
			json_object_array_add(crews_out, crew_ref(&crews[i]));
		}
	struct stops *s = arena_alloc(req->arena, sizeof(*s));
	struct residents *r = arena_alloc(req->arena, sizeof(*r));
	int st = load_day(req, res, q, NULL, NULL, s, r);
	if (st) {
		json_object_put(crews_out);
		return st;
	}
	json_object *stops = json_object_new_array();
	for (size_t i = 0; i < s->n; i++)
		json_object_array_add(
		    stops, stop_json(&s->v[i], resident_of(r, i),
				     s->v[i].req.has_crew
					 ? crews_find(crews, n_crews, &s->v[i].req.crew_id)
					 : NULL,
				     actor_of(req)));
	json_object *o = json_object_new_object();
	json_object_object_add(o, "date", json_object_new_string(date));
	json_object_object_add(o, "crews", crews_out);
	json_object_object_add(o, "stops", stops);
	return http_json(res, 200, o);
}

/* ------------------------------------------------------------------ the route sheet */

/* Whether stop `s` belongs to crew `c` (NULL: the unassigned, or a crew id that names none). */
static bool in_group(const struct stop *s, const struct crew *c, const struct crew *list, size_t n)
{
	if (c)
		return s->req.has_crew && oid_equal(&c->oid, &s->req.crew_id);
	return !s->req.has_crew || !crews_find(list, n, &s->req.crew_id);
}

/* {crew, slots: [{start, end, stops}]} of crew `c` (NULL: unassigned); NULL when empty. */
static json_object *group_json(const struct stops *s, const struct residents *r,
			       const struct crew *c, const struct crew *list, size_t n,
			       enum req_actor actor)
{
	json_object *slots = json_object_new_array(), *cur = NULL;
	int64_t cur_start = -1;
	char ts[TIME_RFC3339_LEN];
	for (size_t i = 0; i < s->n; i++) {
		if (!in_group(&s->v[i], c, list, n))
			continue;
		if (!cur || s->v[i].slot_start != cur_start) {
			json_object *slot = json_object_new_object();
			time_format_rfc3339(s->v[i].slot_start, ts);
			json_object_object_add(slot, "start", json_object_new_string(ts));
			time_format_rfc3339(s->v[i].slot_end, ts);
			json_object_object_add(slot, "end", json_object_new_string(ts));
			cur = json_object_new_array();
			json_object_object_add(slot, "stops", cur);
			json_object_array_add(slots, slot);
			cur_start = s->v[i].slot_start;
		}
		json_object_array_add(cur, stop_json(&s->v[i], resident_of(r, i), c, actor));
	}
	if (json_object_array_length(slots) == 0) {
		json_object_put(slots);
		return NULL;
	}
	json_object *g = json_object_new_object();
	json_object_object_add(g, "crew", crew_ref(c));
	json_object_object_add(g, "slots", slots);
	return g;
}

/* "09:00" of an instant in SERVICE_TZ (the sheet is read by people on the ground). */
static void local_hm(int64_t ms, char out[6])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	localtime_r(&t, &tm);
	strftime(out, 6, "%H:%M", &tm);
}

static void csv_row(struct strbuf *b, const struct stop *s, const struct user *u,
		    const struct crew *c)
{
	const struct pickup_request *r = &s->req;
	const struct req_address *a = &r->address;
	char hm1[6], hm2[6], slot[16], ts[TIME_RFC3339_LEN], hex[OID_HEX_LEN];
	local_hm(s->slot_start, hm1);
	local_hm(s->slot_end, hm2);
	snprintf(slot, sizeof(slot), "%s-%s", hm1, hm2);
	time_format_rfc3339(s->slot_start, ts);
	oid_to_hex(&r->id, hex);
	csv_cell(b, c ? c->name : "", true);
	csv_cell(b, slot, false);
	csv_cell(b, ts, false);
	csv_cell(b, hex, false);
	csv_cell(b, r->status < RS_COUNT ? requests_status_name(r->status) : NULL, false);
	csv_cell(b, r->category, false);
	csv_number(b, r->quantity, r->has_quantity, false);
	csv_cell(b, a->line1, false);
	csv_cell(b, a->line2, false);
	csv_cell(b, a->city, false);
	csv_cell(b, a->pincode, false);
	csv_number(b, a->lat, a->has_lat, false);
	csv_number(b, a->lng, a->has_lng, false);
	csv_cell(b, u ? u->name : NULL, false);
	csv_cell(b, u ? u->phone : NULL, false);
	csv_cell(b, r->description, false);
	csv_end_row(b);
}

static int answer_csv(struct http_response *res, const char *date, const struct stops *s,
		      const struct residents *r, const struct crew *list, size_t n,
		      const struct crew *only)
{
	struct strbuf b = {0};
	static const char *const head[] = {
	    "crew",	"slot",		 "slot_start",	  "request_id",	 "status",  "category",
	    "quantity", "address_line1", "address_line2", "city",	 "pincode", "lat",
	    "lng",	"resident",	 "phone",	  "description", NULL};
	for (int i = 0; head[i]; i++)
		csv_cell(&b, head[i], i == 0);
	csv_end_row(&b);
	/* the crews in name order, then the unassigned: the JSON's groups, flattened */
	for (size_t g = 0; g <= n; g++) {
		const struct crew *c = g < n ? &list[g] : NULL;
		if (only && c != only)
			continue;
		for (size_t i = 0; i < s->n; i++)
			if (in_group(&s->v[i], c, list, n))
				csv_row(&b, &s->v[i], resident_of(r, i), c);
	}
	char *body = strbuf_take(&b);
	if (!body)
		abort();
	char disp[80];
	snprintf(disp, sizeof(disp), "attachment; filename=\"route-sheet-%s.csv\"", date);
	http_header(res, "Content-Disposition", disp);
	int st = http_raw(res, 200, "text/csv; charset=utf-8", body, strlen(body));
	free(body);
	return st;
}

int api_staff_route_sheet(struct http_request *req, struct http_response *res)
{
	struct verrors *e = http_verrors(req);
	char date[11];
	struct day_query *q = arena_alloc(req->arena, sizeof(*q));
	memset(q, 0, sizeof(*q));
	query_day(req, e, date, q);
	static const char *const formats[] = {"json", "csv", NULL};
	const char *format = NULL, *crew = http_query(req, "crew");
	v_query_enum(e, http_query(req, "format"), "format", formats, &format);
	struct oid *crew_id = arena_alloc(req->arena, sizeof(*crew_id));
	if (crew && !oid_parse(crew, crew_id))
		verr_add(e, "query.crew", "Input should be a 24-character hexadecimal crew id",
			 "value_error");
	if (verr_any(e))
		return http_validation(res, e);
	if (crew) {
		q->by_crew = true;
		q->crews = crew_id;
		q->n_crews = 1;
	}
	struct crew *list = NULL;
	size_t n = 0;
	struct stops *s = arena_alloc(req->arena, sizeof(*s));
	struct residents *r = arena_alloc(req->arena, sizeof(*r));
	int st = load_day(req, res, q, &list, &n, s, r);
	if (st)
		return st;
	const struct crew *only = crew ? crews_find(list, n, crew_id) : NULL;
	if (crew && !only)
		return http_error(res, 404, "Crew not found");
	if (format && strcmp(format, "csv") == 0)
		return answer_csv(res, date, s, r, list, n, only);
	json_object *groups = json_object_new_array();
	for (size_t g = 0; g <= n; g++) {
		const struct crew *c = g < n ? &list[g] : NULL;
		if (only && c != only)
			continue;
		json_object *j = group_json(s, r, c, list, n, actor_of(req));
		if (j)
			json_object_array_add(groups, j);
	}
	json_object *o = json_object_new_object();
	json_object_object_add(o, "date", json_object_new_string(date));
	json_object_object_add(o, "total", json_object_new_int64((int64_t)s->n));
	json_object_object_add(o, "groups", groups);
	return http_json(res, 200, o);
}
