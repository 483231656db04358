/* The wire shape of a pickup request (request_json.h), from the domain's struct. */
#include "api/request_json.h"

#include <stdlib.h>
#include <string.h>

#include "domain/upload_links.h"
#include "api/wire.h"
#include "infra/jsonx.h"
#include "infra/timeutil.h"

static json_object *slot_json(const struct req_slot *s)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "start", wire_time(true, s->start));
	json_object_object_add(o, "end", wire_time(true, s->end));
	return o;
}

/* Relative upload paths as fresh signed links; `skip_failed`: a path without a link is
 * left out (else out of memory aborts, as a link is only NULL then). */
static json_object *links(const char *const *paths, size_t n, bool skip_failed)
{
	json_object *arr = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		char *url = upload_link_url(paths[i]);
		if (!url && skip_failed)
			continue;
		if (!url)
			abort();
		json_object_array_add(arr, json_object_new_string(url));
		free(url);
	}
	return arr;
}

static json_object *address_json(const struct pickup_request *r)
{
	if (!r->has_address)
		return NULL;
	const struct req_address *a = &r->address;
	json_object *o = json_object_new_object();
	json_object_object_add(o, "line1", wire_str(a->line1));
	json_object_object_add(o, "line2", wire_str(a->line2));
	json_object_object_add(o, "city", wire_str(a->city));
	json_object_object_add(o, "pincode", wire_str(a->pincode));
	json_object_object_add(o, "lat", a->has_lat ? json_object_new_double(a->lat) : NULL);
	json_object_object_add(o, "lng", a->has_lng ? json_object_new_double(a->lng) : NULL);
	return o;
}

/* `data` of a timeline entry: its proof photos (relative paths) as links. */
static json_object *event_data(json_object *data)
{
	json_object *paths = json_object_object_get(data, "proof_photos");
	if (!paths || !json_object_is_type(paths, json_type_array))
		return json_object_get(data);
	json_object *o = json_object_new_object();
	json_object_object_foreach(data, k, v)
	{
		if (v != paths) {
			json_object_object_add(o, k, json_object_get(v));
			continue;
		}
		size_t n = json_object_array_length(paths);
		const char **p = calloc(n + 1, sizeof(*p));
		size_t m = 0;
		if (!p)
			abort();
		for (size_t j = 0; j < n; j++)
			if ((p[m] = json_object_get_string(json_object_array_get_idx(paths, j))))
				m++;
		json_object_object_add(o, k, links(p, m, true));
		free(p);
	}
	return o;
}

/* One timeline entry: events store their actor as {id, role}; clients written for the
 * original service render `by` as text, so the wire shape is `by` (the user id) and
 * `by_role` (after the entry's own fields). The domain's tree is shared, not changed. */
static json_object *event_json(json_object *e)
{
	if (!json_object_is_type(e, json_type_object))
		return json_object_get(e);
	json_object *o = json_object_new_object(), *by_role = NULL;
	bool flat = false;
	json_object_object_foreach(e, k, v)
	{
		if (strcmp(k, "by") == 0 && json_object_is_type(v, json_type_object)) {
			const char *id = jsonx_str(v, "id"), *role = jsonx_str(v, "role");
			json_object_object_add(o, k, id && *id ? json_object_new_string(id) : NULL);
			by_role = role && *role ? json_object_new_string(role) : NULL;
			flat = true;
		} else if (strcmp(k, "data") == 0 && json_object_is_type(v, json_type_object)) {
			json_object_object_add(o, k, event_data(v));
		} else {
			json_object_object_add(o, k, json_object_get(v));
		}
	}
	if (flat)
		json_object_object_add(o, "by_role", by_role);
	return o;
}

static json_object *events_json(json_object *events)
{
	json_object *arr = json_object_new_array();
	if (!events || !json_object_is_type(events, json_type_array))
		return arr;
	for (size_t i = 0; i < json_object_array_length(events); i++)
		json_object_array_add(arr, event_json(json_object_array_get_idx(events, i)));
	return arr;
}

static json_object *preferred_json(const struct pickup_request *r)
{
	json_object *arr = json_object_new_array();
	for (size_t i = 0; i < r->n_preferred_slots; i++)
		json_object_array_add(arr, slot_json(&r->preferred_slots[i]));
	return arr;
}

json_object *api_request_json(const struct pickup_request *r)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "id", wire_oid(true, &r->id));
	json_object_object_add(o, "user_id", wire_oid(r->has_user, &r->user_id));
	json_object_object_add(o, "category", wire_str(r->category));
	json_object_object_add(o, "is_special",
			       r->has_is_special ? json_object_new_boolean(r->is_special) : NULL);
	json_object_object_add(o, "description", wire_str(r->description));
	json_object_object_add(o, "quantity",
			       r->has_quantity ? json_object_new_double(r->quantity) : NULL);
	json_object_object_add(o, "photos", links(r->photos, r->n_photos, false));
	json_object_object_add(o, "address", address_json(r));
	json_object_object_add(o, "preferred_slots", preferred_json(r));
	json_object_object_add(o, "assigned_slot",
			       r->has_assigned_slot ? slot_json(&r->assigned_slot) : NULL);
	json_object_object_add(
	    o, "status",
	    r->status < RS_COUNT ? json_object_new_string(requests_status_name(r->status)) : NULL);
	json_object_object_add(o, "crew_id", wire_oid(r->has_crew, &r->crew_id));
	json_object_object_add(o, "version",
			       r->has_version ? json_object_new_int64(r->version) : NULL);
	json_object_object_add(o, "events", events_json(r->events));
	json_object_object_add(o, "reward_points", json_object_new_int64(r->reward_points));
	json_object_object_add(o, "created_at", wire_time(r->has_created_at, r->created_at));
	json_object_object_add(o, "updated_at", wire_time(r->has_updated_at, r->updated_at));
	json_object_object_add(o, "change_deadline",
			       wire_time(r->change_deadline >= 0, r->change_deadline));
	json_object_object_add(o, "weight_kg",
			       r->has_weight ? json_object_new_double(r->weight_kg) : NULL);
	json_object_object_add(o, "proof_photos", links(r->proof_photos, r->n_proof_photos, false));
	return o;
}
