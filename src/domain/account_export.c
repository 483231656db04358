#include "domain/account_export.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/internal/notify_store.h"
#include "domain/internal/requests_store.h"
#include "domain/requests.h"
#include "domain/store.h"
#include "infra/config.h"
#include "infra/db.h"
#include "infra/log.h"
#include "infra/objstore.h"
#include "infra/timeutil.h"

#define CLAIMS	"export_claims"
#define HOUR_MS 3600000LL

enum export_take account_export_take(const char *user_hex, int64_t now_ms, int64_t *retry_after,
				     struct derr *err)
{
	bson_error_t e;
	int64_t hour = now_ms / HOUR_MS;
	int max = config_get()->export_per_hour;
	for (int n = 0; n < max; n++) {
		char id[64];
		snprintf(id, sizeof(id), "%s:%lld:%d", user_hex, (long long)hour, n);
		bson_t *doc = BCON_NEW("_id", BCON_UTF8(id), "user_id", BCON_UTF8(user_hex), "at",
				       BCON_DATE_TIME(now_ms));
		enum db_claim_result r = db_claim(CLAIMS, doc, &e);
		bson_destroy(doc);
		if (r == DB_CLAIM_WON)
			return EXPORT_TAKEN;
		if (r == DB_CLAIM_ERROR) {
			derr_from_store(err, &e);
			return EXPORT_DB_ERROR;
		}
	}
	*retry_after = ((hour + 1) * HOUR_MS - now_ms + 999) / 1000;
	return EXPORT_LIMITED;
}

int64_t account_export_purge(int64_t now_ms, bool dry_run, struct derr *err)
{
	/* a claim counts only in its own clock hour: those of earlier hours are done */
	return store_purge_before(CLAIMS, "at", now_ms / HOUR_MS * HOUR_MS, dry_run, err);
}

/* The JSON file, written piece by piece into the current entry. */
struct out {
	struct zipstream *z;
	const struct export_shapes *shapes;
	bool ok;
};

static void put(struct out *o, const char *s)
{
	if (o->ok && !zipstream_write(o->z, s, strlen(s)))
		o->ok = false;
}

static void put_json(struct out *o, json_object *v)
{
	put(o, v ? json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN) : "null");
	json_object_put(v);
}

/* A stored document as JSON, without the keys in `skip` (NULL-terminated, may be NULL). */
static json_object *doc_json(const bson_t *doc, const char *const *skip)
{
	json_object *o = json_object_new_object();
	bson_iter_t it;
	if (!bson_iter_init(&it, doc))
		return o;
	while (bson_iter_next(&it)) {
		const char *k = bson_iter_key(&it);
		bool skipped = false;
		for (size_t i = 0; skip && skip[i]; i++)
			skipped = skipped || strcmp(k, skip[i]) == 0;
		if (!skipped)
			json_object_object_add(o, strcmp(k, "_id") == 0 ? "id" : k,
					       db_value_to_json(&it));
	}
	return o;
}

/* `"key":[...]` of every document of `coll` matching `q`, each through `conv`. */
static bool put_list(struct out *o, const char *key, const char *coll, const bson_t *q,
		     json_object *(*conv)(const struct out *o, const bson_t *doc),
		     bson_error_t *err)
{
	char head[64];
	if (key[0] == '"') /* a literal head */
		put(o, key);
	else {
		snprintf(head, sizeof(head), ",\"%s\":[", key);
		put(o, head);
	}
	mongoc_cursor_t *cur = mongoc_collection_find_with_opts(db_coll(coll), q, NULL, NULL);
	const bson_t *doc;
	bool first = true;
	while (o->ok && mongoc_cursor_next(cur, &doc)) {
		if (!first)
			put(o, ",");
		first = false;
		put_json(o, conv(o, doc));
	}
	bool ok = !mongoc_cursor_error(cur, err);
	mongoc_cursor_destroy(cur);
	put(o, "]");
	return ok && o->ok;
}

static json_object *plain(const struct out *o, const bson_t *doc)
{
	(void)o;
	static const char *const skip[] = {"owner_id", "user_id", NULL};
	return doc_json(doc, skip);
}

static json_object *upload_json(const struct out *o, const bson_t *doc)
{
	json_object *j = plain(o, doc);
	json_object *p;
	if (json_object_object_get_ex(j, "path", &p) && json_object_is_type(p, json_type_string)) {
		char file[512];
		snprintf(file, sizeof(file), "photos/%s", json_object_get_string(p));
		json_object_object_add(j, "file", json_object_new_string(file));
	}
	return j;
}

/* A notification of any channel as the API shows it. */
static json_object *notification_json(const struct out *o, const bson_t *doc)
{
	struct notification n;
	notify_doc_fill(doc, &n);
	return o->shapes->notification(&n);
}

static bool put_profile(struct out *o, const bson_oid_t *user, bson_error_t *err)
{
	bson_t *q = BCON_NEW("_id", BCON_OID(user));
	mongoc_cursor_t *cur = mongoc_collection_find_with_opts(db_coll("users"), q, NULL, NULL);
	const bson_t *doc;
	static const char *const skip[] = {"password_hash", NULL};
	put(o, ",\"profile\":");
	if (mongoc_cursor_next(cur, &doc))
		put_json(o, doc_json(doc, skip));
	else
		put(o, "null");
	bool ok = !mongoc_cursor_error(cur, err);
	mongoc_cursor_destroy(cur);
	bson_destroy(q);
	return ok && o->ok;
}

