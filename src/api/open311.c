/* Open311 GeoReport v2 (wiki.open311.org/GeoReport_v2), the read side: discovery, the
 * service list (one service per waste category), service definitions, and the request
 * search and detail. The create is open311_create.c; the JSON/XML writing open311_write.c.
 *
 * Privacy: a request's personal data (address, position, description, media) is shown
 * only to the key that created it; anyone else, with or without a key, gets its status,
 * times, service and zipcode. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/open311_write.h"
#include "domain/categories.h"
#include "domain/open311.h"
#include "infra/config.h"
#include "infra/timeutil.h"

#define OPEN311_GROUP "Waste pickup"
#define DAY_MS	      86400000LL
#define SERVICE_NOTICE                                                                             \
	"A crew picks up in the assigned slot; the resident gets an email when it is set."

int api_open311_discovery(struct http_request *req, struct http_response *res)
{
	char url[512];
	snprintf(url, sizeof(url), "%s/open311/v2", config_get()->public_base_url);
	json_object *ep = json_object_new_object();
	json_object_object_add(ep, "specification",
			       json_object_new_string("http://wiki.open311.org/GeoReport_v2"));
	json_object_object_add(ep, "url", json_object_new_string(url));
	json_object_object_add(ep, "changeset", json_object_new_string("2026-12-06T00:00:00Z"));
	json_object_object_add(ep, "type", json_object_new_string("production"));
	json_object *formats = json_object_new_array();
	json_object_array_add(formats, json_object_new_string("application/json"));
	json_object_array_add(formats, json_object_new_string("text/xml"));
	json_object_object_add(ep, "formats", formats);
	json_object *eps = json_object_new_array();
	json_object_array_add(eps, ep);
	json_object *d = json_object_new_object();
	json_object_object_add(d, "changeset", json_object_new_string("2026-12-06T00:00:00Z"));
	json_object_object_add(d, "contact", json_object_new_string(config_get()->email_from));
	json_object_object_add(d, "key_service",
			       json_object_new_string("API keys are issued by the city's "
						      "administrators (admin console, API keys)"));
	json_object_object_add(d, "endpoints", eps);
	return open311_send(req, res, 200, d, "discovery", "endpoint");
}

static json_object *service_json(const char *category)
{
	const char *name, *desc;
	open311_service(category, &name, &desc);
	json_object *s = json_object_new_object();
	char kw[96];
	snprintf(kw, sizeof(kw), "waste, pickup, %s", category);
	json_object_object_add(s, "service_code", json_object_new_string(category));
	json_object_object_add(s, "service_name", json_object_new_string(name));
	json_object_object_add(s, "description", json_object_new_string(desc));
	json_object_object_add(s, "metadata", json_object_new_boolean(true));
	json_object_object_add(s, "type", json_object_new_string("realtime"));
	json_object_object_add(s, "keywords", json_object_new_string(kw));
	json_object_object_add(s, "group", json_object_new_string(OPEN311_GROUP));
	return s;
}

int api_open311_services(struct http_request *req, struct http_response *res)
{
	json_object *list = json_object_new_array();
	for (const char *const *c = categories_names; *c; c++)
		json_object_array_add(list, service_json(*c));
	return open311_send(req, res, 200, list, "services", "service");
}

static json_object *attribute(const char *code, const char *datatype, bool required, int order,
			      const char *description, const char *datatype_desc)
{
	json_object *a = json_object_new_object();
	json_object_object_add(a, "variable", json_object_new_boolean(true));
	json_object_object_add(a, "code", json_object_new_string(code));
	json_object_object_add(a, "datatype", json_object_new_string(datatype));
	json_object_object_add(a, "required", json_object_new_boolean(required));
	json_object_object_add(a, "datatype_description", json_object_new_string(datatype_desc));
	json_object_object_add(a, "order", json_object_new_int(order));
	json_object_object_add(a, "description", json_object_new_string(description));
	return a;
}

static json_object *value(const char *key, const char *name)
{
	json_object *v = json_object_new_object();
	json_object_object_add(v, "key", json_object_new_string(key));
	json_object_object_add(v, "name", json_object_new_string(name));
	return v;
}

int api_open311_service_definition(struct http_request *req, struct http_response *res)
{
	const char *code = http_param(req, "code");
	if (!categories_known(code))
		return open311_error(req, res, 404, "service_code not found");
	json_object *attrs = json_object_new_array();
	json_object_array_add(
	    attrs, attribute("quantity", "number", true, 1, "How much is to be picked up",
			     "A number of bags or items, more than 0 and at most 100"));
	json_object *sp = attribute("special_handling", "singlevaluelist", false, 2,
				    "Does it need special handling (sharp, heavy, fragile)?",
				    "true or false (default false)");
	json_object *vals = json_object_new_array();
	json_object_array_add(vals, value("true", "Yes"));
	json_object_array_add(vals, value("false", "No"));
	json_object_object_add(sp, "values", vals);
	json_object_array_add(attrs, sp);
	json_object_array_add(
	    attrs, attribute("preferred_date", "datetime", false, 3, "Preferred pickup date",
			     "A date (YYYY-MM-DD, or a W3C datetime whose local date counts): the "
			     "pickup slots still offered that day become the preferred slots"));
	json_object *d = json_object_new_object();
	json_object_object_add(d, "service_code", json_object_new_string(code));
	json_object_object_add(d, "attributes", attrs);
	return open311_send(req, res, 200, d, "service_definition", "attribute");
}

/* ---- requests ---- */

