/* The wire shape of a notification (docs/openapi.yaml, "Notification"), from the domain's
 * struct: the one builder of GET /api/notifications, POST .../read, the data export and the
 * live publish (which reaches it through notify_live_shape, set in src/modules.c). */
#include "api/api.h"
#include "domain/notify.h"
#include "api/wire.h"
#include "infra/timeutil.h"

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
	json_object_object_add(o, "id", wire_oid(true, &n->id));
	json_object_object_add(o, "user_id", wire_oid(n->has_user, &n->user_id));
	json_object_object_add(o, "channel", wire_str(n->channel));
	json_object_object_add(o, "event", wire_str(n->event));
	json_object_object_add(o, "title", wire_str(n->title));
	json_object_object_add(o, "body", wire_str(n->body));
	json_object_object_add(o, "meta", meta_json(n));
	json_object_object_add(o, "status", wire_str(n->status));
	json_object_object_add(o, "read", json_object_new_boolean(n->read));
	json_object_object_add(o, "created_at", wire_time(n->has_created_at, n->created_at));
	json_object_object_add(o, "sent_at", wire_time(n->has_sent_at, n->sent_at));
	return o;
}
