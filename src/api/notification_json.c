/* The wire shape of a notification (docs/openapi.yaml, "Notification"), from the domain's
 * struct: the one builder of GET /api/notifications, POST .../read, the data export and the
 * live publish (which reaches it through notify_live_shape, set in src/modules.c). */
#include "api/api.h"
#include "domain/notify.h"
#include "infra/timeutil.h"

static json_object *str_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static json_object *time_or_null(bool has, int64_t ms)
{
	char ts[TIME_RFC3339_LEN];
	if (!has)
		return NULL;
	time_format_rfc3339(ms, ts);
	return json_object_new_string(ts);
}

static json_object *hex_or_null(bool has, const struct oid *id)
{
	char hex[OID_HEX_LEN];
	if (!has)
		return NULL;
	oid_to_hex(id, hex);
	return json_object_new_string(hex);
}

static json_object *meta_json(const struct notification *n)
{
	json_object *o = json_object_new_object();
	for (size_t i = 0; i < n->n_meta; i++) {
		const struct notification_meta *m = &n->meta[i];
		json_object_object_add(o, m->key,
				       m->str ? json_object_new_string(m->str)
					      : json_object_new_int64(m->num));
	}
	return o;
}

json_object *api_notification_json(const struct notification *n)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "id", hex_or_null(true, &n->id));
	json_object_object_add(o, "user_id", hex_or_null(n->has_user, &n->user_id));
	json_object_object_add(o, "channel", str_or_null(n->channel));
	json_object_object_add(o, "event", str_or_null(n->event));
	json_object_object_add(o, "title", str_or_null(n->title));
	json_object_object_add(o, "body", str_or_null(n->body));
	json_object_object_add(o, "meta", meta_json(n));
	json_object_object_add(o, "status", str_or_null(n->status));
	json_object_object_add(o, "read", json_object_new_boolean(n->read));
	json_object_object_add(o, "created_at", time_or_null(n->has_created_at, n->created_at));
	json_object_object_add(o, "sent_at", time_or_null(n->has_sent_at, n->sent_at));
	return o;
}