static json_object *time_json(int64_t ms)
{
	if (ms == OPEN311_NO_TIME)
		return NULL;
	char buf[TIME_RFC3339_LEN];
	time_format_rfc3339(ms, buf);
	return json_object_new_string(buf);
}

static json_object *str_or_null(const char *s)
{
	return s && *s ? json_object_new_string(s) : NULL;
}

/* The personal part of a request, for the key that created it only. */
static void add_private(json_object *o, const struct open311_item *it)
{
	char addr[512];
	const char *l1 = it->address_line1, *city = it->address_city;
	snprintf(addr, sizeof(addr), "%s%s%s", l1 ? l1 : "", city && *city ? ", " : "",
		 city ? city : "");
	json_object_object_add(o, "description", str_or_null(it->description));
	json_object_object_add(o, "address", str_or_null(addr));
	json_object_object_add(o, "lat", it->has_lat ? json_object_new_double(it->lat) : NULL);
	json_object_object_add(o, "long", it->has_lng ? json_object_new_double(it->lng) : NULL);
	json_object_object_add(o, "media_url", str_or_null(it->media_url));
}

static json_object *request_json(const struct open311_item *it, const char *key_id)
{
	json_object *o = json_object_new_object();
	const char *cat = it->category, *name = NULL, *desc;
	open311_service(cat, &name, &desc);
	json_object_object_add(o, "service_request_id", json_object_new_string(it->id));
	json_object_object_add(o, "status", json_object_new_string(open311_status_of(it->status)));
	json_object_object_add(o, "status_notes", str_or_null(it->status_notes));
	json_object_object_add(o, "service_name", str_or_null(name));
	json_object_object_add(o, "service_code", str_or_null(cat));
	json_object_object_add(o, "agency_responsible",
			       json_object_new_string("City waste collection"));
	json_object_object_add(o, "service_notice", json_object_new_string(SERVICE_NOTICE));
	json_object_object_add(o, "requested_datetime", time_json(it->created_at));
	json_object_object_add(o, "updated_datetime", time_json(it->updated_at));
	json_object_object_add(o, "expected_datetime", time_json(it->slot_start));
	json_object_object_add(o, "zipcode", str_or_null(it->pincode));
	if (key_id[0] && strcmp(key_id, it->key_id) == 0)
		add_private(o, it);
	return o;
}

static int answer_items(struct http_request *req, struct http_response *res,
			const struct open311_query *q)
{
	struct open311_item *items;
	size_t n;
	struct derr err;
	int st = open311_need_store(req, res);
	if (st)
		return st;
	if (!open311_search(q, &items, &n, &err))
		return api_derr(res, &err);
	json_object *list = json_object_new_array();
	for (size_t i = 0; i < n; i++)
		json_object_array_add(list, request_json(&items[i], req->api_key_id));
	open311_results_free(items, n);
	return open311_send(req, res, 200, list, "service_requests", "request");
}

