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
#include "domain/crews.h"
#include "domain/requests.h"
#include "domain/route_sheet.h"
#include "domain/users.h"
#include "infra/cleanup.h"
#include "infra/csv.h"
#include "infra/db.h"
#include "infra/jsonx.h"
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
			   bson_error_t *err)
{
	memset(r, 0, sizeof(*r));
	if (s->n == 0)
		return true;
	bson_oid_t *ids = calloc(s->n, sizeof(*ids));
	r->of = calloc(s->n, sizeof(*r->of));
	r->u = calloc(s->n, sizeof(*r->u));
	if (!ids || !r->of || !r->u)
		abort();
	size_t distinct = 0;
	for (size_t i = 0; i < s->n; i++) {
		bson_iter_t it;
		r->of[i] = SIZE_MAX;
		if (!bson_iter_init_find(&it, s->v[i].doc, "user_id") || !BSON_ITER_HOLDS_OID(&it))
			continue;
		size_t k = 0;
		while (k < distinct && !bson_oid_equal(&ids[k], bson_iter_oid(&it)))
			k++;
		if (k == distinct)
			bson_oid_copy(bson_iter_oid(&it), &ids[distinct++]);
		r->of[i] = k;
	}
	bool ok = users_find_many(ids, distinct, r->u, err) == USERS_OK;
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

/* The address of a request document as one line ("12 MG Road, Flat 3, Pune 411001"). */
static void address_line(const bson_t *doc, char *out, size_t len)
{
	const char *part[4] = {"", "", "", ""};
	static const char *const keys[] = {"address.line1", "address.line2", "address.city",
					   "address.pincode"};
	for (int i = 0; i < 4; i++) {
		bson_iter_t it, sub;
		if (bson_iter_init(&it, doc) && bson_iter_find_descendant(&it, keys[i], &sub) &&
		    BSON_ITER_HOLDS_UTF8(&sub))
			part[i] = bson_iter_utf8(&sub, NULL);
	}
	snprintf(out, len, "%s%s%s, %s %s", part[0], *part[1] ? ", " : "", part[1], part[2],
		 part[3]);
}

static bool coord(const bson_t *doc, const char *path, double *v)
{
	bson_iter_t it, sub;
	if (bson_iter_init(&it, doc) && bson_iter_find_descendant(&it, path, &sub) &&
	    BSON_ITER_HOLDS_NUMBER(&sub)) {
		*v = bson_iter_as_double(&sub);
		return true;
	}
	return false;
}

/* {geo, osm}: a geo: URI (RFC 5870) and an OpenStreetMap link at lat/lng, or, without
 * coordinates, a geo: query and an OpenStreetMap search for the address. */
static json_object *map_json(const bson_t *doc)
{
	char geo[600], osm[600], addr[400];
	double lat, lng;
	if (coord(doc, "address.lat", &lat) && coord(doc, "address.lng", &lng)) {
		snprintf(geo, sizeof(geo), "geo:%.6f,%.6f", lat, lng);
		snprintf(osm, sizeof(osm),
			 "https://www.openstreetmap.org/?mlat=%.6f&mlon=%.6f#map=18/%.6f/%.6f", lat,
			 lng, lat, lng);
	} else {
		address_line(doc, addr, sizeof(addr));
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
static json_object *notes_json(const bson_t *doc)
{
	json_object *arr = json_object_new_array();
	bson_iter_t it, ev;
	if (!bson_iter_init_find(&it, doc, "timeline") || !BSON_ITER_HOLDS_ARRAY(&it) ||
	    !bson_iter_recurse(&it, &ev))
		return arr;
	while (bson_iter_next(&ev)) {
		bson_t e;
		const uint8_t *data;
		uint32_t len;
		if (!BSON_ITER_HOLDS_DOCUMENT(&ev))
			continue;
		bson_iter_document(&ev, &len, &data);
		if (!bson_init_static(&e, data, len))
			continue;
		bson_iter_t t, n;
		if (bson_iter_init_find(&t, &e, "type") && BSON_ITER_HOLDS_UTF8(&t) &&
		    strcmp(bson_iter_utf8(&t, NULL), "NOTE") == 0 && bson_iter_init(&n, &e) &&
		    bson_iter_find_descendant(&n, "data.note", &t) && BSON_ITER_HOLDS_UTF8(&t))
			json_object_array_add(arr,
					      json_object_new_string(bson_iter_utf8(&t, NULL)));
	}
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
	json_object *r = requests_to_json(s->doc), *o = json_object_new_object();
	static const char *const keep[] = {"id",       "version",	"status",      "category",
					   "quantity", "is_special",	"description", "photos",
					   "address",  "assigned_slot", NULL};
	for (int i = 0; keep[i]; i++) {
		json_object *v = json_object_object_get(r, keep[i]);
		json_object_object_add(o, strcmp(keep[i], "assigned_slot") ? keep[i] : "slot",
				       json_object_get(v));
	}
	json_object_put(r);
	json_object_object_add(o, "notes", notes_json(s->doc));
	json_object_object_add(o, "map", map_json(s->doc));
	json_object_object_add(o, "crew", crew_ref(c));
	json_object_object_add(o, "resident_name",
			       u && u->name ? json_object_new_string(u->name) : NULL);
	json_object_object_add(o, "phone", u && u->phone ? json_object_new_string(u->phone) : NULL);
	enum req_status to[RS_COUNT];
	int from = requests_status_parse(jsonx_str(o, "status"));
	size_t n = from < 0 ? 0 : requests_allowed_targets((enum req_status)from, actor, to);
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

/* The crew of stop `s` among list[0..n-1], NULL when it has none there (route_sheet.h
 * still speaks the driver's ids, crews.h struct oid). */
static const struct crew *crew_of_stop(const struct crew *list, size_t n, const struct stop *s)
{
	if (!s->has_crew)
		return NULL;
	struct oid id;
	memcpy(id.bytes, s->crew.bytes, sizeof(id.bytes));
	return crews_find(list, n, &id);
}

/* The crews (whole, by name) and the day's stops of `q`, with their residents. 0 or the
 * status of the answer already set. */
static int load_day(struct http_request *req, struct http_response *res, const struct day_query *q,
		    struct crew **crews, size_t *n_crews, struct stops *s, struct residents *r)
{
	struct derr derr;
	if (crews && crews_list(crews, n_crews, &derr) != CREWS_OK)
		return api_derr(res, &derr);
	bson_error_t err;
	if (crews)
		arena_defer_crew_array(req->arena, *crews);
	if (!route_stops(q, s, &err))
		return http_db_error(res, &err);
	arena_defer(req->arena, put_stops, s);
	if (!load_residents(req->arena, s, r, &err))
		return http_db_error(res, &err);
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
	bson_oid_t *mine = arena_alloc(req->arena, (n_crews + 1) * sizeof(*mine));
	struct oid me = {{0}};
	oid_parse(req->user.id, &me);
	json_object *crews_out = json_object_new_array();
	q->by_crew = true;
	q->crews = mine;
	for (size_t i = 0; i < n_crews; i++)
		for (size_t k = 0; crews[i].active && k < crews[i].n_members; k++)
			if (oid_equal(&crews[i].members[k], &me)) {
				memcpy(mine[q->n_crews++].bytes, crews[i].oid.bytes,
				       sizeof(crews[i].oid.bytes));
				json_object_array_add(crews_out, crew_ref(&crews[i]));
				break;
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
		json_object_array_add(stops, stop_json(&s->v[i], resident_of(r, i),
						       crew_of_stop(crews, n_crews, &s->v[i]),
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
		return crew_of_stop(c, 1, s) != NULL;
	return !crew_of_stop(list, n, s);
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
	json_object *r = requests_to_json(s->doc);
	json_object *addr = json_object_object_get(r, "address");
	char hm1[6], hm2[6], slot[16], ts[TIME_RFC3339_LEN];
	local_hm(s->slot_start, hm1);
	local_hm(s->slot_end, hm2);
	snprintf(slot, sizeof(slot), "%s-%s", hm1, hm2);
	time_format_rfc3339(s->slot_start, ts);
	double lat = 0, lng = 0;
	bool has_lat = coord(s->doc, "address.lat", &lat),
	     has_lng = coord(s->doc, "address.lng", &lng);
	csv_cell(b, c ? c->name : "", true);
	csv_cell(b, slot, false);
	csv_cell(b, ts, false);
	csv_cell(b, jsonx_str(r, "id"), false);
	csv_cell(b, jsonx_str(r, "status"), false);
	csv_cell(b, jsonx_str(r, "category"), false);
	json_object *qv = json_object_object_get(r, "quantity");
	csv_number(b, qv ? json_object_get_double(qv) : 0, qv != NULL, false);
	csv_cell(b, jsonx_str(addr, "line1"), false);
	csv_cell(b, jsonx_str(addr, "line2"), false);
	csv_cell(b, jsonx_str(addr, "city"), false);
	csv_cell(b, jsonx_str(addr, "pincode"), false);
	csv_number(b, lat, has_lat, false);
	csv_number(b, lng, has_lng, false);
	csv_cell(b, u ? u->name : NULL, false);
	csv_cell(b, u ? u->phone : NULL, false);
	csv_cell(b, jsonx_str(r, "description"), false);
	csv_end_row(b);
	json_object_put(r);
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
	bson_oid_t *crew_id = arena_alloc(req->arena, sizeof(*crew_id));
	if (crew && !db_parse_oid(crew, crew_id))
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
	struct oid only_id;
	memcpy(only_id.bytes, crew_id->bytes, sizeof(only_id.bytes));
	const struct crew *only = crew ? crews_find(list, n, &only_id) : NULL;
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