/* Each request as the API shows it (rolled forward, with its events), newest first. */
static bool put_requests(struct out *o, const bson_oid_t *user, bson_error_t *err)
{
	bson_t *q = BCON_NEW("user_id", BCON_OID(user));
	bson_t *opts = BCON_NEW("projection", "{", "_id", BCON_INT32(1), "}", "sort", "{",
				"created_at", BCON_INT32(-1), "}");
	mongoc_cursor_t *cur =
	    mongoc_collection_find_with_opts(db_coll("pickup_requests"), q, opts, NULL);
	put(o, ",\"requests\":[");
	const bson_t *doc;
	bson_iter_t it;
	bool first = true, ok = true;
	while (ok && o->ok && mongoc_cursor_next(cur, &doc)) {
		if (!bson_iter_init_find(&it, doc, "_id") || !BSON_ITER_HOLDS_OID(&it))
			continue;
		bson_t *full = requests_load(bson_iter_oid(&it), user, err);
		if (!full) {
			ok = err->code == 0; /* deleted meanwhile (a draft cleanup) */
			continue;
		}
		if (!first)
			put(o, ",");
		first = false;
		struct pickup_request r;
		requests_fill(full, true, REQ_FILL_EVENTS, &r); /* r owns `full` */
		put_json(o, o->shapes->request(&r));
		pickup_request_clear(&r);
	}
	if (ok && mongoc_cursor_error(cur, err))
		ok = false;
	mongoc_cursor_destroy(cur);
	bson_destroy(opts);
	bson_destroy(q);
	put(o, "]");
	return ok && o->ok;
}

static bool put_data_json(struct out *o, const bson_oid_t *user, bson_error_t *err)
{
	char hex[25], ts[TIME_RFC3339_LEN], head[160];
	bson_oid_to_string(user, hex);
	time_format_rfc3339(time_now_ms(), ts);
	snprintf(head, sizeof(head), "{\"format\":\"%s\",\"exported_at\":\"%s\",\"user_id\":\"%s\"",
		 EXPORT_FORMAT, ts, hex);
	put(o, head);
	bson_t *by_user = BCON_NEW("user_id", BCON_OID(user));
	bson_t *by_hex = BCON_NEW("user_id", BCON_UTF8(hex));
	bson_t *by_owner = BCON_NEW("owner_id", BCON_OID(user));
	bool ok = put_profile(o, user, err) && put_requests(o, user, err) &&
		  put_list(o, "notifications", "notifications", by_user, notification_json, err) &&
		  put_list(o, "rewards", "rewards", by_user, plain, err) &&
		  put_list(o, "push_subscriptions", "push_subscriptions", by_user, plain, err);
	if (ok) {
		put(o, ",\"sessions\":{");
		/* revocations are stored under the user id as a string */
		ok = put_list(o, "\"revoked_tokens\":[", "revoked_tokens", by_hex, plain, err);
		put(o, "}");
	}
	ok = ok && put_list(o, "uploads", "uploads", by_owner, upload_json, err);
	put(o, "}\n");
	bson_destroy(by_owner);
	bson_destroy(by_hex);
	bson_destroy(by_user);
	return ok && o->ok;
}

/* photos/<path>: one object in memory at a time; one gone from the store is skipped. */
static bool put_photos(struct zipstream *z, const bson_oid_t *user, bson_error_t *err)
{
	bson_t *q = BCON_NEW("owner_id", BCON_OID(user));
	mongoc_cursor_t *cur = mongoc_collection_find_with_opts(db_coll("uploads"), q, NULL, NULL);
	const bson_t *doc;
	bson_iter_t it;
	bool ok = true;
	enum objstore_backend b = objstore_configured();
	while (ok && mongoc_cursor_next(cur, &doc)) {
		if (!bson_iter_init_find(&it, doc, "path") || !BSON_ITER_HOLDS_UTF8(&it))
			continue;
		const char *path = bson_iter_utf8(&it, NULL);
		uint8_t *data = NULL;
		size_t len = 0;
		enum objstore_result r =
		    objstore_get(b, path, (size_t)config_get()->upload_max_bytes, &data, &len);
		if (r == OBJSTORE_NOT_FOUND)
			continue;
		if (r != OBJSTORE_OK) {
			log_error("export: photo %s could not be read", path);
			ok = false;
			break;
		}
		char name[512];
		snprintf(name, sizeof(name), "photos/%s", path);
		ok = zipstream_entry(z, name, (int64_t)len, time_now_ms() / 1000) &&
		     zipstream_write(z, data, len);
		free(data);
	}
	if (ok && mongoc_cursor_error(cur, err))
		ok = false;
	mongoc_cursor_destroy(cur);
	bson_destroy(q);
	return ok;
}

bool account_export_write(const struct oid *id, const struct export_shapes *shapes,
			  struct zipstream *z, struct derr *err)
{
	bson_oid_t user;
	bson_error_t e = {0};
	oid_to_store(id, &user);
	memset(err, 0, sizeof(*err));
	struct out o = {.z = z, .shapes = shapes, .ok = true};
	if (!zipstream_entry(z, "data.json", -1, time_now_ms() / 1000))
		return false;
	if (put_data_json(&o, &user, &e) && put_photos(z, &user, &e))
		return true;
	if (e.code)
		derr_from_store(err, &e);
	return false;
}