int api_open311_request(struct http_request *req, struct http_response *res)
{
	struct oid id;
	if (!oid_parse(http_param(req, "id"), &id))
		return open311_error(req, res, 404, "service_request_id not found");
	struct open311_query q = {.ids = &id, .n_ids = 1, .want_links = req->api_key_id[0]};
	struct open311_item *items;
	size_t n;
	struct derr err;
	int st = open311_need_store(req, res);
	if (st)
		return st;
	if (!open311_search(&q, &items, &n, &err))
		return api_derr(res, &err);
	if (!n) {
		open311_results_free(items, n);
		return open311_error(req, res, 404, "service_request_id not found");
	}
	json_object *list = json_object_new_array();
	json_object_array_add(list, request_json(&items[0], req->api_key_id));
	open311_results_free(items, n);
	return open311_send(req, res, 200, list, "service_requests", "request");
}

/* Splits a comma list into arena strings (empty items dropped); NULL-terminated. */
static const char **split_list(struct http_request *req, const char *s, size_t *n)
{
	size_t cap = 1;
	for (const char *p = s; *p; p++)
		cap += *p == ',';
	const char **out = arena_alloc(req->arena, (cap + 1) * sizeof(*out));
	*n = 0;
	while (*s) {
		size_t len = strcspn(s, ",");
		while (len && (*s == ' ')) {
			s++;
			len--;
		}
		size_t l = len;
		while (l && s[l - 1] == ' ')
			l--;
		if (l)
			out[(*n)++] = arena_strndup(req->arena, s, l);
		s += len;
		if (*s == ',')
			s++;
	}
	out[*n] = NULL;
	return out;
}

/* 0, or the status of the 400 answered for a bad filter. */
static int parse_filters(struct http_request *req, struct http_response *res,
			 struct open311_query *q)
{
	const char *ids = http_query(req, "service_request_id");
	if (ids && *ids) {
		size_t n;
		const char **list = split_list(req, ids, &n);
		if (n == 0 || n > OPEN311_MAX_IDS)
			return open311_error(req, res, 400, "service_request_id: 1 to 100 ids");
		struct oid *oids = arena_alloc(req->arena, n * sizeof(*oids));
		for (size_t i = 0; i < n; i++)
			if (!oid_parse(list[i], &oids[i]))
				return open311_error(req, res, 400,
						     "service_request_id: not a request id");
		q->ids = oids;
		q->n_ids = n;
		return 0; /* the ids override every other filter */
	}
	const char *codes = http_query(req, "service_code");
	if (codes && *codes) {
		size_t n;
		const char **list = split_list(req, codes, &n);
		for (size_t i = 0; i < n; i++)
			if (!categories_known(list[i]))
				return open311_error(req, res, 400,
						     "service_code: unknown service");
		q->categories = n ? list : NULL;
	}
	const char *st = http_query(req, "status");
	if (st && *st) {
		size_t n;
		const char **list = split_list(req, st, &n);
		for (size_t i = 0; i < n; i++) {
			if (strcmp(list[i], "open") == 0)
				q->open_only = true;
			else if (strcmp(list[i], "closed") == 0)
				q->closed_only = true;
			else
				return open311_error(req, res, 400, "status: open or closed");
		}
	}
	const char *from = http_query(req, "start_date"), *to = http_query(req, "end_date");
	int64_t now = time_now_ms();
	q->to_ms = now + 1;
	if (to && *to && !time_parse_rfc3339(to, &q->to_ms))
		return open311_error(req, res, 400,
				     "end_date: a W3C datetime (2026-01-31T00:00:00Z)");
	q->from_ms = q->to_ms - OPEN311_DEFAULT_DAYS * DAY_MS;
	if (from && *from && !time_parse_rfc3339(from, &q->from_ms))
		return open311_error(req, res, 400,
				     "start_date: a W3C datetime (2026-01-01T00:00:00Z)");
	if (from && *from && !(to && *to))
		q->to_ms = q->from_ms + OPEN311_DEFAULT_DAYS * DAY_MS;
	if (q->to_ms <= q->from_ms)
		return open311_error(req, res, 400, "end_date: must be after start_date");
	if (q->to_ms - q->from_ms > OPEN311_DEFAULT_DAYS * DAY_MS)
		return open311_error(req, res, 400, "start_date/end_date: at most 90 days apart");
	return 0;
}

int api_open311_requests(struct http_request *req, struct http_response *res)
{
	struct open311_query q = {.want_links = req->api_key_id[0]};
	int st = parse_filters(req, res, &q);
	if (st)
		return st;
	return answer_items(req, res, &q);
}
