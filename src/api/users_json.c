/* The wire shapes of a user (docs/openapi.yaml), all built here from the domain's struct
 * user: which fields each audience sees is decided in one place. */
#include "api/api.h"
#include "domain/users.h"
#include "infra/timeutil.h"

/* id, name, email, phone: what every shape shows. */
static json_object *contact(const struct user *u)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_string(u->id));
	json_object_object_add(o, "name", json_object_new_string(u->name ? u->name : ""));
	json_object_object_add(o, "email", json_object_new_string(u->email ? u->email : ""));
	json_object_object_add(o, "phone", u->phone ? json_object_new_string(u->phone) : NULL);
	return o;
}

static void add_prefs(json_object *o, const struct user *u)
{
	json_object *p = json_object_new_object();
	json_object_object_add(p, "email", json_object_new_boolean(u->pref_email));
	json_object_object_add(p, "sms", json_object_new_boolean(u->pref_sms));
	json_object_object_add(p, "inapp", json_object_new_boolean(u->pref_inapp));
	json_object_object_add(o, "prefs", p);
}

json_object *api_user_json(const struct user *u)
{
	json_object *o = contact(u);
	json_object_object_add(o, "role", json_object_new_string(u->role));
	json_object_object_add(o, "locale", json_object_new_string(u->locale));
	return o;
}

json_object *api_me_json(const struct user *u)
{
	json_object *o = api_user_json(u);
	add_prefs(o, u);
	return o;
}

json_object *api_admin_user_json(const struct user *u)
{
	char ts[TIME_RFC3339_LEN];
	json_object *o = api_me_json(u);
	json_object_object_add(o, "disabled", json_object_new_boolean(u->disabled));
	time_format_rfc3339(u->created_at, ts);
	json_object_object_add(o, "created_at", json_object_new_string(ts));
	time_format_rfc3339(u->updated_at, ts);
	json_object_object_add(o, "updated_at", json_object_new_string(ts));
	return o;
}

json_object *api_request_owner_json(const struct user *u)
{
	return u->id[0] ? contact(u) : NULL;
}
